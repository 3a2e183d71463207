"""PEARL (Rakelly et al. 2019, "Efficient Off-Policy Meta-Reinforcement Learning via
Probabilistic Context Variables", arXiv 1903.08254): SAC conditioned on a latent task
variable ``z`` inferred from context.

A permutation-invariant encoder maps each context transition ``(s, a, r, s')`` to a
Gaussian factor ``N(mu_i, var_i)`` over ``z``; the posterior ``q(z | c)`` is their
product (:func:`product_of_gaussians`), so the order of the context does not matter and
every transition narrows it. Actor and twin critics read ``[s, z]``. The critic loss
trains the encoder through ``z`` (a reparameterised sample of the posterior), together
with the information bottleneck ``kl_lambda * sum_tasks KL(q(z | c) || N(0, I))``; the
actor sees ``z`` with its gradient stopped.

*What a task is.* The unit PEARL must infer is one (task, variation) pair (with ML1,
every train variation is another goal), so context and replay are kept per pair: the
benchmark's train pairs (ML1: 50, ML10: 500, ML45: 2,250) each own a ring of
``buffer_per_pair`` transitions in one :class:`~manyworld.train.replay.ReplayBuffer`
(float32, 344 bytes per 39-d transition: with the default 5,000 per pair ML1 holds at
most 86 MB, ML10 0.86 GB, ML45 3.9 GB; lower ``--buffer-per-pair`` for ML45). A pair's
*context* is the part of its ring that the prior episodes of its latest meta-batch
wrote (PEARL's encoder buffer, cleared at each collection): it needs no storage of its own.

Read top to bottom: config, the encoder and the product of Gaussians, state
initialisation (actor, critics and temperature are :mod:`manyworld.agents.sac`'s, built
for the ``obs + latent`` input), the jit-compiled update, collection, the trainer the
harness drives, and the meta-test agent. Each :meth:`PEARLTrainer.iterate` lays the
worlds out as a meta-batch of ``meta_batch`` train pairs (drawn from the seed and the
iteration, so a resumed run draws the same), runs ``prior_episodes`` whole episodes
with ``z ~ N(0, I)`` (one draw per world and episode) into replay and context, then,
once ``initial_steps`` env steps are collected, ``posterior_episodes`` episodes with
``z`` drawn from each world's posterior given ``embedding_batch`` transitions of its
fresh context (replay only), and takes ``updates_per_iteration`` gradient steps, each
on ``meta_batch`` pairs drawn with replacement from every pair with data
(``batch_size`` transitions and ``embedding_batch`` context transitions each).

Defaults follow garage's PEARL (``rlworkgroup/garage``, ``src/garage/torch/algos/pearl.py``
and ``src/garage/examples/torch/pearl_metaworld_ml10.py`` with the defaults its
documentation lists, garage.readthedocs.io ``pearl_metaworld_ml10``: networks 3 x 300,
encoder 3 x 200, latent 7, meta-batch 16, batch 256, embedding batch 64, reward scale 10,
4,000 initial steps per task and 4,000 gradient steps per epoch) and PEARL's reference code (``katerakelly/oyster``, ``configs/default.py``:
Adam 3e-4 everywhere, KL lambda 0.1, tau 0.005, discount 0.99); garage's ``pearl.py``
defaults KL lambda to 0.1 as well, and 0.1 is what we use.

Differences, on purpose:

- The SAC inside is :mod:`manyworld.agents.sac`'s (twin critics with Polyak targets and a
  learned temperature) rather than PEARL's SAC v1 (a state-value network and a
  temperature fixed through the reward scale). With a learned temperature the reward
  scale no longer sets the entropy trade-off; it still sets the size of the critic loss
  against the KL term, which is why the default keeps garage's 10. No policy mean /
  log-std regularisers (garage: 1e-3 each).
- The context holds ``s'`` (PEARL's ``use_next_obs_in_context``, off by default there):
  a Meta-World reward is a function of the state after the step. ``--no-context-next-obs``
  turns it off.
- Collection runs whole episodes in every world at once: one prior and one posterior
  episode per world (garage's ML10: 750 + 750 steps per task, sampled one task after
  the other), and one meta-batch size serves collection and gradient steps (garage: 15
  and 16). The train set is every train pair of the benchmark (garage's ML10 script
  samples 10 pairs once).
- Meta-test (:class:`PEARLAgent`): the adaptation episodes act as training collection
  does, ``z`` drawn from the prior once per world at ``init()`` and actions sampled
  from the policy (``--no-explore-before-adapt``: ``z = 0`` and the mean action); after
  ``adapt`` the posterior is the product over every valid transition of the adaptation
  episodes (accumulated over ``adapt`` calls), ``z`` is fixed to its mean, and actions
  are the deterministic ``tanh`` of the policy mean. PEARL and garage draw ``z`` from
  the posterior for every evaluation episode instead.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from manyworld.agents import sac
from manyworld.agents.onpolicy import check_non_negative
from manyworld.train.checkpoint import flatten, unflatten
from manyworld.train.config import (
    check_fraction,
    check_hidden,
    check_positive_float,
    check_positive_int,
    option,
)
from manyworld.train.registry import AlgoSpec, register
from manyworld.train.replay import ReplayBuffer

#: Floor of every factor's variance [PEARL ``_product_of_gaussians``: clamp at 1e-7].
MIN_VAR = 1e-7
#: Gradient steps per compiled call (bounds the memory of the stacked batches).
UPDATE_CHUNK = 50
#: Context transitions per compiled encoder call at meta-test.
ADAPT_CHUNK = 512


# ------------------------------------------------------------------ CONFIG
@dataclass(frozen=True)
class PEARLConfig:
    """Hyperparameters of PEARL (SAC on ``[s, z]`` with a product-of-Gaussians posterior)."""

    hidden: tuple[int, ...] = option(
        (300, 300, 300), "actor and critic widths [garage pearl_metaworld_ml10.py: net_size 300 x 3]"
    )
    encoder_hidden: tuple[int, ...] = option(
        (200, 200, 200), "context encoder widths [garage ML10: encoder_hidden_size 200 x 3]"
    )
    latent_dim: int = option(7, "size of z [garage ML10 / ML45: latent_size 7]")
    layer_norm: bool = option(False, "LayerNorm after each actor / critic hidden layer [off in PEARL]")
    context_next_obs: bool = option(
        True, "context transitions hold s' [PEARL use_next_obs_in_context, off there; see module]"
    )
    kl_lambda: float = option(
        0.1, "weight of KL(q(z|c) || N(0, I)), summed over tasks [PEARL default.py, garage: 0.1]"
    )
    actor_lr: float = option(3e-4, "Adam learning rate of the actor [PEARL / garage: 3e-4]")
    critic_lr: float = option(3e-4, "Adam learning rate of the critics [PEARL / garage: 3e-4]")
    encoder_lr: float = option(3e-4, "Adam learning rate of the encoder [PEARL context_lr 3e-4]")
    alpha_lr: float = option(3e-4, "Adam learning rate of the log-temperature [as the others]")
    adam_eps: float = option(1e-8, "Adam epsilon [garage: torch.optim.Adam default]")
    max_grad_norm: float = option(0.0, "global gradient-norm clip, 0 for none [PEARL / garage: none]")
    gamma: float = option(0.99, "discount [PEARL / garage]")
    tau: float = option(0.005, "Polyak rate of the target critics [PEARL / garage soft_target_tau]")
    reward_scale: float = option(
        10.0, "rewards are multiplied by this in the TD target [garage ML10: 10; see module]"
    )
    initial_alpha: float = option(1.0, "initial entropy temperature [PEARL: fixed at 1]")
    target_entropy_scale: float = option(1.0, "target entropy = -scale * action_dim [SAC: 1]")
    log_std_min: float = option(-20.0, "lower clip of the policy log-std [garage TanhGaussian]")
    log_std_max: float = option(2.0, "upper clip of the policy log-std [garage TanhGaussian]")
    meta_batch: int = option(
        16, "pairs per meta-batch: worlds collected in and tasks per gradient step [garage: 16]"
    )
    prior_episodes: int = option(
        1, "episodes per world and iteration with z ~ prior, into replay and context "
        "[garage ML10: 750 steps]"
    )
    posterior_episodes: int = option(
        1, "episodes per world and iteration with z ~ posterior, into replay only "
        "[garage ML10: 750 extra RL steps]"
    )
    updates_per_iteration: int = option(
        4000, "gradient steps after each iteration's collection [garage: num_steps_per_epoch]"
    )
    batch_size: int = option(256, "RL transitions per task per gradient step [garage: 256]")
    embedding_batch: int = option(
        64, "context transitions per task (updates and collection) [garage ML10: 64]"
    )
    initial_steps: int = option(
        4000, "env steps with prior episodes only, before the first update [garage: 4,000 per task]"
    )
    buffer_per_pair: int = option(
        5000, "replay capacity per (task, variation) pair; memory in the module docstring"
    )
    explore_before_adapt: bool = option(
        True, "meta-test: adaptation episodes sample z from the prior and actions from the policy"
    )
    num_tasks: int = option(1, "meta-training tasks; set by the trainer")
    obs_dim: int = option(0, "observation size (0: unset); set by the trainer")
    action_dim: int = option(4, "action size (Meta-World: 4); set by the trainer")

    def __post_init__(self) -> None:
        check_hidden(self, "hidden")
        check_hidden(self, "encoder_hidden")
        check_positive_int(
            self, "latent_dim", "meta_batch", "prior_episodes", "updates_per_iteration",
            "batch_size", "embedding_batch", "buffer_per_pair", "num_tasks", "action_dim",
        )  # fmt: skip
        check_positive_float(
            self, "actor_lr", "critic_lr", "encoder_lr", "alpha_lr", "adam_eps", "reward_scale",
            "initial_alpha", "target_entropy_scale",
        )  # fmt: skip
        check_non_negative(self, "kl_lambda", "max_grad_norm")
        check_fraction(self, "gamma", closed=False)
        if not 0.0 < self.tau <= 1.0:
            raise ValueError(f"tau must be in (0, 1], got {self.tau!r}")
        if not self.log_std_min < self.log_std_max:
            raise ValueError(
                f"log_std_min ({self.log_std_min}) must be below log_std_max ({self.log_std_max})"
            )
        for name in ("posterior_episodes", "initial_steps", "obs_dim"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"{name} must be an integer >= 0, got {v!r}")

    def replace(self, **kw: Any) -> PEARLConfig:
        return dataclasses.replace(self, **kw)

    @property
    def context_dim(self) -> int:
        """Size of one context transition: ``s, a, r`` and, with ``context_next_obs``, ``s'``."""
        return self.obs_dim * (2 if self.context_next_obs else 1) + self.action_dim + 1


@lru_cache(maxsize=64)
def sac_config(cfg: PEARLConfig) -> sac.SACConfig:
    """The :class:`~manyworld.agents.sac.SACConfig` of the actor and critics, which read ``[s, z]``."""
    return sac.SACConfig(
        hidden=cfg.hidden, layer_norm=cfg.layer_norm, num_critics=2, per_task_alpha=False,
        actor_lr=cfg.actor_lr, critic_lr=cfg.critic_lr, alpha_lr=cfg.alpha_lr,
        adam_eps=cfg.adam_eps, max_grad_norm=cfg.max_grad_norm, gamma=cfg.gamma,
        reward_scale=cfg.reward_scale, tau=cfg.tau, initial_alpha=cfg.initial_alpha,
        target_entropy_scale=cfg.target_entropy_scale, log_std_min=cfg.log_std_min,
        log_std_max=cfg.log_std_max, batch_size=cfg.batch_size,
        buffer_per_task=cfg.buffer_per_pair, num_tasks=1,
        obs_dim=cfg.obs_dim + cfg.latent_dim if cfg.obs_dim else 0, action_dim=cfg.action_dim,
    )  # fmt: skip


# ------------------------------------------------------------------ ENCODER AND POSTERIOR
def make_encoder(cfg: PEARLConfig) -> sac.MLP:
    """The context encoder: one transition -> mean and pre-softplus variance of its factor."""
    return sac.MLP(cfg.encoder_hidden, 2 * cfg.latent_dim)


@partial(jax.jit, static_argnums=0)
def factors(cfg: PEARLConfig, encoder: Any, context: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Per-transition Gaussian factors ``(mu_i, var_i)``, each ``(..., N, L)``, of a
    ``(..., N, C)`` context; ``var_i = max(softplus(.), 1e-7)`` [PEARL agent.py]."""
    y = make_encoder(cfg).apply(encoder, context)[..., 0, :]
    mu, raw = jnp.split(y, 2, axis=-1)
    return mu, jnp.maximum(jax.nn.softplus(raw), MIN_VAR)


@jax.jit
def product_of_gaussians(
    mu: jax.Array, var: jax.Array, mask: jax.Array | None = None
) -> tuple[jax.Array, jax.Array]:
    """The product of the factors ``N(mu_i, var_i)`` along axis -2 (``(..., N, L) -> (..., L)``).

    ``var = 1 / sum_i(1 / var_i)`` and ``mu = var * sum_i(mu_i / var_i)``; ``mask``
    (``(..., N)``, 0 or 1) leaves factors out. At least one factor must be kept.
    """
    precision = 1.0 / var
    if mask is not None:
        precision = precision * mask[..., None]
    var_post = 1.0 / jnp.sum(precision, axis=-2)
    return var_post * jnp.sum(mu * precision, axis=-2), var_post


@partial(jax.jit, static_argnums=0)
def posterior(cfg: PEARLConfig, encoder: Any, context: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Mean and variance ``(..., L)`` of ``q(z | c)`` for a ``(..., N, C)`` context."""
    return product_of_gaussians(*factors(cfg, encoder, context))


def gaussian_kl(mu: jax.Array, var: jax.Array) -> jax.Array:
    """``KL(N(mu, var) || N(0, I))`` summed over the last axis."""
    return 0.5 * jnp.sum(var + mu**2 - 1.0 - jnp.log(var), axis=-1)


# ------------------------------------------------------------------ STATE
class PEARLState(NamedTuple):
    """SAC's state (actor, critics, targets, temperature, optimisers, update count) and the
    encoder with its optimiser state."""

    sac: sac.SACState
    encoder: Any
    encoder_opt: Any


@partial(jax.jit, static_argnums=0)  # one compiled call: eager init compiles every op apart
def init_state(cfg: PEARLConfig, key: jax.Array) -> PEARLState:
    """Fresh networks, temperature and optimiser states."""
    if cfg.obs_dim <= 0:
        raise ValueError("PEARLConfig.obs_dim must be set (the trainer sets it from the env)")
    k_sac, k_enc = jax.random.split(key)
    scfg = sac_config(cfg)
    encoder = make_encoder(cfg).init(k_enc, jnp.zeros((1, cfg.context_dim)))
    opt = sac.optimizer(scfg, cfg.encoder_lr)  # the optimiser sac.py builds its states with
    return PEARLState(sac.init_state(scfg, k_sac), encoder, opt.init(encoder))


# ------------------------------------------------------------------ UPDATE
def _one_update(cfg: PEARLConfig, state: PEARLState, batch: dict, key: jax.Array):
    """One gradient step on M tasks: ``context`` (M, Nc, C) and RL arrays (M, B, ...)."""
    scfg = sac_config(cfg)
    s = state.sac
    m, b = batch["reward"].shape
    n = m * b
    task = jnp.zeros(n, jnp.int32)

    def flat(x):
        return x.reshape(n, *x.shape[2:])

    obs, action, next_obs = flat(batch["obs"]), flat(batch["action"]), flat(batch["next_obs"])
    reward, terminated = flat(batch["reward"]), flat(batch["terminated"])
    k_z, k_next, k_pi = jax.random.split(key, 3)
    eps = jax.random.normal(k_z, (m, cfg.latent_dim))
    alpha = jnp.exp(s.log_alpha[0])

    # CRITICS AND ENCODER: the TD loss reaches the encoder through z; plus the KL bottleneck
    def critic_loss(params):
        critic, encoder = params
        mu, var = posterior(cfg, encoder, batch["context"])
        z = flat(jnp.broadcast_to((mu + jnp.sqrt(var) * eps)[:, None], (m, b, cfg.latent_dim)))
        z_fixed = jax.lax.stop_gradient(z)
        x_next = jnp.concatenate([next_obs, z_fixed], axis=-1)
        next_a, next_logp = sac.sample_action(scfg, s.actor, x_next, task, k_next)
        next_q = jnp.min(sac.q_values(scfg, s.target_critic, x_next, next_a, task), axis=0)
        target = cfg.reward_scale * reward + cfg.gamma * (1.0 - terminated) * (
            next_q - alpha * next_logp
        )
        target = jax.lax.stop_gradient(target)
        q = sac.q_values(scfg, critic, jnp.concatenate([obs, z], axis=-1), action, task)
        td = jnp.mean(jnp.sum((q - target) ** 2, axis=0))  # garage: sum of the critics' MSEs
        kl = jnp.sum(gaussian_kl(mu, var))  # summed over the tasks [PEARL compute_kl_div]
        return td + cfg.kl_lambda * kl, (td, kl, q, z_fixed, var)

    (_, (td, kl, q, z, var)), (c_grads, e_grads) = jax.value_and_grad(
        critic_loss, has_aux=True
    )((s.critic, state.encoder))
    tx_c, tx_e = sac.optimizer(scfg, cfg.critic_lr), sac.optimizer(scfg, cfg.encoder_lr)
    c_upd, critic_opt = tx_c.update(c_grads, s.critic_opt, s.critic)
    critic = optax.apply_updates(s.critic, c_upd)
    e_upd, encoder_opt = tx_e.update(e_grads, state.encoder_opt, state.encoder)
    encoder = optax.apply_updates(state.encoder, e_upd)

    # ACTOR: on [s, z] with z's gradient stopped, against the updated critics
    x = jnp.concatenate([obs, z], axis=-1)

    def actor_loss(params):
        a, logp = sac.sample_action(scfg, params, x, task, k_pi)
        q_pi = jnp.min(sac.q_values(scfg, critic, x, a, task), axis=0)
        return jnp.mean(alpha * logp - q_pi), logp

    (a_loss, logp), a_grads = jax.value_and_grad(actor_loss, has_aux=True)(s.actor)
    tx_a = sac.optimizer(scfg, cfg.actor_lr)
    a_upd, actor_opt = tx_a.update(a_grads, s.actor_opt, s.actor)
    actor = optax.apply_updates(s.actor, a_upd)

    # TEMPERATURE: one, shared by every task
    slack = jax.lax.stop_gradient(logp + (-cfg.target_entropy_scale * cfg.action_dim))

    def alpha_loss(log_alpha):
        return jnp.mean(-jnp.exp(log_alpha[0]) * slack)

    al_loss, al_grads = jax.value_and_grad(alpha_loss)(s.log_alpha)
    al_upd, alpha_opt = sac.optimizer(scfg, cfg.alpha_lr).update(al_grads, s.alpha_opt)
    log_alpha = optax.apply_updates(s.log_alpha, al_upd)

    target_critic = optax.incremental_update(critic, s.target_critic, cfg.tau)
    new_sac = sac.SACState(actor, critic, target_critic, log_alpha, actor_opt, critic_opt,
                           alpha_opt, s.updates + 1)  # fmt: skip
    metrics = {
        "critic_loss": td,
        "kl": kl,
        "actor_loss": a_loss,
        "alpha_loss": al_loss,
        "alpha": jnp.exp(log_alpha[0]),
        "q": jnp.mean(q),
        "entropy": -jnp.mean(logp),
        "z_var": jnp.mean(var),
    }
    return PEARLState(new_sac, encoder, encoder_opt), metrics


@partial(jax.jit, static_argnums=0)
def update(cfg: PEARLConfig, state: PEARLState, batches: dict, key: jax.Array):
    """``U`` gradient steps in one compiled call.

    Args:
        batches: arrays with leading axes ``(U, M)``: ``context`` (U, M, Nc, C) and
            ``obs``, ``action``, ``reward``, ``next_obs``, ``terminated`` (U, M, B, ...).

    Returns:
        The new state and the metrics of the last step.
    """
    keys = jax.random.split(key, batches["reward"].shape[0])

    def body(st, xs):
        batch, k = xs
        return _one_update(cfg, st, batch, k)

    state, metrics = jax.lax.scan(body, state, (batches, keys))
    return state, jax.tree.map(lambda v: v[-1], metrics)


# ------------------------------------------------------------------ ACTING
def _with_z(obs: jax.Array, z: jax.Array) -> jax.Array:
    return jnp.concatenate([obs, z], axis=-1)


@partial(jax.jit, static_argnums=0)
def _explore(cfg: PEARLConfig, actor: Any, obs, z, key):
    """The next key and sampled actions (W, A) of every world given its ``z``."""
    key, k = jax.random.split(key)
    task = jnp.zeros(obs.shape[0], jnp.int32)
    return key, sac.sample_action(sac_config(cfg), actor, _with_z(obs, z), task, k)[0]


@partial(jax.jit, static_argnums=0)
def _exploit(cfg: PEARLConfig, actor: Any, obs, z):
    """Deterministic actions: tanh of the policy mean given ``[obs, z]``."""
    task = jnp.zeros(obs.shape[0], jnp.int32)
    return jnp.tanh(sac.policy_dist(sac_config(cfg), actor, _with_z(obs, z), task)[0])


@partial(jax.jit, static_argnums=(0, 1))
def _prior_z(cfg: PEARLConfig, worlds: int, key):
    """The next key and one ``z ~ N(0, I)`` per world."""
    key, k = jax.random.split(key)
    return key, jax.random.normal(k, (worlds, cfg.latent_dim))


@partial(jax.jit, static_argnums=0)
def _posterior_z(cfg: PEARLConfig, encoder: Any, context, key):
    """The next key and one ``z ~ q(z | c)`` per world from its (W, Nc, C) context."""
    key, k = jax.random.split(key)
    mu, var = posterior(cfg, encoder, context)
    return key, mu + jnp.sqrt(var) * jax.random.normal(k, mu.shape)


@partial(jax.jit, static_argnums=0)
def _context_stats(cfg: PEARLConfig, encoder: Any, context, mask):
    """Sufficient statistics of the product over a (W, N, C) context with a (W, N) mask:
    the summed precisions and precision-weighted means, each (W, L)."""
    mu, var = factors(cfg, encoder, context)
    precision = mask[..., None] / var
    return jnp.sum(precision, axis=1), jnp.sum(precision * mu, axis=1)


# ------------------------------------------------------------------ TRAINER
METRIC_KEYS = ("critic_loss", "kl", "actor_loss", "alpha_loss", "alpha", "q", "entropy", "z_var",
               "time_policy_s", "time_env_s", "time_update_s")  # fmt: skip


class PEARLTrainer:
    """The harness's trainer: one meta-batch of episodes per iteration, then gradient steps
    (see the module docstring for the schedule)."""

    def __init__(self, cfg: PEARLConfig, run: Any, env: Any, seed: int):
        from manyworld.benchmarks.sampling import all_pairs

        self.cfg = cfg
        self.seed = seed
        self.bench = env.benchmark
        self.horizon = int(env.max_episode_steps)
        pairs = all_pairs(self.bench, "train")
        #: (task, variation index) -> the pair's ring in the replay
        self.slot = {(p.task, p.index): i for i, p in enumerate(pairs)}
        if cfg.meta_batch > len(pairs):
            raise ValueError(
                f"meta_batch ({cfg.meta_batch}) exceeds the {len(pairs)} train (task, variation) "
                f"pairs of {self.bench.name}: a meta-batch would repeat pairs; lower --meta-batch"
            )
        per_round = (cfg.prior_episodes + cfg.posterior_episodes) * self.horizon
        if cfg.buffer_per_pair < per_round:
            raise ValueError(
                f"buffer_per_pair ({cfg.buffer_per_pair}) must hold one iteration of a pair: "
                f"{cfg.prior_episodes} + {cfg.posterior_episodes} episodes x {self.horizon} steps = "
                f"{per_round}; raise --buffer-per-pair"
            )
        self.key, k_init = jax.random.split(jax.random.key(seed))
        self.state = init_state(cfg, k_init)
        self.np_rng = np.random.default_rng([seed, 2])
        self.buffer = ReplayBuffer(len(pairs), cfg.buffer_per_pair, cfg.obs_dim, cfg.action_dim)
        self.ctx_start = np.zeros(len(pairs), np.int64)  # ring slot of the context's first row
        self.ctx_len = np.zeros(len(pairs), np.int64)  # 0: the pair has no data yet
        self.iteration = 0

    # ---- data
    def _context(self, pairs: np.ndarray) -> np.ndarray:
        """``embedding_batch`` context transitions of each pair, (..., Nc, C) float32."""
        n = self.cfg.embedding_batch
        k = pairs[..., None]
        j = self.np_rng.integers(0, self.ctx_len[k], size=pairs.shape + (n,))
        idx = (self.ctx_start[k] + j) % self.buffer.capacity
        b = self.buffer
        parts = [b.obs[k, idx], b.action[k, idx], b.reward[k, idx][..., None]]
        if self.cfg.context_next_obs:
            parts.append(b.next_obs[k, idx])
        return np.concatenate(parts, axis=-1)

    def _batches(self, u: int) -> dict[str, np.ndarray]:
        """``u`` gradient steps' batches: ``meta_batch`` pairs with data each, with replacement."""
        cfg, b = self.cfg, self.buffer
        have = np.flatnonzero(self.ctx_len > 0)
        pairs = self.np_rng.choice(have, size=(u, cfg.meta_batch))
        k = pairs[..., None]
        idx = self.np_rng.integers(0, b.size[k], size=(u, cfg.meta_batch, cfg.batch_size))
        return {
            "obs": b.obs[k, idx],
            "action": b.action[k, idx],
            "reward": b.reward[k, idx],
            "next_obs": b.next_obs[k, idx],
            "terminated": b.terminated[k, idx],
            "context": self._context(pairs),
        }

    def _episode(self, collector: Any, slots: np.ndarray, z: jax.Array, clock: dict) -> None:
        """One whole episode in every world with fixed ``z``, into the replay."""
        actor = self.state.sac.actor
        for _ in range(self.horizon):
            t = time.perf_counter()
            obs = collector.obs.astype(np.float32)
            self.key, action = _explore(self.cfg, actor, obs, z, self.key)
            action = np.asarray(action)
            clock["policy"] += time.perf_counter() - t
            step = collector.step(action)
            self.buffer.add(slots, obs=obs, action=action, reward=step.reward,
                            next_obs=step.next_obs, terminated=step.terminated, done=step.done)  # fmt: skip

    # ---- the harness's interface
    def iterate(self, collector: Any, env_steps: int) -> tuple[int, dict[str, float]]:
        """One meta-batch: prior episodes, posterior episodes (after ``initial_steps``),
        then ``updates_per_iteration`` gradient steps (after ``initial_steps``)."""
        from manyworld.benchmarks.sampling import sample_tasks

        cfg = self.cfg
        t_start = time.perf_counter()
        clock = {"policy": 0.0}
        it = self.iteration
        pairs = sample_tasks(self.bench, cfg.meta_batch, split="train",
                             rng=np.random.default_rng([self.seed, it]))  # fmt: skip
        collector.set_tasks(pairs, seed=int(np.random.SeedSequence([self.seed, it, 1])
                                           .generate_state(1)[0]))  # fmt: skip
        slots = np.array([self.slot[(p.task, p.index)] for p in pairs], np.int64)
        training = env_steps >= cfg.initial_steps

        # PRIOR EPISODES: a fresh context per pair (PEARL clears its encoder buffer)
        self.ctx_start[slots] = self.buffer.pos[slots]
        for _ in range(cfg.prior_episodes):
            self.key, z = _prior_z(cfg, len(slots), self.key)
            self._episode(collector, slots, z, clock)
        self.ctx_len[slots] = cfg.prior_episodes * self.horizon

        # POSTERIOR EPISODES: z from each world's posterior given its new context
        if training:
            for _ in range(cfg.posterior_episodes):
                t = time.perf_counter()
                context = self._context(slots)
                self.key, z = _posterior_z(cfg, self.state.encoder, context, self.key)
                clock["policy"] += time.perf_counter() - t
                self._episode(collector, slots, z, clock)
        self.iteration += 1
        t_collect = time.perf_counter()
        timing = {"time_policy_s": clock["policy"],
                  "time_env_s": t_collect - t_start - clock["policy"]}  # fmt: skip
        if not training:
            return 0, timing

        # GRADIENT STEPS, in compiled chunks
        metrics: dict[str, Any] = {}
        for start in range(0, cfg.updates_per_iteration, UPDATE_CHUNK):
            u = min(UPDATE_CHUNK, cfg.updates_per_iteration - start)
            self.key, k_upd = jax.random.split(self.key)
            self.state, metrics = update(cfg, self.state, self._batches(u), k_upd)
        out = {k: float(v) for k, v in metrics.items()}
        out.update(timing, time_update_s=time.perf_counter() - t_collect)
        return cfg.updates_per_iteration, out

    def policy(self, info: dict[str, Any]) -> PEARLAgent:
        """The meta-test agent of the current networks."""
        return PEARLAgent(self.cfg, self.state.sac.actor, self.state.encoder, info)

    def arrays(self) -> dict[str, dict[str, np.ndarray]]:
        """Networks, optimisers, temperature and PRNG key; the replay with the context bounds."""
        replay = self.buffer.state_dict()
        replay["context/start"], replay["context/length"] = self.ctx_start.copy(), self.ctx_len.copy()
        return {"state": {**flatten(self.state, "state"), **flatten(self.key, "key")},
                "replay": replay}  # fmt: skip

    def meta(self) -> dict[str, Any]:
        """The numpy generator (batch sampling) and the iteration count (meta-batch draws)."""
        return {"numpy_rng": self.np_rng.bit_generator.state, "iteration": self.iteration}

    def restore(self, arrays: dict[str, dict[str, np.ndarray]], meta: dict, env_steps: int) -> None:
        """Continue from a checkpoint's arrays and trainer state."""
        self.state = unflatten(self.state, arrays["state"], "state", "state.npz")
        self.key = unflatten(self.key, arrays["state"], "key", "state.npz")
        replay = arrays["replay"]
        self.buffer.load_state_dict(replay)
        self.ctx_start[:], self.ctx_len[:] = replay["context/start"], replay["context/length"]
        self.np_rng.bit_generator.state = meta["trainer"]["numpy_rng"]
        self.iteration = int(meta["trainer"]["iteration"])


# ------------------------------------------------------------------ META-TEST AGENT
class PEARLAgent:
    """A trained PEARL policy as a ``MetaAgent``: adaptation is posterior inference.

    ``init()`` resets every world's posterior to the prior (no context). Until the
    first ``adapt``, ``act`` explores as training collection does: ``z`` drawn from the
    prior once per world and actions sampled from the policy (with
    ``explore_before_adapt`` off: ``z = 0`` and the mean action). ``adapt(rollouts)``
    multiplies each world's posterior by the factors of every valid transition of its
    adaptation episodes (the next observation of step t is observation t + 1 of the
    same episode, so with ``context_next_obs`` an episode's last step is left out) and
    fixes ``z`` to the posterior mean; ``act`` is then the deterministic ``tanh`` of
    the policy mean given ``[obs, z]``. Draws come from the agent's own key (seed 0),
    so an evaluation is reproducible.
    """

    def __init__(self, cfg: PEARLConfig, actor: Any, encoder: Any, info: dict[str, Any]):
        self.cfg = cfg
        self.actor = actor
        self.encoder = encoder
        self.name = info.get("algo", "pearl")
        self.config = dict(info)
        self._key = jax.random.key(0)
        self._precision: np.ndarray | None = None  # (W, L) summed factor precisions
        self._weighted: np.ndarray | None = None  # (W, L) summed precision * mean
        self._z: jax.Array | None = None
        self._adapted = False

    def init(self) -> None:
        """A new trial: every world's posterior is the prior again."""
        self._precision = self._weighted = self._z = None
        self._adapted = False

    def _start(self, worlds: int) -> None:
        self._precision = np.zeros((worlds, self.cfg.latent_dim), np.float32)
        self._weighted = np.zeros((worlds, self.cfg.latent_dim), np.float32)
        if self.cfg.explore_before_adapt:
            self._key, self._z = _prior_z(self.cfg, worlds, self._key)
        else:
            self._z = jnp.zeros((worlds, self.cfg.latent_dim), jnp.float32)
        self._adapted = False

    @property
    def belief(self) -> tuple[np.ndarray, np.ndarray]:
        """Each world's posterior mean and variance (W, L); the prior where nothing was seen."""
        if self._precision is None:
            raise ValueError("no posterior yet: call init() and adapt() or act() first")
        seen = self._precision > 0
        safe = np.where(seen, self._precision, 1.0)
        return np.where(seen, self._weighted / safe, 0.0), np.where(seen, 1.0 / safe, 1.0)

    def adapt(self, rollouts: Any) -> None:
        """Multiply each world's posterior by its adaptation transitions; z = posterior mean."""
        cfg = self.cfg
        obs = np.asarray(rollouts.observations, np.float32)
        w, e, t, d = obs.shape
        if d != cfg.obs_dim:
            raise ValueError(
                f"{self.name} was trained on {cfg.obs_dim}-d observations but the adaptation "
                f"rollouts hold {d}-d ones; evaluate it with the observations it trained with"
            )
        if self._precision is None or self._precision.shape[0] != w:
            self._start(w)
        steps = np.arange(t)[None, None, :]
        lengths = np.asarray(rollouts.lengths)[..., None]
        parts = [obs, np.asarray(rollouts.actions, np.float32),
                 np.asarray(rollouts.rewards, np.float32)[..., None]]  # fmt: skip
        if cfg.context_next_obs:
            parts.append(np.concatenate([obs[:, :, 1:], np.zeros_like(obs[:, :, :1])], axis=2))
            valid = steps < lengths - 1
        else:
            valid = steps < lengths
        context = np.concatenate(parts, axis=-1).reshape(w, e * t, -1)
        mask = valid.reshape(w, e * t).astype(np.float32)
        pad = -(e * t) % ADAPT_CHUNK
        context = np.pad(context, ((0, 0), (0, pad), (0, 0)))
        mask = np.pad(mask, ((0, 0), (0, pad)))
        for start in range(0, e * t + pad, ADAPT_CHUNK):
            sl = slice(start, start + ADAPT_CHUNK)
            if not mask[:, sl].any():
                continue
            p, m = _context_stats(cfg, self.encoder, context[:, sl], mask[:, sl])
            self._precision += np.asarray(p)
            self._weighted += np.asarray(m)
        self._z = jnp.asarray(self.belief[0], jnp.float32)
        self._adapted = True

    def act(self, obs: np.ndarray) -> np.ndarray:
        """(W, 4) actions in [-1, 1] (see the class docstring)."""
        obs = np.asarray(obs, np.float32)
        if obs.ndim != 2 or obs.shape[1] != self.cfg.obs_dim:
            raise ValueError(
                f"{self.name} was trained on {self.cfg.obs_dim}-d observations but got shape "
                f"{obs.shape}; evaluate it with the observations it trained with"
            )
        if self._z is None or self._z.shape[0] != obs.shape[0]:
            self._start(obs.shape[0])
        if self._adapted or not self.cfg.explore_before_adapt:
            out = _exploit(self.cfg, self.actor, obs, self._z)
        else:
            self._key, out = _explore(self.cfg, self.actor, obs, self._z, self._key)
        return np.asarray(out, np.float64)


def load_policy(cfg: PEARLConfig, state_arrays: dict[str, np.ndarray], info: dict) -> PEARLAgent:
    """The registry's policy loader: the agent of a checkpoint's ``state`` arrays."""
    template = init_state(cfg, jax.random.key(0))
    state = unflatten(template, state_arrays, "state", f"{info.get('checkpoint', '?')}/state.npz")
    return PEARLAgent(cfg, state.sac.actor, state.encoder, info)


#: CPU preset. The reference settings (3 x 300 networks, 3 x 200 encoder, 16 tasks x 256
#: transitions per gradient step, 4,000 steps per iteration) cost about 0.3 s of one core per
#: gradient step, some 20 minutes per iteration. Here: 128 x 2 networks with LayerNorm (the
#: sac preset's, measured on reach: docs/learning.md), a 128 x 2 encoder, 8 tasks x 64
#: transitions per step (about 10 ms), and 1,500 steps per iteration of 8 worlds x 2 episodes
#: (8,000 env steps), which keeps garage's 0.18 gradient steps per env step (4,000 per
#: 15 x 1,500). The first iteration (4,000 env steps) collects with the prior only. Replay:
#: 10,000 transitions per pair (ML1: 50 pairs, 172 MB when full). Reward scale, KL weight,
#: latent size and learning rates stay the reference's; the learning of this preset has
#: not been measured yet.
PEARL_FAST = PEARLConfig(
    hidden=(128, 128), layer_norm=True, encoder_hidden=(128, 128), meta_batch=8, batch_size=64,
    updates_per_iteration=1500, buffer_per_pair=10_000,
)  # fmt: skip
PEARL_FAST_RUN = {"eval_interval": 200_000, "log_interval": 40_000,
                  "checkpoint_interval": 200_000, "eval_variations": 20}  # fmt: skip

register(
    AlgoSpec(
        name="pearl",
        summary="PEARL (Rakelly et al. 2019): SAC on a latent task z inferred from context",
        config=PEARL_FAST,
        run=PEARL_FAST_RUN,
        make_trainer=PEARLTrainer,
        load_policy=load_policy,
        meta=True,
        metric_keys=METRIC_KEYS,
        resume_mutable=frozenset({"explore_before_adapt"}),
    )
)
