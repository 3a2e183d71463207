"""TE-PPO: PPO with a learned task-embedding space (Hausman et al. 2018, ICLR).

Hausman et al., "Learning an Embedding Space for Transferable Robot Skills", as
benchmarked by Meta-World (Yu et al. 2019, arXiv 1910.10897v2, Appendix D) with
garage's implementation (``src/garage/tf/algos/te_npo.py``, ``te_ppo.py`` and
``src/garage/examples/tf/te_ppo_metaworld_mt10.py``) as the reference for the terms.
Three networks besides the value function:

* the **task encoder** q(z | task): one-hot task id -> diagonal Gaussian over a
  latent skill z, std bounded above by ``embedding_max_std``;
* the **policy** pi(a | s, z): Gaussian over actions from the 39-d observation
  (one-hot removed) and z. Each world draws noise eps ~ N(0, I) when its episode
  starts and acts with z = mean(task) + std(task) * eps for the whole episode;
* the **inference network** q_inf(z | window): diagonal Gaussian over z from the
  last ``inference_window`` observations, trained by maximum likelihood of the
  sampled z. Its log-likelihood rewards trajectories that reveal their z.

The objective, as implemented (minimised; per transition, means over a minibatch)::

    r'_t   = reward_scale * r_t + inference_coef * clip(log q_inf(z | window_t), -c, c)
    A_t    = GAE(r', V(s, task)), normalised per minibatch
    z_th   = mean_th(task) + std_th(task) * eps           (the episode's eps, stored)
    rho_t  = pi_th(a_t | s_t, z_th) / pi_old(a_t | s_t, z_t)
    loss   = -mean(min(rho A, clip(rho, 1 - clip, 1 + clip) A))    policy and encoder
             + value_coef * 0.5 * mean((V(s, task) - return)^2)    value
             - policy_ent_coef * mean(H(pi(. | s, z_th)))          policy entropy bonus
             - encoder_ent_coef * mean(H(q(. | task)))             encoder entropy bonus
             - inference_ce_coef * mean(log q_inf(z_t | window_t)) inference likelihood

so the encoder is trained jointly with the policy through z (the
reparameterisation; garage feeds the encoder's mean into the policy's loss for
the same purpose) and by its entropy bonus. Putting log q(z | task) into the
ratio instead (z as part of the action) made ``clip_fraction`` 0.74 after two
epochs on MT10 here: at std 0.1 its log-density moves about 10 per unit of mean.

Other differences from garage, on purpose: the policy entropy is a bonus in the
loss (as in our PPO) rather than ``softplus(-log pi)`` added to the reward; the
inference reward is the clipped log-likelihood without garage's softplus; the
encoder entropy is analytic, with its gradient (garage stops it); one Adam steps
all four networks (garage has a separate inference optimiser and a linear
baseline). The value function reads the one-hot, not z: V(s, task) is the value
under the task's whole embedding distribution, on MT-PPO's input.
The windows end at the observation acted on and are padded with an episode's
first observation; they are stored raw and normalised with the batch's statistics.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from manyworld.agents.onpolicy import (
    ACTIVATIONS,
    ObsStats,
    adam_optimizer,
    check_non_negative,
    check_policy_fields,
    check_widths,
    gae,
    gaussian_entropy,
    gaussian_log_prob,
    init_obs_stats,
    make_policy,
    make_value,
    minibatch_indices,
    normalize_obs,
    update_obs_stats,
)
from manyworld.tasks.obs import OBS_DIM
from manyworld.train.checkpoint import flatten, unflatten
from manyworld.train.config import (
    check_fraction,
    check_positive_float,
    check_positive_int,
    option,
)
from manyworld.train.registry import AlgoSpec, register


# ------------------------------------------------------------------ CONFIG
@dataclass(frozen=True)
class TEPPOConfig:
    """Hyperparameters of TE-PPO ([garage]: ``te_ppo_metaworld_mt10.py`` and ``TEPPO``)."""

    hidden: tuple[int, ...] = option((32, 16), "policy hidden widths [garage MT10 example]")
    value_hidden: tuple[int, ...] = option(
        (32, 16), "value hidden widths [ours: garage fits a linear baseline; sized as the policy]"
    )
    activation: str = option("tanh", "hidden activation, tanh or relu [garage default: tanh]")
    encoder_hidden: tuple[int, ...] = option((20, 20), "task-encoder hidden widths [garage]")
    inference_hidden: tuple[int, ...] = option(
        (20, 10), "inference-network hidden widths [garage]"
    )
    latent_dim: int = option(4, "size of the task embedding z [garage latent_length]")
    inference_window: int = option(6, "observations the inference network reads [garage]")
    embedding_max_std: float = option(
        0.2, "upper bound of the encoder std; it starts at half of it [garage: max 0.2, init 0.1]"
    )
    inference_max_std: float = option(
        4.0, "upper bound of the inference std; starts at half [garage: init 2.0, unbounded]"
    )
    lr: float = option(1e-3, "Adam learning rate of every network [garage MT10 example]")
    adam_eps: float = option(1e-5, "Adam epsilon [as our PPO, Meta-World+]")
    max_grad_norm: float = option(1.0, "global gradient-norm clip, 0 for none [as our PPO]")
    gamma: float = option(0.99, "discount [garage MT10 example]")
    gae_lambda: float = option(
        0.98, "GAE lambda [garage TEPPO default; the MT10 example leaves it unset]"
    )
    clip: float = option(0.2, "PPO ratio clip epsilon [garage MT10 example lr_clip_range]")
    value_coef: float = option(0.5, "value-loss weight in the joint loss [as our PPO]")
    policy_ent_coef: float = option(
        2e-2, "policy entropy bonus weight (in the loss) [garage MT10 example; Meta-World App. D]"
    )
    encoder_ent_coef: float = option(
        2e-4, "encoder entropy bonus weight [garage MT10 example; Meta-World App. D]"
    )
    inference_coef: float = option(
        5e-2,
        "weight of the log q_inf(z | window) reward [garage MT10 example "
        "inference_ce_coeff, which weights this reward; Meta-World App. D]",
    )
    inference_ce_coef: float = option(
        1.0, "weight of the inference network's likelihood loss [garage: own optimiser, weight 1]"
    )
    inference_reward_clip: float = option(
        3.0, "the log q_inf reward is clipped to +-this [garage te_npo.py: +-3]"
    )
    epochs: int = option(10, "passes over each batch [garage MT10 example]")
    minibatches: int = option(
        32,
        "minibatches per epoch [as our PPO; garage's 32-sample minibatches would be "
        "1,562 per epoch of a 50k batch]",
    )
    normalize_advantages: bool = option(True, "normalise advantages per minibatch [garage]")
    normalize_obs: bool = option(True, "normalise the 39-d observation with running statistics")
    reward_scale: float = option(1.0, "env rewards are multiplied by this [no scaling]")
    init_log_std: float = option(0.0, "initial policy log-std [garage policy_init_std 1.0]")
    log_std_min: float = option(-5.0, "lower clip of the policy log-std")
    log_std_max: float = option(2.0, "upper clip of the policy log-std")
    rollout_steps: int = option(500, "env steps per world per iteration: one episode")
    num_tasks: int = option(1, "K: tasks (one-hot slots); set by the trainer")
    obs_dim: int = option(0, "observation size, 39 + num_tasks (0: unset); set by the trainer")
    action_dim: int = option(4, "action size (Meta-World: 4); set by the trainer")

    def __post_init__(self) -> None:
        check_policy_fields(self)
        check_widths(self, "encoder_hidden", "inference_hidden")
        check_positive_float(self, "lr", "adam_eps", "clip", "reward_scale", "embedding_max_std",
                             "inference_max_std", "inference_reward_clip")  # fmt: skip
        check_non_negative(self, "max_grad_norm", "value_coef", "policy_ent_coef",
                           "encoder_ent_coef", "inference_coef", "inference_ce_coef")  # fmt: skip
        check_fraction(self, "gamma", "gae_lambda")
        check_positive_int(self, "latent_dim", "inference_window", "epochs", "minibatches",
                           "rollout_steps", "num_tasks", "action_dim")  # fmt: skip
        if self.obs_dim and self.obs_dim != OBS_DIM + self.num_tasks:
            raise ValueError(
                f"obs_dim must be {OBS_DIM} + num_tasks = {OBS_DIM + self.num_tasks} (the "
                f"observation with the one-hot task id appended), got {self.obs_dim}"
            )

    def replace(self, **kw: Any) -> TEPPOConfig:
        return dataclasses.replace(self, **kw)


# ------------------------------------------------------------------ NETWORKS
class BoundedGaussianMLP(nn.Module):
    """MLP -> diagonal Gaussian ``(mean, log_std)`` with the std in (0, max_std).

    The mean passes through tanh (garage's ``output_nonlinearity``), and the std
    is ``max_std * sigmoid(raw)``: a hard bound that never stalls the gradient
    the way clipping would. The raw head starts at zero, so the std starts at
    ``max_std / 2`` (garage's init_std: 0.1 for the encoder, 2.0 for inference).
    """

    hidden: tuple[int, ...]
    latent_dim: int
    max_std: float
    activation: str = "tanh"

    @nn.compact
    def __call__(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        act = ACTIVATIONS[self.activation]
        for width in self.hidden:
            x = act(nn.Dense(width, kernel_init=nn.initializers.orthogonal(math.sqrt(2.0)))(x))
        mean = jnp.tanh(nn.Dense(self.latent_dim, kernel_init=nn.initializers.orthogonal(1.0))(x))
        raw = nn.Dense(self.latent_dim, kernel_init=nn.initializers.zeros)(x)
        return mean, math.log(self.max_std) + jax.nn.log_sigmoid(raw)


def make_encoder(cfg: TEPPOConfig) -> BoundedGaussianMLP:
    """q(z | task) of a config."""
    return BoundedGaussianMLP(cfg.encoder_hidden, cfg.latent_dim, cfg.embedding_max_std,
                              cfg.activation)  # fmt: skip


def make_inference(cfg: TEPPOConfig) -> BoundedGaussianMLP:
    """q_inf(z | window) of a config."""
    return BoundedGaussianMLP(cfg.inference_hidden, cfg.latent_dim, cfg.inference_max_std,
                              cfg.activation)  # fmt: skip


def split_obs(obs: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(state, one-hot)``: the 39-d Meta-World observation and the task slots after it."""
    return obs[..., :OBS_DIM], obs[..., OBS_DIM:]


def embed(cfg: TEPPOConfig, encoder: Any, task: jax.Array, eps: jax.Array) -> jax.Array:
    """z = mean + std * eps of q(z | task): the reparameterisation the encoder learns through."""
    mean, log_std = make_encoder(cfg).apply(encoder, task)
    return mean + jnp.exp(log_std) * eps


def push_window(window: jax.Array, obs: jax.Array, restart: jax.Array) -> jax.Array:
    """The next observation windows of every world, oldest first.

    Args:
        window: (W, K, D) the previous windows.
        obs: (W, D) the newest observations, appended as the last slot.
        restart: (W,) bool: worlds whose episode starts with ``obs``; their
            window is ``obs`` in every slot (padding with the first observation).
    """
    shifted = jnp.concatenate([window[:, 1:], obs[:, None]], axis=1)
    return jnp.where(restart[:, None, None], jnp.broadcast_to(obs[:, None], window.shape), shifted)


class TEPPOState(NamedTuple):
    """Everything the training loop carries."""

    policy: Any
    encoder: Any
    inference: Any
    value: Any
    opt_state: Any  # one Adam over {"policy", "encoder", "inference", "value"}
    obs_stats: ObsStats  # of the 39-d observation; updated by the trainer, not by update()
    updates: jax.Array  # int32: calls of update()


def _optimizer(cfg: TEPPOConfig) -> optax.GradientTransformation:
    return adam_optimizer(cfg.lr, cfg.adam_eps, cfg.max_grad_norm)


def init_state(cfg: TEPPOConfig, key: jax.Array) -> TEPPOState:
    """Fresh networks, optimiser state and empty observation statistics."""
    if cfg.obs_dim <= 0:
        raise ValueError("TEPPOConfig.obs_dim must be set (the trainer sets it from the env)")
    k_pi, k_enc, k_inf, k_v = jax.random.split(key, 4)
    params = {
        "policy": make_policy(cfg).init(k_pi, jnp.zeros((1, OBS_DIM + cfg.latent_dim))),
        "encoder": make_encoder(cfg).init(k_enc, jnp.zeros((1, cfg.num_tasks))),
        "inference": make_inference(cfg).init(
            k_inf, jnp.zeros((1, cfg.inference_window * OBS_DIM))
        ),
        "value": make_value(cfg).init(k_v, jnp.zeros((1, cfg.obs_dim))),
    }
    return TEPPOState(
        **params,
        opt_state=_optimizer(cfg).init(params),
        obs_stats=init_obs_stats(OBS_DIM),
        updates=jnp.zeros((), jnp.int32),
    )


def _norm(cfg: TEPPOConfig, stats: ObsStats, x: jax.Array) -> jax.Array:
    return normalize_obs(stats, x) if cfg.normalize_obs else x


# ------------------------------------------------------------------ ACTING
@partial(jax.jit, static_argnums=0)
def _act(cfg: TEPPOConfig, policy: Any, encoder: Any, stats: ObsStats, raw_obs: jax.Array,
         eps: jax.Array, window: jax.Array, restart: jax.Array, key: jax.Array):  # fmt: skip
    """One vector step of every world: new noise and window where an episode starts, then an action.

    Returns ``(eps, z, window, action, log_prob)``: z = mean + std * eps of the
    encoder for the world's task, and log pi(a | s, z).
    """
    k_z, k_a = jax.random.split(key)
    state, task = split_obs(raw_obs)
    eps = jnp.where(restart[:, None], jax.random.normal(k_z, eps.shape), eps)
    z = embed(cfg, encoder, task, eps)
    window = push_window(window, state, restart)  # raw: normalised with the batch's statistics
    pi_in = jnp.concatenate([_norm(cfg, stats, state), z], -1)
    mean, log_std = make_policy(cfg).apply(policy, pi_in)
    action = mean + jnp.exp(log_std) * jax.random.normal(k_a, mean.shape)
    return eps, z, window, action, gaussian_log_prob(mean, log_std, action)


@partial(jax.jit, static_argnums=0)
def act_deterministic(cfg: TEPPOConfig, policy: Any, encoder: Any, stats: ObsStats,
                      raw_obs: jax.Array) -> jax.Array:  # fmt: skip
    """Evaluation actions: the policy mean at the encoder's mean z of each world's task."""
    state, task = split_obs(raw_obs)
    z = make_encoder(cfg).apply(encoder, task)[0]
    return make_policy(cfg).apply(policy, jnp.concatenate([_norm(cfg, stats, state), z], -1))[0]


# ------------------------------------------------------------------ ADVANTAGES
@partial(jax.jit, static_argnums=0)
def _advantages(cfg: TEPPOConfig, st: TEPPOState, raw: dict) -> tuple[dict, jax.Array]:
    """The flat training batch of one rollout, and the mean inference reward.

    ``raw`` holds ``(T, W, ...)`` rollout arrays, ``final_obs`` (W, D) the
    observations after it and ``ended_obs`` (T, W, D) the true last observation
    of each episode that ended (selected by ``done``), as in onpolicy's trainer.
    """
    def v_of(obs):  # V(s, task)
        state, task = split_obs(obs)
        return make_value(cfg).apply(st.value, jnp.concatenate([_norm(cfg, st.obs_stats, state),
                                                                task], -1))  # fmt: skip

    v = v_of(raw["obs"])
    following = jnp.concatenate([v[1:], v_of(raw["final_obs"])[None]], axis=0)
    next_v = jnp.where(raw["done"], v_of(raw["ended_obs"]), following)
    t, w = raw["reward"].shape
    window = _norm(cfg, st.obs_stats, raw["window"]).reshape(t, w, -1)
    i_mean, i_log_std = make_inference(cfg).apply(st.inference, window)
    c = cfg.inference_reward_clip
    mi = jnp.clip(gaussian_log_prob(i_mean, i_log_std, raw["z"]), -c, c)
    rewards = cfg.reward_scale * raw["reward"] + cfg.inference_coef * mi
    adv, ret = gae(rewards, v, next_v, raw["terminated"], raw["done"], cfg.gamma, cfg.gae_lambda)
    state, task = split_obs(raw["obs"])

    def flat(x: jax.Array) -> jax.Array:
        return x.reshape(t * w, *x.shape[2:])

    batch = {
        "state": flat(_norm(cfg, st.obs_stats, state)),
        "task": flat(task),
        "z": flat(raw["z"]),
        "eps": flat(raw["eps"]),
        "window": flat(window),
        "action": flat(raw["action"]),
        "log_prob": flat(raw["log_prob"]),
        "advantage": flat(adv),
        "return": flat(ret),
    }
    return batch, jnp.mean(mi)


# ------------------------------------------------------------------ UPDATE
def _loss(cfg: TEPPOConfig, params: dict, mb: dict) -> tuple[jax.Array, dict]:
    # the encoder learns through z (reparameterised with the episode's noise), not through a
    # likelihood ratio of z: at std 0.1, log q(z | task) saturates the clip within a few steps
    e_mean, e_log_std = make_encoder(cfg).apply(params["encoder"], mb["task"])
    z = e_mean + jnp.exp(e_log_std) * mb["eps"]
    mean, log_std = make_policy(cfg).apply(params["policy"], jnp.concatenate([mb["state"], z], -1))
    log_ratio = gaussian_log_prob(mean, log_std, mb["action"]) - mb["log_prob"]
    ratio = jnp.exp(log_ratio)
    adv = mb["advantage"]
    if cfg.normalize_advantages:
        adv = (adv - jnp.mean(adv)) / (jnp.std(adv) + 1e-8)
    surrogate = jnp.minimum(ratio * adv, jnp.clip(ratio, 1.0 - cfg.clip, 1.0 + cfg.clip) * adv)
    policy_loss = -jnp.mean(surrogate)
    v = make_value(cfg).apply(params["value"], jnp.concatenate([mb["state"], mb["task"]], -1))
    value_loss = 0.5 * jnp.mean((v - mb["return"]) ** 2)
    entropy = jnp.mean(gaussian_entropy(log_std))
    encoder_entropy = jnp.mean(gaussian_entropy(e_log_std))
    i_mean, i_log_std = make_inference(cfg).apply(params["inference"], mb["window"])
    inference_loss = -jnp.mean(gaussian_log_prob(i_mean, i_log_std, mb["z"]))
    loss = (
        policy_loss
        + cfg.value_coef * value_loss
        - cfg.policy_ent_coef * entropy
        - cfg.encoder_ent_coef * encoder_entropy
        + cfg.inference_ce_coef * inference_loss
    )
    metrics = {
        "policy_loss": policy_loss,
        "value_loss": value_loss,
        "entropy": entropy,
        "encoder_entropy": encoder_entropy,
        "inference_loss": inference_loss,
        # (r - 1) - log r: non-negative estimator of KL(old || new) of the joint (Schulman 2020)
        "approx_kl": jnp.mean((ratio - 1.0) - log_ratio),
        "clip_fraction": jnp.mean((jnp.abs(ratio - 1.0) > cfg.clip).astype(jnp.float32)),
    }
    return loss, metrics


@partial(jax.jit, static_argnums=0)
def update(cfg: TEPPOConfig, state: TEPPOState, batch: dict, key: jax.Array):
    """``cfg.epochs`` epochs of ``cfg.minibatches`` Adam steps on one batch, in one compiled call.

    Returns:
        The new state (``obs_stats`` unchanged) and the metrics of the last
        epoch, each the mean over its minibatches.
    """
    n = batch["state"].shape[0]
    tx = _optimizer(cfg)

    def minibatch_step(carry, mb):
        params, opt_state = carry
        grads, metrics = jax.grad(partial(_loss, cfg), has_aux=True)(params, mb)
        upd, opt_state = tx.update(grads, opt_state, params)
        return (optax.apply_updates(params, upd), opt_state), metrics

    def epoch(carry, k):
        idx = minibatch_indices(k, n, cfg.minibatches)
        carry, metrics = jax.lax.scan(minibatch_step, carry, jax.tree.map(lambda x: x[idx], batch))
        return carry, jax.tree.map(jnp.mean, metrics)

    params = {k: getattr(state, k) for k in ("policy", "encoder", "inference", "value")}
    (params, opt_state), metrics = jax.lax.scan(
        epoch, (params, state.opt_state), jax.random.split(key, cfg.epochs)
    )
    new = TEPPOState(**params, opt_state=opt_state, obs_stats=state.obs_stats,
                     updates=state.updates + 1)  # fmt: skip
    return new, jax.tree.map(lambda m: m[-1], metrics)


# ------------------------------------------------------------------ TRAINER
class TEPPOTrainer:
    """Batched collection and one update per iteration, for the harness.

    Each :meth:`iterate` runs ``rollout_steps`` vector steps of every world (one
    compiled call per step draws the z noise where an episode starts, advances
    the observation windows and samples the actions), computes GAE with the
    inference reward in one call, updates, then merges the rollout's
    observations into the statistics. The noise, the windows and the "episode
    starts" mask carry over between iterations (an episode that spans two keeps
    its noise; its z follows the updated encoder); a new collector (a fresh or
    resumed run: the harness restarts every episode) starts them over.
    """

    def __init__(self, cfg: TEPPOConfig, run: Any, env: Any, seed: int):
        self.cfg = cfg
        self.key, k_init = jax.random.split(jax.random.key(seed))
        self.state = init_state(cfg, k_init)
        w, t, k = int(env.num_worlds), cfg.rollout_steps, cfg.inference_window
        self._collector = None
        self._buf = {
            "obs": np.zeros((t, w, cfg.obs_dim), np.float32),
            "eps": np.zeros((t, w, cfg.latent_dim), np.float32),
            "z": np.zeros((t, w, cfg.latent_dim), np.float32),
            "window": np.zeros((t, w, k, OBS_DIM), np.float32),
            "action": np.zeros((t, w, cfg.action_dim), np.float32),
            "log_prob": np.zeros((t, w), np.float32),
            "reward": np.zeros((t, w), np.float32),
            "terminated": np.zeros((t, w), bool),
            "done": np.zeros((t, w), bool),
            "ended_obs": np.zeros((t, w, cfg.obs_dim), np.float32),
        }

    def iterate(self, collector: Any, env_steps: int) -> tuple[int, dict[str, float]]:
        """One rollout of ``rollout_steps`` vector steps, then one update."""
        cfg, buf, st = self.cfg, self._buf, self.state
        w = collector.num_worlds
        if collector is not self._collector:
            self._collector = collector
            self._eps = jnp.zeros((w, cfg.latent_dim))
            self._window = jnp.zeros((w, cfg.inference_window, OBS_DIM))
            self._restart = np.ones(w, bool)
        t_start = time.perf_counter()
        policy_s = 0.0
        buf["ended_obs"][...] = 0.0
        for t in range(cfg.rollout_steps):
            t_pol = time.perf_counter()
            self.key, k_act = jax.random.split(self.key)
            obs = collector.obs
            self._eps, z, self._window, action, log_prob = _act(
                cfg, st.policy, st.encoder, st.obs_stats, obs, self._eps, self._window,
                self._restart, k_act,
            )  # fmt: skip
            action = np.asarray(action)
            policy_s += time.perf_counter() - t_pol
            step = collector.step(action)
            buf["obs"][t], buf["eps"][t], buf["z"][t] = obs, self._eps, z
            buf["window"][t] = self._window
            buf["action"][t], buf["log_prob"][t], buf["reward"][t] = action, log_prob, step.reward
            buf["terminated"][t], buf["done"][t] = step.terminated, step.done
            if step.ended.size:
                buf["ended_obs"][t, step.ended] = step.next_obs[step.ended]
            self._restart = step.done
        t_collect = time.perf_counter()

        batch, mi = _advantages(cfg, st, {**buf, "final_obs": collector.obs})
        self.key, k_upd = jax.random.split(self.key)
        st, metrics = update(cfg, st, batch, k_upd)
        if cfg.normalize_obs:
            st = st._replace(obs_stats=update_obs_stats(st.obs_stats, buf["obs"][..., :OBS_DIM]))
        self.state = st
        metrics = {k: float(v) for k, v in metrics.items()}
        metrics["inference_reward"] = float(mi)
        metrics.update(time_policy_s=policy_s, time_env_s=t_collect - t_start - policy_s,
                       time_update_s=time.perf_counter() - t_collect)  # fmt: skip
        return 1, metrics

    def policy(self, info: dict[str, Any]) -> TEPPOAgent:
        """The deterministic evaluation policy."""
        return TEPPOAgent(self.cfg, self.state, info)

    def arrays(self) -> dict[str, dict[str, np.ndarray]]:
        """Networks, optimiser state, observation statistics and the PRNG key."""
        return {"state": {**flatten(self.state, "state"), **flatten(self.key, "key")}}

    def meta(self) -> dict[str, Any]:
        """Nothing beyond the arrays: every random draw comes from the stored key."""
        return {}

    def restore(self, arrays: dict[str, dict[str, np.ndarray]], meta: dict, env_steps: int) -> None:
        """Continue from a checkpoint's arrays (episodes, z and windows start over)."""
        self.state = unflatten(self.state, arrays["state"], "state", "state.npz")
        self.key = unflatten(self.key, arrays["state"], "key", "state.npz")


class TEPPOAgent:
    """A trained TE-PPO policy as an evaluation ``Agent``: the mean action at the mean z, clipped.

    Each world's task is read from the one-hot slots of its observation, so
    evaluate with the one-hot the run trained with (the MT benchmarks' default).
    """

    def __init__(self, cfg: TEPPOConfig, state: TEPPOState, info: dict[str, Any]):
        self.cfg = cfg
        self.params = (state.policy, state.encoder, state.obs_stats)
        self.name = info.get("algo", "teppo")
        self.config = dict(info)

    def act(self, obs: np.ndarray) -> np.ndarray:
        """(W, 4) deterministic actions in [-1, 1]."""
        obs = np.asarray(obs, np.float32)
        if obs.ndim != 2 or obs.shape[1] != self.cfg.obs_dim:
            raise ValueError(
                f"{self.name} was trained on {self.cfg.obs_dim}-d observations but got shape "
                f"{obs.shape}; evaluate with the one-hot setting it trained with"
            )
        mean = act_deterministic(self.cfg, *self.params, obs)
        return np.clip(np.asarray(mean, np.float64), -1.0, 1.0)


def load_policy(cfg: TEPPOConfig, state_arrays: dict[str, np.ndarray], info: dict) -> TEPPOAgent:
    """The evaluation policy stored in a checkpoint's ``state`` arrays."""
    template = init_state(cfg, jax.random.key(0))
    state = unflatten(template, state_arrays, "state", f"{info.get('checkpoint', '?')}/state.npz")
    return TEPPOAgent(cfg, state, info)


METRIC_KEYS = ("policy_loss", "value_loss", "entropy", "encoder_entropy", "inference_loss",
               "inference_reward", "approx_kl", "clip_fraction",
               "time_policy_s", "time_env_s", "time_update_s")  # fmt: skip

register(
    AlgoSpec(
        name="teppo",
        summary="TE-PPO: PPO with a learned task-embedding space (Hausman et al. 2018; Yu et al. "
        "2019)",
        config=TEPPOConfig(),
        run={"worlds_per_task": 10},
        make_trainer=TEPPOTrainer,
        load_policy=load_policy,
        multitask=True,
        metric_keys=METRIC_KEYS,
    )
)
