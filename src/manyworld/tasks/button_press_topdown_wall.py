"""button-press-topdown-wall: press a spring-loaded button down from above, past a wall in front of it.

Description:
    A box stands on the table with a red push button on its top
    (button-press-topdown's box), and a low wall stands on the table between
    the robot and the box. The button is on a slide joint along z with a
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
    - The wall is fixed, as Meta-World's: x in [0, 0.2], y in [0.69, 0.71],
      0.15 tall, 3-13 cm in front of the housing. The hand starts below its
      top (the closed fingertips 0.135 above the table), so a hand that
      moves straight towards the box runs into it whenever the box is at
      x > -0.011.

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
# Meta-World's wall of the button-press-topdown-wall task: centre and half sizes.
WALL_POS = (0.1, 0.7, 0.075)
WALL_HALF = (0.1, 0.01, 0.075)
WALL_TOP = WALL_POS[2] + WALL_HALF[2]
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
    version = 2
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
        rise = np.c_[tcp[:, :2], hover[:, 2:3]]
        # fingertips 3 mm under the goal, 2 mm above the stop (see button-press-topdown)
        press = np.c_[top[:, :2], o.goal[:, 2:3] + FINGERTIP_BELOW_TCP - 0.003]
        target = np.where((tcp[:, 2] < CLEAR_Z)[:, None], rise, hover)
        target = np.where(over[:, None], press, target)
        return ex.action(ex.move_toward(tcp, target), 1.0)
