"""The meta-learning (ML) protocol: adapt on each held-out (task, variation), then score it.

For every test pair (ML10/25/45: each test task x its first 40 test
variations; ML1: the task's held-out variations), as Meta-World+:

1. ``agent.init()``: a fresh trial, nothing adapted.
2. ``adaptation_steps`` times: run ``adaptation_episodes`` episodes and hand
   them to ``agent.adapt(rollouts)`` (default 1 x 10).
3. Run ``evaluation_episodes`` episodes (default 3); each succeeds if success
   is reached at any step (episodes end at success, up to 500 steps).

Successes are counted per (task, variation) pair, never per task name
(Meta-World's evaluation keyed them by name and so, with many worlds of one
task, counted only the first three episodes that finished). A task's rate is
the mean over its pairs' episodes; the score is the mean over test tasks.

All pairs run as one batch (or in chunks of ``meta_batch_size`` pairs); the
agent adapts each world to its own pair.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from manyworld.benchmarks.benchmark import Benchmark, get_benchmark
from manyworld.benchmarks.envs import make_env
from manyworld.benchmarks.sampling import all_pairs
from manyworld.envs.batch_env import MAX_EPISODE_STEPS
from manyworld.evaluation.agents import MetaAgent, Rollouts, agent_info
from manyworld.evaluation.episodes import run_episodes
from manyworld.evaluation.multitask import timing_block
from manyworld.evaluation.progress import Progress
from manyworld.evaluation.protocol import base_block, check_horizon, check_positive, resolve_goal
from manyworld.evaluation.results import make_result
from manyworld.tasks.base import NUM_VARIATIONS


@dataclass(frozen=True)
class MLProtocol:
    """Settings of the meta-learning evaluation (defaults: Meta-World+'s).

    Attributes:
        horizon: maximum episode length.
        terminate_on_success: end episodes (adaptation and evaluation) at success.
        adaptation_steps: rounds of (adaptation episodes, ``adapt``).
        adaptation_episodes: episodes per round.
        evaluation_episodes: scored episodes per pair after adapting.
        test_variations: test variations per test task (None: the benchmark's, 40).
        goal_visible: None: the benchmark's (hidden). True only for oracles;
            recorded, so such runs compare only with each other.
        meta_batch_size: pairs evaluated at once (None: all); memory of the
            adaptation rollouts grows with it. Does not change scores.
        split: ``"test"``: the held-out test tasks (the meta-test score);
            ``"train"``: the meta-training tasks on their first
            ``test_variations`` train variations, the same procedure (the
            meta-train score; its gap to the test score shows overfitting).
    """

    horizon: int = MAX_EPISODE_STEPS
    terminate_on_success: bool = True
    adaptation_steps: int = 1
    adaptation_episodes: int = 10
    evaluation_episodes: int = 3
    test_variations: int | None = None
    goal_visible: bool | None = None
    meta_batch_size: int | None = None
    split: str = "test"

    def __post_init__(self) -> None:
        if self.split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {self.split!r}")
        check_horizon(self.horizon)
        check_positive("adaptation_steps", self.adaptation_steps)
        check_positive("adaptation_episodes", self.adaptation_episodes)
        check_positive("evaluation_episodes", self.evaluation_episodes)
        if self.test_variations is not None:
            check_positive("test_variations", self.test_variations, maximum=NUM_VARIATIONS)
        if self.meta_batch_size is not None:
            check_positive("meta_batch_size", self.meta_batch_size)

    def block(self, bench: Benchmark, goal_visible: bool, test_variations: int) -> dict[str, Any]:
        """The protocol block of a result file."""
        return {
            **base_block(
                "ML",
                bench,
                horizon=self.horizon,
                terminate_on_success=self.terminate_on_success,
                one_hot=False,
                goal_visible=goal_visible,
                tasks=bench.test_tasks if self.split == "test" else bench.train_tasks,
            ),
            "split": self.split,
            "test_variations": test_variations,
            "adaptation_steps": self.adaptation_steps,
            "adaptation_episodes": self.adaptation_episodes,
            "evaluation_episodes": self.evaluation_episodes,
        }


def evaluate_metalearning(
    agent: Any,
    benchmark: str | Benchmark,
    protocol: MLProtocol = MLProtocol(),
    *,
    seed: int = 0,
    env_steps_trained: int | None = None,
    label: str | None = None,
    rl2_observation: bool | None = None,
    progress: TextIO | None = sys.stderr,
) -> dict[str, Any]:
    """Meta-test an agent on an ML benchmark (ML1/10/25/45 or custom).

    Args:
        agent: a :class:`~manyworld.evaluation.agents.MetaAgent`.
        benchmark: a Benchmark or its name.
        protocol: the settings.
        seed: recorded; also seeds the env.
        env_steps_trained: the agent's meta-training budget, recorded.
        label: a name for the agent in comparisons.
        rl2_observation: give the agent RL² observations (previous action,
            reward, done appended), recorded in the agent block (None: the
            agent's ``rl2_observation`` attribute, default False).
        progress: stream for the progress line (None: silent).
    """
    bench = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
    if bench.kind != "ML":
        raise ValueError(f"{bench.name} is a {bench.kind} benchmark, not a meta-learning one")
    if not isinstance(agent, MetaAgent):
        raise TypeError(
            f"agent {type(agent).__name__} is not a MetaAgent: it needs act(obs), init() and "
            "adapt(rollouts)"
        )
    bench.require_tasks()
    if rl2_observation is None:
        rl2_observation = bool(getattr(agent, "rl2_observation", False))
    goal_visible = resolve_goal(bench, protocol.goal_visible, agent)
    k = protocol.test_variations or bench.test_variations
    pairs = all_pairs(bench, protocol.split, k)
    chunk = protocol.meta_batch_size or len(pairs)
    env = make_env(
        bench,
        split=protocol.split,
        seed=seed,
        max_episode_steps=protocol.horizon,
        terminate_on_success=protocol.terminate_on_success,
        one_hot=False,
        goal_visible=goal_visible,
        rl2=rl2_observation,
        episode_statistics=False,
    )
    per_pair = (
        protocol.adaptation_steps * protocol.adaptation_episodes + protocol.evaluation_episodes
    )
    bar = Progress(
        len(pairs) * per_pair, f"{bench.name} / {agent_info(agent)['name']}", stream=progress
    )
    t0 = time.perf_counter()
    outcomes, steps = [], 0
    for start in range(0, len(pairs), chunk):
        batch = pairs[start : start + chunk]
        env.set_tasks(batch)
        if hasattr(agent, "set_world_tasks"):
            agent.set_world_tasks([p.task for p in batch])
        agent.init()
        adapt_success = []
        for _ in range(protocol.adaptation_steps):
            episodes = [
                run_episodes(env, agent, record=True, progress=bar)
                for _ in range(protocol.adaptation_episodes)
            ]
            steps += sum(e.world_steps for e in episodes)
            adapt_success += [e.success for e in episodes]
            agent.adapt(stack_rollouts(episodes, tuple(p.task for p in batch)))
        scored = [
            run_episodes(env, agent, progress=bar) for _ in range(protocol.evaluation_episodes)
        ]
        steps += sum(e.world_steps for e in scored)
        for i, p in enumerate(batch):
            outcomes.append(
                {
                    "task": p.task,
                    "split": p.split,
                    "variation": p.index,
                    "params": list(p.params),
                    "success": [bool(e.success[i]) for e in scored],
                    "first_success": [int(e.first_success[i]) for e in scored],
                    "return": [round(float(e.returns[i]), 4) for e in scored],
                    "length": [int(e.lengths[i]) for e in scored],
                    "adaptation_success": [bool(s[i]) for s in adapt_success],
                }
            )
    seconds = time.perf_counter() - t0
    bar.close()
    env.close()
    info = agent_info(agent)
    info["observation"] = "rl2" if rl2_observation else "default"
    if label:
        info["label"] = label
    return make_result(
        benchmark=bench.identity(),
        protocol=protocol.block(bench, goal_visible, k),
        agent=info,
        seed=seed,
        outcomes=outcomes,
        env_steps_trained=env_steps_trained,
        timing=timing_block(seconds, steps),
    )


def stack_rollouts(episodes: list, tasks: tuple[str, ...]) -> Rollouts:
    """Stack E recorded episodes (W, T_e, ...) into (W, E, T, ...) arrays, T the longest."""
    t = max(e.trajectory["rewards"].shape[1] for e in episodes)

    def stack(key: str) -> np.ndarray:
        parts = []
        for e in episodes:
            a = e.trajectory[key]
            pad = [(0, 0), (0, t - a.shape[1])] + [(0, 0)] * (a.ndim - 2)
            parts.append(np.pad(a, pad))
        return np.stack(parts, axis=1)

    return Rollouts(
        observations=stack("observations"),
        actions=stack("actions"),
        rewards=stack("rewards"),
        terminated=stack("terminated"),
        truncated=stack("truncated"),
        success=stack("success"),
        lengths=np.stack([e.lengths for e in episodes], axis=1),
        tasks=tasks,
    )
