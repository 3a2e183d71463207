"""Build a benchmark's batched env with its default wrapper stack.

:func:`make_env` is the one place that turns a :class:`Benchmark` plus options
into an env: the right tasks and variation split, the goal visible or hidden,
and wrappers in a fixed order (one-hot, RL², reward normalisation, episode
statistics), so that training, evaluation and ``gymnasium.make_vec`` agree.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from manyworld.benchmarks.benchmark import Benchmark, Split, get_benchmark
from manyworld.benchmarks.multitask import MultiTaskEnv
from manyworld.benchmarks.sampling import sample_tasks, split_tasks
from manyworld.benchmarks.wrappers import (
    EpisodeStatistics,
    NormalizeReward,
    OneHotTaskId,
    RL2Observation,
)
from manyworld.envs.batch_env import MAX_EPISODE_STEPS


def balanced_counts(total: int, k: int) -> np.ndarray:
    """Split ``total`` worlds over ``k`` tasks: floor or ceil each, the first tasks take the extras."""
    counts = np.full(k, total // k, dtype=np.int64)
    counts[: total % k] += 1
    return counts


def make_env(
    benchmark: str | Benchmark,
    *,
    split: Split = "train",
    worlds_per_task: Any = None,
    num_worlds: int | None = None,
    stage: int | None = None,
    seed: int | None = None,
    max_episode_steps: int = MAX_EPISODE_STEPS,
    terminate_on_success: bool = False,
    one_hot: bool | None = None,
    goal_visible: bool | None = None,
    rl2: bool = False,
    reward_normalization: str | None = None,
    episode_statistics: bool = True,
    num_threads: int = 0,
    backend: str = "mujoco",
    device: str | None = None,
) -> Any:
    """A benchmark's batched env: ``MultiTaskEnv`` + the benchmark's wrappers.

    Args:
        benchmark: a :class:`Benchmark` or a name (``"MT10"``, ``"ML1(reach)"``...).
        split: ``"train"`` (MT, CW, ML meta-training) or ``"test"`` (ML meta-test:
            the test tasks and their held-out variations).
        worlds_per_task: int, list or dict (see :class:`MultiTaskEnv`).
        num_worlds: alternatively, a total spread as evenly as possible over the
            tasks (floor or ceil each; no divisibility needed). ML envs lay their
            worlds out as a sampled meta-batch of this size instead (default:
            one world per task), pinned until the next ``set_tasks``.
        stage: CW only: build the env of one stage of the sequence (its task's
            worlds only; the one-hot still spans every task of the sequence).
        one_hot: append the one-hot task id (default: the benchmark's: on for
            MT and CW, off for ML).
        goal_visible: default: the benchmark's (visible for MT and CW, hidden for ML).
        rl2: append the previous action, reward and done (RL²).
        reward_normalization: None, ``"scale"`` or ``"running"``
            (:class:`~manyworld.benchmarks.wrappers.NormalizeReward`).
        episode_statistics: add :class:`~manyworld.benchmarks.wrappers.EpisodeStatistics`.
        num_threads, backend, device: the simulator of the task envs (see
            :class:`~manyworld.benchmarks.multitask.MultiTaskEnv`).

    Raises:
        MissingTasksError: naming the benchmark's tasks that are not registered.
    """
    bench = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
    bench.require_tasks()
    tasks = split_tasks(bench, split)
    if stage is not None:
        if bench.kind != "CW":
            raise ValueError(
                f"stage= applies to continual benchmarks; {bench.name} is {bench.kind}"
            )
        if not 0 <= stage < len(bench.sequence):
            raise ValueError(f"{bench.name} has stages 0-{len(bench.sequence) - 1}, got {stage}")
    one_hot = bench.one_hot if one_hot is None else bool(one_hot)
    goal_visible = bench.goal_visible if goal_visible is None else bool(goal_visible)
    if worlds_per_task is not None and num_worlds is not None:
        raise ValueError("give worlds_per_task or num_worlds, not both")
    meta_batch = None
    if stage is not None:
        n = worlds_per_task if worlds_per_task is not None else (num_worlds or 1)
        if not isinstance(n, (int, np.integer)):
            raise ValueError(
                "a CW stage env takes an int worlds_per_task (worlds of the stage's task)"
            )
        counts: Any = {bench.sequence[stage]: int(n)}
    elif worlds_per_task is not None:
        counts = worlds_per_task
    elif num_worlds is not None:
        if not isinstance(num_worlds, (int, np.integer)) or num_worlds < 1:
            raise ValueError(f"num_worlds must be a positive integer, got {num_worlds!r}")
        if bench.kind == "ML":
            meta_batch = int(num_worlds)
            counts = 1
        elif num_worlds < len(tasks):
            raise ValueError(
                f"{bench.name} has {len(tasks)} tasks; num_worlds={num_worlds} would leave "
                f"some without worlds (use num_worlds >= {len(tasks)} or worlds_per_task)"
            )
        else:
            counts = balanced_counts(int(num_worlds), len(tasks)).tolist()
    else:
        counts = 1
        if bench.kind == "ML":  # ML envs always run a sampled meta-batch: one world per task
            meta_batch = len(tasks)
    env: Any = MultiTaskEnv(
        tasks,
        counts,
        seed=seed,
        max_episode_steps=max_episode_steps,
        terminate_on_success=terminate_on_success,
        split=split,
        variation_seed=bench.variation_seed,
        goal_visible=goal_visible,
        num_threads=num_threads,
        backend=backend,
        device=device,
    )
    if meta_batch is not None:
        env.set_tasks(sample_tasks(bench, meta_batch, split=split, rng=seed))
    if one_hot:
        env = OneHotTaskId(env)
    if rl2:
        env = RL2Observation(env)
    if reward_normalization is not None:
        env = NormalizeReward(env, reward_normalization)
    if episode_statistics:
        env = EpisodeStatistics(env)
    env.benchmark = bench
    return env
