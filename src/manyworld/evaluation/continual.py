"""The continual (CW) protocol: after each stage, success on every task so far; CW's metrics.

Continual World (Wołczyk et al., NeurIPS 2021) trains on a sequence of tasks,
one per stage of equal length Δ. With p_i(t) the success rate of the task at
position i at time t, N stages and T = N·Δ:

- average performance: AP = (1/N) Σ_i p_i(T), at the end of the sequence;
- forgetting: F_i = p_i(i·Δ) − p_i(T) (success right after its own stage minus
  at the end; the last task's F is 0); F = (1/N) Σ_i F_i;
- forward transfer: FT_i = (AUC_i − AUC_i^b) / (1 − AUC_i^b), AUC_i the area
  under task i's success curve during its own stage (time normalised to
  [0, 1], trapezoid rule) and AUC_i^b that of a reference single-task run;
  FT = (1/N) Σ_i FT_i. It needs those curves, so it is reported only when
  they are given.

A harness cannot train, so the training loop drives it::

    cw = ContinualEvaluation("CW10")
    for stage, task in enumerate(cw.benchmark.sequence):
        ...train on task, optionally cw.record_curve(stage, fractions, successes)...
        cw.evaluate_stage(stage, agent)      # success on the tasks of stages 0..stage
    result = cw.result(agent, reference_auc={...})

Each stage's evaluation is the MT protocol restricted to the tasks seen so far
(every training variation once, terminate-on-success, one-hot over the
sequence's distinct tasks). In CW20 a task's two positions share its score.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from manyworld.benchmarks.benchmark import Benchmark, get_benchmark
from manyworld.benchmarks.envs import make_env
from manyworld.benchmarks.sampling import all_pairs
from manyworld.envs.batch_env import MAX_EPISODE_STEPS
from manyworld.evaluation.agents import agent_info
from manyworld.evaluation.episodes import evaluate_pairs
from manyworld.evaluation.multitask import timing_block
from manyworld.evaluation.progress import Progress
from manyworld.evaluation.protocol import base_block, check_horizon, check_positive, resolve_goal
from manyworld.evaluation.results import make_result, per_task_rates
from manyworld.tasks.base import NUM_VARIATIONS


@dataclass(frozen=True)
class CWProtocol:
    """Settings of the continual evaluation.

    Attributes:
        horizon, terminate_on_success: as the MT protocol.
        variations_per_task: the first k training variations of each task.
        episodes_per_variation: episodes per (task, variation).
        all_tasks: evaluate every task of the sequence after each stage (not
            only those seen so far), filling the whole success matrix.
        one_hot, goal_visible: None: the benchmark's defaults (on, visible).
    """

    horizon: int = MAX_EPISODE_STEPS
    terminate_on_success: bool = True
    variations_per_task: int = NUM_VARIATIONS
    episodes_per_variation: int = 1
    all_tasks: bool = False
    one_hot: bool | None = None
    goal_visible: bool | None = None

    def __post_init__(self) -> None:
        check_horizon(self.horizon)
        check_positive("variations_per_task", self.variations_per_task, maximum=NUM_VARIATIONS)
        check_positive("episodes_per_variation", self.episodes_per_variation)

    def block(self, bench: Benchmark, one_hot: bool, goal_visible: bool) -> dict[str, Any]:
        return {
            **base_block(
                "CW",
                bench,
                horizon=self.horizon,
                terminate_on_success=self.terminate_on_success,
                one_hot=one_hot,
                goal_visible=goal_visible,
                tasks=bench.train_tasks,
            ),
            "split": "train",
            "variations_per_task": self.variations_per_task,
            "episodes_per_variation": self.episodes_per_variation,
            "all_tasks": self.all_tasks,
        }


def _auc(fractions: np.ndarray, values: np.ndarray) -> float:
    """Area under a curve on [0, 1] by the trapezoid rule (the curve held flat to the ends)."""
    x = np.concatenate([[0.0], fractions, [1.0]])
    y = np.concatenate([[values[0]], values, [values[-1]]])
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2.0))


def continual_metrics(
    matrix: np.ndarray,
    curves: dict[int, tuple[Sequence[float], Sequence[float]]] | None = None,
    reference_auc: Sequence[float] | None = None,
) -> dict[str, Any]:
    """Continual World's metrics from a success matrix.

    Args:
        matrix: (N stages, N positions): success of position j's task after stage
            i; entries for j > i may be NaN (not evaluated).
        curves: stage i -> (time fractions in [0, 1], success of position i's
            task during stage i), for forward transfer.
        reference_auc: per position, the AUC of a reference single-task run.

    Returns:
        ``average_performance``, ``forgetting`` (mean and per position),
        ``forward_transfer`` (mean and per position, or None with the reason),
        and the average performance after each stage over the tasks seen so far.
    """
    m = np.asarray(matrix, dtype=np.float64)
    n = m.shape[0]
    if m.shape != (n, n):
        raise ValueError(f"the success matrix must be square (stages x positions), got {m.shape}")
    diag = np.diag(m)
    if np.isnan(diag).any() or np.isnan(m[-1]).any():
        raise ValueError(
            "every stage must be evaluated on its own task, and the last stage on all tasks"
        )
    forgetting = diag - m[-1]
    seen = [float(np.mean(m[i, : i + 1])) for i in range(n)]
    out: dict[str, Any] = {
        "average_performance": float(m[-1].mean()),
        "forgetting": float(forgetting.mean()),
        "forgetting_per_position": forgetting.tolist(),
        "average_performance_per_stage": seen,
        "forward_transfer": None,
        "forward_transfer_per_position": None,
    }
    if curves is None or reference_auc is None:
        out["forward_transfer_note"] = (
            "needs each stage's training curve and reference single-task AUCs"
        )
        return out
    if len(reference_auc) != n or set(curves) != set(range(n)):
        raise ValueError(
            f"forward transfer needs a curve for each of the {n} stages and {n} reference AUCs"
        )
    ft = []
    for i in range(n):
        frac, vals = (np.asarray(a, dtype=np.float64) for a in curves[i])
        if (
            frac.shape != vals.shape
            or frac.size == 0
            or (np.diff(frac) < 0).any()
            or frac.min() < 0
            or frac.max() > 1
        ):
            raise ValueError(
                f"stage {i}: a curve is increasing time fractions in [0, 1] with one success each"
            )
        base = float(reference_auc[i])
        ft.append((_auc(frac, vals) - base) / (1.0 - base) if base < 1.0 else float("nan"))
    out["forward_transfer"] = float(np.nanmean(ft)) if not np.isnan(ft).all() else float("nan")
    out["forward_transfer_per_position"] = ft
    return out


class ContinualEvaluation:
    """Evaluates an agent after each stage of a continual sequence and computes CW's metrics.

    Args:
        benchmark: ``"CW10"``, ``"CW20"`` or a CW :class:`Benchmark`.
        protocol: settings.
        seed: recorded; seeds the env.
        progress: stream for progress lines (None: silent).
    """

    def __init__(
        self,
        benchmark: str | Benchmark,
        protocol: CWProtocol = CWProtocol(),
        *,
        seed: int = 0,
        progress: TextIO | None = sys.stderr,
    ):
        bench = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
        if bench.kind != "CW":
            raise ValueError(f"{bench.name} is a {bench.kind} benchmark, not a continual sequence")
        bench.require_tasks()
        self.benchmark, self.protocol, self.seed, self.progress = bench, protocol, seed, progress
        n = len(bench.sequence)
        self.matrix = np.full((n, n), np.nan)
        self.curves: dict[int, tuple[list[float], list[float]]] = {}
        self.outcomes: list[dict[str, Any]] = []
        self._env = None
        self._one_hot = bench.one_hot if protocol.one_hot is None else protocol.one_hot
        self._goal_visible: bool | None = None
        self._seconds, self._steps = 0.0, 0

    def evaluate_stage(self, stage: int, agent: Any) -> dict[str, float]:
        """Score ``agent`` on the tasks of stages ``0..stage`` (all tasks with ``all_tasks``).

        Returns:
            Task -> success rate. Fills row ``stage`` of :attr:`matrix`.
        """
        seq = self.benchmark.sequence
        if not 0 <= stage < len(seq):
            raise ValueError(f"{self.benchmark.name} has stages 0-{len(seq) - 1}, got {stage}")
        goal_visible = resolve_goal(self.benchmark, self.protocol.goal_visible, agent)
        if self._goal_visible is None:
            self._goal_visible = goal_visible
        if self._env is None:
            self._env = make_env(
                self.benchmark,
                seed=self.seed,
                max_episode_steps=self.protocol.horizon,
                terminate_on_success=self.protocol.terminate_on_success,
                one_hot=self._one_hot,
                goal_visible=goal_visible,
                episode_statistics=False,
            )
        positions = range(len(seq)) if self.protocol.all_tasks else range(stage + 1)
        tasks = tuple(dict.fromkeys(seq[j] for j in positions))
        pairs = all_pairs(self.benchmark, "train", self.protocol.variations_per_task, tasks=tasks)
        bar = Progress(
            len(pairs) * self.protocol.episodes_per_variation,
            f"{self.benchmark.name} stage {stage} / {agent_info(agent)['name']}",
            stream=self.progress,
        )
        t0 = time.perf_counter()
        outcomes, steps = evaluate_pairs(
            self._env,
            agent,
            pairs,
            self.protocol.episodes_per_variation,
            progress=bar,
            extra={"stage": stage},
        )
        self._seconds += time.perf_counter() - t0
        self._steps += steps
        bar.close()
        self.outcomes = [o for o in self.outcomes if o["stage"] != stage] + outcomes
        rates = {t: v["success_rate"] for t, v in per_task_rates(outcomes).items()}
        for j in positions:
            self.matrix[stage, j] = rates[seq[j]]
        return rates

    def record_curve(
        self, stage: int, fractions: Sequence[float], success: Sequence[float]
    ) -> None:
        """The success of stage ``stage``'s task measured during its training (for forward transfer)."""
        if not 0 <= stage < len(self.benchmark.sequence):
            raise ValueError(f"no stage {stage} in {self.benchmark.name}")
        self.curves[stage] = (list(map(float, fractions)), list(map(float, success)))

    def metrics(self, reference_auc: Sequence[float] | None = None) -> dict[str, Any]:
        """CW's metrics of the stages evaluated so far (all stages must be done)."""
        return continual_metrics(self.matrix, self.curves if self.curves else None, reference_auc)

    def result(
        self,
        agent: Any,
        *,
        reference_auc: Sequence[float] | None = None,
        env_steps_trained: int | None = None,
        label: str | None = None,
    ) -> dict[str, Any]:
        """The result file of the whole sequence: final-stage outcomes, matrix and metrics.

        ``outcomes`` (and so the per-task rates) are those of the last stage's
        evaluation; every stage's outcomes are under ``continual.stage_outcomes``.
        """
        n = len(self.benchmark.sequence)
        if np.isnan(np.diag(self.matrix)).any() or np.isnan(self.matrix[-1]).any():
            raise ValueError(f"evaluate every stage (0-{n - 1}) before asking for the result")
        info = agent_info(agent)
        if label:
            info["label"] = label
        final = [o for o in self.outcomes if o["stage"] == n - 1]
        continual = {
            "sequence": list(self.benchmark.sequence),
            "success_matrix": [
                [None if np.isnan(v) else float(v) for v in row] for row in self.matrix
            ],
            "metrics": self.metrics(reference_auc),
            "curves": {
                str(k): {"fractions": v[0], "success": v[1]} for k, v in self.curves.items()
            },
            "stage_outcomes": self.outcomes,
        }
        return make_result(
            benchmark=self.benchmark.identity(),
            protocol=self.protocol.block(self.benchmark, self._one_hot, bool(self._goal_visible)),
            agent=info,
            seed=self.seed,
            outcomes=final,
            env_steps_trained=env_steps_trained,
            timing=timing_block(self._seconds, self._steps),
            extra={"continual": continual},
        )

    def close(self) -> None:
        if self._env is not None:
            self._env.close()
