"""The math core of the on-policy family (PPO, TRPO) against hand-computed references: GAE,
running observation statistics, Gaussian helpers, the PPO update, conjugate gradient and the
TRPO natural-gradient step. Needs the ``learn`` extra (skipped without JAX)."""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import jax.numpy as jnp
from jax.flatten_util import ravel_pytree
from scipy import integrate, stats

from manyworld.agents import onpolicy, ppo, trpo


# ------------------------------------------------------------------ GAE
def _gae_reference(r, v, nv, term, done, gamma, lam):
    """Per-world Python loop, straight from the definition."""
    T, W = r.shape
    adv = np.zeros((T, W))
    for w in range(W):
        next_adv = 0.0
        for t in reversed(range(T)):
            delta = r[t, w] + gamma * (1 - term[t, w]) * nv[t, w] - v[t, w]
            next_adv = delta + gamma * lam * (1 - done[t, w]) * next_adv
            adv[t, w] = next_adv
    return adv, adv + v


def test_gae_by_hand():
    # step 0 ordinary, step 1 truncated (bootstraps V=4), step 2 terminated (drops V=7)
    r = np.array([[1.0], [2.0], [3.0]])
    v = np.array([[0.5], [1.0], [1.5]])
    nv = np.array([[1.0], [4.0], [7.0]])
    term = np.array([[False], [False], [True]])
    done = np.array([[False], [True], [True]])
    adv, ret = onpolicy.gae(r, v, nv, term, done, gamma=0.5, lam=0.5)
    # delta2 = 3 - 1.5 = 1.5; delta1 = 2 + 0.5*4 - 1 = 3 (recursion cut);
    # delta0 = 1 + 0.5*1 - 0.5 = 1, A0 = 1 + 0.25*3 = 1.75
    np.testing.assert_allclose(np.asarray(adv)[:, 0], [1.75, 3.0, 1.5], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ret)[:, 0], [2.25, 4.0, 3.0], rtol=1e-6)
    assert adv.dtype == jnp.float32 and ret.dtype == jnp.float32


def test_gae_matches_loop_reference():
    rng = np.random.default_rng(0)
    T, W = 37, 5
    r, v, nv = rng.normal(size=(3, T, W))
    term = rng.random((T, W)) < 0.05
    trunc = (rng.random((T, W)) < 0.05) & ~term
    term[10, 0], trunc[20, 0], trunc[5, 3] = True, True, True  # some in the middle, for sure
    done = term | trunc
    adv, ret = onpolicy.gae(r, v, nv, term, done, 0.99, 0.95)
    ref_adv, ref_ret = _gae_reference(r, v, nv, term, done, 0.99, 0.95)
    np.testing.assert_allclose(np.asarray(adv), ref_adv, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(ret), ref_ret, rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------ OBSERVATION STATISTICS
def test_obs_stats_chunked_merge_equals_numpy():
    rng = np.random.default_rng(1)
    dim = 4
    chunks = [rng.normal(3.0, 2.0, (7, dim)), rng.normal(-1.0, 0.5, (1, dim)),
              rng.normal(0.0, 5.0, (3, 10, dim)), np.eye(dim)]  # fmt: skip
    s = onpolicy.init_obs_stats(dim)
    for c in chunks:
        s = jax.jit(onpolicy.update_obs_stats)(s, c)
    allx = np.concatenate([c.reshape(-1, dim) for c in chunks])
    assert float(s.count) == len(allx)
    np.testing.assert_allclose(np.asarray(s.mean), allx.mean(0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(s.var), allx.var(0), rtol=1e-5)
    z = np.asarray(onpolicy.normalize_obs(s, allx, clip=3.0))
    expect = np.clip((allx - allx.mean(0)) / np.sqrt(allx.var(0) + 1e-8), -3, 3)
    np.testing.assert_allclose(z, expect, rtol=1e-4, atol=1e-4)


def test_fresh_obs_stats_normalise_to_identity():
    x = jnp.array([[0.5, -2.0, 1.0]])
    np.testing.assert_allclose(onpolicy.normalize_obs(onpolicy.init_obs_stats(3), x), x, rtol=1e-6)


# ------------------------------------------------------------------ GAUSSIANS
def test_gaussian_helpers_against_scipy():
    rng = np.random.default_rng(2)
    mean, x = rng.normal(size=(2, 6, 3))
    log_std = rng.normal(scale=0.5, size=(6, 3))
    std = np.exp(log_std)
    lp = onpolicy.gaussian_log_prob(mean, log_std, x)
    np.testing.assert_allclose(lp, stats.norm.logpdf(x, mean, std).sum(-1), rtol=1e-5)
    ent = onpolicy.gaussian_entropy(log_std)
    np.testing.assert_allclose(ent, stats.norm.entropy(mean, std).sum(-1), rtol=1e-5, atol=1e-6)

    mp, mq = np.array([0.3, -1.0]), np.array([-0.2, 0.5])
    sp, sq = np.array([0.7, 1.5]), np.array([1.2, 0.4])
    kl = onpolicy.gaussian_kl(mp, np.log(sp), mq, np.log(sq))
    numeric = sum(  # KL(p||q) = ∫ p log(p/q), one integral per independent dimension
        integrate.quad(
            lambda u, i=i: stats.norm.pdf(u, mp[i], sp[i])
            * (stats.norm.logpdf(u, mp[i], sp[i]) - stats.norm.logpdf(u, mq[i], sq[i])),
            -30, 30,
        )[0]
        for i in range(2)
    )  # fmt: skip
    np.testing.assert_allclose(float(kl), numeric, rtol=1e-5)
    np.testing.assert_allclose(onpolicy.gaussian_kl(mean, log_std, mean, log_std), 0.0, atol=1e-6)


def test_networks_shapes_and_linear_policy():
    pol = onpolicy.GaussianPolicy(hidden=(), action_dim=2, init_log_std=-0.5)
    params = pol.init(jax.random.key(0), jnp.zeros((1, 3)))
    assert ravel_pytree(params)[0].size == 3 * 2 + 2 + 2  # kernel, bias, log_std
    mean, log_std = pol.apply(params, jnp.ones((5, 3)))
    assert mean.shape == log_std.shape == (5, 2)
    np.testing.assert_allclose(log_std, -0.5)
    vnet = onpolicy.ValueNet(hidden=(8,), activation="relu")
    vp = vnet.init(jax.random.key(1), jnp.zeros((1, 3)))
    assert vnet.apply(vp, jnp.ones((4, 3))).shape == (4,)


# ------------------------------------------------------------------ PPO
PPO_CFG = ppo.PPOConfig(
    hidden=(16, 16), value_hidden=(16,), obs_dim=6, action_dim=2, epochs=4, minibatches=4,
    normalize_advantages=False, entropy_coef=0.0, lr=1e-3,
)  # fmt: skip


def _ppo_batch(cfg, state, n, seed=0):
    k_obs, k_act, k_ret = jax.random.split(jax.random.key(seed), 3)
    obs = jax.random.normal(k_obs, (n, cfg.obs_dim))
    action, log_prob = onpolicy.sample(cfg, state.policy, obs, k_act)
    return {
        "obs": obs,
        "action": action,
        "log_prob": log_prob,
        "advantage": jnp.ones(n),  # every sampled action was good
        "return": jax.random.normal(k_ret, (n,)),
        "value": onpolicy.value(cfg, state.value, obs),
    }


def test_ppo_update_raises_logprob_of_good_actions_and_is_deterministic():
    cfg = PPO_CFG
    state = ppo.init_state(cfg, jax.random.key(0))
    batch = _ppo_batch(cfg, state, 256)
    new, metrics = ppo.update(cfg, state, batch, jax.random.key(1))
    mean, log_std = ppo.policy_dist(cfg, new.policy, batch["obs"])
    new_lp = onpolicy.gaussian_log_prob(mean, log_std, batch["action"])
    assert float(jnp.mean(new_lp - batch["log_prob"])) > 0.01
    assert 0.0 <= float(metrics["clip_fraction"]) <= 1.0
    assert float(metrics["approx_kl"]) >= 0.0
    assert set(metrics) == {"policy_loss", "value_loss", "entropy", "approx_kl",
                            "clip_fraction", "std"}  # fmt: skip
    assert all(np.isfinite(float(m)) for m in metrics.values())
    assert int(new.updates) == 1

    again, metrics2 = ppo.update(cfg, state, batch, jax.random.key(1))
    for a, b in zip(jax.tree.leaves((new, metrics)), jax.tree.leaves((again, metrics2))):
        assert np.array_equal(np.asarray(a), np.asarray(b))


def test_the_learning_rate_decay_scales_each_adam_step():
    # one epoch of one minibatch: Adam's step is proportional to the learning rate
    cfg = PPO_CFG.replace(epochs=1, minibatches=1, lr_decay_steps=1000)
    state = ppo.init_state(cfg, jax.random.key(0))
    batch = _ppo_batch(cfg, state, 64)
    before = ravel_pytree(state.policy)[0]
    step = {scale: ravel_pytree(ppo.update(cfg, state, batch, jax.random.key(1), lr_scale=scale)[0].policy)[0]
            - before for scale in (1.0, 0.25, 0.0)}  # fmt: skip
    np.testing.assert_allclose(step[0.25], 0.25 * step[1.0], rtol=1e-3, atol=2e-7)  # float32 params ~1
    assert float(jnp.abs(step[0.0]).max()) == 0.0 and float(jnp.abs(step[1.0]).max()) > 0
    # without a decay the scale is not applied: the constant-rate update is the one it always was
    constant = PPO_CFG.replace(epochs=1, minibatches=1)
    assert not np.array_equal(
        ravel_pytree(ppo.update(constant, state, batch, jax.random.key(1), lr_scale=0.0)[0].policy)[0], before)
    with pytest.raises(ValueError, match="lr_decay_steps must be an integer >= 0"):
        ppo.PPOConfig(lr_decay_steps=-1)


def test_ppo_minibatches_drop_the_remainder():
    idx = np.asarray(onpolicy.minibatch_indices(jax.random.key(0), 100, 8))
    assert idx.shape == (8, 12) and len(np.unique(idx)) == 96 and idx.max() < 100
    cfg = PPO_CFG.replace(minibatches=8, value_clip=0.2, normalize_advantages=True)
    state = ppo.init_state(cfg, jax.random.key(0))
    _, metrics = ppo.update(cfg, state, _ppo_batch(cfg, state, 100), jax.random.key(1))
    assert all(np.isfinite(float(m)) for m in metrics.values())
    with pytest.raises(ValueError, match="cannot fill"):
        onpolicy.minibatch_indices(jax.random.key(0), 5, 8)


def test_act_deterministic_normalises_with_given_stats():
    cfg = PPO_CFG
    state = ppo.init_state(cfg, jax.random.key(0))
    s = onpolicy.update_obs_stats(state.obs_stats, np.random.default_rng(0).normal(2, 3, (50, 6)))
    raw = jnp.full((2, 6), 4.0)
    a = ppo.act_deterministic(cfg, state.policy, raw, s)
    expect = ppo.policy_dist(cfg, state.policy, onpolicy.normalize_obs(s, raw))[0]
    np.testing.assert_allclose(a, expect, rtol=1e-5, atol=1e-7)
    assert ppo.act_deterministic(cfg, state.policy, raw).shape == (2, 2)


@pytest.mark.parametrize(
    "kw",
    [{"activation": "gelu"}, {"log_std_min": 2.0, "log_std_max": 1.0}, {"clip": 0.0},
     {"gamma": 1.5}, {"gae_lambda": -0.1}, {"minibatches": 0}, {"hidden": (0,)},
     {"entropy_coef": -1.0}],
)  # fmt: skip
def test_configs_reject_bad_values(kw):
    with pytest.raises(ValueError):
        ppo.PPOConfig(**kw)
    if "clip" not in kw and "minibatches" not in kw:
        with pytest.raises(ValueError):
            trpo.TRPOConfig(**kw)


def test_init_state_needs_obs_dim():
    with pytest.raises(ValueError, match="obs_dim"):
        ppo.init_state(ppo.PPOConfig(), jax.random.key(0))
    with pytest.raises(ValueError, match="obs_dim"):
        trpo.init_state(trpo.TRPOConfig(), jax.random.key(0))


# ------------------------------------------------------------------ CONJUGATE GRADIENT
def test_conjugate_gradient_solves_spd_system():
    rng = np.random.default_rng(3)
    m = rng.normal(size=(5, 5))
    a = m @ m.T + 0.5 * np.eye(5)
    b = rng.normal(size=5)
    A = jnp.asarray(a, jnp.float32)
    x = jax.jit(lambda b: trpo.conjugate_gradient(lambda v: A @ v, b, 20))(jnp.asarray(b))
    np.testing.assert_allclose(np.asarray(x), np.linalg.solve(a, b), rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------ TRPO
TRPO_CFG = trpo.TRPOConfig(
    hidden=(), value_hidden=(), obs_dim=3, action_dim=2, cg_iters=20, normalize_advantages=False,
    value_epochs=1, value_minibatches=4,
)  # fmt: skip


def _trpo_problem(seed=0, n=64):
    cfg = TRPO_CFG
    state = trpo.init_state(cfg, jax.random.key(seed))
    k_obs, k_act, k_adv = jax.random.split(jax.random.key(seed + 1), 3)
    obs = jax.random.normal(k_obs, (n, cfg.obs_dim))
    action, log_prob = onpolicy.sample(cfg, state.policy, obs, k_act)
    batch = {"obs": obs, "action": action, "log_prob": log_prob,
             "advantage": 5.0 * jax.random.normal(k_adv, (n,)), "return": jnp.zeros(n)}  # fmt: skip
    theta0, unravel = ravel_pytree(state.policy)
    policy = onpolicy.make_policy(cfg)
    mean0, log_std0 = policy.apply(state.policy, obs)

    # surrogate and mean KL written independently of trpo.py's internals
    def surrogate(theta):
        mean, log_std = policy.apply(unravel(theta), obs)
        logp = onpolicy.gaussian_log_prob(mean, log_std, action)
        return jnp.mean(jnp.exp(logp - log_prob) * batch["advantage"])

    def mean_kl(theta):
        mean, log_std = policy.apply(unravel(theta), obs)
        return jnp.mean(onpolicy.gaussian_kl(mean0, log_std0, mean, log_std))

    return cfg, state, batch, theta0, surrogate, mean_kl


def test_trpo_direction_is_the_explicit_natural_gradient():
    cfg, state, batch, theta0, surrogate, mean_kl = _trpo_problem()
    assert theta0.size == 10 <= cfg.cg_iters
    g = np.asarray(jax.grad(surrogate)(theta0), np.float64)
    fisher = np.asarray(jax.hessian(mean_kl)(theta0), np.float64)
    x_ref = np.linalg.solve(fisher + cfg.cg_damping * np.eye(theta0.size), g)
    x, g_trpo = trpo.natural_gradient_direction(cfg, state.policy, batch)
    np.testing.assert_allclose(np.asarray(g_trpo), g, rtol=1e-5, atol=1e-6)
    assert np.linalg.norm(np.asarray(x) - x_ref) <= 1e-4 * np.linalg.norm(x_ref)

    # the accepted step: along x, inside the trust region, improving the surrogate
    new, metrics = trpo.update(cfg, state, batch, jax.random.key(0))
    theta1 = ravel_pytree(new.policy)[0]
    step = np.asarray(theta1 - theta0, np.float64)
    assert float(metrics["line_search_ok"]) == 1.0
    assert 0.0 < float(metrics["step_fraction"]) <= 1.0
    assert step @ x_ref / (np.linalg.norm(step) * np.linalg.norm(x_ref)) > 1 - 1e-5
    kl = float(mean_kl(theta1))
    assert 0.0 < kl <= cfg.max_kl * (1 + 1e-3)
    np.testing.assert_allclose(float(metrics["kl"]), kl, rtol=1e-3)
    assert float(surrogate(theta1)) > float(surrogate(theta0))
    np.testing.assert_allclose(-float(metrics["policy_loss"]), float(surrogate(theta1)), rtol=1e-4)
    # the full step sits on the quadratic model's boundary, 0.5 s'(F + dI)s = max_kl
    full = step / float(metrics["step_fraction"])
    quad = 0.5 * full @ (fisher + cfg.cg_damping * np.eye(theta0.size)) @ full
    np.testing.assert_allclose(quad, cfg.max_kl, rtol=1e-3)
    assert int(new.updates) == 1 and np.isfinite(float(metrics["value_loss"]))


def test_trpo_keeps_policy_when_no_step_improves():
    cfg, state, batch, *_ = _trpo_problem()
    batch["advantage"] = jnp.zeros_like(batch["advantage"])  # g = 0: nothing can improve L
    new, metrics = trpo.update(cfg, state, batch, jax.random.key(0))
    assert float(metrics["line_search_ok"]) == 0.0 and float(metrics["step_fraction"]) == 0.0
    assert float(metrics["kl"]) == 0.0
    for a, b in zip(jax.tree.leaves(new.policy), jax.tree.leaves(state.policy)):
        assert np.array_equal(np.asarray(a), np.asarray(b))


def test_trpo_line_search_backtracks_to_the_first_acceptable_step():
    cfg, state, batch, theta0, surrogate, mean_kl = _trpo_problem()
    cfg = cfg.replace(max_kl=1.0)  # a big trust region: the full step's true KL overshoots it
    g = np.asarray(jax.grad(surrogate)(theta0), np.float64)
    damped = np.asarray(jax.hessian(mean_kl)(theta0), np.float64) + cfg.cg_damping * np.eye(10)
    x = np.linalg.solve(damped, g)
    full = np.sqrt(2 * cfg.max_kl / (x @ damped @ x)) * x
    expect = next(  # reference line search, one candidate at a time
        0.8**k
        for k in range(cfg.backtrack_steps)
        if float(mean_kl(theta0 + 0.8**k * full)) <= cfg.max_kl
        and float(surrogate(theta0 + 0.8**k * full)) > float(surrogate(theta0))
    )
    assert expect < 1.0
    new, metrics = trpo.update(cfg, state, batch, jax.random.key(0))
    np.testing.assert_allclose(float(metrics["step_fraction"]), expect, rtol=1e-6)
    theta1 = np.asarray(ravel_pytree(new.policy)[0], np.float64)
    np.testing.assert_allclose(theta1, np.asarray(theta0) + expect * full, rtol=1e-3, atol=1e-5)
    assert float(mean_kl(jnp.asarray(theta1, jnp.float32))) <= cfg.max_kl * (1 + 1e-3)
