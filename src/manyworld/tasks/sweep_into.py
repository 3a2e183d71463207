"""sweep-into: sweep a puck across the table into a hole.

Description:
    A puck (a 4 cm block) lies on the table in front of the gripper; further
    on, a square hole (10 x 10 cm, a 4 cm deep well under it) is cut into
    the table top at (0, 0.84). Move the puck along the table into the hole,
    pushing or dragging it; it drops into the well and stays there.
    Meta-World's ``sweep-into-v3``.

Randomization:
    - ``puck_pos``: x in [-0.1, 0.1], y in [0.6, 0.7], z = 0.02 (Meta-World's
      range).
    - The hole, and so the goal, is fixed at (0, 0.84, 0.02), as in
      Meta-World (whose goal varies by +-0.001 in x only). The table is
      static, so a hole could not move per world anyway.
    - Puck and hole are at least 0.15 m apart in xy (as Meta-World).

Success:
    ``xy-distance(puck, hole centre) <= 0.05`` (Meta-World's condition and
    threshold; height is not checked). The hole's half side (0.05) is chosen
    so that a puck lying anywhere in the well (its centre at most 0.03 from
    the hole's centre along each axis, 0.042 diagonally) counts as inside.

Reward terms:
    - ``reach``: tolerance(|tcp - puck|, bound 0.02, margin 0.2).
    - ``grasp``: 1 while the fingers hold the puck, else 0.
    - ``in_place``: tolerance(xy-distance(puck, hole), bound 0.05,
      margin 0.3).
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

from manyworld.sim import hole_parts, parts, scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import Task, register
from manyworld.tasks.common import FreeBody, Gripper, object_to_goal, zeros_obj
from manyworld.tasks.params import TaskParams, param, xy_distance
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.05
PUCK_Z = parts.PUCK_HALF
HOLE_XY = (0.0, 0.84)  # Meta-World's
HOLE_HALF = 0.05
GOAL = np.array([HOLE_XY[0], HOLE_XY[1], 0.02])  # Meta-World's goal (z = 0.02)
# The expert lets go of the puck once its centre is this close to the hole's (xy).
RELEASE_DISTANCE = 0.01


@dataclass(frozen=True)
class SweepIntoParams(TaskParams):
    puck_pos: tuple[float, float, float] = param((-0.1, 0.6, PUCK_Z), (0.1, 0.7, PUCK_Z), "puck start")

    @classmethod
    def constraint(cls, f):
        return xy_distance(f["puck_pos"], GOAL[None]) >= 0.15


@register
class SweepInto(Task):
    __doc__ = __doc__
    name = "sweep-into"
    version = 2
    Params = SweepIntoParams
    reward_weights = RewardWeights(reach=0.2, grasp=0.1, in_place=0.7)

    def build(self, spec):
        hole_parts.add_table_hole(spec, "hole", HOLE_XY, HOLE_HALF)
        parts.add_puck(spec, "puck")

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.puck = FreeBody(sim, "puck")

    def place(self, sim, ids, params):
        self.puck.place(ids, params["puck_pos"])

    def goal(self, params):
        return np.tile(GOAL, (params["puck_pos"].shape[0], 1))

    def objects(self, sim):
        # xquat's w can exceed 1 by an ulp, outside the observation space's [-1, 1]
        return (self.puck.pos(), self.puck.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        puck = self.puck.pos()
        return object_to_goal(self.gripper, puck, goal, parts.PUCK_HALF, SUCCESS_DISTANCE,
                              to_goal=xy_distance(puck, goal), weights=self.reward_weights)

    @staticmethod
    def expert(obs):
        """Grasp the puck, drag it along the table over the hole, let go and back off upwards."""
        o = obs_lib.parse(obs)
        puck, goal = o.obj1_pos, o.goal
        tcp = o.hand + scene.TCP_OFFSET
        resting = np.full((obs.shape[0], 1), PUCK_Z)
        act = ex.grasp_and_carry(o, puck, np.c_[goal[:, :2], resting])
        # over the hole (or already in it): open and rise clear of the table
        over = ex.near(puck, goal, RELEASE_DISTANCE, slice(0, 2)) | (puck[:, 2] < 0.0)
        up = ex.action(ex.move_toward(tcp, np.c_[tcp[:, :2], np.full(len(tcp), 0.1)]), -1.0)
        return np.where(over[:, None], up, act)
