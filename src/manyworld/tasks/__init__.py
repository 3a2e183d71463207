"""The task registry. The built-in tasks (:mod:`manyworld.tasks.builtin`) register on the first lookup."""

from manyworld.tasks.base import Evaluation, Task, get_task, register, task_names
from manyworld.tasks.params import TaskParams, param

__all__ = ["Evaluation", "Task", "TaskParams", "get_task", "param", "register", "task_names"]
