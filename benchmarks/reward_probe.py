"""Issue 18's reward-hacking probe on learners: do failed runs earn success-level returns?

The gate's probe holds the scripted expert short of success; this one asks the agents that
were trained on the dense reward. For each single-task run directory, its final policy and
the task's expert each play the 50 held-out variations for the full 500 steps (no early end
at success), and every episode the learner fails is compared with the expert's episode on
the same variation: ``return ratio = learner's return / expert's return``. A reward that can
be hacked shows as failed episodes whose ratio approaches or passes 1 (the learner found
reward without success); a sound one leaves failures well below the expert.

Where the failed episodes stopped, from the env's info at every step: the share that ever
had the hand at the object (``near_object``) and that ever held it (``grasp_success``; shown
only for tasks whose expert grasps), against the expert's, and the closest the object came
to its goal (``obj_to_target``, median over the failed episodes).

    python benchmarks/reward_probe.py runs/sweeps/learnability-*/runs/* \\
        --only-below benchmarks/results/learnability/learnability.json \\
        --out benchmarks/results/learnability/reward_probe.json

(``--only-below``: probe only the runs of the tasks that learnability.py's summary lists
below 0.9.)

also writes the Markdown table next to it (``reward_probe.md``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from manyworld.benchmarks import get_benchmark
from manyworld.benchmarks.envs import make_env
from manyworld.benchmarks.sampling import all_pairs
from manyworld.envs.batch_env import MAX_EPISODE_STEPS
from manyworld.envs.rollout import run_episodes
from manyworld.evaluation.agents import load_agent
from manyworld.evaluation.results import atomic_path, read_json, write_json_atomic
from manyworld.report.collect import read_run_record
from manyworld.tasks.base import NUM_VARIATIONS

SPLIT = "test"  # the 50 held-out variations, each played for the whole horizon
# Where a learner's failures sit, by their median return relative to the expert's: close to
# it means the dense reward pays nearly as much short of success as success does (a shaping
# problem: the last step to success is barely rewarded); far below means the learner never
# got to the later stages of the task (an exploration problem: a grasp, a hook, a push it
# did not find). The expert held short of success earns 0.16-0.91 of its return (the gate's
# probe), so the two bounds bracket that range.
PLATEAU_RATIO = 0.8
EXPLORATION_RATIO = 0.5


def diagnose(success: float, failed_median_ratio: float | None) -> str:
    """A short reading of a run's failures (see PLATEAU_RATIO)."""
    if failed_median_ratio is None or success >= 0.9:
        return "learned"
    if failed_median_ratio >= PLATEAU_RATIO:
        return "plateau short of success (shaping)"
    if failed_median_ratio <= EXPLORATION_RATIO:
        return "later stages never reached (exploration)"
    return "partway (shaping and exploration)"


def play(agent, bench) -> dict[str, np.ndarray]:
    """One full-length episode per held-out variation (variation order): per episode the
    return, success, whether the hand ever reached and held the object, and the object's
    closest approach to its goal."""
    pairs = all_pairs(bench, SPLIT, NUM_VARIATIONS, tasks=bench.train_tasks)
    env = make_env(bench, max_episode_steps=MAX_EPISODE_STEPS, terminate_on_success=False,
                   episode_statistics=False, num_threads=1)
    env.set_tasks(pairs)
    if hasattr(agent, "set_world_tasks"):
        agent.set_world_tasks([p.task for p in pairs])
    w = len(pairs)
    seen = {"reached": np.zeros(w, bool), "grasped": np.zeros(w, bool), "closest": np.full(w, np.inf)}

    def track(t, obs, reward, terminated, truncated, info, active):
        seen["reached"] |= np.asarray(info["near_object"], bool) & active
        seen["grasped"] |= np.asarray(info["grasp_success"], bool) & active
        seen["closest"] = np.where(active, np.minimum(seen["closest"], info["obj_to_target"]), seen["closest"])

    episodes = run_episodes(env, agent, on_step=track)
    order = np.argsort([p.index for p in pairs])
    return {"returns": episodes.returns[order], "success": episodes.success[order],
            **{k: v[order] for k, v in seen.items()}}


def run_task(run_dir: Path) -> str | None:
    """The single task a run directory trained on (None for a multi-task run or no run)."""
    try:
        tasks = get_benchmark(read_json(run_dir / "config.json")["benchmark"]).train_tasks
    except (FileNotFoundError, ValueError, KeyError):
        return None
    return tasks[0] if len(tasks) == 1 else None


def finished(run_dir: Path) -> bool:
    """Whether the run reached its final evaluation (a run still training is not probed)."""
    try:
        read_run_record(run_dir)
    except (ValueError, FileNotFoundError) as err:
        print(f"skipped: {err}", file=sys.stderr)
        return False
    return True


def probe(run_dir: Path, expert_cache: dict[str, dict]) -> dict:
    """The learner against the expert, variation by variation, on the run's single task."""
    config = read_json(run_dir / "config.json")
    bench = get_benchmark(config["benchmark"])
    if len(bench.train_tasks) != 1:
        raise ValueError(f"{run_dir}: trains {len(bench.train_tasks)} tasks; the probe takes single-task runs")
    task = bench.train_tasks[0]
    ours = play(load_agent(str(run_dir)), bench)
    if task not in expert_cache:
        expert_cache[task] = play(load_agent("expert"), bench)
    expert = expert_cache[task]
    solved = ours["success"]
    failed = ~solved & expert["success"]
    ratio = ours["returns"][failed] / expert["returns"][failed]
    grasp_task = bool(expert["grasped"].mean() >= 0.5)  # the expert holds the object on its way

    def share(key: str, which: np.ndarray) -> float | None:
        return float(ours[key][which].mean()) if which.any() else None

    return {
        "task": task,
        "run_dir": str(run_dir),
        "success": float(solved.mean()),
        "expert_success": float(expert["success"].mean()),
        "failed_episodes": int(failed.sum()),
        "failed_return_ratio_max": float(ratio.max()) if ratio.size else None,
        "failed_return_ratio_median": float(np.median(ratio)) if ratio.size else None,
        "solved_return_ratio_median": (float(np.median(ours["returns"][solved] / expert["returns"][solved]))
                                       if solved.any() else None),
        "failed_mean_reward_per_step": (float(ours["returns"][failed].mean() / MAX_EPISODE_STEPS)
                                        if failed.any() else None),
        "failed_reached": share("reached", failed),
        "failed_grasped": share("grasped", failed) if grasp_task else None,
        "expert_reached": float(expert["reached"].mean()),
        "expert_grasped": float(expert["grasped"].mean()) if grasp_task else None,
        "failed_closest_median": float(np.median(ours["closest"][failed])) if failed.any() else None,
        "diagnosis": diagnose(float(solved.mean()), float(np.median(ratio)) if ratio.size else None),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="single-task run directories")
    parser.add_argument("--out", required=True, help="JSON file for the results")
    parser.add_argument("--only-below", type=Path, metavar="LEARNABILITY_JSON",
                        help="probe only the runs of the tasks this learnability.json lists below 0.9")
    args = parser.parse_args(argv)
    runs = list(map(Path, args.runs))
    if args.only_below:
        below = set(read_json(args.only_below)["summary"]["below_0.9"])
        runs = [run for run in runs if run_task(run) in below]
    runs = [run for run in runs if finished(run)]
    cache: dict[str, dict] = {}
    rows = []
    for run in runs:
        try:
            row = probe(run, cache)
        except (ValueError, FileNotFoundError, KeyError) as err:
            print(f"skipped {run}: {err}", file=sys.stderr)
            continue
        rows.append(row)
        worst, median = row["failed_return_ratio_max"], row["failed_return_ratio_median"]
        ratios = "-" if worst is None else f"max {worst:.2f}, median {median:.2f}"
        print(f"{row['task']:26s} success {row['success']:.2f}  failed {row['failed_episodes']:2d}  "
              f"failed/expert return: {ratios}  {row['diagnosis']}", flush=True)
    write_json_atomic(args.out, {"protocol": f"50 {SPLIT} variations, {MAX_EPISODE_STEPS} steps, no early end at success",
                                 "runs": rows})
    with atomic_path(Path(args.out).with_suffix(".md")) as tmp, open(tmp, "w") as f:
        f.write(markdown(rows) + "\n")
    return 0 if rows else 2


def markdown(rows: list[dict]) -> str:
    """The table for BENCHMARKS.md: one row per run that failed somewhere."""
    def pct(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}"

    lines = [("| task | run | success | failed episodes | failed / expert return: median (max) | "
             "failed: reached object | failed: held object | failed: closest to goal (cm) | reading |"),
             "|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["success"], r["task"])):
        if not r["failed_episodes"]:
            continue
        held = "-" if r.get("failed_grasped") is None else f"{r['failed_grasped']:.2f}"
        closest = "-" if r.get("failed_closest_median") is None else f"{100 * r['failed_closest_median']:.1f}"
        lines.append(f"| {r['task']} | {Path(r['run_dir']).name} | {r['success']:.2f} | {r['failed_episodes']} | "
                     f"{r['failed_return_ratio_median']:.2f} ({r['failed_return_ratio_max']:.2f}) | "
                     f"{pct(r.get('failed_reached'))} | {held} | {closest} | {r['diagnosis']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
