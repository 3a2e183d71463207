"""``manyworld report``: the results page, from real (tiny) training runs and CW result files.

The numbers of ``report.json`` are checked against values computed here straight from the
runs' evaluation files; runs trained on other task versions must be kept apart; and the
page is loaded in a real headless Chromium (no console error, the table's rows, every
image decoded, nothing fetched). Needs the ``learn`` and ``plot`` extras; the browser test
needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium`` package, and is
skipped without them unless ``MANYWORLD_REQUIRE_BROWSER`` is set (CI sets it to 1).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sp_stats

pytest.importorskip("jax")
pytest.importorskip("matplotlib")

from manyworld.agents.sac import SACConfig
from manyworld.cli import main as cli_main
from manyworld.evaluation import ContinualEvaluation, CWProtocol, ExpertAgent, RandomAgent
from manyworld.evaluation import stats as mw_stats
from manyworld.evaluation.results import write_result
from manyworld.report.collect import describe_machine
from manyworld.report.page import build_report
from manyworld.train.harness import RunConfig, train

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
TINY_CFG = SACConfig(hidden=(32, 32), batch_size=32, learning_starts=100)
TINY_RUN = RunConfig(steps=400, worlds_per_task=2, log_interval=100, eval_interval=200,
                     eval_variations=2, checkpoint_interval=0)  # fmt: skip
#: bootstrap replicates of the report under test (fewer than the default: a faster test)
REPS = 2_000


class _ForgetfulExpert(ExpertAgent):
    """The expert on the tasks it still knows, idle (zero actions) on the others: a CW agent
    with forgetting to show."""

    name = "forgetful-expert"

    def __init__(self, known: set[str]):
        super().__init__()
        self.known = known
        self._mask = np.zeros(0, bool)

    def set_world_tasks(self, tasks):
        super().set_world_tasks(tasks)
        self._mask = np.array([t in self.known for t in tasks])

    def act(self, obs):
        actions = np.array(super().act(obs), dtype=np.float64)
        actions[~self._mask] = 0.0
        return actions


def _cw_result(path: Path, horizon: int, forgetful: bool) -> Path:
    cw = ContinualEvaluation("CW10", CWProtocol(horizon=horizon, variations_per_task=1),
                             progress=None)  # fmt: skip
    seq = cw.benchmark.sequence
    for stage in range(len(seq)):
        # remembers the tasks of its last two stages
        agent = _ForgetfulExpert(set(seq[max(0, stage - 1): stage + 1])) if forgetful else RandomAgent(0)
        cw.evaluate_stage(stage, agent)
    result = cw.result(agent)
    cw.close()
    return write_result(path, result)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """A sweep directory of two groups of SAC runs on MT1(reach), a copy of one run that
    claims v1 of the task, and two CW result files of different protocols."""
    root = tmp_path_factory.mktemp("report-corpus")
    sweep = root / "sweep"
    (sweep / "runs").mkdir(parents=True)
    (sweep / "sweep.json").write_text(json.dumps({"name": "tiny"}))
    for seed in (0, 1):
        train("sac", "MT1(reach)", TINY_CFG, TINY_RUN.replace(seed=seed, checkpoint_interval=400),
              sweep / "runs" / f"sac-s{seed}", progress=None)  # fmt: skip
    train("sac", "MT1(reach)", TINY_CFG.replace(learning_starts=200), TINY_RUN,
          sweep / "runs" / "sac-late-s0", progress=None)  # fmt: skip
    # a run that has not evaluated yet: listed as left out, not reported
    started = sweep / "runs" / "sac-started-s2"
    started.mkdir()
    shutil.copy(sweep / "runs" / "sac-s0" / "config.json", started / "config.json")
    (started / "metrics.jsonl").write_text("")
    # the same run, as if trained on reach v1: its benchmark identity differs
    old = root / "older" / "sac-v1-s0"
    shutil.copytree(sweep / "runs" / "sac-s0", old, ignore=shutil.ignore_patterns("checkpoints"))
    identity = json.loads((old / "benchmark.json").read_text())
    identity["tasks"][0]["version"] = 1
    (old / "benchmark.json").write_text(json.dumps(identity))
    cw = root / "cw"
    cw.mkdir()
    _cw_result(cw / "forgetful.json", horizon=150, forgetful=True)
    _cw_result(cw / "random-h50.json", horizon=50, forgetful=False)
    return {"root": root, "sweep": sweep, "old": old, "cw": cw}


@pytest.fixture(scope="session")
def report(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports") / "page"
    content = build_report([corpus["sweep"], corpus["old"].parent, corpus["cw"]], out,
                           title="Tiny report", reps=REPS, progress=None)  # fmt: skip
    return out, content


def _final_eval(run_dir: Path) -> dict:
    files = sorted((Path(run_dir) / "evals").glob("step_*.json"), key=lambda p: int(p.stem[5:]))
    return json.loads(files[-1].read_text())


def _set_of(report_json: dict, run_dir: Path) -> dict:
    return next(s for s in report_json["sets"]
                if any(str(run_dir) in g["run_dirs"] for g in s["groups"]))  # fmt: skip


def test_numbers_are_those_of_the_final_evaluations(corpus, report):
    out, _ = report
    content = json.loads((out / "report.json").read_text())
    runs = corpus["sweep"] / "runs"
    main = _set_of(content, runs / "sac-s0")
    by_label = {g["label"]: g for g in main["groups"]}
    assert sorted(by_label) == ["learning_starts=100", "learning_starts=200"]
    assert by_label["learning_starts=100"]["seeds"] == [0, 1]
    assert by_label["learning_starts=200"]["seeds"] == [0]
    for group in main["groups"]:
        finals = [_final_eval(d) for d in group["run_dirs"]]
        tasks = sorted(finals[0]["per_task"])
        assert group["tasks"] == tasks == ["reach"]
        scores = np.array([[f["per_task"][t]["success_rate"] for t in tasks] for f in finals])
        assert group["scores"] == scores.tolist()
        # final, never the best: the newest evaluation's aggregate
        assert group["final_success_per_seed"] == [f["aggregate"]["success_rate"] for f in finals]
        assert group["iqm"]["point"] == pytest.approx(sp_stats.trim_mean(scores.ravel(), 0.25))
        assert group["mean"]["point"] == pytest.approx(scores.mean())
        est = mw_stats.interval_estimates(scores, ("mean", "iqm"), reps=REPS, seed=0)
        for metric in ("mean", "iqm"):
            assert group[metric]["low"] == pytest.approx(est[metric].low)
            assert group[metric]["high"] == pytest.approx(est[metric].high)
            assert group[metric]["low"] <= group[metric]["point"] <= group[metric]["high"]
        assert group["budget"] == "env_steps"
        assert group["budget_per_seed"] == [f["env_steps_trained"] for f in finals] == [400] * len(finals)
        walls = []
        for d in group["run_dirs"]:
            rows = [json.loads(x) for x in (Path(d) / "metrics.jsonl").read_text().splitlines()]
            walls.append(next(r["wall_s"] for r in rows if r["env_steps"] == 400))
        assert group["median_wall_s"] == pytest.approx(np.median(walls))
        configs = [json.loads((Path(d) / "config.json").read_text()) for d in group["run_dirs"]]
        assert group["hardware"] == sorted({describe_machine(c["machine"]) for c in configs})
        assert str(os.cpu_count()) in group["hardware"][0]
        assert group["published"] is None  # no paper reports SAC on MT1(reach)
    assert len(main["improvement"]) == 1
    assert set(main["figures"]) == {"curves", "profiles"}  # one task: no per-task heat map
    for name in main["figures"].values():
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the curves: the mean over seeds at each common evaluation, a min-max band for 2 seeds
    curve = main["curves"][by_label["learning_starts=100"]["name"]]
    assert curve["steps"] == [200, 400] and curve["band"] == "minmax"
    finals_200 = [json.loads((runs / f"sac-s{s}" / "evals" / "step_000000000200.json").read_text())
                  for s in (0, 1)]  # fmt: skip
    at_200 = [f["aggregate"]["success_rate"] for f in finals_200]
    assert curve["mean"][0] == pytest.approx(np.mean(at_200))
    assert (curve["low"][0], curve["high"][0]) == pytest.approx((min(at_200), max(at_200)))


def test_runs_of_other_task_versions_and_protocols_are_kept_apart(corpus, report):
    out, content = report
    runs = corpus["sweep"] / "runs"
    main, older = _set_of(content, runs / "sac-s0"), _set_of(content, corpus["old"])
    assert main["id"] != older["id"]  # never one table
    assert [g["run_dirs"] for g in older["groups"]] == [[str(corpus["old"])]]
    apart = [a for a in content["kept_apart"] if a["benchmark"] == "MT1(reach)"]
    assert len(apart) == 1
    assert any("trained_task_versions differs (reach: 2 vs 1)" in d for d in apart[0]["differences"])
    page = (out / "index.html").read_text()
    section = re.search(r'<section id="kept-apart" class="refusal">(.*?)</section>', page, re.DOTALL)
    assert section and "reach: 2 vs 1" in section.group(1) and "MT1(reach)" in section.group(1)
    # CW files of different horizons: separate tables, and the reason
    cw_apart = [a for a in content["kept_apart"] if a["benchmark"] == "CW10"]
    assert len(cw_apart) == 1 and any(d.startswith("horizon") for d in cw_apart[0]["differences"])
    assert "## Kept apart: not compared" in (out / "report.md").read_text()
    started = corpus["sweep"] / "runs" / "sac-started-s2"
    assert [x["path"] for x in content["left_out"]] == [str(started)]
    assert "no evaluation yet" in content["left_out"][0]["reason"]


def test_an_unfinished_run_is_left_out_unless_asked_for(corpus, tmp_path):
    # a copy of a finished run whose budget is twice what it has trained: its newest
    # evaluation is not a final one (a run still training, or one stopped early)
    run = tmp_path / "runs" / "sac-unfinished-s3"
    shutil.copytree(corpus["sweep"] / "runs" / "sac-s1", run, ignore=shutil.ignore_patterns("checkpoints"))
    config = json.loads((run / "config.json").read_text())
    config["run"]["steps"] *= 2
    (run / "config.json").write_text(json.dumps(config))
    finished = corpus["sweep"] / "runs" / "sac-s0"
    content = build_report([finished, run], tmp_path / "a", video=False, reps=REPS, progress=None)
    assert [x["path"] for x in content["left_out"]] == [str(run)]
    assert "not finished" in content["left_out"][0]["reason"]
    both = build_report([finished, run], tmp_path / "b", video=False, include_unfinished=True,
                        reps=REPS, progress=None)  # fmt: skip
    assert both["left_out"] == []


def test_continual_matrix_and_metrics(corpus, report):
    _, content = report
    forgetful = next(g for g in content["continual"] if g["label"] == "forgetful-expert")
    result = json.loads((corpus["cw"] / "forgetful.json").read_text())
    assert forgetful["matrix"] == result["continual"]["success_matrix"]
    metrics = result["continual"]["metrics"]
    assert forgetful["average_performance"] == pytest.approx(metrics["average_performance"])
    assert forgetful["forgetting"] == pytest.approx(metrics["forgetting"]) and metrics["forgetting"] > 0
    assert forgetful["forward_transfer"] is None  # no training curves in a scripted run


def test_markdown_names_files_beside_it_and_the_video(report):
    out, content = report
    md = (out / "report.md").read_text()
    names = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert names and all((out / n).is_file() for n in names)
    video = content["video"]
    if video["file"] is None:
        # only a machine without an offscreen GL backend may skip it, and the page says why
        assert os.environ.get("MUJOCO_GL") != "osmesa", video["note"]
        assert "Rendering unavailable" in video["note"]
        return
    gif = (out / video["file"]).read_bytes()
    assert gif[:6] == b"GIF89a" and len(gif) < 400_000
    assert video["algo"] == "sac" and video["tasks"] == ["reach"] and video["frames"] <= 60
    assert video["file"] in names


def test_cli_mistakes_are_one_line_and_a_report_is_replaced_whole(corpus, report, tmp_path, capsys):
    missing = tmp_path / "nope"
    assert cli_main(["report", str(missing), "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.strip() == f"error: {missing}: no such file or directory"
    (tmp_path / "empty").mkdir()
    assert cli_main(["report", str(tmp_path / "empty"), "--out", str(tmp_path / "o")]) == 2
    assert "no run directories" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    assert cli_main(["report", str(corpus["sweep"]), "--out", str(tmp_path / "file")]) == 2
    assert "is a file" in capsys.readouterr().err
    assert cli_main(["report", str(corpus["sweep"]), "--out", str(corpus["sweep"])]) == 2
    err = capsys.readouterr().err
    assert "folder of other files" in err and len(err.strip().splitlines()) == 1
    assert (corpus["sweep"] / "sweep.json").is_file()  # untouched
    # a previous report is replaced whole: no file of the old one is left
    out = tmp_path / "page"
    shutil.copytree(report[0], out)
    assert cli_main(["report", str(corpus["sweep"] / "runs" / "sac-s0"), "--out", str(out),
                     "--no-video", "--title", "Again"]) == 0  # fmt: skip
    assert "wrote" in capsys.readouterr().out
    content = json.loads((out / "report.json").read_text())
    assert content["title"] == "Again" and len(content["sets"]) == 1
    assert not (out / "policy.gif").exists() and "--no-video" in content["video"]["note"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_the_page_says_when_rendering_is_unavailable(corpus, tmp_path, monkeypatch):
    import manyworld.report.video

    def no_gl(*args, **kwargs):
        raise RuntimeError("no OpenGL context")

    monkeypatch.setattr(manyworld.report.video, "render_policy_gif", no_gl)
    content = build_report([corpus["sweep"] / "runs" / "sac-s0"], tmp_path / "r", reps=200,
                           progress=None)  # fmt: skip
    assert content["video"]["file"] is None
    assert "Rendering unavailable (RuntimeError: no OpenGL context)" in content["video"]["note"]
    assert "Rendering unavailable" in (tmp_path / "r" / "index.html").read_text()


def test_a_run_resumes_on_another_machine(tmp_path, monkeypatch):
    import manyworld.bench

    run_dir = tmp_path / "run"
    train("sac", "MT1(reach)", TINY_CFG,
          TINY_RUN.replace(steps=200, eval_interval=0, checkpoint_interval=200), run_dir,
          progress=None)  # fmt: skip
    assert json.loads((run_dir / "config.json").read_text())["machine"]["cpu_count"] == os.cpu_count()
    other = {"machine": "aarch64", "cpu": "Another CPU", "cpu_count": 64, "platform": "Linux-x"}
    monkeypatch.setattr(manyworld.bench, "hardware", lambda: other)
    train("sac", "MT1(reach)", TINY_CFG,
          TINY_RUN.replace(steps=400, eval_interval=0, checkpoint_interval=200), run_dir,
          resume=True, progress=None)  # fmt: skip
    assert json.loads((run_dir / "config.json").read_text())["machine"] == other


# ---------------------------------------------------------------- in a real browser
def _browser():
    """A headless Chromium driven by Selenium through Debian's chromedriver (never a download)."""
    required = os.environ.get("MANYWORLD_REQUIRE_BROWSER", "") not in ("", "0")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as err:
        missing = f"selenium is not installed ({err})"
    else:
        missing = next((f"{p} is missing (apt-get install chromium chromium-driver)"
                        for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)), None)  # fmt: skip
    if missing:
        if required:
            pytest.fail(f"MANYWORLD_REQUIRE_BROWSER is set but {missing}")
        pytest.skip(missing)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", f"--user-data-dir={profile}"):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options), profile


def test_the_page_in_headless_chromium(corpus, report):
    out, content = report
    page = (out / "index.html").read_text()
    # self-contained: no script, and every image is a data URI
    assert "<script" not in page
    assert all(src.startswith("data:image/") for src in re.findall(r'<img[^>]* src="([^"]*)"', page))
    driver, profile = _browser()
    try:
        driver.set_window_size(1280, 900)
        driver.get((out / "index.html").resolve().as_uri())
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors
        images = driver.execute_script(
            "return [...document.images].map(i => [i.complete, i.naturalWidth, i.alt])")
        expected = sum(len(s["figures"]) for s in content["sets"]) + len(content["continual"])
        expected += 1 if content["video"]["file"] else 0
        assert len(images) == expected
        assert all(done and width > 0 for done, width, _ in images), images
        # nothing was fetched: data URIs are no resource entries
        assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
        main = _set_of(content, corpus["sweep"] / "runs" / "sac-s0")
        rows = driver.execute_script(
            f"return [...document.querySelectorAll('#{main['id']} table.results tr.group')]"
            ".map(r => [r.dataset.name, r.dataset.seeds, r.cells[3].textContent])")
        iqm = [f"{100 * g['iqm']['point']:.1f} [{100 * g['iqm']['low']:.1f}, "
               f"{100 * g['iqm']['high']:.1f}]" for g in main["groups"]]  # fmt: skip
        assert rows == [[g["name"], str(g["n_seeds"]), cell] for g, cell in zip(main["groups"], iqm)]
        # the table at a glance: one row per group of every set, with the same IQM
        glance = driver.execute_script(
            "return [...document.querySelectorAll('#glance tbody tr')].map(r => r.cells[3].textContent)")
        assert len(glance) == sum(len(s["groups"]) for s in content["sets"])
        assert set(iqm) <= set(glance)
        heading = driver.execute_script("return document.querySelector('#kept-apart h2').textContent")
        assert "Kept apart" in heading
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
