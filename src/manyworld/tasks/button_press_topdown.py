"""button-press-topdown: press a spring-loaded button down from above.

Description:
    A box stands on the table with a red push button on its top. The button
    is on a slide joint along z with a spring: it rests up against its stop
    and springs back when let go. Press it down until its top reaches the
    green goal marker. Meta-World's ``button-press-topdown-v3``.

Randomization:
    - ``box_pos``: x in [-0.1, 0.1], y in [0.8, 0.9], z = 0.115 (Meta-World's
      range): the centre of the 0.23 m tall housing, which stands on the table.
      The released button's top is at box + (0, 0, 0.195), z = 0.31
      (Meta-World: 0.308).
    - The goal is the button's top pressed in 0.07 m, z = 0.24, derived from
      the box.

Success:
    ``|button_z - goal_z| <= 0.024`` (Meta-World's threshold): the button is
    pressed in at least 0.046 m. Meta-World presses 0.093 m to its goal; this
    button's stroke ends at 0.075 m (a stop 5 mm below the goal), so the goal
    is 0.07 m in, and the share of the press that must be made (0.046 of 0.07)
    stays close to Meta-World's (0.069 of 0.093).

Reward terms:
    - ``reach``: tolerance(|tcp - button top|, bound 0.02, margin 0.3).
    - ``press``: tolerance(|button_z - goal_z|, bound 0.024, margin 0.07).
    Reward = 10 on success, else 9 * (0.3 reach + 0.7 press).

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import register
from manyworld.tasks.families.button import FINGERTIP_BELOW_TCP, TopdownButtonTask
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.024


@dataclass(frozen=True)
class ButtonPressTopdownParams(TaskParams):
    box_pos: tuple[float, float, float] = param((-0.1, 0.8, 0.115), (0.1, 0.9, 0.115), "button box (housing centre)")


@register
class ButtonPressTopdown(TopdownButtonTask):
    __doc__ = __doc__
    name = "button-press-topdown"
    version = 2
    Params = ButtonPressTopdownParams
    reward_weights = RewardWeights(reach=0.3, press=0.7)
    success_distance = SUCCESS_DISTANCE

    @staticmethod
    def expert(obs):
        """Close the fingers, rise above the button, centre over it, press it down past the goal."""
        o = obs_lib.parse(obs)
        tcp = o.hand + scene.TCP_OFFSET
        top = o.obj1_pos
        over = ex.near(tcp, top, 0.01, slice(0, 2))
        hover = np.c_[top[:, :2], top[:, 2:3] + 0.05]
        # fingertips 3 mm under the goal, 2 mm above the stop: the hand target integrates
        # the action, so aiming past the stop would drive the button into it ever harder
        press = np.c_[top[:, :2], o.goal[:, 2:3] + FINGERTIP_BELOW_TCP - 0.003]
        target = np.where(over[:, None], press, hover)
        return ex.action(ex.move_toward(tcp, target), 1.0)
