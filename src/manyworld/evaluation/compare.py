"""Compare result files: refuse mismatched protocols, else a table with bootstrap CIs.

Result files are grouped by agent (its ``label``, else its ``name``); each file
of a group is one run (seed). For each agent the per-task success rates of its
runs form a (runs, tasks) matrix, summarised by mean, median and IQM with 95%
stratified-bootstrap intervals; with several agents, the probability that each
improves on the first. All numbers are final success rates, never maxima over
training; the table says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from manyworld.evaluation import stats
from manyworld.evaluation.results import protocol_differences, read_result


class IncomparableResultsError(ValueError):
    """Result files whose protocols differ; the message names the differences."""


@dataclass
class AgentRuns:
    """The runs of one agent: a (runs, tasks) matrix of per-task success rates."""

    label: str
    seeds: list[Any]
    tasks: list[str]
    scores: np.ndarray
    sources: list[str]


def check_comparable(
    results: Sequence[dict[str, Any]], sources: Sequence[str] | None = None
) -> None:
    """Raise :class:`IncomparableResultsError` unless every protocol block equals the first."""
    sources = list(sources or [f"result {i}" for i in range(len(results))])
    if not results:
        raise ValueError("nothing to compare")
    first = results[0]["protocol"]
    for res, src in zip(results[1:], sources[1:]):
        diff = protocol_differences(first, res["protocol"])
        if diff:
            raise IncomparableResultsError(
                f"cannot compare {sources[0]} and {src}: their protocols differ: "
                + "; ".join(diff)
                + ". Results compare only under identical protocols; re-evaluate one of them with the "
                "other's settings (`manyworld eval` prints its protocol)."
            )


def group_runs(results: Sequence[dict[str, Any]], sources: Sequence[str]) -> list[AgentRuns]:
    """Group results by agent label, in order of first appearance."""
    groups: dict[str, AgentRuns] = {}
    tasks = sorted(results[0]["per_task"])
    for res, src in zip(results, sources):
        label = res["agent"].get("label") or res["agent"]["name"]
        if sorted(res["per_task"]) != tasks:
            raise IncomparableResultsError(
                f"{src} scores tasks {sorted(res['per_task'])}, {sources[0]} scores {tasks}"
            )
        row = np.array([res["per_task"][t]["success_rate"] for t in tasks])
        g = groups.setdefault(label, AgentRuns(label, [], tasks, np.zeros((0, len(tasks))), []))
        g.seeds.append(res.get("seed"))
        g.scores = np.vstack([g.scores, row])
        g.sources.append(src)
    return list(groups.values())


def compare(
    paths: Sequence[str | Path], *, reps: int = 10_000, confidence: float = 0.95, seed: int = 0
) -> dict[str, Any]:
    """Read, check and summarise result files.

    Returns:
        ``{"protocol": ..., "benchmark": ..., "agents": [{"label", "runs", "seeds",
        "mean"/"median"/"iqm": Estimate dicts}], "improvement": [...]}``.

    Raises:
        ResultFileError: a file is missing, foreign or corrupt.
        IncomparableResultsError: protocols (or scored tasks) differ.
    """
    sources = [str(p) for p in paths]
    results = [read_result(p) for p in paths]
    check_comparable(results, sources)
    groups = group_runs(results, sources)
    agents = []
    for g in groups:
        est = stats.interval_estimates(
            g.scores, ("mean", "median", "iqm"), reps=reps, confidence=confidence, seed=seed
        )
        dup = sorted({s for s in g.seeds if g.seeds.count(s) > 1}, key=str)
        agents.append(
            {
                "label": g.label,
                "runs": len(g.seeds),
                "seeds": g.seeds,
                "duplicate_seeds": dup,
                **{k: v.to_dict() for k, v in est.items()},
            }
        )
    improvement = []
    for g in groups[1:]:
        poi = stats.probability_of_improvement_ci(
            g.scores, groups[0].scores, reps=min(reps, 2_000), confidence=confidence, seed=seed
        )
        improvement.append({"x": g.label, "y": groups[0].label, **poi.to_dict()})
    return {
        "protocol": results[0]["protocol"],
        "benchmark": results[0]["benchmark"]["name"],
        "benchmark_hash": results[0]["benchmark"]["hash"],
        "confidence": confidence,
        "reps": reps,
        "agents": agents,
        "improvement": improvement,
    }


def format_table(summary: dict[str, Any]) -> str:
    """The comparison as a text table."""
    p = summary["protocol"]
    conf = round(100 * summary["confidence"])
    setting = (
        f"{summary['benchmark']} (hash {summary['benchmark_hash']}), {p['kind']} protocol: horizon "
        f"{p['horizon']}, terminate-on-success {p['terminate_on_success']}, goal "
        f"{'visible' if p['goal_visible'] else 'hidden'}, one-hot {p['one_hot']}"
    )
    caption = (
        f"Final success rate (%), not the maximum over training; {conf}% stratified-bootstrap CIs "
        f"({summary['reps']} replicates) over runs x tasks."
    )
    lines = [setting, caption, ""]
    head = f"{'agent':<24}{'runs':>5}  {'mean':<22}{'median':<22}{'IQM':<22}"
    lines += [head, "-" * len(head)]
    for a in summary["agents"]:
        cells = [stats.Estimate(**a[m]).format() for m in ("mean", "median", "iqm")]
        lines.append(f"{a['label']:<24}{a['runs']:>5}  {cells[0]:<22}{cells[1]:<22}{cells[2]:<22}")
        if a["duplicate_seeds"]:
            lines.append(
                f"  warning: {a['label']} has several files with seed(s) {a['duplicate_seeds']}"
            )
    for imp in summary["improvement"]:
        lines.append(
            f"P({imp['x']} > {imp['y']}) = {imp['point']:.2f} [{imp['low']:.2f}, {imp['high']:.2f}]"
        )
    return "\n".join(lines)
