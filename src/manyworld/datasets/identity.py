"""The benchmark identity a dataset was collected under, and the check that it still holds.

A dataset is only a sample of the installed benchmark if the task behaves as it
did: same task version, same MuJoCo (a physics change is a benchmark change,
which is why ``mujoco`` is pinned exactly) and the same train variations.
Loading a dataset whose identity differs in one of these is refused unless the
caller says otherwise (``allow_mismatch=True``, ``--allow-mismatch``).
"""

from __future__ import annotations

from typing import Any

import mujoco

from manyworld._version import __version__
from manyworld.benchmarks.benchmark import get_benchmark, variation_hash
from manyworld.datasets.store import DatasetError
from manyworld.tasks.base import DEFAULT_VARIATION_SEED, get_task


class DatasetVersionError(DatasetError):
    """A dataset collected under another task version, MuJoCo version or variation set."""


def task_identity(task: str, variation_seed: int = DEFAULT_VARIATION_SEED) -> dict[str, Any]:
    """What defines the data of ``task`` in this installation (JSON-ready).

    The task's name and version, the manyworld and MuJoCo versions, the train
    variation set (seed, count, SHA-256 as in the benchmark identities) and the
    identity hash of ``MT1(<task>)``, the single-task benchmark the data samples.
    """
    cls = get_task(task)
    rows = cls.variations("train", variation_seed)
    return {
        "task": cls.name,
        "task_version": cls.version,
        "env_id": cls.env_id(),
        "manyworld_version": __version__,
        "mujoco_version": mujoco.__version__,
        "variation_split": "train",
        "variation_seed": int(variation_seed),
        "num_variations": len(rows),
        "variation_sha256": variation_hash(rows),
        "benchmark": f"MT1({cls.name})",
        "benchmark_hash": get_benchmark(f"MT1({cls.name})", variation_seed=variation_seed).hash,
    }


def identity_mismatches(recorded: dict[str, Any]) -> list[str]:
    """How a dataset's recorded identity differs from the installed benchmark (empty: it matches)."""
    task = recorded.get("task")
    try:
        installed = task_identity(str(task), int(recorded.get("variation_seed", DEFAULT_VARIATION_SEED)))
    except KeyError as err:
        return [f"task {task!r} is not registered here ({err.args[0]})"]
    out = []
    if recorded.get("task_version") != installed["task_version"]:
        out.append(f"task version v{recorded.get('task_version')} (installed: "
                   f"v{installed['task_version']})")
    if recorded.get("mujoco_version") != installed["mujoco_version"]:
        out.append(f"MuJoCo {recorded.get('mujoco_version')} (installed: "
                   f"{installed['mujoco_version']})")
    if recorded.get("variation_sha256") != installed["variation_sha256"]:
        out.append(f"train variation set sha256 {str(recorded.get('variation_sha256'))[:16]}... "
                   f"(installed: {installed['variation_sha256'][:16]}...)")
    return out


def check_identity(recorded: dict[str, Any], source: str, allow_mismatch: bool = False) -> None:
    """Refuse a dataset whose identity differs from the installed benchmark.

    Raises:
        DatasetVersionError: naming every difference, unless ``allow_mismatch``.
    """
    diffs = identity_mismatches(recorded)
    if diffs and not allow_mismatch:
        if recorded.get("level") == "replay":  # a run's episodes cannot be collected again
            again = ("Export it from a run trained with this installation (`manyworld dataset "
                     "from-run RUN_DIR --overwrite`)")
        else:
            again = (f"Collect it again (`manyworld dataset collect {recorded.get('task')} "
                     f"--level {recorded.get('level')} --overwrite`)")
        raise DatasetVersionError(
            f"{source} was collected under {'; '.join(diffs)}: its transitions may not be what "
            f"this installation's {recorded.get('task')!r} does. {again} or pass "
            "allow_mismatch=True (--allow-mismatch) to use it anyway")
