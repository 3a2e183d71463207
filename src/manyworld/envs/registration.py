"""Gymnasium ids for every registered task: ``manyworld/<task>-v<version>``."""

from __future__ import annotations

import gymnasium as gym

from manyworld.tasks.base import get_task, task_names


def register_gymnasium_envs() -> None:
    """Register ``manyworld/<task>-vN`` for ``gymnasium.make`` and ``gymnasium.make_vec``.

    Safe to call repeatedly; ids registered before are left alone.
    """
    for name in task_names():
        task = get_task(name)
        env_id = task.env_id()
        if env_id in gym.registry:
            continue
        gym.register(
            id=env_id,
            entry_point="manyworld.envs.gym_env:ManyWorldEnv",
            vector_entry_point="manyworld.envs.gym_env:ManyWorldVectorEnv",
            kwargs={"task": name},
            # the env truncates at 500 steps itself; a TimeLimit on top would double-count
            max_episode_steps=None,
            disable_env_checker=True,
        )
