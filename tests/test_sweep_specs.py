"""The sweep specs in the repository: every one resolves, the specs of benchmarks/sweeps/ train
exactly the runs of the hand-pinned loops they replaced, and the benchmark scripts run them and
report from their sweep directories. Nothing trains: specs are resolved, commands parsed, and
the scripts run against stand-ins for `manyworld`, `python` and `taskset` that record their
arguments."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from manyworld.sweep.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from sweep_equivalence import HAND_RUNS, RENAMED, SPECS, compare, resolve_command

ALL_SPECS = sorted((ROOT / "examples" / "sweeps").glob("*.toml")) + sorted(
    (ROOT / "benchmarks" / "sweeps").glob("*.toml")
)
SCRIPTS = ("learning", "onpolicy", "meta", "offline")


def _cases(script: str) -> list[str]:
    return [c for c in HAND_RUNS if c.split("-", 1)[0] == script]


@pytest.mark.parametrize("path", ALL_SPECS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_spec_resolves_with_unique_run_names(path):
    sweep = load_spec(path)
    names = [r["name"] for r in sweep.runs]
    assert names and len(set(names)) == len(names)


def test_every_table_spec_is_checked_against_its_script():
    """A spec in benchmarks/sweeps/ reproduces a table: sweep_equivalence.py must know it."""
    checked = {Path(p).name for p in SPECS.values()}
    # Ray's overhead (benchmarks/sweep_overhead.sh) and new tables that no hand loop ran before
    others = {"sac-overhead.toml", "learnability-ppo.toml", "learnability-sac.toml", "offline-bc-medium.toml",
              "offline-td3bc-a10.toml", "replay-sac.toml", "onpolicy-mt10-v2.toml",
              "onpolicy-mt10-others-v2.toml", "onpolicy-push.toml", "onpolicy-mt50.toml",
              "meta-ml10.toml", "meta-ml45.toml", "meta-ml1-v2.toml"}
    unchecked = {p.name for p in (ROOT / "benchmarks" / "sweeps").glob("*.toml")} - checked - others
    assert not unchecked, f"add these to benchmarks/sweep_equivalence.py: {sorted(unchecked)}"


@pytest.mark.parametrize("case", list(SPECS))
def test_spec_header_and_resources(case):
    """Named as its file (the scripts' --out is $RUNS/<file stem>), one core per run as the
    scripts pinned them, and a header that gives the command that runs it."""
    path = ROOT / SPECS[case]
    sweep = load_spec(path)
    assert sweep.name == path.stem
    assert sweep.resources.cpus == 1 and sweep.resources.gpus == 0
    text = path.read_text()
    assert text.startswith("#") and f"manyworld sweep {SPECS[case]}" in text
    assert all(r["run"]["num_threads"] == 1 for r in sweep.runs)  # as the scripts passed


@pytest.mark.parametrize("case", list(HAND_RUNS))
def test_spec_trains_exactly_the_scripts_runs(case):
    assert compare(case) == []


def test_compare_finds_a_changed_field_and_a_missing_run(tmp_path):
    spec = (ROOT / SPECS["learning-push"]).read_text()
    assert "eval_interval = 50000" in spec and "seeds = [0, 1, 2]" in spec
    (tmp_path / "benchmarks" / "sweeps").mkdir(parents=True)
    (tmp_path / SPECS["learning-push"]).write_text(
        spec.replace("eval_interval = 50000", "eval_interval = 25000")
        .replace("seeds = [0, 1, 2]", "seeds = [0, 1]")
    )
    problems = compare("learning-push", root=tmp_path)
    assert "sac-push-s2: no sweep run 'sac-push-s2'" in problems
    assert any(p.startswith("sac-push-s0 -> sac-push-s0: run.eval_interval: 50000") for p in problems)


def test_renamed_runs_are_the_ones_the_naming_scheme_cannot_keep():
    hand_names = {resolve_command(c).name for cmds in HAND_RUNS.values() for c in cmds}
    assert set(RENAMED) <= hand_names
    # each renamed run keeps its algorithm, benchmark and seed in its name
    for old, new in RENAMED.items():
        assert old.split("-")[0] == new.split("-")[0] and old[-3:] == new[-3:]


# ------------------------------------------------------------------ the scripts
STUB = """#!/bin/bash
# records its name and arguments, one record per call
{ printf '%s\\x1f' "$(basename "$0")" "$@"; printf '\\x1e'; } >> "$STUB_LOG"
"""
TASKSET = """#!/bin/bash
shift 2  # -c CORE
exec "$@"
"""


def _run_script(script: str, args: list[str], cwd: Path, runs: str) -> list[list[str]]:
    """Run benchmarks/run_<script>.sh ARGS in cwd with stand-ins; the calls they recorded."""
    bin_dir = cwd / "stub-bin"
    bin_dir.mkdir(exist_ok=True)
    for name, text in (("manyworld", STUB), ("python", STUB), ("taskset", TASKSET)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    log = cwd / "stub.log"
    log.write_text("")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "STUB_LOG": str(log),
           "RUNS": runs, "KEPT": str(cwd / "kept")}
    env.pop("DATA", None)
    done = subprocess.run(["bash", f"benchmarks/run_{script}.sh", *args], cwd=cwd, env=env,
                          check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [rec.split("\x1f")[:-1] for rec in log.read_text().split("\x1e")[:-1]]


@pytest.mark.parametrize("case", list(HAND_RUNS))
def test_script_case_runs_its_spec(case, tmp_path):
    """`run_<script>.sh CASE ARGS` is `manyworld sweep SPEC --out $RUNS/<spec name> ARGS`."""
    script, name = case.split("-", 1)
    name = "single" if case == "learning-single" else name
    calls = _run_script(script, [name, "--dry-run"], _script_tree(tmp_path, script), "runs")
    stem = Path(SPECS[case]).stem
    assert calls == [["manyworld", "sweep", SPECS[case], "--out", f"runs/{stem}", "--dry-run"]]


def _referenced(calls: list[list[str]], cwd: Path) -> list[str]:
    """The run directories the report's calls read (LABEL=GLOB arguments expanded)."""
    paths = []
    for call in calls:
        args = call[1:]
        if call[0] == "python":
            args = args[1:]  # the report script
        keep = []
        skip = False
        for a in args:
            if skip:
                skip = False
            elif a in ("--out", "--label", "--variations"):
                skip = True
            elif not a.startswith("--") and a != "curves":
                keep.append(a)
        for a in keep:
            pattern = a.split("=", 1)[1] if "=" in a else a
            found = glob.glob(str(cwd / pattern))
            assert found, f"{call[0]} {call[1]}: {a} names no run directory"
            paths += [Path(f).name for f in found]
    return paths


def _script_tree(tmp_path: Path, script: str) -> Path:
    """A folder to run the script in, as if it were the repository root: what the script
    writes (results, run directories) stays in tmp_path."""
    cwd = tmp_path / "repo"
    (cwd / "benchmarks").mkdir(parents=True)
    shutil.copy(ROOT / "benchmarks" / f"run_{script}.sh", cwd / "benchmarks")
    return cwd


def _fake_run(path: Path) -> None:
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}")


@pytest.mark.parametrize("script", SCRIPTS)
def test_report_reads_the_sweeps(script, tmp_path):
    """Every run of the script's sweeps reaches the report (meta: modes reads the second probe;
    the first is read by none: docs/meta-learning.md quotes its metrics), and nothing else."""
    cwd = _script_tree(tmp_path, script)
    expected = set()
    for case in _cases(script):
        sweep = load_spec(ROOT / SPECS[case])
        for run in sweep.runs:
            _fake_run(cwd / "runs" / sweep.name / "runs" / run["name"])
            expected.add(run["name"])
    calls = _run_script(script, ["report"], cwd, "runs")
    if script == "meta":
        calls += _run_script(script, ["modes"], cwd, "runs")
        expected.discard("rl2-probe-reach-s0")
    seen = _referenced(calls, cwd)
    assert set(seen) == expected


@pytest.mark.parametrize("script", SCRIPTS)
def test_report_still_reads_runs_started_by_hand(script, tmp_path):
    """Kept runs (`keep` copies them flat) and the runs of the hand-run era, under their names."""
    cwd = _script_tree(tmp_path, script)
    expected = set()
    for case in _cases(script):
        for cmd in HAND_RUNS[case]:
            name = resolve_command(cmd).name
            _fake_run(cwd / "runs" / name)
            expected.add(name)
    calls = _run_script(script, ["report"], cwd, "runs")
    if script == "meta":
        calls += _run_script(script, ["modes"], cwd, "runs")
        expected.discard("rl2-reach-probe-s0")
    assert set(_referenced(calls, cwd)) == expected


@pytest.mark.parametrize("script", ("onpolicy", "meta"))
def test_keep_copies_the_sweeps_runs_flat(script, tmp_path):
    cwd = _script_tree(tmp_path, script)
    for name in ("a-s0", "b-s1"):
        run = cwd / "runs" / f"{script}-x" / "runs" / name
        _fake_run(run)
        (run / "metrics.jsonl").write_text("")
        (run / "evals").mkdir()
    _run_script(script, ["keep"], cwd, "runs")
    assert sorted(p.name for p in (cwd / "kept").iterdir()) == ["a-s0", "b-s1"]
