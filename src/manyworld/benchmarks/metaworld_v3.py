"""Meta-World v3's gymnasium usage on manyworld's ids: swap ``Meta-World/`` for ``manyworld/``.

Meta-World v3 (``pip install metaworld``, Farama-Foundation/Metaworld,
``metaworld/__init__.py``) builds its benchmarks through gymnasium::

    env = gym.make("Meta-World/MT1", env_name="reach-v3", seed=0)
    envs = gym.make_vec("Meta-World/MT10", vector_strategy="sync", seed=42)
    envs = gym.make_vec("Meta-World/ML10-train", vector_strategy="sync", meta_batch_size=20)
    envs = gym.make_vec("Meta-World/custom-mt-envs", vector_strategy="sync",
                        envs_list=["reach-v3", "push-v3"])

The same lines with ``manyworld/`` (and ``import manyworld``) build the same
benchmarks here, with Meta-World's defaults: no one-hot unless
``use_one_hot=True``, ``SAME_STEP`` autoreset, one world per sub-env laid out
as Meta-World lays out its sub-envs, a new variation at every reset of a world
(``task_select``), ML test envs ending episodes on success. A call is in
Meta-World's dialect when it carries Meta-World's own required argument
(``vector_strategy``, ``env_name``, ``envs_list`` or ``train_envs``); without
one, the ids keep manyworld's native keywords (:mod:`manyworld.benchmarks.gym_vector`).

Both ``vector_strategy="sync"`` and ``"async"`` give the same env: all worlds
in this process, each task's worlds stepped in one batched physics call, which
is faster than Meta-World's one-process-per-sub-env ``async``. What differs on
purpose is listed in ``docs/metaworld-v3.md``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

from manyworld.benchmarks.benchmark import Benchmark, custom_ml, custom_mt, get_benchmark
from manyworld.benchmarks.envs import balanced_counts, make_env
from manyworld.benchmarks.gym_vector import BenchmarkVectorEnv
from manyworld.benchmarks.sampling import TaskVariation, all_pairs, split_tasks
from manyworld.benchmarks.wrappers import (
    BatchWrapper,
    HideGoal,
    NormalizeObservation,
    NormalizeReward,
    OneHotTaskId,
    RL2Observation,
)
from manyworld.envs.batch_env import MAX_EPISODE_STEPS
from manyworld.envs.gym_env import RENDER_FPS
from manyworld.sim.scene import CAMERAS
from manyworld.tasks.base import get_task

#: Arguments only Meta-World's calls carry: their presence selects this dialect.
DIALECT_MARKERS = ("vector_strategy", "env_name", "envs_list", "train_envs")

#: Meta-World's camera names -> manyworld's (None: no counterpart in our scene).
_CAMERA_NAMES = {
    "corner": "corner", "topview": "topview", "gripperPOV": "gripper",
    "corner2": None, "corner3": None, "behindGripper": None,
}  # fmt: skip

_ENV_NAME = re.compile(r"^(?P<base>.+?)(?:-v(?P<version>\d+))?(?P<goal>-goal-(?:observable|hidden))?$",
                       re.IGNORECASE)


def is_metaworld_call(kwargs: dict[str, Any]) -> bool:
    """Whether a ``make``/``make_vec`` call speaks Meta-World v3's dialect."""
    return any(k in kwargs for k in DIALECT_MARKERS)


def task_name(env_name: str) -> str:
    """manyworld's task for a Meta-World name: ``"reach-v3"``, ``"Reach-V3"`` or ``"reach"``.

    Raises:
        ValueError: for another Meta-World version (our tasks follow v3's).
        TypeError: for a name that is not a string.
        KeyError: for an unknown task, with the closest names.
    """
    if not isinstance(env_name, str):
        raise TypeError(f"env_name must be a task name such as 'reach-v3', got {env_name!r}")
    m = _ENV_NAME.match(env_name.strip())
    if m is None:
        raise KeyError(f"unknown task {env_name!r} (`manyworld list` shows all tasks)")
    if m["version"] is not None and m["version"] != "3":
        raise ValueError(
            f"{env_name!r}: manyworld's tasks follow Meta-World v3; use "
            f"'{m['base'].lower()}-v3' (v{m['version']} rewards and scenes are not provided)"
        )
    return get_task(m["base"].lower()).name


def _check_choice(name: str, value: Any, choices: Sequence[Any]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")


class TaskSelect(BatchWrapper):
    """Give each world its next variation at every reset, from its own list.

    Meta-World wraps every sub-env in ``RandomTaskSelectWrapper`` (a uniform
    draw from the sub-env's tasks at each reset) or
    ``PseudoRandomTaskSelectWrapper`` (the list shuffled once, then walked in
    order, starting over at its end); ``mode`` picks one of the two.
    """

    def __init__(self, env: Any, lists: list[list[TaskVariation]], mode: str, seed: int | None):
        super().__init__(env)
        _check_choice("task_select", mode, ("random", "pseudorandom"))
        if len(lists) != env.num_worlds:
            raise ValueError(f"{env.num_worlds} worlds but {len(lists)} variation lists")
        self.lists, self.mode = lists, mode
        self._seed(seed)

    def _seed(self, seed: int | None) -> None:
        self._rng = np.random.default_rng(seed)
        self._order = [self._rng.permutation(len(v)) for v in self.lists]
        self._next = np.zeros(len(self.lists), np.int64)

    def reset(self, *, seed=None, ids=None):
        if seed is not None:
            self._seed(seed)
        worlds = self._reset_ids(ids)
        picks = []
        for w in worlds:
            if self.mode == "random":
                k = int(self._rng.integers(len(self.lists[w])))
            else:
                k = int(self._order[w][self._next[w] % len(self.lists[w])])
                self._next[w] += 1
            picks.append(self.lists[w][k])
        if len(worlds):
            self.unwrapped.set_variations(worlds, picks)
        return self.env.reset(seed=seed, ids=ids)


def _benchmark(name: str, kwargs: dict[str, Any], variation_seed: int) -> Benchmark:
    """The benchmark of a Meta-World id, consuming its task-naming arguments."""
    if name in ("MT1", "ML1"):
        if "env_name" not in kwargs:
            raise ValueError(f"manyworld/{name} needs env_name=..., e.g. env_name='reach-v3'")
        return get_benchmark(f"{name}({task_name(kwargs.pop('env_name'))})", variation_seed=variation_seed)
    if name == "custom-mt":
        envs_list = kwargs.pop("envs_list", None)
        if not envs_list or isinstance(envs_list, str):
            raise ValueError("manyworld/custom-mt-envs needs envs_list=[...] of task names")
        return custom_mt([task_name(e) for e in envs_list], variation_seed)
    if name == "custom-ml":
        train, test = kwargs.pop("train_envs", None), kwargs.pop("test_envs", None)
        if not train or not test or isinstance(train, str) or isinstance(test, str):
            raise ValueError("manyworld/custom-ml-envs needs train_envs=[...] and test_envs=[...]")
        train, test = [task_name(e) for e in train], [task_name(e) for e in test]
        if set(train) & set(test):
            raise ValueError(f"train_envs and test_envs share {sorted(set(train) & set(test))}")
        return custom_ml(train, test, variation_seed)
    return get_benchmark(name, variation_seed=variation_seed)


def _layout(bench: Benchmark, split: str, meta_batch_size: int | None,
            total_tasks_per_cls: int | None, num_goals: int | None) -> list[list[TaskVariation]]:
    """Meta-World's sub-envs: the variation list of each world, in world order.

    MT: one sub-env per task holding its first ``num_goals`` (default all 50)
    variations. ML: ``meta_batch_size`` sub-envs, as equal a share per task as
    the size allows (Meta-World requires divisibility), each task's variations
    dealt round-robin over its sub-envs (Meta-World's ``tasks[i::k]``).
    """
    tasks = split_tasks(bench, split)
    if bench.kind != "ML":
        pairs = all_pairs(bench, split, per_task=num_goals)
        return [[p for p in pairs if p.task == t] for t in tasks]
    pairs = all_pairs(bench, split)
    counts = balanced_counts(meta_batch_size, len(tasks))
    lists = []
    for task, k in zip(tasks, counts):
        mine = [p for p in pairs if p.task == task][:total_tasks_per_cls]
        lists += [mine[i::k] for i in range(k) if mine[i::k]]
    return lists


def _int_arg(name: str, value: Any, low: int, high: int | None = None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low or (
        high is not None and value > high
    ):
        bound = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be an integer {bound}, got {value!r}")
    return int(value)


def build_worlds(name: str, split: str, kwargs: dict[str, Any]) -> tuple[Any, Benchmark, dict[str, Any]]:
    """The wrapped batched env of a Meta-World-dialect call, and the render settings.

    Consumes Meta-World's keyword arguments from ``kwargs``; anything left is
    an argument Meta-World does not take either, and raises.
    """
    kw = dict(kwargs)
    kw.pop("vector_strategy", None)
    variation_seed = kw.pop("variation_seed", 0)
    bench = _benchmark(name, kw, variation_seed)
    if name == "custom-ml":
        split = kw.pop("split", split)
        _check_choice("split", split, ("train", "test"))
    seed = _int_arg("seed", kw.pop("seed", None), 0)
    version = kw.pop("reward_function_version", "v2")
    if version != "v2":
        raise ValueError(
            f"reward_function_version={version!r}: manyworld implements Meta-World's v2 rewards "
            "(the [0, 10] scale) only"
        )
    ml = bench.kind == "ML"
    # Meta-World's default of 20 sub-envs cannot cover ML25's or ML45's train tasks
    # (Meta-World then fails its divisibility assert, Metaworld issue #541): one per task there.
    default_batch = max(20, bench_tasks(bench, split)) if ml else None
    meta_batch_size = _int_arg("meta_batch_size", kw.pop("meta_batch_size", default_batch), 1)
    if ml and meta_batch_size < bench_tasks(bench, split):
        raise ValueError(
            f"meta_batch_size={meta_batch_size} is fewer than the {bench_tasks(bench, split)} "
            f"{split} tasks of {bench.name}: some would get no sub-env (use a multiple of "
            f"{bench_tasks(bench, split)})"
        )
    total = _int_arg("total_tasks_per_cls", kw.pop("total_tasks_per_cls", None), 1)
    num_goals = _int_arg("num_goals", kw.pop("num_goals", None), 1, 50)
    if not ml and (meta_batch_size is not None or total is not None):
        raise ValueError(f"{bench.name} is multi-task: meta_batch_size and total_tasks_per_cls are ML options")
    if ml and num_goals is not None:
        raise ValueError(f"{bench.name} is a meta-learning benchmark: num_goals is an MT option "
                         "(total_tasks_per_cls limits ML variations)")
    max_steps = _int_arg("max_episode_steps", kw.pop("max_episode_steps", None), 1)
    terminate = kw.pop("terminate_on_success", ml and split == "test")
    use_one_hot = bool(kw.pop("use_one_hot", False))
    num_tasks = _int_arg("num_tasks", kw.pop("num_tasks", None), 1)
    rnn = bool(kw.pop("recurrent_info_in_obs", False))
    rnn_norm = bool(kw.pop("normalize_reward_in_recurrent_info", True))
    task_select = kw.pop("task_select", "pseudorandom" if ml else "random")
    reward_norm = kw.pop("reward_normalization_method", None)
    _check_choice("reward_normalization_method", reward_norm, (None, "gymnasium", "exponential"))
    reward_alpha = float(kw.pop("reward_alpha", 0.001))
    normalize_obs = bool(kw.pop("normalize_observations", False))
    fixed = kw.pop("fixed_variation", False)
    render = _render_settings(kw)
    num_envs = kw.pop("num_envs", None)
    if kw:
        raise TypeError(
            f"unexpected keyword(s) {sorted(kw)} for manyworld/{name} in Meta-World's dialect "
            "(docs/metaworld-v3.md lists the keywords)"
        )

    lists = _layout(bench, split, meta_batch_size, total, num_goals)
    if fixed:
        rng = np.random.default_rng(seed)
        lists = [[v[int(rng.integers(len(v)))]] for v in lists]
    if num_envs not in (None, 1, len(lists)):
        raise ValueError(
            f"{bench.name} has {len(lists)} sub-envs here, as in Meta-World, which ignores num_envs; "
            f"got num_envs={num_envs} (ML: set meta_batch_size)"
        )
    if use_one_hot and num_tasks is not None and num_tasks < bench_tasks(bench, split):
        raise ValueError(f"num_tasks={num_tasks} is fewer than the {bench_tasks(bench, split)} tasks")
    env = make_env(
        bench,
        split=split,
        seed=seed,
        max_episode_steps=MAX_EPISODE_STEPS if max_steps is None else max_steps,
        terminate_on_success=bool(terminate),
        one_hot=False,
        episode_statistics=True,
    )
    env.unwrapped.set_tasks([v[0] for v in lists])
    if use_one_hot:
        env = OneHotTaskId(env, num_tasks)
    if rnn:
        env = RL2Observation(env, reward_scale=0.1 if rnn_norm else 1.0)
    if reward_norm is not None:
        env = NormalizeReward(env, "running" if reward_norm == "gymnasium" else "exponential",
                              alpha=reward_alpha)
    if normalize_obs:
        env = NormalizeObservation(env)
    env = TaskSelect(env, lists, task_select, seed)
    env.benchmark = bench
    return env, bench, render


def bench_tasks(bench: Benchmark, split: str) -> int:
    """The number of tasks of a benchmark's split (the one-hot's default width)."""
    return len(split_tasks(bench, split))


def _render_settings(kw: dict[str, Any]) -> dict[str, Any]:
    mode = kw.pop("render_mode", None)
    _check_choice("render_mode", mode, (None, "rgb_array", "depth_array", "human"))
    if mode == "human":
        raise ValueError("render_mode='human' (an on-screen window) is not provided; use "
                         "render_mode='rgb_array' and show or save the frames")
    name, cam_id = kw.pop("camera_name", None), kw.pop("camera_id", None)
    if name is not None and cam_id is not None:
        raise ValueError("give camera_name or camera_id, not both")
    camera = "corner"
    if name is not None:
        if name in CAMERAS:
            camera = name
        elif _CAMERA_NAMES.get(name):
            camera = _CAMERA_NAMES[name]
        else:
            raise ValueError(f"camera {name!r} has no counterpart in manyworld's scene; cameras: "
                             f"{', '.join(CAMERAS)} (Meta-World's gripperPOV is 'gripper')")
    if cam_id is not None:
        cam_id = _int_arg("camera_id", cam_id, 0, len(CAMERAS) - 1)
        camera = CAMERAS[cam_id]
    width = _int_arg("width", kw.pop("width", 480), 1)
    height = _int_arg("height", kw.pop("height", 480), 1)
    return {"render_mode": mode, "camera": camera, "width": width, "height": height}


class _Renders:
    """Frames of the env's worlds, one GL context per task env (built on first use)."""

    def __init__(self, env: Any, settings: dict[str, Any]):
        self.env, self.settings = env, settings
        self._renderers: dict[int, Any] = {}

    def frame(self, world: int) -> np.ndarray:
        from manyworld.sim.render import WorldRenderer

        batch, local = self.env.unwrapped.world(world)
        key = id(batch)
        if key not in self._renderers:
            self._renderers[key] = WorldRenderer(batch.model, self.settings["height"], self.settings["width"])
        return self._renderers[key].render(batch.sim, local, self.settings["camera"],
                                           depth=self.settings["render_mode"] == "depth_array")

    def close(self) -> None:
        for r in self._renderers.values():
            r.close()
        self._renderers.clear()


class MetaWorldVectorEnv(BenchmarkVectorEnv):
    """A benchmark laid out and defaulted as Meta-World v3's ``make_vec`` builds it.

    World i is Meta-World's sub-env i (``info["task_id"]`` names its task).
    ``render()`` returns one frame per world when built with ``render_mode``.
    """

    metadata: ClassVar[dict[str, Any]] = {
        "autoreset_mode": AutoresetMode.SAME_STEP,
        "render_modes": ["rgb_array", "depth_array"],
        "render_fps": RENDER_FPS,
    }

    def __init__(self, benchmark: str, split: str = "train", *,
                 autoreset_mode: AutoresetMode | str = AutoresetMode.SAME_STEP, **kwargs: Any):
        strategy = kwargs.get("vector_strategy", "sync")
        _check_choice("vector_strategy", strategy, ("sync", "async"))
        self.env, self.benchmark, settings = build_worlds(benchmark, split, kwargs)
        self.split = self.env.unwrapped.split
        self.vector_strategy = strategy
        self.autoreset_mode = AutoresetMode(autoreset_mode)
        if self.autoreset_mode == AutoresetMode.DISABLED:
            raise ValueError("autoreset_mode DISABLED is not supported: use manyworld.benchmarks.make_env")
        self.metadata = {**self.metadata, "autoreset_mode": self.autoreset_mode}
        self.render_mode = settings["render_mode"]
        self._renders = _Renders(self.env, settings)
        self._rng = np.random.default_rng(kwargs.get("seed"))
        self._set_spaces()
        if kwargs.get("seed") is not None:
            self.action_space.seed(kwargs["seed"])

    def render(self) -> tuple[np.ndarray, ...] | None:
        """One frame per world (``render_mode`` set at construction), else None with a warning."""
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; pass render_mode='rgb_array' to make_vec()")
            return None
        return tuple(self._renders.frame(w) for w in range(self.num_envs))

    def close_extras(self, **kwargs):
        self._renders.close()
        super().close_extras(**kwargs)


class MetaWorldEnv(gym.Env):
    """One world as Meta-World v3's ``gym.make("Meta-World/MT1", env_name=...)`` builds it.

    A new variation of the task at every reset (its 50 train variations, goal
    visible); stepping past the end of an episode raises, as in Meta-World.
    ``goal_hidden`` / ``goal_observable`` ids build the same env with the goal
    zeroed or shown.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array", "depth_array"], "render_fps": RENDER_FPS}

    def __init__(self, benchmark: str = "MT1", goal_visible: bool = True, **kwargs: Any):
        self.env, self.benchmark, settings = build_worlds(benchmark, "train", kwargs)
        if not goal_visible:
            self.env = HideGoal(self.env)
        self.observation_space = self.env.observation_space
        self.action_space = self.env.action_space
        self.render_mode = settings["render_mode"]
        self._renders = _Renders(self.env, settings)
        seed = kwargs.get("seed")
        if seed is not None:
            self.action_space.seed(seed)

    @property
    def task(self):
        """The task class this env runs."""
        return get_task(self.benchmark.tasks[0])

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if options:
            raise ValueError(f"reset takes no options here, got {sorted(options)}")
        obs, info = self.env.reset(seed=seed)
        return obs[0], {k: _item(v) for k, v in info.items()}

    def step(self, action):
        action = np.asarray(action)
        if action.shape != (4,):
            raise ValueError(f"action must have shape (4,), got {action.shape}")
        obs, reward, terminated, truncated, info = self.env.step(action[None])
        return (obs[0], float(reward[0]), bool(terminated[0]), bool(truncated[0]),
                {k: _item(v) for k, v in info.items()})

    def render(self):
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; pass render_mode='rgb_array' to make()")
            return None
        return self._renders.frame(0)

    def close(self):
        self._renders.close()
        self.env.close()


def _item(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _item(x) for k, x in v.items()}
    if isinstance(v, np.ndarray) and v.ndim >= 1 and len(v) == 1:
        v = v[0]
    return v.item() if isinstance(v, np.generic) else v


def make_single(benchmark: str = "MT1", goal_visible: bool | None = None, split: str = "train",
                **kwargs: Any) -> gym.Env:
    """``gym.make`` entry point of ``manyworld/MT1``, ``goal_observable`` and ``goal_hidden``.

    ``MT1`` draws a new variation at every reset. ``goal_observable`` and
    ``goal_hidden`` (``goal_visible`` set) keep one variation, drawn from the
    seed, for the env's life: Meta-World's single-goal envs.
    """
    if "env_name" not in kwargs:
        raise ValueError("this id needs env_name=..., e.g. env_name='reach-v3'")
    if goal_visible is not None:
        kwargs["fixed_variation"] = True
    return MetaWorldEnv(benchmark, True if goal_visible is None else goal_visible, **kwargs)
