"""door-close: swing an open door shut by its handle.

Description:
    The cabinet and hinged door of ``door-open`` (the leaf turns on a vertical
    hinge at its left edge, limits [0, 2] rad, damping and dry friction: it
    swings while pushed or pulled and stays where it is left). The door starts
    open 90 degrees, its free edge towards the robot. Take the vertical grip
    bar and swing the door back shut, bringing the handle to the green goal
    marker. Meta-World's ``door-close-v3``.

Randomization:
    - ``door_pos``: x in [0, 0.1], y in [0.85, 0.95], z = 0.15 (Meta-World's
      range). The handle of the door opened 90 degrees starts at
      door + (-0.30, -0.41, 0).
    - The goal is the handle of the shut door: door + (0.11, -0.18, 0)
      (Meta-World's is door + (0.2, -0.2, 0), its own handle shut).
    - The hand starts at (-0.5, 0.6, 0.2), Meta-World's: left of the open
      door, 0.2 to 0.3 m from its handle.

Success:
    ``|handle - goal| <= 0.08`` (Meta-World's threshold): the door is open 14
    degrees at most (our handle turns on a 0.33 m radius about the hinge).

Reward terms:
    - ``reach``: tolerance(|tcp - handle|, bound 0.02, margin 0.3).
    - ``close``: tolerance(|handle - goal|, bound 0.08, margin 0.5).
    Reward = 10 on success, else 9 * (0.3 reach + 0.7 close).

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import door_window_parts as dw
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task, register
from manyworld.tasks.common import Gripper, zeros_obj
from manyworld.tasks.families.door import swing
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.08
NAME = "door"
# The door's opening angle at reset (rad).
START_ANGLE = np.pi / 2
# Meta-World's hand start of door-close: left of the open door.
DOOR_CLOSE_HAND_START = (-0.5, 0.6, 0.2)
# Opening angle the expert swings the door to (rad): shut.
EXPERT_ANGLE = 0.0


@dataclass(frozen=True)
class DoorCloseParams(TaskParams):
    door_pos: tuple[float, float, float] = param((0.0, 0.85, 0.15), (0.1, 0.95, 0.15), "door cabinet")


@register
class DoorClose(Task):
    __doc__ = __doc__
    name = "door-close"
    version = 2
    Params = DoorCloseParams
    reward_weights = RewardWeights(reach=0.3, close=0.7)
    hand_start = DOOR_CLOSE_HAND_START

    def build(self, spec):
        dw.add_door(spec, NAME)

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.door = dw.Door(sim, NAME)

    def place(self, sim, ids, params):
        self.door.place(ids, params["door_pos"], START_ANGLE)

    def goal(self, params):
        return params["door_pos"] + dw.DOOR_HANDLE_OFFSET

    def objects(self, sim):
        return (self.door.handle(), self.door.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        tcp, handle = self.gripper.tcp(), self.door.handle()
        to_handle = np.linalg.norm(tcp - handle, axis=1)
        to_goal = np.linalg.norm(handle - goal, axis=1)
        success = to_goal <= SUCCESS_DISTANCE
        held = self.gripper.holds(handle, dw.DOOR_HANDLE_RADIUS)
        terms = {
            "reach": rewards.tolerance(to_handle, 0.02, 0.3),
            "close": rewards.tolerance(to_goal, SUCCESS_DISTANCE, 0.5),
        }
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": to_handle <= 0.03, "grasp_success": held, "obj_to_target": to_goal},
        )

    @staticmethod
    def expert(obs):
        """Take the grip bar from above, close, and carry it round the hinge until the door is shut."""
        o = obs_lib.parse(obs)
        hinge = o.goal - dw.DOOR_HANDLE_OFFSET + dw.DOOR_HINGE
        return swing(o, hinge, EXPERT_ANGLE)
