"""button-press: push a spring-loaded button on the front of a box in, away from the robot.

Description:
    A box stands on the table facing the robot, a red push button sticking
    out of its front face near the top. The button is on a slide joint along
    y with a spring: it rests out against its stop and springs back when let
    go. Push it in (along +y) until its face reaches the green goal marker.
    Meta-World's ``button-press-v3``.

Randomization:
    - ``box_pos``: x in [-0.1, 0.1], y in [0.85, 0.9], z = 0.115 (Meta-World's
      range; Meta-World jitters z by 0.1 mm). The released button's face is at
      box + (0, -0.19, 0): y in [0.66, 0.71], z = 0.115 (Meta-World: 0.193 in
      front of the box).
    - The goal is the button's face pushed in 0.07 m, box + (0, -0.12, 0),
      derived from the box.

Success:
    ``|button_y - goal_y| <= 0.02`` (Meta-World's threshold): the button is
    pushed in at least 0.05 m. Meta-World's goal lies 0.093 m in; this
    button's stroke ends 0.075 m in (a stop 5 mm past the goal, as
    button-press-topdown), so the goal is 0.07 m in and the share of the
    press that must be made (0.05 of 0.07) stays near Meta-World's (0.073 of
    0.093).

Reward terms:
    - ``reach``: tolerance(|tcp - button face|, bound 0.02, margin 0.3).
    - ``press``: tolerance(|button_y - goal_y|, bound 0.02, margin 0.07).
    Reward = 10 on success, else 9 * (0.3 reach + 0.7 press).

    The box is lower than Meta-World's (0.145 tall, its top 3 cm above the
    button's axis, where Meta-World's box rises 0.12 above it): the gripper
    pushes with its closed fingertips, and its palm, which reaches 0.044
    further forward than the fingers, passes over the box's top. The hand
    starts at (0, 0.4, 0.2), as Meta-World's.

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import register
from manyworld.tasks.families.button import FrontButtonTask, press_in
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.02


@dataclass(frozen=True)
class ButtonPressParams(TaskParams):
    box_pos: tuple[float, float, float] = param((-0.1, 0.85, 0.115), (0.1, 0.9, 0.115), "button box")


@register
class ButtonPress(FrontButtonTask):
    __doc__ = __doc__
    name = "button-press"
    version = 2
    Params = ButtonPressParams
    reward_weights = RewardWeights(reach=0.3, press=0.7)
    success_distance = SUCCESS_DISTANCE

    @staticmethod
    def expert(obs):
        """Close the fingers, line them up in front of the button, push it in."""
        return press_in(obs_lib.parse(obs))
