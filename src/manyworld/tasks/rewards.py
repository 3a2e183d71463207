"""Reward building blocks, all elementwise over numpy arrays.

Every task's reward is assembled from named terms in [0, 1], weighted as the
task's ``reward_weights`` say (:func:`weighted_sum`) and finished by
:func:`finish`, which maps them to the benchmark's scale: 10 exactly when the
task is solved, strictly below 10 otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

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


class RewardWeights(Mapping[str, float]):
    """A task's reward weights as data: term -> weight, read-only, in summation order.

    Declared next to ``Params`` on a task class, as the variations are::

        reward_weights = RewardWeights(reach=0.2, grasp=0.1, in_place=0.7)

    A key may name a product of terms, ``"in_place * upright"`` (pass such
    keys in a dict: ``RewardWeights({"reach": 0.3, "in_place * upright": 0.7})``).
    """

    __slots__ = ("_weights",)

    def __init__(self, weights: Mapping[str, float] | None = None, /, **named: float):
        self._weights = {k: float(w) for k, w in {**(weights or {}), **named}.items()}

    def __getitem__(self, key: str) -> float:
        return self._weights[key]

    def __iter__(self):
        return iter(self._weights)

    def __len__(self) -> int:
        return len(self._weights)

    def __repr__(self) -> str:
        return f"RewardWeights({self._weights!r})"


def factors(key: str) -> list[str]:
    """The term names of a weight's key: ``"in_place * upright"`` -> ``["in_place", "upright"]``."""
    return [name.strip() for name in key.split("*")]


def term_names(weights: Mapping[str, float]) -> set[str]:
    """The names of the terms that ``weights`` read, the factors of product keys included."""
    return {name for key in weights for name in factors(key)}


def weighted_sum(weights: Mapping[str, float], terms: Mapping[str, np.ndarray]) -> np.ndarray:
    """The shaped progress of a task: its terms weighted as ``weights`` says.

    ``weights`` maps a term's name, or a product of terms written
    ``"a * b"``, to its weight. The products and the sum are taken left to
    right in the order the weights are written, as the hand-written
    expression ``w1 * a + w2 * b * c`` would be, so that a task's reward keeps
    its bits when its weights move into data.
    """
    total = None
    for key, weight in weights.items():
        part = weight
        for name in factors(key):
            part = part * terms[name]
        total = part if total is None else total + part
    if total is None:
        raise ValueError("no reward weights: a shaped reward needs at least one weighted term")
    return total


def weight_problems(weights: Mapping[str, float]) -> list[str]:
    """What is wrong with a task's reward weights (empty: nothing).

    With every term in [0, 1], non-negative weights that sum to 1 make the
    shaped progress a weighted mean in [0, 1]: :func:`finish` never clips it,
    and the unsolved reward spans [0, 9] below the 10 of success, as in
    every task. The sum is compared up to rounding: decimal weights are not
    exact in binary.
    """
    problems = []
    if not weights:
        problems.append("no weights")
    negative = {k: w for k, w in weights.items() if not w >= 0.0}
    if negative:
        problems.append(f"negative weights {negative}")
    total = math.fsum(weights.values())
    if weights and not math.isclose(total, 1.0, rel_tol=1e-9):
        problems.append(f"weights sum to {total!r}, not 1")
    return problems


def formula(weights: Mapping[str, float]) -> str:
    """The weights as the docstrings write them: ``"0.2 reach + 0.1 grasp + 0.7 in_place"``."""
    return " + ".join(f"{weight:g} {key}" if weight != 1.0 else key for key, weight in weights.items())
