"""Results tables of training runs: final success as IQM with 95% bootstrap CIs, per group of seeds.

    python benchmarks/onpolicy_tables.py --out benchmarks/results/learning/onpolicy_results.json \
        "PPO, reach=runs/onpolicy/ppo-reach-s?" "MT-PPO, MT10=runs/onpolicy/mtppo-mt10-s?"

Each argument is ``LABEL=GLOB``: the run directories of one setting (one per seed). For every
run it reads the **final** evaluation (the newest ``evals/step_*.json``, not the maximum over
training), the env steps and wall-clock of the run, and the first evaluation at or above 0.9.
With ``--budget-minutes M``, a run's score is its last evaluation completed within M minutes
of wall-clock (what a run given that budget would have reported last; evaluations count in
the wall-clock), for settings compared at a wall-clock budget (the MT10 "2 hours" figures):

    python benchmarks/onpolicy_tables.py --budget-minutes 120 --per-task \
        "MT-PPO, MT10=benchmarks/results/learning/onpolicy-v2/runs/mtppo-mt10-s?"

A group may carry its own budget as ``LABEL=GLOB@MINUTES`` (it overrides ``--budget-minutes``),
so that one table holds settings with different budgets (MT10 at 2 hours, MT50 at 6):

    python benchmarks/onpolicy_tables.py "MT-PPO, MT10 (2 h)=runs/mtppo-mt10-s?@120" \
        "MT-PPO, MT50 (6 h)=runs/mtppo-mt50-s?@360" "PPO, push=runs/ppo-push-s?"

Scores are the per-task success rates of the final evaluations (runs x tasks); the mean and
the IQM with their 95% stratified-bootstrap intervals come from :mod:`manyworld.evaluation.stats` (rliable's
method). Published figures are printed beside the ones they correspond to (paper v2 Table 1,
which reports the mean over 10 seeds of each run's *maximum* success over training).
"""

from __future__ import annotations

import argparse
import glob
import json
from pathlib import Path

import numpy as np

from manyworld.evaluation.results import write_json_atomic
from manyworld.evaluation.stats import interval_estimate
from manyworld.report.published import PUBLISHED


def read_run(run_dir: Path, threshold: float = 0.9, budget_minutes: float | None = None) -> dict:
    """Final evaluation, budget and first crossing of ``threshold`` of one run directory.

    With ``budget_minutes``, "final" is the last evaluation whose step was reached within
    that much wall-clock (evaluations included).
    """
    config = json.loads((run_dir / "config.json").read_text())
    rows = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines() if x]
    evals = sorted((run_dir / "evals").glob("step_*.json"))
    wall = {r["env_steps"]: r["wall_s"] for r in rows}
    if budget_minutes is not None:
        within = [p for p in evals if wall.get(int(p.stem.removeprefix("step_")), float("inf"))
                  <= 60 * budget_minutes]  # fmt: skip
        if not within:
            raise ValueError(f"{run_dir}: no evaluation within {budget_minutes:g} minutes")
        evals = within
    if not evals:
        raise ValueError(f"{run_dir}: no evaluation yet")
    first = None
    for path in evals:
        result = json.loads(path.read_text())
        if result["aggregate"]["success_rate"] >= threshold:
            steps = result["env_steps_trained"]
            first = {"env_steps": steps, "wall_s": wall.get(steps)}
            break
    final = json.loads(evals[-1].read_text())
    return {
        "run_dir": str(run_dir),
        "algo": config["algo"],
        "benchmark": config["benchmark"],
        "seed": config["run"]["seed"],
        "env_steps": final["env_steps_trained"],
        "wall_s": wall.get(final["env_steps_trained"], rows[-1]["wall_s"]),
        "final_success": final["aggregate"]["success_rate"],
        "per_task": {t: v["success_rate"] for t, v in final["per_task"].items()},
        "first_at_threshold": first,
        "eval_split": final["protocol"].get("split"),
        "cpu": config.get("machine", {}).get("cpu", "?"),
    }


def summarise(label: str, runs: list[dict]) -> dict:
    """IQM and 95% CI of the final per-task success over the seeds of one setting."""
    tasks = sorted(runs[0]["per_task"])
    scores = np.array([[r["per_task"][t] for t in tasks] for r in runs])
    est = interval_estimate(scores, "iqm")
    mean = interval_estimate(scores, "mean")
    pub = PUBLISHED.get((runs[0]["algo"], runs[0]["benchmark"]))
    return {
        "label": label,
        "algo": runs[0]["algo"],
        "benchmark": runs[0]["benchmark"],
        "seeds": [r["seed"] for r in runs],
        "final_success": [r["final_success"] for r in runs],
        "iqm": est.point,
        "ci95": [est.low, est.high],
        "mean": mean.point,
        "mean_ci95": [mean.low, mean.high],
        "env_steps": [r["env_steps"] for r in runs],
        "wall_min": [round(r["wall_s"] / 60, 1) for r in runs],
        "cpu": [r["cpu"] for r in runs],
        "to_0.9": [r["first_at_threshold"] for r in runs],
        "per_task_mean": {t: float(scores[:, i].mean()) for i, t in enumerate(tasks)},
        "published": {"percent": pub[0], "source": pub[1]} if pub else None,
        "runs": runs,
    }


def markdown(groups: list[dict]) -> str:
    """One row per group: seeds, final success per seed, IQM [CI], budget, 0.9 crossing, paper."""
    head = ("| setting | seeds | final success per seed | mean [95% CI] | IQM [95% CI] | env steps "
            "| wall-clock (min) | first eval >= 0.9: env steps at min | CPU per seed | published |")
    out = [head, "|---" * 10 + "|"]
    for g in groups:
        cross = "; ".join(
            "not reached" if c is None else f"{c['env_steps'] / 1e6:.2f}M at "
            + ("?" if c["wall_s"] is None else f"{c['wall_s'] / 60:.1f}")
            for c in g["to_0.9"]
        )
        pub = f"{g['published']['percent']:.1f}%" if g["published"] else "-"
        out.append(
            f"| {g['label']} | {len(g['seeds'])} | "
            + " / ".join(f"{s:.2f}" for s in g["final_success"])
            + f" | {g['mean']:.2f} [{g['mean_ci95'][0]:.2f}, {g['mean_ci95'][1]:.2f}]"
            + f" | {g['iqm']:.2f} [{g['ci95'][0]:.2f}, {g['ci95'][1]:.2f}] | "
            + " / ".join(f"{s / 1e6:.2f}M" for s in g["env_steps"])
            + " | " + " / ".join(str(w) for w in g["wall_min"]) + f" | {cross} | "
            + " / ".join(_short_cpu(c) for c in g["cpu"]) + f" | {pub} |"
        )
    return "\n".join(out)


def _short_cpu(name: str) -> str:
    """``Intel(R) Xeon(R) Processor`` -> ``Xeon``, ``AMD EPYC`` -> ``EPYC``: the table's column."""
    for word in ("EPYC", "Xeon", "Core", "Ryzen", "Apple"):
        if word in name:
            return word
    return name


def per_task_markdown(groups: list[dict]) -> str:
    """Final success per task (mean over seeds), one column per group."""
    tasks = sorted({t for g in groups for t in g["per_task_mean"]})
    out = ["| task | " + " | ".join(g["label"] for g in groups) + " |",
           "|---" * (len(groups) + 1) + "|"]  # fmt: skip
    for t in tasks:
        cells = [f"{g['per_task_mean'][t]:.2f}" if t in g["per_task_mean"] else "-" for g in groups]
        out.append(f"| {t} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def split_budget(pattern: str, default: float | None) -> tuple[str, float | None]:
    """``GLOB@MINUTES`` -> (GLOB, MINUTES); a pattern without a numeric suffix keeps ``default``."""
    head, sep, tail = pattern.rpartition("@")
    if not sep:
        return pattern, default
    try:
        minutes = float(tail)
    except ValueError:
        raise SystemExit(f"error: {pattern!r}: the budget after '@' must be minutes, got {tail!r}") from None
    if minutes <= 0:
        raise SystemExit(f"error: {pattern!r}: the budget must be positive minutes")
    return head, minutes


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("groups", nargs="+", help="LABEL=GLOB of run directories")
    p.add_argument("--out", help="JSON file for the summaries")
    p.add_argument("--per-task", action="store_true", help="also a per-task table")
    p.add_argument("--budget-minutes", type=float,
                   help="score each run by its last evaluation within this wall-clock budget")
    args = p.parse_args()
    groups = []
    for spec in args.groups:
        label, _, pattern = spec.partition("=")
        pattern, budget = split_budget(pattern, args.budget_minutes)
        dirs = sorted(Path(d) for d in glob.glob(pattern))
        if not dirs:
            raise SystemExit(f"error: no run directories match {pattern!r}")
        try:
            runs = [read_run(d, budget_minutes=budget) for d in dirs]
        except ValueError as err:
            raise SystemExit(f"error: {err}") from None
        groups.append(summarise(label, runs) | {"budget_minutes": budget})
    print(markdown(groups))
    if args.per_task:
        print()
        print(per_task_markdown(groups))
    if args.out:
        write_json_atomic(args.out, {"groups": groups})


if __name__ == "__main__":
    main()
