"""Rounds of one episode per (task, variation) pair, for the evaluation protocols.

The protocols call :func:`evaluate_pairs`, or :func:`run_episodes` for each
round of episodes: all (task, variation) worlds start together, the agent acts
on the whole batch at every step, and each world's episode ends at success
(when the env terminates on success) or at the horizon. Worlds that finished
are carried along without being recorded until every world has finished;
tasks whose worlds have all finished are not stepped at all.
:func:`run_episodes` and :class:`EpisodeResults` live in
:mod:`manyworld.envs.rollout` and are re-exported here.
"""

from __future__ import annotations

from typing import Any

from manyworld.envs.rollout import EpisodeResults, run_episodes
from manyworld.evaluation.progress import Progress

__all__ = ["EpisodeResults", "evaluate_pairs", "run_episodes"]


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
