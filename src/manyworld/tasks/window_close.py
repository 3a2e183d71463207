"""window-close: slide an open window shut by its handle.

Description:
    The window of ``window-open`` (a sash sliding along x on a rail with
    limits [0, 0.2], damping and dry friction) starts slid fully open, 0.2 m.
    Push the sash's handle bar back to the left, to the green goal marker,
    until the window is shut. Meta-World's ``window-close-v3``.

Randomization:
    - ``window_pos``: x in [-0.1, 0.1], y in [0.75, 0.9], z = 0.16.
      Meta-World fixes x = 0 and puts the window at z = 0.2; here x varies as
      in ``window-open`` (so the task is not solvable by a fixed motion along
      x), and the window stands on the table at the same height as in
      ``window-open`` (the same part; only the handle's x matters for
      success). The open window's handle is at window + (0.185, -0.106, 0).
    - The goal is the handle slid shut: window + (-0.015, -0.106, 0).
    - The reset observation shows the window as it is (Meta-World's
      window-close reports a stale handle position, 0.2 m off, at reset).

Success:
    ``|handle_x - goal_x| <= 0.05`` (Meta-World's threshold): the window is
    open 0.05 m at most.

Reward terms:
    - ``reach``: tolerance(|tcp - handle|, bound 0.03, margin 0.3).
    - ``slide``: tolerance(|handle_x - goal_x|, bound 0.05, margin 0.2).
    Reward = 10 on success, else 9 * (0.3 reach + 0.7 slide).

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

from manyworld.sim import door_window_parts as dw
from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import register
from manyworld.tasks.families.window import WindowTask, push_sideways
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights


@dataclass(frozen=True)
class WindowCloseParams(TaskParams):
    window_pos: tuple[float, float, float] = param((-0.1, 0.75, 0.16), (0.1, 0.9, 0.16), "window frame")


@register
class WindowClose(WindowTask):
    __doc__ = __doc__
    name = "window-close"
    version = 2
    Params = WindowCloseParams
    reward_weights = RewardWeights(reach=0.3, slide=0.7)
    start_opening = dw.WINDOW_TRAVEL
    goal_opening = 0.0

    @staticmethod
    def expert(obs):
        """Close the fingers, come in right of the handle and push it left to the goal."""
        return push_sideways(obs_lib.parse(obs), -1.0)
