"""lever-pull: pull a lever up from level to upright.

Description:
    A pedestal stands on the table with a lever on a horizontal hinge (along
    x, 0.25 above the table, with limits, damping and dry friction: it turns
    while pulled and stays where it is left). The lever's arm (radius 0.2)
    starts level, pointing at the robot, with a round grip sticking out of
    its end to the right. Grasp the grip and swing the lever up until it
    stands upright, its grip at the green goal marker. Meta-World's
    ``lever-pull-v3``.

Randomization:
    - ``lever_pos`` (the pedestal on the table): x in [-0.1, 0.1], y in
      [0.7, 0.8], z = 0 (Meta-World's range). The grip's middle starts at
      lever + (0.12, -0.2, 0.25), as Meta-World's lever end.
    - The goal is the grip of the upright lever: lever + (0.12, 0, 0.45).

Success:
    ``|angle - pi/2| <= pi/24`` (Meta-World's condition and threshold): the
    lever is within 7.5 degrees of upright (its hinge stops at upright).
    ``obj_to_target`` is this angle error in radians.

Reward terms:
    - ``reach``: tolerance(|tcp - grip|, bound 0.02, margin 0.2).
    - ``grasp``: 1 while the fingers hold the grip, else 0.
    - ``turn``: tolerance(|angle - pi/2|, bound pi/24, margin pi/2).
    Reward = 10 on success, else 9 * (0.2 reach + 0.1 grasp + 0.7 turn).

    The hand starts at (0, 0.4, 0.2) and may go down to z = -0.15, as in
    Meta-World.

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import handle_lever_parts as hl
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task, register
from manyworld.tasks.common import Gripper, zeros_obj
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights

SUCCESS_ANGLE = np.pi / 24
GOAL_ANGLE = np.pi / 2
NAME = "lever"
# The expert holds the grip this far above the TCP, high between the fingers: the
# upright grip (0.45 above the table) is then within the hand's reach (z <= 0.5).
HOLD_HIGH = 0.015
# How far ahead along the arc (rad) the expert leads the grip while swinging it up.
LEAD = 0.35


@dataclass(frozen=True)
class LeverPullParams(TaskParams):
    lever_pos: tuple[float, float, float] = param((-0.1, 0.7, 0.0), (0.1, 0.8, 0.0), "lever pedestal")


@register
class LeverPull(Task):
    __doc__ = __doc__
    name = "lever-pull"
    version = 2
    Params = LeverPullParams
    reward_weights = RewardWeights(reach=0.2, grasp=0.1, turn=0.7)
    hand_start = (0.0, 0.4, 0.2)
    workspace = ((-0.5, 0.40, -0.15), (0.5, 1.0, 0.5))

    def build(self, spec):
        hl.add_lever(spec, NAME)

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.lever = hl.Lever(sim, NAME)

    def place(self, sim, ids, params):
        self.lever.place(ids, params["lever_pos"], 0.0)

    def goal(self, params):
        return params["lever_pos"] + hl.lever_grip_offset(GOAL_ANGLE)

    def objects(self, sim):
        return (self.lever.grip(), self.lever.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        tcp, grip = self.gripper.tcp(), self.lever.grip()
        to_grip = np.linalg.norm(tcp - grip, axis=1)
        to_goal = np.abs(self.lever.angle() - GOAL_ANGLE)
        success = to_goal <= SUCCESS_ANGLE
        held = self.gripper.holds(grip, hl.LEVER_GRIP_RADIUS)
        terms = {
            "reach": rewards.tolerance(to_grip, 0.02, 0.2),
            "grasp": held.astype(np.float64),
            "turn": rewards.tolerance(to_goal, SUCCESS_ANGLE, GOAL_ANGLE),
        }
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": to_grip <= 0.03, "grasp_success": held, "obj_to_target": to_goal},
        )

    @staticmethod
    def expert(obs):
        """Grasp the grip from above, then carry it up along the lever's arc to upright."""
        o = obs_lib.parse(obs)
        grip = o.obj1_pos
        # the hinge axis lies the lever's radius below the upright grip (the goal)
        axis = o.goal - np.array([0.0, 0.0, hl.LEVER_RADIUS])
        angle = np.arctan2(grip[:, 2] - axis[:, 2], axis[:, 1] - grip[:, 1])
        ahead = np.minimum(angle + LEAD, GOAL_ANGLE + 0.1)
        on_arc = axis + hl.LEVER_RADIUS * np.stack([np.zeros_like(ahead), -np.cos(ahead), np.sin(ahead)], axis=1)
        low = np.array([0.0, 0.0, HOLD_HIGH])
        return ex.grasp_and_carry(o, grip - low, on_arc - low)
