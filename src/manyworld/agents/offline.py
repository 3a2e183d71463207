"""What the offline learners (``bc``, ``td3bc``) share: their data, and the deterministic policy.

An offline learner never steps the env: it trains on the datasets of
:mod:`manyworld.datasets`, one per task of the benchmark
(``manyworld/<task>/<level>-v<version>``, collected with ``manyworld dataset
collect``), and the harness counts its budget in gradient updates
(``AlgoSpec(offline=True)``). The env it is given serves two things only: the
observation layout the policy must read at evaluation (the 39-d observation,
plus the one-hot task id when the benchmark appends one) and the task order of
that one-hot.

:class:`OfflineData` lays the transitions out exactly as the env would show
them (one-hot appended in the env's task order), clips stored actions to the
action box (the env clips them the same way) and computes the observation
statistics the networks normalise with. Both learners act through
:class:`DeterministicPolicy`: ``tanh`` of an MLP on the normalised observation.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import get_task

#: Floor of the per-dimension standard deviation used for normalisation: constant
#: observation slots (a task without a second object, the one-hot) stay as they are.
MIN_STD = 1e-3


class OfflineData:
    """The transitions of one dataset per task, as the env's observations, ready to sample.

    Args:
        task_names: the env's tasks, in its one-hot order.
        level: dataset level (``expert``, ``medium``, ``random``).
        root: datasets root ('' for Minari's default, ``$MINARI_DATASETS_PATH`` or
            ``~/.minari/datasets``).
        obs_dim: the env's observation size: 39, or 39 + K with the one-hot id.

    Raises:
        DatasetNotFoundError: a task's dataset is missing (the message names it;
            ``manyworld dataset collect TASK --level LEVEL`` makes it).
        DatasetVersionError: a dataset was collected on another task version.
        ValueError: ``obs_dim`` is neither 39 nor 39 + K.
    """

    def __init__(self, task_names: list[str], level: str, root: str, obs_dim: int):
        from manyworld.datasets import load_arrays
        from manyworld.datasets.store import DatasetNotFoundError, dataset_id

        k = len(task_names)
        if obs_dim not in (obs_lib.OBS_DIM, obs_lib.OBS_DIM + k):
            raise ValueError(
                f"the env's observations are {obs_dim}-d; offline learners read the "
                f"{obs_lib.OBS_DIM}-d observation, with or without the {k}-way one-hot task id"
            )
        self.ids = [dataset_id(t, level, get_task(t).version) for t in task_names]
        try:
            data = load_arrays(self.ids, root=root or None, obs_dtype=np.float32)
        except DatasetNotFoundError as e:
            raise DatasetNotFoundError(
                f"{e} (collect it: manyworld dataset collect TASK --level {level}"
                + (f" --out {root}" if root else "") + ")"
            ) from None
        self.task = data.task_id.astype(np.int32)
        self.obs = self._layout(data.obs, self.task, k, obs_dim)
        self.next_obs = self._layout(data.next_obs, self.task, k, obs_dim)
        self.actions = np.clip(data.actions, -1.0, 1.0).astype(np.float32)
        self.rewards = data.rewards.astype(np.float32)
        self.terminations = data.terminations.astype(np.float32)
        self.sha256 = [m["files"]["main_data.hdf5"] for m in data.metadata]
        self.data_success = {
            t: float(m["success_rate"]) for t, m in zip(task_names, data.metadata)
        }
        mean = self.obs.mean(axis=0)
        std = np.maximum(self.obs.std(axis=0), MIN_STD)
        # the one-hot slots pass through unchanged: the task is a label, not a measurement
        mean[obs_lib.OBS_DIM:], std[obs_lib.OBS_DIM:] = 0.0, 1.0
        self.obs_mean, self.obs_std = mean.astype(np.float32), std.astype(np.float32)
        self.by_task = [np.flatnonzero(self.task == i) for i in range(k)]

    @staticmethod
    def _layout(obs: np.ndarray, task: np.ndarray, k: int, obs_dim: int) -> np.ndarray:
        """The 39-d observations with the one-hot task id appended when the env appends it."""
        if obs_dim == obs.shape[1]:
            return obs
        one_hot = np.zeros((len(obs), k), np.float32)
        one_hot[np.arange(len(obs)), task] = 1.0
        return np.concatenate([obs, one_hot], axis=1)

    def __len__(self) -> int:
        return len(self.rewards)

    def sample(self, rng: np.random.Generator, batch_size: int, n: int) -> dict[str, np.ndarray]:
        """``n`` batches of ``batch_size`` transitions, each batch split evenly over the tasks.

        Returns arrays with leading axes ``(n, batch_size)``.
        """
        k = len(self.by_task)
        per = batch_size // k
        extra = batch_size - per * k
        picks = [rng.choice(rows, size=(n, per + (i < extra))) for i, rows in enumerate(self.by_task)]
        idx = np.concatenate(picks, axis=1)
        return {
            "obs": self.obs[idx],
            "action": self.actions[idx],
            "reward": self.rewards[idx],
            "next_obs": self.next_obs[idx],
            "terminated": self.terminations[idx],
        }


def check_config(cfg: Any) -> None:
    """The checks every offline config shares: a known dataset level, network widths, a batch
    that holds every task."""
    from manyworld.datasets.levels import LEVELS

    if cfg.dataset_level not in LEVELS:
        raise ValueError(f"dataset_level must be one of {sorted(LEVELS)}, got {cfg.dataset_level!r}")
    if not cfg.hidden or min(cfg.hidden) < 1:
        raise ValueError(f"hidden must be one or more positive widths, got {cfg.hidden}")
    for name in ("batch_size", "updates_per_call", "num_tasks", "action_dim"):
        if getattr(cfg, name) < 1:
            raise ValueError(f"{name} must be >= 1, got {getattr(cfg, name)}")
    if cfg.batch_size < cfg.num_tasks:
        raise ValueError(f"batch_size {cfg.batch_size} is smaller than the {cfg.num_tasks} tasks")


def check_same_data(recorded: list[str], data: OfflineData) -> None:
    """A resumed run must train on the bytes it started on (a recollected dataset differs)."""
    if list(recorded) != list(data.sha256):
        changed = [i for i, (a, b) in enumerate(zip(recorded, data.sha256)) if a != b]
        names = ", ".join(data.ids[i] for i in changed) or "the dataset list"
        raise ValueError(
            f"the datasets changed since this run started ({names}): resume with the data it "
            "trained on, or start a new run"
        )


def normalise(obs: jax.Array, mean: jax.Array, std: jax.Array) -> jax.Array:
    """Observations in units of the dataset's spread (TD3+BC's state normalisation)."""
    return (obs - mean) / std


class DeterministicPolicy:
    """An offline learner's actor as an evaluation agent: ``tanh(actor(normalised obs))``.

    Args:
        act_fn: jitted ``(params, normalised obs) -> actions in [-1, 1]``.
        params: the actor's parameters.
        obs_mean, obs_std: the dataset statistics the actor trained with.
        name: the algorithm's name (for result files).
        info: the run's description (for result files).
    """

    def __init__(self, act_fn: Any, params: Any, obs_mean: np.ndarray, obs_std: np.ndarray,
                 name: str, info: dict | None = None):  # fmt: skip
        self.act_fn = act_fn
        self.params = params
        self.obs_mean, self.obs_std = jnp.asarray(obs_mean), jnp.asarray(obs_std)
        self.name = name
        self.config = dict(info or {})

    def act(self, obs: np.ndarray) -> np.ndarray:
        obs = np.asarray(obs, np.float32)
        if obs.shape[1] != self.obs_mean.shape[0]:
            raise ValueError(
                f"{self.name} was trained on {self.obs_mean.shape[0]}-d observations but got "
                f"{obs.shape[1]}-d ones; evaluate with the one-hot setting it trained with"
            )
        x = normalise(jnp.asarray(obs), self.obs_mean, self.obs_std)
        return np.asarray(self.act_fn(self.params, x), np.float64)


class OfflineTrainer:
    """What every offline trainer shares with the harness: the data, the batch generator, the
    checkpoint's record of both, and the evaluation policy.

    A subclass sets ``self.state`` (a state with ``actor``, ``obs_mean`` and ``obs_std``) and
    ``self.act_fn`` (``(actor params, normalised obs) -> actions``), and implements
    ``iterate``, ``arrays`` and ``restore`` (calling :meth:`restore_data` first).
    """

    state: Any
    act_fn: Any

    def __init__(self, cfg: Any, env: Any, seed: int):
        self.cfg = cfg
        self.data = OfflineData(list(env.task_names), cfg.dataset_level, cfg.dataset_root, cfg.obs_dim)
        self.np_rng = np.random.default_rng(seed)

    def policy(self, info: dict[str, Any]) -> DeterministicPolicy:
        """The current actor as a deterministic evaluation agent."""
        return policy_of(self.act_fn, self.state, info)

    def meta(self) -> dict[str, Any]:
        """The batch generator and the SHA-256 of the data (a resume must train on the same bytes)."""
        return {"numpy_rng": self.np_rng.bit_generator.state, "datasets": self.data.ids,
                "sha256": self.data.sha256}  # fmt: skip

    def restore_data(self, meta: dict) -> None:
        """Refuse other data than the checkpoint's, and continue its batch draws."""
        check_same_data(meta["trainer"]["sha256"], self.data)
        self.np_rng.bit_generator.state = meta["trainer"]["numpy_rng"]


def policy_of(act_fn: Any, state: Any, info: dict) -> DeterministicPolicy:
    """The evaluation agent of an offline learner's state (trainer or checkpoint)."""
    return DeterministicPolicy(act_fn, state.actor, np.asarray(state.obs_mean), np.asarray(state.obs_std),
                               name=info["algo"], info=info)  # fmt: skip
