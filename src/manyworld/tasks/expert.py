"""Small array helpers for scripted experts."""

from __future__ import annotations

import numpy as np

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
