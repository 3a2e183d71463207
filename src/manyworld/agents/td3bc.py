"""TD3+BC: offline RL from sub-optimal data (Fujimoto & Gu 2021, "A Minimalist Approach to
Offline Reinforcement Learning", arXiv 2106.06860; code: sfujim/TD3_BC, ``TD3_BC.py``).

Read top to bottom: config, networks and state, the jit-compiled update, the
trainer the harness drives (offline: its budget is gradient updates, it never
steps the env), and the registration.

TD3 (twin critics, target policy smoothing, delayed actor and target updates)
with one change to the actor's objective, a behaviour-cloning term::

    actor loss = -lambda * Q(s, pi(s)) + (pi(s) - a)^2,   lambda = alpha / mean |Q(s, pi(s))|

so the actor improves on the data where the critic is sure and stays near it
elsewhere; states are normalised by the dataset's mean and spread. Multi-task
training reads the one-hot task id the benchmark appends to the observation (as
MT-SAC does) and splits every batch evenly over the tasks. Defaults are the
paper's (and its repository's ``main.py``) unless a field says otherwise.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from manyworld.agents.offline import (
    DeterministicPolicy,
    OfflineTrainer,
    check_config,
    normalise,
    policy_of,
)
from manyworld.agents.sac import MLP
from manyworld.train.checkpoint import flatten, unflatten
from manyworld.train.config import option as _f
from manyworld.train.registry import AlgoSpec, register


# ------------------------------------------------------------------ CONFIG
@dataclass(frozen=True)
class TD3BCConfig:
    """Hyperparameters of TD3+BC."""

    dataset_level: str = _f("medium", "dataset level to learn from: expert, medium or random")
    dataset_root: str = _f(
        "", "datasets root ('': $MINARI_DATASETS_PATH, else ~/.minari/datasets)"
    )
    hidden: tuple[int, ...] = _f((256, 256), "hidden layer widths of actor and critics [paper: 256 x 2]")
    actor_lr: float = _f(3e-4, "Adam learning rate of the actor [paper]")
    critic_lr: float = _f(3e-4, "Adam learning rate of the critics [paper]")
    gamma: float = _f(0.99, "discount [paper]")
    tau: float = _f(0.005, "Polyak rate of the target networks [paper]")
    policy_noise: float = _f(0.2, "std of the target policy smoothing noise [paper]")
    noise_clip: float = _f(0.5, "clip of the smoothing noise [paper]")
    policy_delay: int = _f(2, "critic updates per actor and target update [paper]")
    alpha: float = _f(2.5, "weight of Q against the BC term, normalised by mean |Q| [paper]")
    lambda_per_task: bool = _f(
        False,
        "normalise lambda by each task's own mean |Q| instead of the whole batch's, so a task "
        "whose returns are larger does not get a weaker BC term [ours; paper: one task]",
    )
    reward_scale: float = _f(
        1.0, "rewards are multiplied by this in the TD target [paper: 1; ours are in 0-10]"
    )
    batch_size: int = _f(256, "transitions per update, split evenly over tasks [paper: 256]")
    updates_per_call: int = _f(
        500, "gradient updates per compiled call and per draw of batches (the draws depend on it)"
    )
    num_tasks: int = _f(1, "K: tasks sharing the networks; set from the env")
    obs_dim: int = _f(0, "observation size incl. one-hot; set from the env")
    action_dim: int = _f(4, "action size (Meta-World: 4)")

    def __post_init__(self) -> None:
        check_config(self)
        if self.policy_delay < 1:
            raise ValueError(f"policy_delay must be >= 1, got {self.policy_delay}")
        for name in ("actor_lr", "critic_lr", "alpha", "reward_scale"):
            v = getattr(self, name)
            if not (v > 0 and np.isfinite(v)):
                raise ValueError(f"{name} must be a positive number, got {v}")
        if not 0.0 <= self.gamma < 1.0:
            raise ValueError(f"gamma must be in [0, 1), got {self.gamma}")
        if not 0.0 < self.tau <= 1.0:
            raise ValueError(f"tau must be in (0, 1], got {self.tau}")
        if self.policy_noise < 0 or self.noise_clip < 0:
            raise ValueError("policy_noise and noise_clip must be >= 0")

    def replace(self, **kw: Any) -> TD3BCConfig:
        return dataclasses.replace(self, **kw)


# ------------------------------------------------------------------ NETWORKS AND STATE
def make_actor(cfg: TD3BCConfig) -> MLP:
    return MLP(cfg.hidden, cfg.action_dim)


def make_critic(cfg: TD3BCConfig) -> MLP:
    return MLP(cfg.hidden, 1)


@partial(jax.jit, static_argnums=0)
def act(cfg: TD3BCConfig, actor: Any, x: jax.Array) -> jax.Array:
    """Actions in [-1, 1] for normalised observations ``x``."""
    return jnp.tanh(make_actor(cfg).apply(actor, x)[..., 0, :])


def q_values(cfg: TD3BCConfig, critics: Any, x: jax.Array, a: jax.Array) -> jax.Array:
    """(2, B): both critics' Q(x, a)."""
    y = jax.vmap(make_critic(cfg).apply, in_axes=(0, None))(critics, jnp.concatenate([x, a], -1))
    return y[..., 0, 0]


class TD3BCState(NamedTuple):
    """Networks, targets, optimisers, the dataset statistics and the update counter."""

    actor: Any
    critics: Any
    target_actor: Any
    target_critics: Any
    actor_opt: Any
    critic_opt: Any
    obs_mean: jax.Array
    obs_std: jax.Array
    updates: jax.Array


def init_state(cfg: TD3BCConfig, key: jax.Array, obs_mean: np.ndarray | None = None,
               obs_std: np.ndarray | None = None) -> TD3BCState:  # fmt: skip
    """Fresh networks (targets equal to them); statistics default to the identity."""
    if cfg.obs_dim <= 0:
        raise ValueError("TD3BCConfig.obs_dim must be set (the trainer sets it from the env)")
    k_actor, k_critic = jax.random.split(key)
    actor = make_actor(cfg).init(k_actor, jnp.zeros((1, cfg.obs_dim)))
    x = jnp.zeros((1, cfg.obs_dim + cfg.action_dim))
    critics = jax.vmap(make_critic(cfg).init, in_axes=(0, None))(jax.random.split(k_critic, 2), x)
    mean = np.zeros(cfg.obs_dim, np.float32) if obs_mean is None else obs_mean
    std = np.ones(cfg.obs_dim, np.float32) if obs_std is None else obs_std
    return TD3BCState(
        actor, critics, actor, critics,
        optax.adam(cfg.actor_lr).init(actor), optax.adam(cfg.critic_lr).init(critics),
        jnp.asarray(mean), jnp.asarray(std), jnp.zeros((), jnp.int32),
    )  # fmt: skip


# ------------------------------------------------------------------ UPDATE
def per_task_lambda(cfg: TD3BCConfig, q_pi: jax.Array, obs: jax.Array) -> jax.Array:
    """Each row's lambda, ``alpha`` over the mean |Q| of the rows of its own task.

    The task of a row is the one-hot the benchmark appends to the (raw) observation.
    """
    one_hot = obs[:, -cfg.num_tasks :]
    magnitude = jax.lax.stop_gradient(jnp.abs(q_pi))
    mean_per_task = (one_hot.T @ magnitude) / jnp.maximum(one_hot.sum(axis=0), 1.0)
    return cfg.alpha / (one_hot @ mean_per_task)


def _one_update(cfg: TD3BCConfig, s: TD3BCState, b: dict, key: jax.Array):
    x = normalise(b["obs"], s.obs_mean, s.obs_std)
    x_next = normalise(b["next_obs"], s.obs_mean, s.obs_std)

    # CRITICS: clipped double-Q target with target policy smoothing
    noise = jnp.clip(cfg.policy_noise * jax.random.normal(key, b["action"].shape),
                     -cfg.noise_clip, cfg.noise_clip)  # fmt: skip
    next_a = jnp.clip(act(cfg, s.target_actor, x_next) + noise, -1.0, 1.0)
    next_q = jnp.min(q_values(cfg, s.target_critics, x_next, next_a), axis=0)
    target = jax.lax.stop_gradient(
        cfg.reward_scale * b["reward"] + cfg.gamma * (1.0 - b["terminated"]) * next_q
    )

    def critic_loss(critics):
        q = q_values(cfg, critics, x, b["action"])
        return jnp.mean(jnp.sum((q - target) ** 2, axis=0)), q

    (c_loss, q), grads = jax.value_and_grad(critic_loss, has_aux=True)(s.critics)
    upd, critic_opt = optax.adam(cfg.critic_lr).update(grads, s.critic_opt, s.critics)
    critics = optax.apply_updates(s.critics, upd)

    # ACTOR (every policy_delay updates): Q normalised by its mean magnitude, plus BC
    def actor_loss(actor):
        pi = act(cfg, actor, x)
        q_pi = q_values(cfg, critics, x, pi)[0]
        bc = jnp.mean(jnp.sum((pi - b["action"]) ** 2, axis=-1))
        if cfg.lambda_per_task and cfg.num_tasks > 1:
            return -jnp.mean(per_task_lambda(cfg, q_pi, b["obs"]) * q_pi) + bc, bc
        lam = cfg.alpha / jax.lax.stop_gradient(jnp.mean(jnp.abs(q_pi)))
        return -lam * jnp.mean(q_pi) + bc, bc

    def improve(args):
        actor, actor_opt, t_actor, t_critics = args
        (a_loss, bc), grads = jax.value_and_grad(actor_loss, has_aux=True)(actor)
        upd, actor_opt = optax.adam(cfg.actor_lr).update(grads, actor_opt, actor)
        actor = optax.apply_updates(actor, upd)
        t_actor = optax.incremental_update(actor, t_actor, cfg.tau)
        t_critics = optax.incremental_update(critics, t_critics, cfg.tau)
        return (actor, actor_opt, t_actor, t_critics), (a_loss, bc)

    def wait(args):
        return args, (jnp.float32(jnp.nan), jnp.float32(jnp.nan))

    due = (s.updates + 1) % cfg.policy_delay == 0
    (actor, actor_opt, t_actor, t_critics), (a_loss, bc) = jax.lax.cond(
        due, improve, wait, (s.actor, s.actor_opt, s.target_actor, s.target_critics)
    )
    new = TD3BCState(actor, critics, t_actor, t_critics, actor_opt, critic_opt,
                     s.obs_mean, s.obs_std, s.updates + 1)  # fmt: skip
    return new, {"critic_loss": c_loss, "actor_loss": a_loss, "bc_loss": bc, "q": jnp.mean(q)}


@partial(jax.jit, static_argnums=0)
def update(cfg: TD3BCConfig, state: TD3BCState, batches: dict, key: jax.Array):
    """``U`` updates in one compiled call; metrics are the last update's (actor ones: the last
    actor update's)."""
    keys = jax.random.split(key, batches["reward"].shape[0])
    state, m = jax.lax.scan(lambda s, xs: _one_update(cfg, s, *xs), state, (batches, keys))
    last_actor = jnp.max(jnp.where(jnp.isnan(m["actor_loss"]), -1, jnp.arange(len(keys))))
    return state, {"critic_loss": m["critic_loss"][-1], "q": m["q"][-1],
                   "actor_loss": m["actor_loss"][last_actor], "bc_loss": m["bc_loss"][last_actor]}  # fmt: skip


# ------------------------------------------------------------------ TRAINER
class TD3BCTrainer(OfflineTrainer):
    """Offline: each :meth:`iterate` draws ``updates_per_call`` batches and runs the updates."""

    def __init__(self, cfg: TD3BCConfig, run: Any, env: Any, seed: int):
        super().__init__(cfg, env, seed)
        self.key, k_init = jax.random.split(jax.random.key(seed))
        self.state = init_state(cfg, k_init, self.data.obs_mean, self.data.obs_std)
        self.act_fn = partial(act, cfg)

    def iterate(self, collector: Any, env_steps: int) -> tuple[int, dict[str, Any]]:
        """``updates_per_call`` updates; the env is not stepped."""
        n = self.cfg.updates_per_call
        batches = self.data.sample(self.np_rng, self.cfg.batch_size, n)
        self.key, k = jax.random.split(self.key)
        self.state, metrics = update(self.cfg, self.state, batches, k)
        return n, metrics

    def arrays(self) -> dict[str, dict[str, np.ndarray]]:
        return {"state": {**flatten(self.state, "state"), **flatten(self.key, "key")}}

    def restore(self, arrays: dict[str, dict[str, np.ndarray]], meta: dict, env_steps: int) -> None:
        self.restore_data(meta)
        self.state = unflatten(self.state, arrays["state"], "state", "state.npz")
        self.key = unflatten(self.key, arrays["state"], "key", "state.npz")


def load_policy(cfg: TD3BCConfig, state_arrays: dict[str, np.ndarray], info: dict) -> DeterministicPolicy:
    """The evaluation policy stored in a checkpoint's ``state`` arrays."""
    template = init_state(cfg, jax.random.key(0))
    flat = {k: v for k, v in state_arrays.items() if k.startswith("state/")}
    state = unflatten(template, flat, "state", f"{info.get('checkpoint', '?')}/state.npz")
    return policy_of(partial(act, cfg), state, info)


register(
    AlgoSpec(
        name="td3bc",
        summary="TD3+BC, offline RL from a dataset (Fujimoto & Gu 2021), one task or many",
        config=TD3BCConfig(),
        run={"eval_interval": 20_000, "log_interval": 2_000, "checkpoint_interval": 20_000},
        make_trainer=TD3BCTrainer,
        load_policy=load_policy,
        metric_keys=("critic_loss", "actor_loss", "bc_loss", "q"),
        offline=True,
    )
)
