"""The report's two renderings of ``report.json``: a self-contained HTML page and Markdown.

The HTML page carries its images as base64 data URIs and its style inline, runs no
script and names no other file or host, so it can be mailed or archived as one file.
The Markdown names the image files saved beside it (for a README).
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path
from typing import Any

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f;
       max-width: 1180px; margin: 0 auto; padding: 1.2em 1.5em 3em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin-top: 1.4em; }
.meta, .protocol, figcaption, .caption { color: #555; font-size: 0.92em; }
.note { background: #f3f6fa; border-left: 4px solid #4a78b5; padding: 0.5em 0.9em; }
.refusal { background: #fff6e5; border: 2px solid #d48806; border-radius: 6px;
           padding: 0.3em 1.1em 0.8em; margin-top: 1.5em; }
.refusal h2 { border: none; color: #a15c00; margin-top: 0.6em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { border: 1px solid #d5d5d5; padding: 0.3em 0.55em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.source { color: #666; font-size: 0.85em; }
figure { margin: 1em 0; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
img.video { image-rendering: pixelated; max-width: 100%; height: auto; }
nav ul { columns: 2; }
code { background: #f4f4f4; padding: 0 0.25em; }
"""


# ------------------------------------------------------------------ formatting
def pct(x: float | None, digits: int = 1) -> str:
    """A success rate in percent (``"-"`` for None)."""
    return "-" if x is None else f"{100 * x:.{digits}f}"


def estimate(e: dict[str, float]) -> str:
    """``"87.3 [84.1, 90.2]"`` (percent)."""
    return f"{pct(e['point'])} [{pct(e['low'])}, {pct(e['high'])}]"


def count(x: float) -> str:
    """Env steps or updates: ``400``, ``50k``, ``1.25M``."""
    if x >= 1e6:
        return f"{x / 1e6:.2f}M"
    if x >= 1e4:
        return f"{x / 1e3:.0f}k"
    return f"{int(x):,}"


def duration(seconds: float) -> str:
    """``"42 s"``, ``"12.3 min"``, ``"2.1 h"`` (``"not recorded"`` for a run that logged no row)."""
    if not math.isfinite(seconds):
        return "not recorded"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 3 * 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def budget_cell(row: dict[str, Any]) -> str:
    """The budget at the final evaluation: one figure when the seeds agree, else the range."""
    lo, hi = min(row["budget_per_seed"]), max(row["budget_per_seed"])
    return count(lo) if lo == hi else f"{count(lo)}-{count(hi)}"


def budget_name(rows: list[dict[str, Any]]) -> str:
    return "gradient updates" if rows and rows[0]["budget"] == "updates" else "env steps"


def protocol_summary(block: dict[str, Any]) -> str:
    """One line of what a comparison set's evaluations share."""
    parts = [f"{block.get('kind', '?')} protocol"]
    if block.get("kind") == "ML":
        parts.append(f"{block.get('split', 'test')} tasks, {block.get('test_variations', '?')} "
                     f"variations each, {block.get('adaptation_episodes', '?')} adaptation episodes "
                     f"x {block.get('adaptation_steps', '?')}, {block.get('evaluation_episodes', '?')} "
                     "scored episodes")  # fmt: skip
    else:
        parts.append(f"{block.get('split', 'train')} variations, {block.get('variations_per_task', '?')} "
                     f"per task, {block.get('episodes_per_variation', '?')} episode(s) each")  # fmt: skip
    parts.append(f"horizon {block.get('horizon')}")
    parts.append(f"terminate-on-success {'on' if block.get('terminate_on_success') else 'off'}")
    parts.append(f"goal {'visible' if block.get('goal_visible') else 'hidden'}")
    parts.append(f"one-hot {'on' if block.get('one_hot') else 'off'}")
    versions = block.get("task_versions") or {}
    distinct = sorted({v for v in versions.values()}, key=str)
    if len(distinct) == 1:
        parts.append(f"task version {distinct[0]}")
    elif versions:
        parts.append("task versions " + ", ".join(f"{t} v{v}" for t, v in versions.items()))
    parts.append(f"benchmark hash {block.get('benchmark_hash')}")
    return "; ".join(parts)


def _published(row: dict[str, Any]) -> tuple[str, str]:
    p = row["published"]
    return ("-", "") if p is None else (f"{p['percent']:.1f}%", p["source"])


def _seeds(row: dict[str, Any]) -> str:
    return " / ".join(pct(s) for s in row["final_success_per_seed"])


def _headers(cset: dict[str, Any]) -> list[str]:
    heads = ["group", "seeds", "final success per seed (%)", "IQM [95% CI] (%)",
             "mean [95% CI] (%)", f"{budget_name(cset['groups'])} (final eval)",
             "wall-clock (median)", "hardware", "published"]  # fmt: skip
    if cset["kind"] == "ML":
        heads.insert(5, "meta-train success, mean (%)")
    return heads


def _meta_train(row: dict[str, Any]) -> str:
    vals = [v for v in row["meta_train_success_per_seed"] or [] if v is not None]
    return pct(sum(vals) / len(vals)) if vals else "not recorded"


def table_caption(cset: dict[str, Any]) -> str:
    reps = cset["groups"][0]["bootstrap_reps"]
    return (
        "Final evaluation success (the newest evaluation of each run, never the maximum over "
        "training). IQM and mean over the seeds x tasks matrix of final per-task success, with "
        f"95% stratified-bootstrap intervals ({reps:,} replicates; one seed: the interval is the "
        "point and says nothing of the spread over seeds). Budget and wall-clock at the final "
        "evaluation (wall-clock includes evaluations; median over seeds). Published figures are "
        "as their source measured them (see the source), not necessarily the same protocol."
    )


# ------------------------------------------------------------------ HTML
def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _img(folder: Path, name: str, alt: str, css_class: str = "", width: int = 0) -> str:
    data = (folder / name).read_bytes()
    mime = "image/gif" if name.endswith(".gif") else "image/png"
    uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    cls = f' class="{css_class}"' if css_class else ""
    size = f' width="{width}"' if width else ""
    return f'<img{cls}{size} src="{uri}" alt="{_e(alt)}">'


def _figure(folder: Path, name: str, alt: str, caption: str) -> str:
    return f"<figure>{_img(folder, name, alt)}<figcaption>{_e(caption)}</figcaption></figure>"


def _table(headers: list[str], rows: list[list[str]], css_class: str = "", row_attrs: list[str] | None = None,
           numeric: set[int] | None = None) -> str:  # fmt: skip
    """An HTML table; cells are already escaped HTML."""
    numeric = numeric or set()
    attrs = row_attrs or [""] * len(rows)
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        f"<tr{a}>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                             for i, c in enumerate(r)) + "</tr>"
        for r, a in zip(rows, attrs)
    )  # fmt: skip
    cls = f' class="{css_class}"' if css_class else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _results_rows(cset: dict[str, Any]) -> list[list[str]]:
    rows = []
    for g in cset["groups"]:
        value, source = _published(g)
        cells = [
            f"<b>{_e(g['short_name'])}</b>" + (f"<br>{_e(g['label'])}" if g["label"] else "")
            + f'<br><span class="source">config {_e(g["config_id"])}</span>',
            _e(", ".join(map(str, g["seeds"]))) + f" ({g['n_seeds']})",
            _e(_seeds(g)),
            _e(estimate(g["iqm"])),
            _e(estimate(g["mean"])),
            _e(budget_cell(g)),
            _e(duration(g["median_wall_s"])),
            _e("; ".join(g["hardware"])),
            _e(value) + (f'<br><span class="source">{_e(source)}</span>' if source else ""),
        ]
        if cset["kind"] == "ML":
            cells.insert(5, _e(_meta_train(g)))
        rows.append(cells)
    return rows


GLANCE_HEADERS = ["benchmark", "group", "seeds", "final success, IQM [95% CI] (%)",
                  "mean [95% CI] (%)", "budget (final eval)", "wall-clock (median)", "published"]


def glance_rows(report: dict[str, Any]) -> list[list[str]]:
    """One row per group of every set: the paper's table (algorithm x benchmark) in one place.

    Rows of different sets sit in one table but are not a comparison: each set's own
    section says under which protocol its numbers were measured.
    """
    rows = []
    for s in report["sets"]:
        for g in s["groups"]:
            value, _ = _published(g)
            rows.append([s["benchmark"] + (f" ({s['id']})" if len(report["sets"]) > 1 else ""),
                         g["short_name"] + (f" ({g['label']})" if g["label"] else ""),
                         str(g["n_seeds"]), estimate(g["iqm"]), estimate(g["mean"]),
                         budget_cell(g), duration(g["median_wall_s"]), value])  # fmt: skip
    return rows


def _glance_html(report: dict[str, Any]) -> str:
    rows = [[_e(c) for c in r] for r in glance_rows(report)]
    return ('<section id="glance"><h2>At a glance</h2>'
            + _table(GLANCE_HEADERS, rows, numeric={2, 3, 4, 5, 6})
            + '<p class="caption">Every group of every set, final evaluation. Sets measured under '
            "different protocols or benchmark identities are listed together here but compared "
            "only inside their own sections below.</p></section>")  # fmt: skip


def _kept_apart_html(report: dict[str, Any]) -> str:
    apart = report["kept_apart"]
    benches = sorted({s["benchmark"] for s in report["sets"]})
    items = []
    for a in apart:
        items.append(
            f"<li><b>{_e(a['benchmark'])}</b>: {_e('; '.join(a['groups']))} "
            f"(<a href=\"#{_e(a['set'])}\">{_e(a['set'])}</a>) was not compared with "
            f"{_e('; '.join(a['other_groups']))} (<a href=\"#{_e(a['other_set'])}\">"
            f"{_e(a['other_set'])}</a>): <ul>"
            + "".join(f"<li><code>{_e(d)}</code></li>" for d in a["differences"])
            + "</ul></li>"
        )
    text = (
        "Results compare only under identical evaluation protocols and benchmark identities "
        "(task versions, variation sets), as <code>manyworld compare</code> requires. "
    )
    if len(benches) > 1:
        text += f"Different benchmarks ({_e(', '.join(benches))}) are always reported apart. "
    if items:
        text += "Within a benchmark, these groups were kept in separate tables, for these reasons:"
    else:
        text += "Within each benchmark every group was comparable with the others: nothing was kept apart."
    return (f'<section id="kept-apart" class="refusal"><h2>&#9888; Kept apart: not compared</h2>'
            f"<p>{text}</p>" + (f"<ul>{''.join(items)}</ul>" if items else "") + "</section>")  # fmt: skip


def _set_html(cset: dict[str, Any], folder: Path) -> str:
    heading = (f'<section id="{_e(cset["id"])}"><h2>{_e(cset["benchmark"])} '
               f'<span class="source">({_e(cset["id"])})</span></h2>')  # fmt: skip
    parts = [heading, f'<p class="protocol">{_e(protocol_summary(cset["protocol"]))}</p>']
    attrs = [f' class="group" data-algo="{_e(g["algo"])}" data-name="{_e(g["name"])}" '
             f'data-seeds="{g["n_seeds"]}"' for g in cset["groups"]]  # fmt: skip
    heads = _headers(cset)
    numeric = {i for i, h in enumerate(heads) if h not in ("group", "hardware", "published")}
    parts.append(_table(heads, _results_rows(cset), "results", attrs, numeric))
    parts.append(f'<p class="caption">{_e(table_caption(cset))}</p>')
    files = cset["figures"]
    if "curves" in files:
        parts.append(_figure(folder, files["curves"], f"learning curves, {cset['benchmark']}",
                             "Evaluation success against " + budget_name(cset["groups"])
                             + " and wall-clock: mean over seeds at the evaluations every seed has. "
                             + (cset["curve_band"] or "")))  # fmt: skip
    if "tasks" in files:
        parts.append(_figure(folder, files["tasks"], f"per-task final success, {cset['benchmark']}",
                             "Final success per task, mean over each group's seeds."))  # fmt: skip
    if "profiles" in files:
        parts.append(_figure(folder, files["profiles"], f"performance profiles, {cset['benchmark']}",
                             "Left: performance profiles of final success (fraction of runs x tasks "
                             "above each threshold, 95% stratified-bootstrap bands). Right: "
                             "probability that a run of one group beats a run of another, per task "
                             "and averaged over tasks (ties count one half), 95% CIs."))  # fmt: skip
        rows = [[_e(f"P({p['x']} > {p['y']})"), _e(f"{p['point']:.2f} [{p['low']:.2f}, {p['high']:.2f}]")]
                for p in cset["improvement"]]  # fmt: skip
        parts.append(_table(["comparison", "probability of improvement [95% CI]"], rows, "poi",
                            numeric={1}))  # fmt: skip
    if "meta_gap" in files:
        parts.append("<h3>Meta-train vs meta-test</h3>")
        rows = [[_e(g["name"]), _e(_meta_train(g)), _e(pct(sum(g["final_success_per_seed"])
                                                            / g["n_seeds"]))]
                for g in cset["groups"]]  # fmt: skip
        parts.append(_table(["group", "meta-train tasks (%)", "meta-test tasks (%)"], rows, "meta",
                            numeric={1, 2}))  # fmt: skip
        parts.append(_figure(folder, files["meta_gap"], "meta-train vs meta-test",
                             "Final success on the meta-training tasks (evals_meta_train/) and on "
                             "the held-out meta-test tasks (evals/): bars the mean, dots the seeds."))
    parts.append("</section>")
    return "".join(parts)


def _continual_html(report: dict[str, Any], folder: Path) -> str:
    groups = report["continual"]
    if not groups:
        return ""
    parts = ['<section id="continual"><h2>Continual World (CW) results</h2>']
    for g in groups:
        parts.append(f"<h3 id=\"{_e(g['id'])}\">{_e(g['label'])} on {_e(g['benchmark'])}</h3>"
                     f'<p class="protocol">{_e(protocol_summary(g["block"]))}</p>')  # fmt: skip
        rows = [[_e(f["path"]), _e(f["seed"]), _e(_num(f["average_performance"])),
                 _e(_num(f["forgetting"])),
                 _e(_num(f["forward_transfer"]) if f["forward_transfer"] is not None
                    else f"not computed: {f.get('forward_transfer_note') or 'no curves'}")]
                for f in g["files"]]  # fmt: skip
        rows.append(["<b>mean</b>", "", _e(_num(g["average_performance"])), _e(_num(g["forgetting"])),
                     _e(_num(g["forward_transfer"]))])  # fmt: skip
        parts.append(_table(["result file", "seed", "average performance", "forgetting",
                             "forward transfer"], rows, "continual", numeric={2, 3}))  # fmt: skip
        parts.append(_figure(folder, g["figure"], "CW success matrix",
                             "Success of each position's task (columns) after each stage (rows), "
                             "mean over the files; empty: not evaluated. Forgetting: success right "
                             "after a task's stage minus at the end; forward transfer needs each "
                             "stage's training curve and reference single-task AUCs."))  # fmt: skip
    parts.append("</section>")
    return "".join(parts)


def _num(x: Any) -> str:
    return "-" if x is None else f"{x:.3f}"


def video_caption(v: dict[str, Any]) -> str:
    tasks = ", ".join(
        f"{t} (final evaluation {pct(v['final_task_success'][t])}%, this episode "
        f"{'succeeds' if v['success'][t] else 'fails'})" for t in v["tasks"]
    )  # fmt: skip
    return (f"Best policy: {v['algo']} on {v['benchmark']}, seed {v['seed']} (final success "
            f"{pct(v['final_success'])}%), newest checkpoint, one episode per task side by side: "
            f"{tasks}. Rendered offscreen, {v['size']}x{v['size']} pixels per task.")  # fmt: skip


def _video_html(report: dict[str, Any], folder: Path) -> str:
    v = report["video"]
    parts = ['<section id="video"><h2>Policy video</h2>']
    if v.get("file"):
        # three screen pixels per rendered one: large enough to see, still sharp
        shown = 3 * (v["size"] * len(v["tasks"]) + 2 * (len(v["tasks"]) - 1))
        parts.append(f"<figure>{_img(folder, v['file'], 'policy rollout', 'video', shown)}"
                     f"<figcaption>{_e(video_caption(v))}</figcaption></figure>")  # fmt: skip
    else:
        parts.append(f'<p class="note">{_e(v["note"])}</p>')
    if v.get("skipped"):
        label = "Better runs that could not be shown" if v.get("file") else "Why, run by run"
        parts.append(f"<details><summary>{label}</summary><ul>"
                     + "".join(f"<li>{_e(s)}</li>" for s in v["skipped"]) + "</ul></details>")
    parts.append("</section>")
    return "".join(parts)


def render_html(report: dict[str, Any], folder: Path) -> str:
    """The self-contained page (``folder`` holds the images it embeds)."""
    n_runs = sum(g["n_seeds"] for s in report["sets"] for g in s["groups"])
    n_groups = sum(len(s["groups"]) for s in report["sets"])
    toc = ['<li><a href="#glance">At a glance</a></li>',
           '<li><a href="#kept-apart">Kept apart: not compared</a></li>']
    toc += [f'<li><a href="#{_e(s["id"])}">{_e(s["benchmark"])} ({_e(s["id"])})</a></li>'
            for s in report["sets"]]  # fmt: skip
    if report["continual"]:
        toc.append('<li><a href="#continual">Continual World results</a></li>')
    toc.append('<li><a href="#video">Policy video</a></li>')
    if report["left_out"]:
        toc.append('<li><a href="#left-out">Left out</a></li>')
    n_cw = sum(len(g["files"]) for g in report["continual"])
    meta = (f'<p class="meta">{n_runs} run(s) in {n_groups} group(s), {len(report["sets"])} '
            f"comparable set(s), {n_cw} CW result file(s). Generated {_e(report['created'])} by "
            f"manyworld {_e(report['manyworld_version'])}.</p>")  # fmt: skip
    body = [
        f"<header><h1>{_e(report['title'])}</h1>",
        meta,
        ('<p class="note">Every success figure is the <b>final</b> evaluation of a run, never the '
         "maximum over training.</p></header>"),
        f"<nav><ul>{''.join(toc)}</ul></nav>",
        _glance_html(report),
        _kept_apart_html(report),
        *(_set_html(s, folder) for s in report["sets"]),
        _continual_html(report, folder),
        _video_html(report, folder),
    ]
    if report["left_out"]:
        body.append('<section id="left-out"><h2>Left out</h2><ul>'
                    + "".join(f"<li><code>{_e(x['path'])}</code>: {_e(x['reason'])}</li>"
                              for x in report["left_out"]) + "</ul></section>")  # fmt: skip
    body.append(f'<footer class="meta"><p>Rebuild: <code>manyworld report '
                f"{_e(' '.join(report['inputs']))} --out DIR</code></p></footer>")  # fmt: skip
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(report['title'])}</title><style>{CSS}</style></head>"
            f"<body>{''.join(body)}</body></html>\n")  # fmt: skip


# ------------------------------------------------------------------ Markdown
def _md(x: Any) -> str:
    """A table cell: pipes escaped, one line."""
    return str(x).replace("|", "\\|").replace("\n", " ")


def _md_table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    return ["| " + " | ".join(map(_md, headers)) + " |", "|" + "---|" * len(headers),
            *("| " + " | ".join(map(_md, r)) + " |" for r in rows)]  # fmt: skip


def render_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown, naming the image files saved beside it."""
    out = [f"# {report['title']}", "",
           (f"Generated {report['created']} by manyworld {report['manyworld_version']}. Every "
            "success figure is the **final** evaluation of a run, never the maximum over training."),
           ""]  # fmt: skip
    out += ["## At a glance", "", *_md_table(GLANCE_HEADERS, glance_rows(report)), ""]
    out += ["## Kept apart: not compared", ""]
    if report["kept_apart"]:
        out.append("Results compare only under identical evaluation protocols and benchmark "
                   "identities; these groups were kept in separate tables:")  # fmt: skip
        out.append("")
        for a in report["kept_apart"]:
            out.append(f"- **{a['benchmark']}**: {'; '.join(a['groups'])} ({a['set']}) vs "
                       f"{'; '.join(a['other_groups'])} ({a['other_set']}): "
                       + "; ".join(f"`{d}`" for d in a["differences"]))  # fmt: skip
    else:
        out.append("Nothing was kept apart: every group was comparable with the others of its "
                   "benchmark.")  # fmt: skip
    out.append("")
    for s in report["sets"]:
        out += [f"## {s['benchmark']} ({s['id']})", "", protocol_summary(s["protocol"]), ""]
        rows = []
        for g in s["groups"]:
            value, source = _published(g)
            name = f"**{g['short_name']}**" + (f" ({g['label']})" if g["label"] else "")
            row = [name, f"{', '.join(map(str, g['seeds']))} ({g['n_seeds']})", _seeds(g),
                   estimate(g["iqm"]), estimate(g["mean"]), budget_cell(g),
                   duration(g["median_wall_s"]), "; ".join(g["hardware"]),
                   value + (f" ({source})" if source else "")]  # fmt: skip
            if s["kind"] == "ML":
                row.insert(5, _meta_train(g))
            rows.append(row)
        out += _md_table(_headers(s), rows) + ["", table_caption(s), ""]
        captions = {"curves": "learning curves", "tasks": "final success per task",
                    "profiles": "performance profiles and probability of improvement",
                    "meta_gap": "meta-train vs meta-test"}  # fmt: skip
        for key, name in s["figures"].items():
            out += [f"![{captions[key]}]({name})", ""]
            if key == "curves" and s["curve_band"]:
                out += [f"*Mean over seeds at the evaluations every seed has. {s['curve_band']}*", ""]
        if s["improvement"]:
            out += _md_table(["comparison", "probability of improvement [95% CI]"],
                             [[f"P({p['x']} > {p['y']})",
                               f"{p['point']:.2f} [{p['low']:.2f}, {p['high']:.2f}]"]
                              for p in s["improvement"]]) + [""]  # fmt: skip
    if report["continual"]:
        out += ["## Continual World (CW) results", ""]
        for g in report["continual"]:
            out += [f"### {g['label']} on {g['benchmark']}", "", protocol_summary(g["block"]), ""]
            rows = [[f["path"], f["seed"], _num(f["average_performance"]), _num(f["forgetting"]),
                     _num(f["forward_transfer"])] for f in g["files"]]  # fmt: skip
            rows.append(["**mean**", "", _num(g["average_performance"]), _num(g["forgetting"]),
                         _num(g["forward_transfer"])])  # fmt: skip
            out += _md_table(["result file", "seed", "average performance", "forgetting",
                              "forward transfer"], rows)  # fmt: skip
            out += ["", f"![CW success matrix]({g['figure']})", ""]
    out += ["## Policy video", ""]
    v = report["video"]
    out += ([f"![policy rollout]({v['file']})", "", video_caption(v)] if v.get("file")
            else [v["note"]])  # fmt: skip
    out.append("")
    if report["left_out"]:
        out += ["## Left out", ""] + [f"- `{x['path']}`: {x['reason']}" for x in report["left_out"]]
        out.append("")
    return "\n".join(out)
