"""door-lock: turn a door's lock down to locked.

Description:
    A cabinet stands on the table with its door shut (the door of
    ``door-open``). On the door's front face, above the handle, is a rotary
    cam lock: a flat lever on a hub, turning about the door's normal (a hinge
    with limits [0, 90] degrees, damping and dry friction: it turns while
    pushed, stops at either end and stays where it is left). It starts
    unlocked, the lever pointing right (+x). Push the lever down a quarter
    turn, so that its lock point comes down to the green goal marker's
    height. The lock works: turned down, its cam stands behind a keeper in
    the cabinet and the door cannot be opened. Meta-World's ``door-lock-v3``.

Randomization:
    - ``door_pos``: x in [-0.1, 0.1], y in [0.8, 0.85], z = 0.15 (Meta-World's
      range). The lock's axis is at door + (-0.01, -0.165, 0.07). The lock
      point is on the lever's upper face, 0.09 along it from the axis (as
      Meta-World's ``lockStartLock``); it starts at door + (0.08, -0.165,
      0.08) (Meta-World's: door + (0.09, -0.158, 0.07)).
    - The goal is the lock point turned down: door + (0, -0.165, -0.02),
      0.1 below its start (as in Meta-World).
    - The hand starts at (0, 0.45, 0.1), not Meta-World's (0, 0.6, 0.2): our
      hand's palm is 0.116 m wide along y and would touch the lever there, and
      a random policy started near the lever's height turns it by chance (5 to
      8 % of episodes from (0, 0.55 to 0.6, 0.2)); from below and before the
      lock, 0.2 m from it, it does not (0 of 600 episodes). Meta-World lowers
      the workspace to z >= -0.15 for this task; ours keeps the default
      (nothing is below the lock).
    - The lever and its hub are frictionless and the lock needs 0.3 N m to
      turn (see :mod:`manyworld.sim.door_window_parts`): the hand presses
      with up to hundreds of newtons, and sliding along the lever's side must
      not drag it round.

Success:
    ``|lock_z - goal_z| <= 0.02`` (Meta-World's threshold and lock point): the
    lever is turned down at least 68 degrees.

Reward terms:
    - ``reach``: tolerance(|tcp - lock|, bound 0.03, margin 0.3).
    - ``turn``: tolerance(|lock_z - goal_z|, bound 0.02, margin 0.1).
    Reward = 10 on success, else 9 * (0.3 reach + 0.7 turn).

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import door_window_parts as dw
from manyworld.sim import scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import register
from manyworld.tasks.families.door import FRONT, LOCKED, DoorLockTask
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights

# Expert: over the lock the hand travels CLEAR_Z above the axis (the fingers pass over the lever and
# the hub).
CLEAR_Z = 0.1
# door-lock expert: the closed fingers press the lever down PRESS_X right of the axis, their tips to
# PRESS_DEPTH below it (which turns the lever about 77 degrees); done (it rises) once it is turned LOCK_DONE.
PRESS_X = 0.045
PRESS_DEPTH = 0.1
LOCK_DONE = np.deg2rad(74.0)


@dataclass(frozen=True)
class DoorLockParams(TaskParams):
    door_pos: tuple[float, float, float] = param((-0.1, 0.8, 0.15), (0.1, 0.85, 0.15), "door cabinet")


def press_lock(o: obs_lib.Obs, axis: np.ndarray) -> np.ndarray:
    """Expert of door-lock: with closed fingers, come down on the lever right of the axis and press it down.

    The hand goes to the press point's column, CLEAR_Z above the axis, FRONT
    before the lever's plane; moves in over the press point (PRESS_X right of
    the axis, in the lever's plane) and presses straight down. Once the lever
    is turned LOCK_DONE it rises. Phases are read off the observation alone.
    """
    hand = o.hand
    n = hand.shape[0]
    done = dw.door_lock_angle(o.obj1_pos, axis, 1) >= LOCK_DONE
    above = np.c_[axis[:, 0:1] + PRESS_X, axis[:, 1:2], axis[:, 2:3] + CLEAR_Z]
    front = above - np.array([0.0, FRONT, 0.0])
    press = above.copy()
    press[:, 2] = axis[:, 2] - PRESS_DEPTH - scene.TCP_OFFSET[2] + 0.01  # the fingertips 1 cm below the TCP
    lined_up = ex.near(hand, above, 0.01, slice(0, 3, 2))
    over = ex.near(hand, above, 0.015, slice(0, 2))
    target = np.where(lined_up[:, None], above, front)
    target = np.where(over[:, None], press, target)
    target = np.where(done[:, None], np.c_[hand[:, :2], above[:, 2]], target)  # rise
    return ex.action(ex.move_toward(hand, target), np.ones(n))


@register
class DoorLock(DoorLockTask):
    __doc__ = __doc__
    name = "door-lock"
    version = 2
    Params = DoorLockParams
    reward_weights = RewardWeights(reach=0.3, turn=0.7)
    start_angle = 0.0
    goal_angle = LOCKED
    side = 1
    success_axis = 2

    @staticmethod
    def expert(obs):
        """Close the fingers, come in over the lever near its axis and press it down."""
        o = obs_lib.parse(obs)
        return press_lock(o, DoorLock.axis_from_goal(o.goal))
