"""shelf-place: pick a puck up and put it on a shelf.

Description:
    A puck lies on the table in front of a bookcase whose open front faces
    the robot. Grasp the puck, lift it to the height of the shelf board,
    carry it in through the open front and put it down on the board.
    Meta-World's ``shelf-place-v3``.

Randomization:
    - ``puck_pos``: x in [-0.1, 0.1], y in [0.5, 0.6], z = 0.02 (on the
      table), Meta-World's range.
    - ``shelf_pos`` (the middle of the bookcase's footprint): x in
      [-0.1, 0.1], y in [0.8, 0.9], z = 0. The goal is a puck resting in
      the middle of the board, ``shelf_pos + (0, 0, 0.3)`` (Meta-World's goal
      site). Meta-World samples the goal height in [0.299, 0.301] and moves
      the shelf with it, so its shelf floats or sinks by up to a millimetre;
      ours stands on the table.
    - Puck and goal are at least 0.1 m apart in xy (as Meta-World; the ranges
      already keep them further apart).

Success:
    ``|puck - goal| <= 0.07`` (Meta-World's threshold). Our board's top is
    0.28 up (Meta-World's 0.25), so that a puck resting on it sits at the
    goal itself rather than 3 cm below it.

Reward terms:
    - ``reach``: tolerance(|tcp - puck|, bound 0.02, margin 0.2).
    - ``grasp``: 1 while the fingers hold the puck, else 0.
    - ``lift``: tolerance(board clearance - puck height, bound 0, margin
      0.3) while the puck is held, else 0; the clearance height puts the
      puck's underside above the board.
    - ``in_place``: tolerance(|puck - goal|, bound 0.07, margin 0.4).
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

from manyworld.sim import container_parts as cp
from manyworld.sim import parts, scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Task, register
from manyworld.tasks.common import FreeBody, Gripper, pick_to_goal, zeros_obj
from manyworld.tasks.params import TaskParams, param, xy_distance
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.07
PUCK_Z = parts.PUCK_HALF
# Puck height at which its underside clears the board by 1.5 cm.
CLEAR_Z = cp.SHELF_BOARD_TOP + parts.PUCK_HALF + 0.015
# The puck counts as lifted (grasp_success) this far above its resting height.
LIFTED = 0.01
# Within this xy distance of the goal the expert lowers the puck onto the board.
OVER_GOAL = 0.01
# It lets go once the puck is this close to resting on the board.
RELEASE = 0.005
# After letting go the TCP rises this far above the goal before backing out
# (fingertips 1.5 cm over the puck, the palm still under the shelf's top).
EXIT_RISE = parts.PUCK_HALF + 0.01 + 0.015


@dataclass(frozen=True)
class ShelfPlaceParams(TaskParams):
    puck_pos: tuple[float, float, float] = param((-0.1, 0.5, PUCK_Z), (0.1, 0.6, PUCK_Z), "puck start")
    shelf_pos: tuple[float, float, float] = param((-0.1, 0.8, 0.0), (0.1, 0.9, 0.0),
                                                  "bookcase (middle of its footprint)")

    @classmethod
    def constraint(cls, f):
        return xy_distance(f["puck_pos"], f["shelf_pos"]) >= 0.1


@register
class ShelfPlace(Task):
    __doc__ = __doc__
    name = "shelf-place"
    version = 2
    Params = ShelfPlaceParams
    reward_weights = RewardWeights(reach=0.15, grasp=0.1, lift=0.1, in_place=0.65)

    def build(self, spec):
        cp.add_shelf(spec, "shelf")
        cp.add_carried_puck(spec, "puck", rgba=(0.15, 0.35, 0.85, 1))

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.puck = FreeBody(sim, "puck")
        self.shelf = sim.mocap_id("shelf")

    def place(self, sim, ids, params):
        sim.mocap_pos[ids, self.shelf] = params["shelf_pos"]
        self.puck.place(ids, params["puck_pos"])

    def goal(self, params):
        return params["shelf_pos"] + cp.SHELF_GOAL

    def objects(self, sim):
        return (self.puck.pos(), self.puck.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        puck = self.puck.pos()
        lift = rewards.tolerance(np.maximum(CLEAR_Z - puck[:, 2], 0.0), 0.0, 0.3)
        lifted = puck[:, 2] > PUCK_Z + LIFTED
        return pick_to_goal(self.gripper, puck, goal, parts.PUCK_HALF, SUCCESS_DISTANCE, lift, lifted,
                            in_place_margin=0.4, weights=self.reward_weights)

    @staticmethod
    def expert(obs):
        """Grasp the puck, lift it to the board's height, carry it in through the front, put it down."""
        o = obs_lib.parse(obs)
        puck, goal = o.obj1_pos, o.goal
        tcp = o.hand + scene.TCP_OFFSET
        n = obs.shape[0]
        carry_z = np.full((n, 1), CLEAR_Z + 0.005)
        over = ex.near(puck, goal, OVER_GOAL, slice(0, 2))
        # up first (clear of the board), then in through the front, then down
        clear = puck[:, 2] > CLEAR_Z - 0.005
        destination = np.where(clear[:, None], np.c_[goal[:, :2], carry_z], np.c_[tcp[:, :2], carry_z])
        destination = np.where(over[:, None], goal + cp.PUCK_GRASP, destination)
        act = ex.grasp_and_carry(o, puck + cp.PUCK_GRASP, destination)
        # on the board: let go, rise until the fingertips clear the puck (the
        # fingers close along y, so backing out at its height would drag it
        # along) and back out the way it came
        placed = ex.near(puck, goal, 2 * OVER_GOAL, slice(0, 2)) & (puck[:, 2] < goal[:, 2] + RELEASE)
        opened = o.gripper > 0.8
        clear_z = goal[:, 2] + EXIT_RISE
        risen = tcp[:, 2] > clear_z - 0.005
        out = np.where(risen[:, None], np.c_[tcp[:, 0], goal[:, 1] - 0.2, clear_z],
                       np.c_[tcp[:, :2], clear_z])
        out = np.where(opened[:, None], out, tcp)
        back = ex.action(ex.move_toward(tcp, out), -1.0)
        return np.where(placed[:, None], back, act)
