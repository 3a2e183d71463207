"""sweep: sweep a puck sideways across the table to its right-hand side.

Description:
    A puck (a 4 cm block) lies on the table in front of the gripper. Move it
    to the right (+x) along the table, to the green goal marker at x = 0.5
    on the puck's own line (same y). Meta-World's ``sweep-v3``.

Randomization:
    - ``puck_pos``: x in [-0.1, 0.1], y in [0.6, 0.7], z = 0.02.
    - The goal is derived from it, as Meta-World's: ``(0.5, puck_y, 0.01)``.

Success:
    ``|puck - goal| <= 0.05`` (Meta-World's threshold and target). Meta-World
    sweeps the puck to the edge of its table; manyworld's table is wider
    (x in [-0.7, 0.7] inside a 4 cm rim), so the same target lies on the
    table, 0.2 m short of its right edge: the puck has to be brought there
    and left there, not pushed off. The target is 0.01 below the resting
    puck's centre (Meta-World's), which leaves 4.9 cm of the radius in the
    table plane.

Reward terms:
    - ``reach``: tolerance(|tcp - puck|, bound 0.02, margin 0.2).
    - ``grasp``: 1 while the fingers hold the puck, else 0.
    - ``in_place``: tolerance(|puck - goal|, bound 0.05, margin 0.5).
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
from manyworld.tasks.base import Task, register
from manyworld.tasks.common import FreeBody, Gripper, object_to_goal, zeros_obj
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.05
PUCK_Z = parts.PUCK_HALF
TARGET_X = 0.5  # Meta-World's
TARGET_Z = 0.01  # Meta-World's


@dataclass(frozen=True)
class SweepParams(TaskParams):
    puck_pos: tuple[float, float, float] = param((-0.1, 0.6, PUCK_Z), (0.1, 0.7, PUCK_Z), "puck start")


@register
class Sweep(Task):
    __doc__ = __doc__
    name = "sweep"
    version = 2
    Params = SweepParams
    reward_weights = RewardWeights(reach=0.2, grasp=0.1, in_place=0.7)

    def build(self, spec):
        parts.add_puck(spec, "puck")

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.puck = FreeBody(sim, "puck")

    def place(self, sim, ids, params):
        self.puck.place(ids, params["puck_pos"])

    def goal(self, params):
        start = params["puck_pos"]
        n = start.shape[0]
        return np.c_[np.full(n, TARGET_X), start[:, 1], np.full(n, TARGET_Z)]

    def objects(self, sim):
        return (self.puck.pos(), self.puck.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        return object_to_goal(self.gripper, self.puck.pos(), goal, parts.PUCK_HALF, SUCCESS_DISTANCE,
                              in_place_margin=0.5, weights=self.reward_weights)

    @staticmethod
    def expert(obs):
        """Grasp the puck from above, then drag it along the table to the target on its right."""
        o = obs_lib.parse(obs)
        resting = np.full((obs.shape[0], 1), PUCK_Z)
        return ex.grasp_and_carry(o, o.obj1_pos, np.c_[o.goal[:, :2], resting])
