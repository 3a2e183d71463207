"""Wrappers over batched multi-task envs: one-hot task id, goal hiding, RL² inputs,
reward normalisation and episode statistics.

They wrap anything with :class:`~manyworld.benchmarks.multitask.MultiTaskEnv`'s
interface (``reset(seed=, ids=)``, ``step(actions, active=)``, ``task_ids``,
``num_worlds``, ``observation_space``) and act on whole ``(W, ...)`` arrays.
Each keeps per-world state where it needs it and resets it for the worlds a
``reset(ids=...)`` restarts. When ``step`` gets an ``active`` mask, wrapper
state changes only for active worlds.

Observation layout with every wrapper on (in stacking order)::

    [0:39]   Meta-World observation (goal zeros when hidden)
    [39:39+K] one-hot task id (K = number of tasks)       OneHotTaskId
    [..+4]   previous action, [..+1] previous reward (scaled), [..+1] done   RL2Observation
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from manyworld.envs.batch_env import separate_equal_bounds
from manyworld.tasks import obs as obs_lib

MAX_REWARD = 10.0  # every task's reward lies in [0, 10]


class BatchWrapper:
    """Base class: forwards everything to the wrapped env; subclasses change obs/reward/info."""

    def __init__(self, env: Any):
        self.env = env

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.env, name)

    @property
    def observation_space(self) -> spaces.Box:
        return self.env.observation_space

    @property
    def unwrapped(self) -> Any:
        """The innermost env."""
        return getattr(self.env, "unwrapped", self.env)

    def reset(self, *, seed: int | None = None, ids: Any = None):
        return self.env.reset(seed=seed, ids=ids)

    def step(self, actions: np.ndarray, active: np.ndarray | None = None):
        return self.env.step(actions, active)

    def _reset_ids(self, ids: Any) -> np.ndarray:
        """The reset worlds as an index array (all when None)."""
        n = self.num_worlds
        if ids is None:
            return np.arange(n)
        ids = np.asarray(ids)
        return np.flatnonzero(ids) if ids.dtype == bool else ids.astype(np.int64).ravel()


def _extend(box: spaces.Box, low: np.ndarray, high: np.ndarray) -> spaces.Box:
    return spaces.Box(
        np.concatenate([box.low, low]), np.concatenate([box.high, high]), dtype=np.float64
    )


class OneHotTaskId(BatchWrapper):
    """Append the one-hot task id (K entries, 1 at the world's task index) to observations.

    Multi-task benchmarks turn this on by default (``one_hot=False`` turns it
    off): without it an MT agent must infer the task from the scene.
    """

    def __init__(self, env: Any, num_tasks: int | None = None):
        super().__init__(env)
        self.num_tasks_one_hot = int(num_tasks if num_tasks is not None else env.num_tasks)
        if self.num_tasks_one_hot < int(np.max(env.task_ids, initial=0)) + 1:
            raise ValueError(
                f"one-hot of size {self.num_tasks_one_hot} cannot hold task ids up to "
                f"{int(np.max(env.task_ids))}"
            )
        self._space = _extend(
            env.observation_space, np.zeros(self.num_tasks_one_hot), np.ones(self.num_tasks_one_hot)
        )

    @property
    def observation_space(self) -> spaces.Box:
        return self._space

    def _add(self, obs: np.ndarray) -> np.ndarray:
        eye = np.eye(self.num_tasks_one_hot)
        return np.concatenate([obs, eye[self.env.task_ids]], axis=1)

    def reset(self, *, seed=None, ids=None):
        obs, info = self.env.reset(seed=seed, ids=ids)
        return self._add(obs), info

    def step(self, actions, active=None):
        obs, *rest = self.env.step(actions, active)
        return (self._add(obs), *rest)


class HideGoal(BatchWrapper):
    """Zero the goal slots (36-38) of the observation, as meta-learning benchmarks do.

    Benchmarks build their envs with the goal hidden at the source
    (``goal_visible=False``); this wrapper hides it on an env built with it.
    """

    def __init__(self, env: Any):
        super().__init__(env)
        box = env.observation_space
        low, high = box.low.copy(), box.high.copy()
        low[obs_lib.GOAL] = high[obs_lib.GOAL] = 0.0
        self._space = spaces.Box(*separate_equal_bounds(low, high), dtype=np.float64)

    @property
    def observation_space(self) -> spaces.Box:
        return self._space

    def reset(self, *, seed=None, ids=None):
        obs, info = self.env.reset(seed=seed, ids=ids)
        obs[:, obs_lib.GOAL] = 0.0
        return obs, info

    def step(self, actions, active=None):
        obs, *rest = self.env.step(actions, active)
        obs[:, obs_lib.GOAL] = 0.0
        return (obs, *rest)


class RL2Observation(BatchWrapper):
    """Append the previous action (4), reward (1) and done flag (1): the RL² input.

    After a reset the three are zeros. ``reward_scale`` multiplies the reward
    (0.1 maps [0, 10] to [0, 1], as Meta-World's RL² wrapper does).
    """

    def __init__(self, env: Any, reward_scale: float = 0.1):
        super().__init__(env)
        self.reward_scale = float(reward_scale)
        self._extra = np.zeros((env.num_worlds, 6))
        self._space = _extend(
            env.observation_space,
            np.r_[-np.ones(4), 0.0, 0.0],
            np.r_[np.ones(4), MAX_REWARD * self.reward_scale, 1.0],
        )

    @property
    def observation_space(self) -> spaces.Box:
        return self._space

    def reset(self, *, seed=None, ids=None):
        obs, info = self.env.reset(seed=seed, ids=ids)
        if len(self._extra) != self.num_worlds:  # the layout changed (set_tasks)
            self._extra = np.zeros((self.num_worlds, 6))
        self._extra[self._reset_ids(ids)] = 0.0
        return np.concatenate([obs, self._extra], axis=1), info

    def step(self, actions, active=None):
        obs, reward, terminated, truncated, info = self.env.step(actions, active)
        new = np.concatenate(
            [
                np.clip(actions, -1, 1),
                (reward * self.reward_scale)[:, None],
                (terminated | truncated)[:, None].astype(np.float64),
            ],
            axis=1,
        )
        mask = np.ones(len(obs), bool) if active is None else np.asarray(active, bool)
        self._extra[mask] = new[mask]
        return np.concatenate([obs, self._extra], axis=1), reward, terminated, truncated, info


class NormalizeReward(BatchWrapper):
    """Rescale rewards; the raw reward stays in ``info["reward_raw"]``.

    Methods:
        ``"scale"``: divide by 10, mapping every task's [0, 10] to [0, 1].
        ``"running"``: divide by the running standard deviation of each task's
            discounted return (gymnasium's ``NormalizeReward``, kept per task
            so that tasks with different reward scales are normalised apart).
        ``"exponential"``: divide by the standard deviation of each world's
            rewards under exponential forgetting with weight ``alpha`` per step
            (Meta-World v3's ``NormalizeRewardsExponential``, which updates its
            estimate twice per step; here once).
    """

    METHODS = ("scale", "running", "exponential")

    def __init__(self, env: Any, method: str = "scale", gamma: float = 0.99, epsilon: float = 1e-8,
                 alpha: float = 0.001):
        super().__init__(env)
        if method not in self.METHODS:
            raise ValueError(f"reward normalisation must be one of {self.METHODS}, got {method!r}")
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f"gamma must be in [0, 1], got {gamma}")
        if not 0.0 < alpha <= 1.0:
            raise ValueError(f"alpha must be in (0, 1], got {alpha}")
        self.method, self.gamma, self.epsilon = method, float(gamma), float(epsilon)
        self.alpha = float(alpha)
        self._ewm_mean = np.zeros(env.num_worlds)
        self._ewm_var = np.ones(env.num_worlds)
        k = env.num_tasks
        self._count = np.full(k, 1e-4)  # gymnasium's prior count: avoids a 0/0 on the first step
        self._mean = np.zeros(k)
        self._var = np.ones(k)
        self._ret = np.zeros(env.num_worlds)

    def reset(self, *, seed=None, ids=None):
        obs, info = self.env.reset(seed=seed, ids=ids)
        if len(self._ret) != self.num_worlds:
            self._ret = np.zeros(self.num_worlds)
        self._ret[self._reset_ids(ids)] = 0.0
        return obs, info

    def step(self, actions, active=None):
        obs, reward, terminated, truncated, info = self.env.step(actions, active)
        info = dict(info, reward_raw=reward.copy())
        if self.method == "scale":
            return obs, reward / MAX_REWARD, terminated, truncated, info
        mask = np.ones(len(reward), bool) if active is None else np.asarray(active, bool)
        if self.method == "exponential":
            if len(self._ewm_mean) != self.num_worlds:  # the layout changed (set_tasks)
                self._ewm_mean, self._ewm_var = np.zeros(self.num_worlds), np.ones(self.num_worlds)
            a = self.alpha
            self._ewm_mean[mask] = (1 - a) * self._ewm_mean[mask] + a * reward[mask]
            self._ewm_var[mask] = (1 - a) * self._ewm_var[mask] + a * (
                reward[mask] - self._ewm_mean[mask]
            ) ** 2
            return obs, reward / (np.sqrt(self._ewm_var) + self.epsilon), terminated, truncated, info
        self._ret[mask] = self._ret[mask] * self.gamma + reward[mask]
        self._update(self.task_ids[mask], self._ret[mask])
        out = reward / np.sqrt(self._var[self.task_ids] + self.epsilon)
        self._ret[terminated | truncated] = 0.0
        return obs, out, terminated, truncated, info

    def _update(self, task_ids: np.ndarray, x: np.ndarray) -> None:
        """Merge a batch into each task's running mean/variance (parallel Welford)."""
        k = len(self._mean)
        n = np.bincount(task_ids, minlength=k).astype(np.float64)
        if not n.any():
            return
        s = np.bincount(task_ids, x, minlength=k)
        batch_mean = np.divide(s, n, out=np.zeros(k), where=n > 0)
        dev = x - batch_mean[task_ids]
        batch_var = np.divide(
            np.bincount(task_ids, dev * dev, minlength=k), n, out=np.zeros(k), where=n > 0
        )
        total = self._count + n
        delta = batch_mean - self._mean
        self._mean = self._mean + delta * n / total
        m2 = self._var * self._count + batch_var * n + delta**2 * self._count * n / total
        self._var = m2 / total
        self._count = total


class NormalizeObservation(BatchWrapper):
    """Standardise each world's observations by their running mean and variance.

    gymnasium's ``NormalizeObservation`` (prior count 1e-4, statistics updated
    with every observation returned, reset ones included), kept per world as a
    vector of gymnasium envs each wrapped on its own would keep it. The raw
    observation stays in ``info["obs_raw"]`` after a step.
    """

    def __init__(self, env: Any, epsilon: float = 1e-8):
        super().__init__(env)
        self.epsilon = float(epsilon)
        self._alloc(env.num_worlds)
        dim = env.observation_space.shape[0]
        self._space = spaces.Box(-np.inf, np.inf, (dim,), dtype=np.float64)

    @property
    def observation_space(self) -> spaces.Box:
        return self._space

    def _alloc(self, n: int) -> None:
        dim = self.env.observation_space.shape[0]
        self._count = np.full(n, 1e-4)
        self._mean = np.zeros((n, dim))
        self._var = np.ones((n, dim))

    def _normalize(self, obs: np.ndarray, worlds: np.ndarray) -> np.ndarray:
        # one observation per world and update: Welford's merge with a batch of one
        total = self._count[worlds] + 1.0
        delta = obs[worlds] - self._mean[worlds]
        self._mean[worlds] += delta / total[:, None]
        self._var[worlds] = (
            self._var[worlds] * self._count[worlds, None]
            + delta**2 * (self._count[worlds] / total)[:, None]
        ) / total[:, None]
        self._count[worlds] = total
        return (obs - self._mean) / np.sqrt(self._var + self.epsilon)

    def reset(self, *, seed=None, ids=None):
        obs, info = self.env.reset(seed=seed, ids=ids)
        if len(self._count) != self.num_worlds:  # the layout changed (set_tasks)
            self._alloc(self.num_worlds)
        return self._normalize(obs, self._reset_ids(ids)), info

    def step(self, actions, active=None):
        obs, reward, terminated, truncated, info = self.env.step(actions, active)
        mask = np.ones(len(obs), bool) if active is None else np.asarray(active, bool)
        info = dict(info, obs_raw=obs.copy())
        return self._normalize(obs, np.flatnonzero(mask)), reward, terminated, truncated, info


class EpisodeStatistics(BatchWrapper):
    """Track each world's return, length and success-at-any-step.

    When episodes end, ``info["episode"]`` holds ``return``, ``length`` and
    ``success`` (W,) arrays and ``info["_episode"]`` the mask of worlds whose
    episode just ended. :meth:`summary` gives per-task totals since creation.
    """

    def __init__(self, env: Any):
        super().__init__(env)
        self._alloc()
        k = env.num_tasks
        self.episodes = np.zeros(k, np.int64)
        self.successes = np.zeros(k, np.int64)
        self.return_sum = np.zeros(k)
        self.length_sum = np.zeros(k, np.int64)

    def _alloc(self) -> None:
        n = self.num_worlds
        self._return, self._length, self._success = (
            np.zeros(n),
            np.zeros(n, np.int64),
            np.zeros(n, bool),
        )

    def reset(self, *, seed=None, ids=None):
        obs, info = self.env.reset(seed=seed, ids=ids)
        if len(self._return) != self.num_worlds:
            self._alloc()
        ids = self._reset_ids(ids)
        self._return[ids], self._length[ids], self._success[ids] = 0.0, 0, False
        return obs, info

    def step(self, actions, active=None):
        obs, reward, terminated, truncated, info = self.env.step(actions, active)
        mask = np.ones(len(reward), bool) if active is None else np.asarray(active, bool)
        raw = info.get("reward_raw", reward)
        self._return[mask] += raw[mask]
        self._length[mask] += 1
        self._success[mask] |= np.asarray(info["success"], bool)[mask]
        ended = (terminated | truncated) & mask
        if ended.any():
            info = dict(
                info,
                episode={
                    "return": self._return.copy(),
                    "length": self._length.copy(),
                    "success": self._success.copy(),
                },
                _episode=ended,
            )
            k = len(self.episodes)
            tid = self.task_ids[ended]
            self.episodes += np.bincount(tid, minlength=k)
            self.successes += np.bincount(tid, self._success[ended], minlength=k).astype(np.int64)
            self.return_sum += np.bincount(tid, self._return[ended], minlength=k)
            self.length_sum += np.bincount(tid, self._length[ended], minlength=k).astype(np.int64)
        return obs, reward, terminated, truncated, info

    def summary(self) -> dict[str, dict[str, float]]:
        """Per task: finished episodes, success rate, mean return and mean length."""
        out = {}
        for i, name in enumerate(self.task_names):
            n = int(self.episodes[i])
            out[name] = {
                "episodes": n,
                "success_rate": self.successes[i] / n if n else float("nan"),
                "mean_return": self.return_sum[i] / n if n else float("nan"),
                "mean_length": self.length_sum[i] / n if n else float("nan"),
            }
        return out
