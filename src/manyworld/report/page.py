"""``manyworld report``: one results page from run directories, sweep directories and CW result files.

Writes, into one output folder (built beside it and renamed into place, so that a
reader never sees half a report):

- ``index.html``: one self-contained static page (inline CSS, images as data URIs, no
  script, nothing fetched);
- ``report.md``: the same for READMEs, with the images as files beside it;
- the PNG figures and the policy GIF;
- ``report.json``: the tables' numbers.

Every success figure is a **final** evaluation (the newest ``evals/step_<N>.json`` of
a run), never the maximum over training. Per group of seeds (same algorithm, benchmark
and settings): IQM and mean of the (seeds, tasks) matrix of final per-task success
with 95% stratified-bootstrap intervals (:mod:`manyworld.evaluation.stats`), budget,
wall-clock, hardware, and the published figure with its source where one exists.
Groups whose evaluation protocols or benchmark identities differ are never compared:
each comparable set gets its own table and figures, and a marked section says which
were kept apart and why.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

from manyworld.evaluation.results import write_json_atomic
from manyworld.fileio import check_can_create, fsync_dir
from manyworld.report import figures
from manyworld.report.collect import (
    ComparisonSet,
    RunRecord,
    block_id,
    comparison_sets,
    find_inputs,
    group_row,
    kept_apart,
    read_runs,
)
from manyworld.report.continual import continual_groups, continual_kept_apart, read_continual
from manyworld.report.layout import render_html, render_markdown

REPORT_SCHEMA = "manyworld.report"
REPORT_SCHEMA_VERSION = 1
#: what every success figure of the report is
REPORTED = "final evaluation success (the newest evaluation of each run, never the maximum over training)"


def check_out_dir(out: Path) -> None:
    """Refuse an output folder the report cannot (or must not) replace, before any work.

    A folder that exists must be empty or a previous report (it holds ``report.json``):
    the report replaces it whole, and must never delete a folder of other files.
    """
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file; give a folder for the report")
    if out.is_dir() and any(out.iterdir()) and not (out / "report.json").is_file():
        raise ValueError(
            f"--out {out} is a folder of other files (no report.json): the report replaces its "
            "folder whole, so give a new or empty folder, or a previous report's"
        )
    check_can_create(out, f"--out {out}")


def publish_dir(tmp: Path, out: Path) -> None:
    """Move a finished folder into place, replacing an older report (two renames, so a reader
    sees the old report or the new one, never a mix)."""
    if out.exists():
        old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
        os.replace(out, old / "report")
        try:
            os.replace(tmp, out)
        except OSError:
            os.replace(old / "report", out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)
    fsync_dir(out.parent)


def _pick_video_run(sets: list[ComparisonSet]) -> list[RunRecord]:
    """Candidates for the policy video: groups by mean final success (best first), and within
    a group its seeds by final success (best first, then the lower seed)."""
    groups = sorted((g for s in sets for g in s.groups), key=lambda g: -g.mean_final_success)
    return [r for g in groups for r in sorted(g.runs, key=lambda r: (-r.final_success, r.seed))]


def _video(sets: list[ComparisonSet], folder: Path, progress: TextIO | None) -> dict[str, Any]:
    """Render the best policy's GIF into ``folder``; say why not when it cannot be."""
    from manyworld.report.video import (
        NotRenderable,
        check_renderable,
        pick_tasks,
        render_policy_gif,
    )

    skipped: list[str] = []
    reasons: dict[str, int] = {}
    for run in _pick_video_run(sets):
        try:
            check_renderable(run)
            tasks = pick_tasks(run)
            info = render_policy_gif(run, folder / "policy.gif", tasks=tasks, progress=progress)
        except NotRenderable as err:
            skipped.append(str(err))
            reasons[err.reason] = reasons.get(err.reason, 0) + 1
            continue
        except ImportError as err:
            note = f"The policy video needs the learn extra: pip install -e '.[learn]' ({err})."
            return {"file": None, "note": note, "skipped": skipped}
        except ValueError as err:  # a checkpoint or config that does not load: try the next run
            skipped.append(f"{run.run_dir}: {err}")
            reasons["could not be loaded"] = reasons.get("could not be loaded", 0) + 1
            continue
        except Exception as err:  # noqa: BLE001  (a missing GL backend raises varied types)
            note = (f"Rendering unavailable ({type(err).__name__}: {err}); install libosmesa6 and "
                    "set MUJOCO_GL=osmesa, or use MUJOCO_GL=egl.")  # fmt: skip
            return {"file": None, "note": note, "skipped": skipped}
        return {
            "file": "policy.gif",
            "run_dir": str(run.run_dir),
            "algo": run.curves.algo,
            "benchmark": run.curves.benchmark,
            "seed": run.seed,
            "final_success": run.final_success,
            "final_task_success": {t: run.final["per_task"][t]["success_rate"] for t in tasks},
            "skipped": skipped,
            **info,
        }
    summary = "; ".join(f"{n} run(s) {reason}" for reason, n in reasons.items())
    return {"file": None, "note": f"No policy could be shown: {summary or 'no evaluated run'}.",
            "skipped": skipped}  # fmt: skip


def build_report(
    inputs: list[str | Path],
    out: str | Path,
    *,
    title: str | None = None,
    video: bool = True,
    include_unfinished: bool = False,
    reps: int = 10_000,
    progress: TextIO | None = sys.stderr,
) -> dict[str, Any]:
    """Build the report of ``inputs`` (run, sweep and CW result paths) into the folder ``out``.

    Returns:
        The content of ``report.json`` (plus ``"out"``: the folder written).

    Raises:
        ValueError: a path is missing, nothing reportable was found, or ``out`` cannot be
            written (see :func:`check_out_dir`).
    """
    out = Path(out)
    check_out_dir(out)
    say = (lambda line: print(f"report: {line}", file=progress, flush=True)) if progress else (
        lambda line: None)  # fmt: skip
    found = find_inputs(list(inputs))
    if not found.run_dirs and not found.cw_files:
        raise ValueError(
            f"no run directories (folders with config.json) or CW result files under "
            f"{', '.join(map(str, inputs))}"
        )
    say(f"reading {len(found.run_dirs)} run director{'y' if len(found.run_dirs) == 1 else 'ies'}"
        f" and {len(found.cw_files)} CW result file(s)")  # fmt: skip
    runs, left_out = read_runs(found.run_dirs, progress, include_unfinished)
    cw_records = []
    for path in found.cw_files:
        try:
            cw_records.append(read_continual(path))
        except ValueError as err:
            left_out.append({"path": str(path), "reason": str(err)})
    if not runs and not cw_records:
        reasons = "; ".join(f"{x['path']}: {x['reason']}" for x in left_out[:3])
        raise ValueError(f"nothing to report: no run has an evaluation yet ({reasons})")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
    try:
        report = _build(runs, cw_records, left_out, tmp, title, video, reps, inputs, say, progress)
        write_json_atomic(tmp / "report.json", report)
        (tmp / "index.html").write_text(render_html(report, tmp), encoding="utf-8")
        (tmp / "report.md").write_text(render_markdown(report), encoding="utf-8")
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; a report is meant to be shared
        publish_dir(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    say(f"wrote {out / 'index.html'}")
    return {**report, "out": str(out)}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _build(
    runs: list[RunRecord],
    cw_records: list[Any],
    left_out: list[dict[str, str]],
    folder: Path,
    title: str | None,
    video: bool,
    reps: int,
    inputs: list[str | Path],
    say: Any,
    progress: TextIO | None,
) -> dict[str, Any]:
    """Numbers and figures of the report into ``folder``; returns the report.json content."""
    from manyworld._version import __version__

    sets = comparison_sets(runs)
    set_blocks = []
    for k, cset in enumerate(sets, 1):
        cset.id = f"set{k}"
        say(f"{cset.benchmark} ({cset.kind} protocol): {len(cset.groups)} group(s), "
            f"{sum(len(g.runs) for g in cset.groups)} run(s)")  # fmt: skip
        rows = [group_row(g, cset, reps=reps) for g in cset.groups]
        curves = {g.name: c for g in cset.groups if (c := figures.group_curve(g)) is not None}
        files: dict[str, str] = {}
        if curves:
            files["curves"] = figures.plot_curves(cset, curves, folder / f"{cset.id}_curves.png").name
        if len(cset.groups[0].tasks) > 1:
            files["tasks"] = figures.plot_task_heatmap(cset, folder / f"{cset.id}_tasks.png").name
        poi: list[dict[str, Any]] = []
        if len(cset.groups) >= 2:
            poi = figures.improvements(cset.groups)
            files["profiles"] = figures.plot_profiles(cset, poi, folder / f"{cset.id}_profiles.png").name
        if cset.kind == "ML" and any(r.meta_train for g in cset.groups for r in g.runs):
            files["meta_gap"] = figures.plot_meta_gap(cset, folder / f"{cset.id}_meta.png").name
        set_blocks.append({
            "id": cset.id,
            "comparison_id": block_id(cset.block),
            "benchmark": cset.benchmark,
            "kind": cset.kind,
            "protocol": cset.block,
            "groups": rows,
            "curves": curves,
            "curve_band": figures.band_caption(list(curves.values())) if curves else None,
            "improvement": poi,
            "figures": files,
        })  # fmt: skip
    cw = continual_groups(cw_records)
    for group in cw:
        group["figure"] = figures.plot_cw_matrix(group, folder / f"{group['id']}_matrix.png").name
    apart = kept_apart(sets) + continual_kept_apart(cw)
    if video and sets:
        video_info = _video(sets, folder, progress)
    else:
        video_info = {"file": None, "note": "Not rendered (--no-video)." if not video else
                      "No training run to show."}  # fmt: skip
    benchmarks = sorted({s.benchmark for s in sets} | {str(g["benchmark"]) for g in cw})
    return {
        "schema": REPORT_SCHEMA,
        "schema_version": REPORT_SCHEMA_VERSION,
        "title": title or f"manyworld results: {', '.join(benchmarks)}",
        "created": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "manyworld_version": __version__,
        "reported": REPORTED,
        "inputs": [str(p) for p in inputs],
        "sets": set_blocks,
        "kept_apart": apart,
        "continual": cw,
        "video": video_info,
        "left_out": left_out,
    }
