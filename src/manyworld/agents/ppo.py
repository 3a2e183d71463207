"""Proximal Policy Optimisation (PPO, Schulman et al. 2017) for one task or many (MT-PPO).

Read top to bottom: config, networks and policy (shared with TRPO, from
:mod:`manyworld.agents.onpolicy`), state initialisation, and the jit-compiled
update: ``epochs`` passes over one on-policy batch, each a fresh permutation
split into ``minibatches`` Adam steps on the clipped surrogate, the value loss
and an entropy bonus.

MT-PPO (Meta-World, Yu et al. 2019) is this with ``num_tasks > 1``: one
Gaussian policy and one value function read the observation with the one-hot
task id appended. Defaults are the Meta-World paper v2's MT-PPO (Yu et al.,
arXiv 1910.10897v2, Appendix D), with the optimiser details of Meta-World+
(``rainx0r/metaworld-algorithms``, ``metaworld_algorithms/rl/algorithms/ppo.py``)
where the paper is silent.

The trainer (collection, observation statistics, GAE) is
:class:`~manyworld.agents.onpolicy.OnPolicyTrainer`, shared with TRPO; it feeds
:func:`update` flat batches of already normalised observations.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from manyworld.agents.onpolicy import (
    ObsStats,
    OnPolicyConfig,
    OnPolicyTrainer,
    act_deterministic,
    adam_optimizer,
    check_non_negative,
    gaussian_entropy,
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
    "PPOConfig",
    "PPOState",
    "act_deterministic",
    "init_state",
    "policy_dist",
    "sample",
    "update",
    "value",
]


# ------------------------------------------------------------------ CONFIG
@dataclass(frozen=True)
class PPOConfig(OnPolicyConfig):
    """Hyperparameters of PPO / MT-PPO (sizes of everything are config, not code)."""

    lr: float = option(5e-4, "Adam learning rate of policy and value [Meta-World paper App. D]")
    lr_decay_steps: int = option(
        0,
        "env steps over which the learning rate falls linearly to 0, set per iteration; 0 keeps "
        "it constant [cleanrl ppo_continuous_action.py anneal_lr; Huang et al. 2022, detail 4]",
    )
    adam_eps: float = option(1e-5, "Adam epsilon [Meta-World+ rainx0r/metaworld-algorithms]")
    max_grad_norm: float = option(
        1.0, "global gradient-norm clip over policy and value, 0 for none [Meta-World+]"
    )
    gae_lambda: float = option(0.97, "GAE lambda [Meta-World paper App. D]")
    clip: float = option(0.2, "PPO ratio clip epsilon [Meta-World paper App. D]")
    value_clip: float = option(
        0.0, "clip of the value change around the old value, 0 for off [off in Meta-World+]"
    )
    entropy_coef: float = option(5e-3, "entropy bonus weight [Meta-World paper App. D]")
    value_coef: float = option(
        0.5, "value-loss weight in the joint loss [cleanrl / OpenAI baselines PPO2]"
    )
    epochs: int = option(16, "passes over each batch [Meta-World paper App. D]")
    minibatches: int = option(
        32,
        "minibatches per epoch; N % minibatches samples of each permutation are dropped "
        "[Meta-World+: 32 minibatches]",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        check_positive_float(self, "lr", "adam_eps", "clip")
        check_non_negative(self, "max_grad_norm", "value_clip", "entropy_coef", "value_coef")
        if isinstance(self.lr_decay_steps, bool) or not isinstance(self.lr_decay_steps, int) or self.lr_decay_steps < 0:
            raise ValueError(f"lr_decay_steps must be an integer >= 0 (0: constant), got {self.lr_decay_steps!r}")
        check_fraction(self, "gae_lambda")
        check_positive_int(self, "epochs", "minibatches")

    def replace(self, **kw: Any) -> PPOConfig:
        return dataclasses.replace(self, **kw)


# ------------------------------------------------------------------ STATE
class PPOState(NamedTuple):
    """Everything the training loop carries: params, the optimiser state and obs statistics."""

    policy: Any
    value: Any
    opt_state: Any  # one optimiser over {"policy": ..., "value": ...}
    obs_stats: ObsStats  # updated by the training loop, not by :func:`update`
    updates: jax.Array  # int32: calls of :func:`update` (iterations), not gradient steps


def _optimizer(cfg: PPOConfig) -> optax.GradientTransformation:
    return adam_optimizer(cfg.lr, cfg.adam_eps, cfg.max_grad_norm)


def init_state(cfg: PPOConfig, key: jax.Array) -> PPOState:
    """Fresh policy and value networks, optimiser state and empty observation statistics."""
    if cfg.obs_dim <= 0:
        raise ValueError("PPOConfig.obs_dim must be set (the trainer sets it from the env)")
    k_pi, k_v = jax.random.split(key)
    obs = jnp.zeros((1, cfg.obs_dim))
    policy = make_policy(cfg).init(k_pi, obs)
    value_params = make_value(cfg).init(k_v, obs)
    return PPOState(
        policy=policy,
        value=value_params,
        opt_state=_optimizer(cfg).init({"policy": policy, "value": value_params}),
        obs_stats=init_obs_stats(cfg.obs_dim),
        updates=jnp.zeros((), jnp.int32),
    )


# ------------------------------------------------------------------ UPDATE
def _loss(cfg: PPOConfig, params: dict, mb: dict):
    mean, log_std = policy_dist(cfg, params["policy"], mb["obs"])
    log_ratio = gaussian_log_prob(mean, log_std, mb["action"]) - mb["log_prob"]
    ratio = jnp.exp(log_ratio)
    adv = mb["advantage"]
    if cfg.normalize_advantages:
        adv = (adv - jnp.mean(adv)) / (jnp.std(adv) + 1e-8)
    surrogate = jnp.minimum(ratio * adv, jnp.clip(ratio, 1.0 - cfg.clip, 1.0 + cfg.clip) * adv)
    policy_loss = -jnp.mean(surrogate)

    v = value(cfg, params["value"], mb["obs"])
    v_err = (v - mb["return"]) ** 2
    if cfg.value_clip > 0:
        # the pessimistic (larger) of the unclipped and clipped errors, as in PPO2 / cleanrl
        v_clipped = mb["value"] + jnp.clip(v - mb["value"], -cfg.value_clip, cfg.value_clip)
        v_err = jnp.maximum(v_err, (v_clipped - mb["return"]) ** 2)
    value_loss = 0.5 * jnp.mean(v_err)

    entropy = jnp.mean(gaussian_entropy(log_std))
    loss = policy_loss + cfg.value_coef * value_loss - cfg.entropy_coef * entropy
    metrics = {
        "policy_loss": policy_loss,
        "value_loss": value_loss,
        "entropy": entropy,
        # (r - 1) - log r: unbiased, non-negative estimator of KL(old || new) (Schulman 2020)
        "approx_kl": jnp.mean((ratio - 1.0) - log_ratio),
        "clip_fraction": jnp.mean((jnp.abs(ratio - 1.0) > cfg.clip).astype(jnp.float32)),
        "std": jnp.mean(jnp.exp(log_std)),
    }
    return loss, metrics


@partial(jax.jit, static_argnums=0)
def update(cfg: PPOConfig, state: PPOState, batch: dict, key: jax.Array, lr_scale: float | jax.Array = 1.0):
    """``cfg.epochs`` epochs of minibatch Adam steps on one on-policy batch, in one compiled call.

    Args:
        cfg: the (hashable, static) config.
        state: the current state; ``obs_stats`` passes through unchanged.
        batch: flat arrays over N samples: ``obs`` (N, D) float32, already
            normalised; ``action`` (N, A); ``log_prob``, ``advantage``, ``return``
            and ``value`` (the old values, for value clipping), each (N,).
        key: PRNG key for the per-epoch permutations.
        lr_scale: the learning rate's factor this iteration (with ``cfg.lr_decay_steps``;
            scaling Adam's step scales its learning rate).

    Returns:
        The new state and metrics (``policy_loss``, ``value_loss``, ``entropy``,
        ``approx_kl``, ``clip_fraction``, ``std``), each the mean over the
        minibatches of the last epoch (each measured just before its minibatch's step).
    """
    n = batch["obs"].shape[0]
    tx = _optimizer(cfg)

    def minibatch_step(carry, mb):
        params, opt_state = carry
        grads, metrics = jax.grad(partial(_loss, cfg), has_aux=True)(params, mb)
        upd, opt_state = tx.update(grads, opt_state, params)
        if cfg.lr_decay_steps:  # static: a constant rate compiles without the product
            upd = jax.tree.map(lambda u: u * lr_scale, upd)
        return (optax.apply_updates(params, upd), opt_state), metrics

    def epoch(carry, k):
        idx = minibatch_indices(k, n, cfg.minibatches)
        mbs = jax.tree.map(lambda x: x[idx], batch)  # (M, N // M, ...)
        carry, metrics = jax.lax.scan(minibatch_step, carry, mbs)
        return carry, jax.tree.map(jnp.mean, metrics)

    params = {"policy": state.policy, "value": state.value}
    keys = jax.random.split(key, cfg.epochs)
    (params, opt_state), metrics = jax.lax.scan(epoch, (params, state.opt_state), keys)
    new = PPOState(params["policy"], params["value"], opt_state, state.obs_stats,
                   state.updates + 1)  # fmt: skip
    return new, jax.tree.map(lambda m: m[-1], metrics)


# ------------------------------------------------------------------ TRAINER
# Collection is shared with TRPO (onpolicy.OnPolicyTrainer): rollouts of every world, GAE
# over the whole rollout, then this module's update.
METRIC_KEYS = ("policy_loss", "value_loss", "entropy", "approx_kl", "clip_fraction", "std",
               "time_policy_s", "time_env_s", "time_update_s")  # fmt: skip


def make_trainer(cfg: PPOConfig, run: Any, env: Any, seed: int) -> OnPolicyTrainer:
    """The harness's trainer for PPO and MT-PPO."""
    return OnPolicyTrainer(cfg, run, env, seed, init_state=init_state, update=update)


#: Single-task PPO preset, measured here (docs/learning.md): 16 worlds x 500 steps = 8k
#: transitions per iteration, (128, 128) networks, 8 epochs x 16 minibatches, rewards x 0.1
#: (returns near 0-100, so the value loss does not swamp the policy gradient under the shared
#: gradient-norm clip). On reach it reaches 1.0 evaluation success at 80k env steps.
PPO_FAST = PPOConfig(
    hidden=(128, 128), value_hidden=(128, 128), epochs=8, minibatches=16, reward_scale=0.1
)
PPO_FAST_RUN = {"worlds_per_task": 16}

register(
    AlgoSpec(
        name="ppo",
        summary="PPO on one task (Schulman et al. 2017): clipped surrogate, GAE, batched rollouts",
        config=PPO_FAST,
        run=PPO_FAST_RUN,
        make_trainer=make_trainer,
        load_policy=policy_loader(init_state),
        metric_keys=METRIC_KEYS,
    )
)
