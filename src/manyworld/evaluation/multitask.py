"""The multi-task (MT) protocol: every (task, training variation) pair, exactly once.

For each task of the benchmark, each of its training variations runs
``episodes_per_variation`` episodes (default 1: the 50 training variations give
50 episodes per task, as Meta-World+), with no sampling and so no repeats or
gaps. Episodes last up to ``horizon`` steps (500) and end at success
(terminate-on-success); an episode succeeds if success is reached at any step.
The score is each task's success rate and their mean.

All pairs run at once: MT50 steps 2,500 worlds, one batched physics call per task.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any, TextIO

from manyworld.benchmarks.benchmark import Benchmark, get_benchmark
from manyworld.benchmarks.envs import make_env
from manyworld.benchmarks.sampling import all_pairs
from manyworld.envs.batch_env import MAX_EPISODE_STEPS
from manyworld.evaluation.agents import agent_info
from manyworld.evaluation.episodes import evaluate_pairs
from manyworld.evaluation.progress import Progress
from manyworld.evaluation.protocol import base_block, check_horizon, check_positive, resolve_goal
from manyworld.evaluation.results import make_result
from manyworld.tasks.base import NUM_VARIATIONS


@dataclass(frozen=True)
class MTProtocol:
    """Settings of the multi-task evaluation.

    Attributes:
        horizon: maximum episode length.
        terminate_on_success: end an episode at its first success.
        episodes_per_variation: episodes per (task, variation) pair.
        variations_per_task: the first k of each task's 50 variations of ``split``.
        split: ``train`` (the published protocol: the variations trained on) or
            ``test`` (50 held-out variations per task, disjoint from the training ones;
            a generalisation check the published protocol does not have).
        one_hot: append the one-hot task id (None: the benchmark's default, on).
        goal_visible: show the goal (None: the benchmark's default, visible).
    """

    horizon: int = MAX_EPISODE_STEPS
    terminate_on_success: bool = True
    episodes_per_variation: int = 1
    variations_per_task: int = NUM_VARIATIONS
    split: str = "train"
    one_hot: bool | None = None
    goal_visible: bool | None = None

    def __post_init__(self) -> None:
        check_horizon(self.horizon)
        check_positive("episodes_per_variation", self.episodes_per_variation)
        check_positive("variations_per_task", self.variations_per_task, maximum=NUM_VARIATIONS)
        if self.split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {self.split!r}")

    def block(self, bench: Benchmark, one_hot: bool, goal_visible: bool) -> dict[str, Any]:
        """The protocol block of a result file."""
        return {
            **base_block(
                "MT",
                bench,
                horizon=self.horizon,
                terminate_on_success=self.terminate_on_success,
                one_hot=one_hot,
                goal_visible=goal_visible,
                tasks=bench.train_tasks,
            ),
            "split": self.split,
            "variations_per_task": self.variations_per_task,
            "episodes_per_variation": self.episodes_per_variation,
        }


def evaluate_multitask(
    agent: Any,
    benchmark: str | Benchmark,
    protocol: MTProtocol = MTProtocol(),
    *,
    seed: int = 0,
    env_steps_trained: int | None = None,
    label: str | None = None,
    progress: TextIO | None = sys.stderr,
) -> dict[str, Any]:
    """Evaluate an agent on a multi-task benchmark (MT1/10/25/50 or custom).

    Args:
        agent: an :class:`~manyworld.evaluation.agents.Agent`.
        benchmark: a Benchmark or its name.
        protocol: the settings (the defaults are the published protocol).
        seed: the agent's seed, recorded (pinned variations make the env deterministic).
        env_steps_trained: the agent's training budget, recorded.
        label: a name for the agent in comparisons (default: its ``name``).
        progress: stream for the progress line (None: silent).

    Returns:
        The result (see :mod:`manyworld.evaluation.results`).
    """
    bench = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
    if bench.kind not in ("MT", "CW"):
        raise ValueError(
            f"{bench.name} is a {bench.kind} benchmark; use evaluate_metalearning / "
            "ContinualEvaluation (or `manyworld eval`, which picks the protocol)"
        )
    bench.require_tasks()
    goal_visible = resolve_goal(bench, protocol.goal_visible, agent)
    one_hot = bench.one_hot if protocol.one_hot is None else protocol.one_hot
    pairs = all_pairs(
        bench, protocol.split, protocol.variations_per_task, tasks=bench.train_tasks
    )
    env = make_env(
        bench,
        seed=seed,
        max_episode_steps=protocol.horizon,
        terminate_on_success=protocol.terminate_on_success,
        one_hot=one_hot,
        goal_visible=goal_visible,
        episode_statistics=False,
    )
    bar = Progress(
        len(pairs) * protocol.episodes_per_variation,
        f"{bench.name} / {agent_info(agent)['name']}",
        stream=progress,
    )
    t0 = time.perf_counter()
    outcomes, steps = evaluate_pairs(
        env, agent, pairs, protocol.episodes_per_variation, progress=bar
    )
    seconds = time.perf_counter() - t0
    bar.close()
    env.close()
    info = agent_info(agent)
    if label:
        info["label"] = label
    return make_result(
        benchmark=bench.identity(),
        protocol=protocol.block(bench, one_hot, goal_visible),
        agent=info,
        seed=seed,
        outcomes=outcomes,
        env_steps_trained=env_steps_trained,
        timing=timing_block(seconds, steps),
    )


def timing_block(seconds: float, steps: int) -> dict[str, float]:
    """The ``timing`` block of a result file: seconds, world steps and world steps per second."""
    return {
        "seconds": round(seconds, 3),
        "world_steps": int(steps),
        "steps_per_second": round(steps / seconds, 1) if seconds > 0 else 0.0,
    }
