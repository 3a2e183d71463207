"""hand-insert: bring a block into a hole in the table, to a target at its bottom.

Description:
    A block (a 4 cm puck) lies on the table in front of the gripper; further
    on, a square hole (16 x 16 cm, a 4 cm deep well under it) is cut into
    the table top at (0, 0.84). Bring the block into the hole, down to the
    green goal marker at the bottom of the well (z = -0.02, below the table
    top), carrying or pushing it; the hand goes into the hole with it.
    Meta-World's ``hand-insert-v3``.

Randomization:
    - ``block_pos``: x in [-0.1, 0.1], y in [0.6, 0.7], z = 0.02
      (Meta-World's xy range; the block rests on the table).
    - ``goal_pos``: x in [-0.04, 0.04], y in [0.8, 0.88], z = -0.02
      (Meta-World's range: a 0.08 x 0.08 box below the table top).
    - Block and goal are at least 0.15 m apart in xy (as Meta-World).
    - The hole itself is fixed (the table is static, so it cannot move per
      world) and centred on the goal box, (0, 0.84). It is large enough
      (0.08 half side) that every goal lies inside it with room for the
      block and the fingers holding it (0.032 either side of the block's
      centre across the fingers): the goal varies inside the hole, as in
      Meta-World, rather than the hole moving with it. A block resting on the
      well's floor has its centre at the goal's height, z = -0.02.
    - Workspace: the hand may go down to z = -0.15 (Meta-World's).

Success:
    ``|block - goal| <= 0.05`` (Meta-World's condition and threshold). A
    block on the table is at least 4 cm above the goal's height and a block
    at the goal is in the hole.

Reward terms:
    - ``reach``: tolerance(|tcp - block|, bound 0.02, margin 0.2).
    - ``grasp``: 1 while the fingers hold the block, else 0.
    - ``in_place``: tolerance(|block - goal|, bound 0.05, margin 0.3).
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
BLOCK_Z = parts.PUCK_HALF
HOLE_XY = (0.0, 0.84)  # the centre of Meta-World's goal box
HOLE_HALF = 0.08
GOAL_Z = hole_parts.WELL_FLOOR_Z + parts.PUCK_HALF  # -0.02, Meta-World's
# The expert carries the block with its bottom this far above the table.
CARRY_CLEARANCE = 0.02
# ... and lowers it into the hole once its centre is this close to the goal (xy).
LOWER_DISTANCE = 0.01


@dataclass(frozen=True)
class HandInsertParams(TaskParams):
    block_pos: tuple[float, float, float] = param((-0.1, 0.6, BLOCK_Z), (0.1, 0.7, BLOCK_Z), "block start")
    goal_pos: tuple[float, float, float] = param((-0.04, 0.8, GOAL_Z), (0.04, 0.88, GOAL_Z),
                                                 "target at the bottom of the hole")

    @classmethod
    def constraint(cls, f):
        return xy_distance(f["block_pos"], f["goal_pos"]) >= 0.15


@register
class HandInsert(Task):
    __doc__ = __doc__
    name = "hand-insert"
    version = 2
    Params = HandInsertParams
    reward_weights = RewardWeights(reach=0.2, grasp=0.1, in_place=0.7)
    workspace = ((-0.5, 0.40, -0.15), (0.5, 1.0, 0.5))

    def build(self, spec):
        hole_parts.add_table_hole(spec, "hole", HOLE_XY, HOLE_HALF)
        parts.add_puck(spec, "block", rgba=(0.75, 0.55, 0.3, 1))

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.block = FreeBody(sim, "block")

    def place(self, sim, ids, params):
        self.block.place(ids, params["block_pos"])

    def goal(self, params):
        return params["goal_pos"].copy()

    def objects(self, sim):
        # xquat's w can exceed 1 by an ulp, outside the observation space's [-1, 1]
        return (self.block.pos(), self.block.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        return object_to_goal(self.gripper, self.block.pos(), goal, parts.PUCK_HALF, SUCCESS_DISTANCE,
                              weights=self.reward_weights)

    @staticmethod
    def expert(obs):
        """Grasp the block, carry it just above the table to over the goal, lower it in and let go."""
        o = obs_lib.parse(obs)
        block, goal = o.obj1_pos, o.goal
        tcp = o.hand + scene.TCP_OFFSET
        n = obs.shape[0]
        carry_z = np.full(n, BLOCK_Z + CARRY_CLEARANCE)
        on_table = (block[:, 2] < carry_z - 0.01) & ~ex.near(block, goal, 0.03, slice(0, 2))
        over = ex.near(block, goal, LOWER_DISTANCE, slice(0, 2))
        destination = np.where(over[:, None], goal, np.c_[goal[:, :2], carry_z])
        # lift off the table before moving sideways, so that the block never drags
        destination = np.where(on_table[:, None], np.c_[tcp[:, :2], carry_z], destination)
        act = ex.grasp_and_carry(o, block, destination)
        # at the bottom of the hole: let go and rise clear of the table
        placed = ex.near(block, goal, 0.01)
        up = ex.action(ex.move_toward(tcp, np.c_[tcp[:, :2], np.full(n, 0.1)]), -1.0)
        return np.where(placed[:, None], up, act)
