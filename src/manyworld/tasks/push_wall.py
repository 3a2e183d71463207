"""push-wall: move a puck across the table to a goal behind a wall, going around the wall.

Description:
    A puck (a 4 cm block) lies on the table in front of the gripper; a 12 cm
    tall wall stands on the table between it and the green goal marker.
    Bring the puck to the goal, pushing or dragging it along the table
    around the wall's left end. Meta-World's ``push-wall-v3``.

Randomization:
    - ``puck_pos``: x in [-0.05, 0.05], y in [0.6, 0.65], z = 0.02 (on the
      table; Meta-World's 0.015 is the centre of its 3 cm puck, ours is 4 cm).
    - ``goal_pos``: x in [-0.05, 0.05], y in [0.85, 0.9], z in [0.01, 0.02]
      (Meta-World's range).
    - Puck and goal are at least 0.15 m apart in xy (as Meta-World; the
      ranges already keep them further apart).
    - The wall is fixed, as Meta-World's: x in [-0.02, 0.22], y in
      [0.74, 0.76], 0.12 tall. It stands across the straight way from the
      puck to the goal unless the puck (and the hand dragging it, both 4 cm
      wide) stays left of x = -0.04 all along: dragged straight to the goal
      (push's expert), the hand runs into the wall in 49 of the 50 training
      variations and gets the puck there in only 18% of them.

Success:
    ``|puck - goal| <= 0.07`` (Meta-World's threshold).

Reward terms:
    - ``reach``: tolerance(|tcp - puck|, bound 0.02, margin 0.2).
    - ``grasp``: 1 while the fingers hold the puck, else 0.
    - ``in_place``: tolerance(|puck - goal|, bound 0.07, margin 0.3).
    Reward = 10 on success, else 9 * (0.2 reach + 0.1 grasp + 0.7 in_place).

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import parts, plate_parts
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import register
from manyworld.tasks.common import PuckTask, object_to_goal
from manyworld.tasks.params import TaskParams, param, xy_distance
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.07
PUCK_Z = parts.PUCK_HALF
WALL_LEFT_X = plate_parts.WALL_POS[0] - plate_parts.WALL_HALF[0]
WALL_FAR_Y = plate_parts.WALL_POS[1] + plate_parts.WALL_HALF[1]
# The expert drags the puck along this lane past the wall's left end: the
# puck and the palm (both 2 cm half-width in x) clear the wall by 3 cm.
LANE_X = WALL_LEFT_X - parts.PUCK_HALF - 0.03
LANE_TOL = 0.015
# The puck is past the wall once it is this far beyond the wall's far face:
# the palm (reaching 0.058 along y behind the TCP) has cleared it too.
PAST_Y = WALL_FAR_Y + 0.075


@dataclass(frozen=True)
class PushWallParams(TaskParams):
    puck_pos: tuple[float, float, float] = param((-0.05, 0.6, PUCK_Z), (0.05, 0.65, PUCK_Z), "puck start")
    goal_pos: tuple[float, float, float] = param((-0.05, 0.85, 0.01), (0.05, 0.9, 0.02), "puck target")

    @classmethod
    def constraint(cls, f):
        return xy_distance(f["puck_pos"], f["goal_pos"]) >= 0.15


@register
class PushWall(PuckTask):
    __doc__ = __doc__
    name = "push-wall"
    version = 2
    easier_sibling = "push"
    Params = PushWallParams
    reward_weights = RewardWeights(reach=0.2, grasp=0.1, in_place=0.7)

    def build(self, spec):
        super().build(spec)
        plate_parts.add_wall(spec, "wall")

    def evaluate(self, sim, goal):
        return object_to_goal(self.gripper, self.puck.pos(), goal, parts.PUCK_HALF, SUCCESS_DISTANCE,
                              weights=self.reward_weights)

    @staticmethod
    def expert(obs):
        """Grasp the puck, drag it left into a lane beside the wall, up the lane past it, then to the goal."""
        o = obs_lib.parse(obs)
        puck, goal = o.obj1_pos, o.goal
        n = obs.shape[0]
        z = np.full(n, PUCK_Z)
        past = puck[:, 1] > PAST_Y
        in_lane = puck[:, 0] < LANE_X + LANE_TOL
        # sideways at the puck's depth (in front of the wall, or beside it)
        to_lane = np.c_[np.full(n, LANE_X), puck[:, 1], z]
        # along the lane until the puck and the palm are beyond the wall
        up_lane = np.c_[np.full(n, LANE_X), np.maximum(goal[:, 1], PAST_Y + 0.01), z]
        to_goal = np.c_[goal[:, :2], z]
        destination = np.where(past[:, None], to_goal, np.where(in_lane[:, None], up_lane, to_lane))
        return ex.grasp_and_carry(o, puck, destination)
