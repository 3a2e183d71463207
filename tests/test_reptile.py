"""Reptile on the harness: the outer step by hand, per-world adaptation at meta-test, meta-training
on ML1 with checkpoint, resume and evaluation by the ML protocol, determinism, and bad configs.
Needs the ``learn`` extra.

An ML-protocol evaluation costs 13 episodes of 500 steps per pair, so the runs here evaluate only
where the evaluation is what is tested (the harness's ``_evaluate`` is stubbed elsewhere)."""

from __future__ import annotations

import json

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp

from manyworld.agents import reptile
from manyworld.agents.onpolicy import normalize_obs, policy_dist, update_obs_stats
from manyworld.cli import main as cli_main
from manyworld.evaluation import Rollouts, load_agent, read_result
from manyworld.train import harness
from manyworld.train.checkpoint import latest_checkpoint, list_checkpoints
from manyworld.train.harness import RunConfig, is_timing, train

# the CLI flags of the smoke test give this config too, so compiled functions are shared
TINY = reptile.REPTILE_FAST.replace(hidden=(16,), value_hidden=(16,), meta_batch=2,
                                    rollouts_per_task=1, epochs=1, minibatches=2)  # fmt: skip
TINY_FLAGS = ["--hidden", "16", "--value-hidden", "16", "--meta-batch", "2", "--rollouts-per-task",
              "1", "--epochs", "1", "--minibatches", "2"]  # fmt: skip
TINY_RUN = RunConfig(steps=2000, log_interval=1000, eval_interval=0, eval_variations=1,
                     checkpoint_interval=1000)  # fmt: skip
OBS_DIM = 39


def _strip(rows):
    return [{k: v for k, v in r.items() if not is_timing(k)} for r in rows]


def _leaves(tree):
    return [np.asarray(x) for x in jax.tree.leaves(tree)]


def _world(tree, i):
    return jax.tree.map(lambda x: np.asarray(x[i]), tree)


def _no_evaluation(monkeypatch):
    monkeypatch.setattr(harness, "_evaluate", lambda *a, **k: 0.0)


# ------------------------------------------------------------------ OUTER STEP
def test_outer_step_moves_phi_by_eps_times_the_mean_displacement(monkeypatch):
    """With the inner loop replaced by a known displacement (world i: every parameter + i + 1),
    φ moves by exactly ε · mean_i(θ_i − φ), ε following the linear anneal."""
    from manyworld.benchmarks import make_env

    env = make_env("ML1(reach)", num_worlds=3, split="train", seed=0)
    cfg = TINY.replace(meta_batch=3, meta_step=0.5, meta_step_final=0.1, anneal_iterations=2,
                       obs_dim=OBS_DIM)  # fmt: skip
    trainer = reptile.ReptileTrainer(cfg, TINY_RUN, env, seed=0)
    collector = harness.TrackedCollector(env, 0)
    seen = []

    def fake_adapt(c, policies, values, stats, data, keys):
        seen.append((policies, values, data))
        shift = jnp.arange(1.0, 4.0)  # world i moves by i + 1
        move = lambda t: jax.tree.map(lambda x: x + shift.reshape(-1, *[1] * (x.ndim - 1)), t)
        metrics = {"policy_loss": jnp.zeros(3)}
        return move(policies), move(values), metrics

    monkeypatch.setattr(reptile, "adapt_worlds", fake_adapt)
    n_params = sum(x.size for x in jax.tree.leaves((trainer.state.policy, trainer.state.value)))
    for it, eps in enumerate([0.5, 0.3]):
        before = (trainer.state.policy, trainer.state.value)
        updates, metrics = trainer.iterate(collector, 0)
        assert updates == 1 and metrics["meta_step"] == pytest.approx(eps)
        # every world started from φ, on its own 500 steps of data
        policies, values, data = seen[-1]
        for w in range(3):
            for a, b in zip(_leaves(_world((policies, values), w)), _leaves(before)):
                np.testing.assert_array_equal(a, b)
        assert data["obs"].shape == (3, 500, OBS_DIM) and data["valid"].all()
        assert data["done"][:, -1].all() and not data["done"][:, :-1].any()
        assert np.abs(data["action"]).max() <= 1.0
        # mean displacement (1 + 2 + 3) / 3 = 2 on every parameter
        after = (trainer.state.policy, trainer.state.value)
        for a, b in zip(_leaves(after), _leaves(before)):
            np.testing.assert_allclose(a, b + eps * 2.0, rtol=1e-6, atol=1e-6)
        assert metrics["inner_displacement"] == pytest.approx(2.0 * np.sqrt(n_params), rel=1e-5)
        assert int(trainer.state.iteration) == it + 1
    assert cfg.meta_step_at(2) == pytest.approx(0.1) and cfg.meta_step_at(10) == pytest.approx(0.1)
    assert TINY.meta_step_at(10**6) == 1.0  # anneal_iterations=0: constant
    env.close()


# ------------------------------------------------------------------ META-TEST ADAPTATION
def _agent():
    cfg = TINY.replace(obs_dim=OBS_DIM)
    s = reptile.init_state(cfg, jax.random.key(0))
    # non-trivial observation statistics, as after training
    stats = update_obs_stats(s.obs_stats, np.random.default_rng(9).normal(size=(64, 39)))
    return reptile.ReptileAgent(cfg, s.policy, s.value, stats, {"algo": "reptile"})


def _episodes(seed, lengths, t=250):
    """One world's rollouts: E episodes of up to t steps, zeros past each length (2 x 250 steps:
    the shapes of TINY's training data, so the compiled inner loop is shared)."""
    rng = np.random.default_rng(seed)
    e = len(lengths)
    valid = np.arange(t) < np.asarray(lengths)[:, None]
    return {
        "observations": (rng.normal(size=(e, t, OBS_DIM)) * valid[..., None]).astype(np.float32),
        "actions": (rng.uniform(-1, 1, (e, t, 4)) * valid[..., None]).astype(np.float32),
        "rewards": (rng.uniform(0, 10, (e, t)) * valid).astype(np.float32),
        "lengths": np.asarray(lengths),
    }


def _rollouts(*worlds):
    stack = lambda k: np.stack([w[k] for w in worlds])
    shape = stack("rewards").shape
    return Rollouts(
        observations=stack("observations"), actions=stack("actions"), rewards=stack("rewards"),
        terminated=np.zeros(shape, bool), truncated=np.zeros(shape, bool),
        success=np.zeros(shape, bool), lengths=stack("lengths"), tasks=("reach",) * len(worlds),
    )  # fmt: skip


def test_each_world_adapts_on_its_own_rollouts_and_init_restores_phi():
    agent = _agent()
    a, b = _episodes(1, [250, 160]), _episodes(2, [200, 250])
    agent.init()
    agent.adapt(_rollouts(a, b))
    ab = agent.adapted_params()
    agent.init()
    assert agent.adapted_params() is None
    agent.adapt(_rollouts(b, a))
    ba = agent.adapted_params()
    # a world's parameters depend on its own rollouts only (and init() restarted from φ)
    for x, y in [(0, 1), (1, 0)]:
        for p, q in zip(_leaves(_world(ab, x)), _leaves(_world(ba, y))):
            np.testing.assert_allclose(p, q, rtol=1e-6, atol=1e-7)
    # different rollouts, different parameters; and both moved away from φ
    assert any(not np.allclose(p, q) for p, q in zip(_leaves(_world(ab, 0)), _leaves(_world(ab, 1))))
    for w in range(2):
        moved = zip(_leaves(_world(ab[0], w)), _leaves(agent.policy))
        assert any(not np.allclose(p, q) for p, q in moved)
    # act: each world's own adapted mean
    obs = np.random.default_rng(3).normal(size=(2, OBS_DIM))
    agent.init()
    agent.adapt(_rollouts(a, b))
    out = agent.act(np.stack([obs[0], obs[0]]))
    assert out.shape == (2, 4) and np.abs(out).max() <= 1.0
    stats = agent.obs_stats
    for w in range(2):
        mean, _ = policy_dist(agent.cfg, _world(ab[0], w),
                                      normalize_obs(stats, obs[:1]))  # fmt: skip
        np.testing.assert_allclose(out[w], np.clip(np.asarray(mean[0]), -1, 1), rtol=1e-5,
                                   atol=1e-6)  # fmt: skip
    with pytest.raises(ValueError, match="adapted 2 worlds"):
        agent.act(obs[:1])
    # before adapt, actions are sampled from π_φ
    agent.init()
    first, second = agent.act(obs), agent.act(obs)
    assert first.shape == (2, 4) and not np.allclose(first, second)


def test_padding_is_ignored_and_episode_ends_are_marked():
    agent = _agent()
    a, b = _episodes(1, [250, 160]), _episodes(2, [200, 250])
    agent.adapt(_rollouts(a, b))
    clean = agent.adapted_params()
    # garbage past each episode's length changes nothing
    noisy = {k: v.copy() for k, v in a.items()}
    rng = np.random.default_rng(5)
    pad = np.arange(250) >= np.asarray(a["lengths"])[:, None]
    noisy["observations"][pad] = rng.normal(size=(pad.sum(), OBS_DIM)) * 100
    noisy["actions"][pad] = rng.uniform(-1, 1, (pad.sum(), 4))
    noisy["rewards"][pad] = 1e3
    agent.init()
    agent.adapt(_rollouts(noisy, b))
    for p, q in zip(_leaves(clean), _leaves(agent.adapted_params())):
        np.testing.assert_array_equal(p, q)
    data = reptile.rollout_data(_rollouts(a, b))
    assert data["obs"].shape == (2, 500, OBS_DIM)
    np.testing.assert_array_equal(np.flatnonzero(data["done"][0]), [249, 409])
    assert data["valid"][0].sum() == 410 and data["valid"][1].sum() == 450


def test_fill_indices_repeat_the_valid_steps_evenly():
    valid = jnp.asarray(np.arange(10) % 3 != 0)  # 6 valid of 10
    idx = np.asarray(reptile.fill_indices(jax.random.key(0), valid))
    assert valid[idx].all()
    counts = np.bincount(idx, minlength=10)[np.asarray(valid)]
    assert sorted(counts) == [1, 1, 2, 2, 2, 2]  # 10 draws over 6 steps
    full = np.asarray(reptile.fill_indices(jax.random.key(1), jnp.ones(10, bool)))
    assert sorted(full) == list(range(10))


# ------------------------------------------------------------------ HARNESS
def test_meta_train_checkpoint_resume_and_meta_test(tmp_path, monkeypatch):
    real_evaluate, calls = harness._evaluate, []

    def evaluate(policy, bench, run, env_steps, run_dir, split="test", tag=None):
        calls.append((env_steps, split))
        # the test-split score of the resumed run is the one checked here; the others are
        # skipped to save their 13 x 500 steps each
        if env_steps == 3000 and split == "test":
            return real_evaluate(policy, bench, run, env_steps, run_dir, split, tag=tag)
        return 0.0

    monkeypatch.setattr(harness, "_evaluate", evaluate)
    run = tmp_path / "reptile"
    args = ["train", "--algo", "reptile", "--task", "reach", "--steps", "2000", "--run-dir",
            str(run), *TINY_FLAGS, "--log-interval", "1000", "--eval-interval", "0",
            "--eval-variations", "1", "--checkpoint-interval", "1000", "--quiet"]  # fmt: skip
    assert cli_main(args) == 0
    assert len(list_checkpoints(run / "checkpoints")) == 2
    assert cli_main(["train", "--resume", str(run), "--steps", "3000", "--quiet"]) == 0
    assert calls == [(2000, "test"), (2000, "train"), (3000, "test"), (3000, "train")]
    rows = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["env_steps"] for r in rows] == [1000, 2000, 3000]
    assert [r["updates"] for r in rows] == [1, 2, 3] and rows[-1]["meta_step"] == 1.0
    assert latest_checkpoint(run / "checkpoints").name.endswith("3000")
    result = read_result(run / "evals" / "step_000000003000.json")
    assert result["protocol"]["kind"] == "ML" and result["protocol"]["split"] == "test"
    assert result["agent"]["meta_agent"] and result["agent"]["name"] == "reptile"
    assert len(result["outcomes"]) == 1 and len(result["outcomes"][0]["adaptation_success"]) == 10
    # and `manyworld eval` meta-tests it from the run directory
    agent = load_agent(str(run), meta=True)
    assert isinstance(agent, reptile.ReptileAgent) and agent.cfg == TINY.replace(obs_dim=OBS_DIM)
    out = tmp_path / "ml1.json"
    assert cli_main(["eval", "--agent", str(run), "--benchmark", "ML1(reach)", "--variations", "1",
                     "--out", str(out), "--quiet"]) == 0  # fmt: skip
    evaluated = read_result(out)
    assert evaluated["protocol"]["kind"] == "ML" and evaluated["agent"]["meta_agent"]
    assert len(evaluated["outcomes"]) == 1 and evaluated["agent"]["name"] == "reptile"


def test_same_seed_same_metrics_and_resume_is_exact(tmp_path, monkeypatch):
    _no_evaluation(monkeypatch)
    _, ta, a = train("reptile", "ML1(reach)", TINY, TINY_RUN, tmp_path / "a", progress=None)
    train("reptile", "ML1(reach)", TINY, TINY_RUN.replace(steps=1000), tmp_path / "b",
          progress=None)  # fmt: skip
    _, tb, b = train("reptile", "ML1(reach)", TINY, TINY_RUN, tmp_path / "b", resume=True,
                     progress=None)  # fmt: skip
    # the same rows, but for the (stubbed) evaluation that ended the 1000-step run
    assert b[0].pop("eval_success") == 0.0 and a[0].pop("eval_success") is None
    assert _strip(a) == _strip(b)
    for p, q in zip(_leaves(ta.arrays()), _leaves(tb.arrays())):
        np.testing.assert_array_equal(p, q)
    c = train("reptile", "ML1(reach)", TINY, TINY_RUN.replace(steps=1000, seed=1), tmp_path / "c",
              progress=None)[2]  # fmt: skip
    assert _strip(c)[0]["value_loss"] != _strip(a)[0]["value_loss"]


def test_bad_configs_are_refused_with_the_fix(monkeypatch):
    _no_evaluation(monkeypatch)
    with pytest.raises(ValueError, match="minibatches"):
        train("reptile", "ML1(reach)", TINY.replace(minibatches=600), TINY_RUN, "/nonexistent/x",
              progress=None)  # fmt: skip
    with pytest.raises(ValueError, match="--meta-batch"):
        train("reptile", "ML1(reach)", TINY, TINY_RUN.replace(worlds_per_task=2), "/nonexistent/x",
              progress=None)  # fmt: skip
    with pytest.raises(ValueError, match="meta-learning"):
        train("reptile", "MT10", TINY, TINY_RUN, "/nonexistent/x", progress=None)
    bad = [({"meta_step": 0.0}, "meta_step"), ({"meta_step": 1.5}, "at most 1"),
           ({"meta_step_final": -0.1}, "meta_step_final"),
           ({"anneal_iterations": -1}, "anneal_iterations"),
           ({"anneal_iterations": 2.5}, "anneal_iterations"),
           ({"rollouts_per_task": 0}, "rollouts_per_task"), ({"inner_steps": 0}, "inner_steps"),
           ({"gae_lambda": 1.5}, "gae_lambda"), ({"activation": "x"}, "activation")]  # fmt: skip
    for change, message in bad:
        with pytest.raises(ValueError, match=message):
            TINY.replace(**change)
    with pytest.raises(ValueError, match="39-d observations"):
        _agent().act(np.zeros((2, 45)))
