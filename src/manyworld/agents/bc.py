"""Behaviour cloning (BC) from the offline datasets: one task, or many with the one-hot task id.

Read top to bottom: config, the actor and its state, the jit-compiled update,
the trainer the harness drives (offline: its budget is gradient updates, it
never steps the env), and the registration.

The policy is deterministic, ``tanh(MLP(normalised obs))``, fitted by mean
squared error to the dataset's actions (clipped to the action box, as the env
clips them). Multi-task BC reads the one-hot task id the benchmark appends to
the observation, as MT-SAC does, so one network serves every task. Batches are
split evenly over the tasks. This is the plain BC baseline of the offline-RL
literature (e.g. the "BC" rows of Fu et al. 2020, D4RL, arXiv 2004.07219, and of
Fujimoto & Gu 2021, arXiv 2106.06860), with TD3+BC's state normalisation.
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
class BCConfig:
    """Hyperparameters of behaviour cloning."""

    dataset_level: str = _f("expert", "dataset level to clone: expert, medium or random")
    dataset_root: str = _f(
        "", "datasets root ('': $MINARI_DATASETS_PATH, else ~/.minari/datasets)"
    )
    hidden: tuple[int, ...] = _f((256, 256), "hidden layer widths [TD3+BC's actor: 256 x 2]")
    layer_norm: bool = _f(False, "LayerNorm after each hidden layer")
    lr: float = _f(1e-3, "Adam learning rate [1e-3: measured here on MT10 expert data]")
    batch_size: int = _f(256, "transitions per update, split evenly over tasks [TD3+BC: 256]")
    updates_per_call: int = _f(
        500, "gradient updates per compiled call and per draw of batches (the draws depend on it)"
    )
    num_tasks: int = _f(1, "K: tasks sharing the network; set from the env")
    obs_dim: int = _f(0, "observation size incl. one-hot; set from the env")
    action_dim: int = _f(4, "action size (Meta-World: 4)")

    def __post_init__(self) -> None:
        check_config(self)
        if not (self.lr > 0 and np.isfinite(self.lr)):
            raise ValueError(f"lr must be a positive number, got {self.lr}")

    def replace(self, **kw: Any) -> BCConfig:
        return dataclasses.replace(self, **kw)


# ------------------------------------------------------------------ NETWORK AND STATE
def make_actor(cfg: BCConfig) -> MLP:
    """The actor: pre-tanh actions from the normalised observation."""
    return MLP(cfg.hidden, cfg.action_dim, 1, cfg.layer_norm)


class BCState(NamedTuple):
    """The actor, its optimiser, and the dataset statistics it normalises with."""

    actor: Any
    opt: Any
    obs_mean: jax.Array
    obs_std: jax.Array


def init_state(cfg: BCConfig, key: jax.Array, obs_mean: np.ndarray | None = None,
               obs_std: np.ndarray | None = None) -> BCState:  # fmt: skip
    """A fresh actor; statistics default to the identity (a checkpoint overwrites them)."""
    if cfg.obs_dim <= 0:
        raise ValueError("BCConfig.obs_dim must be set (the trainer sets it from the env)")
    actor = make_actor(cfg).init(key, jnp.zeros((1, cfg.obs_dim)))
    mean = np.zeros(cfg.obs_dim, np.float32) if obs_mean is None else obs_mean
    std = np.ones(cfg.obs_dim, np.float32) if obs_std is None else obs_std
    return BCState(actor, optax.adam(cfg.lr).init(actor), jnp.asarray(mean), jnp.asarray(std))


@partial(jax.jit, static_argnums=0)
def act(cfg: BCConfig, actor: Any, x: jax.Array) -> jax.Array:
    """Actions in [-1, 1] for normalised observations ``x``."""
    return jnp.tanh(make_actor(cfg).apply(actor, x)[..., 0, :])


# ------------------------------------------------------------------ UPDATE
@partial(jax.jit, static_argnums=0)
def update(cfg: BCConfig, state: BCState, batches: dict) -> tuple[BCState, dict]:
    """``U`` gradient steps of mean squared error to the dataset's actions, in one call.

    Args:
        batches: ``obs`` (U, B, obs_dim) and ``action`` (U, B, action_dim).
    """

    def step(s: BCState, b: dict) -> tuple[BCState, jax.Array]:
        x = normalise(b["obs"], s.obs_mean, s.obs_std)

        def loss_fn(actor):
            return jnp.mean(jnp.sum((act(cfg, actor, x) - b["action"]) ** 2, axis=-1))

        loss, grads = jax.value_and_grad(loss_fn)(s.actor)
        upd, opt = optax.adam(cfg.lr).update(grads, s.opt, s.actor)
        return s._replace(actor=optax.apply_updates(s.actor, upd), opt=opt), loss

    state, losses = jax.lax.scan(step, state, {"obs": batches["obs"], "action": batches["action"]})
    return state, {"bc_loss": losses[-1]}


# ------------------------------------------------------------------ TRAINER
class BCTrainer(OfflineTrainer):
    """Offline: each :meth:`iterate` draws ``updates_per_call`` batches and fits them."""

    def __init__(self, cfg: BCConfig, run: Any, env: Any, seed: int):
        super().__init__(cfg, env, seed)
        self.state = init_state(cfg, jax.random.key(seed), self.data.obs_mean, self.data.obs_std)
        self.act_fn = partial(act, cfg)

    def iterate(self, collector: Any, env_steps: int) -> tuple[int, dict[str, Any]]:
        """``updates_per_call`` updates; the env is not stepped."""
        n = self.cfg.updates_per_call
        batches = self.data.sample(self.np_rng, self.cfg.batch_size, n)
        self.state, metrics = update(self.cfg, self.state, batches)
        return n, metrics

    def arrays(self) -> dict[str, dict[str, np.ndarray]]:
        return {"state": flatten(self.state, "state")}

    def restore(self, arrays: dict[str, dict[str, np.ndarray]], meta: dict, env_steps: int) -> None:
        self.restore_data(meta)
        self.state = unflatten(self.state, arrays["state"], "state", "state.npz")


def load_policy(cfg: BCConfig, state_arrays: dict[str, np.ndarray], info: dict) -> DeterministicPolicy:
    """The evaluation policy stored in a checkpoint's ``state`` arrays."""
    template = init_state(cfg, jax.random.key(0))
    state = unflatten(template, state_arrays, "state", f"{info.get('checkpoint', '?')}/state.npz")
    return policy_of(partial(act, cfg), state, info)


register(
    AlgoSpec(
        name="bc",
        summary="behaviour cloning from an offline dataset, one task or many (one-hot task id)",
        config=BCConfig(),
        run={"steps": 100_000, "eval_interval": 10_000, "log_interval": 1_000,
             "checkpoint_interval": 10_000},
        make_trainer=BCTrainer,
        load_policy=load_policy,
        metric_keys=("bc_loss",),
        offline=True,
    )
)
