"""Environments: the batched core and its gymnasium adapters."""

from manyworld.envs.batch_env import BatchEnv
from manyworld.envs.gym_env import ManyWorldEnv, ManyWorldVectorEnv

__all__ = ["BatchEnv", "ManyWorldEnv", "ManyWorldVectorEnv"]
