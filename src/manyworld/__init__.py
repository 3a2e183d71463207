"""manyworld: fast, reproducible multi-task and meta-RL tabletop manipulation on batched MuJoCo.

Importing the package registers every task as a gymnasium id::

    import gymnasium, manyworld
    env = gymnasium.make("manyworld/reach-v2")
    envs = gymnasium.make_vec("manyworld/push-v2", num_envs=16)
"""

import os as _os

# MuJoCo picks its GL backend at import: without a display, default to headless EGL
# (MUJOCO_GL=osmesa works too, with libosmesa6 installed).
if "MUJOCO_GL" not in _os.environ and not _os.environ.get("DISPLAY"):
    _os.environ["MUJOCO_GL"] = "egl"

from manyworld._version import __version__
from manyworld.envs import BatchEnv, ManyWorldEnv, ManyWorldVectorEnv
from manyworld.envs.registration import register_gymnasium_envs
from manyworld.tasks import Task, TaskParams, get_task, register, task_names

register_gymnasium_envs()

import manyworld.benchmarks  # noqa: F401  (registers manyworld/MT10 and the other suites)

__all__ = [
    "BatchEnv",
    "ManyWorldEnv",
    "ManyWorldVectorEnv",
    "Task",
    "TaskParams",
    "__version__",
    "get_task",
    "register",
    "register_gymnasium_envs",
    "task_names",
]
