"""soccer: get a ball into a soccer goal.

Description:
    A ball (6 cm across) lies on the table in front of the gripper. A small
    soccer goal, its mouth towards the robot, stands further away. Get the
    ball into the goal, to the goal point on the table inside it (the green
    marker), by pushing, kicking or dribbling it. Meta-World's ``soccer-v3``.

Randomization:
    - ``ball_pos``: x in [-0.1, 0.1], y in [0.6, 0.7], z = 0.03 (resting on
      the table).
    - ``goal_pos`` (the goal point, on the table; the goal frame stands
      around it): x in [-0.1, 0.1], y in [0.8, 0.9], z = 0.
    - Ball and goal are at least 0.15 m apart in xy (as Meta-World).

Success:
    ``|ball - goal| <= 0.07`` (Meta-World's threshold). The goal point is on
    the table and the resting ball's centre 0.03 above it, so the ball has
    to be within 6.3 cm of it in the table plane: past the goal's mouth
    (5 cm in front of the goal point) and between the posts. The back net,
    7 cm behind the goal point, stops a ball pushed in.

Reward terms:
    - ``reach``: tolerance(|tcp - ball|, bound 0.02, margin 0.2).
    - ``grasp``: 1 while the fingers hold the ball, else 0.
    - ``in_place``: tolerance(|ball - goal|, bound 0.07, margin 0.3).
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

from manyworld.sim import ball_parts
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task, register
from manyworld.tasks.common import FreeBody, Gripper, zeros_obj
from manyworld.tasks.families.ball import carry_ball
from manyworld.tasks.params import TaskParams, param, xy_distance
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.07
BALL_Z = ball_parts.BALL_RADIUS

# Expert: the ball is carried a few millimetres above the table, lined up
# with the goal in front of its mouth (LANE_START in front of the goal point)
# and then carried straight in; it reaches the lane by first moving back
# (-y) to it, then sideways, so that the fingers never meet a post.
CARRY_Z = BALL_Z + 0.005
LANE_START = 0.17
IN_LANE = 0.02  # |ball x - goal x| below this: carry it straight in


@dataclass(frozen=True)
class SoccerParams(TaskParams):
    ball_pos: tuple[float, float, float] = param((-0.1, 0.6, BALL_Z), (0.1, 0.7, BALL_Z), "ball start")
    goal_pos: tuple[float, float, float] = param((-0.1, 0.8, 0.0), (0.1, 0.9, 0.0),
                                                 "goal point inside the goal, on the table")

    @classmethod
    def constraint(cls, f):
        return xy_distance(f["ball_pos"], f["goal_pos"]) >= 0.15


@register
class Soccer(Task):
    __doc__ = __doc__
    name = "soccer"
    version = 2
    Params = SoccerParams
    reward_weights = RewardWeights(reach=0.2, grasp=0.1, in_place=0.7)

    def build(self, spec):
        ball_parts.add_ball(spec, "ball")
        ball_parts.add_soccer_goal(spec, "soccer_goal")

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.ball = FreeBody(sim, "ball")
        self.soccer_goal = sim.mocap_id("soccer_goal")

    def place(self, sim, ids, params):
        self.ball.place(ids, params["ball_pos"])
        sim.mocap_pos[ids, self.soccer_goal] = params["goal_pos"]

    def goal(self, params):
        return params["goal_pos"].copy()

    def objects(self, sim):
        return (self.ball.pos(), self.ball.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        tcp, ball = self.gripper.tcp(), self.ball.pos()
        to_ball = np.linalg.norm(tcp - ball, axis=1)
        to_goal = np.linalg.norm(ball - goal, axis=1)
        success = to_goal <= SUCCESS_DISTANCE
        held = self.gripper.holds(ball, ball_parts.BALL_RADIUS)
        terms = {
            "reach": rewards.tolerance(to_ball, 0.02, 0.2),
            "grasp": held.astype(np.float64),
            "in_place": rewards.tolerance(to_goal, SUCCESS_DISTANCE, 0.3),
        }
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": to_ball <= 0.03, "grasp_success": held, "obj_to_target": to_goal},
        )

    @staticmethod
    def expert(obs):
        """Grasp the ball, line it up in front of the goal's mouth and dribble it straight in."""
        o = obs_lib.parse(obs)
        ball, goal = o.obj1_pos, o.goal
        n = obs.shape[0]
        carry = np.full(n, CARRY_Z)
        lane_y = goal[:, 1] - LANE_START
        in_lane = np.abs(ball[:, 0] - goal[:, 0]) < IN_LANE
        # back to the lane's start first, sideways only once there
        back = ball[:, 1] > lane_y + 0.02
        to_lane = np.c_[np.where(back, ball[:, 0], goal[:, 0]), lane_y, carry]
        destination = np.where(in_lane[:, None], np.c_[goal[:, :2], carry], to_lane)
        return carry_ball(o, ball, destination)

