"""door-unlock: turn a door's lock up to unlocked.

Description:
    The door and rotary cam lock of ``door-lock`` (a flat lever on a hub in
    front of the door, turning about the door's normal; limits [0, 90]
    degrees, damping and dry friction: it turns while pushed, stops at either
    end and stays where it is left). The lock starts locked, the lever
    pointing down, and the door cannot be opened. Push the lever round a
    quarter turn up to the right (+x) until its lock point reaches the green
    goal marker's x. Meta-World's ``door-unlock-v3``.

Randomization:
    - ``door_pos``: x in [-0.1, 0.1], y in [0.8, 0.85], z = 0.15 (Meta-World's
      range). The lock's axis is at door + (-0.01, -0.165, 0.07); the lock
      point (on the lever's lower face, 0.09 along it from the axis, as
      Meta-World's ``lockStartUnlock``) starts at door + (-0.02, -0.165,
      -0.02) (Meta-World's: door + (-0.01, -0.158, -0.03)).
    - The goal is the lock point turned up: door + (0.08, -0.165, 0.06),
      0.1 right of its start (as in Meta-World).
    - The hand starts at (0, 0.45, 0.1), as in ``door-lock`` (Meta-World's
      (0, 0.6, 0.2) puts our hand's palm into the hanging lever; a random policy
      started at (0, 0.55, 0.2) unlocks by chance in 10 % of episodes, from
      (0, 0.45, 0.1) in 1 %). The workspace keeps the default (Meta-World
      lowers it to z >= -0.15).
    - The lock is ``door-lock``'s: its lever is frictionless and it needs
      0.3 N m to turn, so that only a push on the lever's faces turns it.

Success:
    ``|lock_x - goal_x| <= 0.02`` (Meta-World's threshold): the lever is turned
    up to 33 degrees below the horizontal or less.

Reward terms:
    - ``reach``: tolerance(|tcp - lock|, bound 0.03, margin 0.3).
    - ``turn``: tolerance(|lock_x - goal_x|, bound 0.02, margin 0.1).
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
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import register
from manyworld.tasks.families.door import FRONT, LOCKED, DoorLockTask
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights

# Expert: the palm (its top PUSH_DEPTH below the axis) comes in left of the hanging lever and pushes it
# round to the right until the palm's upper corner is PUSH_REACH right of the axis (about 20 degrees below
# the horizontal); done (it stays) once the lever is turned up to UNLOCK_DONE.
PALM_HALF = (0.02, 0.01)  # half size of the palm along x and z (the scene's)
PUSH_DEPTH = 0.04
PUSH_START = -0.03  # palm's right face left of the axis, before pushing (clear of the lever and hub)
PUSH_REACH = 0.075
UNLOCK_DONE = np.deg2rad(24.0)


@dataclass(frozen=True)
class DoorUnlockParams(TaskParams):
    door_pos: tuple[float, float, float] = param((-0.1, 0.8, 0.15), (0.1, 0.85, 0.15), "door cabinet")


def push_lock_up(o: obs_lib.Obs, axis: np.ndarray) -> np.ndarray:
    """Expert of door-unlock: push the hanging lever round to the right with the side of the palm.

    The hand goes left of the lever, its palm's top PUSH_DEPTH below the
    axis, FRONT before the lever's plane; moves in and then right: the palm's
    right face, then its upper corner, pushes the lever up round the axis.
    Done, it stays. Phases are read off the observation alone.
    """
    hand = o.hand
    n = hand.shape[0]
    done = dw.door_lock_angle(o.obj1_pos, axis, -1) <= UNLOCK_DONE
    start = axis + np.array([PUSH_START - PALM_HALF[0], 0.0, -PUSH_DEPTH - PALM_HALF[1]])
    end = start + np.array([PUSH_REACH - PUSH_START, 0.0, 0.0])
    front = start - np.array([0.0, FRONT, 0.0])
    lined_up = ex.near(hand, start, 0.01, slice(0, 3, 2))
    in_lane = ex.near(hand, start, 0.015, slice(1, 3)) & (hand[:, 0] > start[:, 0] - 0.005)
    target = np.where(lined_up[:, None], start, front)
    target = np.where(in_lane[:, None], end, target)
    target = np.where(done[:, None], hand, target)
    return ex.action(ex.move_toward(hand, target), np.ones(n))


@register
class DoorUnlock(DoorLockTask):
    __doc__ = __doc__
    name = "door-unlock"
    version = 2
    Params = DoorUnlockParams
    reward_weights = RewardWeights(reach=0.3, turn=0.7)
    start_angle = LOCKED
    goal_angle = 0.0
    side = -1
    success_axis = 0

    @staticmethod
    def expert(obs):
        """Close the fingers, come in left of the hanging lever and push it round to the right."""
        o = obs_lib.parse(obs)
        return push_lock_up(o, DoorUnlock.axis_from_goal(o.goal))
