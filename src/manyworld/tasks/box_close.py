"""box-close: pick up a box's lid by its handle and put it on the box.

Description:
    An open box stands on the table, its lid lying on the table in front of
    it. The lid is a square plate with a bar handle on top. Grasp the handle
    (the fingers close across the bar), lift the lid over the box and put it
    down on the box's walls. Meta-World's ``box-close-v3``.

Randomization:
    - ``lid_pos`` (the middle of the handle bar): x in [-0.05, 0.05], y in
      [0.5, 0.55] (Meta-World's), z = 0.073 (lying on the table).
    - ``box_pos`` (the middle of the box's footprint): x in [-0.1, 0.1], y in
      [0.7, 0.8], z = 0 (Meta-World's goal range). The goal is the handle of
      the closed lid, ``box_pos + (0, 0, 0.133)`` (Meta-World's goal height).
    - Lid and box are at least 0.25 m apart in xy (as Meta-World). Our box
      (0.18 m wide) and lid (0.2 m) are a little smaller than Meta-World's
      (0.2 m and 0.23 m) so that this separation always leaves a gap between
      them; Meta-World's lid can start leaning on the box.

Success:
    ``|lid - goal| < 0.08`` (Meta-World's threshold), where ``lid`` is the
    middle of the handle bar. Meta-World measures the lid body's centre of
    mass; ours is a point on the lid as well, whose height when closed is
    Meta-World's goal height.

Reward terms:
    - ``reach``: tolerance(|tcp - handle|, bound 0.02, margin 0.2).
    - ``grasp``: 1 while the fingers hold the handle, else 0.
    - ``lift``: 1 while the held lid's plate is clear of the box's walls
      (the handle at least the closed height up), decaying with a margin of
      0.1 below that; 0 when not held.
    - ``in_place``: tolerance(|lid - goal|, bound 0.08, margin 0.3).
    - ``upright``: how level the lid is (|z axis . up| mapped to [0, 1],
      1 level, 0 at 45 degrees or more); it multiplies ``in_place`` so that
      flipping the lid onto the box earns little (Meta-World scales its whole
      reward by the lid's orientation for the same reason).
    Reward = 10 on success, else
    9 * (0.15 reach + 0.1 grasp + 0.1 lift + 0.65 in_place * upright).

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
from manyworld.sim import scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task, register
from manyworld.tasks.common import FreeBody, Gripper, zeros_obj
from manyworld.tasks.params import TaskParams, param, xy_distance
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.08
GOAL_OFFSET = np.array([0.0, 0.0, cp.LID_CLOSED_Z])
# The lid counts as lifted (grasp_success) this far above its resting height.
LIFTED = 0.01
# The expert carries the lid this far above the closed height, so that the
# plate clears the walls.
CARRY_CLEARANCE = 0.04
# Within this xy distance of the box the expert lowers the lid.
OVER_BOX = 0.005
# The expert lets go once the lid is over the box and this close to the closed height.
SET_DOWN = 0.003


@dataclass(frozen=True)
class BoxCloseParams(TaskParams):
    lid_pos: tuple[float, float, float] = param((-0.05, 0.5, cp.LID_REST_Z), (0.05, 0.55, cp.LID_REST_Z),
                                                "lid start (middle of the handle)")
    box_pos: tuple[float, float, float] = param((-0.1, 0.7, 0.0), (0.1, 0.8, 0.0), "box (middle of its footprint)")

    @classmethod
    def constraint(cls, f):
        return xy_distance(f["lid_pos"], f["box_pos"]) >= 0.25


@register
class BoxClose(Task):
    __doc__ = __doc__
    name = "box-close"
    version = 2
    Params = BoxCloseParams
    reward_weights = RewardWeights({"reach": 0.15, "grasp": 0.1, "lift": 0.1, "in_place * upright": 0.65})

    def build(self, spec):
        cp.add_box(spec, "box")
        cp.add_lid(spec, "lid")

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.lid = FreeBody(sim, "lid")
        self.box = sim.mocap_id("box")

    def place(self, sim, ids, params):
        sim.mocap_pos[ids, self.box] = params["box_pos"]
        self.lid.place(ids, params["lid_pos"])

    def goal(self, params):
        return params["box_pos"] + GOAL_OFFSET

    def objects(self, sim):
        return (self.lid.pos(), self.lid.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        tcp, lid, quat = self.gripper.tcp(), self.lid.pos(), self.lid.quat()
        to_lid = np.linalg.norm(tcp - lid, axis=1)
        to_goal = np.linalg.norm(lid - goal, axis=1)
        success = to_goal < SUCCESS_DISTANCE
        held = self.gripper.holds(lid, cp.LID_HANDLE_HALF[1])
        below = np.maximum(goal[:, 2] - lid[:, 2], 0.0)
        # z component of the lid's z axis: 1 - 2 (x^2 + y^2) of its quaternion
        up = 1.0 - 2.0 * (quat[:, 1] ** 2 + quat[:, 2] ** 2)
        level = np.clip((up - np.cos(np.pi / 4)) / (1.0 - np.cos(np.pi / 4)), 0.0, 1.0)
        terms = {
            "reach": rewards.tolerance(to_lid, 0.02, 0.2),
            "grasp": held.astype(np.float64),
            "lift": np.where(held, rewards.tolerance(below, 0.0, 0.1), 0.0),
            "in_place": rewards.tolerance(to_goal, SUCCESS_DISTANCE, 0.3),
            "upright": level,
        }
        lifted = lid[:, 2] > cp.LID_REST_Z + LIFTED
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": to_lid <= 0.03, "grasp_success": held & lifted,
                  "obj_to_target": to_goal},
        )

    @staticmethod
    def expert(obs):
        """Grasp the handle, lift the lid over the walls' height, carry it over the box, put it down."""
        o = obs_lib.parse(obs)
        lid, goal = o.obj1_pos, o.goal
        tcp = o.hand + scene.TCP_OFFSET
        carry_z = goal[:, 2:3] + CARRY_CLEARANCE
        over = ex.near(lid, goal, OVER_BOX, slice(0, 2))
        # the TCP moves by what the lid still has to move (the grip gives a little)
        above_box = tcp[:, :2] + goal[:, :2] - lid[:, :2]
        # up first (the plate must clear the walls), then across, then down
        clear = lid[:, 2] > goal[:, 2] + 0.5 * CARRY_CLEARANCE
        destination = np.where(clear[:, None], np.c_[above_box, carry_z], np.c_[tcp[:, :2], carry_z])
        destination = np.where(over[:, None], np.c_[above_box, goal[:, 2:3] - 2 * SET_DOWN], destination)
        act = ex.grasp_and_carry(o, lid, destination)
        # on the box: let go and rise clear of the handle
        placed = ex.near(lid, goal, 2 * OVER_BOX, slice(0, 2)) & (lid[:, 2] < goal[:, 2] + SET_DOWN)
        rise = ex.action(ex.move_toward(tcp, np.c_[tcp[:, :2], carry_z + CARRY_CLEARANCE]), -1.0)
        return np.where(placed[:, None], rise, act)
