"""Meta-World's benchmark API over manyworld: change the import, keep the loop.

Code written against Meta-World's low-level benchmark objects runs unchanged::

    import manyworld.compat as metaworld          # was: import metaworld
    import random

    mt10 = metaworld.MT10(seed=0)
    training_envs = []
    for name, env_cls in mt10.train_classes.items():
        env = env_cls()
        task = random.choice([t for t in mt10.train_tasks if t.env_name == name])
        env.set_task(task)
        training_envs.append(env)
    for env in training_envs:
        obs, info = env.reset()
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())

and so do the scripted policies
(``metaworld.policies.ENV_POLICY_MAP[name]().get_action(obs)``).

Differences, all on purpose:

- Names carry manyworld's task version (``reach-v2``); Meta-World names
  (``reach-v3``, ``reach-v2``) are accepted wherever a name is read and mean
  the current manyworld task (manyworld's own v2 and Meta-World's v2 name the
  same thing here: the current task).
- ``Task.data`` is a JSON-ready dict (the variation's parameters, split,
  index, goal visibility), never pickled bytes.
- ``reset()`` before ``set_task`` works (it draws one of the task's training
  variations) instead of raising.
- ``seed`` selects the published variation sets (manyworld's variation seed);
  the same seed always gives the same tasks.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np

from manyworld.benchmarks.benchmark import Benchmark as _Benchmark
from manyworld.benchmarks.benchmark import custom_ml, custom_mt, get_benchmark
from manyworld.compat import policies
from manyworld.envs.gym_env import ManyWorldEnv
from manyworld.tasks.base import get_task

EnvName = str
_METAWORLD_SUFFIX = re.compile(r"-v[23]$")  # Meta-World's own versions, accepted as aliases


def task_name(env_name: str) -> str:
    """manyworld task name of a Meta-World-style name (``reach-v3``, ``reach-v2``, ``reach``)."""
    base = _METAWORLD_SUFFIX.sub("", env_name)
    return get_task(base).name


def env_name(task: str) -> EnvName:
    """The versioned name used as key here: ``reach`` -> ``reach-v2``."""
    cls = get_task(task)
    return f"{cls.name}-v{cls.version}"


class Task(NamedTuple):
    """One MDP: the env it belongs to and its data (a JSON-ready dict, not pickled bytes)."""

    env_name: EnvName
    data: dict


class MetaWorldEnv(gym.Env):
    """One world of a task, Meta-World style: build with no arguments, then ``set_task``.

    Wraps :class:`~manyworld.envs.gym_env.ManyWorldEnv`. Episodes truncate at
    ``max_path_length`` (500) steps.
    """

    TASK: str = ""
    max_path_length = 500
    metadata = ManyWorldEnv.metadata

    def __init__(self, render_mode: str | None = None, **kwargs: Any):
        if not self.TASK:
            raise TypeError(
                "MetaWorldEnv is abstract: use the classes in a benchmark's train_classes"
            )
        self._kwargs = dict(kwargs, render_mode=render_mode)
        self.render_mode = render_mode
        self._goal_visible = True
        self._build()
        self._task: Task | None = None
        self.curr_path_length = 0

    def _build(self) -> None:
        self._env = ManyWorldEnv(
            self.TASK,
            goal_visible=self._goal_visible,
            max_episode_steps=self.max_path_length,
            **self._kwargs,
        )
        self.observation_space = self._env.observation_space
        self.action_space = self._env.action_space

    def set_task(self, task: Task) -> None:
        """Pin this env to ``task`` (a variation of this env's task) for every later reset.

        Raises:
            ValueError: the task belongs to another env.
        """
        if task_name(task.env_name) != self.TASK:
            raise ValueError(
                f"task {task.env_name!r} belongs to another env; this env is {env_name(self.TASK)!r}"
            )
        visible = bool(task.data.get("goal_visible", True))
        if visible != self._goal_visible:  # goal visibility changes the observation space: rebuild
            self._env.close()
            self._goal_visible = visible
            self._build()
        self._env.set_task(task.data["params"])
        self._task = task

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        self.curr_path_length = 0
        return self._env.reset(seed=seed, options=options)

    def step(self, action):
        self.curr_path_length += 1
        return self._env.step(np.asarray(action, dtype=np.float64))

    def seed(self, seed: int | None = None) -> list[int | None]:
        """Meta-World's explicit seeding call: reseeds the next reset's draws."""
        self._env.reset(seed=seed)
        return [seed]

    def render(self):
        return self._env.render()

    def close(self):
        self._env.close()


_CLASSES: dict[str, type[MetaWorldEnv]] = {}


def env_class(task: str) -> type[MetaWorldEnv]:
    """The (cached) env class of a task, e.g. ``ReachV1`` for ``reach``."""
    name = get_task(task).name
    if name not in _CLASSES:
        camel = (
            "".join(part.capitalize() for part in name.split("-")) + f"V{get_task(name).version}"
        )
        _CLASSES[name] = type(camel, (MetaWorldEnv,), {"TASK": name, "__doc__": f"The {name} env."})
    return _CLASSES[name]


class Benchmark:
    """Meta-World's benchmark object: ``train_classes``, ``train_tasks``, ``test_classes``, ``test_tasks``.

    Built from a manyworld :class:`~manyworld.benchmarks.Benchmark`
    (``.benchmark``). MT: 50 goal-visible tasks per train class, no test
    classes. ML: goal-hidden train tasks (50 train variations per train class)
    and test tasks (50 test variations per test class; ML1 uses the task's
    held-out variations).
    """

    def __init__(self, benchmark: _Benchmark):
        benchmark.require_tasks()
        self.benchmark = benchmark
        visible = benchmark.goal_visible
        self._train_classes = OrderedDict(
            (env_name(t), env_class(t)) for t in benchmark.train_tasks
        )
        self._train_tasks = self._tasks(benchmark.train_tasks, "train", visible)
        if benchmark.kind == "ML":
            self._test_classes = OrderedDict(
                (env_name(t), env_class(t)) for t in benchmark.test_tasks
            )
            self._test_tasks = self._tasks(benchmark.test_tasks, "test", visible)
        else:
            self._test_classes, self._test_tasks = OrderedDict(), []

    def _tasks(self, names: tuple[str, ...], split: str, visible: bool) -> list[Task]:
        out = []
        for t in names:
            params_cls = get_task(t).Params
            for i, row in enumerate(self.benchmark.variations(t, split)):
                out.append(
                    Task(
                        env_name(t),
                        {
                            "params": params_cls.from_vector(row).to_dict(),
                            "split": split,
                            "index": i,
                            "goal_visible": visible,
                            "benchmark": self.benchmark.name,
                        },
                    )
                )
        return out

    @property
    def train_classes(self) -> OrderedDict[EnvName, type[MetaWorldEnv]]:
        return self._train_classes

    @property
    def test_classes(self) -> OrderedDict[EnvName, type[MetaWorldEnv]]:
        return self._test_classes

    @property
    def train_tasks(self) -> list[Task]:
        return self._train_tasks

    @property
    def test_tasks(self) -> list[Task]:
        return self._test_tasks


def MT1(env_name: str, seed: int = 0) -> Benchmark:
    """One task, its 50 training variations, goal visible."""
    return Benchmark(get_benchmark(f"MT1({task_name(env_name)})", variation_seed=seed))


def ML1(env_name: str, seed: int = 0) -> Benchmark:
    """One task: 50 train variations to meta-train on, 50 held-out ones to meta-test on; goal hidden."""
    return Benchmark(get_benchmark(f"ML1({task_name(env_name)})", variation_seed=seed))


def MT10(seed: int = 0) -> Benchmark:
    return Benchmark(get_benchmark("MT10", variation_seed=seed))


def MT25(seed: int = 0) -> Benchmark:
    return Benchmark(get_benchmark("MT25", variation_seed=seed))


def MT50(seed: int = 0) -> Benchmark:
    return Benchmark(get_benchmark("MT50", variation_seed=seed))


def ML10(seed: int = 0) -> Benchmark:
    return Benchmark(get_benchmark("ML10", variation_seed=seed))


def ML25(seed: int = 0) -> Benchmark:
    return Benchmark(get_benchmark("ML25", variation_seed=seed))


def ML45(seed: int = 0) -> Benchmark:
    return Benchmark(get_benchmark("ML45", variation_seed=seed))


def CustomMT(env_names: list[str], seed: int = 0) -> Benchmark:
    """A multi-task benchmark of any tasks (not in Meta-World's API)."""
    return Benchmark(custom_mt([task_name(n) for n in env_names], seed))


def CustomML(train: list[str], test: list[str], seed: int = 0) -> Benchmark:
    """A meta-learning benchmark of any train and test tasks (not in Meta-World's API)."""
    return Benchmark(custom_ml([task_name(n) for n in train], [task_name(n) for n in test], seed))


__all__ = [
    "ML1",
    "ML10",
    "ML25",
    "ML45",
    "MT1",
    "MT10",
    "MT25",
    "MT50",
    "Benchmark",
    "CustomML",
    "CustomMT",
    "MetaWorldEnv",
    "Task",
    "env_class",
    "env_name",
    "policies",
    "task_name",
]
