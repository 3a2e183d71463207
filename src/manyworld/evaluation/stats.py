"""Statistics over seeds: point estimates and stratified-bootstrap confidence intervals.

The method of rliable (Agarwal et al., NeurIPS 2021, "Deep RL at the Edge of
the Statistical Precipice"), reimplemented with numpy and scipy: the ``rliable``
package did not import cleanly here (its ``arch`` dependency fails against
pandas 3), and the method is a few lines of array code.

Scores are a ``(runs, tasks)`` matrix: one row per seed, one column per task,
entries in [0, 1] (per-task success rates). Definitions (as rliable's):

- mean: mean of all entries.
- median: median over tasks of each task's mean over runs.
- IQM: interquartile mean, the 25%-trimmed mean of all runs x tasks entries
  (``scipy.stats.trim_mean(scores.ravel(), 0.25)``).
- optimality gap: ``gamma - mean(min(scores, gamma))``.
- stratified bootstrap: each replicate resamples, for every task separately,
  the runs with replacement; the 95% interval is the 2.5th and 97.5th
  percentiles of the statistic over replicates (percentile method).
- performance profile: for each threshold tau, the fraction of entries > tau.
- probability of improvement P(X > Y): per task, the probability that a run of
  X beats a run of Y (ties count one half), averaged over tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from scipy import stats as sp_stats

DEFAULT_REPS = 50_000  # rliable's default
CONFIDENCE = 0.95
_CHUNK_ELEMENTS = 4_000_000  # bootstrap replicates are drawn in chunks of about this many scores


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its confidence interval."""

    point: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float]:
        return {"point": self.point, "low": self.low, "high": self.high}

    def format(self, scale: float = 100.0, digits: int = 1) -> str:
        """``"87.3 [84.1, 90.2]"`` (percent by default)."""
        return f"{self.point * scale:.{digits}f} [{self.low * scale:.{digits}f}, {self.high * scale:.{digits}f}]"


def as_scores(scores: np.ndarray) -> np.ndarray:
    """Validate a (runs, tasks) score matrix (a 1-D array is one run)."""
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim == 1:
        s = s[None]
    if s.ndim != 2 or s.size == 0:
        raise ValueError(f"scores must be a non-empty (runs, tasks) matrix, got shape {s.shape}")
    if not np.isfinite(s).all():
        raise ValueError("scores contain NaN or inf")
    return s


# ------------------------------------------------------------------ point estimates (batched)
# Each takes (B, runs, tasks) and returns (B,): the bootstrap evaluates whole chunks at once.
def _mean(b: np.ndarray) -> np.ndarray:
    return b.mean(axis=(1, 2))


def _median(b: np.ndarray) -> np.ndarray:
    return np.median(b.mean(axis=1), axis=1)


def _iqm(b: np.ndarray) -> np.ndarray:
    return sp_stats.trim_mean(b.reshape(b.shape[0], -1), 0.25, axis=1)


def _optimality_gap(b: np.ndarray, gamma: float = 1.0) -> np.ndarray:
    return gamma - np.minimum(b, gamma).mean(axis=(1, 2))


METRICS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "mean": _mean,
    "median": _median,
    "iqm": _iqm,
    "optimality_gap": _optimality_gap,
}


def aggregate(scores: np.ndarray, metric: str = "iqm") -> float:
    """One aggregate metric (``mean``, ``median``, ``iqm`` or ``optimality_gap``) of a score matrix."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from {', '.join(METRICS)}")
    return float(METRICS[metric](as_scores(scores)[None])[0])


def iqm(scores: np.ndarray) -> float:
    """Interquartile mean of all runs x tasks entries."""
    return aggregate(scores, "iqm")


def median(scores: np.ndarray) -> float:
    """Median over tasks of the per-task mean over runs."""
    return aggregate(scores, "median")


def mean(scores: np.ndarray) -> float:
    """Mean of all entries."""
    return aggregate(scores, "mean")


# ------------------------------------------------------------------ stratified bootstrap
def bootstrap_replicates(
    scores: np.ndarray, reps: int, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """Chunks (B, runs, tasks) of stratified bootstrap replicates: runs resampled per task."""
    s = as_scores(scores)
    chunk = max(1, _CHUNK_ELEMENTS // s.size)
    for start in range(0, reps, chunk):
        yield _draw(s, min(chunk, reps - start), rng)


def _draw(s: np.ndarray, b: int, rng: np.random.Generator) -> np.ndarray:
    """b stratified replicates (b, runs, tasks): each task's column resampled over runs."""
    runs, tasks = s.shape
    idx = rng.integers(0, runs, size=(b, runs, tasks))
    return s[idx, np.arange(tasks)]


def _percentiles(values: np.ndarray, confidence: float) -> tuple[float, float]:
    alpha = (1.0 - confidence) / 2.0
    low, high = np.percentile(values, [100 * alpha, 100 * (1 - alpha)])
    return float(low), float(high)


def interval_estimate(
    scores: np.ndarray,
    metric: str = "iqm",
    *,
    reps: int = DEFAULT_REPS,
    confidence: float = CONFIDENCE,
    seed: int = 0,
) -> Estimate:
    """Point estimate and stratified-bootstrap percentile interval of one metric."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from {', '.join(METRICS)}")
    _check_ci_args(reps, confidence)
    s = as_scores(scores)
    fn = METRICS[metric]
    rng = np.random.default_rng(seed)
    values = np.concatenate([fn(b) for b in bootstrap_replicates(s, reps, rng)])
    return Estimate(float(fn(s[None])[0]), *_percentiles(values, confidence))


def interval_estimates(
    scores: np.ndarray,
    metrics: tuple[str, ...] = ("mean", "median", "iqm"),
    *,
    reps: int = DEFAULT_REPS,
    confidence: float = CONFIDENCE,
    seed: int = 0,
) -> dict[str, Estimate]:
    """Several metrics from the same bootstrap replicates."""
    for m in metrics:
        if m not in METRICS:
            raise ValueError(f"unknown metric {m!r}; choose from {', '.join(METRICS)}")
    _check_ci_args(reps, confidence)
    s = as_scores(scores)
    rng = np.random.default_rng(seed)
    values: dict[str, list[np.ndarray]] = {m: [] for m in metrics}
    for b in bootstrap_replicates(s, reps, rng):
        for m in metrics:
            values[m].append(METRICS[m](b))
    return {
        m: Estimate(
            float(METRICS[m](s[None])[0]), *_percentiles(np.concatenate(values[m]), confidence)
        )
        for m in metrics
    }


def _check_ci_args(reps: int, confidence: float) -> None:
    if not isinstance(reps, (int, np.integer)) or reps < 1:
        raise ValueError(f"reps must be a positive integer, got {reps!r}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")


# ------------------------------------------------------------------ performance profiles
def performance_profile(scores: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """Fraction of runs x tasks entries with a score above each threshold tau."""
    s = as_scores(scores)
    taus = np.asarray(taus, dtype=np.float64)
    return (s.ravel()[None, :] > taus[:, None]).mean(axis=1)


def performance_profile_ci(
    scores: np.ndarray,
    taus: np.ndarray,
    *,
    reps: int = 2_000,
    confidence: float = CONFIDENCE,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Profile with stratified-bootstrap bands: (point, low, high), each (len(taus),)."""
    _check_ci_args(reps, confidence)
    s = as_scores(scores)
    taus = np.asarray(taus, dtype=np.float64)
    rng = np.random.default_rng(seed)
    boots = np.concatenate(
        [
            (b.reshape(len(b), 1, -1) > taus[None, :, None]).mean(axis=2)
            for b in bootstrap_replicates(s, reps, rng)
        ]
    )
    alpha = (1.0 - confidence) / 2.0
    low, high = np.percentile(boots, [100 * alpha, 100 * (1 - alpha)], axis=0)
    return performance_profile(s, taus), low, high


# ------------------------------------------------------------------ probability of improvement
def _poi(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Batched P(X > Y): x (B, Rx, T), y (B, Ry, T) -> (B,)."""
    gt = (x[:, :, None, :] > y[:, None, :, :]).mean(axis=(1, 2))
    eq = (x[:, :, None, :] == y[:, None, :, :]).mean(axis=(1, 2))
    return (gt + 0.5 * eq).mean(axis=1)


def probability_of_improvement(x: np.ndarray, y: np.ndarray) -> float:
    """P(X > Y): per task, the chance a run of X beats a run of Y (ties 1/2), averaged over tasks."""
    xs, ys = as_scores(x), as_scores(y)
    if xs.shape[1] != ys.shape[1]:
        raise ValueError(
            f"X has {xs.shape[1]} tasks and Y has {ys.shape[1]}: scores must cover the same tasks"
        )
    return float(_poi(xs[None], ys[None])[0])


def probability_of_improvement_ci(
    x: np.ndarray,
    y: np.ndarray,
    *,
    reps: int = 2_000,
    confidence: float = CONFIDENCE,
    seed: int = 0,
) -> Estimate:
    """P(X > Y) with a stratified-bootstrap interval (X and Y resampled independently)."""
    _check_ci_args(reps, confidence)
    xs, ys = as_scores(x), as_scores(y)
    point = probability_of_improvement(xs, ys)
    rng = np.random.default_rng(seed)
    values = []
    done = 0
    # chunks sized so that the (B, Rx, Ry, T) comparison stays small
    chunk = max(1, _CHUNK_ELEMENTS // (xs.shape[0] * ys.shape[0] * xs.shape[1]))
    while done < reps:
        b = min(chunk, reps - done)
        xb, yb = _draw(xs, b, rng), _draw(ys, b, rng)
        values.append(_poi(xb, yb))
        done += b
    return Estimate(point, *_percentiles(np.concatenate(values), confidence))
