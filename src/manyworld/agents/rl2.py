"""RL² (Duan et al. 2016, "RL²: Fast Reinforcement Learning via Slow Reinforcement
Learning", arXiv 1611.02779; Wang et al. 2016): a recurrent policy trained with PPO over
whole trials, so that its hidden state is the adaptation.

A *trial* is ``episodes_per_trial`` consecutive episodes of one (task, variation).
The policy reads the RL² observation (the observation with the previous action,
reward and done flag appended, :class:`~manyworld.benchmarks.wrappers.RL2Observation`)
through an MLP encoder and a GRU whose hidden state starts at zero with the
trial and is carried across its episodes: what it learned about the hidden goal
in the first episodes is what it acts on in the later ones. Meta-training
maximises the return of whole trials.

Read top to bottom: config, the recurrent network (policy mean, state-independent
log-std and value head on one GRU), collection of one trial per world per
iteration, GAE over the trial, and the PPO update with truncated backpropagation
through time over chunks of ``chunk_length`` steps (each chunk starts from the
hidden state the collecting policy had there). Then the evaluation agent, a
``MetaAgent`` whose ``act`` advances the hidden state and whose ``adapt`` has
nothing left to do.

Defaults follow Meta-World+'s RL² (``rainx0r/metaworld-algorithms``,
``examples/meta_learning/rl2_ml10.py``: encoder 2x256 tanh, GRU 256, Adam 5e-4,
clip 0.2, GAE lambda 0.95, 10 epochs, BPTT chunks of 250, entropy 5e-3) and
the Meta-World paper v2 (Yu et al., arXiv 1910.10897v2, App. D: 10 episodes per
trial). Differences, on purpose: the value is a head on the GRU (theirs is a
linear feature baseline, which cannot see the trial's history), and chunks do
not overlap (theirs overlap by 50 steps).
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
    check_widths,
    gae,
    gaussian_entropy,
    gaussian_log_prob,
    init_obs_stats,
    normalize_obs,
    update_obs_stats,
)
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
class RL2Config:
    """Hyperparameters of RL² (PPO on a GRU policy over trials)."""

    hidden: tuple[int, ...] = option(
        (256, 256), "encoder MLP widths before the GRU [Meta-World+ rl2_ml10.py: 2 x 256 tanh]"
    )
    gru_size: int = option(256, "GRU hidden size [Meta-World paper App. D; Meta-World+: 256]")
    activation: str = option("tanh", "encoder activation, tanh or relu [Meta-World+]")
    init_log_std: float = option(0.0, "initial policy log-std (std 1) [Huang et al. 2022]")
    log_std_min: float = option(-5.0, "lower clip of the policy log-std")
    log_std_max: float = option(2.0, "upper clip of the policy log-std")
    meta_batch: int = option(
        20, "(task, variation) pairs per meta-batch, one world each [Meta-World+: 20 (ML10)]"
    )
    episodes_per_trial: int = option(
        10, "episodes of one (task, variation) per trial [Meta-World paper App. D: 10 rollouts]"
    )
    chunk_length: int = option(
        250, "BPTT chunk length in steps; must divide the trial length [Meta-World+: 250]"
    )
    gamma: float = option(0.99, "discount, across the episodes of a trial [Meta-World+]")
    gae_lambda: float = option(0.95, "GAE lambda [Meta-World paper App. D / Meta-World+]")
    lr: float = option(5e-4, "Adam learning rate [Meta-World paper App. D / Meta-World+]")
    adam_eps: float = option(1e-5, "Adam epsilon [Meta-World+]")
    max_grad_norm: float = option(1.0, "global gradient-norm clip, 0 for none [Meta-World+]")
    clip: float = option(0.2, "PPO ratio clip epsilon [Meta-World paper App. D]")
    entropy_coef: float = option(5e-3, "entropy bonus weight [Meta-World+]")
    value_coef: float = option(0.5, "value-loss weight in the joint loss [cleanrl / PPO2]")
    epochs: int = option(10, "passes over each batch [Meta-World paper App. D / Meta-World+]")
    minibatches: int = option(
        4, "minibatches of chunks per epoch (chunks per minibatch = chunks // minibatches)"
    )
    eval_sample: bool = option(
        True,
        "meta-test with sampled actions, not the policy mean: RL² explores through its noise "
        "(ML1 reach, 2M env steps: 0.62 meta-test success sampled, 0.15 with the mean)",
    )
    normalize_advantages: bool = option(True, "normalise advantages per minibatch")
    normalize_obs: bool = option(True, "normalise observations with running statistics")
    reward_scale: float = option(1.0, "rewards are multiplied by this before GAE [no scaling]")
    num_tasks: int = option(1, "meta-training tasks; set by the trainer")
    obs_dim: int = option(0, "RL² observation size (0: unset); set by the trainer")
    action_dim: int = option(4, "action size (Meta-World: 4); set by the trainer")

    def __post_init__(self) -> None:
        check_widths(self, "hidden")
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}"
            )
        if not self.log_std_min <= self.init_log_std <= self.log_std_max:
            raise ValueError(
                f"need log_std_min <= init_log_std <= log_std_max, got {self.log_std_min}, "
                f"{self.init_log_std}, {self.log_std_max}"
            )
        check_positive_int(
            self, "gru_size", "meta_batch", "episodes_per_trial", "chunk_length", "epochs", "minibatches",
            "num_tasks", "action_dim",
        )  # fmt: skip
        check_positive_float(self, "lr", "adam_eps", "clip", "reward_scale")
        check_non_negative(self, "max_grad_norm", "entropy_coef", "value_coef")
        check_fraction(self, "gamma", "gae_lambda")
        if isinstance(self.obs_dim, bool) or not isinstance(self.obs_dim, int) or self.obs_dim < 0:
            raise ValueError(f"obs_dim must be an integer >= 0 (0: unset), got {self.obs_dim!r}")

    def replace(self, **kw: Any) -> RL2Config:
        return dataclasses.replace(self, **kw)


# ------------------------------------------------------------------ NETWORK
class RecurrentActorCritic(nn.Module):
    """One step: ``(h, obs) -> (h', mean, log_std, value)``.

    The observation goes through the encoder MLP into a GRU cell; the policy
    mean (orthogonal init, gain 0.01) and the value (gain 1) are linear heads on
    the GRU output, and the log-std is a free parameter vector. Works on any
    leading batch shape.
    """

    hidden: tuple[int, ...]
    gru_size: int
    action_dim: int
    activation: str = "tanh"
    init_log_std: float = 0.0
    log_std_min: float = -5.0
    log_std_max: float = 2.0

    @nn.compact
    def __call__(self, h: jax.Array, obs: jax.Array):
        act = ACTIVATIONS[self.activation]
        x = obs
        for width in self.hidden:
            x = act(nn.Dense(width, kernel_init=nn.initializers.orthogonal(math.sqrt(2.0)))(x))
        h, y = nn.GRUCell(self.gru_size)(h, x)
        mean = nn.Dense(self.action_dim, kernel_init=nn.initializers.orthogonal(0.01))(y)
        value = nn.Dense(1, kernel_init=nn.initializers.orthogonal(1.0))(y)[..., 0]
        log_std = self.param(
            "log_std", nn.initializers.constant(self.init_log_std), (self.action_dim,)
        )
        log_std = jnp.clip(log_std, self.log_std_min, self.log_std_max)
        return h, mean, jnp.broadcast_to(log_std, mean.shape), value


def make_network(cfg: RL2Config) -> RecurrentActorCritic:
    """The network of a config."""
    return RecurrentActorCritic(
        cfg.hidden, cfg.gru_size, cfg.action_dim, cfg.activation, cfg.init_log_std,
        cfg.log_std_min, cfg.log_std_max,
    )  # fmt: skip


def unroll(cfg: RL2Config, params: Any, h0: jax.Array, obs: jax.Array):
    """Run the network over ``(T, B, D)`` normalised observations from hidden states ``h0`` (B, G).

    Returns ``(h_T, (mean, log_std, value))`` with time-major outputs (T, B, ...).
    """
    net = make_network(cfg)

    def step(h, o):
        h, mean, log_std, v = net.apply(params, h, o)
        return h, (mean, log_std, v)

    return jax.lax.scan(step, h0, obs)


# ------------------------------------------------------------------ STATE
class RL2State(NamedTuple):
    """Network parameters, optimiser state, observation statistics and the iteration count."""

    params: Any
    opt_state: Any
    obs_stats: ObsStats  # updated by the trainer after each update
    updates: jax.Array  # int32: iterations (trials per world) so far


def _optimizer(cfg: RL2Config) -> optax.GradientTransformation:
    return adam_optimizer(cfg.lr, cfg.adam_eps, cfg.max_grad_norm)


def init_state(cfg: RL2Config, key: jax.Array) -> RL2State:
    """Fresh network, optimiser state and empty observation statistics."""
    if cfg.obs_dim <= 0:
        raise ValueError("RL2Config.obs_dim must be set (the trainer sets it from the env)")
    params = make_network(cfg).init(
        key, jnp.zeros((1, cfg.gru_size)), jnp.zeros((1, cfg.obs_dim))
    )
    return RL2State(params, _optimizer(cfg).init(params), init_obs_stats(cfg.obs_dim),
                    jnp.zeros((), jnp.int32))  # fmt: skip


# ------------------------------------------------------------------ ACTING
def _normalize(cfg: RL2Config, stats: ObsStats, obs: jax.Array) -> jax.Array:
    return normalize_obs(stats, obs) if cfg.normalize_obs else obs


@partial(jax.jit, static_argnums=0)
def _explore(cfg: RL2Config, params, stats: ObsStats, h, raw_obs, key):
    """One step of every world in one compiled call (per-call overhead is most of the cost
    at tens of worlds): the next key, the new hidden state, and the sampled action, its
    log-prob, the value and the new hidden state packed as one (W, A + 2 + G) array, which
    is all the host reads."""
    key, k_noise = jax.random.split(key)
    h, mean, log_std, v = make_network(cfg).apply(params, h, _normalize(cfg, stats, raw_obs))
    action = mean + jnp.exp(log_std) * jax.random.normal(k_noise, mean.shape)
    log_prob = gaussian_log_prob(mean, log_std, action)
    return key, h, jnp.concatenate([action, log_prob[:, None], v[:, None], h], axis=1)


@partial(jax.jit, static_argnums=0)
def _act_eval(cfg: RL2Config, params, stats: ObsStats, h, raw_obs, active, key):
    """The evaluation action (the mean, or a sample with ``cfg.eval_sample``), the new hidden
    state of the ``active`` worlds (the others keep theirs) and the next key."""
    key, k_noise = jax.random.split(key)
    h_new, mean, log_std, _ = make_network(cfg).apply(params, h, _normalize(cfg, stats, raw_obs))
    if cfg.eval_sample:
        mean = mean + jnp.exp(log_std) * jax.random.normal(k_noise, mean.shape)
    return jnp.where(active[:, None], h_new, h), mean, key


# ------------------------------------------------------------------ UPDATE
def _loss(cfg: RL2Config, params: Any, mb: dict):
    _, (mean, log_std, v) = unroll(cfg, params, mb["h0"], mb["obs"])
    log_ratio = gaussian_log_prob(mean, log_std, mb["action"]) - mb["log_prob"]
    ratio = jnp.exp(log_ratio)
    adv = mb["advantage"]
    if cfg.normalize_advantages:
        adv = (adv - jnp.mean(adv)) / (jnp.std(adv) + 1e-8)
    surrogate = jnp.minimum(ratio * adv, jnp.clip(ratio, 1.0 - cfg.clip, 1.0 + cfg.clip) * adv)
    policy_loss = -jnp.mean(surrogate)
    value_loss = 0.5 * jnp.mean((v - mb["return"]) ** 2)
    entropy = jnp.mean(gaussian_entropy(log_std))
    loss = policy_loss + cfg.value_coef * value_loss - cfg.entropy_coef * entropy
    return loss, {
        "policy_loss": policy_loss,
        "value_loss": value_loss,
        "entropy": entropy,
        "approx_kl": jnp.mean((ratio - 1.0) - log_ratio),
        "clip_fraction": jnp.mean((jnp.abs(ratio - 1.0) > cfg.clip).astype(jnp.float32)),
        "std": jnp.mean(jnp.exp(log_std)),
    }


@partial(jax.jit, static_argnums=0)
def update(cfg: RL2Config, state: RL2State, batch: dict, key: jax.Array):
    """``cfg.epochs`` epochs of minibatch Adam steps over the chunks of one batch of trials.

    Args:
        batch: chunk-major arrays over N chunks of L steps: ``h0`` (N, G), the hidden
            state the collecting policy had at each chunk's first step; ``obs``
            (L, N, D), normalised; ``action`` (L, N, A); ``log_prob``,
            ``advantage`` and ``return`` (L, N).

    Returns:
        The new state (``obs_stats`` unchanged) and the last epoch's mean metrics.
    """
    n = batch["h0"].shape[0]
    size = n // cfg.minibatches
    tx = _optimizer(cfg)

    def minibatch_step(carry, idx):
        params, opt_state = carry
        mb = {k: (v[idx] if k == "h0" else v[:, idx]) for k, v in batch.items()}
        grads, metrics = jax.grad(partial(_loss, cfg), has_aux=True)(params, mb)
        upd, opt_state = tx.update(grads, opt_state, params)
        return (optax.apply_updates(params, upd), opt_state), metrics

    def epoch(carry, k):
        idx = jax.random.permutation(k, n)[: size * cfg.minibatches].reshape(cfg.minibatches, size)
        carry, metrics = jax.lax.scan(minibatch_step, carry, idx)
        return carry, jax.tree.map(jnp.mean, metrics)

    keys = jax.random.split(key, cfg.epochs)
    (params, opt_state), metrics = jax.lax.scan(epoch, (state.params, state.opt_state), keys)
    new = RL2State(params, opt_state, state.obs_stats, state.updates + 1)
    return new, jax.tree.map(lambda m: m[-1], metrics)


@partial(jax.jit, static_argnums=0)
def _trial_batch(cfg: RL2Config, stats: ObsStats, raw: dict) -> dict:
    """GAE over whole trials and the chunk-major training batch.

    ``raw`` holds (T, W, ...) arrays of one trial per world and ``h`` (T, W, G),
    the hidden state before every step. A trial is one long episode: episode
    ends inside it do not stop the advantage recursion (later episodes are what
    exploring in earlier ones is for), and its end is terminal (the next trial
    is another task).
    """
    t, w = raw["reward"].shape
    last = jnp.zeros((t, w), bool).at[-1].set(True)
    v = raw["value"]
    next_v = jnp.concatenate([v[1:], jnp.zeros_like(v[:1])], axis=0)
    adv, ret = gae(cfg.reward_scale * raw["reward"], v, next_v, last, last, cfg.gamma,
                   cfg.gae_lambda)  # fmt: skip
    length = cfg.chunk_length
    k = t // length

    def chunks(x):  # (T, W, ...) -> (L, K * W, ...), chunk j of world i at column j * W + i
        x = x.reshape(k, length, w, *x.shape[2:])
        return jnp.moveaxis(x, 1, 0).reshape(length, k * w, *x.shape[3:])

    return {
        "h0": raw["h"][::length].reshape(k * w, -1),
        "obs": chunks(_normalize(cfg, stats, raw["obs"])),
        "action": chunks(raw["action"]),
        "log_prob": chunks(raw["log_prob"]),
        "advantage": chunks(adv),
        "return": chunks(ret),
    }


# ------------------------------------------------------------------ TRAINER
METRIC_KEYS = ("policy_loss", "value_loss", "entropy", "approx_kl", "clip_fraction", "std",
               "time_policy_s", "time_env_s", "time_update_s")  # fmt: skip


class RL2Trainer:
    """The harness's trainer: one trial per world per iteration, then one PPO update.

    Each :meth:`iterate` draws a fresh meta-batch of (task, variation) pairs from
    the benchmark's train split (from the seed and the iteration number, so a
    resumed run draws the same ones), lays the worlds out as it, and runs
    ``episodes_per_trial`` full episodes in every world with the hidden state
    starting at zero. Training episodes run to the horizon (no early end on
    success), so every world's trial has the same length and the worlds stay in
    step.
    """

    def __init__(self, cfg: RL2Config, run: Any, env: Any, seed: int):
        self.cfg = cfg
        self.seed = seed
        self.bench = env.benchmark
        self.trial_length = cfg.episodes_per_trial * int(env.max_episode_steps)
        if self.trial_length % cfg.chunk_length:
            raise ValueError(
                f"chunk_length ({cfg.chunk_length}) must divide the trial length "
                f"({cfg.episodes_per_trial} episodes x {env.max_episode_steps} steps)"
            )
        chunks = self.trial_length // cfg.chunk_length * int(env.num_worlds)
        if chunks < cfg.minibatches:
            raise ValueError(
                f"{chunks} chunks per batch cannot fill {cfg.minibatches} minibatches; "
                "lower --minibatches or --chunk-length, or add worlds"
            )
        self.key, k_init = jax.random.split(jax.random.key(seed))
        self.state = init_state(cfg, k_init)

    def iterate(self, collector: Any, env_steps: int) -> tuple[int, dict[str, float]]:
        """One trial in every world (see the class docstring), then one update."""
        from manyworld.benchmarks.sampling import sample_tasks

        cfg, t_len = self.cfg, self.trial_length
        t_start = time.perf_counter()
        iteration = int(self.state.updates)
        pairs = sample_tasks(self.bench, collector.num_worlds, split="train",
                             rng=np.random.default_rng([self.seed, iteration]))  # fmt: skip
        collector.set_tasks(pairs, seed=int(np.random.SeedSequence([self.seed, iteration, 1])
                                           .generate_state(1)[0]))  # fmt: skip
        w, d = collector.num_worlds, cfg.obs_dim
        buf = {
            "obs": np.zeros((t_len, w, d), np.float32),
            "h": np.zeros((t_len, w, cfg.gru_size), np.float32),
            "action": np.zeros((t_len, w, cfg.action_dim), np.float32),
            "log_prob": np.zeros((t_len, w), np.float32),
            "value": np.zeros((t_len, w), np.float32),
            "reward": np.zeros((t_len, w), np.float32),
        }
        h = jnp.zeros((w, cfg.gru_size), jnp.float32)  # buf["h"][0] is zero too
        a = cfg.action_dim
        key = self.key
        policy_s = 0.0
        # COLLECT ONE TRIAL PER WORLD
        for t in range(t_len):
            t_pol = time.perf_counter()
            obs = collector.obs
            key, h, out = _explore(cfg, self.state.params, self.state.obs_stats, h, obs, key)
            out = np.asarray(out)
            action = out[:, :a]
            policy_s += time.perf_counter() - t_pol
            step = collector.step(action)
            buf["obs"][t] = obs
            buf["action"][t] = action
            buf["log_prob"][t] = out[:, a]
            buf["value"][t] = out[:, a + 1]
            if t + 1 < t_len:
                buf["h"][t + 1] = out[:, a + 2 :]
            buf["reward"][t] = step.reward
        self.key = key
        t_collect = time.perf_counter()

        # ADVANTAGES AND UPDATE
        batch = _trial_batch(cfg, self.state.obs_stats, buf)
        self.key, k_upd = jax.random.split(self.key)
        state, metrics = update(cfg, self.state, batch, k_upd)
        if cfg.normalize_obs:
            state = state._replace(obs_stats=update_obs_stats(state.obs_stats, buf["obs"]))
        self.state = state
        metrics = {k: float(v) for k, v in metrics.items()}
        metrics.update(
            time_policy_s=policy_s,
            time_env_s=t_collect - t_start - policy_s,
            time_update_s=time.perf_counter() - t_collect,
        )
        return 1, metrics

    def policy(self, info: dict[str, Any]) -> RL2Agent:
        """The meta-test agent of the current parameters."""
        return RL2Agent(self.cfg, self.state.params, self.state.obs_stats, info)

    def arrays(self) -> dict[str, dict[str, np.ndarray]]:
        """Network, optimiser state, observation statistics, iteration count and PRNG key."""
        return {"state": {**flatten(self.state, "state"), **flatten(self.key, "key")}}

    def meta(self) -> dict[str, Any]:
        """Nothing beyond the arrays: meta-batches are drawn from the seed and iteration."""
        return {}

    def restore(self, arrays: dict[str, dict[str, np.ndarray]], meta: dict, env_steps: int) -> None:
        """Continue from a checkpoint's arrays."""
        self.state = unflatten(self.state, arrays["state"], "state", "state.npz")
        self.key = unflatten(self.key, arrays["state"], "key", "state.npz")


# ------------------------------------------------------------------ META-TEST AGENT
class RL2Agent:
    """A trained RL² policy as a ``MetaAgent``: adaptation is the hidden state.

    ``init()`` starts a trial (hidden state zero). ``act(obs, active)`` returns
    the policy mean (a sample with ``eval_sample``; its noise is drawn from a key
    seeded at construction, so an evaluation is reproducible) and advances the hidden state of the worlds in ``active``
    only, so a world that waits for the others to finish their episode keeps its
    memory unchanged. ``adapt(rollouts)`` does nothing: the hidden state has
    already read the adaptation episodes while acting in them, and carries them
    into the evaluation episodes of the same trial.
    """

    recurrent = True
    rl2_observation = True

    def __init__(self, cfg: RL2Config, params: Any, obs_stats: ObsStats, info: dict[str, Any]):
        self.cfg = cfg
        self.params = params
        self.obs_stats = obs_stats
        self.name = info.get("algo", "rl2")
        self.config = dict(info)
        self._h: jax.Array | None = None
        self._key = jax.random.key(int(info.get("seed", 0)))

    def init(self) -> None:
        """A new trial: forget everything."""
        self._h = None

    def adapt(self, rollouts: Any) -> None:
        """Nothing to do: the adaptation episodes are already in the hidden state."""

    def act(self, obs: np.ndarray, active: np.ndarray | None = None) -> np.ndarray:
        """(W, 4) actions in [-1, 1]; ``active`` (W,) masks whose memory advances."""
        obs = np.asarray(obs, np.float32)
        if obs.ndim != 2 or obs.shape[1] != self.cfg.obs_dim:
            raise ValueError(
                f"{self.name} was trained on {self.cfg.obs_dim}-d RL² observations but got shape "
                f"{obs.shape}; evaluate it with RL² observations (rl2_observation=True)"
            )
        w = obs.shape[0]
        if self._h is None or self._h.shape[0] != w:
            self._h = jnp.zeros((w, self.cfg.gru_size), jnp.float32)
        active = np.ones(w, bool) if active is None else np.asarray(active, bool)
        self._h, action, self._key = _act_eval(self.cfg, self.params, self.obs_stats, self._h,
                                               obs, active, self._key)  # fmt: skip
        return np.clip(np.asarray(action, np.float64), -1.0, 1.0)


def load_policy(cfg: RL2Config, state_arrays: dict[str, np.ndarray], info: dict) -> RL2Agent:
    """The registry's policy loader: the agent of a checkpoint's ``state`` arrays."""
    template = init_state(cfg, jax.random.key(0))
    state = unflatten(template, state_arrays, "state", f"{info.get('checkpoint', '?')}/state.npz")
    return RL2Agent(cfg, state.params, state.obs_stats, info)


#: CPU preset, measured here (docs/meta-learning.md): a smaller encoder and GRU than
#: Meta-World+'s (the update's BPTT dominates an iteration on CPU), rewards x 0.1 as for the
#: on-policy presets, and chunks of 100 steps in 25 minibatches x 4 epochs = 100 Adam steps per
#: 100k-transition iteration (with chunks of 250 in 4 minibatches x 5 epochs, 20 steps, ML1
#: reach stayed at 0.2 train success over 1.5M env steps; with these it passed 0.6 at 700k).
RL2_FAST = RL2Config(hidden=(128,), gru_size=128, chunk_length=100, minibatches=25, epochs=4,
                     reward_scale=0.1)  # fmt: skip
RL2_FAST_RUN = {"eval_interval": 1_000_000, "log_interval": 100_000,
                "checkpoint_interval": 500_000, "eval_variations": 40}  # fmt: skip

register(
    AlgoSpec(
        name="rl2",
        summary="RL² (Duan et al. 2016): PPO on a GRU policy whose memory spans a trial",
        config=RL2_FAST,
        run=RL2_FAST_RUN,
        make_trainer=RL2Trainer,
        load_policy=load_policy,
        meta=True,
        env_options=lambda cfg: {"rl2": True},
        resume_mutable=frozenset({"eval_sample"}),
        metric_keys=METRIC_KEYS,
    )
)
