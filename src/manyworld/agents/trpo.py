"""Trust Region Policy Optimisation (TRPO, Schulman et al. 2015) for one task or many (MT-TRPO).

Read top to bottom: config, state initialisation (networks and policy come from
:mod:`manyworld.agents.onpolicy`, shared with PPO), conjugate gradient, the
natural-gradient step, and the jit-compiled update: Adam epochs on the value
function, then one KL-constrained policy step.

The policy step maximises the importance-sampled surrogate
L(θ) = mean(π_θ(a|s) / π_old(a|s) · A) subject to mean KL(π_old || π_θ) <= max_kl:
the step direction x solves F x = ∇L by conjugate gradient, where F is the
Hessian of the mean KL at θ_old (the Fisher matrix) applied through
forward-over-reverse Hessian-vector products; x is scaled to the KL boundary
under the quadratic model, and a backtracking line search takes the largest
fraction of that step that keeps the true KL within bounds and improves L.

MT-TRPO (Meta-World, Yu et al. 2019) is this with ``num_tasks > 1`` (one-hot
task id in the observation). Defaults are the Meta-World paper v2's MT-TRPO
(Yu et al., arXiv 1910.10897v2, Appendix D) and the line search of Meta-World+'s
MAML-TRPO (``rainx0r/metaworld-algorithms``, ``rl/algorithms/mamltrpo.py``). The
trainer is :class:`~manyworld.agents.onpolicy.OnPolicyTrainer`, shared with PPO.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax
from jax.flatten_util import ravel_pytree

from manyworld.agents.onpolicy import (
    ObsStats,
    OnPolicyConfig,
    OnPolicyTrainer,
    act_deterministic,
    adam_optimizer,
    check_non_negative,
    gaussian_entropy,
    gaussian_kl,
    gaussian_log_prob,
    init_obs_stats,
    make_policy,
    make_value,
    minibatch_indices,
    policy_dist,
    policy_loader,
    sample,
    value,
)
from manyworld.train.config import (
    check_fraction,
    check_positive_float,
    check_positive_int,
    option,
)
from manyworld.train.registry import AlgoSpec, register

# the policy functions are shared with the rest of the on-policy family
__all__ = [
    "TRPOConfig",
    "TRPOState",
    "act_deterministic",
    "conjugate_gradient",
    "init_state",
    "natural_gradient_direction",
    "policy_dist",
    "sample",
    "update",
    "value",
]


# ------------------------------------------------------------------ CONFIG
@dataclass(frozen=True)
class TRPOConfig(OnPolicyConfig):
    """Hyperparameters of TRPO / MT-TRPO (sizes of everything are config, not code)."""

    max_kl: float = option(
        0.01, "trust region: mean KL(old || new) bound [Meta-World paper App. D]"
    )
    cg_iters: int = option(10, "conjugate-gradient iterations [Meta-World paper App. D]")
    cg_damping: float = option(0.1, "damping added to the Fisher matrix, F + d I [garage / common]")
    backtrack_ratio: float = option(
        0.8, "line-search step shrink factor [Meta-World+ MAML-TRPO's line search]"
    )
    backtrack_steps: int = option(
        15, "line-search candidates (ratios^0 .. ratios^(steps-1)) [Meta-World+ MAML-TRPO]"
    )
    entropy_coef: float = option(
        0.0, "entropy bonus weight in the surrogate [Meta-World paper: no entropy term]"
    )
    value_lr: float = option(5e-4, "Adam learning rate of the value function [as MT-PPO's lr]")
    adam_eps: float = option(1e-5, "Adam epsilon of the value optimiser [Meta-World+]")
    max_grad_norm: float = option(
        1.0, "gradient-norm clip of the value optimiser (only), 0 for none [Meta-World+]"
    )
    value_epochs: int = option(5, "value-function passes over each batch")
    value_minibatches: int = option(
        32, "value minibatches per epoch; N % value_minibatches samples are dropped per epoch"
    )
    gae_lambda: float = option(0.95, "GAE lambda [Meta-World paper App. D: MT-TRPO lambda 0.95]")

    def __post_init__(self) -> None:
        super().__post_init__()
        check_positive_float(self, "max_kl", "value_lr", "adam_eps")
        check_non_negative(self, "cg_damping", "entropy_coef", "max_grad_norm")
        check_fraction(self, "gae_lambda")
        if not 0.0 < self.backtrack_ratio < 1.0:
            raise ValueError(f"backtrack_ratio must be in (0, 1), got {self.backtrack_ratio!r}")
        check_positive_int(self, "cg_iters", "backtrack_steps", "value_epochs",
                           "value_minibatches")  # fmt: skip

    def replace(self, **kw: Any) -> TRPOConfig:
        return dataclasses.replace(self, **kw)


# ------------------------------------------------------------------ STATE
class TRPOState(NamedTuple):
    """Everything the training loop carries: params, the value optimiser and obs statistics."""

    policy: Any
    value: Any
    value_opt: Any
    obs_stats: ObsStats  # updated by the training loop, not by :func:`update`
    updates: jax.Array  # int32: calls of :func:`update` (iterations)


def _value_optimizer(cfg: TRPOConfig) -> optax.GradientTransformation:
    return adam_optimizer(cfg.value_lr, cfg.adam_eps, cfg.max_grad_norm)


def init_state(cfg: TRPOConfig, key: jax.Array) -> TRPOState:
    """Fresh policy and value networks, value optimiser state and empty observation statistics."""
    if cfg.obs_dim <= 0:
        raise ValueError("TRPOConfig.obs_dim must be set (the trainer sets it from the env)")
    k_pi, k_v = jax.random.split(key)
    obs = jnp.zeros((1, cfg.obs_dim))
    value_params = make_value(cfg).init(k_v, obs)
    return TRPOState(
        policy=make_policy(cfg).init(k_pi, obs),
        value=value_params,
        value_opt=_value_optimizer(cfg).init(value_params),
        obs_stats=init_obs_stats(cfg.obs_dim),
        updates=jnp.zeros((), jnp.int32),
    )


# ------------------------------------------------------------------ CONJUGATE GRADIENT
def conjugate_gradient(
    fvp: Callable[[jax.Array], jax.Array], b: jax.Array, iters: int, residual_tol: float = 1e-10
) -> jax.Array:
    """Solve F x = b for symmetric positive-definite F, given only ``fvp(v) = F v``.

    A fixed ``iters`` iterations from x = 0 (jit-friendly); once the squared
    residual norm falls below ``residual_tol`` the iterate is left unchanged,
    which also avoids dividing by a vanishing p·Fp.
    """

    def cg_step(carry):
        x, r, p, rr = carry
        fp = fvp(p)
        alpha = rr / jnp.vdot(p, fp)
        x, r = x + alpha * p, r - alpha * fp
        rr_new = jnp.vdot(r, r)
        return x, r, r + (rr_new / rr) * p, rr_new

    def body(_, carry):
        return jax.lax.cond(carry[3] > residual_tol, cg_step, lambda c: c, carry)

    init = (jnp.zeros_like(b), b, b, jnp.vdot(b, b))
    return jax.lax.fori_loop(0, iters, body, init)[0]


# ------------------------------------------------------------------ POLICY STEP
def _policy_problem(cfg: TRPOConfig, policy_params: Any, batch: dict):
    """Flat θ_old, its unravel, and the surrogate L(θ) and mean KL(π_old || π_θ) on flat θ."""
    theta0, unravel = ravel_pytree(policy_params)
    obs, action, old_logp = batch["obs"], batch["action"], batch["log_prob"]
    mean0, log_std0 = jax.lax.stop_gradient(policy_dist(cfg, policy_params, obs))
    adv = batch["advantage"]
    if cfg.normalize_advantages:
        adv = (adv - jnp.mean(adv)) / (jnp.std(adv) + 1e-8)

    def surrogate(theta: jax.Array) -> jax.Array:
        mean, log_std = policy_dist(cfg, unravel(theta), obs)
        ratio = jnp.exp(gaussian_log_prob(mean, log_std, action) - old_logp)
        objective = jnp.mean(ratio * adv)
        if cfg.entropy_coef > 0:
            objective = objective + cfg.entropy_coef * jnp.mean(gaussian_entropy(log_std))
        return objective

    def mean_kl(theta: jax.Array) -> jax.Array:
        mean, log_std = policy_dist(cfg, unravel(theta), obs)
        return jnp.mean(gaussian_kl(mean0, log_std0, mean, log_std))

    return theta0, unravel, surrogate, mean_kl


def natural_gradient(cfg: TRPOConfig, theta0: jax.Array, surrogate, mean_kl):
    """Gradient g of L, the damped Fisher-vector product, and x = CG(F, g)."""
    g = jax.grad(surrogate)(theta0)
    kl_grad = jax.grad(mean_kl)

    def fvp(v: jax.Array) -> jax.Array:
        # forward-over-reverse: the directional derivative of ∇KL along v is (∇²KL) v
        return jax.jvp(kl_grad, (theta0,), (v,))[1] + cfg.cg_damping * v

    return conjugate_gradient(fvp, g, cfg.cg_iters), g, fvp


def natural_gradient_direction(
    cfg: TRPOConfig, policy_params: Any, batch: dict
) -> tuple[jax.Array, jax.Array]:
    """The unscaled TRPO step direction x ≈ (F + damping I)^-1 g and the gradient g, flat.

    Exposed for tests; :func:`update` computes the same thing internally.
    """
    theta0, _, surrogate, mean_kl = _policy_problem(cfg, policy_params, batch)
    x, g, _ = natural_gradient(cfg, theta0, surrogate, mean_kl)
    return x, g


def _policy_step(cfg: TRPOConfig, policy_params: Any, batch: dict):
    theta0, unravel, surrogate, mean_kl = _policy_problem(cfg, policy_params, batch)
    x, _, fvp = natural_gradient(cfg, theta0, surrogate, mean_kl)
    # scale so that the quadratic KL model 0.5 s·Fs equals max_kl
    full_step = jnp.sqrt(2.0 * cfg.max_kl / jnp.maximum(jnp.vdot(x, fvp(x)), 1e-12)) * x
    l_old = surrogate(theta0)

    # every candidate is evaluated (scan keeps memory at one forward pass); the first wins
    ratios = cfg.backtrack_ratio ** jnp.arange(cfg.backtrack_steps, dtype=jnp.float32)

    def candidate(_, ratio):
        theta = theta0 + ratio * full_step
        return None, (surrogate(theta), mean_kl(theta))

    _, (l_new, kl) = jax.lax.scan(candidate, None, ratios)
    ok = (kl <= cfg.max_kl) & (l_new > l_old) & jnp.isfinite(l_new) & jnp.isfinite(kl)
    first, accepted = jnp.argmax(ok), jnp.any(ok)
    theta = jnp.where(accepted, theta0 + ratios[first] * full_step, theta0)
    metrics = {
        "policy_loss": -jnp.where(accepted, l_new[first], l_old),
        "kl": jnp.where(accepted, kl[first], 0.0),
        "line_search_ok": accepted.astype(jnp.float32),
        "step_fraction": jnp.where(accepted, ratios[first], 0.0),
    }
    return unravel(theta), metrics


# ------------------------------------------------------------------ UPDATE
def _fit_value(cfg: TRPOConfig, params: Any, opt_state: Any, batch: dict, key: jax.Array):
    """``value_epochs`` x ``value_minibatches`` Adam steps on 0.5 (V - return)^2."""
    n = batch["obs"].shape[0]
    tx = _value_optimizer(cfg)
    data = {"obs": batch["obs"], "return": batch["return"]}

    def loss(p, mb):
        return 0.5 * jnp.mean((value(cfg, p, mb["obs"]) - mb["return"]) ** 2)

    def minibatch_step(carry, mb):
        p, s = carry
        l, grads = jax.value_and_grad(loss)(p, mb)
        upd, s = tx.update(grads, s, p)
        return (optax.apply_updates(p, upd), s), l

    def epoch(carry, k):
        mbs = jax.tree.map(lambda x: x[minibatch_indices(k, n, cfg.value_minibatches)], data)
        carry, losses = jax.lax.scan(minibatch_step, carry, mbs)
        return carry, jnp.mean(losses)

    keys = jax.random.split(key, cfg.value_epochs)
    (params, opt_state), losses = jax.lax.scan(epoch, (params, opt_state), keys)
    return params, opt_state, losses[-1]


@partial(jax.jit, static_argnums=0)
def update(cfg: TRPOConfig, state: TRPOState, batch: dict, key: jax.Array):
    """Fit the value function, then take one KL-constrained natural-gradient policy step.

    Args:
        cfg: the (hashable, static) config.
        state: the current state; ``obs_stats`` passes through unchanged.
        batch: flat arrays over N samples, as for PPO: ``obs`` (N, D) float32,
            already normalised; ``action`` (N, A); ``log_prob``, ``advantage`` and
            ``return``, each (N,). The old policy π_old is ``state.policy``, which
            collected the batch.
        key: PRNG key for the value minibatch permutations.

    Returns:
        The new state and metrics: ``policy_loss`` (-L after the step), ``value_loss``
        (mean over the last value epoch), ``kl`` (of the accepted step, 0 if none),
        ``entropy`` and ``std`` (of the new policy), ``line_search_ok`` (1 or 0) and
        ``step_fraction`` (the accepted line-search ratio, 0 if none).
    """
    value_params, value_opt, value_loss = _fit_value(cfg, state.value, state.value_opt, batch, key)
    policy, metrics = _policy_step(cfg, state.policy, batch)
    # the log-std is state-independent, so one observation gives the policy's entropy and std
    _, log_std = policy_dist(cfg, policy, batch["obs"][:1])
    metrics |= {
        "value_loss": value_loss,
        "entropy": jnp.mean(gaussian_entropy(log_std)),
        "std": jnp.mean(jnp.exp(log_std)),
    }
    new = TRPOState(policy, value_params, value_opt, state.obs_stats, state.updates + 1)
    return new, metrics


# ------------------------------------------------------------------ TRAINER
METRIC_KEYS = ("policy_loss", "value_loss", "kl", "entropy", "std", "line_search_ok",
               "step_fraction", "time_policy_s", "time_env_s", "time_update_s")  # fmt: skip


def make_trainer(cfg: TRPOConfig, run: Any, env: Any, seed: int) -> OnPolicyTrainer:
    """The harness's trainer for TRPO and MT-TRPO."""
    return OnPolicyTrainer(cfg, run, env, seed, init_state=init_state, update=update)


register(
    AlgoSpec(
        name="trpo",
        summary="TRPO on one task (Schulman et al. 2015): natural gradient, KL 0.01, line search",
        config=TRPOConfig(),
        run={"worlds_per_task": 32},
        make_trainer=make_trainer,
        load_policy=policy_loader(init_state),
        metric_keys=METRIC_KEYS,
    )
)
