"""Benchmarks: MT1/10/25/50, ML1/10/25/45, CW10/20 and custom ones, as values and as envs.

::

    from manyworld.benchmarks import get_benchmark, make_env, sample_tasks

    bench = get_benchmark("MT10")          # a definition; bench.identity() has its hashes
    env = make_env(bench, worlds_per_task=4, seed=0)
    obs, info = env.reset()                # (40, 39 + 10): one-hot task id appended

    ml10 = get_benchmark("ML10")
    env = make_env(ml10, num_worlds=20, seed=0)          # goal hidden, no one-hot
    env.set_tasks(sample_tasks(ml10, 20, rng=1)); env.reset()

    import gymnasium
    envs = gymnasium.make_vec("manyworld/MT10", worlds_per_task=2, seed=0)

Importing this package registers the ``manyworld/MT10``-style gymnasium ids.
"""

from manyworld.benchmarks.benchmark import (
    Benchmark,
    MissingTasksError,
    UnknownBenchmarkError,
    benchmark_names,
    custom_ml,
    custom_mt,
    get_benchmark,
    variation_hash,
)
from manyworld.benchmarks.envs import make_env
from manyworld.benchmarks.gym_vector import BenchmarkVectorEnv, register_benchmark_envs
from manyworld.benchmarks.multitask import MultiTaskEnv
from manyworld.benchmarks.sampling import TaskVariation, all_pairs, sample_tasks
from manyworld.benchmarks.wrappers import (
    EpisodeStatistics,
    HideGoal,
    NormalizeReward,
    OneHotTaskId,
    RL2Observation,
)

register_benchmark_envs()

__all__ = [
    "Benchmark",
    "BenchmarkVectorEnv",
    "EpisodeStatistics",
    "HideGoal",
    "MissingTasksError",
    "MultiTaskEnv",
    "NormalizeReward",
    "OneHotTaskId",
    "RL2Observation",
    "TaskVariation",
    "UnknownBenchmarkError",
    "all_pairs",
    "benchmark_names",
    "custom_ml",
    "custom_mt",
    "get_benchmark",
    "make_env",
    "register_benchmark_envs",
    "sample_tasks",
    "variation_hash",
]
