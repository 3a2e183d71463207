"""The report's figures (PNG, matplotlib): learning curves with bands over seeds, per-task heat
maps, performance profiles, probability of improvement, meta-train against meta-test, and CW
success matrices.

Every figure shows evaluations read from run files; its statistics are
:mod:`manyworld.evaluation.stats`'s (rliable's method). Figures are written by
``savefig`` into the report's temporary folder, which is published whole.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from manyworld.evaluation import stats
from manyworld.report.collect import ComparisonSet, Group

#: fewer seeds than this get a min-max band; from this many on, a bootstrap CI of the mean
MIN_SEEDS_FOR_CI = 3
#: bootstrap replicates of the curve bands and profiles (each is a small matrix per point)
BAND_REPS = 2_000
#: at most this many groups (the best by IQM) enter the pairwise probability of improvement
MAX_POI_GROUPS = 6
DPI = 90


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (ValueError naming the extra when it is missing)."""
    try:
        import matplotlib
    except ImportError as err:
        raise ValueError(f"the report's plots need matplotlib: pip install -e '.[plot]' ({err})") from err
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    fig.savefig(path, format="png", dpi=DPI, bbox_inches="tight")
    pyplot().close(fig)
    return path


def _steps_axis(ax: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    def fmt(x: float, _pos: Any) -> str:
        if abs(x) >= 1e6:
            return f"{x / 1e6:g}M"
        return f"{x / 1e3:g}k" if abs(x) >= 1e4 else f"{x:g}"

    ax.xaxis.set_major_formatter(FuncFormatter(fmt))


def _legend_below(fig: Any, names: list[str]) -> None:
    """One legend for the whole figure, under it: long group names would hide the curves."""
    columns = 1 if max(map(len, names)) > 45 else min(3, len(names))
    fig.legend(loc="outside lower center", ncol=columns, fontsize=7, frameon=False)


def _colors(n: int) -> list[Any]:
    cmap = pyplot().get_cmap("tab10" if n <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(n)]


# ------------------------------------------------------------------ curves
def group_curve(group: Group) -> dict[str, Any] | None:
    """Mean evaluation success over seeds at the evaluations every seed has, with a band.

    The band is the 95% stratified-bootstrap interval of the mean over the (seeds, tasks)
    matrix at each evaluation from :data:`MIN_SEEDS_FOR_CI` seeds on, else the min and
    max over seeds. The wall-clock of an evaluation is the median over seeds (seconds,
    evaluations included). None when the seeds share no evaluation.
    """
    runs = group.runs
    common = sorted(set.intersection(*(set(r.curves.eval_steps.tolist()) for r in runs)))
    band = "bootstrap95" if len(runs) >= MIN_SEEDS_FOR_CI else "minmax"
    out: dict[str, Any] = {"steps": [], "wall_s": [], "mean": [], "low": [], "high": [],
                           "band": band, "seeds": len(runs)}  # fmt: skip
    for step in common:
        idx = [int(np.flatnonzero(r.curves.eval_steps == step)[0]) for r in runs]
        matrix = np.array([[r.curves.task_success[t][i] for t in group.tasks]
                           for r, i in zip(runs, idx)])  # fmt: skip
        if not np.isfinite(matrix).all():  # an evaluation that scored other tasks
            continue
        if band == "bootstrap95":
            est = stats.interval_estimate(matrix, "mean", reps=BAND_REPS, seed=0)
            low, high = est.low, est.high
        else:
            per_seed = matrix.mean(axis=1)
            low, high = float(per_seed.min()), float(per_seed.max())
        out["steps"].append(int(step))
        out["wall_s"].append(float(np.median([r.curves.eval_wall_s[i] for r, i in zip(runs, idx)])))
        out["mean"].append(float(matrix.mean()))
        out["low"].append(float(low))
        out["high"].append(float(high))
    return out if out["steps"] else None


def band_caption(curves: list[dict[str, Any]]) -> str:
    """What the bands of a curves figure are, in words."""
    kinds = {c["band"] for c in curves}
    parts = []
    if "bootstrap95" in kinds:
        parts.append(f"95% stratified-bootstrap CI of the mean over seeds ({BAND_REPS} replicates) "
                     f"for groups with {MIN_SEEDS_FOR_CI} or more seeds")
    if "minmax" in kinds:
        parts.append(f"min-max over seeds for groups with fewer than {MIN_SEEDS_FOR_CI} seeds "
                     "(one seed: no band)")
    return "Band: " + "; ".join(parts) + "."


def plot_curves(cset: ComparisonSet, curves: dict[str, dict[str, Any]], path: Path) -> Path:
    """Success against env steps (or updates) and against wall-clock, one line per group."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), squeeze=False, layout="constrained")
    names = list(curves)
    short = {g.name: g.short for g in cset.groups}
    budget = cset.groups[0].runs[0].curves.x_key
    longest = max(max(c["wall_s"]) for c in curves.values())
    unit, scale = ("s", 1.0) if longest < 120 else ("min", 60.0) if longest < 3 * 3600 else ("h", 3600.0)
    for color, name in zip(_colors(len(names)), names):
        c = curves[name]
        walls = [w / scale for w in c["wall_s"]]
        for ax, xs, label in ((axes[0][0], c["steps"], short[name]), (axes[0][1], walls, "_nolegend_")):
            ax.plot(xs, c["mean"], color=color, lw=1.8, marker="o", ms=2.5, label=label)
            ax.fill_between(xs, c["low"], c["high"], color=color, alpha=0.2, lw=0)
    split = cset.block.get("split", "train")
    what = "meta-test success" if cset.kind == "ML" else f"eval success ({split} variations)"
    for ax, xlabel in ((axes[0][0], "gradient updates" if budget == "updates" else "env steps"),
                       (axes[0][1], f"wall-clock ({unit}, median over seeds)")):  # fmt: skip
        ax.set_xlabel(xlabel)
        ax.set_ylabel(what)
        ax.set_ylim(-0.03, 1.03)
        ax.grid(alpha=0.3)
    _steps_axis(axes[0][0])
    _legend_below(fig, [short[n] for n in names])
    fig.suptitle(cset.benchmark, fontsize=10)
    return _save(fig, path)


# ------------------------------------------------------------------ per task
def plot_task_heatmap(cset: ComparisonSet, path: Path) -> Path:
    """Final success per task (mean over seeds): groups x tasks."""
    plt = pyplot()
    tasks = cset.groups[0].tasks
    values = np.array([g.scores.mean(axis=0) for g in cset.groups])
    width = min(16.0, 3.0 + 0.5 * len(tasks))
    # rotated task names take about 1.4 inches below the cells, whatever the number of groups
    fig, ax = plt.subplots(figsize=(width, 2.2 + 0.45 * len(cset.groups)), layout="constrained")
    im = ax.imshow(values, vmin=0.0, vmax=1.0, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(tasks)), tasks, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(len(cset.groups)), [g.short for g in cset.groups], fontsize=8)
    if len(tasks) <= 25:
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6,
                    color="black" if v > 0.6 else "white")  # fmt: skip
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02, label="final success", shrink=0.8)
    ax.set_title(f"{cset.benchmark}: final success per task (mean over seeds)", fontsize=9)
    return _save(fig, path)


# ------------------------------------------------------------------ between groups
def improvements(groups: list[Group], reps: int = BAND_REPS) -> list[dict[str, Any]]:
    """P(X > Y) with its 95% stratified-bootstrap interval for each pair of groups, X the one
    ranked higher by IQM (at most :data:`MAX_POI_GROUPS` groups, the best ones)."""
    ranked = sorted(groups, key=lambda g: -stats.iqm(g.scores))[:MAX_POI_GROUPS]
    out = []
    for i, x in enumerate(ranked):
        for y in ranked[i + 1 :]:
            est = stats.probability_of_improvement_ci(x.scores, y.scores, reps=reps, seed=0)
            out.append({"x": x.name, "y": y.name, "x_short": x.short, "y_short": y.short,
                        **est.to_dict()})  # fmt: skip
    return out


def plot_profiles(cset: ComparisonSet, poi: list[dict[str, Any]], path: Path) -> Path:
    """Performance profiles (fraction of runs x tasks above each success threshold, with
    bootstrap bands) beside the pairwise probabilities of improvement."""
    plt = pyplot()
    # constrained layout gives long group names (their distinguishing settings) the room they need
    fig, axes = plt.subplots(1, 2, figsize=(11, min(6.0, max(3.4, 1.0 + 0.28 * len(poi)))), squeeze=False,
                             layout="constrained")  # fmt: skip
    ax = axes[0][0]
    taus = np.linspace(0.0, 1.0, 101)
    for color, g in zip(_colors(len(cset.groups)), cset.groups):
        point, low, high = stats.performance_profile_ci(g.scores, taus, reps=BAND_REPS, seed=0)
        ax.plot(taus, point, color=color, lw=1.8, label=g.short)
        ax.fill_between(taus, low, high, color=color, alpha=0.2, lw=0)
    ax.set_xlabel("success threshold τ")
    ax.set_ylabel("fraction of runs x tasks with success > τ")
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)
    _legend_below(fig, [g.short for g in cset.groups])
    ax.set_title("performance profiles (final success)", fontsize=9)
    ax = axes[0][1]
    ys = np.arange(len(poi))[::-1]
    for y, p in zip(ys, poi):
        # round caps keep a zero-width interval (every run of X beats every run of Y) visible
        ax.plot([p["low"], p["high"]], [y, y], color="tab:blue", lw=6, alpha=0.45,
                solid_capstyle="round")  # fmt: skip
        ax.plot([p["point"]], [y], "o", color="black", ms=4)
    ax.set_yticks(ys, [f"P({p['x_short']} > {p['y_short']})" for p in poi], fontsize=7)
    ax.set_ylim(-0.7, len(poi) - 0.3)
    ax.axvline(0.5, color="grey", ls="--", lw=0.8)
    ax.set_xlim(-0.03, 1.03)
    ax.set_xlabel("probability of improvement (95% CI)")
    ax.grid(alpha=0.3, axis="x")
    ax.set_title("probability of improvement", fontsize=9)
    return _save(fig, path)


def plot_meta_gap(cset: ComparisonSet, path: Path) -> Path:
    """Final meta-train against meta-test success per group (bars: mean; dots: seeds)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(max(4.0, 1.6 * len(cset.groups) + 1.5), 3.2))
    width = 0.38
    for i, g in enumerate(cset.groups):
        test = [r.final_success for r in g.runs]
        train = [float(r.meta_train["aggregate"]["success_rate"]) for r in g.runs if r.meta_train]
        for offset, vals, color, label in ((-width / 2, train, "tab:orange", "meta-train tasks"),
                                           (width / 2, test, "tab:blue", "meta-test tasks")):  # fmt: skip
            if not vals:
                continue
            ax.bar(i + offset, np.mean(vals), width, color=color, alpha=0.7,
                   label=label if i == 0 else None)  # fmt: skip
            ax.plot([i + offset] * len(vals), vals, "k.", ms=5)
    ax.set_xticks(range(len(cset.groups)), [g.short for g in cset.groups], fontsize=8)
    ax.set_ylabel("final success")
    ax.set_ylim(0.0, 1.05)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=7)
    ax.set_title(f"{cset.benchmark}: meta-train vs meta-test (final evaluations)", fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


# ------------------------------------------------------------------ continual
def plot_cw_matrix(group: dict[str, Any], path: Path) -> Path:
    """A CW success matrix: success of each position's task (columns) after each stage (rows)."""
    plt = pyplot()
    m = np.array([[np.nan if v is None else v for v in row] for row in group["matrix"]], float)
    n = m.shape[0]
    fig, ax = plt.subplots(figsize=(2.5 + 0.5 * n, 1.5 + 0.4 * n))
    im = ax.imshow(np.ma.masked_invalid(m), vmin=0.0, vmax=1.0, cmap="viridis")
    labels = [f"{i}: {t}" for i, t in enumerate(group["sequence"])]
    ax.set_xticks(range(n), labels, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(n), [f"after stage {i}" for i in range(n)], fontsize=7)
    for (i, j), v in np.ndenumerate(m):
        if math.isfinite(v):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6,
                    color="black" if v > 0.6 else "white")  # fmt: skip
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02, label="success")
    ax.set_title(f"{group['label']} on {group['benchmark']} ({len(group['files'])} file(s))",
                 fontsize=9)  # fmt: skip
    fig.tight_layout()
    return _save(fig, path)
