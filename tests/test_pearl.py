"""PEARL on the harness: the product-of-Gaussians posterior, permutation invariance of the
context encoder, the meta-test agent, collection (context and RL batches of one pair),
meta-training on ML1 with checkpoint, resume and evaluation by the ML protocol,
determinism, resume exactness and bad configs. Needs the ``learn`` extra.

An ML-protocol evaluation of one pair is 13 episodes of 500 steps, the dearest thing here:
the harness's end-of-run evaluations are stubbed out except for the one whose result file
is checked, and ``manyworld eval`` runs a shortened protocol.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp

from manyworld.agents import pearl
from manyworld.cli import main as cli_main
from manyworld.evaluation import load_agent, read_result
from manyworld.evaluation.agents import Rollouts
from manyworld.train import harness
from manyworld.train.checkpoint import latest_checkpoint, list_checkpoints
from manyworld.train.harness import RunConfig, is_timing, train

# the same config as the CLI flags below, so that the compiled functions are shared
TINY = pearl.PEARL_FAST.replace(hidden=(32,), encoder_hidden=(16,), latent_dim=3, meta_batch=2,
                                batch_size=16, embedding_batch=8, updates_per_iteration=5,
                                initial_steps=1000, buffer_per_pair=1000)  # fmt: skip
TINY_FLAGS = ["--hidden", "32", "--encoder-hidden", "16", "--latent-dim", "3", "--meta-batch", "2",
              "--batch-size", "16", "--embedding-batch", "8", "--updates-per-iteration", "5",
              "--initial-steps", "1000", "--buffer-per-pair", "1000"]  # fmt: skip
# iterations: 1,000 env steps (2 worlds x 1 prior episode, no updates), then 2,000 each
TINY_RUN = RunConfig(steps=5000, log_interval=1000, eval_interval=0, eval_variations=1,
                     checkpoint_interval=1000)  # fmt: skip
REAL_EVALUATE = harness._evaluate


def _no_evaluation(*args, **kwargs):
    return 0.0


def _strip(rows):
    return [{k: v for k, v in r.items() if not is_timing(k) and k != "eval_success"} for r in rows]


def _agent(cfg=TINY, seed=0):
    cfg = cfg.replace(obs_dim=39)
    state = pearl.init_state(cfg, jax.random.key(seed))
    return pearl.PEARLAgent(cfg, state.sac.actor, state.encoder, {"algo": "pearl"})


def _sa(obs, action):
    """Rows of (s, a): unique per transition (actions are sampled), unlike s alone."""
    return np.concatenate([obs, action], axis=-1)


def _rollouts(rng, w=2, e=3, t=6, lengths=None):
    lengths = np.full((w, e), t) if lengths is None else np.asarray(lengths)
    steps = np.arange(t)[None, None, :]
    keep = steps < lengths[..., None]
    return Rollouts(
        observations=(rng.normal(size=(w, e, t, 39)) * keep[..., None]).astype(np.float32),
        actions=(rng.uniform(-1, 1, (w, e, t, 4)) * keep[..., None]).astype(np.float32),
        rewards=(rng.uniform(0, 10, (w, e, t)) * keep).astype(np.float32),
        terminated=np.zeros((w, e, t), bool),
        truncated=steps == lengths[..., None] - 1,
        success=np.zeros((w, e, t), bool),
        lengths=lengths,
        tasks=("reach",) * w,
    )


# ------------------------------------------------------------------ POSTERIOR
def test_product_of_gaussians_by_hand():
    # two factors per latent dimension: N(1, 1) x N(3, 1) = N(2, 1/2);
    # N(0, 1) x N(4, 3): precision 1 + 1/3, variance 3/4, mean 3/4 * (0 + 4/3) = 1
    mu = jnp.array([[1.0, 0.0], [3.0, 4.0]])
    var = jnp.array([[1.0, 1.0], [1.0, 3.0]])
    m, v = pearl.product_of_gaussians(mu, var)
    np.testing.assert_allclose(m, [2.0, 1.0], rtol=1e-6)
    np.testing.assert_allclose(v, [0.5, 0.75], rtol=1e-6)
    m, v = pearl.product_of_gaussians(mu, var, jnp.array([1.0, 0.0]))  # the second left out
    np.testing.assert_allclose(m, [1.0, 0.0])
    np.testing.assert_allclose(v, [1.0, 1.0])


def test_posterior_is_the_product_of_the_encoder_factors_and_narrows_with_context():
    cfg = TINY.replace(obs_dim=39)
    encoder = pearl.init_state(cfg, jax.random.key(0)).encoder
    context = np.random.default_rng(0).normal(size=(2, 12, cfg.context_dim)).astype(np.float32)
    mu_i, var_i = (np.asarray(x, np.float64) for x in pearl.factors(cfg, encoder, context))
    assert mu_i.shape == var_i.shape == (2, 12, 3) and (var_i >= pearl.MIN_VAR).all()
    want_var = 1.0 / (1.0 / var_i).sum(axis=1)
    mu, var = pearl.posterior(cfg, encoder, context)
    np.testing.assert_allclose(var, want_var, rtol=1e-5)
    np.testing.assert_allclose(mu, want_var * (mu_i / var_i).sum(axis=1), rtol=1e-4, atol=1e-6)
    # every transition added narrows the posterior in every dimension: the first n, n = 1..12
    first_n = np.tril(np.ones((12, 12), np.float32))[:, None]  # (12 sizes, 1, 12 transitions)
    var_by_size = pearl.product_of_gaussians(mu_i[None], var_i[None], first_n)[1]  # (12, 2, 3)
    np.testing.assert_allclose(var_by_size[-1], var, rtol=1e-5)
    assert (np.diff(var_by_size, axis=0) < 0).all()
    np.testing.assert_allclose(pearl.gaussian_kl(jnp.zeros(3), jnp.ones(3)), 0.0, atol=1e-7)


def test_the_posterior_ignores_the_order_of_the_context():
    cfg = TINY.replace(obs_dim=39)
    encoder = pearl.init_state(cfg, jax.random.key(1)).encoder
    rng = np.random.default_rng(1)
    context = rng.normal(size=(3, 40, cfg.context_dim)).astype(np.float32)
    mu, var = pearl.posterior(cfg, encoder, context)
    mu_p, var_p = pearl.posterior(cfg, encoder, context[:, rng.permutation(40)])
    np.testing.assert_allclose(mu_p, mu, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(var_p, var, rtol=1e-5)
    # the agent too: episodes in another order, and padding past the lengths, change nothing
    rollouts = _rollouts(rng, lengths=[[6, 4, 2], [5, 6, 1]])
    agent = _agent()
    agent.init(), agent.adapt(rollouts)
    belief = agent.belief
    order = [2, 0, 1]
    shuffled = Rollouts(**{k: (v[:, order] if isinstance(v, np.ndarray) and v.ndim >= 2 else v)
                           for k, v in vars(rollouts).items()})  # fmt: skip
    padding = np.arange(6) >= shuffled.lengths[..., None]
    shuffled.observations[padding] = shuffled.actions[padding] = shuffled.rewards[padding] = 1e3
    agent.init(), agent.adapt(shuffled)
    for got, want in zip(agent.belief, belief):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_the_agent_explores_with_the_prior_then_acts_on_the_posterior_mean():
    rng = np.random.default_rng(2)
    agent = _agent()
    obs = rng.normal(size=(2, 39))
    agent.init()
    a, b = agent.act(obs), agent.act(obs)
    assert a.shape == (2, 4) and np.abs(a).max() <= 1 and not np.allclose(a, b)  # sampled
    one = _rollouts(rng, e=1)
    agent.adapt(one)
    mean, var = agent.belief
    np.testing.assert_array_equal(agent.act(obs), agent.act(obs))  # deterministic now
    z = jnp.asarray(mean, jnp.float32)
    np.testing.assert_allclose(agent.act(obs), pearl._exploit(agent.cfg, agent.actor, obs, z),
                               rtol=1e-6)  # fmt: skip
    agent.adapt(_rollouts(rng, e=2))  # a second round multiplies in: the posterior narrows
    assert (agent.belief[1] < var).all()
    agent.init()  # a new trial: the prior again (at the next act or adapt)
    agent.adapt(one)
    np.testing.assert_allclose(agent.belief[0], mean, rtol=1e-6)
    quiet = _agent(TINY.replace(explore_before_adapt=False))
    quiet.init()
    np.testing.assert_array_equal(quiet.act(obs), quiet.act(obs))  # z = 0, mean action
    with pytest.raises(ValueError, match="39-d observations"):
        agent.act(np.zeros((2, 45)))


# ------------------------------------------------------------------ COLLECTION
def test_an_iteration_fills_context_and_replay_and_batches_pair_context_with_rl_data(monkeypatch):
    from manyworld.benchmarks import make_env

    env = make_env("ML1(reach)", num_worlds=2, split="train", seed=0)
    cfg = TINY.replace(obs_dim=39)
    trainer = pearl.PEARLTrainer(cfg, TINY_RUN, env, seed=0)
    collector = harness.TrackedCollector(env, 0)
    seen = []
    monkeypatch.setattr(pearl, "update", lambda c, s, b, k: (seen.append(b) or (s, {})))
    assert trainer.iterate(collector, 1000)[0] == 5  # past initial_steps: posterior + updates
    env.close()
    slots = np.flatnonzero(trainer.buffer.size)
    assert len(slots) == 2 and (trainer.buffer.size[slots] == 1000).all()  # prior + posterior
    assert (trainer.ctx_len[slots] == 500).all() and (trainer.ctx_start[slots] == 0).all()
    buf = trainer.buffer
    for k in slots:  # the context is the prior episode: rows 0-499, one contiguous episode
        np.testing.assert_array_equal(buf.obs[k, 1:500], buf.next_obs[k, :499])
        assert buf.done[k, 499] == 1 and buf.done[k, :499].sum() == 0
        ctx = trainer._context(np.full(50, k))[..., :43].reshape(-1, 43)  # (s, a) of each
        prior = {r.tobytes() for r in _sa(buf.obs[k, :500], buf.action[k, :500])}
        assert all(r.tobytes() in prior for r in ctx)
        assert not prior & {r.tobytes() for r in _sa(buf.obs[k, 500:], buf.action[k, 500:])}
    (batch,) = seen
    assert batch["obs"].shape == (5, 2, 16, 39) and batch["context"].shape == (5, 2, 8, 83)
    owner = {r.tobytes(): k for k in slots for r in _sa(buf.obs[k], buf.action[k])}
    for u in range(5):  # each task of a gradient step: its context and its RL data are one pair's
        for m in range(2):
            pairs = {owner[r.tobytes()] for r in _sa(batch["obs"][u, m], batch["action"][u, m])}
            pairs |= {owner[r.tobytes()] for r in batch["context"][u, m, :, :43]}
            assert len(pairs) == 1


# ------------------------------------------------------------------ ON THE HARNESS
@pytest.fixture(scope="module")
def resumed_run(tmp_path_factory):
    """``manyworld train`` to 3,000 env steps with two checkpoints, then ``--resume`` to 5,000;
    only the resumed run's meta-test evaluation runs (on the test split)."""
    run = tmp_path_factory.mktemp("pearl") / "run"
    args = ["train", "--algo", "pearl", "--task", "reach", "--steps", "3000", "--run-dir", str(run),
            *TINY_FLAGS, "--log-interval", "1000", "--eval-interval", "0", "--eval-variations",
            "1", "--checkpoint-interval", "1000", "--quiet"]  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(harness, "_evaluate", _no_evaluation)
        assert cli_main(args) == 0
    checkpoints = [p.name for p in list_checkpoints(run / "checkpoints")]

    def score_test_split_only(policy, bench, run_cfg, env_steps, run_dir, split="test", tag=None):
        if split != "test":
            return 0.0
        return REAL_EVALUATE(policy, bench, run_cfg, env_steps, run_dir, split, tag=tag)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(harness, "_evaluate", score_test_split_only)
        assert cli_main(["train", "--resume", str(run), "--steps", "5000", "--quiet"]) == 0
    return run, checkpoints


def test_meta_train_checkpoint_resume_and_meta_test(resumed_run, tmp_path):
    run, checkpoints = resumed_run
    assert checkpoints == ["step_000000001000", "step_000000003000"]
    rows = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["env_steps"] for r in rows] == [1000, 3000, 5000]
    assert [r["updates"] for r in rows] == [0, 5, 10]
    assert np.isfinite([rows[2][k] for k in ("critic_loss", "kl", "actor_loss", "z_var")]).all()
    assert latest_checkpoint(run / "checkpoints").name.endswith("5000")
    replay = np.load(latest_checkpoint(run / "checkpoints") / "replay.npz")
    assert replay["replay/obs"].shape == (50, 1000, 39) and replay["context/length"].max() == 500
    # the resumed run's evaluation: the ML protocol on the test split
    result = read_result(run / "evals" / "step_000000005000.json")
    assert result["protocol"]["kind"] == "ML" and result["protocol"]["split"] == "test"
    assert result["agent"]["meta_agent"] and result["agent"]["observation"] == "default"
    assert len(result["outcomes"]) == 1 and len(result["outcomes"][0]["adaptation_success"]) == 10
    # `manyworld eval` meta-tests the run directory (a shortened protocol: 2 rounds of 2 episodes)
    agent = load_agent(str(run), meta=True)
    assert isinstance(agent, pearl.PEARLAgent)
    out = tmp_path / "ml1.json"
    assert cli_main(["eval", "--agent", str(run), "--benchmark", "ML1(reach)", "--variations", "1",
                     "--horizon", "40", "--adaptation-steps", "2", "--adaptation-episodes", "2",
                     "--evaluation-episodes", "1", "--out", str(out), "--quiet"]) == 0  # fmt: skip
    meta_test = read_result(out)
    assert meta_test["protocol"]["kind"] == "ML" and meta_test["agent"]["name"] == "pearl"
    assert len(meta_test["outcomes"][0]["adaptation_success"]) == 4


def test_same_seed_same_metrics_and_resume_is_exact(resumed_run, tmp_path, monkeypatch):
    """One uninterrupted run gives the rows of the run that was stopped at 3,000 env steps
    and resumed (same seed, another process state: determinism and exact resume)."""
    monkeypatch.setattr(harness, "_evaluate", _no_evaluation)
    run, _ = resumed_run
    resumed = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    whole = train("pearl", "ML1(reach)", TINY, TINY_RUN, tmp_path / "a", progress=None)[2]
    assert _strip(whole) == _strip(resumed)
    other = train("pearl", "ML1(reach)", TINY, TINY_RUN.replace(steps=3000, seed=1),
                  tmp_path / "c", progress=None)[2]  # fmt: skip
    assert other[1]["critic_loss"] != whole[1]["critic_loss"]


def test_bad_configs_are_refused_with_the_fix():
    bad = [({"latent_dim": 0}, "latent_dim"), ({"kl_lambda": -0.1}, "kl_lambda"),
           ({"encoder_hidden": ()}, "encoder_hidden"), ({"gamma": 1.0}, "gamma"),
           ({"tau": 0.0}, "tau"), ({"posterior_episodes": -1}, "posterior_episodes"),
           ({"prior_episodes": 0}, "prior_episodes"), ({"embedding_batch": 0}, "embedding_batch"),
           ({"log_std_min": 3.0}, "log_std_min")]  # fmt: skip
    for fields, name in bad:
        with pytest.raises(ValueError, match=name):
            TINY.replace(**fields)
    from manyworld.benchmarks import get_benchmark

    env = SimpleNamespace(benchmark=get_benchmark("ML1(reach)"), max_episode_steps=500)
    with pytest.raises(ValueError, match="50 train .* lower --meta-batch"):
        pearl.PEARLTrainer(TINY.replace(obs_dim=39, meta_batch=51), TINY_RUN, env, 0)
    with pytest.raises(ValueError, match="1000; raise --buffer-per-pair"):
        pearl.PEARLTrainer(TINY.replace(obs_dim=39, buffer_per_pair=999), TINY_RUN, env, 0)
    with pytest.raises(ValueError, match="meta-learning"):
        train("pearl", "MT10", TINY, TINY_RUN, "/nonexistent/x", progress=None)
