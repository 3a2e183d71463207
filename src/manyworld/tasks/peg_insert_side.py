"""peg-insert-side: pick up a peg and insert it sideways into a hole in a box.

Description:
    A square peg (24 x 3 x 3 cm, yellow head towards -x) lies on the table
    along x. A box to the left has a square hole (4.8 cm wide) in its side,
    opening towards the peg. Grasp the peg (the fingers close across it along
    y), lift it, line its head up with the hole at the hole's height and push
    it in along -x. Meta-World's ``peg-insert-side-v3``.

Randomization:
    - ``peg_pos`` (the peg's centre): x in [0, 0.2], y in [0.5, 0.7],
      z = 0.015 (lying on the table).
    - ``box_pos`` (the box's reference point on the table): x in
      [-0.35, -0.25], y in [0.4, 0.7], z = 0. The goal is the hole target,
      ``box_pos + (0.03, 0, 0.13)``, 8 cm inside the hole's opening.
    - Peg and goal are at least 0.1 m apart in xy (as Meta-World; the
      ranges already keep them further apart).

Success:
    ``|(peg_head - goal) * (1, 2, 2)| <= 0.07`` (Meta-World's condition and
    threshold). The target lies 8 cm inside the opening, so success needs the
    head at least 1 cm inside the hole.

Reward terms:
    - ``reach``: tolerance(|tcp - peg centre|, bound 0.02, margin 0.2).
    - ``grasp``: 1 while the fingers hold the peg, else 0.
    - ``in_place``: tolerance(|(peg_head - goal) * (1, 2, 2)|, bound 0.07,
      margin 0.5).
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

from manyworld.sim import parts, peg_parts, scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task, register
from manyworld.tasks.common import FreeBody, Gripper, zeros_obj
from manyworld.tasks.params import TaskParams, param, xy_distance
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.07
SUCCESS_SCALE = np.array([1.0, 2.0, 2.0])
# The peg counts as lifted (grasp_success) this far above its resting height.
LIFTED = 0.01
PEG_REST_Z = peg_parts.PEG_HALF_WIDTH


@dataclass(frozen=True)
class PegInsertSideParams(TaskParams):
    peg_pos: tuple[float, float, float] = param((0.0, 0.5, PEG_REST_Z), (0.2, 0.7, PEG_REST_Z),
                                                "peg centre")
    box_pos: tuple[float, float, float] = param((-0.35, 0.4, 0.0), (-0.25, 0.7, 0.0),
                                                "box with the hole")

    @classmethod
    def constraint(cls, f):
        return xy_distance(f["peg_pos"], f["box_pos"] + peg_parts.HOLE_TARGET) >= 0.1


@register
class PegInsertSide(Task):
    __doc__ = __doc__
    name = "peg-insert-side"
    version = 2
    Params = PegInsertSideParams
    reward_weights = RewardWeights(reach=0.2, grasp=0.1, in_place=0.7)

    def build(self, spec):
        peg_parts.add_peg(spec, "peg")
        peg_parts.add_hole_box(spec, "box")

    def bind(self, sim):
        self.sim = sim
        self.gripper = Gripper(sim)
        self.peg = FreeBody(sim, "peg")
        self.peg_head = sim.site_id("peg_head")
        self.box = sim.mocap_id("box")

    def place(self, sim, ids, params):
        self.peg.place(ids, params["peg_pos"])
        sim.mocap_pos[ids, self.box] = params["box_pos"]

    def goal(self, params):
        return params["box_pos"] + peg_parts.HOLE_TARGET

    def objects(self, sim):
        return (self.peg.pos(), self.peg.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        tcp, peg = self.gripper.tcp(), self.peg.pos()
        head = sim.site_xpos[:, self.peg_head]
        to_peg = np.linalg.norm(tcp - peg, axis=1)
        to_goal = np.linalg.norm((head - goal) * SUCCESS_SCALE, axis=1)
        success = to_goal <= SUCCESS_DISTANCE
        held = self.gripper.holds(peg, peg_parts.PEG_HALF_WIDTH)
        terms = {
            "reach": rewards.tolerance(to_peg, 0.02, 0.2),
            "grasp": held.astype(np.float64),
            "in_place": rewards.tolerance(to_goal, SUCCESS_DISTANCE, 0.5),
        }
        lifted = peg[:, 2] > PEG_REST_Z + LIFTED
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": to_peg <= 0.03, "grasp_success": held & lifted,
                  "obj_to_target": to_goal},
        )

    @staticmethod
    def expert(obs):
        """Grasp the peg at its centre, bring its head in front of the hole, push it in along -x."""
        o = obs_lib.parse(obs)
        peg, hole = o.obj1_pos, o.goal
        tcp = o.hand + scene.TCP_OFFSET
        head = peg - peg_parts.PEG_HALF_LENGTH * parts.quat_x_axis(o.obj1_quat)
        front = hole[:, 0] + peg_parts.HOLE_DEPTH
        # in front of the opening, on the hole's axis
        pre = np.c_[front + 0.02, hole[:, 1:]]
        yz_err = np.linalg.norm(head[:, 1:] - hole[:, 1:], axis=1)
        lined_up = (yz_err < 0.006) & (head[:, 0] < pre[:, 0] + 0.01)
        inside = (yz_err < 0.012) & (head[:, 0] < front + 0.005)
        head_target = np.where((lined_up | inside)[:, None], hole, pre)
        # the TCP moves by what the head still has to move
        destination = tcp + (head_target - head)
        return ex.grasp_and_carry(o, peg, destination)
