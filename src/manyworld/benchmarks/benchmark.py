"""A benchmark as a value: its tasks, splits, variation sets and a stable identity.

A :class:`Benchmark` names its tasks and says how they are used:

============  ==================================  =============================  ====  =======
kind          train (what an agent learns on)     test (what it is scored on)    goal  one-hot
============  ==================================  =============================  ====  =======
``MT``        tasks x their 50 train variations   the same pairs                 seen  on
``ML``        train tasks x 50 train variations   test tasks x their test        zero  off
                                                  variations (ML1: the task's
                                                  50 held-out variations)
``CW``        the sequence, one task per stage    every task so far, train vars  seen  on
============  ==================================  =============================  ====  =======

A variation is a task's parameter row (``Task.variations(split, seed)``): 50
train and 50 disjoint test rows per task and variation seed. The identity
(:meth:`Benchmark.identity`) lists every task with its version and the SHA-256
of each variation set it uses, plus the MuJoCo version; its hash changes
whenever anything that changes scores does, and every result file carries it.

Named benchmarks: ``MT1(<task>)``, ``MT10``, ``MT25``, ``MT50``, ``ML1(<task>)``,
``ML10``, ``ML25``, ``ML45``, ``CW10``, ``CW20``; custom ones from any task list
with :func:`custom_mt` / :func:`custom_ml` (or the name ``custom(a,b,...)``).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import mujoco
import numpy as np

from manyworld.benchmarks import suites
from manyworld.tasks.base import DEFAULT_VARIATION_SEED, NUM_VARIATIONS, Task, get_task, task_names

Kind = Literal["MT", "ML", "CW"]
Split = Literal["train", "test"]
IDENTITY_VERSION = 1
# Meta-World+ scores meta-learning on 40 test variations per test task.
ML_TEST_VARIATIONS = 40


class UnknownBenchmarkError(KeyError):
    """A benchmark name that is not defined; the message lists close names."""

    def __str__(self) -> str:
        return str(self.args[0])


class MissingTasksError(KeyError):
    """A benchmark whose tasks are not all registered; the message names them."""

    def __init__(self, benchmark: str, missing: list[str]):
        self.benchmark, self.missing = benchmark, list(missing)
        super().__init__(
            f"benchmark {benchmark} needs {len(missing)} task(s) that are not registered: "
            f"{', '.join(missing)}. Register them (a task file decorated with "
            "@manyworld.tasks.register, imported before use) or pick a benchmark of registered "
            "tasks (`manyworld list` shows them)."
        )

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Benchmark:
    """A benchmark definition: task names, their roles and the variation sets used.

    Attributes:
        name: ``"MT10"``, ``"ML1(reach)"``, ``"custom(reach,push)"``, ...
        kind: ``"MT"`` (multi-task), ``"ML"`` (meta-learning) or ``"CW"`` (continual).
        train_tasks: tasks an agent trains on, in one-hot order (CW: the
            distinct tasks in order of first appearance).
        test_tasks: ML only: tasks meta-tested on (ML1: the train task itself).
        sequence: CW only: the task of each stage, in order.
        variation_seed: seed of every task's published train/test variation sets.
        test_variations: ML only: test variations per test task (the first k
            of the test split).
        one_hot: default of appending the one-hot task id to observations.
        goal_visible: default of showing the goal in observation slots 36-38.
        notes: free text printed by ``manyworld benchmark show``.
    """

    name: str
    kind: Kind
    train_tasks: tuple[str, ...]
    test_tasks: tuple[str, ...] = ()
    sequence: tuple[str, ...] = ()
    variation_seed: int = DEFAULT_VARIATION_SEED
    test_variations: int = 0
    one_hot: bool = True
    goal_visible: bool = True
    notes: str = ""
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.kind not in ("MT", "ML", "CW"):
            raise ValueError(f"benchmark kind must be 'MT', 'ML' or 'CW', got {self.kind!r}")
        if not self.train_tasks:
            raise ValueError(f"benchmark {self.name} has no tasks")
        for tasks, what in ((self.train_tasks, "train"), (self.test_tasks, "test")):
            dup = sorted({t for t in tasks if tasks.count(t) > 1})
            if dup:
                raise ValueError(f"benchmark {self.name}: {what} tasks repeat {dup}")
        if self.kind == "ML":
            if not self.test_tasks:
                raise ValueError(f"meta-learning benchmark {self.name} needs test tasks")
            if not 1 <= self.test_variations <= NUM_VARIATIONS:
                raise ValueError(
                    f"test_variations must be in [1, {NUM_VARIATIONS}], got {self.test_variations}"
                )
            overlap = set(self.train_tasks) & set(self.test_tasks)
            if overlap and not (len(self.train_tasks) == 1 and self.train_tasks == self.test_tasks):
                raise ValueError(
                    f"benchmark {self.name}: tasks {sorted(overlap)} are in both train and "
                    "test; meta-test tasks must be held out (ML1 uses held-out variations)"
                )
        if self.kind == "CW" and not self.sequence:
            raise ValueError(f"continual benchmark {self.name} needs a sequence")

    # ------------------------------------------------------------ tasks
    @property
    def tasks(self) -> tuple[str, ...]:
        """Every task the benchmark uses, train first, each once."""
        return tuple(dict.fromkeys(self.train_tasks + self.test_tasks))

    @property
    def eval_tasks(self) -> tuple[str, ...]:
        """Tasks scored by the benchmark's protocol (ML: test tasks; else train tasks)."""
        return self.test_tasks if self.kind == "ML" else self.train_tasks

    @property
    def eval_split(self) -> Split:
        """Variation split scored by the protocol: ML scores held-out (test) variations."""
        return "test" if self.kind == "ML" else "train"

    def missing_tasks(self) -> list[str]:
        """Tasks of this benchmark that are not registered (empty when it can be built)."""
        registered = set(task_names())
        return [t for t in self.tasks if t not in registered]

    def require_tasks(self) -> None:
        """Raise :class:`MissingTasksError` unless every task is registered."""
        missing = self.missing_tasks()
        if missing:
            raise MissingTasksError(self.name, missing)

    def task_class(self, name: str) -> type[Task]:
        """The registered task class of one of this benchmark's tasks."""
        if name not in self.tasks:
            raise KeyError(
                f"task {name!r} is not part of benchmark {self.name} ({', '.join(self.tasks)})"
            )
        self.require_tasks()
        return get_task(name)

    # ------------------------------------------------------------ variations
    def variations(self, task: str, split: Split) -> np.ndarray:
        """The (50, dim) parameter rows of one task's split at this benchmark's seed."""
        key = (task, split)
        if key not in self._cache:
            self._cache[key] = self.task_class(task).variations(split, self.variation_seed)
        return self._cache[key]

    def splits_used(self) -> dict[str, tuple[Split, ...]]:
        """Task -> the variation splits this benchmark uses for it."""
        used: dict[str, tuple[Split, ...]] = {t: ("train",) for t in self.train_tasks}
        if self.kind == "ML":
            for t in self.test_tasks:
                used[t] = used.get(t, ()) + ("test",)
        return used

    # ------------------------------------------------------------ identity
    def identity(self) -> dict[str, Any]:
        """Everything that defines this benchmark, with a content hash (JSON-ready).

        Raises:
            MissingTasksError: a task is not registered, so its variations are unknown.
        """
        if "identity" in self._cache:
            return self._cache["identity"]
        self.require_tasks()
        tasks = []
        for name, splits in self.splits_used().items():
            cls = get_task(name)
            entry: dict[str, Any] = {
                "task": name,
                "version": cls.version,
                "params": cls.Params.__name__,
                "dim": cls.Params.dim(),
            }
            for split in splits:
                rows = self.variations(name, split)
                entry[split] = {"n": len(rows), "sha256": variation_hash(rows)}
            tasks.append(entry)
        body = {
            "identity_version": IDENTITY_VERSION,
            "name": self.name,
            "kind": self.kind,
            "train_tasks": list(self.train_tasks),
            "test_tasks": list(self.test_tasks),
            "sequence": list(self.sequence),
            "variation_seed": self.variation_seed,
            "train_variations": NUM_VARIATIONS,
            "test_variations": self.test_variations if self.kind == "ML" else 0,
            "one_hot": self.one_hot,
            "goal_visible": self.goal_visible,
            "mujoco": mujoco.__version__,
            "tasks": tasks,
        }
        body["hash"] = _digest(body)
        self._cache["identity"] = body
        return body

    @property
    def hash(self) -> str:
        """Short content hash of :meth:`identity`."""
        return self.identity()["hash"]

    def describe(self) -> str:
        """A readable multi-line description (``manyworld benchmark show``)."""
        lines = [f"{self.name}  ({_KIND_WORDS[self.kind]})"]
        if self.kind == "CW":
            lines.append(f"  sequence ({len(self.sequence)} stages): {', '.join(self.sequence)}")
        else:
            lines.append(f"  train tasks ({len(self.train_tasks)}): {', '.join(self.train_tasks)}")
        if self.kind == "ML":
            what = (
                "held-out variations of the train task"
                if self.train_tasks == self.test_tasks
                else "tasks"
            )
            lines.append(
                f"  test tasks ({len(self.test_tasks)}, {what}): {', '.join(self.test_tasks)}"
            )
            lines.append(
                f"  meta-test variations: first {self.test_variations} of each test task's "
                f"{NUM_VARIATIONS} test variations"
            )
        lines.append(
            f"  variations: {NUM_VARIATIONS} train + {NUM_VARIATIONS} test per task, "
            f"variation seed {self.variation_seed}"
        )
        lines.append(
            f"  goal {'visible' if self.goal_visible else 'hidden (zeros)'}; one-hot task id "
            f"{'appended (on by default; one_hot=False turns it off)' if self.one_hot else 'off'}"
        )
        if self.notes:
            lines.append(f"  note: {self.notes}")
        missing = self.missing_tasks()
        if missing:
            lines.append(
                f"  NOT BUILDABLE YET: {len(missing)} task(s) not registered: {', '.join(missing)}"
            )
            return "\n".join(lines)
        ident = self.identity()
        lines.append(f"  mujoco {ident['mujoco']}; identity hash {ident['hash']}")
        lines.append(f"  {'task':<28}{'ver':>4}  {'split':<6}{'n':>4}  sha256 (first 16)")
        for t in ident["tasks"]:
            for split in ("train", "test"):
                if split in t:
                    lines.append(
                        f"  {t['task']:<28}{'v' + str(t['version']):>4}  {split:<6}"
                        f"{t[split]['n']:>4}  {t[split]['sha256'][:16]}"
                    )
        return "\n".join(lines)


_KIND_WORDS = {"MT": "multi-task", "ML": "meta-learning", "CW": "continual"}


def variation_hash(rows: np.ndarray) -> str:
    """SHA-256 of a variation set: its shape and its rows as little-endian float64."""
    rows = np.ascontiguousarray(np.asarray(rows, dtype="<f8"))
    h = hashlib.sha256(repr(rows.shape).encode())
    h.update(rows.tobytes())
    return h.hexdigest()


def _digest(body: dict) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ------------------------------------------------------------------ constructors
_ML_NOTE_25 = (
    "Meta-World's ML25 lists put basketball in both train and test; here test has soccer "
    "instead, so the splits are disjoint (see manyworld.benchmarks.suites)"
)


def mt(
    name: str, tasks: tuple[str, ...], variation_seed: int = DEFAULT_VARIATION_SEED, notes: str = ""
) -> Benchmark:
    """A multi-task benchmark: goal visible, one-hot on, 50 train variations per task."""
    return Benchmark(
        name,
        "MT",
        tuple(tasks),
        variation_seed=variation_seed,
        one_hot=True,
        goal_visible=True,
        notes=notes,
    )


def ml(
    name: str,
    train: tuple[str, ...],
    test: tuple[str, ...],
    variation_seed: int = DEFAULT_VARIATION_SEED,
    test_variations: int = ML_TEST_VARIATIONS,
    notes: str = "",
) -> Benchmark:
    """A meta-learning benchmark: goal hidden, no one-hot, held-out test tasks or variations."""
    return Benchmark(
        name,
        "ML",
        tuple(train),
        tuple(test),
        variation_seed=variation_seed,
        test_variations=test_variations,
        one_hot=False,
        goal_visible=False,
        notes=notes,
    )


def cw(
    name: str, sequence: tuple[str, ...], variation_seed: int = DEFAULT_VARIATION_SEED
) -> Benchmark:
    """A continual-learning sequence: one task per stage; goal visible, one-hot over distinct tasks."""
    distinct = tuple(dict.fromkeys(sequence))
    return Benchmark(
        name,
        "CW",
        distinct,
        sequence=tuple(sequence),
        variation_seed=variation_seed,
        one_hot=True,
        goal_visible=True,
    )


def custom_mt(
    tasks: list[str] | tuple[str, ...], variation_seed: int = DEFAULT_VARIATION_SEED
) -> Benchmark:
    """A multi-task benchmark from any task names (user-registered tasks included)."""
    tasks = tuple(tasks)
    return mt(f"custom({','.join(tasks)})", tasks, variation_seed)


def custom_ml(
    train: list[str] | tuple[str, ...],
    test: list[str] | tuple[str, ...],
    variation_seed: int = DEFAULT_VARIATION_SEED,
    test_variations: int = ML_TEST_VARIATIONS,
) -> Benchmark:
    """A meta-learning benchmark from any train and (disjoint) test task names."""
    train, test = tuple(train), tuple(test)
    return ml(
        f"custom-ml({','.join(train)}|{','.join(test)})",
        train,
        test,
        variation_seed,
        test_variations,
    )


_FIXED = {
    "MT10": lambda s: mt("MT10", suites.MT10, s),
    "MT25": lambda s: mt("MT25", suites.MT25, s),
    "MT50": lambda s: mt("MT50", suites.MT50, s),
    "ML10": lambda s: ml("ML10", suites.ML10_TRAIN, suites.ML10_TEST, s),
    "ML25": lambda s: ml("ML25", suites.ML25_TRAIN, suites.ML25_TEST, s, notes=_ML_NOTE_25),
    "ML45": lambda s: ml("ML45", suites.ML45_TRAIN, suites.ML45_TEST, s),
    "CW10": lambda s: cw("CW10", suites.CW10, s),
    "CW20": lambda s: cw("CW20", suites.CW20, s),
}
_PER_TASK = {
    "MT1": lambda task, s: mt(f"MT1({task})", (task,), s),
    "ML1": lambda task, s: ml(f"ML1({task})", (task,), (task,), s),
}
_NAME = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*(?:[(:/]\s*([^)]*?)\s*\)?)?\s*$")


def benchmark_names() -> list[str]:
    """Names accepted by :func:`get_benchmark` (``MT1``/``ML1`` take a task: ``MT1(reach)``)."""
    return [*_FIXED, "MT1(<task>)", "ML1(<task>)", "custom(<task>,<task>,...)"]


def get_benchmark(name: str, *, variation_seed: int = DEFAULT_VARIATION_SEED) -> Benchmark:
    """The benchmark called ``name``.

    Accepts ``MT10``, ``ML45``, ``CW20``, ``MT1(reach)`` (also ``MT1:reach``,
    ``MT1/reach``), ``ML1(push)`` and ``custom(reach,push,...)``. The result is a
    definition: it builds even when tasks are missing; :meth:`Benchmark.require_tasks`
    (called by everything that needs the tasks) names them.

    Raises:
        UnknownBenchmarkError: naming the closest known benchmark names.
    """
    if not isinstance(variation_seed, (int, np.integer)) or variation_seed < 0:
        raise ValueError(f"variation_seed must be a non-negative integer, got {variation_seed!r}")
    m = _NAME.match(name or "")
    if m:
        head, arg = m.group(1), m.group(2)
        key = head.upper()
        if key in _FIXED and not arg:
            return _FIXED[key](int(variation_seed))
        if key in _PER_TASK:
            if not arg:
                raise UnknownBenchmarkError(
                    f"{key} takes a task: {key}(reach), {key}:reach or {key}/reach"
                )
            task = get_task(arg).name  # KeyError with close task names
            return _PER_TASK[key](task, int(variation_seed))
        if head.lower() == "custom" and arg:
            tasks = [t.strip() for t in arg.split(",") if t.strip()]
            return custom_mt(tasks, int(variation_seed))
    known = list(_FIXED) + list(_PER_TASK) + ["custom"]
    close = difflib.get_close_matches((name or "").strip().upper(), known, n=3, cutoff=0.4)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownBenchmarkError(
        f"unknown benchmark {name!r}{hint} (known: {', '.join(benchmark_names())})"
    )
