"""What ``manyworld report`` is built from: run directories, sweep directories and CW result files.

Everything is read from files (``config.json``, ``benchmark.json``, ``metrics.jsonl``,
``evals/step_<N>.json``, ``evals_meta_train/``, CW result files), never from live
algorithm objects, so a report can be rebuilt from kept run files alone.

Runs are grouped as :mod:`manyworld.report.curves` groups them (same algorithm,
benchmark and settings; seeds and run lengths may differ), and further by their
*comparison block*: the protocol of their final evaluation plus the identity of the
benchmark they trained on (task versions, variation-set hashes). Groups are compared
only with groups of the same block (a :class:`ComparisonSet`); the others are reported
apart, with the differences :func:`~manyworld.evaluation.results.protocol_differences`
names, as ``manyworld compare`` refuses them.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from manyworld.evaluation import stats
from manyworld.evaluation.results import SCHEMA, protocol_differences, read_json, read_result
from manyworld.report.curves import RunCurves, group_labels, read_run
from manyworld.report.published import published

#: JSON files larger than this found while walking directories are not opened as possible
#: CW result files (a CW10 result is well under a megabyte; data dumps can be gigabytes)
_LARGEST_RESULT_BYTES = 64 << 20


# ------------------------------------------------------------------ finding the inputs
@dataclass
class Inputs:
    """Run directories and CW result files found under the report's arguments."""

    run_dirs: list[Path] = field(default_factory=list)
    cw_files: list[Path] = field(default_factory=list)


def is_run_dir(path: Path) -> bool:
    """A training run directory holds ``config.json`` (``manyworld train`` writes it first)."""
    return (path / "config.json").is_file()


def _cw_result_or_none(path: Path) -> dict[str, Any] | None:
    """The content of a CW result file, or None for any other JSON file (read and validated)."""
    try:
        if path.stat().st_size > _LARGEST_RESULT_BYTES:
            return None
        content = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(content, dict) or content.get("schema") != SCHEMA:
        return None
    protocol = content.get("protocol")
    return content if isinstance(protocol, dict) and protocol.get("kind") == "CW" else None


def find_inputs(paths: list[str | Path]) -> Inputs:
    """Run directories (found recursively: a sweep directory holds them under ``runs/``) and
    CW result files under ``paths``, each once, in the order found.

    Raises:
        ValueError: a path does not exist, or a file given is not a CW result file.
    """
    found = Inputs()
    seen: set[Path] = set()

    def add(bucket: list[Path], path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            bucket.append(path)

    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise ValueError(f"{path}: no such file or directory")
        if path.is_file():
            if _cw_result_or_none(path) is None:
                raise ValueError(
                    f"{path}: not a run directory, a sweep directory or a CW result file (the "
                    "report reads those; compare MT/ML result files with `manyworld compare`)"
                )
            add(found.cw_files, path)
            continue
        if is_run_dir(path):
            add(found.run_dirs, path)
            continue
        for root, dirs, files in os.walk(path):
            here = Path(root)
            if is_run_dir(here):
                add(found.run_dirs, here)
                dirs[:] = []  # a run's own files (evals/, checkpoints/) are not more inputs
                continue
            # hidden folders hold temporary files (a report being written, a checkpoint's)
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.endswith(".json") and _cw_result_or_none(here / name) is not None:
                    add(found.cw_files, here / name)
    return found


# ------------------------------------------------------------------ one run
@dataclass
class RunRecord:
    """One run directory, as the report uses it.

    Attributes:
        curves: its metrics and evaluations (:func:`manyworld.report.curves.read_run`).
        config: its ``config.json``.
        final: its final evaluation (the newest ``evals/step_<N>.json``, never the best one).
        meta_train: the newest ``evals_meta_train/`` result (ML runs), else None.
        comparison: the block two runs must share to be compared (:func:`comparison_block`).
        comparison_id: a short hash of it.
    """

    curves: RunCurves
    config: dict[str, Any]
    final: dict[str, Any]
    meta_train: dict[str, Any] | None
    comparison: dict[str, Any]
    comparison_id: str

    @property
    def run_dir(self) -> Path:
        return self.curves.run_dir

    @property
    def seed(self) -> int:
        return self.curves.seed

    @property
    def final_success(self) -> float:
        """Aggregate success of the final evaluation (the mean of its per-task rates)."""
        return float(self.final["aggregate"]["success_rate"])

    def task_success(self, tasks: list[str]) -> np.ndarray:
        """Per-task success of the final evaluation, in the order of ``tasks``."""
        return np.array([float(self.final["per_task"][t]["success_rate"]) for t in tasks])

    @property
    def budget_at_final(self) -> int:
        """Env steps (gradient updates for an offline run) at the final evaluation."""
        return int(self.curves.eval_steps[-1])

    @property
    def wall_s_at_final(self) -> float:
        """Wall-clock (s) at the final evaluation, evaluations included."""
        return float(self.curves.eval_wall_s[-1])

    @property
    def hardware(self) -> str | None:
        """What ``config.json`` says the run ran on, readably (None when not recorded)."""
        return describe_machine(self.config.get("machine"))


def describe_machine(machine: Any) -> str | None:
    """``"Intel(R) Xeon(R) Processor, 2 CPUs (x86_64, Linux-6.1...)"`` from a ``machine`` entry."""
    if not isinstance(machine, dict):
        return None
    cpu = machine.get("cpu") or machine.get("machine") or "unknown CPU"
    count = machine.get("cpu_count")
    where = ", ".join(str(machine[k]) for k in ("machine", "platform") if machine.get(k))
    return f"{cpu}" + (f", {count} CPUs" if count else "") + (f" ({where})" if where else "")


def _step_files(folder: Path) -> list[Path]:
    """``step_<N>.json`` files, by N."""
    return sorted(folder.glob("step_*.json"), key=lambda p: int(p.stem[5:]))


def comparison_block(final: dict[str, Any], trained_on: dict[str, Any]) -> dict[str, Any]:
    """What two runs must share for their results to be compared.

    The protocol block of the final evaluation (benchmark hash, task versions evaluated,
    horizon, split, episode counts, ...) and the identity of the benchmark the run trained
    on (its ``benchmark.json``): task versions and variation-set hashes. The task
    versions and variation sets are spelled out, not only hashed, so that the report
    can say which ones differ.
    """
    tasks = [t for t in trained_on.get("tasks", []) if isinstance(t, dict)]
    return {
        **final["protocol"],
        "trained_benchmark_hash": trained_on.get("hash"),
        "trained_task_versions": {t.get("task"): t.get("version") for t in tasks},
        "trained_variation_sets": {
            t.get("task"): " ".join(
                f"{split}:{t[split].get('sha256', '?')[:12]}"
                for split in ("train", "test")
                if isinstance(t.get(split), dict)
            )
            for t in tasks
        },
    }


def block_id(block: dict[str, Any]) -> str:
    """A short, stable hash of a comparison block."""
    return hashlib.sha256(json.dumps(block, sort_keys=True, default=str).encode()).hexdigest()[:8]


def read_run_record(run_dir: Path, include_unfinished: bool = False) -> RunRecord:
    """Read one run directory (ValueError naming the reason when it cannot be reported).

    A run whose newest evaluation comes before the end of its budget (still training, or
    stopped) is refused unless ``include_unfinished``: its newest evaluation is not a final one.
    """
    curves = read_run(run_dir)
    finals = _step_files(run_dir / "evals")
    if not finals:
        raise ValueError(f"{run_dir}: no evaluation yet (evals/ holds no step_<N>.json)")
    config = read_json(run_dir / "config.json")
    at, budget = int(finals[-1].stem.removeprefix("step_")), int(config["run"]["steps"])
    if at < budget and not include_unfinished:
        unit = "gradient updates" if config.get("budget") == "updates" else "env steps"
        raise ValueError(
            f"{run_dir}: not finished: its newest evaluation is at {at:,} of its {budget:,} "
            f"{unit}, not a final one (report it when it has finished, or pass "
            "--include-unfinished)"
        )
    final = read_result(finals[-1])
    meta_files = _step_files(run_dir / "evals_meta_train")
    meta_train = read_result(meta_files[-1]) if meta_files else None
    # runs from before benchmark.json was written trained on what their evaluations name
    identity_path = run_dir / "benchmark.json"
    trained_on = read_json(identity_path) if identity_path.is_file() else final["benchmark"]
    block = comparison_block(final, trained_on)
    return RunRecord(curves, config, final, meta_train, block, block_id(block))


# ------------------------------------------------------------------ groups and sets
@dataclass
class Group:
    """The seeds of one setting: same algorithm, benchmark, settings and comparison block.

    Attributes:
        runs: by seed.
        label: the settings that tell it from other groups of its algorithm and benchmark.
        tasks: the tasks scored, sorted.
        scores: (seeds, tasks) final per-task success.
        short: its name in figures: the algorithm, numbered (``rl2 #2``) when several groups
            of its set share it (the settings that tell them apart are too long for a legend).
    """

    runs: list[RunRecord]
    label: str
    tasks: list[str]
    scores: np.ndarray
    short: str = ""

    @property
    def algo(self) -> str:
        return self.runs[0].curves.algo

    @property
    def benchmark(self) -> str:
        return self.runs[0].curves.benchmark

    @property
    def name(self) -> str:
        """How tables and legends name the group: ``sac`` or ``sac (n_step=3)``."""
        return self.algo + (f" ({self.label})" if self.label else "")

    @property
    def seeds(self) -> list[int]:
        return [r.seed for r in self.runs]

    @property
    def mean_final_success(self) -> float:
        return float(np.mean([r.final_success for r in self.runs]))


@dataclass
class ComparisonSet:
    """Groups whose results may be compared: one comparison block (one table, one set of plots)."""

    id: str
    block: dict[str, Any]
    groups: list[Group]

    @property
    def benchmark(self) -> str:
        return self.groups[0].benchmark

    @property
    def kind(self) -> str:
        return str(self.block.get("kind", "?"))


def _group_tasks(runs: list[RunRecord]) -> list[str]:
    tasks = sorted(runs[0].final["per_task"])
    for r in runs[1:]:
        if sorted(r.final["per_task"]) != tasks:  # cannot happen under one protocol block
            raise ValueError(
                f"{r.run_dir}: its final evaluation scores {sorted(r.final['per_task'])}, "
                f"{runs[0].run_dir} scores {tasks}"
            )
    return tasks


def comparison_sets(runs: list[RunRecord]) -> list[ComparisonSet]:
    """Group the runs and gather the groups into sets of one comparison block each.

    Sets are ordered by benchmark name, then by first appearance; groups within a set by
    first appearance.
    """
    labels = group_labels([r.curves for r in runs])
    groups: dict[tuple[str, str, str, str], list[RunRecord]] = {}
    for r in runs:
        groups.setdefault((*r.curves.group, r.comparison_id), []).append(r)
    sets: dict[str, ComparisonSet] = {}
    for key, members in groups.items():
        members = sorted(members, key=lambda r: (r.seed, str(r.run_dir)))
        tasks = _group_tasks(members)
        group = Group(
            runs=members,
            label=labels[key[:3]],
            tasks=tasks,
            scores=np.stack([m.task_success(tasks) for m in members]),
        )
        cid = key[3]
        sets.setdefault(cid, ComparisonSet(cid, members[0].comparison, [])).groups.append(group)
    for cset in sets.values():
        algos = [g.algo for g in cset.groups]
        for g in cset.groups:
            seen = [h for h in cset.groups if h.algo == g.algo]
            g.short = g.algo if algos.count(g.algo) == 1 else f"{g.algo} #{seen.index(g) + 1}"
    return sorted(sets.values(), key=lambda s: s.benchmark)


def kept_apart(sets: list[ComparisonSet]) -> list[dict[str, Any]]:
    """Why sets of the same benchmark were not compared: each set against the first of its
    benchmark, with the differences of their comparison blocks."""
    out = []
    by_bench: dict[str, list[ComparisonSet]] = {}
    for s in sets:
        by_bench.setdefault(s.benchmark, []).append(s)
    for bench, members in by_bench.items():
        first = members[0]
        for other in members[1:]:
            out.append(
                {
                    "benchmark": bench,
                    "set": first.id,
                    "groups": [describe_group(g) for g in first.groups],
                    "other_set": other.id,
                    "other_groups": [describe_group(g) for g in other.groups],
                    "differences": protocol_differences(first.block, other.block),
                }
            )
    return out


def describe_group(group: Group) -> str:
    """``sac (n_step=3) on MT10, seeds 0, 1`` for the kept-apart notes."""
    seeds = group.seeds
    return f"{group.name} on {group.benchmark}, seed{'s' * (len(seeds) > 1)} {', '.join(map(str, seeds))}"


# ------------------------------------------------------------------ numbers of one group
def group_row(
    group: Group, comparison: ComparisonSet, *, reps: int, confidence: float = 0.95
) -> dict[str, Any]:
    """One results-table row: seeds, final success (IQM and mean with stratified-bootstrap
    CIs over seeds, per-task scores as for ``manyworld compare``), budget, wall-clock,
    hardware and the published figure."""
    est = stats.interval_estimates(
        group.scores, ("mean", "iqm"), reps=reps, confidence=confidence, seed=0
    )
    runs = group.runs
    hardware = sorted({r.hardware for r in runs if r.hardware})
    missing_hw = sum(r.hardware is None for r in runs)
    meta = [r.meta_train for r in runs]
    seeds = group.seeds
    return {
        "set": comparison.id,
        "algo": group.algo,
        "benchmark": group.benchmark,
        "label": group.label,
        "name": group.name,
        "short_name": group.short,
        "config_id": runs[0].curves.config_id,
        "seeds": seeds,
        "n_seeds": len(runs),
        "duplicate_seeds": sorted({s for s in seeds if seeds.count(s) > 1}),
        "run_dirs": [str(r.run_dir) for r in runs],
        "eval_split": comparison.block.get("split"),
        "tasks": group.tasks,
        "scores": group.scores.tolist(),
        "final_success_per_seed": [r.final_success for r in runs],
        "final_eval_files": [f"step_{int(r.curves.eval_steps[-1]):012d}" for r in runs],
        "iqm": est["iqm"].to_dict(),
        "mean": est["mean"].to_dict(),
        "confidence": confidence,
        "bootstrap_reps": reps,
        "budget": runs[0].curves.x_key,
        "budget_per_seed": [r.budget_at_final for r in runs],
        "wall_s_per_seed": [round(r.wall_s_at_final, 1) for r in runs],
        "median_wall_s": float(np.median([r.wall_s_at_final for r in runs])),
        "hardware": hardware + (["not recorded"] * bool(missing_hw)),
        "published": published(group.algo, group.benchmark),
        "meta_train_success_per_seed": (
            None if all(m is None for m in meta)
            else [None if m is None else float(m["aggregate"]["success_rate"]) for m in meta]
        ),
    }


def read_runs(run_dirs: list[Path], progress: Any = sys.stderr, include_unfinished: bool = False,
              ) -> tuple[list[RunRecord], list[dict]]:  # fmt: skip
    """Read every run directory; the ones that cannot be reported are returned with the reason."""
    runs, left_out = [], []
    for d in run_dirs:
        try:
            runs.append(read_run_record(d, include_unfinished))
        except (ValueError, KeyError, IndexError, TypeError) as err:
            reason = str(err) if isinstance(err, ValueError) else f"unreadable ({err!r})"
            left_out.append({"path": str(d), "reason": reason})
            if progress is not None:
                print(f"report: leaving out {d}: {reason}", file=progress, flush=True)
    return runs, left_out
