"""Continual World (CW) result files in the report: success matrices, forgetting, forward transfer.

A CW result file (``manyworld eval --benchmark CW10 ... --out``, or
:meth:`manyworld.evaluation.ContinualEvaluation.result`) holds the success of every
task after every stage and CW's metrics (:func:`manyworld.evaluation.continual_metrics`).
Files of one agent under one protocol are its seeds; files under different protocols
are never put in one table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from manyworld.evaluation.results import ResultFileError, protocol_differences, read_result
from manyworld.report.collect import block_id


@dataclass
class ContinualRecord:
    """One CW result file: its success matrix (NaN where not evaluated) and metrics."""

    path: Path
    label: str
    seed: Any
    sequence: list[str]
    matrix: np.ndarray
    metrics: dict[str, Any]
    block: dict[str, Any]


def read_continual(path: Path) -> ContinualRecord:
    """Read a CW result file (ValueError when it holds no success matrix)."""
    result = read_result(path)
    cw = result.get("continual")
    if not isinstance(cw, dict) or "success_matrix" not in cw:
        raise ResultFileError(f"{path}: a CW result file without its continual block")
    matrix = np.array(
        [[np.nan if v is None else float(v) for v in row] for row in cw["success_matrix"]]
    )
    block = {**result["protocol"], "benchmark_identity_hash": result["benchmark"]["hash"]}
    return ContinualRecord(
        path=path,
        label=result["agent"].get("label") or result["agent"]["name"],
        seed=result.get("seed"),
        sequence=list(cw["sequence"]),
        matrix=matrix,
        metrics=dict(cw.get("metrics") or {}),
        block=block,
    )


def continual_groups(records: list[ContinualRecord]) -> list[dict[str, Any]]:
    """CW results by (agent, comparison block): the mean success matrix over the files, with
    each file's average performance, forgetting and forward transfer."""
    groups: dict[tuple[str, str], list[ContinualRecord]] = {}
    for r in records:
        groups.setdefault((r.label, block_id(r.block)), []).append(r)
    out = []
    for k, ((label, bid), members) in enumerate(groups.items(), 1):
        final_rows = np.stack([m.matrix[-1] for m in members])
        per_file = [
            {
                "path": str(m.path),
                "seed": m.seed,
                "average_performance": m.metrics.get("average_performance"),
                "forgetting": m.metrics.get("forgetting"),
                "forward_transfer": m.metrics.get("forward_transfer"),
                "forward_transfer_note": m.metrics.get("forward_transfer_note"),
            }
            for m in members
        ]
        finite = [f["forward_transfer"] for f in per_file if f["forward_transfer"] is not None]
        out.append(
            {
                "id": f"cw{k}",
                "label": label,
                "benchmark": members[0].block.get("benchmark"),
                "comparison_id": bid,
                "block": members[0].block,
                "sequence": members[0].sequence,
                # nan-mean: entries a file did not evaluate (later stages' tasks) stay empty
                "matrix": _nanmean_matrix([m.matrix for m in members]),
                "files": per_file,
                "average_performance": float(final_rows.mean()),
                "forgetting": _mean_or_none([f["forgetting"] for f in per_file]),
                "forward_transfer": _mean_or_none(finite),
            }
        )
    return out


def _nanmean_matrix(matrices: list[np.ndarray]) -> list[list[float | None]]:
    stack = np.stack(matrices)
    seen = ~np.isnan(stack).all(axis=0)
    mean = np.where(seen, np.nansum(stack, axis=0) / np.maximum((~np.isnan(stack)).sum(0), 1), np.nan)
    return [[None if np.isnan(v) else float(v) for v in row] for row in mean]


def _mean_or_none(values: list[Any]) -> float | None:
    nums = [float(v) for v in values if v is not None]
    return float(np.mean(nums)) if nums else None


def continual_kept_apart(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """CW groups of one benchmark whose protocols differ (never put in one table)."""
    out = []
    by_bench: dict[str, list[dict[str, Any]]] = {}
    for g in groups:
        by_bench.setdefault(str(g["benchmark"]), []).append(g)
    for bench, members in by_bench.items():
        first = members[0]
        for other in members[1:]:
            if other["comparison_id"] == first["comparison_id"]:
                continue
            out.append(
                {
                    "benchmark": bench,
                    "set": first["id"],
                    "groups": [f"{first['label']} (CW result files)"],
                    "other_set": other["id"],
                    "other_groups": [f"{other['label']} (CW result files)"],
                    "differences": protocol_differences(first["block"], other["block"]),
                }
            )
    return out
