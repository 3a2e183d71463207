"""The MuJoCo Warp back-end against the mujoco one, task by task: expert success, drift, speed.

For each task, on the Warp back-end (``--device``):

- the scripted expert on the first ``--variations`` train and test variations,
  acting on the Warp env's own observations, as the quality gate's expert
  checks do (pass: >= 0.95 on each split). Train and test variations run in
  one env of 2 x variations worlds, through the shared rollout, until every
  world has succeeded or the horizon (success at any step is what the gate
  counts, so stopping there changes no verdict, and saves most of the Warp
  CPU device's slow steps);
- the drift of one trajectory: ``--drift-worlds`` train variations driven by the
  same actions (the expert's, on the mujoco env) on both back-ends for a whole
  episode; the largest difference of the hand and object positions (m) and of
  the whole observation, and whether each world's success agrees
  (``--drift-worlds 0`` skips it);
- env steps/s of both back-ends on the same expert episodes.

Writes one JSON row per task as it goes (a rerun skips the tasks already in
``--out``), so a long run over all 50 tasks can be stopped and continued, and the
Markdown table of all rows beside it (``<out>.md``, for docs/backends.md).

    python benchmarks/warp_parity.py MT10 --device cpu --out benchmarks/results/warp/parity_cpu_mt10.json
    python benchmarks/warp_parity.py all --device cpu --variations 50 --drift-worlds 0 \
        --out benchmarks/results/warp/parity_cpu_all.json
    python benchmarks/fill_tables.py BENCHMARKS.md warp_parity_all=benchmarks/results/warp/parity_cpu_all.md
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from manyworld.envs.batch_env import BatchEnv
from manyworld.envs.rollout import run_episodes
from manyworld.evaluation.results import write_json_atomic
from manyworld.tasks.base import get_task, tasks_of

EXPERT_MIN_SUCCESS = 0.95


def expert_on(env: BatchEnv, rows: np.ndarray) -> tuple[np.ndarray, float, int]:
    """The task's expert on variations ``rows`` (one world each), one episode each, until all succeed.

    Returns:
        Solved per world, env steps/s, and the steps the episodes ran.
    """
    env.set_task(rows)
    t0 = time.perf_counter()
    res = run_episodes(env, env.task_cls.expert, stop=np.all)
    seconds = time.perf_counter() - t0
    return res.success, res.world_steps / seconds, int(res.lengths.max())


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
        d = r.get("drift")
        moved = f"{d['hand_m'] * 1000:.4f} / {d['object_m'] * 1000:.4f}" if d else "-"
        agrees = f"{d['success_agrees']}/{d['worlds']}" if d else "-"
        warp_speed = r.get("warp_steps_per_s", r.get("warp_steps_per_s_train"))
        lines.append(f"| {r['task']} | {r['expert_train_success']:.2f} | {r['expert_test_success']:.2f} | "
                     f"{moved} | {agrees} | {warp_speed:.0f} / {r['mujoco_steps_per_s_1_thread']:,.0f} |")  # fmt: skip
    k = rows[0]["variations"] if rows else 0
    passed = sum(r["expert_passes"] for r in rows)
    worlds = 2 * k if rows and "warp_steps_per_s" in rows[0] else k
    lines.append(f"\n{passed} of {len(rows)} tasks: the expert at or above {EXPERT_MIN_SUCCESS} on {k} train and "
                 f"{k} test variations on the Warp back-end ({rows[0]['device'] if rows else '-'}); env steps/s "
                 f"of the expert's episodes, {worlds} worlds, on each back-end.")  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("tasks", nargs="+", help="task names, a tag (MT10, MT50) or 'all'")
    p.add_argument("--device", default="cpu", help="Warp device (cpu, cuda:0)")
    p.add_argument("--variations", type=int, default=10, help="train and test variations for the expert")
    p.add_argument("--drift-worlds", type=int, default=2, help="worlds of the drift episode (0: skip it)")
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
        train, test = task_cls.variations("train")[:k_var], task_cls.variations("test")[:k_var]
        both = np.concatenate([train, test])
        solved, warp_speed, steps = expert_on(BatchEnv(task, 2 * k_var, seed=0, backend="warp", device=args.device),
                                              both)  # fmt: skip
        for split, part in (("train", solved[:k_var]), ("test", solved[k_var:])):
            row[f"expert_{split}_success"] = float(part.mean())
            row[f"expert_{split}_failed"] = np.flatnonzero(~part).tolist()
        row["episode_steps"] = steps
        row["warp_steps_per_s"] = round(warp_speed, 1)
        _, mujoco_speed, _ = expert_on(BatchEnv(task, 2 * k_var, seed=0, num_threads=1), both)
        row["mujoco_steps_per_s_1_thread"] = round(mujoco_speed, 1)
        row["expert_passes"] = min(row["expert_train_success"], row["expert_test_success"]) >= EXPERT_MIN_SUCCESS
        if args.drift_worlds:
            row["drift"] = drift(task, train[: args.drift_worlds], args.device)
        row["seconds"] = round(time.perf_counter() - t0, 1)
        rows.append(row)
        write_json_atomic(out, rows)
        out.with_suffix(".md").write_text(table(rows))
        elapsed = time.perf_counter() - t_start
        moved = (f"drift hand {row['drift']['hand_m'] * 1000:.2f} mm object {row['drift']['object_m'] * 1000:.2f} mm, "
                 if args.drift_worlds else "")
        print(f"{task}: expert train {row['expert_train_success']:.2f} test {row['expert_test_success']:.2f} "
              f"({steps} steps), {moved}warp {warp_speed:.0f} vs mujoco {mujoco_speed:.0f} env steps/s  "
              f"[{k}/{len(names)}, {elapsed / 60:.1f} min, ETA {elapsed / k * (len(names) - k) / 60:.0f} min]",
              flush=True)  # fmt: skip
    passed = sum(r["expert_passes"] for r in rows)
    print(f"{passed}/{len(rows)} tasks: the expert passes on the warp back-end ({args.device})")
    return 0 if passed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
