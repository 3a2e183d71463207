"""Issue 18's reward-hacking probe on learners: do failed runs earn success-level returns?

The gate's probe holds the scripted expert short of success; this one asks the agents that
were trained on the dense reward. For each single-task run directory, its final policy and
the task's expert each play the 50 held-out variations for the full 500 steps (no early end
at success), and every episode the learner fails is compared with the expert's episode on
the same variation: ``return ratio = learner's return / expert's return``. A reward that can
be hacked shows as failed episodes whose ratio approaches or passes 1 (the learner found
reward without success); a sound one leaves failures well below the expert.

    python benchmarks/reward_probe.py runs/sweeps/learnability-ppo/runs/ppo-* \\
        --out benchmarks/results/learnability/reward_probe.json

also writes the Markdown table next to it (``reward_probe.md``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from manyworld.benchmarks import get_benchmark
from manyworld.evaluation.agents import load_agent
from manyworld.evaluation.multitask import MTProtocol, evaluate_multitask
from manyworld.evaluation.results import atomic_path, read_json, write_json_atomic

PROTOCOL = MTProtocol(terminate_on_success=False, split="test")
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


def returns_and_success(result: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per variation (in the result's order): the episode return and success."""
    outcomes = sorted(result["outcomes"], key=lambda o: o["variation"])
    return (np.array([o["return"][0] for o in outcomes]), np.array([bool(o["success"][0]) for o in outcomes]))


def probe(run_dir: Path, expert_cache: dict[str, dict]) -> dict:
    """The learner against the expert, variation by variation, on the run's single task."""
    config = read_json(run_dir / "config.json")
    bench = get_benchmark(config["benchmark"])
    if len(bench.train_tasks) != 1:
        raise ValueError(f"{run_dir}: trains {len(bench.train_tasks)} tasks; the probe takes single-task runs")
    task = bench.train_tasks[0]
    learner = evaluate_multitask(load_agent(str(run_dir)), bench, PROTOCOL, progress=None)
    if task not in expert_cache:
        expert_cache[task] = evaluate_multitask(load_agent("expert"), bench, PROTOCOL, progress=None)
    ours, solved = returns_and_success(learner)
    theirs, expert_solved = returns_and_success(expert_cache[task])
    failed = ~solved & expert_solved
    ratio = ours[failed] / theirs[failed]
    return {
        "task": task,
        "run_dir": str(run_dir),
        "success": float(solved.mean()),
        "expert_success": float(expert_solved.mean()),
        "failed_episodes": int(failed.sum()),
        "failed_return_ratio_max": float(ratio.max()) if ratio.size else None,
        "failed_return_ratio_median": float(np.median(ratio)) if ratio.size else None,
        "solved_return_ratio_median": float(np.median(ours[solved] / theirs[solved])) if solved.any() else None,
        "failed_mean_reward_per_step": float(ours[failed].mean() / PROTOCOL.horizon) if failed.any() else None,
        "diagnosis": diagnose(float(solved.mean()), float(np.median(ratio)) if ratio.size else None),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="single-task run directories")
    parser.add_argument("--out", required=True, help="JSON file for the results")
    args = parser.parse_args(argv)
    cache: dict[str, dict] = {}
    rows = []
    for run in map(Path, args.runs):
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
    write_json_atomic(args.out, {"protocol": "50 test variations, 500 steps, no early end at success",
                                 "runs": rows})
    with atomic_path(Path(args.out).with_suffix(".md")) as tmp, open(tmp, "w") as f:
        f.write(markdown(rows) + "\n")
    return 0 if rows else 2


def markdown(rows: list[dict]) -> str:
    """The table for BENCHMARKS.md: one row per run that failed somewhere."""
    lines = ["| task | run | success | failed episodes | failed / expert return: median (max) | reading |",
             "|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["success"], r["task"])):
        if not r["failed_episodes"]:
            continue
        lines.append(f"| {r['task']} | {Path(r['run_dir']).name} | {r['success']:.2f} | {r['failed_episodes']} | "
                     f"{r['failed_return_ratio_median']:.2f} ({r['failed_return_ratio_max']:.2f}) | {r['diagnosis']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
