"""Compare runs started by hand with the same runs started by `manyworld sweep`.

For each run name present in both: are the metric rows identical apart from the wall-clock
columns, and how long did each take (the run's own wall_s at its last row, and the process's
wall-clock from the sweep's events)? Writes sweep_overhead.json and .md into --out.

    python benchmarks/sweep_compare.py --hand runs/sweep-overhead/hand/runs \
        --sweep runs/sweeps/sac-single-task --hand-wall 900 --sweep-wall 910 --out DIR
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from manyworld.bench import machine
from manyworld.evaluation.results import write_json_atomic
from manyworld.sweep.state import run_dir_of
from manyworld.train.harness import is_timing


def rows(run_dir: Path) -> list[dict]:
    """The run's metric rows, as logged."""
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    return [json.loads(x) for x in lines]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hand", type=Path, required=True, help="folder of the hand-started run dirs")
    p.add_argument("--sweep", type=Path, required=True, help="the sweep directory")
    p.add_argument("--hand-wall", type=float, required=True, help="seconds all hand runs took")
    p.add_argument("--sweep-wall", type=float, required=True, help="seconds the sweep took")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args()
    runs = []
    for hand_dir in sorted(d for d in args.hand.iterdir() if (d / "metrics.jsonl").exists()):
        sweep_dir = run_dir_of(args.sweep, hand_dir.name)
        if not (sweep_dir / "metrics.jsonl").exists():
            continue
        a, b = rows(hand_dir), rows(sweep_dir)
        strip = [{k: v for k, v in r.items() if not is_timing(k)} for r in a]
        same = strip == [{k: v for k, v in r.items() if not is_timing(k)} for r in b]
        runs.append({
            "run": hand_dir.name,
            "identical_metrics": same,
            "rows": len(a),
            "final_eval_hand": [r["eval_success"] for r in a if r.get("eval_success") is not None][-1],
            "final_eval_sweep": [r["eval_success"] for r in b if r.get("eval_success") is not None][-1],
            "wall_s_hand": a[-1]["wall_s"],
            "wall_s_sweep": b[-1]["wall_s"],
        })  # fmt: skip
    ratios = [r["wall_s_sweep"] / r["wall_s_hand"] for r in runs]
    summary = {
        "machine": machine(),
        "runs": runs,
        "all_identical": all(r["identical_metrics"] for r in runs),
        "median_run_wall_ratio_sweep_over_hand": statistics.median(ratios) if ratios else None,
        "total_wall_s_hand": round(args.hand_wall, 1),
        "total_wall_s_sweep": round(args.sweep_wall, 1),
        "total_wall_ratio_sweep_over_hand": round(args.sweep_wall / args.hand_wall, 3),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(args.out / "sweep_overhead.json", summary)
    lines = [
        "| run | metrics identical | final eval (hand / sweep) | run wall-clock, s (hand / sweep) |",
        "|---|---|---|---|",
    ]
    for r in runs:
        lines.append(f"| {r['run']} | {'yes' if r['identical_metrics'] else 'NO'} | "
                     f"{r['final_eval_hand']:.2f} / {r['final_eval_sweep']:.2f} | "
                     f"{r['wall_s_hand']:.0f} / {r['wall_s_sweep']:.0f} |")  # fmt: skip
    lines.append(
        f"\nAll {len(runs)} runs' metrics identical apart from wall-clock columns: "
        f"{'yes' if summary['all_identical'] else 'NO'}. Median per-run wall-clock ratio sweep/hand: "
        f"{summary['median_run_wall_ratio_sweep_over_hand']:.3f}. Whole set: hand "
        f"{args.hand_wall / 60:.1f} min, sweep {args.sweep_wall / 60:.1f} min (ratio "
        f"{summary['total_wall_ratio_sweep_over_hand']:.3f}); {summary['machine']['cpu']}, "
        f"{summary['machine']['cores']} cores."
    )
    (args.out / "sweep_overhead.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
