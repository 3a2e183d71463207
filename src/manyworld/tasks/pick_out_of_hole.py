"""pick-out-of-hole: pick a puck out of a hole in the table and hold it at a goal in the air.

Description:
    A square hole (15 x 15 cm, a 4 cm deep well under it) is cut into the
    table top at (0, 0.75); a puck (a 4 cm block) sits at the bottom of the
    well, its top flush with the table. Reach down into the hole, grasp the
    puck, lift it out and bring it to the green goal marker floating above
    the table nearer the robot. Meta-World's ``pick-out-of-hole-v3``.

Randomization:
    - The puck always starts at the centre of the hole, (0, 0.75, -0.02), as
      Meta-World's puck is fixed at (0, 0.75) (its centre is reported at
      z = 0.02; ours sits 4 cm lower, down in the well). The table is
      static, so the hole could not move per world anyway.
    - ``goal_pos``: x in [-0.1, 0.1], y in [0.5, 0.6], z in [0.15, 0.3]
      (Meta-World's range).
    - Puck and goal are at least 0.15 m apart in xy (as Meta-World; the
      ranges already keep them that far apart).
    - The hole is wide enough (0.075 half side) for the open fingers (11.4 cm
      across, outside) to reach down around the puck.
    - Workspace: the hand may go down to z = -0.05 (Meta-World's), low enough
      for the fingers to close on the puck's centre in the well.

Success:
    ``|puck - goal| <= 0.07`` (Meta-World's threshold).

Reward terms:
    - ``reach``: tolerance(|tcp - puck|, bound 0.02, margin 0.2).
    - ``grasp``: 1 while the fingers hold the puck, else 0.
    - ``lift``: tolerance(goal height - puck height, bound 0.01, margin 0.3)
      while the puck is held, else 0.
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

from manyworld.sim import hole_parts, parts, scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Task, register
from manyworld.tasks.common import FreeBody, Gripper, pick_to_goal, zeros_obj
from manyworld.tasks.params import TaskParams, param, xy_distance
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.07
HOLE_XY = (0.0, 0.75)  # Meta-World's puck position
HOLE_HALF = 0.075
PUCK_START = np.array([HOLE_XY[0], HOLE_XY[1], hole_parts.WELL_FLOOR_Z + parts.PUCK_HALF])
# The puck counts as out of the hole (grasp_success) once its bottom is this far above the table.
OUT_OF_HOLE = 0.01
# The expert lifts the held puck straight up to this height before moving it sideways.
CLEAR_Z = parts.PUCK_HALF + 0.04


@dataclass(frozen=True)
class PickOutOfHoleParams(TaskParams):
    goal_pos: tuple[float, float, float] = param((-0.1, 0.5, 0.15), (0.1, 0.6, 0.3),
                                                 "point to bring the puck to")

    @classmethod
    def constraint(cls, f):
        return xy_distance(f["goal_pos"], PUCK_START[None]) >= 0.15


@register
class PickOutOfHole(Task):
    __doc__ = __doc__
    name = "pick-out-of-hole"
    version = 2
    Params = PickOutOfHoleParams
    reward_weights = RewardWeights(reach=0.15, grasp=0.1, lift=0.1, in_place=0.65)
    workspace = ((-0.5, 0.40, -0.05), (0.5, 1.0, 0.5))

    def build(self, spec):
        hole_parts.add_table_hole(spec, "hole", HOLE_XY, HOLE_HALF)
        parts.add_puck(spec, "puck")

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.puck = FreeBody(sim, "puck")

    def place(self, sim, ids, params):
        self.puck.place(ids, PUCK_START)

    def goal(self, params):
        return params["goal_pos"].copy()

    def objects(self, sim):
        # xquat's w can exceed 1 by an ulp, outside the observation space's [-1, 1]
        return (self.puck.pos(), self.puck.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        puck = self.puck.pos()
        lift = rewards.tolerance(np.maximum(goal[:, 2] - puck[:, 2], 0.0), 0.01, 0.3)
        out = puck[:, 2] > parts.PUCK_HALF + OUT_OF_HOLE
        return pick_to_goal(self.gripper, puck, goal, parts.PUCK_HALF, SUCCESS_DISTANCE, lift, out,
                            weights=self.reward_weights)

    @staticmethod
    def expert(obs):
        """Reach down into the hole, grasp the puck, lift it straight out, then carry it to the goal."""
        o = obs_lib.parse(obs)
        puck, goal = o.obj1_pos, o.goal
        tcp = o.hand + scene.TCP_OFFSET
        in_hole = puck[:, 2] < CLEAR_Z - 0.01
        destination = np.where(in_hole[:, None], np.c_[tcp[:, :2], np.full(len(tcp), CLEAR_Z)], goal)
        return ex.grasp_and_carry(o, puck, destination)
