"""bin-picking: pick a puck out of one bin and put it into the other.

Description:
    Two shallow open bins stand side by side on the table. A puck lies in the
    left bin. Grasp it, lift it over the walls and put it down in the middle
    of the right bin. Meta-World's ``bin-picking-v3``.

Randomization:
    - ``puck_pos``: x in [-0.21, -0.03], y in [0.65, 0.75] (Meta-World's),
      z = 0.03 (on the bin's floor).
    - The bins are fixed (Meta-World's positions): the start bin's centre at
      (-0.12, 0.7, 0), the goal bin's at (0.12, 0.7, 0). The goal is the goal
      bin's centre on the table, (0.12, 0.70, 0), as Meta-World's. Our bins
      are 0.24 x 0.25 m, larger than Meta-World's 0.2 x 0.2 m, so that the
      open fingers (closing along y) fit between the walls and a puck anywhere
      in the range.

Success:
    ``|puck - goal| <= 0.05`` (Meta-World's threshold). A puck resting on the
    goal bin's floor is 0.03 above the goal, so it must lie within 0.04 of
    the bin's centre in xy.

Reward terms:
    - ``reach``: tolerance(|tcp - puck|, bound 0.02, margin 0.2).
    - ``grasp``: 1 while the fingers hold the puck, else 0.
    - ``lift``: tolerance(clearance height - puck height, bound 0, margin
      0.1) while the puck is held, else 0; the clearance height (0.1) puts
      the puck's underside above the walls.
    - ``in_place``: tolerance(|puck - goal|, bound 0.05, margin 0.3).
    Reward = 10 on success, else
    9 * (0.15 reach + 0.1 grasp + 0.1 lift + 0.65 in_place).

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene. The expert
      carries the puck 1 cm higher (the servo lets a held puck hang a little lower).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import container_parts as cp
from manyworld.sim import parts, scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Task, register
from manyworld.tasks.common import FreeBody, Gripper, pick_to_goal, zeros_obj
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.05
GOAL = np.array(cp.BIN_GOAL_POS)
PUCK_Z = cp.BIN_FLOOR + parts.PUCK_HALF
# Puck height at which its underside clears the walls with a 2 cm margin.
CLEAR_Z = cp.BIN_HEIGHT + parts.PUCK_HALF + 0.02
# The puck counts as lifted (grasp_success) this far above its resting height.
LIFTED = 0.01
# Within this xy distance of the goal the expert lowers the puck, and lets go of it below RELEASE_Z.
OVER_GOAL = 0.01
RELEASE_Z = PUCK_Z + 0.01


@dataclass(frozen=True)
class BinPickingParams(TaskParams):
    puck_pos: tuple[float, float, float] = param((-0.21, 0.65, PUCK_Z), (-0.03, 0.75, PUCK_Z),
                                                 "puck start in the start bin")


@register
class BinPicking(Task):
    __doc__ = __doc__
    name = "bin-picking"
    version = 2
    Params = BinPickingParams
    reward_weights = RewardWeights(reach=0.15, grasp=0.1, lift=0.1, in_place=0.65)
    workspace = ((-0.5, 0.40, 0.07), (0.5, 1.0, 0.5))

    def build(self, spec):
        cp.add_bin(spec, "bin_start", cp.BIN_START_POS, (0.7, 0.25, 0.2, 1))
        cp.add_bin(spec, "bin_goal", cp.BIN_GOAL_POS, (0.25, 0.45, 0.7, 1))
        cp.add_carried_puck(spec, "puck", rgba=(0.95, 0.75, 0.15, 1))

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.puck = FreeBody(sim, "puck")

    def place(self, sim, ids, params):
        self.puck.place(ids, params["puck_pos"])

    def goal(self, params):
        return np.tile(GOAL, (params["puck_pos"].shape[0], 1))

    def objects(self, sim):
        return (self.puck.pos(), self.puck.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        puck = self.puck.pos()
        lift = rewards.tolerance(np.maximum(CLEAR_Z - puck[:, 2], 0.0), 0.0, 0.1)
        lifted = puck[:, 2] > PUCK_Z + LIFTED
        return pick_to_goal(self.gripper, puck, goal, parts.PUCK_HALF, SUCCESS_DISTANCE, lift, lifted,
                            weights=self.reward_weights)

    @staticmethod
    def expert(obs):
        """Grasp the puck, lift it over the walls, carry it over the goal bin's centre, put it down."""
        o = obs_lib.parse(obs)
        puck, goal = o.obj1_pos, o.goal
        tcp = o.hand + scene.TCP_OFFSET
        n = obs.shape[0]
        carry_z = np.full((n, 1), CLEAR_Z + 0.02)
        on_floor = np.c_[goal[:, :2], np.full((n, 1), PUCK_Z)] + cp.PUCK_GRASP
        over = ex.near(puck, goal, OVER_GOAL, slice(0, 2))
        # up first (clear of the walls), then across, then down
        clear = puck[:, 2] > CLEAR_Z
        destination = np.where(clear[:, None], np.c_[goal[:, :2], carry_z], np.c_[tcp[:, :2], carry_z])
        destination = np.where(over[:, None], on_floor, destination)
        act = ex.grasp_and_carry(o, puck + cp.PUCK_GRASP, destination)
        # in the goal bin: let go and rise clear of the walls
        placed = ex.near(puck, goal, 2 * OVER_GOAL, slice(0, 2)) & (puck[:, 2] < RELEASE_Z)
        rise = ex.action(ex.move_toward(tcp, np.c_[tcp[:, :2], carry_z + 0.03]), -1.0)
        return np.where(placed[:, None], rise, act)
