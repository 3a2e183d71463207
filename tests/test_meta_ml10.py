"""The four meta-learners on ML10 itself, not only ML1: ``manyworld train --algo A --benchmark
ML10`` meta-trains on the ten train tasks, checkpoints, resumes, and hands the harness a
``MetaAgent`` to score on ML10's five held-out tasks. Tiny networks and one or two iterations
each; the harness's evaluation is replaced by a recorder (the ML protocol itself is tested in
tests/test_evaluation.py and each algorithm's own test file). Needs the ``learn`` extra."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("jax")

from manyworld.benchmarks import get_benchmark
from manyworld.cli import main as cli_main
from manyworld.evaluation.agents import MetaAgent
from manyworld.train import harness
from manyworld.train.checkpoint import latest_checkpoint

# flags of a tiny agent per algorithm, and the env steps of its first iteration and of its
# second (PEARL's first iteration is the prior episodes alone)
TINY = {
    "maml": (["--hidden", "8", "--meta-batch", "4", "--rollouts-per-task", "1"], 4000, 8000),
    "rl2": (["--hidden", "16", "--gru-size", "8", "--meta-batch", "4", "--episodes-per-trial", "1",
             "--chunk-length", "100", "--epochs", "1", "--minibatches", "2"], 2000, 4000),
    "pearl": (["--hidden", "16", "--encoder-hidden", "8", "--latent-dim", "2", "--meta-batch", "4",
               "--batch-size", "8", "--embedding-batch", "8", "--updates-per-iteration", "2",
               "--initial-steps", "1000", "--buffer-per-pair", "1000"], 2000, 6000),
    "reptile": (["--hidden", "8", "--value-hidden", "8", "--meta-batch", "4", "--rollouts-per-task",
                 "1", "--epochs", "1", "--minibatches", "2"], 2000, 4000),
}  # fmt: skip


@pytest.mark.parametrize("algo", sorted(TINY))
def test_meta_trains_on_ml10_resumes_and_is_scored_on_its_test_tasks(algo, tmp_path, monkeypatch):
    flags, first, second = TINY[algo]
    calls = []

    def record(policy, bench, run_cfg, env_steps, run_dir, split="test", tag=None):
        assert isinstance(policy, MetaAgent)
        calls.append((bench.name, split, env_steps, len(bench.train_tasks), len(bench.test_tasks)))
        return 0.0

    monkeypatch.setattr(harness, "_evaluate", record)
    run = tmp_path / "run"
    common = ["--log-interval", str(first), "--eval-interval", str(first), "--eval-variations", "1",
              "--checkpoint-interval", str(first), "--quiet"]  # fmt: skip
    assert cli_main(["train", "--algo", algo, "--benchmark", "ML10", "--steps", str(first),
                     "--run-dir", str(run), *flags, *common]) == 0  # fmt: skip
    assert cli_main(["train", "--resume", str(run), "--steps", str(second), "--quiet"]) == 0

    config = json.loads((run / "config.json").read_text())
    assert config["algo"] == algo and config["benchmark"] == "ML10"
    ml10 = get_benchmark("ML10")
    assert config["agent"]["num_tasks"] == len(ml10.train_tasks) == 10
    rows = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["env_steps"] == second
    assert latest_checkpoint(run / "checkpoints").name.endswith(str(second))
    # meta-test on ML10's five held-out tasks at the end of each leg (and meta-train on its ten)
    tested = [c for c in calls if c[1] == "test"]
    assert [c[2] for c in tested][-1] == second
    assert all(c[0] == "ML10" and c[3:] == (10, 5) for c in calls)
