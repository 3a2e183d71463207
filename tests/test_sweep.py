"""``manyworld sweep``: specs resolved and refused, sweeps on a local Ray instance (killed and
resumed, bit-identical to a hand-started run), status, and a two-node Ray cluster on loopback."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from manyworld.sweep.runner import prepare_sweep_dir, run_sweep
from manyworld.sweep.spec import SpecError, load_spec, resolve
from manyworld.sweep.state import is_locked, run_dir_of, sweep_status

# tiny runs: a few hundred env steps, small networks, evaluation on 2 variations at the end
TINY = """
name = "tiny"
seeds = [0, 1]
[defaults]
task = "reach"
steps = {steps}
log_interval = 100
eval_interval = {steps}
eval_variations = 2
checkpoint_interval = 100
[[runs]]
algo = "sac"
hidden = [32, 32]
batch_size = 32
learning_starts = 100
worlds_per_task = 2
[[runs]]
algo = "ppo"
hidden = [16]
value_hidden = [16]
rollout_steps = 50
epochs = 1
minibatches = 2
"""


def _spec(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "manyworld.cli", *args], check=False,
                          capture_output=True, text=True, timeout=600, **kw)  # fmt: skip


def _rows(run_dir: Path) -> list[dict]:
    from manyworld.train.harness import is_timing

    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    return [{k: v for k, v in json.loads(x).items() if not is_timing(k)} for x in lines]


# ------------------------------------------------------------------ specs
def test_spec_expands_entries_grids_and_seeds():
    sweep = resolve({
        "name": "g", "seeds": [0, 1], "defaults": {"log_interval": 1000},
        "runs": [
            {"algo": "sac", "task": "reach", "steps": 5000},
            {"algo": "sac", "grid": {"task": ["push", "reach"], "actor_lr": [1e-3, 3e-4]},
             "seeds": [7], "name": "lr"},
        ],
    })  # fmt: skip
    names = [r["name"] for r in sweep.runs]
    assert names == ["sac-reach-s0", "sac-reach-s1", "lr-push-actorlr0.001-s7",
                     "lr-push-actorlr0.0003-s7", "lr-reach-actorlr0.001-s7",
                     "lr-reach-actorlr0.0003-s7"]  # fmt: skip
    first = sweep.runs[0]
    assert first["benchmark"] == "MT1(reach)" and first["steps"] == 5000
    assert first["run"] == {"seed": 0, "num_threads": 1, "log_interval": 1000, "steps": 5000}
    assert sweep.runs[3]["agent"] == {"actor_lr": 3e-4}


@pytest.mark.parametrize("entry, message", [
    ({"algo": "sac", "task": "reach", "actor_lrr": 1}, "did you mean"),
    ({"algo": "sac", "task": "reach", "batch_size": 32.5}, "batch_size must be an integer"),
    ({"algo": "sac", "task": "reach", "batch_size": -3}, "batch_size"),
    ({"algo": "sac", "task": "reech"}, "reach"),
    ({"algo": "sacc", "task": "reach"}, "did you mean sac"),
    ({"algo": "sac", "task": "reach", "num_threads": 0}, "num_threads 0 does not fit"),
    ({"algo": "sac", "task": "reach", "seed": 3}, "seeds = [...]"),
    ({"algo": "sac", "task": "reach", "grid": {"tau": []}}, "non-empty list"),
    ({"algo": "sac", "task": "reach", "tau": 0.1, "grid": {"tau": [0.1]}}, "both as a fixed"),
    ({"algo": "sac"}, "needs a task"),
])  # fmt: skip
def test_spec_refuses_bad_entries_naming_the_entry(entry, message):
    with pytest.raises(SpecError, match="entry 1") as err:
        resolve({"runs": [entry]})
    assert message in str(err.value)


def test_spec_refuses_duplicate_names_and_bad_files(tmp_path):
    with pytest.raises(SpecError, match="two runs are named 'sac-reach-s0'"):
        resolve({"runs": [{"algo": "sac", "task": "reach"}, {"algo": "sac", "task": "reach"}]})
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(_spec(tmp_path, "runs = [", "bad.toml"))
    with pytest.raises(SpecError, match="does not exist"):
        load_spec(tmp_path / "missing.toml")
    with pytest.raises(SpecError, match="lists no runs"):
        load_spec(_spec(tmp_path, 'name = "x"\n', "empty.toml"))
    yaml_spec = _spec(tmp_path, "seeds: [3]\nruns:\n  - {algo: sac, task: reach}\n", "s.yaml")
    assert [r["name"] for r in load_spec(yaml_spec).runs] == ["sac-reach-s3"]


def test_cli_answers_a_bad_spec_with_one_line(tmp_path):
    out = _cli("sweep", str(_spec(tmp_path, '[[runs]]\nalgo = "sac"\ntask = "reach"\nbogus = 1\n')))
    assert out.returncode == 2
    assert out.stderr.strip().startswith("error: [[runs]] entry 1: 'bogus' is not a field")
    assert "Traceback" not in out.stderr
    dry = _cli("sweep", str(_spec(tmp_path, TINY.format(steps=400))), "--dry-run")
    assert dry.returncode == 0 and "sac-reach-s1: manyworld train --algo sac" in dry.stdout


def test_a_sweep_dir_refuses_a_changed_config_but_takes_a_longer_budget(tmp_path):
    sweep = load_spec(_spec(tmp_path, TINY.format(steps=400)))
    prepare_sweep_dir(sweep, tmp_path / "sw")
    longer = load_spec(_spec(tmp_path, TINY.format(steps=800), "longer.toml"))
    prepare_sweep_dir(longer, tmp_path / "sw")  # a resume may extend the budget
    changed = load_spec(_spec(tmp_path, TINY.format(steps=400).replace("[32, 32]", "[64]"), "c.toml"))
    with pytest.raises(ValueError, match="already holds run 'sac-reach-s0' with a different agent.hidden"):
        prepare_sweep_dir(changed, tmp_path / "sw")


def test_a_worker_exits_soon_after_its_driver_dies(tmp_path):
    # a worker of a killed sweep must not train on: it would hold its run directory, or finish
    # the run after the kill so that the re-run has nothing to resume
    driver = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    worker_code = (
        "import sys, time\n"
        "from manyworld.sweep.runner import exit_with_parent, process_start_time\n"
        f"exit_with_parent(({driver.pid}, process_start_time({driver.pid})), poll_s=0.05)\n"
        "print('watching', flush=True)\n"
        "time.sleep(60)\n"
    )
    worker = subprocess.Popen([sys.executable, "-c", worker_code], stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline().strip() == "watching"
        assert worker.poll() is None  # the driver lives: the worker goes on
        driver.kill()
        driver.wait()
        t0 = time.monotonic()
        assert worker.wait(timeout=10) == 70
        assert time.monotonic() - t0 < 2
    finally:
        driver.kill()
        worker.kill()


# ------------------------------------------------------------------ on Ray
def test_a_sweep_run_is_bit_identical_to_the_same_run_started_by_hand(tmp_path):
    from manyworld.train.harness import RunConfig, train
    from manyworld.train.registry import get_algo

    text = TINY.format(steps=200).replace("seeds = [0, 1]", "seeds = [1]")
    text = text.replace(text[text.index('[[runs]]\nalgo = "sac"') : text.index('[[runs]]\nalgo = "ppo"')], "")
    out = run_sweep(_spec(tmp_path, text), tmp_path / "sw", num_cpus=1, progress=None)
    assert out["counts"] == {"finished": 1}
    spec = get_algo("ppo")
    cfg = spec.config.replace(hidden=(16,), value_hidden=(16,), rollout_steps=50, epochs=1,
                              minibatches=2)  # fmt: skip
    run = RunConfig().replace(**spec.run).replace(
        seed=1, steps=200, log_interval=100, eval_interval=200, eval_variations=2,
        checkpoint_interval=100, num_threads=1,
    )
    train("ppo", "MT1(reach)", cfg, run, tmp_path / "hand", progress=None)
    assert _rows(run_dir_of(tmp_path / "sw", "ppo-reach-s1")) == _rows(tmp_path / "hand")
    # and at the driver's niceness, as by hand, not at Ray's default 15 for workers
    log = (run_dir_of(tmp_path / "sw", "ppo-reach-s1") / "train.log").read_text()
    assert f", nice {os.nice(0)}\n" in log


def test_a_sweep_killed_with_kill_9_resumes_from_its_checkpoints(tmp_path):
    spec = _spec(tmp_path, TINY.format(steps=400))
    sweep_dir = tmp_path / "sw"
    driver = subprocess.Popen(
        [sys.executable, "-m", "manyworld.cli", "sweep", str(spec), "--out", str(sweep_dir),
         "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while not list(sweep_dir.glob("runs/*/checkpoints/step_*")):
        assert driver.poll() is None, "the sweep ended before its first checkpoint"
        assert time.monotonic() < deadline, "no checkpoint within 300 s"
        time.sleep(0.5)
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    status = sweep_status(sweep_dir)
    assert status["counts"].get("finished", 0) < 4
    # the orphaned workers notice their driver is gone and let go of the run directories at once
    deadline = time.monotonic() + 20
    while any(is_locked(run_dir_of(sweep_dir, r["name"])) for r in status["runs"]):
        assert time.monotonic() < deadline, "orphaned workers still hold run directories"
        time.sleep(0.5)
    again = _cli("sweep", str(spec), "--out", str(sweep_dir))
    assert again.returncode == 0, again.stderr
    events = [json.loads(x) for x in (sweep_dir / "events.jsonl").read_text().splitlines()]
    ended = [e for e in events if e["event"] in ("finished", "skipped")]
    assert {e["run"] for e in ended} == {r["name"] for r in status["runs"]}
    assert any(e.get("resumed_from", 0) > 0 for e in ended), "no run resumed from a checkpoint"
    final = sweep_status(sweep_dir)
    assert final["counts"] == {"finished": 4}
    assert all(r["eval_success"] is not None for r in final["runs"])
    # a third invocation has nothing left to do and starts no Ray instance
    t0 = time.monotonic()
    third = run_sweep(spec, sweep_dir, progress=None)
    assert third["counts"] == {"skipped": 4} and time.monotonic() - t0 < 30
    shown = _cli("sweep", "status", str(sweep_dir))
    assert shown.returncode == 0 and "tiny: 4 runs (4 finished)" in shown.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # two `ray start` nodes: ~50 s; the evidence, run with `-m slow`
def test_a_sweep_spreads_over_a_two_node_ray_cluster_on_loopback(tmp_path):
    ray_bin = str(Path(sys.executable).parent / "ray")
    # Ray's session sockets live under --temp-dir, and a socket path has at most 107 bytes
    temp_dir = tempfile.mkdtemp(prefix="mw-ray-", dir="/tmp")
    port = _free_port()
    address = f"127.0.0.1:{port}"
    common = ["--num-cpus", "1", "--node-ip-address", "127.0.0.1", "--disable-usage-stats"]
    # token authentication on every node and the driver (the token file in ~/.ray is shared on
    # one machine; on a real cluster it is copied to each node)
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token"}
    start = [ray_bin, "start", "--head", "--port", str(port), "--include-dashboard", "false",
             "--temp-dir", temp_dir, *common]  # fmt: skip
    try:
        subprocess.run(start, check=True, capture_output=True, timeout=120, env=env)
        subprocess.run([ray_bin, "start", "--address", address, *common], check=True,
                       capture_output=True, timeout=120, env=env)  # fmt: skip
        text = TINY.format(steps=200)
        text = text[: text.index('[[runs]]\nalgo = "ppo"')]  # sac, seeds 0 and 1: one per node
        out = _cli("sweep", str(_spec(tmp_path, text)), "--out", str(tmp_path / "sw"),
                   "--address", address, env=env)  # fmt: skip
        assert out.returncode == 0, out.stderr
        events = [json.loads(x) for x in (tmp_path / "sw" / "events.jsonl").read_text().splitlines()]
        finished = [e for e in events if e["event"] == "finished"]
        assert len(finished) == 2
        assert len({e["node"] for e in finished}) == 2, "both runs ran on one node"
    finally:
        subprocess.run([ray_bin, "stop", "--force"], check=False, capture_output=True, timeout=120, env=env)
        shutil.rmtree(temp_dir, ignore_errors=True)
