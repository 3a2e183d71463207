"""RL² on the harness: the hidden state within and between trials, meta-training on ML1 with
checkpoint, resume and evaluation by the ML protocol, determinism, and bad configs. Needs the
``learn`` extra."""

from __future__ import annotations

import json

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp

from manyworld.agents import rl2
from manyworld.cli import main as cli_main
from manyworld.envs.rollout import run_episodes
from manyworld.evaluation import load_agent, read_result
from manyworld.train.checkpoint import latest_checkpoint, list_checkpoints
from manyworld.train.harness import RunConfig, is_timing, train

TINY = rl2.RL2Config(hidden=(16,), gru_size=8, meta_batch=4, episodes_per_trial=2,
                     chunk_length=100, epochs=2, minibatches=2)  # fmt: skip
TINY_RUN = RunConfig(steps=8000, log_interval=4000, eval_interval=0, eval_variations=1,
                     checkpoint_interval=4000)  # fmt: skip


def _agent(seed=0, obs_dim=45, sample=False):
    cfg = TINY.replace(obs_dim=obs_dim, eval_sample=sample)
    state = rl2.init_state(cfg, jax.random.key(seed))
    return rl2.RL2Agent(cfg, state.params, state.obs_stats, {"algo": "rl2"})


def _strip(rows):
    return [{k: v for k, v in r.items() if not is_timing(k)} for r in rows]


def test_hidden_state_is_kept_within_a_trial_and_reset_between_trials():
    agent = _agent()
    obs = np.random.default_rng(0).normal(size=(5, 3, 45))
    agent.init()
    first = [agent.act(obs[t]) for t in range(5)]
    # the same observation later in a trial gives another action: the memory is kept
    assert not np.allclose(first[0], agent.act(obs[0]))
    agent.init()  # a new trial starts from nothing: exactly the first trial's actions again
    again = [agent.act(obs[t]) for t in range(5)]
    np.testing.assert_array_equal(np.stack(first), np.stack(again))


def test_sampled_meta_test_actions_are_reproducible():
    obs = np.random.default_rng(2).normal(size=(3, 45))
    a, b = _agent(sample=True), _agent(sample=True)
    first = a.act(obs)
    np.testing.assert_array_equal(first, b.act(obs))
    assert not np.allclose(first, _agent().act(obs))  # the mean is another action


def test_a_waiting_world_keeps_its_memory():
    agent, ref = _agent(), _agent()
    obs = np.random.default_rng(1).normal(size=(4, 3, 45))
    agent.init(), ref.init()
    # world 1 waits at steps 1 and 2 (its episode ended); its memory must be as if they never were
    agent.act(obs[0])
    agent.act(obs[1], np.array([True, False, True]))
    agent.act(obs[2], np.array([True, False, True]))
    out = agent.act(obs[3])
    ref.act(obs[0])
    np.testing.assert_array_equal(out[1], ref.act(obs[3])[1])


def test_run_episodes_tells_a_recurrent_agent_which_worlds_step():
    from manyworld.benchmarks import make_env

    class Recorder:
        recurrent = True

        def __init__(self):
            self.masks = []

        def act(self, obs, active):
            self.masks.append(np.array(active))
            return np.zeros((len(obs), 4))

    env = make_env("MT1(reach)", worlds_per_task=3, seed=0, max_episode_steps=20)
    rec = Recorder()
    run_episodes(env, rec, max_steps=5)
    assert len(rec.masks) == 5 and all(m.shape == (3,) and m.all() for m in rec.masks)
    env.close()


def test_collection_starts_every_trial_from_a_zero_hidden_state(monkeypatch):
    """What the trainer stores (log-probs, chunk start states) is what the network gives when
    unrolled from zero over the whole trial: in the second trial too, so no state leaks."""
    from manyworld.benchmarks import make_env
    from manyworld.train.harness import TrackedCollector

    env = make_env("ML1(reach)", num_worlds=4, split="train", seed=0, rl2=True)
    cfg = TINY.replace(obs_dim=int(env.observation_space.shape[0]))
    trainer = rl2.RL2Trainer(cfg, TINY_RUN, env, seed=0)
    collector = TrackedCollector(env, 0)
    batches = []
    monkeypatch.setattr(rl2, "update", lambda c, s, b, k: (batches.append(b) or (s, {})))
    for _ in range(2):
        trainer.iterate(collector, 0)
    params = trainer.state.params
    for b in batches:
        length, n = b["log_prob"].shape
        w = 4
        obs = b["obs"].reshape(length, n // w, w, -1).swapaxes(0, 1).reshape(-1, w, cfg.obs_dim)
        _, (mean, log_std, _) = rl2.unroll(cfg, params, jnp.zeros((w, cfg.gru_size)), obs)
        actions = b["action"].reshape(length, n // w, w, 4).swapaxes(0, 1).reshape(-1, w, 4)
        want = rl2.gaussian_log_prob(mean, log_std, actions)
        got = b["log_prob"].reshape(length, n // w, w).swapaxes(0, 1).reshape(-1, w)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
        np.testing.assert_array_equal(b["h0"][:w], 0.0)  # chunk 0 of every world
        assert np.abs(b["h0"][w:]).max() > 0  # later chunks start from the carried state
    env.close()


def test_meta_train_checkpoint_resume_and_meta_test(tmp_path, capsys):
    run = tmp_path / "rl2"
    args = ["train", "--algo", "rl2", "--task", "reach", "--steps", "8000", "--run-dir", str(run),
            "--hidden", "16", "--gru-size", "8", "--meta-batch", "4", "--episodes-per-trial", "2",
            "--chunk-length", "100", "--epochs", "2", "--minibatches", "2", "--log-interval",
            "4000", "--eval-interval", "0", "--eval-variations", "2", "--checkpoint-interval",
            "4000", "--quiet"]  # fmt: skip
    assert cli_main(args) == 0
    assert len(list_checkpoints(run / "checkpoints")) == 2
    assert cli_main(["train", "--resume", str(run), "--steps", "12000", "--quiet"]) == 0
    rows = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["env_steps"] for r in rows] == [4000, 8000, 12000]
    assert latest_checkpoint(run / "checkpoints").name.endswith("12000")
    # the harness scored it by the ML protocol on the test split, and on the train split at the end
    result = read_result(run / "evals" / "step_000000012000.json")
    assert result["protocol"]["kind"] == "ML" and result["protocol"]["split"] == "test"
    assert result["agent"]["observation"] == "rl2" and result["agent"]["meta_agent"]
    assert len(result["outcomes"]) == 2 and len(result["outcomes"][0]["adaptation_success"]) == 10
    train_result = read_result(run / "evals_meta_train" / "step_000000012000.json")
    assert train_result["protocol"]["split"] == "train"
    # and `manyworld eval` meta-tests it from the run directory
    agent = load_agent(str(run), meta=True)
    assert agent.recurrent and agent.rl2_observation
    out = tmp_path / "ml1.json"
    assert cli_main(["eval", "--agent", str(run), "--benchmark", "ML1(reach)", "--variations", "1",
                     "--out", str(out), "--quiet"]) == 0  # fmt: skip
    assert read_result(out)["agent"]["observation"] == "rl2"


def test_same_seed_same_metrics_and_resume_is_exact(tmp_path):
    a = train("rl2", "ML1(reach)", TINY, TINY_RUN, tmp_path / "a", progress=None)[2]
    b = train("rl2", "ML1(reach)", TINY, TINY_RUN.replace(steps=4000), tmp_path / "b",
              progress=None)[2]  # fmt: skip
    b = train("rl2", "ML1(reach)", TINY, TINY_RUN, tmp_path / "b", resume=True, progress=None)[2]
    # the same rows, but for the evaluation that ended the 4000-step run
    assert b[0].pop("eval_success") == 0.0 and a[0].pop("eval_success") is None
    assert _strip(a) == _strip(b)
    c = train("rl2", "ML1(reach)", TINY, TINY_RUN.replace(steps=4000, seed=1), tmp_path / "c",
              progress=None)[2]  # fmt: skip
    assert _strip(c)[0]["policy_loss"] != _strip(a)[0]["policy_loss"]


def test_bad_configs_are_refused_with_the_fix():
    with pytest.raises(ValueError, match="chunk_length"):
        train("rl2", "ML1(reach)", TINY.replace(chunk_length=300), TINY_RUN, "/nonexistent/x",
              progress=None)  # fmt: skip
    with pytest.raises(ValueError, match="--meta-batch"):
        train("rl2", "ML1(reach)", TINY, TINY_RUN.replace(worlds_per_task=2), "/nonexistent/x",
              progress=None)  # fmt: skip
    with pytest.raises(ValueError, match="meta-learning"):
        train("rl2", "MT10", TINY, TINY_RUN, "/nonexistent/x", progress=None)
    with pytest.raises(ValueError, match="multi-task"):
        train("ppo", "ML10", None, None, "/nonexistent/x", progress=None)
    for bad in ({"gru_size": 0}, {"episodes_per_trial": 0}, {"gamma": 1.5}, {"activation": "x"}):
        with pytest.raises(ValueError):
            TINY.replace(**bad)
    with pytest.raises(ValueError, match="RL² observations"):
        _agent().act(np.zeros((2, 39)))
