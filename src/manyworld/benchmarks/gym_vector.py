"""Benchmarks as gymnasium ``VectorEnv`` s: ``gymnasium.make_vec("manyworld/MT10", ...)``.

Registered ids (``import manyworld.benchmarks`` registers them):

=================================  ==================================================
``manyworld/MT1``                  ``task="reach"``
``manyworld/MT10|MT25|MT50``
``manyworld/ML1-train|-test``      ``task="reach"``
``manyworld/ML10|ML25|ML45-train``, ``-test``
``manyworld/CW10|CW20``            ``stage=i`` (default 0): the env of one stage
``manyworld/custom-mt``            ``tasks=[...]``
``manyworld/custom-ml-train|-test``  ``train_tasks=[...]``, ``test_tasks=[...]``
=================================  ==================================================

The same ids also speak Meta-World v3's dialect (``vector_strategy=``,
``env_name=``, ``envs_list=``, ``train_envs=``; plus ``manyworld/custom-mt-envs``,
``custom-ml-envs`` and the ``gym.make`` ids ``manyworld/MT1``,
``goal_observable``, ``goal_hidden``): see :mod:`manyworld.benchmarks.metaworld_v3`.

Worlds: ``worlds_per_task=k`` (k worlds of every task), or ``num_envs=n`` spread
as evenly as possible (floor or ceil per task); for ML ids ``num_envs`` is the
meta-batch size and any value works. By default: one world per task (ML: a
meta-batch of one world per task). gymnasium passes ``num_envs=1`` when none is
given, so ``num_envs=1`` means that default too (a meta-batch of one world
cannot be asked for; ``sample_tasks(1)`` with ``make_env`` builds one). Other keyword arguments are those of
:func:`~manyworld.benchmarks.envs.make_env` (``seed``, ``max_episode_steps``,
``terminate_on_success``, ``use_one_hot``/``one_hot``, ``goal_visible``,
``rl2``, ``reward_normalization``, ``variation_seed``) plus ``autoreset_mode``.

Meta-learning: ``envs.sample_tasks()`` draws a meta-batch of (task, variation)
pairs, ``envs.set_tasks(pairs)`` pins them, ``envs.reset()`` starts them. A
reset before any ``sample_tasks`` works (the env starts with a sampled batch).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from manyworld.benchmarks.benchmark import Benchmark, custom_ml, custom_mt, get_benchmark
from manyworld.benchmarks.envs import make_env
from manyworld.benchmarks.sampling import TaskVariation, sample_tasks
from manyworld.envs.gym_env import RENDER_FPS, one_seed


def _benchmark(
    name: str,
    task: str | None,
    tasks: Sequence[str] | None,
    train_tasks: Sequence[str] | None,
    test_tasks: Sequence[str] | None,
    variation_seed: int,
) -> Benchmark:
    if name in ("MT1", "ML1"):
        if task is None:
            raise ValueError(
                f"manyworld/{name} needs task=..., e.g. make_vec('manyworld/{name}', task='reach')"
            )
        return get_benchmark(f"{name}({task})", variation_seed=variation_seed)
    if name == "custom-mt":
        if not tasks:
            raise ValueError("manyworld/custom-mt needs tasks=[...]")
        return custom_mt(list(tasks), variation_seed)
    if name == "custom-ml":
        if not train_tasks or not test_tasks:
            raise ValueError("manyworld/custom-ml-* needs train_tasks=[...] and test_tasks=[...]")
        return custom_ml(list(train_tasks), list(test_tasks), variation_seed)
    return get_benchmark(name, variation_seed=variation_seed)


class BenchmarkVectorEnv(VectorEnv):
    """A benchmark's worlds as one gymnasium ``VectorEnv``, with autoreset.

    ``NEXT_STEP`` autoreset (gymnasium's default): the step after an episode
    ends restarts that world and returns its first observation with reward 0.
    ``SAME_STEP``: the world restarts in the same step and ``info["final_obs"]``
    holds the last observation of the finished episode. ``info["task_id"]``
    gives each world's task index (``self.task_names``).
    """

    metadata: ClassVar[dict[str, Any]] = {
        "autoreset_mode": AutoresetMode.NEXT_STEP,
        "render_modes": [],
        "render_fps": RENDER_FPS,
    }

    def __init__(
        self,
        benchmark: str,
        num_envs: int = 1,
        *,
        split: str = "train",
        task: str | None = None,
        tasks: Sequence[str] | None = None,
        train_tasks: Sequence[str] | None = None,
        test_tasks: Sequence[str] | None = None,
        variation_seed: int = 0,
        worlds_per_task: Any = None,
        use_one_hot: bool | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        **kwargs: Any,
    ):
        bench = _benchmark(benchmark, task, tasks, train_tasks, test_tasks, variation_seed)
        if use_one_hot is not None:
            kwargs["one_hot"] = use_one_hot
        if num_envs not in (None, 1) and worlds_per_task is not None:
            raise ValueError("give num_envs or worlds_per_task, not both")
        num_worlds = num_envs if num_envs not in (None, 1) else None
        if bench.kind == "CW" and "stage" not in kwargs:
            kwargs["stage"] = 0
        self.env = make_env(
            bench, split=split, worlds_per_task=worlds_per_task, num_worlds=num_worlds, **kwargs
        )
        self.benchmark = bench
        self.split = split
        self.autoreset_mode = AutoresetMode(autoreset_mode)
        if self.autoreset_mode == AutoresetMode.DISABLED:
            raise ValueError(
                "autoreset_mode DISABLED is not supported: use manyworld.benchmarks.make_env"
            )
        self.metadata = {**self.metadata, "autoreset_mode": self.autoreset_mode}
        self._rng = np.random.default_rng(kwargs.get("seed"))
        self._set_spaces()

    def _set_spaces(self) -> None:
        self.num_envs = self.env.num_worlds
        self.single_observation_space = self.env.observation_space
        self.single_action_space = self.env.action_space
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._pending = np.zeros(self.num_envs, dtype=bool)

    @property
    def task_names(self) -> tuple[str, ...]:
        return self.env.task_names

    @property
    def task_ids(self) -> np.ndarray:
        return self.env.task_ids

    # ------------------------------------------------------------ meta-learning
    def sample_tasks(
        self, n: int | None = None, rng: np.random.Generator | int | None = None
    ) -> list[TaskVariation]:
        """A balanced meta-batch of ``n`` (default: ``num_envs``) pairs from this env's split."""
        return sample_tasks(
            self.benchmark,
            n or self.num_envs,
            split=self.split,
            rng=self._rng if rng is None else rng,
        )

    def set_tasks(self, pairs: Sequence[TaskVariation]) -> None:
        """Pin world i to ``pairs[i]``; takes effect at the next ``reset()``."""
        if len(pairs) != self.num_envs:
            raise ValueError(
                f"this VectorEnv has {self.num_envs} worlds; set_tasks got {len(pairs)} pairs "
                "(a VectorEnv's size is fixed: build one with num_envs=len(pairs))"
            )
        self.env.set_tasks(pairs)

    # ------------------------------------------------------------ gymnasium API
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        seed = one_seed(seed)
        if options:
            raise ValueError(f"reset takes no options here, got {sorted(options)} (pin (task, "
                             "variation) pairs with set_tasks)")
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        self._pending[:] = False
        return self.env.reset(seed=seed)

    def step(self, actions):
        env = self.env
        actions = np.asarray(actions, dtype=np.float64)
        if self.autoreset_mode == AutoresetMode.NEXT_STEP and self._pending.any():
            done = self._pending.copy()
            obs, reward, terminated, truncated, info = env.step(actions, active=~done)
            reset_obs, _ = env.reset(ids=done)
            obs[done] = reset_obs[done]
            reward[done] = 0.0
            terminated[done] = False
            truncated[done] = False
        else:
            obs, reward, terminated, truncated, info = env.step(actions)
        finished = terminated | truncated
        info = dict(info, task_id=env.task_ids.copy())
        if self.autoreset_mode == AutoresetMode.SAME_STEP:
            if finished.any():
                info.update(final_obs=obs.copy(), _final_obs=finished.copy())
                reset_obs, _ = env.reset(ids=finished)
                obs = np.where(finished[:, None], reset_obs, obs)
        else:
            self._pending = finished.copy()
        return obs, reward, terminated, truncated, info

    def close_extras(self, **kwargs):
        self.env.close()


def make_vector_env(benchmark: str, split: str = "train", **kwargs: Any) -> VectorEnv:
    """``make_vec`` entry point of the benchmark ids: Meta-World v3's dialect or manyworld's.

    A call carrying one of Meta-World's own required arguments (``vector_strategy``,
    ``env_name``, ``envs_list``, ``train_envs``) gets Meta-World's layout and
    defaults (:mod:`manyworld.benchmarks.metaworld_v3`); any other call, this
    module's :class:`BenchmarkVectorEnv`.
    """
    from manyworld.benchmarks import metaworld_v3

    metaworld_id = kwargs.pop("_metaworld_id", False)
    if metaworld_v3.is_metaworld_call(kwargs):
        return metaworld_v3.MetaWorldVectorEnv(benchmark, split, **kwargs)
    if metaworld_id:
        needs = "envs_list=[...]" if benchmark == "custom-mt" else "train_envs=[...], test_envs=[...]"
        raise ValueError(f"manyworld/{benchmark}-envs is Meta-World v3's id: it takes "
                         f"vector_strategy='sync' and {needs}")
    return BenchmarkVectorEnv(benchmark, split=split, **kwargs)


_IDS = {
    "MT1": ("MT1", "train"),
    "MT10": ("MT10", "train"),
    "MT25": ("MT25", "train"),
    "MT50": ("MT50", "train"),
    "CW10": ("CW10", "train"),
    "CW20": ("CW20", "train"),
    "custom-mt": ("custom-mt", "train"),
}
for _name in ("ML1", "ML10", "ML25", "ML45", "custom-ml"):
    for _split in ("train", "test"):
        _IDS[f"{_name}-{_split}"] = (_name, _split)
# Meta-World v3's names of the custom benchmarks (train or test by split=)
_METAWORLD_IDS = {"custom-mt-envs": ("custom-mt", "train"), "custom-ml-envs": ("custom-ml", "train")}


def register_benchmark_envs() -> None:
    """Register ``manyworld/MT10`` and the other benchmark ids for ``gymnasium.make_vec``.

    Safe to call repeatedly. Registration needs no task: building an id whose
    tasks are not registered raises an error naming them.
    """
    single = {  # gym.make entry points (Meta-World v3's single-env ids)
        "MT1": {"benchmark": "MT1"},
        "goal_observable": {"benchmark": "MT1", "goal_visible": True},
        "goal_hidden": {"benchmark": "MT1", "goal_visible": False},
    }
    for env_id, (name, split) in {**_IDS, **_METAWORLD_IDS}.items():
        full = f"manyworld/{env_id}"
        if full in gym.registry:
            continue
        kwargs: dict[str, Any] = {"benchmark": name, "split": split}
        if env_id in _METAWORLD_IDS:
            kwargs["_metaworld_id"] = True
        gym.register(
            id=full,
            # gym.make builds a single env only for MT1 (Meta-World v3's usage)
            entry_point="manyworld.benchmarks.metaworld_v3:make_single" if env_id == "MT1" else None,
            vector_entry_point="manyworld.benchmarks.gym_vector:make_vector_env",
            kwargs=kwargs,
            max_episode_steps=None,
            disable_env_checker=True,
        )
    for env_id in ("goal_observable", "goal_hidden"):
        full = f"manyworld/{env_id}"
        if full not in gym.registry:
            gym.register(id=full, entry_point="manyworld.benchmarks.metaworld_v3:make_single",
                         kwargs=single[env_id], max_episode_steps=None, disable_env_checker=True)
