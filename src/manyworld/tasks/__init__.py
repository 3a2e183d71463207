"""The task registry. Importing this package registers the built-in tasks."""

from manyworld.tasks.base import Evaluation, Task, get_task, register, task_names
from manyworld.tasks.params import TaskParams, param

from manyworld.tasks import (  # noqa: F401  (registration)
    assembly,
    basketball,
    button_press,
    button_press_topdown,
    button_press_topdown_wall,
    button_press_wall,
    coffee_button,
    coffee_pull,
    coffee_push,
    dial_turn,
    disassemble,
    door_open,
    drawer_close,
    drawer_open,
    faucet_close,
    faucet_open,
    hand_insert,
    handle_press,
    handle_press_side,
    handle_pull,
    handle_pull_side,
    lever_pull,
    peg_insert_side,
    peg_unplug_side,
    pick_out_of_hole,
    pick_place,
    plate_slide,
    plate_slide_back,
    plate_slide_back_side,
    plate_slide_side,
    push,
    push_back,
    reach,
    reach_wall,
    soccer,
    sweep,
    sweep_into,
    window_close,
    window_open,
)

__all__ = ["Evaluation", "Task", "TaskParams", "get_task", "param", "register", "task_names"]
