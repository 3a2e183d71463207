"""Run one episode in every world of a batched env at once, and collect what happened.

The protocols call :func:`run_episodes` for each round of episodes: all
(task, variation) worlds start together, the agent acts on the whole batch at
every step, and each world's episode ends at success (when the env terminates
on success) or at the horizon. Worlds that finished are carried along without
being recorded until every world has finished; tasks whose worlds have all
finished are not stepped at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from manyworld.evaluation.progress import Progress


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
    agent: Any,
    *,
    record: bool = False,
    progress: Progress | None = None,
    seed: int | None = None,
) -> EpisodeResults:
    """Reset every world of ``env`` and run one episode in each with ``agent``.

    Args:
        env: a benchmark env (``MultiTaskEnv`` or wrapped), pinned as wanted.
        agent: has ``act(obs) -> actions`` on the whole (W, ...) batch.
        record: keep the trajectories (for meta-learning adaptation).
        progress: told about finished episodes and simulated steps.
        seed: passed to ``env.reset``.

    Raises:
        ValueError: the agent returned actions of the wrong shape or non-finite ones.
    """
    obs, _ = env.reset(seed=seed)
    w = env.num_worlds
    horizon = int(env.max_episode_steps)
    active = np.ones(w, dtype=bool)
    success = np.zeros(w, dtype=bool)
    first = np.full(w, -1, dtype=np.int64)
    returns = np.zeros(w)
    lengths = np.zeros(w, dtype=np.int64)
    traj = _alloc(w, horizon, obs.shape[1]) if record else None
    t = 0
    while active.any():
        actions = np.asarray(agent.act(obs), dtype=np.float64)
        if actions.shape != (w, 4):
            raise ValueError(
                f"agent {getattr(agent, 'name', type(agent).__name__)} returned actions of shape "
                f"{actions.shape}; expected ({w}, 4)"
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
        ended = (terminated | truncated) & active
        stepped = int(active.sum())
        active &= ~ended
        obs = next_obs
        t += 1
        if progress is not None:
            progress.update(done=int(ended.sum()), steps=stepped)
        if t > horizon:  # the env truncates at the horizon; this only guards against a broken env
            raise RuntimeError(f"episodes ran past the horizon of {horizon} steps without ending")
    if traj is not None:
        traj = {k: v[:, :t] for k, v in traj.items()}
    return EpisodeResults(success, first, returns, lengths, int(lengths.sum()), traj)


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


def evaluate_pairs(
    env: Any,
    agent: Any,
    pairs: list,
    episodes: int,
    *,
    progress: Progress | None = None,
    extra: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Run ``episodes`` rounds of one episode per (task, variation) pair, all pairs at once.

    ``env`` must hold the pairs' tasks; it is laid out as the pairs (world i runs
    ``pairs[i]``), and a task-aware agent is told each world's task.

    Returns:
        One outcome dict per pair (``task``, ``split``, ``variation``, ``params``
        and per-episode lists ``success``, ``first_success``, ``return``,
        ``length``; plus ``extra``), and the number of world-steps recorded.
    """
    env.set_tasks(pairs)
    if hasattr(agent, "set_world_tasks"):
        agent.set_world_tasks([p.task for p in pairs])
    rounds = [run_episodes(env, agent, progress=progress) for _ in range(episodes)]
    outcomes = []
    for i, p in enumerate(pairs):
        outcomes.append(
            {
                "task": p.task,
                "split": p.split,
                "variation": p.index,
                "params": list(p.params),
                "success": [bool(r.success[i]) for r in rounds],
                "first_success": [int(r.first_success[i]) for r in rounds],
                "return": [round(float(r.returns[i]), 4) for r in rounds],
                "length": [int(r.lengths[i]) for r in rounds],
                **(extra or {}),
            }
        )
    return outcomes, sum(r.world_steps for r in rounds)
