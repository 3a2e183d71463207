"""stick-push: pick up a stick and push a container to a goal with it.

Description:
    A stick (a 24 cm square bar, yellow tip towards +x) lies on the table
    along x. To its right stands a thermos-like container on two slide joints
    (it slides on the table along x and y, with damping and dry friction, and
    stays where it is left). Grasp the stick, lift it and push the container
    with the stick's tip to the green goal marker further right. The stick
    must still be held up when the container arrives. Meta-World's
    ``stick-push-v3``. The observation's second object slot holds the
    container's centre (0.132 above the table) and orientation.

    Meta-World's stick collider is a 10 cm block of 20 g, which its expert
    holds next to the container, pushing partly with the fingers; ours is a
    24 cm bar of 0.1 kg that reaches 12 cm ahead of the fingers, so the stick
    alone pushes. The container slides on the same x/y joints as
    Meta-World's, with more damping (3 N s/m) and 1 N of dry friction, so that
    it stops within a few centimetres once the push ends.

Randomization:
    - ``stick_pos`` (the stick's centre): x in [-0.08, -0.03], y in
      [0.58, 0.62], z = 0.012 (lying on the table), Meta-World's range.
    - ``goal_pos``: x in [0.399, 0.401], y in [0.55, 0.6], z = 0.132,
      Meta-World's range. The container starts at (0.2, 0.6, 0.132), as
      Meta-World's.
    - Stick and goal are at least 0.1 apart in xy (as Meta-World; the ranges
      already keep them further apart).

Success:
    ``|container - goal| <= 0.12`` while the fingers hold the stick at least
    1 cm above its resting height (Meta-World's condition and threshold).

Reward terms:
    - ``reach``: tolerance(|tcp - stick centre|, bound 0.02, margin 0.2).
    - ``grasp``: 1 while the fingers hold the stick lifted, else 0.
    - ``aim``: tolerance(|stick tip - container's -x face|, bound 0.02,
      margin 0.3) while the stick is held lifted, else 0.
    - ``in_place``: tolerance(|container - goal|, bound 0.12, margin 0.3)
      while the stick is held lifted, else 0.
    Reward = 10 on success, else
    9 * (0.15 reach + 0.1 grasp + 0.15 aim + 0.6 in_place).

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import tool_parts as tp
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, register
from manyworld.tasks.families.stick import StickTask, carry_stick, stick_tip
from manyworld.tasks.params import TaskParams, param, xy_distance
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.12
CONTAINER_POS = (0.2, 0.6, 0.0)
# Height of the stick (and tip) while the expert pushes the container.
PUSH_Z = 0.07


@dataclass(frozen=True)
class StickPushParams(TaskParams):
    stick_pos: tuple[float, float, float] = param((-0.08, 0.58, tp.STICK_REST_Z), (-0.03, 0.62, tp.STICK_REST_Z),
                                                  "stick centre, lying on the table")
    goal_pos: tuple[float, float, float] = param((0.399, 0.55, 0.132), (0.401, 0.6, 0.132),
                                                 "where to push the container's centre")

    @classmethod
    def constraint(cls, f):
        return xy_distance(f["stick_pos"], f["goal_pos"]) >= 0.1


@register
class StickPush(StickTask):
    __doc__ = __doc__
    name = "stick-push"
    version = 2
    Params = StickPushParams
    reward_weights = RewardWeights(reach=0.15, grasp=0.1, aim=0.15, in_place=0.6)
    container_pos = CONTAINER_POS

    def objects(self, sim):
        return self.stick.pos(), self.stick.quat(), self.container.centre(), self.container.quat()

    def evaluate(self, sim, goal):
        tcp, stick, container = self.gripper.tcp(), self.stick.pos(), self.container.centre()
        tip = sim.site_xpos[:, self.tip]
        to_stick = np.linalg.norm(tcp - stick, axis=1)
        to_goal = np.linalg.norm(container - goal, axis=1)
        _, lifted = self.held_lifted()
        success = (to_goal <= SUCCESS_DISTANCE) & lifted
        face = container - np.array([tp.CONTAINER_HALF[0], 0.0, 0.0])
        tip_to_face = np.linalg.norm((tip - face) * np.array([1.0, 1.0, 0.0]), axis=1)
        terms = {
            "reach": rewards.tolerance(to_stick, 0.02, 0.2),
            "grasp": lifted.astype(np.float64),
            "aim": np.where(lifted, rewards.tolerance(tip_to_face, 0.02, 0.3), 0.0),
            "in_place": np.where(lifted, rewards.tolerance(to_goal, SUCCESS_DISTANCE, 0.3), 0.0),
        }
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": to_stick <= 0.03, "grasp_success": lifted, "obj_to_target": to_goal},
        )

    @staticmethod
    def expert(obs):
        """Grasp the stick, lift it, line its tip up behind the container, push the container to the goal's x."""
        o = obs_lib.parse(obs)
        container, goal = o.obj2_pos, o.goal
        tip = stick_tip(o)
        face_x = container[:, 0] - tp.CONTAINER_HALF[0]
        ready = np.c_[face_x - 0.03, container[:, 1], np.full(len(obs), PUSH_Z)]
        yz_err = np.linalg.norm((tip - ready)[:, 1:], axis=1)
        lined_up = (yz_err < 0.015) & (tip[:, 0] < face_x + 0.01)
        # the tip on the face puts the container's centre half its width ahead; the push
        # moves it along x only (the goal's y is within 5 cm of the container's, well
        # inside the success radius)
        push = np.c_[goal[:, 0] - tp.CONTAINER_HALF[0], container[:, 1], np.full(len(obs), PUSH_Z)]
        return carry_stick(o, np.where(lined_up[:, None], push, ready), PUSH_Z)
