"""Learning curves and summaries of training runs (``manyworld curves``).

Reads run directories written by :func:`manyworld.train.harness.train` (``config.json``,
``metrics.jsonl``, ``evals/step_<N>.json``) and produces:

- a summary per run and per group of seeds (same algorithm and benchmark): final
  evaluation success, and the env steps and wall-clock at which the evaluation
  success first reached a threshold (0.9 by default);
- learning-curve plots (evaluation success against env steps or wall-clock, one
  thin line per seed, the mean of the seeds thick);
- per-task curves for multi-task runs (one line per task, the mean thick).

Wall-clock at an evaluation is the run's ``wall_s`` at that env step (it includes
all evaluations so far), interpolated between metric rows when the evaluation and
log intervals differ.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from manyworld.evaluation.results import read_json, read_jsonl

#: run settings that do not change what is learned or reported (seeds and lengths may
#: differ within a group; log/eval/checkpoint cadence and thread counts only change when
#: things are written)
_NOT_IN_CONFIG_ID = ("seed", "steps", "max_minutes", "log_interval", "eval_interval",
                     "checkpoint_interval", "keep_checkpoints", "save_replay", "num_threads",
                     "device", "record_episodes")  # fmt: skip


def _with_defaults(config: dict[str, Any]) -> dict[str, Any]:
    """The run's agent and run settings, with the fields added since it was written at their
    defaults (what it ran with, as a resume assumes), so that it groups with later runs of the
    same settings. Without the learning extra (or for an unknown algorithm) as written."""
    try:
        from manyworld.train.config import config_dict
        from manyworld.train.harness import RunConfig
        from manyworld.train.registry import get_algo

        agent_defaults = config_dict(get_algo(config["algo"]).config_cls())
        run_defaults = config_dict(RunConfig())
    except (ImportError, ValueError, KeyError):
        return {**config["agent"], **config["run"]}
    return {**agent_defaults, **config["agent"], **run_defaults, **config["run"]}


@dataclass
class RunCurves:
    """What a run directory holds, as curves.

    Attributes:
        run_dir: the directory.
        algo, benchmark, seed: from its ``config.json``.
        tasks: the tasks evaluated (order of the first evaluation).
        rows: the metric rows (``metrics.jsonl``).
        eval_steps: env steps of each evaluation, ascending.
        eval_wall_s: wall-clock of each evaluation (s), evaluations included.
        eval_train_wall_s: the same without the time spent evaluating (NaN for runs
            written before ``eval_wall_s`` was logged).
        eval_success: aggregate success of each evaluation.
        task_success: task -> success of each evaluation.
        eval_split: the split the evaluations used (``train`` or ``test``).
        config_id: hash of the settings; runs with equal ids differ only by seed and length.
        settings: the agent and run settings the id hashes (``config.json``'s values).
    """

    run_dir: Path
    algo: str
    benchmark: str
    seed: int
    tasks: list[str]
    rows: list[dict[str, Any]]
    eval_steps: np.ndarray
    eval_wall_s: np.ndarray
    eval_train_wall_s: np.ndarray
    eval_success: np.ndarray
    task_success: dict[str, np.ndarray] = field(default_factory=dict)
    eval_split: str = "train"

    config_id: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    # what eval_steps count: env steps, or gradient updates for an offline learner
    x_key: str = "env_steps"

    @property
    def group(self) -> tuple[str, str, str]:
        """Runs of one group differ only by seed (and run length)."""
        return (self.algo, self.benchmark, self.config_id)


def read_run(run_dir: str | Path) -> RunCurves:
    """Load a run directory's metrics and evaluations (raises ValueError if it is not one)."""
    run_dir = Path(run_dir)
    config_path, metrics_path = run_dir / "config.json", run_dir / "metrics.jsonl"
    if not config_path.is_file() or not metrics_path.is_file():
        raise ValueError(
            f"{run_dir} is not a training run directory (needs config.json and metrics.jsonl; "
            "`manyworld train` writes them)"
        )
    config = read_json(config_path)
    # what makes runs comparable: every setting that changes learning or what is reported
    # one flat dict of settings, so that a field's moving between the agent and run blocks
    # (SAC's replay settings did when the harness was split out) keeps groups together
    settings = {k: v for k, v in _with_defaults(config).items() if k not in _NOT_IN_CONFIG_ID}
    config_id = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:8]
    rows, torn = read_jsonl(metrics_path)
    if torn is not None:  # a killed run's last row, or one being written now
        print(f"warning: {metrics_path}: skipped its torn last line ({len(torn)} characters)",
              file=sys.stderr)
    # an offline learner takes no env step: its evaluations are placed by gradient updates
    # (runs written before config.json recorded the budget: no env step but updates)
    offline = bool(rows) and all(r.get("env_steps") == 0 for r in rows) and rows[-1].get("updates", 0) > 0
    x_key = config.get("budget", "updates" if offline else "env_steps")
    evals = []
    for path in sorted((run_dir / "evals").glob("step_*.json")):
        result = read_json(path)
        evals.append(
            (
                int(result["env_steps_trained"]) if x_key == "env_steps" else int(path.stem[5:]),
                float(result["aggregate"]["success_rate"]),
                {t: float(v["success_rate"]) for t, v in result["per_task"].items()},
                result["protocol"].get("split", "train"),
            )
        )
    evals.sort(key=lambda e: e[0])
    tasks = list(evals[0][2]) if evals else []
    steps = np.array([e[0] for e in evals], dtype=np.int64)
    return RunCurves(
        run_dir=run_dir,
        algo=config["algo"],
        benchmark=config["benchmark"],
        seed=int(config["run"]["seed"]),
        tasks=tasks,
        rows=rows,
        eval_steps=steps,
        eval_wall_s=_wall_at(rows, steps, x_key=x_key),
        eval_train_wall_s=_wall_at(rows, steps, exclude_eval=True, x_key=x_key),
        eval_success=np.array([e[1] for e in evals]),
        task_success={t: np.array([e[2].get(t, np.nan) for e in evals]) for t in tasks},
        eval_split=evals[0][3] if evals else "train",
        config_id=config_id,
        settings=settings,
        x_key=x_key,
    )


def _wall_at(rows: list[dict[str, Any]], steps: np.ndarray, exclude_eval: bool = False,
             x_key: str = "env_steps") -> np.ndarray:  # fmt: skip
    if not rows or (exclude_eval and any(r.get("eval_wall_s") is None for r in rows)):
        return np.full(len(steps), np.nan)
    xs = np.array([0] + [r[x_key] for r in rows], dtype=float)
    ys = np.array([0.0] + [r["wall_s"] - (r["eval_wall_s"] if exclude_eval else 0.0) for r in rows])
    return np.interp(steps.astype(float), xs, ys)


def first_reaching(run: RunCurves, threshold: float) -> tuple[int, float, float] | None:
    """(env steps, wall-clock s, wall-clock s without evaluations) of the first evaluation
    with success >= threshold, or None."""
    hit = np.flatnonzero(run.eval_success >= threshold - 1e-12)
    if not len(hit):
        return None
    i = int(hit[0])
    return int(run.eval_steps[i]), float(run.eval_wall_s[i]), float(run.eval_train_wall_s[i])


def summarize_run(run: RunCurves, threshold: float = 0.9) -> dict[str, Any]:
    """One run's numbers: final success, first time at ``threshold``, median throughput."""
    reached = first_reaching(run, threshold)
    rates = [r["env_steps_per_s"] for r in run.rows if r.get("env_steps_per_s")]
    updates = [r["updates_per_s"] for r in run.rows if r.get("updates_per_s")]
    return {
        "run_dir": str(run.run_dir),
        "algo": run.algo,
        "benchmark": run.benchmark,
        "config_id": run.config_id,
        "seed": run.seed,
        "eval_split": run.eval_split,
        "env_steps": int(run.rows[-1]["env_steps"]) if run.rows else 0,
        # what the *_steps_* figures below count: env steps, or updates (offline learners)
        "steps_are": run.x_key,
        "wall_s": float(run.rows[-1]["wall_s"]) if run.rows else 0.0,
        "final_eval_success": float(run.eval_success[-1]) if len(run.eval_success) else None,
        "max_eval_success": float(run.eval_success.max()) if len(run.eval_success) else None,
        # one evaluation of 50 episodes moves by 0.02 per episode and policies still move
        # late in training: the mean of the last evaluations says where a run settled
        "last3_eval_success": (
            float(run.eval_success[-3:].mean()) if len(run.eval_success) else None
        ),
        "threshold": threshold,
        "env_steps_to_threshold": reached[0] if reached else None,
        "wall_s_to_threshold": round(reached[1], 1) if reached else None,
        "train_wall_s_to_threshold": (
            round(reached[2], 1) if reached and math.isfinite(reached[2]) else None
        ),
        "median_env_steps_per_s": float(np.median(rates)) if rates else None,
        "median_updates_per_s": float(np.median(updates)) if updates else None,
        "final_task_success": {t: float(v[-1]) for t, v in run.task_success.items()},
    }


def by_group(runs: list[RunCurves]) -> dict[tuple[str, str, str], list[RunCurves]]:
    """Runs by :attr:`RunCurves.group`, in the order they were given."""
    groups: dict[tuple[str, str, str], list[RunCurves]] = {}
    for run in runs:
        groups.setdefault(run.group, []).append(run)
    return groups


def group_labels(runs: list[RunCurves]) -> dict[tuple[str, str, str], str]:
    """A readable name for each group: the settings that tell it apart from the groups of
    the same algorithm and benchmark (``n_step=3``), empty when it is the only one."""
    groups = {key: members[0].settings for key, members in by_group(runs).items()}
    labels = {}
    for key, settings in groups.items():
        rivals = [s for k, s in groups.items() if k[:2] == key[:2] and k != key]
        if not rivals:
            labels[key] = ""
            continue
        names = sorted({n for s in [settings, *rivals] for n in s}, key=str)
        differ = [n for n in names if any(s.get(n, "-") != settings.get(n, "-") for s in rivals)]
        labels[key] = ", ".join(f"{n}={_short(settings.get(n, '-'))}" for n in differ) or key[2]
    return labels


def _short(value: Any) -> str:
    return "x".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def summarize_groups(runs: list[RunCurves], threshold: float = 0.9) -> list[dict[str, Any]]:
    """Per (algo, benchmark): seeds, final success (mean, min), steps/wall-clock to threshold.

    ``env_steps_to_threshold`` and ``wall_s_to_threshold`` are the medians over the
    seeds that reached it, with ``seeds_reaching`` saying how many did.
    """
    groups = by_group(runs)
    labels = group_labels(runs)
    out = []
    for (algo, bench, config_id), members in groups.items():
        per = [summarize_run(r, threshold) for r in sorted(members, key=lambda r: r.seed)]
        finals = [p["final_eval_success"] for p in per if p["final_eval_success"] is not None]
        hits = [p for p in per if p["env_steps_to_threshold"] is not None]
        out.append(
            {
                "algo": algo,
                "benchmark": bench,
                "config_id": config_id,
                "label": labels[(algo, bench, config_id)],
                "seeds": [p["seed"] for p in per],
                "final_eval_success_mean": float(np.mean(finals)) if finals else None,
                "final_eval_success_min": float(np.min(finals)) if finals else None,
                "final_eval_success": finals,
                "threshold": threshold,
                "seeds_reaching": len(hits),
                "env_steps_to_threshold": [p["env_steps_to_threshold"] for p in per],
                "wall_s_to_threshold": [p["wall_s_to_threshold"] for p in per],
                "median_env_steps_to_threshold": _median([p["env_steps_to_threshold"] for p in hits]),
                "median_wall_s_to_threshold": _median([p["wall_s_to_threshold"] for p in hits]),
                "max_wall_s_to_threshold": max((p["wall_s_to_threshold"] for p in hits), default=None),
                "runs": per,
            }
        )
    return out


def _median(xs: list[float]) -> float | None:
    return float(np.median(xs)) if xs else None


# ------------------------------------------------------------------ plots
def _pyplot():
    try:
        import matplotlib
    except ImportError as err:
        raise ValueError(
            f"plots need matplotlib: pip install -e '.[plot]' ({err})"
        ) from err
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save_atomic(fig: Any, path: Path) -> Path:
    from manyworld.evaluation.results import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    return path


def _steps_axis(ax: Any) -> None:
    """Env steps as 50k / 1.2M instead of overlapping full numbers."""
    from matplotlib.ticker import FuncFormatter

    def fmt(x: float, _pos: Any) -> str:
        return f"{x / 1e6:g}M" if abs(x) >= 1e6 else f"{x / 1e3:g}k" if x else "0"

    ax.xaxis.set_major_formatter(FuncFormatter(fmt))


def _grid(n: int, plt: Any, width: float = 4.2, height: float = 3.0):
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def plot_success_curves(
    runs: list[RunCurves], path: str | Path, x: str = "env_steps", threshold: float | None = 0.9
) -> Path:
    """Evaluation success against ``x`` (``env_steps`` or ``wall_s``), one panel per group."""
    if x not in ("env_steps", "wall_s"):
        raise ValueError(f"x must be 'env_steps' or 'wall_s', got {x!r}")
    plt = _pyplot()
    groups = by_group(runs)
    labels = group_labels(runs)
    fig, axes = _grid(len(groups), plt)
    for ax, ((algo, bench, config_id), members) in zip(axes, sorted(groups.items())):
        for run in sorted(members, key=lambda r: r.seed):
            xs = run.eval_steps if x == "env_steps" else run.eval_wall_s / 60.0
            ax.plot(xs, run.eval_success, lw=1.0, alpha=0.6, label=f"seed {run.seed}")
        steps = [tuple(r.eval_steps) for r in members]
        if len(members) > 1 and x == "env_steps" and len(set(steps)) == 1:
            mean = np.mean([r.eval_success for r in members], axis=0)
            ax.plot(members[0].eval_steps, mean, color="black", lw=2.2, label="mean")
        if threshold is not None:
            ax.axhline(threshold, color="grey", ls="--", lw=0.8)
        split = members[0].eval_split
        label = labels[(algo, bench, config_id)]
        ax.set_title(f"{algo} {bench}" + (f"\n{label}" if label else ""), fontsize=9)
        steps_label = "gradient updates" if members[0].x_key == "updates" else "env steps"
        ax.set_xlabel(steps_label if x == "env_steps" else "wall-clock (min)")
        if x == "env_steps":
            _steps_axis(ax)
        ax.set_ylabel(f"eval success ({split} variations)")
        ax.set_ylim(-0.03, 1.03)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    out = _save_atomic(fig, Path(path))
    plt.close(fig)
    return out


def plot_task_curves(runs: list[RunCurves], path: str | Path) -> Path:
    """Per-task evaluation success against env steps, one panel per run (multi-task runs)."""
    plt = _pyplot()
    fig, axes = _grid(len(runs), plt, width=5.5, height=3.6)
    for ax, run in zip(axes, runs):
        cmap = plt.get_cmap("tab10" if len(run.tasks) <= 10 else "tab20")
        for i, task in enumerate(run.tasks):
            ax.plot(run.eval_steps, run.task_success[task], lw=1.0, color=cmap(i % cmap.N),
                    label=task)  # fmt: skip
        ax.plot(run.eval_steps, run.eval_success, color="black", lw=2.2, label="mean")
        ax.set_title(f"{run.algo} {run.benchmark} seed {run.seed}", fontsize=10)
        ax.set_xlabel("env steps (all tasks)")
        _steps_axis(ax)
        ax.set_ylabel(f"eval success ({run.eval_split} variations)")
        ax.set_ylim(-0.03, 1.03)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6, loc="upper left", ncol=2)
    fig.tight_layout()
    out = _save_atomic(fig, Path(path))
    plt.close(fig)
    return out


def write_summary(groups: list[dict[str, Any]], out_dir: Path) -> tuple[Path, Path]:
    """``summary.json`` (everything) and ``summary.csv`` (one row per run)."""
    from manyworld.evaluation.results import atomic_path, write_json_atomic

    json_path = write_json_atomic(out_dir / "summary.json", {"groups": groups})
    cols = ["algo", "benchmark", "config_id", "seed", "eval_split", "env_steps", "wall_s",
            "final_eval_success", "last3_eval_success", "max_eval_success", "threshold", "env_steps_to_threshold",
            "wall_s_to_threshold", "train_wall_s_to_threshold", "median_env_steps_per_s", "median_updates_per_s", "run_dir"]  # fmt: skip
    csv_path = out_dir / "summary.csv"
    with atomic_path(csv_path) as tmp, open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for g in groups:
            w.writerows(g["runs"])
    return json_path, csv_path


def report_runs(
    run_dirs: list[str | Path], out_dir: str | Path, threshold: float = 0.9, plots: bool = True
) -> dict[str, Any]:
    """Summaries and plots of training runs into ``out_dir`` (what ``manyworld curves`` does).

    Writes ``summary.json``, ``summary.csv``, ``success_vs_steps.png``,
    ``success_vs_wallclock.png`` and, for multi-task runs, ``tasks.png``.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    runs = [read_run(d) for d in run_dirs]
    if not runs:
        raise ValueError("no run directories given")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    groups = summarize_groups(runs, threshold)
    files = list(map(str, write_summary(groups, out_dir)))
    if plots:
        files.append(str(plot_success_curves(runs, out_dir / "success_vs_steps.png", "env_steps", threshold)))
        files.append(str(plot_success_curves(runs, out_dir / "success_vs_wallclock.png", "wall_s", threshold)))
        multi = [r for r in runs if len(r.tasks) > 1]
        if multi:
            files.append(str(plot_task_curves(multi, out_dir / "tasks.png")))
    return {"groups": groups, "files": files}
