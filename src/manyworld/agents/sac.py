"""Soft Actor-Critic (SAC) for one task or many: SAC, MT-SAC and MT-MH-SAC in one module.

Read top to bottom: config, networks, the tanh-Gaussian policy, state
initialisation, the jit-compiled update (critic, actor, temperature, targets),
and the policy used for acting and evaluation.

The three algorithms differ only in two switches of :class:`SACConfig`:

- **SAC** (Haarnoja et al. 2018): ``num_tasks=1``. Twin critics, Polyak-averaged
  target critics, a learned entropy temperature and a tanh-squashed Gaussian policy.
- **MT-SAC** (Meta-World, Yu et al. 2019; garage ``torch/algos/mtsac.py``):
  ``num_tasks=K``; one shared actor and critic read the observation with the
  one-hot task id appended, and each task has its own learned temperature
  ("disentangled alphas"), indexed by the task.
- **MT-MH-SAC** (Meta-World+ baseline, McLean et al. 2025): as MT-SAC, plus
  ``multi_head=True``: actor and critics share a trunk and have one output
  head per task; each sample uses its own task's head.

The task of each sample is given explicitly as an int array (``task``); the
training loop knows it from the env, :class:`SACPolicy` reads it back from the
one-hot slots of the observation.

Defaults are Meta-World+'s MT(MH)SAC (``rainx0r/metaworld-algorithms``, see
``shared/reference/algorithms-and-results.md`` §2) and the single-task recipe
of McLean's MT1 script (§5), except where a field says otherwise.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from manyworld.tasks import obs as obs_lib


# ------------------------------------------------------------------ CONFIG
def _f(default: Any, help: str) -> Any:
    """A dataclass field with its ``--help`` text (read by the CLI)."""
    if isinstance(default, (list, tuple)):
        return field(default=tuple(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class SACConfig:
    """Hyperparameters of SAC / MT-SAC / MT-MH-SAC (sizes of everything are config, not code)."""

    hidden: tuple[int, ...] = _f(
        (400, 400, 400),
        "hidden layer widths of actor and critics [Meta-World+ MT(MH)SAC and McLean MT1: 400 x 3]",
    )
    layer_norm: bool = _f(False, "LayerNorm after each hidden layer [off in Meta-World+]")
    num_critics: int = _f(2, "critics in the ensemble; targets take their minimum [SAC: 2]")
    multi_head: bool = _f(False, "one output head per task on a shared trunk (MT-MH-SAC)")
    per_task_alpha: bool = _f(
        True, "one learned temperature per task [garage MTSAC / Meta-World+]; off: one shared"
    )
    actor_lr: float = _f(
        3e-4, "Adam learning rate of the actor [Meta-World paper App. D, Meta-World+]"
    )
    critic_lr: float = _f(3e-4, "Adam learning rate of the critics [same]")
    alpha_lr: float = _f(3e-4, "Adam learning rate of the log-temperatures [same]")
    adam_eps: float = _f(1e-5, "Adam epsilon [Meta-World+]")
    max_grad_norm: float = _f(
        1.0, "global gradient-norm clip, 0 for none [Meta-World+, McLean MT1]"
    )
    gamma: float = _f(0.99, "discount [Meta-World+]")
    n_step: int = _f(
        1, "rewards summed per TD target (n-step return, cut at episode ends) [Meta-World+: 1]"
    )
    reward_scale: float = _f(
        1.0,
        "rewards are multiplied by this in the TD target [1 in Meta-World+]; the sac preset "
        "uses 0.1: Q then lives near 0-100 instead of 0-1000, and critic gradients stay near "
        "the gradient-norm clip (measured on drawer-close, docs/learning.md)",
    )
    tau: float = _f(0.005, "Polyak rate of the target critics [Meta-World paper App. D]")
    initial_alpha: float = _f(1.0, "initial entropy temperature [Meta-World+: alpha = 1]")
    target_entropy_scale: float = _f(
        1.0, "target entropy = -scale * action_dim [SAC: -|A|, scale 1]"
    )
    log_std_min: float = _f(
        -20.0, "lower clip of the policy log-std [Meta-World paper: std >= e^-20]"
    )
    log_std_max: float = _f(2.0, "upper clip of the policy log-std [Meta-World paper: std <= e^2]")
    batch_size: int = _f(
        128, "transitions per update, spread evenly over tasks [McLean MT1: 128; MT10 uses 1280]"
    )
    num_tasks: int = _f(1, "K: tasks sharing the networks (1: plain SAC); set by the trainer")
    obs_dim: int = _f(0, "observation size incl. one-hot; set by the trainer from the env")
    action_dim: int = _f(4, "action size (Meta-World: 4)")

    def __post_init__(self) -> None:
        if not self.hidden or min(self.hidden) < 1:
            raise ValueError(f"hidden must be one or more positive widths, got {self.hidden}")
        for name in ("num_critics", "batch_size", "num_tasks", "action_dim", "n_step"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("actor_lr", "critic_lr", "alpha_lr", "adam_eps", "initial_alpha",
                     "reward_scale"):  # fmt: skip
            v = getattr(self, name)
            if not (v > 0 and np.isfinite(v)):
                raise ValueError(f"{name} must be a positive number, got {v}")
        if not 0.0 <= self.gamma < 1.0:
            raise ValueError(f"gamma must be in [0, 1), got {self.gamma}")
        if not 0.0 < self.tau <= 1.0:
            raise ValueError(f"tau must be in (0, 1], got {self.tau}")
        if self.max_grad_norm < 0:
            raise ValueError(f"max_grad_norm must be >= 0 (0: no clipping), got {self.max_grad_norm}")
        if self.log_std_min >= self.log_std_max:
            raise ValueError(
                f"log_std_min ({self.log_std_min}) must be below log_std_max ({self.log_std_max})"
            )

    def replace(self, **kw: Any) -> SACConfig:
        return dataclasses.replace(self, **kw)


# ------------------------------------------------------------------ NETWORKS
class MLP(nn.Module):
    """Dense -> (LayerNorm) -> ReLU per hidden layer, then ``heads`` linear output heads.

    He-uniform initialisation (Meta-World+). With ``heads > 1`` the output is
    ``(B, heads, out)`` and the caller picks each sample's head.
    """

    hidden: tuple[int, ...]
    out: int
    heads: int = 1
    layer_norm: bool = False

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        init = nn.initializers.he_uniform()
        for width in self.hidden:
            x = nn.Dense(width, kernel_init=init)(x)
            if self.layer_norm:
                x = nn.LayerNorm()(x)
            x = nn.relu(x)
        y = nn.Dense(self.out * self.heads, kernel_init=init)(x)
        return y.reshape(*y.shape[:-1], self.heads, self.out)


def _pick_head(y: jax.Array, task: jax.Array) -> jax.Array:
    """(B, H, out) -> (B, out): head ``task[b]`` of sample b (head 0 when H == 1)."""
    if y.shape[-2] == 1:
        return y[..., 0, :]
    return jnp.take_along_axis(y, task[:, None, None], axis=-2)[..., 0, :]


def _heads(cfg: SACConfig) -> int:
    return cfg.num_tasks if cfg.multi_head else 1


def make_actor(cfg: SACConfig) -> MLP:
    """The actor: mean and log-std of a Gaussian over pre-squash actions."""
    return MLP(cfg.hidden, 2 * cfg.action_dim, _heads(cfg), cfg.layer_norm)


def make_critic(cfg: SACConfig) -> MLP:
    """One critic Q(s, a); the ensemble is ``num_critics`` copies vmapped over their params."""
    return MLP(cfg.hidden, 1, _heads(cfg), cfg.layer_norm)


# ------------------------------------------------------------------ POLICY
def policy_dist(cfg: SACConfig, actor_params: Any, obs: jax.Array, task: jax.Array):
    """Mean and log-std (clipped to [log_std_min, log_std_max]) of the pre-tanh Gaussian."""
    y = _pick_head(make_actor(cfg).apply(actor_params, obs), task)
    mean, log_std = jnp.split(y, 2, axis=-1)
    return mean, jnp.clip(log_std, cfg.log_std_min, cfg.log_std_max)


def sample_action(
    cfg: SACConfig, actor_params: Any, obs: jax.Array, task: jax.Array, key: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """A reparameterised tanh-Gaussian sample in (-1, 1) and its log-probability."""
    mean, log_std = policy_dist(cfg, actor_params, obs, task)
    std = jnp.exp(log_std)
    u = mean + std * jax.random.normal(key, mean.shape)
    a = jnp.tanh(u)
    logp_u = -0.5 * (((u - mean) / std) ** 2 + 2 * log_std + jnp.log(2 * jnp.pi))
    # change of variables through tanh (numerically stable form)
    log_det = 2.0 * (jnp.log(2.0) - u - jax.nn.softplus(-2.0 * u))
    return a, jnp.sum(logp_u - log_det, axis=-1)


def q_values(cfg: SACConfig, critic_params: Any, obs, action, task) -> jax.Array:
    """(num_critics, B) Q-values of every critic of the ensemble."""
    x = jnp.concatenate([obs, action], axis=-1)
    y = jax.vmap(make_critic(cfg).apply, in_axes=(0, None))(critic_params, x)  # (C, B, H, 1)
    return jax.vmap(lambda yc: _pick_head(yc, task)[..., 0])(y)


# ------------------------------------------------------------------ STATE
class SACState(NamedTuple):
    """Everything the update changes: params, target params, temperatures and optimiser states."""

    actor: Any
    critic: Any
    target_critic: Any
    log_alpha: jax.Array  # (K,) per task, or (1,) shared
    actor_opt: Any
    critic_opt: Any
    alpha_opt: Any
    updates: jax.Array  # int32 counter


def _adam(cfg: SACConfig, lr: float) -> optax.GradientTransformation:
    adam = optax.adam(lr, eps=cfg.adam_eps)
    if cfg.max_grad_norm > 0:
        return optax.chain(optax.clip_by_global_norm(cfg.max_grad_norm), adam)
    return adam


def init_state(cfg: SACConfig, key: jax.Array) -> SACState:
    """Fresh networks (targets equal to the critics), temperatures and optimiser states."""
    if cfg.obs_dim <= 0:
        raise ValueError("SACConfig.obs_dim must be set (the trainer sets it from the env)")
    k_actor, k_critic = jax.random.split(key)
    obs = jnp.zeros((1, cfg.obs_dim))
    actor = make_actor(cfg).init(k_actor, obs)
    critic_keys = jax.random.split(k_critic, cfg.num_critics)
    x = jnp.zeros((1, cfg.obs_dim + cfg.action_dim))
    critic = jax.vmap(make_critic(cfg).init, in_axes=(0, None))(critic_keys, x)
    n_alpha = cfg.num_tasks if cfg.per_task_alpha else 1
    log_alpha = jnp.full((n_alpha,), jnp.log(cfg.initial_alpha), jnp.float32)
    return SACState(
        actor=actor,
        critic=critic,
        target_critic=critic,
        log_alpha=log_alpha,
        actor_opt=_adam(cfg, cfg.actor_lr).init(actor),
        critic_opt=_adam(cfg, cfg.critic_lr).init(critic),
        alpha_opt=_adam(cfg, cfg.alpha_lr).init(log_alpha),
        updates=jnp.zeros((), jnp.int32),
    )


# ------------------------------------------------------------------ UPDATE NETWORK
def _alpha_of(cfg: SACConfig, log_alpha: jax.Array, task: jax.Array) -> jax.Array:
    """(B,) temperature of each sample's task."""
    idx = task if cfg.per_task_alpha else jnp.zeros_like(task)
    return jnp.exp(log_alpha[idx])


def _one_update(cfg: SACConfig, state: SACState, batch: dict, key: jax.Array):
    obs, act, rew = batch["obs"], batch["action"], batch["reward"]
    next_obs, term, task = batch["next_obs"], batch["terminated"], batch["task"]
    k_next, k_pi = jax.random.split(key)
    alpha = jax.lax.stop_gradient(_alpha_of(cfg, state.log_alpha, task))

    # CRITIC: soft Bellman target from the minimum of the target critics
    next_a, next_logp = sample_action(cfg, state.actor, next_obs, task, k_next)
    next_q = jnp.min(q_values(cfg, state.target_critic, next_obs, next_a, task), axis=0)
    # n-step batches carry their own discount (gamma^m for the m rewards they sum)
    discount = batch.get("discount", cfg.gamma)
    target = cfg.reward_scale * rew + discount * (1.0 - term) * (next_q - alpha * next_logp)
    target = jax.lax.stop_gradient(target)

    def critic_loss(params):
        q = q_values(cfg, params, obs, act, task)
        return 0.5 * jnp.mean(jnp.sum((q - target) ** 2, axis=0)), q

    (c_loss, q), c_grads = jax.value_and_grad(critic_loss, has_aux=True)(state.critic)
    c_upd, critic_opt = _adam(cfg, cfg.critic_lr).update(c_grads, state.critic_opt, state.critic)
    critic = optax.apply_updates(state.critic, c_upd)

    # ACTOR: maximise min-Q minus the entropy penalty (critic after its update)
    def actor_loss(params):
        a, logp = sample_action(cfg, params, obs, task, k_pi)
        q_pi = jnp.min(q_values(cfg, critic, obs, a, task), axis=0)
        return jnp.mean(alpha * logp - q_pi), logp

    (a_loss, logp), a_grads = jax.value_and_grad(actor_loss, has_aux=True)(state.actor)
    a_upd, actor_opt = _adam(cfg, cfg.actor_lr).update(a_grads, state.actor_opt, state.actor)
    actor = optax.apply_updates(state.actor, a_upd)

    # TEMPERATURE: drive each task's policy entropy to the target entropy
    target_entropy = -cfg.target_entropy_scale * cfg.action_dim
    slack = jax.lax.stop_gradient(logp + target_entropy)

    def alpha_loss(log_alpha):
        return jnp.mean(-_alpha_of(cfg, log_alpha, task) * slack)

    al_loss, al_grads = jax.value_and_grad(alpha_loss)(state.log_alpha)
    al_upd, alpha_opt = _adam(cfg, cfg.alpha_lr).update(al_grads, state.alpha_opt)
    log_alpha = optax.apply_updates(state.log_alpha, al_upd)

    # TARGETS: Polyak averaging
    target_critic = optax.incremental_update(critic, state.target_critic, cfg.tau)

    new = SACState(
        actor,
        critic,
        target_critic,
        log_alpha,
        actor_opt,
        critic_opt,
        alpha_opt,
        state.updates + 1,
    )
    metrics = {
        "critic_loss": c_loss,
        "actor_loss": a_loss,
        "alpha_loss": al_loss,
        "alpha": jnp.mean(jnp.exp(log_alpha)),
        "q": jnp.mean(q),
        "entropy": -jnp.mean(logp),
    }
    return new, metrics


@partial(jax.jit, static_argnums=0)
def update(cfg: SACConfig, state: SACState, batches: dict, key: jax.Array):
    """Run ``U`` gradient updates in one compiled call.

    Args:
        cfg: the (hashable, static) config.
        state: the current state.
        batches: arrays with leading axes ``(U, B)``: ``obs``, ``action``,
            ``reward``, ``next_obs``, ``terminated`` (float) and ``task`` (int32), and
            optionally ``discount`` (float; default ``cfg.gamma``) for n-step returns.
        key: PRNG key for the policy samples.

    Returns:
        The new state and the metrics of the last update.
    """
    keys = jax.random.split(key, batches["reward"].shape[0])

    def body(s, xs):
        b, k = xs
        return _one_update(cfg, s, b, k)

    state, metrics = jax.lax.scan(body, state, (batches, keys))
    return state, jax.tree.map(lambda m: m[-1], metrics)


# ------------------------------------------------------------------ ACTING
@partial(jax.jit, static_argnums=0)
def explore(cfg: SACConfig, actor_params: Any, obs, task, key) -> jax.Array:
    """Stochastic actions for data collection."""
    return sample_action(cfg, actor_params, obs, task, key)[0]


@partial(jax.jit, static_argnums=0)
def exploit(cfg: SACConfig, actor_params: Any, obs, task) -> jax.Array:
    """Deterministic actions for evaluation: tanh of the Gaussian mean."""
    return jnp.tanh(policy_dist(cfg, actor_params, obs, task)[0])


def task_from_obs(obs: np.ndarray, num_tasks: int) -> np.ndarray:
    """(W,) task index read from the one-hot slots after the 39-d Meta-World observation."""
    if num_tasks == 1:
        return np.zeros(len(obs), np.int32)
    one_hot = obs[:, obs_lib.OBS_DIM : obs_lib.OBS_DIM + num_tasks]
    return np.argmax(one_hot, axis=1).astype(np.int32)


class SACPolicy:
    """A trained actor as an evaluation :class:`~manyworld.evaluation.agents.Agent`.

    Acts deterministically (tanh of the mean); reads each world's task from the
    one-hot part of the observation, so evaluate with the one-hot the run
    trained with (the benchmark's default).
    """

    def __init__(
        self, cfg: SACConfig, actor_params: Any, name: str = "sac", info: dict | None = None
    ):
        self.cfg = cfg
        self.params = actor_params
        self.name = name
        self.config = dict(info or {})

    def act(self, obs: np.ndarray) -> np.ndarray:
        obs = np.asarray(obs, np.float32)
        if obs.shape[1] != self.cfg.obs_dim:
            raise ValueError(
                f"{self.name} was trained on {self.cfg.obs_dim}-d observations but got "
                f"{obs.shape[1]}-d ones; evaluate with the one-hot setting it trained with"
            )
        task = task_from_obs(obs, self.cfg.num_tasks)
        return np.asarray(exploit(self.cfg, self.params, obs, task), np.float64)
