import os

os.environ.setdefault("MUJOCO_GL", "egl")

import pytest

import manyworld  # noqa: F401  (registers tasks and gymnasium ids)
from manyworld.tasks.base import task_names

ALL_TASKS = task_names()


def pytest_generate_tests(metafunc):
    if "task_name" in metafunc.fixturenames:
        metafunc.parametrize("task_name", ALL_TASKS)


@pytest.fixture
def rng():
    import numpy as np

    return np.random.default_rng(0)
