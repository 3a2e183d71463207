"""MAML-TRPO: the inner step against a hand-computed REINFORCE gradient, the baseline
advantages against a numpy reference, the exact meta-gradient against finite differences
(and unlike the first-order one), the meta-test agent, meta-training on ML1 with checkpoint,
resume and evaluation by the ML protocol, determinism and resume exactness, and bad configs.
Needs the ``learn`` extra."""

from __future__ import annotations

import json

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

from manyworld.agents import maml
from manyworld.cli import main as cli_main
from manyworld.evaluation import load_agent, read_result
from manyworld.evaluation.agents import Rollouts
from manyworld.train import harness
from manyworld.train.checkpoint import latest_checkpoint, list_checkpoints
from manyworld.train.harness import RunConfig, is_timing, train

# 2 worlds x 1 episode, before and after adaptation: 2,000 env steps per iteration
TINY = maml.MAML_FAST.replace(hidden=(8,), meta_batch=2, rollouts_per_task=1)
TINY_FLAGS = ["--hidden", "8", "--meta-batch", "2", "--rollouts-per-task", "1"]
RUN_FLAGS = ["--log-interval", "2000", "--eval-interval", "0", "--eval-variations", "1",
             "--checkpoint-interval", "2000", "--quiet"]  # fmt: skip
TINY_RUN = RunConfig().replace(**maml.MAML_FAST_RUN).replace(
    steps=6000, log_interval=2000, eval_interval=0, eval_variations=1, checkpoint_interval=2000
)


def _strip(rows):
    return [{k: v for k, v in r.items() if not is_timing(k) and k != "eval_success"} for r in rows]


def _rows(run):
    return [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]


def _stub_evaluate(calls):
    def evaluate(policy, bench, run, env_steps, run_dir, split="test", tag=None):
        assert isinstance(policy, maml.MAMLAgent) and bench.kind == "ML"
        calls.append((env_steps, split))
        return 0.0

    return evaluate


def _linear_params(rng, d, a):
    return {"params": {"Dense_0": {"kernel": jnp.asarray(rng.normal(size=(d, a)), jnp.float32),
                                   "bias": jnp.asarray(rng.normal(size=a), jnp.float32)},
                       "log_std": jnp.asarray(rng.normal(scale=0.3, size=a), jnp.float32)}}  # fmt: skip


# ------------------------------------------------------------------ INNER STEP
def test_inner_step_matches_the_hand_computed_reinforce_gradient():
    """Linear-Gaussian policy a ~ N(W x + b, diag(e^{2 s})): the SGD step on
    L = -1/n sum_i m_i A_i log pi(a_i|x_i), with the gradient written out."""
    rng = np.random.default_rng(0)
    d, a, n, lr = 3, 2, 4, 0.3
    cfg = maml.MAMLConfig(hidden=(), obs_dim=d, action_dim=a, inner_lr=lr)
    params = _linear_params(rng, d, a)
    x = rng.normal(size=(n, d)).astype(np.float32)
    act = rng.normal(size=(n, a)).astype(np.float32)
    adv = rng.normal(size=n).astype(np.float32)
    mask = np.array([1, 1, 0, 1], np.float32)  # the third step is padding
    out = maml.inner_step(cfg, params, {"obs": x, "action": act, "advantage": adv, "mask": mask})

    p = jax.tree.map(lambda v: np.asarray(v, np.float64), params["params"])
    kernel, bias, s = p["Dense_0"]["kernel"], p["Dense_0"]["bias"], p["log_std"]
    var = np.exp(2 * s)
    z = act - (x @ kernel + bias)  # a - mu, (n, A)
    wgt = (mask * adv / mask.sum())[:, None]  # m_i A_i / n_real
    g_kernel = -x.T @ (wgt * z / var)
    g_bias = -(wgt * z / var).sum(0)
    g_log_std = -(wgt * (z**2 / var - 1.0)).sum(0)
    got = out["params"]
    np.testing.assert_allclose(got["Dense_0"]["kernel"], kernel - lr * g_kernel, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got["Dense_0"]["bias"], bias - lr * g_bias, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got["log_std"], s - lr * g_log_std, rtol=1e-5, atol=1e-5)


def _rollouts(rng, w, e, t, d, lengths):
    lengths = np.asarray(lengths)
    return Rollouts(
        observations=rng.normal(size=(w, e, t, d)).astype(np.float32),
        actions=rng.uniform(-1.5, 1.5, (w, e, t, 4)).astype(np.float32),
        rewards=rng.normal(size=(w, e, t)).astype(np.float32),
        terminated=np.zeros((w, e, t), bool),
        truncated=np.arange(t)[None, None] == lengths[..., None] - 1,
        success=np.zeros((w, e, t), bool),
        lengths=lengths,
        tasks=("reach",) * w,
    )


def test_advantages_are_gae_on_a_linear_feature_baseline_fit_per_world():
    rng = np.random.default_rng(1)
    gamma, lam, reg = 0.9, 0.8, 1e-5
    cfg = maml.MAMLConfig(hidden=(), obs_dim=1, gamma=gamma, gae_lambda=lam, baseline_reg=reg)
    ro = _rollouts(rng, 2, 2, 6, 1, [[6, 4], [3, 5]])
    batch = maml.rollouts_batch(ro)
    got = np.asarray(maml.advantages(cfg, batch))
    assert got.shape == (2, 12)
    for w in range(2):
        eps = [(ro.observations[w, e, :n, 0], ro.rewards[w, e, :n]) for e, n in
               enumerate(ro.lengths[w])]  # fmt: skip
        feats, rets = [], []
        for o, r in eps:
            t = np.arange(len(r)) / 100.0
            feats.append(np.stack([o, o**2, t, t**2, t**3, np.ones_like(t)], 1))
            rets.append([sum(gamma**j * r[i + j] for j in range(len(r) - i)) for i in range(len(r))])
        f, y = np.concatenate(feats), np.concatenate(rets)
        coef = np.linalg.solve(f.T @ f + reg * np.eye(f.shape[1]), f.T @ y)
        want, start = [], 0
        for o, r in eps:
            v = np.append(f[start : start + len(r)] @ coef, 0.0)  # the episode end is terminal
            start += len(r)
            delta = r + gamma * v[1:] - v[:-1]
            a = np.zeros(len(r))
            for i in reversed(range(len(r))):
                a[i] = delta[i] + (gamma * lam * a[i + 1] if i + 1 < len(r) else 0.0)
            want.append(a)
        want = np.concatenate(want)
        want = (want - want.mean()) / (want.std() + 1e-8)
        real = batch["mask"][w] > 0
        np.testing.assert_allclose(got[w][real], want, atol=2e-3)
        np.testing.assert_array_equal(got[w][~real], 0.0)  # padding


def test_exact_meta_gradient_matches_finite_differences_and_first_order_differs():
    """On a tiny problem in float64: d/dθ of the post-adaptation surrogate through
    θ' = θ - α ∇L_inner(θ) by JAX equals central differences of the surrogate; dropping
    the second-order terms (first_order) changes it by far more than that error."""
    rng = np.random.default_rng(2)
    d, a, w, n = 2, 1, 2, 8
    cfg = maml.MAMLConfig(hidden=(3,), obs_dim=d, action_dim=a, inner_lr=0.5)
    with jax.enable_x64(True):
        params = jax.tree.map(lambda v: jnp.asarray(v, jnp.float64),
                              maml.init_state(cfg, jax.random.key(0)).params)  # fmt: skip
        f64 = lambda x: jnp.asarray(x, jnp.float64)
        pre = {"obs": f64(rng.normal(size=(w, n, d))), "action": f64(rng.normal(size=(w, n, a))),
               "advantage": f64(rng.normal(size=(w, n))), "mask": f64(np.ones((w, n)))}  # fmt: skip
        post = {"obs": f64(rng.normal(size=(w, n, d))), "action": f64(rng.normal(size=(w, n, a))),
                "advantage": f64(rng.normal(size=(w, n))), "log_prob": f64(rng.normal(size=(w, n))),
                "mask": f64(np.ones((w, n)))}  # fmt: skip
        theta0, unravel = ravel_pytree(params)

        def grad(c):
            g = jax.jit(jax.grad(lambda th: maml.outer_objective(c, unravel(th), pre, post)))
            return np.asarray(g(theta0))

        exact, first = grad(cfg), grad(cfg.replace(first_order=True))
        f = jax.jit(lambda th: maml.outer_objective(cfg, unravel(th), pre, post))
        eps = 1e-6
        basis = np.eye(theta0.size)
        fd = np.array([(f(theta0 + eps * e) - f(theta0 - eps * e)) / (2 * eps) for e in basis])
    err = np.abs(exact - fd).max()
    assert err < 1e-6 * max(1.0, np.abs(fd).max())
    assert np.abs(first - fd).max() > 1e3 * err + 1e-4


# ------------------------------------------------------------------ META-TEST AGENT
def test_agent_explores_then_acts_with_each_worlds_adapted_mean_ignoring_padding():
    rng = np.random.default_rng(3)
    cfg = TINY.replace(obs_dim=39, eval_sample=False)
    params = maml.init_state(cfg, jax.random.key(0)).params
    agent = maml.MAMLAgent(cfg, params, {"algo": "maml"})
    obs = rng.normal(size=(2, 39)).astype(np.float32)
    agent.init()
    first, second = agent.act(obs), agent.act(obs)
    assert first.shape == (2, 4) and np.abs(first).max() <= 1.0
    assert not np.allclose(first, second)  # before adapting it explores (samples)

    # more real steps per world than the baseline has features (82), so it is well posed
    ro = _rollouts(rng, 2, 2, 100, 39, [[100, 40], [60, 80]])
    agent.adapt(ro)
    acted = agent.act(obs)
    np.testing.assert_array_equal(acted, agent.act(obs))  # adapted: the deterministic mean
    # the inner step on each world's real steps only, its episodes back to back (140 each)
    real = [list(enumerate(n)) for n in ro.lengths]

    def cat(f):
        return np.stack([np.concatenate([f(w, e, n) for e, n in real[w]]) for w in range(2)])

    packed = {
        "obs": cat(lambda w, e, n: ro.observations[w, e, :n]),
        "action": np.clip(cat(lambda w, e, n: ro.actions[w, e, :n]), -1, 1),
        "reward": cat(lambda w, e, n: ro.rewards[w, e, :n]),
        "done": cat(lambda w, e, n: np.arange(n) == n - 1),
        "time": cat(lambda w, e, n: np.arange(n)).astype(np.float32),
        "mask": np.ones((2, 140), np.float32),
    }
    adapted, _ = maml.adapt(cfg, params, packed, False)
    want = np.clip(maml._mean_action(cfg, adapted, obs), -1, 1)
    np.testing.assert_allclose(acted, want, rtol=1e-4, atol=1e-5)
    # what lies past each episode's length is ignored
    junk = _rollouts(np.random.default_rng(9), 2, 2, 100, 39, ro.lengths)
    for key in ("observations", "actions", "rewards"):
        arr = getattr(ro, key).copy()
        pad = np.arange(100)[None, None] >= ro.lengths[..., None]
        arr[pad] = getattr(junk, key)[pad]
        setattr(ro, key, arr)
    agent.init()
    agent.adapt(ro)
    np.testing.assert_allclose(agent.act(obs), acted, rtol=1e-5, atol=1e-6)
    agent.init()  # back to the meta-policy: exploring again
    assert not np.allclose(agent.act(obs), agent.act(obs))
    # eval_sample: after adapting, samples of each world's adapted policy
    agent.adapt(ro)
    cfg_s = cfg.replace(eval_sample=True)
    sampler = maml.MAMLAgent(cfg_s, params, {"algo": "maml"})
    sampler.adapt(ro)
    draws = np.stack([sampler.act(obs) for _ in range(2)])
    assert not np.allclose(draws[0], draws[1])
    _, out = maml._explore(cfg_s, agent._adapted, obs, jax.random.key(0), True)
    np.testing.assert_allclose(draws[0], np.clip(out[:, :4], -1, 1), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="39-d"):
        agent.act(np.zeros((2, 45)))


# ------------------------------------------------------------------ HARNESS
@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """``manyworld train --algo maml --task reach``: 4,000 steps with two checkpoints, then
    ``--resume`` to 6,000. Each evaluation costs 13 episodes of 500 steps, so only the
    resumed leg's meta-test evaluation is real; the others are stubbed."""
    run = tmp_path_factory.mktemp("maml") / "run"
    calls = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(harness, "_evaluate", _stub_evaluate(calls))
        assert cli_main(["train", "--algo", "maml", "--task", "reach", "--steps", "4000",
                         "--run-dir", str(run), *TINY_FLAGS, *RUN_FLAGS]) == 0  # fmt: skip
    assert calls == [(4000, "test"), (4000, "train")]
    assert len(list_checkpoints(run / "checkpoints")) == 2
    real = harness._evaluate

    def evaluate(policy, bench, run_cfg, env_steps, run_dir, split="test", tag=None):
        calls.append((env_steps, split))  # the meta-train score (split="train") is skipped
        return real(policy, bench, run_cfg, env_steps, run_dir, tag=tag) if split == "test" else 0.0

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(harness, "_evaluate", evaluate)
        assert cli_main(["train", "--resume", str(run), "--steps", "6000", "--quiet"]) == 0
    assert calls[2:] == [(6000, "test"), (6000, "train")]
    return run


def test_meta_train_checkpoint_resume_and_meta_test(cli_run, tmp_path):
    rows = _rows(cli_run)
    assert [r["env_steps"] for r in rows] == [2000, 4000, 6000]
    assert [r["updates"] for r in rows] == [1, 2, 3]
    for r in rows:  # the outer step stayed in its trust region
        assert r["line_search_ok"] in (0.0, 1.0) and 0.0 <= r["kl"] <= 0.01 + 1e-6
        assert r["pre_return"] > 0 and r["post_return"] > 0
    assert latest_checkpoint(cli_run / "checkpoints").name.endswith("6000")
    # the harness scored it by the ML protocol on the test split
    result = read_result(cli_run / "evals" / "step_000000006000.json")
    assert result["protocol"]["kind"] == "ML" and result["protocol"]["split"] == "test"
    assert result["agent"]["meta_agent"] and result["agent"]["observation"] == "default"
    assert len(result["outcomes"]) == 1 and len(result["outcomes"][0]["adaptation_success"]) == 10
    assert rows[-1]["eval_success"] == result["aggregate"]["success_rate"]
    # `manyworld eval` meta-tests it from the run directory
    agent = load_agent(str(cli_run), meta=True)
    assert isinstance(agent, maml.MAMLAgent) and agent.cfg == TINY.replace(obs_dim=39)
    out = tmp_path / "ml1.json"
    assert cli_main(["eval", "--agent", str(cli_run), "--benchmark", "ML1(reach)",
                     "--variations", "1", "--out", str(out), "--quiet"]) == 0  # fmt: skip
    assert read_result(out)["protocol"]["kind"] == "ML"


def test_same_seed_same_metrics_and_resume_is_exact(cli_run, tmp_path, monkeypatch):
    """An uninterrupted run of the same seed gives the resumed CLI run's rows exactly."""
    monkeypatch.setattr(harness, "_evaluate", _stub_evaluate([]))
    a = train("maml", "ML1(reach)", TINY, TINY_RUN, tmp_path / "a", progress=None)[2]
    assert _strip(a) == _strip(_rows(cli_run))
    c = train("maml", "ML1(reach)", TINY, TINY_RUN.replace(steps=2000, seed=1), tmp_path / "c",
              progress=None)[2]  # fmt: skip
    assert _strip(c)[0]["pre_return"] != _strip(a)[0]["pre_return"]
    assert _strip(c)[0]["policy_loss"] != _strip(a)[0]["policy_loss"]


def test_bad_configs_are_refused_with_the_fix(capsys):
    bad = {"meta_batch": 0, "rollouts_per_task": 0, "inner_lr": 0.0, "max_kl": -1.0,
           "cg_iters": 0, "backtrack_ratio": 1.0, "gamma": 1.5, "gae_lambda": -0.1,
           "baseline_reg": -1.0, "activation": "x", "hidden": (0,)}  # fmt: skip
    for name, value in bad.items():
        with pytest.raises(ValueError, match=name):
            TINY.replace(**{name: value})
    with pytest.raises(ValueError, match="init_log_std"):
        TINY.replace(init_log_std=3.0)
    assert cli_main(["train", "--algo", "maml", "--task", "reach", "--inner-lr", "-1"]) == 2
    assert "inner_lr must be a positive number" in capsys.readouterr().err
    with pytest.raises(ValueError, match="--meta-batch"):
        train("maml", "ML1(reach)", TINY, TINY_RUN.replace(worlds_per_task=2), "/nonexistent/x",
              progress=None)  # fmt: skip
    with pytest.raises(ValueError, match="meta-learning"):
        train("maml", "MT10", TINY, TINY_RUN, "/nonexistent/x", progress=None)
    with pytest.raises(ValueError, match="obs_dim must be set"):
        maml.init_state(TINY, jax.random.key(0))
