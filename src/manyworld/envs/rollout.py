"""Rollouts: the one place where loops step batched envs.

Two ways to step the worlds of an env:

* :func:`run_episodes` (episodic): reset every world, run one episode in each
  and return what happened. Worlds whose episode ended are masked out with
  ``step(actions, active=...)`` and carried along until every world has
  finished. The evaluation protocols and the quality gate use it.
* :class:`Collector` (continuing): step every world once per call and restart
  the worlds whose episode ended, for training and throughput measurements.

Both take a :class:`~manyworld.envs.batch_env.BatchEnv`, a
:class:`~manyworld.benchmarks.multitask.MultiTaskEnv` or a wrapped benchmark
env: anything with ``reset(seed=, ids=)``, ``step(actions, active=)``,
``num_worlds`` and ``max_episode_steps``. Like the envs, they act on whole
``(W, ...)`` batches and never loop over worlds in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from manyworld.evaluation.progress import Progress

#: ``on_step(t, obs, reward, terminated, truncated, info, active)`` of :func:`run_episodes`.
StepCallback = Callable[
    [int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict, np.ndarray], None
]


@dataclass
class EpisodeResults:
    """One episode per world.

    Attributes:
        success: (W,) bool, success at any step.
        first_success: (W,) step (1-based) of the first success, -1 if none.
        returns: (W,) sum of rewards.
        lengths: (W,) steps taken.
        world_steps: world-steps recorded (sum of lengths).
        trajectory: with ``record=True``: arrays (W, T, ...) of observations,
            actions, rewards, terminated, truncated and success, T the longest
            episode; entries past a world's length are zeros.
    """

    success: np.ndarray
    first_success: np.ndarray
    returns: np.ndarray
    lengths: np.ndarray
    world_steps: int
    trajectory: dict[str, np.ndarray] | None = None


def run_episodes(
    env: Any,
    act: Any,
    *,
    record: bool = False,
    progress: Progress | None = None,
    seed: int | None = None,
    max_steps: int | None = None,
    stop: Callable[[np.ndarray], bool] | None = None,
    on_step: StepCallback | None = None,
) -> EpisodeResults:
    """Reset every world of ``env`` and run one episode in each with ``act``.

    An episode ends where the env ends it (success with ``terminate_on_success``,
    the horizon, a physics warning), or earlier for every world at once at
    ``max_steps`` or ``stop``; results then cover the steps taken.

    Args:
        env: a ``BatchEnv``, ``MultiTaskEnv`` or wrapped benchmark env, pinned as wanted.
        act: an agent with ``act(obs) -> actions``, or a callable ``obs -> actions``,
            on the whole (W, ...) batch. An agent with ``recurrent = True`` is
            called as ``act(obs, active)`` with the (W,) mask of the worlds
            whose episode is still running (the others' actions are ignored,
            and their memory must not advance).
        record: keep the trajectories (for meta-learning adaptation).
        progress: told about finished episodes and simulated steps.
        seed: passed to ``env.reset``.
        max_steps: end every episode after at most this many steps.
        stop: called after every step with the (W,) success-at-any-step mask;
            a true result ends every episode there (``np.all``: once every
            world has succeeded).
        on_step: called after every step as ``on_step(t, obs, reward,
            terminated, truncated, info, active)``: ``t`` the 0-based step,
            then what ``env.step`` returned, and ``active`` the (W,) mask of
            the worlds the step counted for (entries of other worlds are not
            meaningful). It must not modify the arrays.

    Returns:
        One episode per world; episodes cut by ``max_steps`` or ``stop`` count
        the steps taken.

    Raises:
        ValueError: the agent returned actions of the wrong shape or non-finite
            ones, or ``max_steps`` is not a positive integer.
    """
    if max_steps is not None and (not isinstance(max_steps, (int, np.integer)) or max_steps < 1):
        raise ValueError(f"max_steps must be a positive integer or None, got {max_steps!r}")
    policy = _policy(act)
    # a recurrent agent keeps a memory per world: it must not advance it for worlds that wait
    recurrent = bool(getattr(act, "recurrent", False))
    obs, _ = env.reset(seed=seed)
    w = env.num_worlds
    horizon = int(env.max_episode_steps)
    active = np.ones(w, dtype=bool)
    success = np.zeros(w, dtype=bool)
    first = np.full(w, -1, dtype=np.int64)
    returns = np.zeros(w)
    lengths = np.zeros(w, dtype=np.int64)
    longest = horizon if max_steps is None else min(horizon, int(max_steps))
    traj = _alloc(w, longest, obs.shape[1]) if record else None
    t = 0
    while active.any():
        actions = np.asarray(act.act(obs, active) if recurrent else policy(obs), np.float64)
        if actions.shape != (w, 4):
            raise ValueError(
                f"agent {_label(act)} returned actions of shape {actions.shape}; expected ({w}, 4)"
            )
        if not np.isfinite(actions[active]).all():
            bad = np.flatnonzero(~np.isfinite(actions).all(axis=1) & active)
            raise ValueError(f"agent returned NaN or inf actions for worlds {bad[:10].tolist()}")
        next_obs, reward, terminated, truncated, info = env.step(actions, active=active)
        hit = np.asarray(info["success"], bool) & active
        first[hit & ~success] = t + 1
        success |= hit
        returns[active] += reward[active]
        lengths[active] += 1
        if traj is not None:
            traj["observations"][active, t] = obs[active]
            traj["actions"][active, t] = np.clip(actions[active], -1, 1)
            traj["rewards"][active, t] = reward[active]
            traj["terminated"][active, t] = terminated[active]
            traj["truncated"][active, t] = truncated[active]
            traj["success"][active, t] = hit[active]
        if on_step is not None:
            on_step(t, next_obs, reward, terminated, truncated, info, active)
        ended = (terminated | truncated) & active
        stepped = int(active.sum())
        # a new mask, not an in-place update: the env and on_step may keep the old one
        active = active & ~ended
        obs = next_obs
        t += 1
        if progress is not None:
            progress.update(done=int(ended.sum()), steps=stepped)
        if t > horizon:  # the env truncates at the horizon; this only guards against a broken env
            raise RuntimeError(f"episodes ran past the horizon of {horizon} steps without ending")
        if t == max_steps or (stop is not None and stop(success)):
            break
    if traj is not None:
        traj = {k: v[:, :t] for k, v in traj.items()}
    return EpisodeResults(success, first, returns, lengths, int(lengths.sum()), traj)


def _policy(act: Any) -> Callable[[np.ndarray], Any]:
    if hasattr(act, "act"):
        return act.act
    if callable(act):
        return act
    raise TypeError(
        f"act must be an agent with act(obs) or a callable obs -> actions, got {type(act).__name__}"
    )


def _label(act: Any) -> str:
    return getattr(act, "name", getattr(act, "__name__", type(act).__name__))


def _alloc(w: int, horizon: int, obs_dim: int) -> dict[str, np.ndarray]:
    # float32 halves the memory of long adaptation rollouts (W x E x 500 steps)
    return {
        "observations": np.zeros((w, horizon, obs_dim), np.float32),
        "actions": np.zeros((w, horizon, 4), np.float32),
        "rewards": np.zeros((w, horizon), np.float32),
        "terminated": np.zeros((w, horizon), bool),
        "truncated": np.zeros((w, horizon), bool),
        "success": np.zeros((w, horizon), bool),
    }


class Step(NamedTuple):
    """One step of every world, as :meth:`Collector.step` took it.

    Attributes:
        obs: (W, D) observations the actions were taken in.
        action: (W, 4) the actions as given.
        reward: (W,) rewards.
        next_obs: (W, D) observations the step returned, before any reset:
            the next observation a replay buffer stores.
        terminated: (W,) bool.
        truncated: (W,) bool.
        done: (W,) bool, ``terminated | truncated``.
        info: the env's info dict of the step.
        ended: indices of the worlds whose episode ended; they were reset
            after the step.
        episode: the env's ``info["episode"]`` (episode statistics, e.g. from
            ``EpisodeStatistics``) when an episode ended, else None.
    """

    obs: np.ndarray
    action: np.ndarray
    reward: np.ndarray
    next_obs: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    done: np.ndarray
    info: dict[str, Any]
    ended: np.ndarray
    episode: dict[str, np.ndarray] | None


class Collector:
    """Steps every world of a (wrapped) benchmark env once per call, resets worlds whose episode ended.

    Continuing collection for training: no world waits for another, and the
    worlds whose episode ended this step restart before the next one.

    Args:
        env: a ``BatchEnv``, ``MultiTaskEnv`` or wrapped benchmark env.
        seed: passed to ``env.reset`` for the first episodes (None: the env's
            generator continues).

    Attributes:
        env: the env.
        obs: (W, D) current observation of every world: the one the next
            :meth:`step`'s actions are taken in.
    """

    def __init__(self, env: Any, seed: int | None):
        self.env = env
        self.obs, _ = env.reset(seed=seed)

    def step(self, actions: np.ndarray) -> Step:
        """Step every world with ``actions`` (W, 4), then reset the worlds whose episode ended.

        Returns:
            The :class:`Step`; ``self.obs`` is then the next observations,
            first observations of new episodes for the worlds in ``ended``.

        Raises:
            ValueError: from ``env.step`` (wrong shape, NaN or inf actions).
        """
        obs = self.obs
        next_obs, reward, terminated, truncated, info = self.env.step(actions)
        done = terminated | truncated
        ended = np.flatnonzero(done)
        episode = None
        after = next_obs
        if ended.size:
            episode = info.get("episode")
            # a copy, so that no env's reset can write into the observations this step returned
            next_obs = next_obs.copy()
            after, _ = self.env.reset(ids=ended)
        self.obs = after
        return Step(obs, np.asarray(actions), reward, next_obs, terminated, truncated, done, info,
                    ended, episode)

    def set_tasks(self, pairs: Any, seed: int | None = None) -> None:
        """Lay the worlds out as ``pairs`` (a meta-batch of (task, variation)s) and restart them all.

        Episodes in progress are dropped, not counted as ended: call it between
        trials, when every episode has just ended. ``seed`` is passed to the reset.
        """
        self.env.set_tasks(pairs)
        self.obs, _ = self.env.reset(seed=seed)
