"""Reward building blocks, all elementwise over numpy arrays.

Every task's reward is assembled from named terms in [0, 1] and finished by
:func:`finish`, which maps them to the benchmark's scale: 10 exactly when the
task is solved, strictly below 10 otherwise.
"""

from __future__ import annotations

import numpy as np

REWARD_SCALE = 10.0
# Unsolved states top out here, so that 10 means "solved" and nothing else.
UNSOLVED_MAX = 9.0


def tolerance(x: np.ndarray, bound: float, margin: float, value_at_margin: float = 0.1) -> np.ndarray:
    """1 where ``x <= bound``, decaying with a long tail to ``value_at_margin`` at ``bound + margin``.

    ``x`` is a non-negative distance. The tail is ``1 / (1 + (s * d / margin)^2)``
    with ``d = x - bound``, the Cauchy-shaped kernel that keeps a gradient far
    from the target (dm_control calls it ``long_tail``).
    """
    if margin <= 0:
        raise ValueError(f"margin must be positive, got {margin}")
    scale = np.sqrt(1.0 / value_at_margin - 1.0)
    d = np.maximum(np.asarray(x, np.float64) - bound, 0.0) / margin
    return 1.0 / (1.0 + (scale * d) ** 2)


def hamacher_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Fuzzy AND of two terms in [0, 1]: ab / (a + b - ab), 0 where both are 0."""
    denom = a + b - a * b
    return np.where(denom > 0, a * b / np.where(denom > 0, denom, 1.0), 0.0)


def finish(shaped: np.ndarray, success: np.ndarray) -> np.ndarray:
    """Map a shaped progress term in [0, 1] to the reward: 10 if solved, else 9 * shaped."""
    shaped = np.clip(shaped, 0.0, 1.0)
    return np.where(success, REWARD_SCALE, UNSOLVED_MAX * shaped)
