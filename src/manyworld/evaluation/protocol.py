"""Settings shared by the evaluation protocols, and the protocol block of result files.

The protocol block lists every setting that changes a score. Two result files
are comparable exactly when their blocks are equal, so anything that could make
two numbers differ for reasons other than the agent belongs here: the
benchmark hash (tasks, variations, MuJoCo), each task's version (physics,
reward and success), the horizon, terminate-on-success, what counts as
success, episode counts, the one-hot and the goal's visibility.
"""

from __future__ import annotations

from typing import Any

from manyworld.benchmarks.benchmark import Benchmark
from manyworld.envs.batch_env import MAX_EPISODE_STEPS
from manyworld.evaluation.results import REPORTED
from manyworld.tasks.base import get_task

SUCCESS_RULE = "episode succeeds if the task's success flag is 1 at any step"


def check_positive(name: str, value: Any, maximum: int | None = None) -> None:
    """Raise a ValueError naming a setting that is not a positive integer (or above ``maximum``)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}")


def check_horizon(horizon: Any) -> None:
    """The horizon is a positive integer; Meta-World+'s protocol uses 500."""
    check_positive("horizon", horizon, maximum=100 * MAX_EPISODE_STEPS)


def base_block(
    kind: str,
    bench: Benchmark,
    *,
    horizon: int,
    terminate_on_success: bool,
    one_hot: bool,
    goal_visible: bool,
    tasks: tuple[str, ...],
) -> dict[str, Any]:
    """The settings every protocol records."""
    return {
        "kind": kind,
        "benchmark": bench.name,
        "benchmark_hash": bench.hash,
        "horizon": int(horizon),
        "terminate_on_success": bool(terminate_on_success),
        "success": SUCCESS_RULE,
        "task_versions": {t: get_task(t).version for t in tasks},
        "one_hot": bool(one_hot),
        "goal_visible": bool(goal_visible),
        "reported": REPORTED,
    }


def resolve_goal(bench: Benchmark, goal_visible: bool | None, agent: Any) -> bool:
    """The goal visibility to evaluate with; refuses an agent that needs a goal it would not see."""
    visible = bench.goal_visible if goal_visible is None else bool(goal_visible)
    if getattr(agent, "requires_goal", False) and not visible:
        raise ValueError(
            f"agent {getattr(agent, 'name', type(agent).__name__)} reads the goal from the observation, but "
            f"{bench.name} hides it; evaluate with goal_visible=True (`--goal-visible`), which the result's "
            "protocol records, so such results are compared only with other goal-visible runs"
        )
    return visible
