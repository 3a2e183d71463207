"""Pushing a knob round a vertical axis: the expert skeleton of the faucet and dial tasks."""

from __future__ import annotations

import numpy as np

from manyworld.sim import scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib


def wrap(angle: np.ndarray) -> np.ndarray:
    """Angles wrapped to [-pi, pi)."""
    return (angle + np.pi) % (2 * np.pi) - np.pi


def push_around(o: obs_lib.Obs, centre: np.ndarray, direction: float, goal_polar: np.ndarray | float,
                ahead: float = 0.03, standoff: float = 0.03, push_dz: float = 0.005,
                hover: float = 0.06) -> np.ndarray:
    """Expert skeleton of the faucet and dial tasks: push the observed knob round a vertical axis.

    The knob (obs object 1) turns about the vertical axis through ``centre``;
    ``direction`` is +1 to push it counter-clockwise (seen from above), -1
    clockwise, until its polar angle about the axis reaches ``goal_polar``.
    With the fingers closed into a paddle, the hand comes down ``standoff``
    behind the knob (along the direction it moves), at the knob's height, and
    pushes along the tangent of the knob's circle, ``ahead`` at a time (less
    over the last few centimetres of arc, so as not to overshoot). Done, it
    rises. Phases are read off the observation alone, so the policy starts
    over by itself when it loses the knob.
    """
    tcp = o.hand + scene.TCP_OFFSET
    knob = o.obj1_pos
    n = knob.shape[0]
    rel = knob[:, :2] - centre[:, :2]
    polar = np.arctan2(rel[:, 1], rel[:, 0])
    remaining = direction * wrap(goal_polar - polar)
    tangent = direction * np.c_[-np.sin(polar), np.cos(polar), np.zeros(n)]
    push_z = knob[:, 2:3] + push_dz
    behind = np.c_[knob[:, :2] - standoff * tangent[:, :2], push_z]
    near_xy = ex.near(tcp, behind, 0.012, slice(0, 2))
    at_height = np.abs(tcp[:, 2] - behind[:, 2]) < 0.012
    low = tcp[:, 2] < push_z[:, 0] + 0.5 * hover
    lift = np.c_[tcp[:, :2], push_z + hover]
    target = np.where((low & ~near_xy)[:, None], lift, behind + np.array([0.0, 0.0, hover]))
    target = np.where(near_xy[:, None], behind, target)
    step = np.clip(remaining * np.linalg.norm(rel, axis=1), 0.008, ahead)[:, None]
    target = np.where((near_xy & at_height)[:, None], behind + step * tangent, target)
    target = np.where((remaining <= 0)[:, None], lift, target)
    return ex.action(ex.move_toward(tcp, target), np.ones(n))
