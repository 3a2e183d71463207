"""The MuJoCo Warp back-end against the mujoco one, task by task: expert success, drift, speed.

For each task, on the Warp back-end (``--device``):

- the scripted expert on the first ``--variations`` train and test variations,
  acting on the Warp env's own observations, as the quality gate's expert
  checks do (pass: >= 0.95 on each split);
- the drift of one trajectory: ``--drift-worlds`` train variations driven by the
  same actions (the expert's, on the mujoco env) on both back-ends for a whole
  episode; the largest difference of the hand and object positions (m) and of
  the whole observation, and whether each world's success agrees;
- env steps/s of both back-ends at the expert run's world count (2 x variations).

Writes one JSON row per task as it goes (a rerun skips the tasks already in
``--out``), so a long run over all 50 tasks can be stopped and continued, and the
Markdown table of all rows beside it (``<out>.md``, for docs/backends.md).

    python benchmarks/warp_parity.py MT10 --device cpu --out benchmarks/results/warp/parity_cpu.json
    python benchmarks/fill_tables.py docs/backends.md warp_parity=benchmarks/results/warp/parity_cpu.md
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from manyworld.envs.batch_env import BatchEnv
from manyworld.evaluation.results import write_json_atomic
from manyworld.tasks.base import get_task, tasks_of

EXPERT_MIN_SUCCESS = 0.95


def expert_on(env: BatchEnv, rows: np.ndarray) -> tuple[np.ndarray, float]:
    """Run the task's expert on variations ``rows`` for one episode: (solved per world, env steps/s)."""
    env.set_task(rows)
    obs, _ = env.reset()
    solved = np.zeros(env.num_worlds, bool)
    t0 = time.perf_counter()
    for _ in range(env.max_episode_steps):
        obs, _, _, _, info = env.step(env.task_cls.expert(obs))
        solved |= info["success"] > 0
    return solved, env.num_worlds * env.max_episode_steps / (time.perf_counter() - t0)


def drift(task: str, rows: np.ndarray, device: str | None) -> dict:
    """One episode of the same actions on both back-ends: the largest differences."""
    envs = [BatchEnv(task, len(rows), num_threads=1), BatchEnv(task, len(rows), backend="warp", device=device)]
    obs = []
    for env in envs:
        env.set_task(rows)
        obs.append(env.reset()[0])
    worst = {"hand_m": 0.0, "object_m": 0.0, "obs": 0.0}
    solved = np.zeros((2, len(rows)), bool)
    expert = envs[0].task_cls.expert
    for _ in range(envs[0].max_episode_steps):
        actions = expert(obs[0])
        for i, env in enumerate(envs):
            obs[i], _, _, _, info = env.step(actions)
            solved[i] |= info["success"] > 0
        diff = np.abs(obs[1] - obs[0])
        for name, value in (("hand_m", diff[:, :3]), ("object_m", diff[:, 4:7]), ("obs", diff)):
            worst[name] = max(worst[name], float(value.max()))
    return {**worst, "success_agrees": int((solved[0] == solved[1]).sum()), "worlds": len(rows),
            "warp_unstable": int(envs[1].sim.unstable().sum())}  # fmt: skip


def table(rows: list[dict]) -> str:
    """The rows as a Markdown table, one line per task."""
    header = ("| task | expert train | expert test | drift: hand / object (mm) | success agrees | "
              "env steps/s: warp / mujoco (1 thread) |")
    lines = [header, "|---|---|---|---|---|---|"]
    for r in rows:
        d = r["drift"]
        lines.append(f"| {r['task']} | {r['expert_train_success']:.2f} | {r['expert_test_success']:.2f} | "
                     f"{d['hand_m'] * 1000:.4f} / {d['object_m'] * 1000:.4f} | {d['success_agrees']}/{d['worlds']} | "
                     f"{r['warp_steps_per_s_train']:.0f} / {r['mujoco_steps_per_s_1_thread']:,.0f} |")  # fmt: skip
    k = rows[0]["variations"] if rows else 0
    passed = sum(r["expert_passes"] for r in rows)
    lines.append(f"\n{passed} of {len(rows)} tasks: the expert at or above {EXPERT_MIN_SUCCESS} on {k} train and "
                 f"{k} test variations on the Warp back-end ({rows[0]['device'] if rows else '-'}); env steps/s "
                 f"of the expert's train episode, {k} worlds, on each back-end.")  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("tasks", nargs="+", help="task names, a tag (MT10, MT50) or 'all'")
    p.add_argument("--device", default="cpu", help="Warp device (cpu, cuda:0)")
    p.add_argument("--variations", type=int, default=10, help="train and test variations for the expert")
    p.add_argument("--drift-worlds", type=int, default=2)
    p.add_argument("--out", required=True, help="JSON file of one row per task (continued if it exists)")
    args = p.parse_args(argv)
    out = Path(args.out)
    rows = json.loads(out.read_text()) if out.exists() else []
    done = {r["task"] for r in rows}
    names = [t for t in tasks_of(args.tasks) if t not in done]
    t_start = time.perf_counter()
    for k, task in enumerate(names, 1):
        t0 = time.perf_counter()
        task_cls = get_task(task)
        k_var = args.variations
        row: dict = {"task": task, "device": args.device, "variations": k_var}
        for split in ("train", "test"):
            variations = task_cls.variations(split)[:k_var]
            solved, warp_speed = expert_on(BatchEnv(task, k_var, seed=0, backend="warp", device=args.device),
                                           variations)  # fmt: skip
            row[f"expert_{split}_success"] = float(solved.mean())
            row[f"expert_{split}_failed"] = np.flatnonzero(~solved).tolist()
            row[f"warp_steps_per_s_{split}"] = round(warp_speed, 1)
        _, mujoco_speed = expert_on(BatchEnv(task, k_var, seed=0, num_threads=1),
                                    task_cls.variations("train")[:k_var])  # fmt: skip
        row["mujoco_steps_per_s_1_thread"] = round(mujoco_speed, 1)
        row["expert_passes"] = min(row["expert_train_success"], row["expert_test_success"]) >= EXPERT_MIN_SUCCESS
        row["drift"] = drift(task, task_cls.variations("train")[: args.drift_worlds], args.device)
        row["seconds"] = round(time.perf_counter() - t0, 1)
        rows.append(row)
        write_json_atomic(out, rows)
        out.with_suffix(".md").write_text(table(rows))
        elapsed = time.perf_counter() - t_start
        print(f"{task}: expert train {row['expert_train_success']:.2f} test {row['expert_test_success']:.2f}, "
              f"drift hand {row['drift']['hand_m'] * 1000:.2f} mm object {row['drift']['object_m'] * 1000:.2f} mm, "
              f"warp {row['warp_steps_per_s_train']:.0f} vs mujoco {mujoco_speed:.0f} env steps/s  "
              f"[{k}/{len(names)}, {elapsed / 60:.1f} min, ETA {elapsed / k * (len(names) - k) / 60:.0f} min]",
              flush=True)  # fmt: skip
    passed = sum(r["expert_passes"] for r in rows)
    print(f"{passed}/{len(rows)} tasks: the expert passes on the warp back-end ({args.device})")
    return 0 if passed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
