"""push-back: move a puck back across the table, towards the robot.

Description:
    A puck (a 4 cm block) lies on the table far from the gripper. Bring it
    back to the green goal marker nearer the robot (-y), pushing or dragging
    it along the table. Meta-World's ``push-back-v3``.

Randomization:
    - ``puck_pos``: x in [-0.1, 0.1], y in [0.8, 0.85], z = 0.02.
    - ``goal_pos``: x in [-0.1, 0.1], y in [0.6, 0.7], z = 0.02 (the puck's
      centre resting on the table).
    - Puck and goal are at least 0.15 m apart in xy (as Meta-World).

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

from manyworld.sim import parts
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import register
from manyworld.tasks.common import PuckTask, object_to_goal
from manyworld.tasks.params import TaskParams, param, xy_distance
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.07
PUCK_Z = parts.PUCK_HALF


@dataclass(frozen=True)
class PushBackParams(TaskParams):
    puck_pos: tuple[float, float, float] = param((-0.1, 0.8, PUCK_Z), (0.1, 0.85, PUCK_Z), "puck start")
    goal_pos: tuple[float, float, float] = param((-0.1, 0.6, PUCK_Z), (0.1, 0.7, PUCK_Z), "puck target")

    @classmethod
    def constraint(cls, f):
        return xy_distance(f["puck_pos"], f["goal_pos"]) >= 0.15


@register
class PushBack(PuckTask):
    __doc__ = __doc__
    name = "push-back"
    version = 2
    Params = PushBackParams
    reward_weights = RewardWeights(reach=0.2, grasp=0.1, in_place=0.7)

    def evaluate(self, sim, goal):
        return object_to_goal(self.gripper, self.puck.pos(), goal, parts.PUCK_HALF, SUCCESS_DISTANCE,
                              weights=self.reward_weights)

    @staticmethod
    def expert(obs):
        """Grasp the puck from above, then drag it back along the table to the goal."""
        o = obs_lib.parse(obs)
        # carry at the puck's resting height: it slides instead of being lifted
        resting = np.full((obs.shape[0], 1), PUCK_Z)
        return ex.grasp_and_carry(o, o.obj1_pos, np.c_[o.goal[:, :2], resting])
