"""Reptile (Nichol, Achiam and Schulman 2018, "On First-Order Meta-Learning Algorithms",
arXiv 1803.02999) with PPO as the inner learner: meta-learn an initialisation φ from which a
few PPO updates on one task's episodes give a good policy for that task.

Each iteration draws a meta-batch of ``meta_batch`` (task, variation) pairs from the train
split, one world each, and runs ``rollouts_per_task`` full episodes in every world with the
stochastic policy π_φ. Then each world adapts on its own episodes only: ``inner_steps``
PPO updates (:func:`manyworld.agents.ppo.update`: ``epochs`` passes of ``minibatches`` Adam
steps each) turn φ into θ_i, all worlds at once as one ``jax.vmap`` over per-world parameter
copies. The outer step moves φ towards the adapted parameters (Reptile's batched form,
Algorithm 2 of the paper)::

    φ ← φ + ε · mean_i(θ_i − φ)

with ε falling linearly from ``meta_step`` to ``meta_step_final`` over ``anneal_iterations``
iterations, then staying there (0: constant ``meta_step``). The schedule counts iterations
(a config field) rather than the run's step budget, so extending a run with ``--resume``
does not rewrite the steps already taken.

Read top to bottom: config, state, the inner loop (per-world data, GAE, PPO updates) and the
outer step, the trainer, and the meta-test agent: ``init()`` resets every world to φ,
``act`` samples π_φ during the adaptation episodes, ``adapt(rollouts)`` runs the same inner
loop on each world's own episodes, and ``act`` then returns each world's adapted mean.

Sources: the paper; ``openai/supervised-reptile`` (README: ``--meta-step 1
--meta-step-final 0``; ``supervised_reptile/train.py``: the linear anneal of the meta step);
Meta-World+ ``rainx0r/metaworld-algorithms`` (``metaworld_algorithms/config/rl.py``:
meta-batch 20, 10 rollouts per task) for the meta-RL sizes; PPO's defaults as
:class:`~manyworld.agents.ppo.PPOConfig` (Meta-World paper v2, App. D).

Choices and differences, on purpose:

- Training does what meta-test can do. The ML protocol acts with φ through all 10
  adaptation episodes and calls ``adapt`` once, so training collects once with φ too and
  runs every inner update on that one batch (behaviour log-probs are φ's; before each
  inner step the advantages are recomputed with the world's current value function).
  Collecting fresh episodes with θ_i between inner steps would train a procedure that
  meta-test never runs. Reptile needs no episodes after adaptation (it is first-order and
  has no outer loss), so an iteration costs ``meta_batch x rollouts_per_task`` episodes.
  What still differs: the protocol's adaptation episodes end at success while training
  episodes run to the horizon, so a world that succeeds adapts on fewer distinct steps.
- Rollouts carry the actions clipped to [-1, 1] and no log-probs, so the behaviour
  log-probs are recomputed under φ on the clipped actions, in training as well, so that
  both run the same computation (for a clipped action this is the Gaussian density at the
  clip point, the usual approximation).
- The value function is meta-learned with the policy: φ holds both, each world adapts its
  own copy of both, and the outer step moves both. Meta-World episodes have no terminal
  states, so every episode end (the horizon, or success in the protocol's adaptation
  episodes, which end there) bootstraps from the value of the episode's last observation
  (the protocol's rollouts do not record the observation after it).
- Observation statistics are shared: running statistics over every world's training
  episodes, updated after each iteration (as the on-policy trainer does) and fixed at
  meta-test.
- Each inner loop starts a fresh Adam state (every world, iteration and ``adapt`` call).
  ``supervised-reptile`` keeps Adam's moments across tasks (it resets the trainable
  variables only) and uses Adam with beta1 = 0 (``supervised_reptile/models.py``); here
  Adam is PPO's, beta1 = 0.9.
- At meta-test an episode that ends early (success) leaves padding in the rollouts; each
  world's batch is filled back to the padded size with its own valid steps, repeated in a
  random order, so every world makes the same number of Adam steps on minibatches of the
  same size as with full episodes.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from manyworld.agents import ppo
from manyworld.agents.onpolicy import (
    ObsStats,
    check_non_negative,
    check_policy_fields,
    gae,
    gaussian_log_prob,
    init_obs_stats,
    normalize_obs,
    policy_dist,
    update_obs_stats,
    value,
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
class ReptileConfig:
    """Hyperparameters of Reptile with a PPO inner loop."""

    hidden: tuple[int, ...] = option(
        (512, 512), "policy hidden widths [as PPOConfig: Meta-World paper App. D, 512 x 2]"
    )
    value_hidden: tuple[int, ...] = option(
        (512, 512), "value-function hidden widths [as PPOConfig: Meta-World paper App. D]"
    )
    activation: str = option("tanh", "hidden activation, tanh or relu [Meta-World paper App. D]")
    init_log_std: float = option(0.0, "initial policy log-std (std 1) [Huang et al. 2022]")
    log_std_min: float = option(-5.0, "lower clip of the policy log-std")
    log_std_max: float = option(2.0, "upper clip of the policy log-std")
    meta_batch: int = option(
        20, "(task, variation) pairs per meta-batch, one world each [Meta-World+ config/rl.py: 20]"
    )
    rollouts_per_task: int = option(
        10,
        "episodes per world per iteration, the inner loop's data [Meta-World+: 10; the ML "
        "protocol's adaptation episodes: 10]",
    )
    inner_steps: int = option(
        1,
        "PPO updates per inner loop on the one batch, each `epochs` x `minibatches` Adam steps "
        "[Meta-World+ MAML: 1 inner step]",
    )
    meta_step: float = option(1.0, "outer step size epsilon [supervised-reptile: --meta-step 1]")
    meta_step_final: float = option(
        0.0, "epsilon after annealing [supervised-reptile: --meta-step-final 0]"
    )
    anneal_iterations: int = option(
        0,
        "iterations over which epsilon falls linearly to meta_step_final, then stays; 0: "
        "constant meta_step [supervised-reptile anneals over its whole run]",
    )
    gamma: float = option(0.99, "discount [Meta-World+]")
    gae_lambda: float = option(0.97, "GAE lambda [as PPOConfig: Meta-World paper App. D]")
    lr: float = option(5e-4, "inner Adam learning rate [as PPOConfig: Meta-World paper App. D]")
    adam_eps: float = option(1e-5, "inner Adam epsilon [Meta-World+]")
    max_grad_norm: float = option(
        1.0, "global gradient-norm clip of the inner steps, 0 for none [Meta-World+]"
    )
    clip: float = option(0.2, "PPO ratio clip epsilon [Meta-World paper App. D]")
    value_clip: float = option(0.0, "clip of the value change, 0 for off [off in Meta-World+]")
    entropy_coef: float = option(5e-3, "entropy bonus weight [Meta-World paper App. D]")
    value_coef: float = option(0.5, "value-loss weight in the joint loss [cleanrl / PPO2]")
    epochs: int = option(16, "passes over each world's batch per inner step [Meta-World App. D]")
    minibatches: int = option(32, "minibatches per epoch [Meta-World+: 32]")
    normalize_advantages: bool = option(True, "normalise advantages per minibatch")
    normalize_obs: bool = option(True, "normalise observations with shared running statistics")
    reward_scale: float = option(1.0, "rewards are multiplied by this before GAE [no scaling]")
    num_tasks: int = option(1, "meta-training tasks; set by the trainer")
    obs_dim: int = option(0, "observation size (0: unset); set by the trainer")
    action_dim: int = option(4, "action size (Meta-World: 4); set by the trainer")

    def __post_init__(self) -> None:
        check_policy_fields(self)
        check_positive_int(
            self, "meta_batch", "rollouts_per_task", "inner_steps", "epochs", "minibatches",
            "num_tasks", "action_dim",
        )  # fmt: skip
        check_positive_float(self, "meta_step", "lr", "adam_eps", "clip", "reward_scale")
        check_non_negative(
            self, "meta_step_final", "max_grad_norm", "value_clip", "entropy_coef", "value_coef"
        )
        check_fraction(self, "gamma", "gae_lambda")
        if self.meta_step > 1 or self.meta_step_final > 1:
            raise ValueError(
                f"meta_step and meta_step_final must be at most 1 (epsilon = 1 moves phi to the "
                f"mean of the adapted parameters), got {self.meta_step}, {self.meta_step_final}"
            )
        n = self.anneal_iterations
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"anneal_iterations must be an integer >= 0 (0: constant), got {n!r}")

    def replace(self, **kw: Any) -> ReptileConfig:
        return dataclasses.replace(self, **kw)

    def inner(self) -> ppo.PPOConfig:
        """The PPO config of the inner loop (the network and update fields).

        PPO fields this config does not have keep PPO's defaults (``lr_decay_steps``: a
        constant inner rate; the outer step anneals through ``meta_step_final``).
        """
        ours = {f.name for f in dataclasses.fields(self)}
        names = ({f.name for f in dataclasses.fields(ppo.PPOConfig)} & ours) - {"rollout_steps"}
        return ppo.PPOConfig(**{k: getattr(self, k) for k in names})

    def meta_step_at(self, iteration: int) -> float:
        """Epsilon of an iteration: linear from meta_step to meta_step_final, then constant."""
        if self.anneal_iterations == 0:
            return float(self.meta_step)
        frac = min(iteration / self.anneal_iterations, 1.0)
        return float((1.0 - frac) * self.meta_step + frac * self.meta_step_final)


# ------------------------------------------------------------------ STATE
class ReptileState(NamedTuple):
    """The meta-parameters φ, the observation statistics and the iteration count."""

    policy: Any
    value: Any
    obs_stats: ObsStats  # updated after each iteration with every world's observations
    iteration: jax.Array  # int32: outer steps so far


def init_state(cfg: ReptileConfig, key: jax.Array) -> ReptileState:
    """Fresh policy and value networks (PPO's initialisation) and empty observation statistics."""
    s = ppo.init_state(cfg.inner(), key)
    return ReptileState(s.policy, s.value, init_obs_stats(cfg.obs_dim), jnp.zeros((), jnp.int32))


def _normalize(cfg: ReptileConfig, stats: ObsStats, obs: jax.Array) -> jax.Array:
    return normalize_obs(stats, obs) if cfg.normalize_obs else obs


# ------------------------------------------------------------------ ACTING
@partial(jax.jit, static_argnums=0)
def _explore(cfg: ReptileConfig, policy: Any, stats: ObsStats, raw_obs: jax.Array, key):
    """Sampled actions of every world under one policy, and the next key, in one compiled call."""
    key, k_noise = jax.random.split(key)
    mean, log_std = policy_dist(cfg, policy, _normalize(cfg, stats, raw_obs))
    return key, mean + jnp.exp(log_std) * jax.random.normal(k_noise, mean.shape)


@partial(jax.jit, static_argnums=0)
def _act_adapted(cfg: ReptileConfig, policies: Any, stats: ObsStats, raw_obs: jax.Array):
    """The mean action of every world under its own policy (parameters with a leading W axis)."""
    obs = _normalize(cfg, stats, raw_obs)
    return jax.vmap(lambda p, o: policy_dist(cfg, p, o[None])[0][0])(policies, obs)


# ------------------------------------------------------------------ INNER LOOP
def fill_indices(key: jax.Array, valid: jax.Array) -> jax.Array:
    """(N,) indices of the valid steps in a random order, repeated cyclically to fill N.

    With every step valid (training) this is a permutation of ``range(N)``: each step once.
    """
    n = valid.shape[0]
    perm = jax.random.permutation(key, n)
    order = perm[jnp.argsort(~valid[perm], stable=True)]  # valid first, in random order
    return order[jnp.arange(n) % jnp.maximum(jnp.sum(valid), 1)]


def _adapt_one(cfg: ReptileConfig, fresh_opt: Any, stats: ObsStats, policy: Any, value_params,
               data: dict, key: jax.Array):  # fmt: skip
    """The inner loop of one world: ``inner_steps`` PPO updates from (policy, value) on its data.

    ``data`` holds (N, ...) arrays of the world's steps in time order: ``obs`` (raw),
    ``action`` (clipped), ``reward``, ``done`` (the episode ends after this step; the last
    step counts as one) and ``valid`` (False on padding).
    """
    pcfg = cfg.inner()
    obs = _normalize(cfg, stats, data["obs"])
    mean, log_std = policy_dist(pcfg, policy, obs)
    log_prob = gaussian_log_prob(mean, log_std, data["action"])  # behaviour: the start policy
    no_terminal = jnp.zeros_like(data["done"])
    state = ppo.PPOState(policy, value_params, fresh_opt, stats, jnp.zeros((), jnp.int32))

    def inner_step(state, k):
        k_fill, k_upd = jax.random.split(k)
        v = value(pcfg, state.value, obs)
        # the next step's value within an episode; at an episode's end, that of its last step
        next_v = jnp.where(data["done"], v, jnp.concatenate([v[1:], v[-1:]]))
        adv, ret = gae(cfg.reward_scale * data["reward"], v, next_v, no_terminal, data["done"],
                       cfg.gamma, cfg.gae_lambda)  # fmt: skip
        idx = fill_indices(k_fill, data["valid"])
        batch = {"obs": obs[idx], "action": data["action"][idx], "log_prob": log_prob[idx],
                 "advantage": adv[idx], "return": ret[idx], "value": v[idx]}  # fmt: skip
        return ppo.update(pcfg, state, batch, k_upd)

    state, metrics = jax.lax.scan(inner_step, state, jax.random.split(key, cfg.inner_steps))
    return state.policy, state.value, jax.tree.map(lambda m: m[-1], metrics)


@partial(jax.jit, static_argnums=0)
def adapt_worlds(cfg: ReptileConfig, policies: Any, values: Any, stats: ObsStats, data: dict,
                 keys: jax.Array):  # fmt: skip
    """Every world's inner loop at once (``jax.vmap`` over worlds).

    Args:
        policies, values: each world's starting parameters, leading axis W.
        stats: the shared observation statistics.
        data: (W, N, ...) arrays, see :func:`_adapt_one`.
        keys: (W,) PRNG keys.

    Returns:
        The adapted policies and values (leading axis W) and PPO's metrics of each world's
        last inner step, each (W,).
    """
    # Adam's initial state is zero moments, whatever the parameters: one fresh state serves all
    fresh_opt = ppo.init_state(cfg.inner(), jax.random.key(0)).opt_state
    one = partial(_adapt_one, cfg, fresh_opt, stats)
    return jax.vmap(one)(policies, values, data, keys)


@jax.jit
def outer_step(phi: Any, thetas: Any, eps: jax.Array) -> tuple[Any, jax.Array]:
    """Reptile's step φ + ε · mean_i(θ_i − φ), and the mean over worlds of ||θ_i − φ||."""
    diffs = jax.tree.map(lambda p, t: t - p[None], phi, thetas)
    new = jax.tree.map(lambda p, d: p + eps * jnp.mean(d, axis=0), phi, diffs)
    sq = sum(jnp.sum(d.reshape(d.shape[0], -1) ** 2, axis=1) for d in jax.tree.leaves(diffs))
    return new, jnp.mean(jnp.sqrt(sq))


def _broadcast(tree: Any, w: int) -> Any:
    return jax.tree.map(lambda x: jnp.broadcast_to(x, (w, *x.shape)), tree)


def rollout_data(rollouts: Any) -> dict[str, np.ndarray]:
    """The inner loop's (W, E * T, ...) arrays from a :class:`~manyworld.evaluation.Rollouts`."""
    w, e, t = rollouts.rewards.shape
    steps = np.arange(t)
    lengths = np.asarray(rollouts.lengths)[..., None]
    return {
        "obs": np.asarray(rollouts.observations, np.float32).reshape(w, e * t, -1),
        "action": np.asarray(rollouts.actions, np.float32).reshape(w, e * t, -1),
        "reward": np.asarray(rollouts.rewards, np.float32).reshape(w, e * t),
        "done": (steps == lengths - 1).reshape(w, e * t),
        "valid": (steps < lengths).reshape(w, e * t),
    }


# ------------------------------------------------------------------ TRAINER
#: PPO's metrics of the last inner step (mean over worlds), ε, the mean over worlds of
#: ||θ_i − φ|| (parameters of policy and value together), and wall-clock times.
METRIC_KEYS = ("policy_loss", "value_loss", "entropy", "approx_kl", "clip_fraction", "std",
               "meta_step", "inner_displacement", "time_policy_s", "time_env_s",
               "time_update_s")  # fmt: skip


class ReptileTrainer:
    """The harness's trainer: one Reptile iteration per :meth:`iterate`.

    A fresh meta-batch of (task, variation) pairs from the benchmark's train split (drawn
    from the seed and the iteration number, so a resumed run draws the same ones), every
    world reset, ``rollouts_per_task`` full episodes per world with π_φ (one compiled call
    per step for all worlds, one batched physics call), the vmapped inner loops, the outer
    step, then the observation statistics. Training episodes run to the horizon (no early
    end on success), so the worlds stay in step. The episodes the harness counts
    (``train_success``) are these, acted by φ before adaptation.
    """

    def __init__(self, cfg: ReptileConfig, run: Any, env: Any, seed: int):
        self.cfg = cfg
        self.seed = seed
        self.bench = env.benchmark
        self.steps = cfg.rollouts_per_task * int(env.max_episode_steps)
        if self.steps < cfg.minibatches:
            raise ValueError(
                f"{self.steps} steps per world cannot fill {cfg.minibatches} minibatches; "
                "lower --minibatches or raise --rollouts-per-task"
            )
        self.key, k_init = jax.random.split(jax.random.key(seed))
        self.state = init_state(cfg, k_init)

    def iterate(self, collector: Any, env_steps: int) -> tuple[int, dict[str, float]]:
        """One meta-batch: collect with φ, adapt every world, take the outer step."""
        from manyworld.benchmarks.sampling import sample_tasks

        cfg, n = self.cfg, self.steps
        t_start = time.perf_counter()
        iteration = int(self.state.iteration)
        pairs = sample_tasks(self.bench, collector.num_worlds, split="train",
                             rng=np.random.default_rng([self.seed, iteration]))  # fmt: skip
        collector.set_tasks(pairs, seed=int(np.random.SeedSequence([self.seed, iteration, 1])
                                           .generate_state(1)[0]))  # fmt: skip
        w = collector.num_worlds
        buf = {
            "obs": np.zeros((n, w, cfg.obs_dim), np.float32),
            "action": np.zeros((n, w, cfg.action_dim), np.float32),
            "reward": np.zeros((n, w), np.float32),
            "done": np.zeros((n, w), bool),
        }
        key, policy_s = self.key, 0.0
        # COLLECT WITH φ
        for t in range(n):
            t_pol = time.perf_counter()
            obs = collector.obs
            key, action = _explore(cfg, self.state.policy, self.state.obs_stats, obs, key)
            action = np.asarray(action)
            policy_s += time.perf_counter() - t_pol
            step = collector.step(action)
            buf["obs"][t] = obs
            buf["action"][t] = np.clip(action, -1.0, 1.0)
            buf["reward"][t] = step.reward
            buf["done"][t] = step.done
        buf["done"][-1] = True  # the stream ends: cut the last episode there
        t_collect = time.perf_counter()

        # INNER LOOPS AND OUTER STEP
        data = {k: np.ascontiguousarray(np.swapaxes(v, 0, 1)) for k, v in buf.items()}
        data["valid"] = np.ones((w, n), bool)
        key, k_inner = jax.random.split(key)
        phi = {"policy": self.state.policy, "value": self.state.value}
        policies, values, metrics = adapt_worlds(
            cfg, _broadcast(phi["policy"], w), _broadcast(phi["value"], w),
            self.state.obs_stats, data, jax.random.split(k_inner, w),
        )  # fmt: skip
        eps = cfg.meta_step_at(iteration)
        phi, displacement = outer_step(phi, {"policy": policies, "value": values},
                                       jnp.float32(eps))  # fmt: skip
        stats = self.state.obs_stats
        if cfg.normalize_obs:
            stats = update_obs_stats(stats, buf["obs"])
        self.state = ReptileState(phi["policy"], phi["value"], stats, self.state.iteration + 1)
        self.key = key
        out = {k: float(jnp.mean(v)) for k, v in metrics.items()}
        out.update(
            meta_step=eps,
            inner_displacement=float(displacement),
            time_policy_s=policy_s,
            time_env_s=t_collect - t_start - policy_s,
            time_update_s=time.perf_counter() - t_collect,
        )
        return 1, out

    def policy(self, info: dict[str, Any]) -> ReptileAgent:
        """The meta-test agent of the current meta-parameters."""
        s = self.state
        return ReptileAgent(self.cfg, s.policy, s.value, s.obs_stats, info)

    def arrays(self) -> dict[str, dict[str, np.ndarray]]:
        """Meta-parameters, observation statistics, iteration count and PRNG key."""
        return {"state": {**flatten(self.state, "state"), **flatten(self.key, "key")}}

    def meta(self) -> dict[str, Any]:
        """Nothing beyond the arrays: meta-batches are drawn from the seed and iteration."""
        return {}

    def restore(self, arrays: dict[str, dict[str, np.ndarray]], meta: dict, env_steps: int) -> None:
        """Continue from a checkpoint's arrays."""
        self.state = unflatten(self.state, arrays["state"], "state", "state.npz")
        self.key = unflatten(self.key, arrays["state"], "key", "state.npz")


# ------------------------------------------------------------------ META-TEST AGENT
class ReptileAgent:
    """Trained meta-parameters as a ``MetaAgent``: adaptation is the inner PPO loop.

    ``init()`` resets every world to φ. Until ``adapt``, ``act`` samples π_φ (the
    adaptation episodes are the inner loop's data, collected as in training; at the mean
    action the policy gradient with respect to the mean vanishes, so deterministic episodes
    could not move it). ``adapt(rollouts)`` runs the inner loop of training on each world's
    own episodes (the same key for every world, so a world's parameters depend on its
    rollouts only, and the same rollouts give the same parameters); later ``adapt`` calls
    continue from the adapted parameters. After ``adapt``, ``act`` returns each world's
    adapted mean action, clipped to [-1, 1].
    """

    def __init__(self, cfg: ReptileConfig, policy: Any, value_params: Any, obs_stats: ObsStats,
                 info: dict[str, Any], seed: int = 0):  # fmt: skip
        self.cfg = cfg
        self.policy = policy
        self.value = value_params
        self.obs_stats = obs_stats
        self.name = info.get("algo", "reptile")
        self.config = dict(info)
        self._key = jax.random.key(seed)  # exploration noise of the adaptation episodes
        self._adapt_key = jax.random.fold_in(jax.random.key(seed), 1)
        self._adapted: tuple[Any, Any] | None = None  # per-world (policy, value), leading W

    def init(self) -> None:
        """A new trial: every world back to φ."""
        self._adapted = None

    def adapt(self, rollouts: Any) -> None:
        """The inner loop on each world's own adaptation episodes."""
        data = rollout_data(rollouts)
        w = data["reward"].shape[0]
        self._check_obs(data["obs"][:, 0])
        if self._adapted is None:
            start = (_broadcast(self.policy, w), _broadcast(self.value, w))
        else:
            start = self._adapted
            self._check_worlds(w)
        keys = jnp.broadcast_to(self._adapt_key, (w,))
        policies, values, _ = adapt_worlds(self.cfg, *start, self.obs_stats, data, keys)
        self._adapted = (policies, values)

    def act(self, obs: np.ndarray) -> np.ndarray:
        """(W, 4) actions in [-1, 1]: sampled from π_φ before ``adapt``, adapted means after."""
        obs = self._check_obs(obs)
        if self._adapted is None:
            self._key, action = _explore(self.cfg, self.policy, self.obs_stats, obs, self._key)
        else:
            self._check_worlds(obs.shape[0])
            action = _act_adapted(self.cfg, self._adapted[0], self.obs_stats, obs)
        return np.clip(np.asarray(action, np.float64), -1.0, 1.0)

    def adapted_params(self) -> tuple[Any, Any] | None:
        """Each world's adapted (policy, value) parameters, leading axis W (None: not adapted)."""
        return self._adapted

    def _check_obs(self, obs: np.ndarray) -> np.ndarray:
        obs = np.asarray(obs, np.float32)
        if obs.ndim != 2 or obs.shape[1] != self.cfg.obs_dim:
            raise ValueError(
                f"{self.name} was trained on {self.cfg.obs_dim}-d observations but got shape "
                f"{obs.shape}; evaluate it with the observations it meta-trained on"
            )
        return obs

    def _check_worlds(self, w: int) -> None:
        have = jax.tree.leaves(self._adapted[0])[0].shape[0]
        if w != have:
            raise ValueError(
                f"{self.name} adapted {have} worlds but got {w}; call init() for a new meta-batch"
            )


def load_policy(cfg: ReptileConfig, state_arrays: dict[str, np.ndarray], info: dict) -> ReptileAgent:
    """The registry's policy loader: the agent of a checkpoint's ``state`` arrays."""
    template = init_state(cfg, jax.random.key(0))
    s = unflatten(template, state_arrays, "state", f"{info.get('checkpoint', '?')}/state.npz")
    return ReptileAgent(cfg, s.policy, s.value, s.obs_stats, info)


#: CPU preset. Nothing cited sizes Reptile for RL, and the defaults (20 worlds, 512 x 2, 16
#: epochs x 32 minibatches per world) cost minutes per iteration on one core: 10 worlds,
#: the PPO preset's 128 x 2 networks and rewards x 0.1, and 8 epochs x 10 minibatches of 500
#: steps per world (PPO_FAST's minibatch size). Ten episodes per world are kept: the inner
#: loop then trains on exactly as much data as the ML protocol's ten adaptation episodes.
REPTILE_FAST = ReptileConfig(
    hidden=(128, 128), value_hidden=(128, 128), meta_batch=10, epochs=8, minibatches=10,
    reward_scale=0.1,
)  # fmt: skip
REPTILE_FAST_RUN = {"eval_interval": 1_000_000, "log_interval": 100_000,
                    "checkpoint_interval": 500_000, "eval_variations": 40}  # fmt: skip

register(
    AlgoSpec(
        name="reptile",
        summary="Reptile (Nichol et al. 2018): first-order meta-learning with a PPO inner loop",
        config=REPTILE_FAST,
        run=REPTILE_FAST_RUN,
        make_trainer=ReptileTrainer,
        load_policy=load_policy,
        meta=True,
        metric_keys=METRIC_KEYS,
    )
)
