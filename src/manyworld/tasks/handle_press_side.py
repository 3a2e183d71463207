"""handle-press-side: press down a handle that sticks out of a box's side.

Description:
    A box stands on the table left of the gripper, turned so that its
    T-shaped handle (an arm reaching 0.215 m out of a slot, with a round
    crossbar at its end) points to the right (+x). The handle rides on a
    vertical slide joint with limits, damping and dry friction: it moves while
    pushed and stays where it is left. It starts at the top (its crossbar
    0.175 above the table). Press it down, until the crossbar is near the
    green goal marker 0.075 above the table. Meta-World's
    ``handle-press-side-v3``.

Randomization:
    - ``box_pos``: x in [-0.35, -0.25], y in [0.65, 0.75], z = 0 (Meta-World's
      range; Meta-World also jitters z by 1 mm). The crossbar's middle is at
      box + (0.215, 0, 0.175) at the start.
    - The goal is the crossbar pressed down: box + (0.215, 0, 0) at
      z = 0.075 (Meta-World's press target). The handle's travel ends at
      z = 0.065.

Success:
    ``|handle_z - goal_z| <= 0.02`` (Meta-World's condition and threshold):
    the handle is pressed down at least 0.08 of its 0.11 travel.

Reward terms:
    - ``reach``: tolerance(|tcp - handle|, bound 0.04, margin 0.3).
    - ``press``: tolerance(|handle_z - goal_z|, bound 0.02, margin 0.1).
    Reward = 10 on success, else 9 * (0.3 reach + 0.7 press).

    The hand starts at (0, 0.4, 0.2), 0.2 nearer the robot than Meta-World's
    (0, 0.6, 0.2): there the hand hovers 3 mm beside and above the raised
    handle's crossbar, and a random policy would solve about 7% of the
    episodes.

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import register
from manyworld.tasks.families.handle import PRESS_Z, TOP, HandlePressTask, press_down
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights


@dataclass(frozen=True)
class HandlePressSideParams(TaskParams):
    box_pos: tuple[float, float, float] = param((-0.35, 0.65, 0.0), (-0.25, 0.75, 0.0), "handle box on the table")


@register
class HandlePressSide(HandlePressTask):
    __doc__ = __doc__
    name = "handle-press-side"
    version = 2
    Params = HandlePressSideParams
    reward_weights = RewardWeights(reach=0.3, press=0.7)
    yaw = np.pi / 2
    start_height = TOP
    goal_z = PRESS_Z

    @staticmethod
    def expert(obs):
        """Close the fingers, rise above the crossbar, come over its middle and press it down."""
        return press_down(obs_lib.parse(obs))
