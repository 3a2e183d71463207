"""Shared parts of the on-policy family: used by :mod:`~manyworld.agents.ppo` and
:mod:`~manyworld.agents.trpo`.

Read top to bottom: the networks (a Gaussian policy with a state-independent
log-std and a value MLP), the policy functions every on-policy algorithm acts
with, minibatch indices, diagonal-Gaussian helpers (log-prob, entropy, KL),
running observation statistics for observation normalisation, generalised
advantage estimation, and the trainer the harness drives (batched rollouts of
every world, GAE, one update per iteration) with its evaluation agent.

Everything here is plain JAX and jittable. The policy functions take any config
with the network fields ``hidden``, ``value_hidden``, ``activation``,
``action_dim``, ``init_log_std``, ``log_std_min`` and ``log_std_max`` (both
:class:`~manyworld.agents.ppo.PPOConfig` and :class:`~manyworld.agents.trpo.TRPOConfig`
have them); the config must be hashable, as it is a static jit argument.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from manyworld.train.checkpoint import flatten, unflatten
from manyworld.train.config import (
    check_fraction,
    check_positive_float,
    check_positive_int,
    option,
)

ACTIVATIONS = {"tanh": nn.tanh, "relu": nn.relu}


# ------------------------------------------------------------------ CONFIG CHECKS
def check_non_negative(cfg: Any, *names: str) -> None:
    """Each named field is a finite number >= 0 (0 usually means "off")."""
    for name in names:
        v = getattr(cfg, name)
        if not (isinstance(v, (int, float)) and v >= 0 and math.isfinite(v)):
            raise ValueError(f"{name} must be a number >= 0, got {v!r}")


def check_widths(cfg: Any, *names: str) -> None:
    """Each named field is a tuple of positive layer widths; empty means a linear network."""
    for name in names:
        v = getattr(cfg, name)
        if not isinstance(v, tuple) or any(
            isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in v
        ):
            raise ValueError(f"{name} must be a tuple of positive widths (may be empty), got {v!r}")


def check_policy_fields(cfg: Any) -> None:
    """The network and log-std fields shared by the on-policy configs."""
    check_widths(cfg, "hidden", "value_hidden")
    if cfg.activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {cfg.activation!r}")
    if not cfg.log_std_min < cfg.log_std_max:
        raise ValueError(
            f"log_std_min ({cfg.log_std_min}) must be below log_std_max ({cfg.log_std_max})"
        )
    if not cfg.log_std_min <= cfg.init_log_std <= cfg.log_std_max:
        raise ValueError(
            f"init_log_std ({cfg.init_log_std}) must lie in [log_std_min, log_std_max]"
        )
    if isinstance(cfg.obs_dim, bool) or not isinstance(cfg.obs_dim, int) or cfg.obs_dim < 0:
        raise ValueError(f"obs_dim must be an integer >= 0 (0: unset), got {cfg.obs_dim!r}")



# ------------------------------------------------------------------ CONFIG
@dataclass(frozen=True)
class OnPolicyConfig:
    """Fields every on-policy config shares: networks, discount, normalisation and rollouts.

    :class:`~manyworld.agents.ppo.PPOConfig` and :class:`~manyworld.agents.trpo.TRPOConfig`
    add their update's fields (and their own GAE lambda) to these.
    """

    hidden: tuple[int, ...] = option(
        (512, 512), "policy hidden widths; () is a linear policy [Meta-World paper App. D: 512 x 2]"
    )
    value_hidden: tuple[int, ...] = option(
        (512, 512), "value-function hidden widths [Meta-World paper App. D: 512 x 2]"
    )
    activation: str = option("tanh", "hidden activation, tanh or relu [Meta-World paper App. D]")
    gamma: float = option(0.99, "discount [Meta-World+; the paper does not list it]")
    normalize_advantages: bool = option(
        True,
        "normalise advantages (PPO: per minibatch; TRPO: over the batch) "
        "[Huang et al. 2022, detail 7]",
    )
    normalize_obs: bool = option(
        True, "normalise observations with running statistics [Huang et al. 2022, cont. detail 3]"
    )
    reward_scale: float = option(1.0, "rewards are multiplied by this before GAE [no scaling]")
    init_log_std: float = option(0.0, "initial policy log-std (std 1) [Huang et al. 2022]")
    log_std_min: float = option(-5.0, "lower clip of the policy log-std")
    log_std_max: float = option(
        2.0, "upper clip of the policy log-std [as MT-SAC's, Meta-World paper: std <= e^2]"
    )
    rollout_steps: int = option(
        500, "env steps per world per iteration: one 500-step episode per world"
    )
    num_tasks: int = option(1, "K: tasks sharing the networks (1: one task); set by the trainer")
    obs_dim: int = option(0, "observation size incl. one-hot (0: unset); set by the trainer")
    action_dim: int = option(4, "action size (Meta-World: 4); set by the trainer")

    def __post_init__(self) -> None:
        check_policy_fields(self)
        check_positive_float(self, "reward_scale")
        check_fraction(self, "gamma")
        check_positive_int(self, "rollout_steps", "num_tasks", "action_dim")

    def replace(self, **kw: Any) -> Any:
        return dataclasses.replace(self, **kw)

# ------------------------------------------------------------------ OPTIMISER
def adam_optimizer(lr: float, adam_eps: float, max_grad_norm: float) -> Any:
    """Adam, after a global gradient-norm clip when ``max_grad_norm > 0`` (the on-policy
    family's optimiser: one clip over every network it updates)."""
    import optax

    adam = optax.adam(lr, eps=adam_eps)
    if max_grad_norm > 0:
        return optax.chain(optax.clip_by_global_norm(max_grad_norm), adam)
    return adam


# ------------------------------------------------------------------ NETWORKS
def _trunk(x: jax.Array, hidden: Sequence[int], activation: str) -> jax.Array:
    # sqrt(2) orthogonal init with zero biases for hidden layers (Huang et al. 2022, detail 2)
    act = ACTIVATIONS[activation]
    for width in hidden:
        x = act(nn.Dense(width, kernel_init=nn.initializers.orthogonal(math.sqrt(2.0)))(x))
    return x


class GaussianPolicy(nn.Module):
    """Diagonal Gaussian policy: an MLP gives the mean, a free parameter vector the log-std.

    Orthogonal initialisation (gain sqrt(2) on hidden layers, 0.01 on the mean
    head, so the initial mean is near 0 for every observation) and a
    state-independent log-std, as in Huang et al. 2022, "The 37 Implementation
    Details of Proximal Policy Optimization" (ICLR blog track), details 2 and 5
    of the continuous-action list. ``hidden=()`` gives a linear policy.

    Returns ``(mean, log_std)``, the log-std broadcast to the mean's shape and
    clipped to ``[log_std_min, log_std_max]``.
    """

    hidden: tuple[int, ...]
    action_dim: int
    activation: str = "tanh"
    init_log_std: float = 0.0
    log_std_min: float = -5.0
    log_std_max: float = 2.0

    @nn.compact
    def __call__(self, obs: jax.Array) -> tuple[jax.Array, jax.Array]:
        x = _trunk(obs, self.hidden, self.activation)
        mean = nn.Dense(self.action_dim, kernel_init=nn.initializers.orthogonal(0.01))(x)
        log_std = self.param(
            "log_std", nn.initializers.constant(self.init_log_std), (self.action_dim,)
        )
        log_std = jnp.clip(log_std, self.log_std_min, self.log_std_max)
        return mean, jnp.broadcast_to(log_std, mean.shape)


class ValueNet(nn.Module):
    """State-value MLP -> scalar per observation (orthogonal init, gain 1 on the output)."""

    hidden: tuple[int, ...]
    activation: str = "tanh"

    @nn.compact
    def __call__(self, obs: jax.Array) -> jax.Array:
        x = _trunk(obs, self.hidden, self.activation)
        return nn.Dense(1, kernel_init=nn.initializers.orthogonal(1.0))(x)[..., 0]


def make_policy(cfg: Any) -> GaussianPolicy:
    """The policy network of a config."""
    return GaussianPolicy(
        cfg.hidden, cfg.action_dim, cfg.activation, cfg.init_log_std, cfg.log_std_min,
        cfg.log_std_max,
    )  # fmt: skip


def make_value(cfg: Any) -> ValueNet:
    """The value network of a config."""
    return ValueNet(cfg.value_hidden, cfg.activation)


# ------------------------------------------------------------------ POLICY
def policy_dist(cfg: Any, policy_params: Any, obs: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Mean and (clipped) log-std of the action distribution, on already-normalised obs."""
    return make_policy(cfg).apply(policy_params, obs)


@partial(jax.jit, static_argnums=0)
def sample(
    cfg: Any, policy_params: Any, obs: jax.Array, key: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """An unsquashed Gaussian action and its log-prob, on already-normalised obs.

    The action is not clipped (the env clips to [-1, 1]); the log-prob is that of
    the unclipped sample, which is what the policy-gradient ratio needs.
    """
    mean, log_std = policy_dist(cfg, policy_params, obs)
    action = mean + jnp.exp(log_std) * jax.random.normal(key, mean.shape)
    return action, gaussian_log_prob(mean, log_std, action)


@partial(jax.jit, static_argnums=0)
def value(cfg: Any, value_params: Any, obs: jax.Array) -> jax.Array:
    """V(obs) for already-normalised observations, shape ``obs.shape[:-1]``."""
    return make_value(cfg).apply(value_params, obs)


@partial(jax.jit, static_argnums=0)
def act_deterministic(
    cfg: Any, policy_params: Any, obs: jax.Array, obs_stats: ObsStats | None = None
) -> jax.Array:
    """The policy mean, for evaluation (unclipped; the env clips to [-1, 1]).

    Args:
        cfg: the config (static).
        policy_params: policy parameters.
        obs: observations; raw if ``obs_stats`` is given, else already normalised.
        obs_stats: the training run's statistics; when given (and ``cfg.normalize_obs``)
            the observations are normalised with them first.
    """
    if obs_stats is not None and cfg.normalize_obs:
        obs = normalize_obs(obs_stats, obs)
    return policy_dist(cfg, policy_params, obs)[0]


# ------------------------------------------------------------------ MINIBATCHES
def minibatch_indices(key: jax.Array, n: int, minibatches: int) -> jax.Array:
    """(minibatches, n // minibatches) indices of one random permutation of ``range(n)``.

    The last ``n % minibatches`` entries of the permutation are dropped, so every
    minibatch has the same (static) size and different samples drop each epoch.
    """
    size = n // minibatches
    if size == 0:
        raise ValueError(f"a batch of {n} samples cannot fill {minibatches} minibatches")
    return jax.random.permutation(key, n)[: size * minibatches].reshape(minibatches, size)


# ------------------------------------------------------------------ GAUSSIANS
_LOG_2PI = math.log(2.0 * math.pi)


def gaussian_log_prob(mean: jax.Array, log_std: jax.Array, x: jax.Array) -> jax.Array:
    """log N(x; mean, diag(exp(log_std)^2)), summed over the last axis."""
    z = (x - mean) * jnp.exp(-log_std)
    return jnp.sum(-0.5 * z**2 - log_std - 0.5 * _LOG_2PI, axis=-1)


def gaussian_entropy(log_std: jax.Array) -> jax.Array:
    """Entropy of a diagonal Gaussian, summed over the last axis."""
    return jnp.sum(log_std + 0.5 * (1.0 + _LOG_2PI), axis=-1)


def gaussian_kl(
    mean_p: jax.Array, log_std_p: jax.Array, mean_q: jax.Array, log_std_q: jax.Array
) -> jax.Array:
    """KL(p || q) of two diagonal Gaussians, summed over the last axis."""
    var_ratio = jnp.exp(2.0 * (log_std_p - log_std_q))
    mean_term = ((mean_p - mean_q) * jnp.exp(-log_std_q)) ** 2
    return jnp.sum(log_std_q - log_std_p + 0.5 * (var_ratio + mean_term - 1.0), axis=-1)


# ------------------------------------------------------------------ OBSERVATION STATISTICS
class ObsStats(NamedTuple):
    """Running mean and (population) variance of the observations seen so far."""

    count: jax.Array  # () float32: float so that 1e8+ samples do not overflow int32
    mean: jax.Array  # (D,)
    var: jax.Array  # (D,)


def init_obs_stats(dim: int) -> ObsStats:
    """No samples yet: mean 0 and variance 1, so normalising is the identity until updated."""
    return ObsStats(jnp.zeros((), jnp.float32), jnp.zeros(dim, jnp.float32),
                    jnp.ones(dim, jnp.float32))  # fmt: skip


def update_obs_stats(stats: ObsStats, x: jax.Array) -> ObsStats:
    """Merge a batch (any leading axes, last axis D) into the statistics.

    Chan, Golub and LeVeque's parallel algorithm: exact for any chunking, and the
    first batch replaces the initial mean 0 / variance 1 entirely (count 0).
    """
    x = jnp.asarray(x, jnp.float32).reshape(-1, stats.mean.shape[-1])
    b_count = jnp.float32(x.shape[0])
    b_mean, b_var = jnp.mean(x, axis=0), jnp.var(x, axis=0)
    total = stats.count + b_count
    delta = b_mean - stats.mean
    mean = stats.mean + delta * (b_count / total)
    m2 = stats.var * stats.count + b_var * b_count + delta**2 * (stats.count * b_count / total)
    return ObsStats(total, mean, m2 / total)


def normalize_obs(stats: ObsStats, x: jax.Array, clip: float = 10.0) -> jax.Array:
    """clip((x - mean) / sqrt(var + 1e-8), -clip, clip).

    The one-hot task slots of multi-task observations are normalised like any
    other entry: they stay two distinct values per slot, which is all the
    network needs.
    """
    z = (x - stats.mean) / jnp.sqrt(stats.var + 1e-8)
    return jnp.clip(z, -clip, clip)


# ------------------------------------------------------------------ ADVANTAGES
def gae(
    rewards: jax.Array,
    values: jax.Array,
    next_values: jax.Array,
    terminated: jax.Array,
    done: jax.Array,
    gamma: float,
    lam: float,
) -> tuple[jax.Array, jax.Array]:
    """Generalised advantage estimation (Schulman et al. 2016) over ``(T, W)`` arrays.

    ``next_values[t]`` is V of the true next observation of step t, so a step cut
    by the time limit bootstraps from it while a terminated step drops it.
    ``done = terminated | truncated`` stops the recursion at every episode end,
    so the next episode's advantages never leak into this one:

        delta_t = r_t + gamma (1 - terminated_t) next_values_t - values_t
        A_t     = delta_t + gamma lam (1 - done_t) A_{t+1}

    Returns:
        ``(advantages, returns)``, both ``(T, W)`` float32, with returns = advantages + values.
    """
    f32 = partial(jnp.asarray, dtype=jnp.float32)
    rewards, values, next_values = f32(rewards), f32(values), f32(next_values)
    not_term, not_done = 1.0 - f32(terminated), 1.0 - f32(done)
    deltas = rewards + gamma * not_term * next_values - values

    def step(next_adv, xs):
        delta, nd = xs
        adv = delta + gamma * lam * nd * next_adv
        return adv, adv

    _, adv = jax.lax.scan(step, jnp.zeros_like(deltas[0]), (deltas, not_done), reverse=True)
    return adv, adv + values


# ------------------------------------------------------------------ TRAINER
@partial(jax.jit, static_argnums=0)
def _act(cfg: Any, policy_params: Any, obs_stats: ObsStats, raw_obs: jax.Array, key: jax.Array):
    """Exploration actions of every world in one compiled call (normalise, then sample)."""
    obs = normalize_obs(obs_stats, raw_obs) if cfg.normalize_obs else raw_obs
    mean, log_std = policy_dist(cfg, policy_params, obs)
    action = mean + jnp.exp(log_std) * jax.random.normal(key, mean.shape)
    return action, gaussian_log_prob(mean, log_std, action)


@partial(jax.jit, static_argnums=0)
def _advantages(cfg: Any, state: Any, raw: dict) -> dict:
    """The flat training batch of one rollout: normalised obs, values, GAE advantages and returns.

    ``raw`` holds ``(T, W, ...)`` arrays of the rollout, ``final_obs`` (W, D) the
    observations after it (bootstrap of the worlds still running), and
    ``ended_obs`` (T, W, D) the true last observation of every episode that
    ended (zeros elsewhere; selected by ``done``).
    """
    norm = (lambda x: normalize_obs(state.obs_stats, x)) if cfg.normalize_obs else (lambda x: x)
    obs = norm(raw["obs"])
    v = value(cfg, state.value, obs)  # (T, W)
    v_final = value(cfg, state.value, norm(raw["final_obs"]))  # (W,)
    v_ended = value(cfg, state.value, norm(raw["ended_obs"]))  # (T, W), used where done
    following = jnp.concatenate([v[1:], v_final[None]], axis=0)
    next_v = jnp.where(raw["done"], v_ended, following)
    rewards = cfg.reward_scale * raw["reward"]
    adv, ret = gae(rewards, v, next_v, raw["terminated"], raw["done"], cfg.gamma, cfg.gae_lambda)
    flat = lambda x: x.reshape(-1, *x.shape[2:])
    return {"obs": flat(obs), "action": flat(raw["action"]), "log_prob": flat(raw["log_prob"]),
            "advantage": flat(adv), "return": flat(ret), "value": flat(v)}  # fmt: skip


class OnPolicyTrainer:
    """Collection for the harness, shared by PPO, TRPO and their multi-task forms.

    Each :meth:`iterate` is one iteration of the algorithm: ``rollout_steps``
    vector steps of every world with the stochastic policy (one compiled call
    per step for all worlds, then one batched physics call per task), GAE over
    the whole ``(T, W)`` rollout in one compiled call, one ``update`` call, and
    the observation statistics updated with the rollout's observations (so the
    rollout was acted on, and is trained on, with the same normalisation).
    Every task has the same number of worlds, so each contributes the same
    number of steps to every batch.

    Args:
        cfg: the algorithm's config (``rollout_steps``, ``gamma``, ``gae_lambda``,
            ``reward_scale``, ``normalize_obs`` and the network fields).
        run: the run config (unused; the harness owns the env).
        env: the benchmark env (its world count sizes the buffers).
        seed: seed of the networks and the action noise.
        init_state: ``(cfg, key) -> state`` of the algorithm (a NamedTuple with
            ``policy``, ``value`` and ``obs_stats``).
        update: the algorithm's jitted ``(cfg, state, batch, key) -> (state, metrics)``.
    """

    def __init__(self, cfg: Any, run: Any, env: Any, seed: int, *, init_state, update):
        self.cfg = cfg
        self._update = update
        self.key, k_init = jax.random.split(jax.random.key(seed))
        self.state = init_state(cfg, k_init)
        w, d = int(env.num_worlds), cfg.obs_dim
        t = cfg.rollout_steps
        self._buf = {
            "obs": np.zeros((t, w, d), np.float32),
            "action": np.zeros((t, w, cfg.action_dim), np.float32),
            "log_prob": np.zeros((t, w), np.float32),
            "reward": np.zeros((t, w), np.float32),
            "terminated": np.zeros((t, w), bool),
            "done": np.zeros((t, w), bool),
            "ended_obs": np.zeros((t, w, d), np.float32),
        }

    def iterate(self, collector: Any, env_steps: int) -> tuple[int, dict[str, float]]:
        """One rollout of ``rollout_steps`` vector steps, then one update (see the class docstring)."""
        cfg, buf = self.cfg, self._buf
        t_start = time.perf_counter()
        policy_s = 0.0
        # COLLECT TRAJECTORIES
        buf["ended_obs"][...] = 0.0
        for t in range(cfg.rollout_steps):
            t_pol = time.perf_counter()
            self.key, k_act = jax.random.split(self.key)
            obs = collector.obs
            action, log_prob = _act(cfg, self.state.policy, self.state.obs_stats, obs, k_act)
            action = np.asarray(action)
            policy_s += time.perf_counter() - t_pol
            step = collector.step(action)
            buf["obs"][t] = obs
            buf["action"][t] = action
            buf["log_prob"][t] = log_prob
            buf["reward"][t] = step.reward
            buf["terminated"][t] = step.terminated
            buf["done"][t] = step.done
            if step.ended.size:
                buf["ended_obs"][t, step.ended] = step.next_obs[step.ended]
        t_collect = time.perf_counter()

        # ADVANTAGES AND UPDATE
        batch = _advantages(cfg, self.state, {**buf, "final_obs": collector.obs})
        self.key, k_upd = jax.random.split(self.key)
        decay = getattr(cfg, "lr_decay_steps", 0)  # PPO's linear learning-rate decay, if set
        schedule = {"lr_scale": max(0.0, 1.0 - env_steps / decay)} if decay else {}
        state, metrics = self._update(cfg, self.state, batch, k_upd, **schedule)
        if cfg.normalize_obs:
            stats = update_obs_stats(state.obs_stats, buf["obs"].reshape(-1, buf["obs"].shape[-1]))
            state = state._replace(obs_stats=stats)
        self.state = state
        metrics = {k: float(v) for k, v in metrics.items()}
        t_end = time.perf_counter()
        metrics.update(
            time_policy_s=policy_s,
            time_env_s=t_collect - t_start - policy_s,
            time_update_s=t_end - t_collect,
        )
        return 1, metrics

    def policy(self, info: dict[str, Any]) -> OnPolicyAgent:
        """The deterministic evaluation policy (the Gaussian mean) with the run's obs statistics."""
        return OnPolicyAgent(self.cfg, self.state.policy, self.state.obs_stats, info)

    def arrays(self) -> dict[str, dict[str, np.ndarray]]:
        """Networks, optimiser state, observation statistics and the PRNG key."""
        return {"state": {**flatten(self.state, "state"), **flatten(self.key, "key")}}

    def meta(self) -> dict[str, Any]:
        """Nothing beyond the arrays: every random draw comes from the stored key."""
        return {}

    def restore(self, arrays: dict[str, dict[str, np.ndarray]], meta: dict, env_steps: int) -> None:
        """Continue from a checkpoint's arrays."""
        self.state = unflatten(self.state, arrays["state"], "state", "state.npz")
        self.key = unflatten(self.key, arrays["state"], "key", "state.npz")


class OnPolicyAgent:
    """A trained on-policy policy as an evaluation ``Agent``: the Gaussian mean, clipped.

    Observations are normalised with the training run's final statistics.
    """

    def __init__(self, cfg: Any, policy_params: Any, obs_stats: ObsStats, info: dict[str, Any]):
        self.cfg = cfg
        self.params = policy_params
        self.obs_stats = obs_stats
        self.name = info.get("algo", "ppo")
        self.config = dict(info)

    def act(self, obs: np.ndarray) -> np.ndarray:
        """(W, 4) deterministic actions in [-1, 1]."""
        obs = np.asarray(obs, np.float32)
        if obs.ndim != 2 or obs.shape[1] != self.cfg.obs_dim:
            raise ValueError(
                f"{self.name} was trained on {self.cfg.obs_dim}-d observations but got shape "
                f"{obs.shape}; evaluate with the one-hot setting it trained with"
            )
        mean = act_deterministic(self.cfg, self.params, obs, self.obs_stats)
        return np.clip(np.asarray(mean, np.float64), -1.0, 1.0)


def policy_loader(init_state):
    """A registry ``load_policy`` for an algorithm whose state has ``policy`` and ``obs_stats``."""

    def load_policy(cfg: Any, state_arrays: dict[str, np.ndarray], info: dict) -> OnPolicyAgent:
        template = init_state(cfg, jax.random.key(0))
        source = f"{info.get('checkpoint', '?')}/state.npz"
        state = unflatten(template, state_arrays, "state", source)
        return OnPolicyAgent(cfg, state.policy, state.obs_stats, info)

    return load_policy
