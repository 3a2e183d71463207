"""pick-place: pick a puck up and hold it at a goal point in the air.

Description:
    A puck (a 4 cm block) lies on the table in front of the gripper. Grasp it,
    lift it and bring it to the green goal marker, which floats above the
    table beyond the puck. Meta-World's ``pick-place-v3``.

Randomization:
    - ``puck_pos``: x in [-0.1, 0.1], y in [0.6, 0.7], z = 0.02 (on the table).
    - ``goal_pos``: x in [-0.1, 0.1], y in [0.8, 0.9], z in [0.05, 0.3].
    - Puck and goal are at least 0.15 m apart in xy (as Meta-World), so the
      puck never starts within the success radius.

Success:
    ``|puck - goal| <= 0.07`` (Meta-World's threshold).

Reward terms:
    - ``reach``: tolerance(|tcp - puck|, bound 0.02, margin 0.2).
    - ``grasp``: 1 while the fingers hold the puck, else 0.
    - ``lift``: tolerance(goal height - puck height, bound 0.01, margin 0.2)
      while the puck is held, else 0 (rewards carrying the puck up, not
      dragging it along the table).
    - ``in_place``: tolerance(|puck - goal|, bound 0.07, margin 0.3).
    Reward = 10 on success, else
    9 * (0.15 reach + 0.1 grasp + 0.1 lift + 0.65 in_place).

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import parts, scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import register
from manyworld.tasks.common import PuckTask, pick_to_goal
from manyworld.tasks.params import TaskParams, param, xy_distance
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.07
# The puck counts as lifted (grasp_success) this far above its resting height.
LIFTED = 0.01


@dataclass(frozen=True)
class PickPlaceParams(TaskParams):
    puck_pos: tuple[float, float, float] = param((-0.1, 0.6, 0.02), (0.1, 0.7, 0.02), "puck start")
    goal_pos: tuple[float, float, float] = param((-0.1, 0.8, 0.05), (0.1, 0.9, 0.3),
                                                 "point to bring the puck to")

    @classmethod
    def constraint(cls, f):
        return xy_distance(f["puck_pos"], f["goal_pos"]) >= 0.15


@register
class PickPlace(PuckTask):
    __doc__ = __doc__
    name = "pick-place"
    version = 2
    Params = PickPlaceParams
    reward_weights = RewardWeights(reach=0.15, grasp=0.1, lift=0.1, in_place=0.65)

    def evaluate(self, sim, goal):
        puck = self.puck.pos()
        lift = rewards.tolerance(np.maximum(goal[:, 2] - puck[:, 2], 0.0), 0.01, 0.2)
        lifted = puck[:, 2] > parts.PUCK_HALF + LIFTED
        return pick_to_goal(self.gripper, puck, goal, parts.PUCK_HALF, SUCCESS_DISTANCE, lift, lifted,
                            weights=self.reward_weights)

    @staticmethod
    def expert(obs):
        """Grasp the puck from above, lift it straight up, then carry it to the goal."""
        o = obs_lib.parse(obs)
        puck, goal = o.obj1_pos, o.goal
        tcp = o.hand + scene.TCP_OFFSET
        # first lift the held puck off the table (to the goal's height, at most
        # 5 cm up) before moving sideways, so that it never drags on the table
        lift_to = np.minimum(goal[:, 2], parts.PUCK_HALF + 0.05)
        on_table = puck[:, 2] < lift_to - 0.01
        destination = np.where(on_table[:, None], np.c_[tcp[:, :2], lift_to], goal)
        return ex.grasp_and_carry(o, puck, destination)

