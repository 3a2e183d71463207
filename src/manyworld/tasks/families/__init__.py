"""Code that the tasks of one family share: base classes, constants, reward and expert skeletons.

A task file never imports another task's file: what two tasks share lives
here, in the module of their family, and every registered task class derives
from these unregistered bases, never from another registered task. Editing a
family module visibly changes every task of the family; editing a task file
changes that task alone. Nothing here registers a task.
"""
