"""Issue 18's learnability table: is every task learnable from its dense reward?

Reads the single-task runs of one or more sweep directories (or run directories), and for
each task: the final evaluation's success on the held-out variations, the env steps and
wall-clock at the first evaluation >= 0.9, and the area under the evaluation curve up to
1M env steps (the mean success over the evaluations, our per-task difficulty: continuous,
and defined for tasks that never reach 0.9). It compares that difficulty with the published
per-task single-task SAC curves of TD-MPC2's repository (``nicklashansen/tdmpc2``,
``results/sac/mw-<task>.csv``; see benchmarks/published/SOURCES.md) by Spearman's rank
correlation with a bootstrap interval over tasks, and names the tasks whose ranks differ most.

    python benchmarks/learnability.py runs/sweeps/learnability-ppo [more ...] \\
        --out benchmarks/results/learnability

writes ``learnability.csv`` (a row per run), ``learnability.json`` (per task and the
summary), ``learnability.png`` (final success per task, and our difficulty rank against the
published one) and ``learnability.md`` (the table for BENCHMARKS.md, which
``benchmarks/fill_tables.py`` puts in place), and prints the table and the summary.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np
from scipy import stats

from manyworld.evaluation.results import atomic_path, write_json_atomic
from manyworld.report.collect import is_run_dir, read_run_record

HERE = Path(__file__).resolve().parent
PUBLISHED = HERE / "published" / "tdmpc2_sac_metaworld.csv"
TARGET = 0.9
HORIZON = 1_000_000  # env steps over which both difficulties are averaged
BOOTSTRAP = 10_000


def run_dirs(paths: list[str]) -> list[Path]:
    """The run directories under each path (a sweep's ``runs/`` folder, or run dirs)."""
    found = []
    for p in map(Path, paths):
        if is_run_dir(p):
            found.append(p)
            continue
        folder = p / "runs" if (p / "runs").is_dir() else p
        found += sorted(d for d in folder.iterdir() if is_run_dir(d))
    return found


def one_run(run_dir: Path) -> dict | None:
    """A run's row, or None (with a note on stderr) when it has no final evaluation."""
    try:
        rec = read_run_record(run_dir)
    except ValueError as err:
        print(f"skipped: {err}", file=sys.stderr)
        return None
    curves = rec.curves
    if len(curves.tasks) != 1:
        print(f"skipped: {run_dir} trains {len(curves.tasks)} tasks, not one", file=sys.stderr)
        return None
    steps, success, wall = curves.eval_steps, curves.eval_success, curves.eval_wall_s
    hit = np.flatnonzero(success >= TARGET)
    within = steps <= HORIZON
    return {
        "task": curves.tasks[0],
        "algo": curves.algo,
        "seed": curves.seed,
        "split": curves.eval_split,
        "final_success": rec.final_success,
        "final_env_steps": rec.budget_at_final,
        "wall_min": rec.wall_s_at_final / 60,
        "steps_to_target": int(steps[hit[0]]) if hit.size else None,
        "wall_min_to_target": float(wall[hit[0]] / 60) if hit.size else None,
        "auc": float(success[within].mean()) if within.any() else float("nan"),
        "evals": len(steps),
        "run_dir": str(run_dir),
    }


def published_difficulty(path: Path = PUBLISHED) -> dict[str, dict]:
    """Per task: the mean success over seeds and over the points from 100k to 1M steps, and
    the steps at which each seed first reaches 0.9 (None: never within 2M)."""
    by_task: dict[str, dict[int, list[tuple[int, float]]]] = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            by_task.setdefault(row["task"], {}).setdefault(int(row["seed"]), []).append(
                (int(row["step"]), float(row["success"])))
    out = {}
    for task, seeds in by_task.items():
        aucs, firsts = [], []
        for points in seeds.values():
            points.sort()
            within = [s for step, s in points if 0 < step <= HORIZON]
            aucs.append(float(np.mean(within)))
            firsts.append(next((step for step, s in points if s >= TARGET), None))
        out[task] = {"auc": float(np.mean(aucs)), "first_to_target": firsts, "seeds": len(seeds)}
    return out


def spearman_with_interval(ours: np.ndarray, theirs: np.ndarray, seed: int = 0) -> dict:
    """Spearman's rho, its p-value, and a 95% percentile bootstrap interval over tasks."""
    rho, p = stats.spearmanr(ours, theirs)
    rng = np.random.default_rng(seed)
    n = len(ours)
    reps = []
    for _ in range(BOOTSTRAP):
        i = rng.integers(0, n, n)
        if np.ptp(ours[i]) > 0 and np.ptp(theirs[i]) > 0:
            reps.append(stats.spearmanr(ours[i], theirs[i])[0])
    lo, hi = np.percentile(reps, [2.5, 97.5])
    return {"rho": float(rho), "p_value": float(p), "ci95": [float(lo), float(hi)], "tasks": n}


def per_task(rows: list[dict]) -> dict[str, dict]:
    """Per task: each algorithm's seeds, and the best algorithm by mean final success."""
    tasks: dict[str, dict] = {}
    for r in rows:
        entry = tasks.setdefault(r["task"], {}).setdefault(r["algo"], [])
        entry.append(r)
    out = {}
    for task, algos in sorted(tasks.items()):
        summary = {}
        for algo, runs in algos.items():
            finals = [r["final_success"] for r in runs]
            to_target = [r["steps_to_target"] for r in runs]
            summary[algo] = {
                "seeds": [r["seed"] for r in runs],
                "final_success": finals,
                "mean_final_success": float(np.mean(finals)),
                "steps_to_target": to_target,
                "wall_min_to_target": [r["wall_min_to_target"] for r in runs],
                "wall_min": [r["wall_min"] for r in runs],
                "auc": float(np.mean([r["auc"] for r in runs])),
            }
        best = max(summary, key=lambda a: (summary[a]["mean_final_success"], summary[a]["auc"]))
        out[task] = {"algos": summary, "best": best}
    return out


def summarise(tasks: dict[str, dict], published: dict[str, dict], ranked_algo: str) -> dict:
    """Counts against the issue's targets and the rank correlation for ``ranked_algo``."""
    best = {t: v["algos"][v["best"]]["mean_final_success"] for t, v in tasks.items()}
    common = sorted(t for t in tasks if t in published and ranked_algo in tasks[t]["algos"])
    ours = np.array([tasks[t]["algos"][ranked_algo]["auc"] for t in common])
    theirs = np.array([published[t]["auc"] for t in common])
    corr = spearman_with_interval(ours, theirs) if len(common) >= 5 else None
    disagree = []
    if corr:
        # rank 1 = easiest (highest mean success over the first 1M steps)
        r_ours = stats.rankdata(-ours)
        r_theirs = stats.rankdata(-theirs)
        gap = r_ours - r_theirs
        for i in np.argsort(-np.abs(gap))[:8]:
            disagree.append({"task": common[i], "our_rank": float(r_ours[i]), "published_rank": float(r_theirs[i]),
                             "our_auc": float(ours[i]), "published_auc": float(theirs[i])})
    return {
        "tasks": len(tasks),
        "at_or_above_0.9": sum(v >= TARGET for v in best.values()),
        "above_0.5": sum(v > 0.5 for v in best.values()),
        "below_0.9": sorted(t for t, v in best.items() if v < TARGET),
        "spearman": corr,
        "spearman_algo": ranked_algo,
        "most_disagreeing": disagree,
    }


def plot(tasks: dict[str, dict], published: dict[str, dict], ranked_algo: str, out: Path) -> None:
    """Final success per task (best learner), and our difficulty rank against the published one."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted(tasks, key=lambda t: -tasks[t]["algos"][tasks[t]["best"]]["mean_final_success"])
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(16, 6), gridspec_kw={"width_ratios": [2.4, 1]})
    algos = sorted({a for v in tasks.values() for a in v["algos"]})
    width = 0.8 / len(algos)
    x = np.arange(len(names))
    for k, algo in enumerate(algos):
        vals = [tasks[t]["algos"].get(algo, {}).get("mean_final_success", np.nan) for t in names]
        ax.bar(x + (k - (len(algos) - 1) / 2) * width, vals, width, label=algo)
    ax.axhline(TARGET, color="k", lw=0.8, ls="--")
    ax.set_xticks(x, names, rotation=90, fontsize=7)
    ax.set_ylabel("final success, 50 held-out variations")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="center right")
    ax.set_title("Learnability: each task from its dense reward, final evaluation")
    common = [t for t in tasks if t in published and ranked_algo in tasks[t]["algos"]]
    ours = np.array([tasks[t]["algos"][ranked_algo]["auc"] for t in common])
    theirs = np.array([published[t]["auc"] for t in common])
    if len(common) >= 2:
        ax2.scatter(stats.rankdata(-theirs), stats.rankdata(-ours), s=12)
        for t, a, b in zip(common, stats.rankdata(-theirs), stats.rankdata(-ours)):
            if abs(a - b) > len(common) / 3:
                ax2.annotate(t, (a, b), fontsize=6)
        ax2.plot([1, len(common)], [1, len(common)], color="k", lw=0.6)
    ax2.set_xlabel("published difficulty rank (TD-MPC2 repo's SAC, 1 = easiest)")
    ax2.set_ylabel(f"our difficulty rank ({ranked_algo}, 1 = easiest)")
    ax2.set_title("Difficulty ranks: mean success over the first 1M steps")
    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


def summary_markdown(summary: dict) -> str:
    """The summary's figures as Markdown bullets (generated, so the prose never lags the table)."""
    lines = [
        f"- **{summary['at_or_above_0.9']} of {summary['tasks']} tasks at or above 0.9** (the best learner's mean "
        f"final success), {summary['above_0.5']} above 0.5; below 0.9: "
        + (", ".join(summary["below_0.9"]) or "none") + "."
    ]
    corr = summary["spearman"]
    if corr:
        lines.append(
            f"- Spearman's rank correlation of our difficulty ({summary['spearman_algo']}) with the published one, "
            f"over {corr['tasks']} tasks: **{corr['rho']:.2f}**, 95% bootstrap interval "
            f"[{corr['ci95'][0]:.2f}, {corr['ci95'][1]:.2f}], p = {corr['p_value']:.3f}.")
        worst = "; ".join(f"{d['task']} (rank {d['our_rank']:g} here, {d['published_rank']:g} published)"
                          for d in summary["most_disagreeing"][:5])
        lines.append(f"- Ranks that differ most (1 = easiest): {worst}.")
    return "\n".join(lines)


def steps(n: int) -> str:
    """``40k``, ``1.2M``."""
    return f"{n / 1e3:.0f}k" if n < 1e6 else f"{n / 1e6:.1f}M"


def markdown(tasks: dict[str, dict], published: dict[str, dict]) -> str:
    """The per-task table for BENCHMARKS.md."""
    algos = sorted({a for v in tasks.values() for a in v["algos"]})
    head = ["task"]
    for a in algos:
        head += [f"{a} final", f"{a} to 0.9: env steps at min"]
    head += ["published SAC: mean success 0.1-1M", "published SAC: first >= 0.9 per seed"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def fmt_steps(s, w):
        return "never" if s is None else f"{steps(s)} at {w:.0f}"

    for task, v in tasks.items():
        cells = [task]
        for a in algos:
            s = v["algos"].get(a)
            if s is None:
                cells += ["-", "-"]
                continue
            cells.append(" / ".join(f"{x:.2f}" for x in s["final_success"]))
            cells.append("; ".join(fmt_steps(st, w) for st, w in zip(s["steps_to_target"], s["wall_min_to_target"])))
        pub = published.get(task)
        if pub:
            cells.append(f"{pub['auc']:.2f}")
            cells.append(" / ".join("never" if f is None else steps(f) for f in pub["first_to_target"]))
        else:
            cells += ["-", "-"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="sweep directories or run directories")
    parser.add_argument("--out", required=True, help="folder for learnability.{csv,json,png}")
    parser.add_argument("--rank-algo", default="ppo", help="the algorithm whose difficulty is ranked")
    args = parser.parse_args(argv)
    missing = [p for p in args.paths if not Path(p).is_dir()]
    if missing:
        print(f"error: not a directory: {', '.join(missing)} (give sweep or run directories)", file=sys.stderr)
        return 2
    rows = [r for r in map(one_run, run_dirs(args.paths)) if r is not None]
    if not rows:
        print("error: no finished single-task run under " + ", ".join(args.paths), file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fields = list(rows[0])
    with atomic_path(out / "learnability.csv") as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda r: (r["task"], r["algo"], r["seed"])))
    published = published_difficulty()
    tasks = per_task(rows)
    summary = summarise(tasks, published, args.rank_algo)
    write_json_atomic(out / "learnability.json", {
        "summary": summary, "tasks": tasks, "published": published,
        "published_source": "nicklashansen/tdmpc2 results/sac/mw-<task>.csv (benchmarks/published/SOURCES.md)"})
    plot(tasks, published, args.rank_algo, out / "learnability.png")
    table = summary_markdown(summary) + "\n\n" + markdown(tasks, published)
    with atomic_path(out / "learnability.md") as tmp, open(tmp, "w") as f:
        f.write(table + "\n")
    print(table)
    print()
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
