"""basketball: pick a ball up and put it through a basketball hoop.

Description:
    A ball (6 cm across) lies on the table in front of the gripper. Further
    away stands a basketball hoop: a pole with a backboard and an orange ring
    25 cm above the table, in front of the board. Grasp the ball, lift it
    over the ring and lower it into it (the green marker is the ring's
    centre). Meta-World's ``basketball-v3``.

Randomization:
    - ``ball_pos``: x in [-0.1, 0.1], y in [0.6, 0.7], z = 0.03 (resting on
      the table).
    - ``hoop_pos`` (the hoop's base on the table, under the backboard):
      x in [-0.1, 0.1], y in [0.85, 0.9], z = 0. The goal is the ring's
      centre, ``hoop_pos + (0, -0.083, 0.25)`` (Meta-World's offset).
    - Ball and hoop base are at least 0.15 m apart in xy (Meta-World's
      check; the ranges already keep them that far apart).

Success:
    ``|(ball - goal) * (1, 1, 2)| <= 0.08`` (Meta-World's condition and
    threshold): the ball's centre within 8 cm of the ring's centre, heights
    counting double; straight over the ring, within 4 cm of its plane.

Reward terms:
    - ``reach``: tolerance(|tcp - ball|, bound 0.02, margin 0.2).
    - ``grasp``: 1 while the fingers hold the ball, else 0.
    - ``lift``: tolerance(ring height - ball height, bound 0.01, margin 0.2)
      while the ball is held, else 0.
    - ``in_place``: tolerance(|(ball - goal) * (1, 1, 2)|, bound 0.08,
      margin 0.4).
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

from manyworld.sim import ball_parts
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task, register
from manyworld.tasks.common import FreeBody, Gripper, zeros_obj
from manyworld.tasks.families.ball import carry_ball
from manyworld.tasks.params import TaskParams, param, xy_distance
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.08
SUCCESS_SCALE = np.array([1.0, 1.0, 2.0])
BALL_Z = ball_parts.BALL_RADIUS
# The ball counts as lifted (grasp_success) this far above its resting height.
LIFTED = 0.01

# Expert: the held ball is lifted OVER_RING above the ring, clear of it, with
# the ball first pulled back (-y) to at least RETREAT in front of the ring's
# centre (a ball lying under the ring's front edge must not rise into it),
# then carried over the ring and lowered into it.
OVER_RING = 0.08
RETREAT = 0.14
HIGH = 0.05  # the ball is above the ring (clear of it) from this high over its plane
OVER = 0.012  # xy distance below which the ball is over the ring's centre


@dataclass(frozen=True)
class BasketballParams(TaskParams):
    ball_pos: tuple[float, float, float] = param((-0.1, 0.6, BALL_Z), (0.1, 0.7, BALL_Z), "ball start")
    hoop_pos: tuple[float, float, float] = param((-0.1, 0.85, 0.0), (0.1, 0.9, 0.0),
                                                 "hoop base on the table")

    @classmethod
    def constraint(cls, f):
        return xy_distance(f["ball_pos"], f["hoop_pos"]) >= 0.15


@register
class Basketball(Task):
    __doc__ = __doc__
    name = "basketball"
    version = 2
    Params = BasketballParams
    reward_weights = RewardWeights(reach=0.15, grasp=0.1, lift=0.1, in_place=0.65)

    def build(self, spec):
        ball_parts.add_ball(spec, "ball", rgba=(0.9, 0.45, 0.12, 1))
        ball_parts.add_hoop(spec, "hoop")

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.ball = FreeBody(sim, "ball")
        self.hoop = sim.mocap_id("hoop")

    def place(self, sim, ids, params):
        self.ball.place(ids, params["ball_pos"])
        sim.mocap_pos[ids, self.hoop] = params["hoop_pos"]

    def goal(self, params):
        return params["hoop_pos"] + ball_parts.HOOP_GOAL

    def objects(self, sim):
        return (self.ball.pos(), self.ball.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        tcp, ball = self.gripper.tcp(), self.ball.pos()
        to_ball = np.linalg.norm(tcp - ball, axis=1)
        to_goal = np.linalg.norm((ball - goal) * SUCCESS_SCALE, axis=1)
        success = to_goal <= SUCCESS_DISTANCE
        held = self.gripper.holds(ball, ball_parts.BALL_RADIUS)
        below_ring = np.maximum(goal[:, 2] - ball[:, 2], 0.0)
        terms = {
            "reach": rewards.tolerance(to_ball, 0.02, 0.2),
            "grasp": held.astype(np.float64),
            "lift": np.where(held, rewards.tolerance(below_ring, 0.01, 0.2), 0.0),
            "in_place": rewards.tolerance(to_goal, SUCCESS_DISTANCE, 0.4),
        }
        lifted = ball[:, 2] > BALL_Z + LIFTED
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": to_ball <= 0.03, "grasp_success": held & lifted,
                  "obj_to_target": to_goal},
        )

    @staticmethod
    def expert(obs):
        """Grasp the ball, lift it clear of the ring, carry it over the ring and lower it in."""
        o = obs_lib.parse(obs)
        ball, goal = o.obj1_pos, o.goal
        clear_z = goal[:, 2] + OVER_RING
        over = np.linalg.norm(ball[:, :2] - goal[:, :2], axis=1) < OVER
        high = ball[:, 2] > goal[:, 2] + HIGH
        # low: lift, pulled back in front of the ring; high: over the ring; over it: down into it
        lift = np.c_[ball[:, 0], np.minimum(ball[:, 1], goal[:, 1] - RETREAT), clear_z]
        destination = np.where(high[:, None], np.c_[goal[:, :2], clear_z], lift)
        into = over & (ball[:, 2] > goal[:, 2] - 0.03)
        destination = np.where(into[:, None], goal, destination)
        return carry_ball(o, ball, destination)
