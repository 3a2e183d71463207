"""button-press-topdown-wall: press a spring-loaded button down from above, past a wall in front of it.

Description:
    A box stands on the table with a red push button on its top
    (button-press-topdown's box), and a wall taller than the box stands on
    the table between the robot and the box. The button is on a slide joint along z with a
    spring: it rests up against its stop and springs back when let go. Rise
    over the wall, and press the button down until its top reaches the green
    goal marker. Meta-World's ``button-press-topdown-wall-v3``.

Randomization:
    - ``box_pos``: x in [-0.1, 0.1], y in [0.8, 0.9], z = 0.115 (Meta-World's
      range): the centre of the 0.23 m tall housing, which stands on the
      table. The released button's top is at box + (0, 0, 0.195), z = 0.31
      (Meta-World: 0.308).
    - The goal is the button's top pressed in 0.07 m, z = 0.24, derived from
      the box.
    - The wall is fixed: x in [-0.16, 0.16], y in [0.69, 0.71], 0.38 tall,
      3-13 cm in front of the housing and 7 cm above the released button.
      Meta-World's (x in [0, 0.2], 0.15 tall) is lower than the button, so
      any approach from above clears it and the plain button-press-topdown
      expert solves every variation; this one blocks the hand that heads for
      the button (it never rises higher than just above it): that expert
      solves none (the gate checks <= 0.5), and the task needs rising over
      the wall first.

Success:
    ``|button_z - goal_z| <= 0.024`` (Meta-World's threshold): the button is
    pressed in at least 0.046 m (see button-press-topdown for the stroke).

Reward terms:
    - ``reach``: tolerance(|tcp - button top|, bound 0.02, margin 0.3).
    - ``press``: tolerance(|button_z - goal_z|, bound 0.024, margin 0.07).
    Reward = 10 on success, else 9 * (0.3 reach + 0.7 press).

    The hand starts at (0, 0.4, 0.2), as Meta-World's.

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
    - v3: a wall that matters: 0.38 tall and as wide as the boxes' range (see
      Randomization); the expert stays above it until the hand is past it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import plate_parts, scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import register
from manyworld.tasks.families.button import FINGERTIP_BELOW_TCP, TopdownButtonTask
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.024
WALL = "wall"
# The wall (v3): centre and half sizes; taller than the released button (0.31) and its
# hover height, and covering every box position with a hand's width to spare.
WALL_POS = (0.0, 0.7, 0.19)
WALL_HALF = (0.16, 0.01, 0.19)
WALL_TOP = WALL_POS[2] + WALL_HALF[2]
WALL_NEAR_Y = WALL_POS[1] - WALL_HALF[1]
WALL_FAR_Y = WALL_POS[1] + WALL_HALF[1]
# The palm reaches this far along y from the TCP (its half length, 0.058, and a margin).
PALM_REACH_Y = 0.07
# Below this TCP height the expert rises before it moves on: the closed
# fingertips (1 cm below the TCP) then clear the wall's top by 2 cm.
CLEAR_Z = WALL_TOP + FINGERTIP_BELOW_TCP + 0.02


@dataclass(frozen=True)
class ButtonPressTopdownWallParams(TaskParams):
    box_pos: tuple[float, float, float] = param((-0.1, 0.8, 0.115), (0.1, 0.9, 0.115), "button box (housing centre)")


@register
class ButtonPressTopdownWall(TopdownButtonTask):
    __doc__ = __doc__
    name = "button-press-topdown-wall"
    version = 3
    easier_sibling = "button-press-topdown"
    Params = ButtonPressTopdownWallParams
    reward_weights = RewardWeights(reach=0.3, press=0.7)
    success_distance = SUCCESS_DISTANCE

    def build(self, spec):
        super().build(spec)
        plate_parts.add_wall(spec, WALL, pos=WALL_POS, half=WALL_HALF)

    @staticmethod
    def expert(obs):
        """Close the fingers, rise clear of the wall, centre over the button, press it down past the goal."""
        o = obs_lib.parse(obs)
        tcp = o.hand + scene.TCP_OFFSET
        top = o.obj1_pos
        over = ex.near(tcp, top, 0.01, slice(0, 2))
        hover = np.c_[top[:, :2], top[:, 2:3] + 0.05]
        # until the whole hand is past the wall, stay above it: rise in place (no closer to
        # the wall than the palm's reach), then cross at that height
        past = tcp[:, 1] > WALL_FAR_Y + PALM_REACH_Y
        low = tcp[:, 2] < CLEAR_Z - 0.005
        rise = np.c_[tcp[:, 0], np.minimum(tcp[:, 1], WALL_NEAR_Y - PALM_REACH_Y), np.full(len(tcp), CLEAR_Z + 0.01)]
        cross = np.c_[top[:, :2], np.maximum(hover[:, 2], CLEAR_Z + 0.01)]
        # fingertips 3 mm under the goal, 2 mm above the stop (see button-press-topdown)
        press = np.c_[top[:, :2], o.goal[:, 2:3] + FINGERTIP_BELOW_TCP - 0.003]
        target = np.where(past[:, None], hover, np.where(low[:, None], rise, cross))
        target = np.where((over & past)[:, None], press, target)
        return ex.action(ex.move_toward(tcp, target), 1.0)
