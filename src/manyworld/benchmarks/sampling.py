"""(task, variation) pairs: enumerate them for evaluation, sample them for meta-learning.

A :class:`TaskVariation` names one MDP of a benchmark: a task, a split and the
index of a variation in that split, with its parameter row for the record. It
is data (JSON-ready, hashable), never pickled bytes.

Meta-learning samples a meta-batch explicitly::

    pairs = sample_tasks(bench, 20, split="train", rng=rng)   # any size: no divisibility rule
    env.set_tasks(pairs)                                      # world i <- pairs[i]
    obs, info = env.reset()

Sampling is balanced: every task of the split gets either floor(n / K) or
ceil(n / K) worlds (which tasks get the extra one is random), and each task's
variations are drawn without replacement (cycling through a fresh shuffle when
a task needs more than its 50).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from manyworld.benchmarks.benchmark import Benchmark, Split


@dataclass(frozen=True)
class TaskVariation:
    """One (task, variation) pair.

    Attributes:
        task: task name.
        split: ``"train"`` or ``"test"``: which of the task's variation sets.
        index: position in that set (0-49).
        params: the variation's parameter row (for the record; the index and
            the benchmark's variation seed determine it).
    """

    task: str
    split: str
    index: int
    params: tuple[float, ...]

    @property
    def row(self) -> np.ndarray:
        """The parameter row as a float64 array."""
        return np.asarray(self.params, dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "task": self.task,
            "split": self.split,
            "index": self.index,
            "params": list(self.params),
        }


def pair(bench: Benchmark, task: str, split: Split, index: int) -> TaskVariation:
    """The pair of ``task``'s variation ``index`` in ``split``."""
    rows = bench.variations(task, split)
    if not 0 <= index < len(rows):
        raise IndexError(
            f"{task} has {len(rows)} {split} variations; index {index} is out of range"
        )
    return TaskVariation(task, split, int(index), tuple(float(x) for x in rows[index]))


def split_tasks(bench: Benchmark, split: Split) -> tuple[str, ...]:
    """The tasks whose ``split`` variations a benchmark uses (ML test: the test tasks)."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if split == "test":
        if bench.kind != "ML":
            raise ValueError(
                f"{bench.name} is a {bench.kind} benchmark: only ML benchmarks have a test split"
            )
        return bench.test_tasks
    return bench.train_tasks


def all_pairs(
    bench: Benchmark,
    split: Split,
    per_task: int | None = None,
    tasks: tuple[str, ...] | None = None,
) -> list[TaskVariation]:
    """Every (task, variation) of a split exactly once, task-major (the evaluation set).

    Args:
        per_task: the first k variations of each task (default: all 50; ML
            test: the benchmark's ``test_variations``).
        tasks: restrict to these tasks (default: the split's tasks).
    """
    tasks = split_tasks(bench, split) if tasks is None else tasks
    if per_task is None:
        per_task = (
            bench.test_variations if split == "test" else len(bench.variations(tasks[0], split))
        )
    out = []
    for task in tasks:
        rows = bench.variations(task, split)
        if not 1 <= per_task <= len(rows):
            raise ValueError(f"per_task must be in [1, {len(rows)}], got {per_task}")
        out += [TaskVariation(task, split, i, tuple(map(float, rows[i]))) for i in range(per_task)]
    return out


def sample_tasks(
    bench: Benchmark,
    n: int,
    *,
    split: Split = "train",
    rng: np.random.Generator | int | None = None,
) -> list[TaskVariation]:
    """A balanced meta-batch of ``n`` (task, variation) pairs, grouped by task.

    Args:
        bench: the benchmark.
        n: meta-batch size, any positive integer (fewer than the number of
            tasks is allowed: then n distinct tasks are drawn).
        split: ``"train"`` (meta-training) or ``"test"`` (ML meta-test, drawn
            from the first ``bench.test_variations`` test variations).
        rng: a generator or a seed.
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"meta-batch size must be a positive integer, got {n!r}")
    rng = np.random.default_rng(rng)
    tasks = split_tasks(bench, split)
    k = len(tasks)
    counts = np.full(k, n // k)
    counts[rng.permutation(k)[: n % k]] += 1
    pool = bench.test_variations if split == "test" else None
    out = []
    for task, c in zip(tasks, counts):
        if c == 0:
            continue
        rows = bench.variations(task, split)
        size = pool or len(rows)
        reps = -(-int(c) // size)  # ceil: cycle through fresh shuffles when c > size
        idx = np.concatenate([rng.permutation(size) for _ in range(reps)])[:c]
        out += [TaskVariation(task, split, int(i), tuple(map(float, rows[i]))) for i in idx]
    return out
