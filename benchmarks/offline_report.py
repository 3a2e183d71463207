"""Final-evaluation table of offline runs (bc, td3bc): per seed, per task, IQM and mean with CIs,
and each task's success in the data the runs learned from.

    python benchmarks/offline_report.py runs/offline/bc-mt10-expert-s* \\
        --label "BC, MT10 expert" --out benchmarks/results/learning/offline/bc_mt10_expert.json

Scores are the last evaluation of each run (``evals/step_<last>.json``: the final policy,
not the best one over training), a (seeds x tasks) matrix; intervals are the stratified
bootstrap of :mod:`manyworld.evaluation.stats`. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

from manyworld.evaluation.stats import interval_estimate


def final_eval(run: Path) -> dict:
    evals = sorted((run / "evals").glob("step_*.json"))
    if not evals:
        raise SystemExit(f"error: {run} has no evaluation yet")
    return json.loads(evals[-1].read_text())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs", nargs="+", type=Path)
    p.add_argument("--label", required=True)
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    results = [final_eval(r) for r in args.runs]
    tasks = list(results[0]["per_task"])
    scores = np.array([[r["per_task"][t]["success_rate"] for t in tasks] for r in results])
    metrics = [json.loads((r / "metrics.jsonl").read_text().splitlines()[-1]) for r in args.runs]
    ckpt_meta = []
    for run in args.runs:
        last = max((run / "checkpoints").glob("step_*"))
        ckpt_meta.append(json.loads((last / "meta.json").read_text()))
    data_success = {}
    for meta in ckpt_meta[:1]:
        root = meta["agent"]["dataset_root"] or os.environ.get("MINARI_DATASETS_PATH", "")
        for ident in meta["trainer"]["datasets"]:
            md = json.loads((Path(root) / ident / "data" / "metadata.json").read_text())
            data_success[md["manyworld"]["task"]] = md["manyworld"]["success_rate"]
    iqm = interval_estimate(scores, "iqm")
    mean = interval_estimate(scores, "mean")
    summary = {
        "label": args.label,
        "runs": [str(r) for r in args.runs],
        "tasks": tasks,
        "final_success_per_seed": scores.mean(axis=1).tolist(),
        "per_task_mean": dict(zip(tasks, scores.mean(axis=0).tolist())),
        "data_success": data_success,
        "iqm": [iqm.point, iqm.low, iqm.high],
        "mean": [mean.point, mean.low, mean.high],
        "updates": [m["updates"] for m in metrics],
        "wall_min": [round(m["wall_s"] / 60, 1) for m in metrics],
    }
    seeds = " / ".join(f"{s:.2f}" for s in summary["final_success_per_seed"])
    print("| setting | seeds | final success per seed | mean [95% CI] | IQM [95% CI] | updates "
          "| wall-clock (min) |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {args.label} | {len(results)} | {seeds} | {mean.point:.2f} [{mean.low:.2f}, {mean.high:.2f}] "
          f"| {iqm.point:.2f} [{iqm.low:.2f}, {iqm.high:.2f}] | "
          f"{' / '.join(f'{u / 1e3:.0f}k' for u in summary['updates'])} | "
          f"{' / '.join(str(w) for w in summary['wall_min'])} |")
    print()
    print("| task | data success | final success (mean over seeds) |")
    print("|---|---|---|")
    for t in tasks:
        d = data_success.get(t)
        print(f"| {t} | {'-' if d is None else f'{d:.2f}'} | {summary['per_task_mean'][t]:.2f} |")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(summary, indent=1))
        os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
