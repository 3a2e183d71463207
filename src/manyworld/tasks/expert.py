"""Small array helpers for scripted experts."""

from __future__ import annotations

import numpy as np

from manyworld.sim import scene
from manyworld.tasks import obs as obs_lib

# Proportional gain from a position error (m) to an action: 1 cm error -> 0.25 (2.5 mm/step)
# keeps approach fast far away and smooth near the target.
MOVE_GAIN = 25.0


def move_toward(current: np.ndarray, target: np.ndarray, gain: float = MOVE_GAIN) -> np.ndarray:
    """(N, 3) displacement action driving ``current`` to ``target``, clipped to [-1, 1]."""
    return np.clip(gain * (target - current), -1.0, 1.0)


def action(delta: np.ndarray, grip: np.ndarray | float) -> np.ndarray:
    """Stack a (N, 3) displacement and a grip value into (N, 4) actions."""
    grip = np.broadcast_to(np.asarray(grip, np.float64), (delta.shape[0],))
    return np.concatenate([delta, grip[:, None]], axis=1)


def near(a: np.ndarray, b: np.ndarray, tol: float, axes: slice = slice(None)) -> np.ndarray:
    """(N,) bool: row-wise distance over ``axes`` below ``tol``."""
    return np.linalg.norm(a[:, axes] - b[:, axes], axis=1) < tol


def grasp_and_carry(o: obs_lib.Obs, obj: np.ndarray, destination: np.ndarray, hover: float = 0.08,
                    holding_opening: tuple[float, float] = (0.0, 0.6),
                    closing_below: float = 0.8) -> np.ndarray:
    """Expert skeleton: hover over ``obj``, descend, close, carry the TCP to ``destination``.

    Phases are read off the observation alone (no hidden state), so the policy
    recovers by itself when a grasp slips. The carry starts only once the
    fingers have closed on the object (opening below 0.6), so that a lift never
    begins with a loose grasp. For a wide object the fingers stop further
    apart: pass the band of openings that means "closed on it" as
    ``holding_opening`` and the opening under which the fingers are closing as
    ``closing_below``.
    """
    tcp = o.hand + scene.TCP_OFFSET
    near_xy = near(tcp, obj, 0.02, slice(0, 2))
    centred = near(tcp, obj, 0.01, slice(0, 2))
    at_height = np.abs(tcp[:, 2] - obj[:, 2]) < 0.015
    closing = (o.gripper < closing_below) & near(tcp, obj, 0.03)
    lo, hi = holding_opening
    holding = (o.gripper > lo) & (o.gripper < hi) & near(tcp, obj, 0.03)
    low = tcp[:, 2] < obj[:, 2] + 0.5 * hover
    above = np.c_[obj[:, :2], obj[:, 2:3] + hover]
    lift = np.c_[tcp[:, :2], obj[:, 2:3] + hover]
    target = np.where((low & ~near_xy)[:, None], lift, above)
    target = np.where(near_xy[:, None], obj, target)
    target = np.where(holding[:, None], destination, target)
    grip = np.where(closing | (centred & at_height), 1.0, -1.0)
    return action(move_toward(tcp, target), grip)
