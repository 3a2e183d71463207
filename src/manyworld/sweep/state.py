"""What a sweep's runs have done, read from their run directories alone.

A run's state needs no process to ask: ``finished`` when its newest complete
checkpoint has spent the run's budget (and, for a meta-learner, its meta-train
evaluation is written); ``running`` while a process holds the run directory's
lock (:func:`manyworld.train.harness.lock_run_dir`); ``failed`` when the sweep's
last word on it was an error and nothing holds it; ``interrupted`` when it has
checkpoints or metrics but none of the above; ``pending`` before it started.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import time
from pathlib import Path
from typing import Any

from manyworld.evaluation.results import read_jsonl

#: The sweep directory's files.
SWEEP_FILE = "sweep.json"
EVENTS_FILE = "events.jsonl"
RUNS_DIR = "runs"
#: Where the sweep writes a run's training progress lines (appended across resumes).
TRAIN_LOG = "train.log"


def run_dir_of(sweep_dir: str | Path, name: str) -> Path:
    """Where the sweep keeps run ``name``."""
    return Path(sweep_dir) / RUNS_DIR / name


def checkpoint_progress(run_dir: Path, budget: str) -> int:
    """The budget spent at the newest complete checkpoint (0 when there is none)."""
    return int(_checkpoint_counter(run_dir, budget))


def _checkpoint_counter(run_dir: Path, key: str) -> float:
    """Counter ``key`` (env_steps, updates, wall_s) at the newest complete checkpoint, else 0."""
    from manyworld.train.checkpoint import list_checkpoints

    found = list_checkpoints(run_dir / "checkpoints")
    if not found:
        return 0
    try:
        meta = json.loads((found[-1] / "meta.json").read_text())
        return float(meta["counters"][key])
    except (OSError, ValueError, KeyError, TypeError):
        return 0  # unreadable: the harness's own checks say why when it resumes


def is_locked(run_dir: Path) -> bool:
    """Whether a process holds ``run_dir`` (the training harness's lock)."""
    path = run_dir / ".lock"
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def is_finished(run_dir: Path, run: dict[str, Any]) -> bool:
    """Whether ``run``'s budget (its steps, or its wall-clock minutes where it has them) is spent
    at a complete checkpoint (and its last evaluation written)."""
    minutes = run.get("max_minutes") or 0
    out_of_time = bool(minutes) and _checkpoint_counter(run_dir, "wall_s") >= 60 * minutes
    if checkpoint_progress(run_dir, run["budget"]) < run["steps"] and not out_of_time:
        return False
    config = run_dir / "config.json"
    try:
        meta_learner = json.loads(config.read_text()).get("benchmark", "").startswith("ML")
    except (OSError, ValueError):
        return False
    # a meta-learner's meta-train evaluation is written after its final checkpoint
    return not meta_learner or (run_dir / "evals_meta_train").is_dir()


def last_events(sweep_dir: Path) -> dict[str, dict[str, Any]]:
    """Each run's newest event in the sweep's log."""
    rows, _ = read_jsonl(sweep_dir / EVENTS_FILE) if (sweep_dir / EVENTS_FILE).exists() else ([], None)
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        if isinstance(row, dict) and "run" in row:
            out[row["run"]] = row
    return out


def run_status(sweep_dir: Path, run: dict[str, Any], last_event: dict[str, Any] | None) -> dict[str, Any]:
    """One run's state, progress, latest evaluation success and ETA (see the module docstring)."""
    run_dir = run_dir_of(sweep_dir, run["name"])
    budget = run["budget"]
    rows: list[Any] = []
    if (run_dir / "metrics.jsonl").exists():
        rows, _ = read_jsonl(run_dir / "metrics.jsonl")
        rows = [r for r in rows if isinstance(r, dict)]
    done = rows[-1].get(budget, 0) if rows else 0
    if is_locked(run_dir):
        state = "running"
    elif is_finished(run_dir, run):
        state = "finished"
    elif last_event is not None and last_event.get("event") == "failed":
        state = "failed"
    elif rows or checkpoint_progress(run_dir, budget):
        state = "interrupted"
    else:
        state = "pending"
    evals = [r["eval_success"] for r in rows if r.get("eval_success") is not None]
    # a run with a wall-clock budget ends at whichever of its budgets comes first
    minutes = run.get("max_minutes") or 0
    wall = (rows[-1].get("wall_s") or 0.0) if rows else 0.0
    progress = done / run["steps"]
    if minutes:
        progress = max(progress, wall / (60 * minutes))
    eta = None
    if state == "running" and rows:
        rate = rows[-1].get(f"{budget}_per_s") or 0
        eta = max(run["steps"] - done, 0) / rate if rate else None
        if minutes:
            eta = min(eta if eta is not None else math.inf, max(60 * minutes - wall, 0.0))
    return {
        "name": run["name"],
        "state": state,
        "progress": 1.0 if state == "finished" else min(progress, 1.0),
        "done": done,
        "steps": run["steps"],
        "budget": budget,
        "eval_success": evals[-1] if evals else None,
        "wall_s": rows[-1].get("wall_s") if rows else None,
        "eta_s": eta,
        "error": last_event.get("error") if state == "failed" and last_event else None,
        "updated": time.strftime(
            "%Y-%m-%d %H:%M:%S", time.localtime((run_dir / "metrics.jsonl").stat().st_mtime)
        ) if rows else None,
    }  # fmt: skip


def sweep_status(sweep_dir: str | Path) -> dict[str, Any]:
    """Every run of the sweep in ``sweep_dir``: :func:`run_status` rows and state counts."""
    sweep_dir = Path(sweep_dir)
    path = sweep_dir / SWEEP_FILE
    if not path.is_file():
        raise ValueError(
            f"{sweep_dir} is not a sweep directory (no {SWEEP_FILE}); `manyworld sweep SPEC` makes one"
        )
    from manyworld.evaluation.results import read_json

    sweep = read_json(path)
    events = last_events(sweep_dir)
    rows = [run_status(sweep_dir, r, events.get(r["name"])) for r in sweep["runs"]]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["state"]] = counts.get(r["state"], 0) + 1
    return {"sweep": sweep["name"], "dir": str(sweep_dir), "counts": counts, "runs": rows}


def format_status(status: dict[str, Any]) -> str:
    """``sweep_status`` as an aligned text table with a summary line."""
    from manyworld.train.harness import fmt_eta

    width = max([len(r["name"]) for r in status["runs"]] + [4])
    lines = [f"{'run':<{width}}  {'state':<11} {'progress':>18}  {'eval':>5}  {'ETA':>8}"]
    for r in status["runs"]:
        prog = f"{r['done']:,}/{r['steps']:,}"
        ev = "-" if r["eval_success"] is None else f"{r['eval_success']:.2f}"
        eta = fmt_eta(r["eta_s"]) if r["eta_s"] is not None else "-"
        line = f"{r['name']:<{width}}  {r['state']:<11} {prog:>18}  {ev:>5}  {eta:>8}"
        if r["error"]:
            line += f"  {r['error']}"
        lines.append(line)
    counts = ", ".join(f"{n} {s}" for s, n in sorted(status["counts"].items()))
    lines.append(f"{status['sweep']}: {len(status['runs'])} runs ({counts})")
    return "\n".join(lines)
