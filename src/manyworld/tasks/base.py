"""The task contract: what one task file defines, and the registry of tasks.

A task is a subclass of :class:`Task` in its own file, registered with
:func:`register`. It provides, top to bottom:

1. a docstring with the sections Description, Randomization, Success,
   Reward terms and Version history;
2. ``build(spec)``: the objects it adds to the shared scene (by name);
3. ``Params``: a :class:`~manyworld.tasks.params.TaskParams` dataclass of what
   varies, with its ranges and constraint;
4. ``reward_weights``: the weight of each named reward term, as data (the
   shaped reward is :func:`~manyworld.tasks.rewards.weighted_sum` of them);
5. array logic over the batch: ``place`` (write a variation's initial state),
   ``goal``, ``objects`` (observation slots) and ``evaluate`` (named reward
   terms, success, info);
6. ``expert(obs) -> action``: a scripted policy on observation batches.

Everything a task computes is over a leading batch axis of N worlds. A task
file imports shared code only (this module, ``params``, ``rewards``, ``obs``,
``expert``, ``common`` and the family modules of
:mod:`manyworld.tasks.families`), never another task's file, so that editing
one task never changes another behind its version.
"""

from __future__ import annotations

import difflib
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import mujoco
import numpy as np

from manyworld.sim import scene as scene_lib
from manyworld.tasks.params import TaskParams
from manyworld.tasks.rewards import RewardWeights

if TYPE_CHECKING:
    from manyworld.sim.world import BatchSim

DEFAULT_WORKSPACE = ((-0.5, 0.40, 0.05), (0.5, 1.0, 0.5))
NUM_VARIATIONS = 50
# Seed of the published variation sets, unless a benchmark asks for another.
DEFAULT_VARIATION_SEED = 0
_SPLITS = {"train": 0, "test": 1}


@dataclass
class Evaluation:
    """What a task says about the current state of N worlds.

    Attributes:
        reward: (N,) in [0, 10], exactly 10 where ``success``.
        success: (N,) bool.
        terms: named reward terms, each (N,) in [0, 1].
        info: the other per-world diagnostics: ``near_object``,
            ``grasp_success`` and ``obj_to_target`` at least.
    """

    reward: np.ndarray
    success: np.ndarray
    terms: dict[str, np.ndarray]
    info: dict[str, np.ndarray] = field(default_factory=dict)


class SuiteTags:
    """``Task.tags``: the benchmark lists a task is on, looked up in :mod:`manyworld.benchmarks.suites`.

    The suite lists are the one source of truth, so a tag cannot disagree
    with the benchmark it names. A task of one's own may set ``tags`` to a
    tuple of its own instead.
    """

    def __get__(self, obj: Task | None, owner: type[Task]) -> tuple[str, ...]:
        # imported on use: the benchmarks package imports the task registry
        from manyworld.benchmarks import suites

        return suites.tags_of(getattr(owner, "name", ""))


class Task:
    """Base class of every task. Subclasses set the class attributes and hooks."""

    name: ClassVar[str]
    version: ClassVar[int] = 1
    tags: ClassVar[tuple[str, ...]] = SuiteTags()
    Params: ClassVar[type[TaskParams]]
    # Weight of each reward term (or product of terms, "a * b"), summed in this order;
    # non-negative and summing to 1 (the quality gate checks both, and the reward against them).
    reward_weights: ClassVar[RewardWeights] = RewardWeights()
    hand_start: ClassVar[tuple[float, float, float]] = (0.0, 0.6, 0.2)
    workspace: ClassVar[tuple[tuple[float, ...], tuple[float, ...]]] = DEFAULT_WORKSPACE
    # A registered task this one is a harder version of (reach for reach-wall): the
    # gate then checks that the sibling's expert fails on most of this task's
    # variations, i.e. that what makes this task harder (a wall) matters.
    easier_sibling: ClassVar[str | None] = None
    # Whether observation slots 11-17 hold a second object.
    has_object2: ClassVar[bool] = False
    # Control steps simulated with the hand still to let objects come to rest
    # before a variation's initial state is cached.
    settle_steps: ClassVar[int] = 20

    # ------------------------------------------------------------- identity
    @classmethod
    def env_id(cls) -> str:
        """Versioned gymnasium id, e.g. ``manyworld/reach-v2``."""
        return f"manyworld/{cls.name}-v{cls.version}"

    # ---------------------------------------------------------------- scene
    def build(self, spec: mujoco.MjSpec) -> None:
        """Add this task's objects to the shared scene spec."""
        raise NotImplementedError

    def make_spec(self) -> mujoco.MjSpec:
        """The full scene of this task: shared scene + the task's objects."""
        spec = scene_lib.base_spec()
        spec.modelname = self.name
        self.build(spec)
        return spec

    def bind(self, sim: BatchSim) -> None:
        """Resolve the names this task reads into indices (called once per sim)."""
        raise NotImplementedError

    # ---------------------------------------------------------- variations
    def place(self, sim: BatchSim, ids: np.ndarray, params: dict[str, np.ndarray]) -> None:
        """Write the initial state of worlds ``ids`` for their parameters (k rows each)."""
        raise NotImplementedError

    def goal(self, params: dict[str, np.ndarray]) -> np.ndarray:
        """(k, 3) goal positions of k variations."""
        raise NotImplementedError

    # -------------------------------------------------------------- arrays
    def objects(self, sim: BatchSim) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Observation slots: object-1 pos (N,3), quat (N,4), object-2 pos, quat."""
        raise NotImplementedError

    def evaluate(self, sim: BatchSim, goal: np.ndarray) -> Evaluation:
        """Reward terms, reward, success and info of the current state of all worlds."""
        raise NotImplementedError

    # --------------------------------------------------------------- expert
    @staticmethod
    def expert(obs: np.ndarray) -> np.ndarray:
        """Scripted policy: observation batch (N, 39) -> action batch (N, 4)."""
        raise NotImplementedError

    # ----------------------------------------------------- variation sets
    @classmethod
    def variations(cls, split: str = "train", seed: int = DEFAULT_VARIATION_SEED,
                   n: int = NUM_VARIATIONS) -> np.ndarray:
        """The published variation set of a split, as (n, dim) parameter rows.

        The train and test sets of a seed are disjoint and each has n distinct
        rows. The stream depends on the task name, the seed and the split only,
        so adding a task never changes another task's variations.
        """
        if split not in _SPLITS:
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        key = zlib.crc32(cls.name.encode())
        train = _distinct(cls.Params, np.random.default_rng([seed, key, 0]), n, exclude=None)
        if split == "train":
            return train
        return _distinct(cls.Params, np.random.default_rng([seed, key, 1]), n, exclude=train)

    @classmethod
    def goal_bounds(cls) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of the goal over the parameter box (goals are affine in parameters)."""
        low, high = cls.Params.bounds()
        corners = np.array(np.meshgrid(*zip(low, high), indexing="ij")).reshape(low.size, -1).T
        goals = cls().goal(cls.Params.split(corners))
        return goals.min(axis=0), goals.max(axis=0)


def _distinct(params: type[TaskParams], rng: np.random.Generator, n: int,
              exclude: np.ndarray | None) -> np.ndarray:
    """n distinct valid rows, none equal to a row of ``exclude``."""
    rows: list[np.ndarray] = []
    seen = set() if exclude is None else {r.tobytes() for r in exclude}
    for _ in range(100):
        for row in params.sample(rng, n):
            if row.tobytes() not in seen:
                seen.add(row.tobytes())
                rows.append(row)
                if len(rows) == n:
                    return np.stack(rows)
    raise RuntimeError(f"{params.__name__}: could not draw {n} distinct variations")


# ------------------------------------------------------------------ registry
_REGISTRY: dict[str, type[Task]] = {}


def register(task_cls: type[Task]) -> type[Task]:
    """Class decorator adding a task to the registry; duplicate names raise."""
    name = task_cls.name
    if name in _REGISTRY and _REGISTRY[name] is not task_cls:
        raise ValueError(f"a task named {name!r} is already registered ({_REGISTRY[name].__module__})")
    missing = [s for s in ("Description", "Randomization", "Success", "Reward terms", "Version history")
               if s not in (task_cls.__doc__ or "")]
    if missing:
        raise ValueError(f"task {name!r} docstring lacks the sections {missing}")
    _REGISTRY[name] = task_cls
    return task_cls


def get_task(name: str) -> type[Task]:
    """The task class registered under ``name`` (``reach``, ``reach-v2`` or ``manyworld/reach-v2``).

    Raises:
        KeyError: naming the closest registered tasks.
    """
    from manyworld.tasks import builtin as _  # registers the built-in tasks

    key = name.split("/")[-1]
    if key not in _REGISTRY and "-v" in key:
        base, _, version = key.rpartition("-v")
        if base in _REGISTRY and version.isdigit():
            if int(version) != _REGISTRY[base].version:
                raise KeyError(f"task {base!r} exists at version v{_REGISTRY[base].version}, not v{version}")
            key = base
    if key not in _REGISTRY:
        close = difflib.get_close_matches(key, list(_REGISTRY), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise KeyError(f"unknown task {name!r}{hint} (`manyworld list` shows all tasks)")
    return _REGISTRY[key]


def task_names(tag: str | None = None) -> list[str]:
    """Registered task names in alphabetical order, optionally only those carrying ``tag``."""
    from manyworld.tasks import builtin as _  # noqa: F401  (registers the built-in tasks)

    return sorted(n for n, t in _REGISTRY.items() if tag is None or tag in t.tags)


def tasks_of(names: list[str] | tuple[str, ...]) -> list[str]:
    """Task names from a command line's words: names, aliases, benchmark tags (MT10) or ``all``.

    Tags expand to their registered tasks in alphabetical order; a task named
    twice is kept once, at its first place; an unknown name raises
    :func:`get_task`'s error (with close matches).
    """
    from manyworld.benchmarks.suites import TAGS

    if not names or list(names) == ["all"]:
        return task_names()
    out: list[str] = []
    for name in names:
        for task in task_names(tag=name) if name in TAGS else [get_task(name).name]:
            if task not in out:
                out.append(task)
    return out
