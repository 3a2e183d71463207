"""reach-wall: move the gripper's fingertips over a wall to a goal point.

Description:
    The gripper starts above the table; a red puck lies on the table as a
    distractor and a 12 cm tall wall stands between the hand and the goal.
    Move the tool centre point (between the fingertips) to the green goal
    marker behind the wall, going over it. Meta-World's ``reach-wall-v3``.

Randomization:
    - ``puck_pos``: x in [-0.05, 0.05], y in [0.6, 0.65], z = 0.02 (on the
      table; Meta-World's 0.015 is the centre of its 3 cm puck, ours is 4 cm).
    - ``goal_pos``: x in [-0.05, 0.05], y in [0.85, 0.9], z in [0.05, 0.3].
    - Puck and goal are at least 0.15 m apart in xy (as Meta-World; the
      ranges already keep them further apart).
    - The wall is fixed: x in [-0.14, 0.14], y in [0.74, 0.76], 0.2 tall.
      Meta-World's (x in [-0.02, 0.22], 0.12 tall) does not cover goals with
      x < -0.02 and most straight paths pass over it, so the plain reach
      expert solves most of its variations; ours blocks the straight path to
      most goals (the reach expert solves 0.30 / 0.38 of the train / test
      variations, the gate checks <= 0.5), so the task needs going over it.

Success:
    ``|tcp - goal| <= 0.05`` (Meta-World's threshold).

Reward terms:
    - ``reach``: tolerance(|tcp - goal|, bound 0.05, margin 0.3), in [0, 1].
    Reward = 10 on success, else 9 * reach.

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
    - v3: a wall that matters: wider, centred on the goals and 20 cm tall (see
      Randomization); the reach expert no longer solves most variations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import plate_parts, scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import register
from manyworld.tasks.families.reach import ReachTask
from manyworld.tasks.params import TaskParams, param, xy_distance
from manyworld.tasks.rewards import RewardWeights

# The wall (v3): centred on the goals' x range and as wide as it plus a hand on each side,
# and tall enough that a straight path from the start to most goals runs into it (the
# path crosses the wall's plane at TCP heights 0.09-0.24 m). Meta-World's wall (x in
# [-0.02, 0.22], 12 cm tall) leaves goals with x < -0.02 uncovered and lets most straight
# paths pass over it: the plain reach expert solved 98% of v1 and ~70-80% of v2.
WALL_POS = (0.0, 0.75, 0.1)
WALL_HALF = (0.14, 0.01, 0.1)  # 28 cm wide, 2 cm thick, 20 cm tall
# The expert keeps the TCP this high while it is not past the wall: the
# fingertips reach 1 cm below the TCP, so they clear the wall's top by 2 cm.
WALL_TOP = WALL_POS[2] + WALL_HALF[2]
CLEAR_Z = WALL_TOP + 0.03
# The hand is past the wall once the TCP is this far beyond its far face
# (the palm reaches 0.058 along y from the TCP).
WALL_FAR_Y = WALL_POS[1] + WALL_HALF[1]
WALL_NEAR_Y = WALL_POS[1] - WALL_HALF[1]
PALM_REACH_Y = 0.07


@dataclass(frozen=True)
class ReachWallParams(TaskParams):
    puck_pos: tuple[float, float, float] = param((-0.05, 0.6, 0.02), (0.05, 0.65, 0.02), "distractor puck")
    goal_pos: tuple[float, float, float] = param((-0.05, 0.85, 0.05), (0.05, 0.9, 0.3), "point to reach")

    @classmethod
    def constraint(cls, f):
        return xy_distance(f["puck_pos"], f["goal_pos"]) >= 0.15


@register
class ReachWall(ReachTask):
    __doc__ = __doc__
    name = "reach-wall"
    version = 3
    easier_sibling = "reach"
    Params = ReachWallParams
    reward_weights = RewardWeights(reach=1.0)

    def build(self, spec):
        super().build(spec)
        plate_parts.add_wall(spec, "wall", pos=WALL_POS, half=WALL_HALF)

    @staticmethod
    def expert(obs):
        """Rise above the wall before crossing it, then go down to the goal behind it."""
        o = obs_lib.parse(obs)
        tcp = o.hand + scene.TCP_OFFSET
        goal = o.goal
        before = tcp[:, 1] < WALL_FAR_Y + PALM_REACH_Y  # some of the hand is not past the wall yet
        low = tcp[:, 2] < CLEAR_Z - 0.005
        # low and not past: rise in place (never closer to the wall than the palm's reach)
        rise = np.c_[goal[:, 0], np.minimum(tcp[:, 1], WALL_NEAR_Y - PALM_REACH_Y), np.full(len(tcp), CLEAR_Z + 0.01)]
        # high enough: cross over at that height, then go to the goal
        over = np.c_[goal[:, :2], np.maximum(goal[:, 2], CLEAR_Z + 0.01)]
        target = np.where(before[:, None], np.where(low[:, None], rise, over), goal)
        return ex.action(ex.move_toward(tcp, target), -1.0)
