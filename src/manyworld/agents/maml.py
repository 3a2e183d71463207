"""MAML-TRPO (Finn et al. 2017, "Model-Agnostic Meta-Learning for Fast Adaptation of Deep
Networks", arXiv 1703.03400): meta-learn policy parameters from which one policy-gradient
step on a few episodes of a new task gives a good policy for it.

One iteration, on a meta-batch of ``meta_batch`` (task, variation) pairs drawn from the
train split, one world each, all worlds stepping together:

1. *Pre-adaptation*: ``rollouts_per_task`` full episodes per world with the
   meta-policy π_θ (sampled actions).
2. *Inner step*, per world w (vmapped): advantages from a linear feature baseline
   fit to that world's episodes, then one vanilla policy-gradient (REINFORCE)
   step with plain SGD, θ'_w = θ - α ∇_θ L_w(θ), L_w(θ) = -mean_t log π_θ(a_t|s_t) A_t.
3. *Post-adaptation*: ``rollouts_per_task`` episodes per world with its own
   adapted policy π_θ'_w (sampled actions; one vmapped call for all worlds).
4. *Outer step*: TRPO on θ for the post-adaptation surrogate
   mean_w mean_t π_θ'_w(θ)(a|s) / π_old(a|s) A_t under mean KL(π_old || π_θ'_w(θ))
   <= ``max_kl``, where π_old is the adapted policy that collected the data. The
   gradient, the Fisher-vector products of conjugate gradient and the line search
   all go through the inner step θ -> θ'_w(θ): JAX differentiates it exactly
   (second order, ∂θ'/∂θ = I - α ∇²L_w); ``first_order=True`` drops the inner
   gradient's dependence on θ (stop_gradient: ∂θ'/∂θ = I, first-order MAML).

Env steps per iteration: 2 x ``meta_batch`` x ``rollouts_per_task`` x 500 (the reference
settings: 2 x 20 x 10 x 500 = 200,000, so an ML10 budget of 2e7 env steps is 100
iterations; Meta-World+'s ``maml_trpo_ml10.py`` runs 1.5e7). Training episodes always run
the full 500 steps (no early end on success), so the worlds stay in lockstep.

Read top to bottom: config, state, the inner step (advantages with the linear
feature baseline, then the policy-gradient step), the outer TRPO step (natural
gradient from :mod:`manyworld.agents.trpo`, then a backtracking line search), the
trainer the harness drives, and the evaluation agent: a ``MetaAgent`` that explores
with the meta-policy until ``adapt(rollouts)`` takes the same inner step on each
world's adaptation episodes, and then acts with each world's adapted mean.

Sources: the Meta-World paper v2 (Yu et al., arXiv 1910.10897v2, App. D: MAML-TRPO
settings), Meta-World+'s MAML-TRPO (``rainx0r/metaworld-algorithms``,
``metaworld_algorithms/rl/algorithms/mamltrpo.py``, its ``LinearFeatureBaseline`` in
``rl/algorithms/utils.py`` and ``examples/meta_learning/maml_trpo_ml10.py``: inner SGD
lr 0.1, KL 0.01, CG 10, backtracking 0.8 x 15, GAE lambda 1.0, meta-batch 20 with 10
rollouts per task) and garage (``rlworkgroup/garage``, ``src/garage/torch/algos/maml.py``
and ``examples/torch/maml_trpo_metaworld_ml10.py``), where Meta-World's MAML came from.

Differences, on purpose:

* The policy is the package's unsquashed Gaussian
  (:class:`~manyworld.agents.onpolicy.GaussianPolicy`: tanh MLP, state-independent
  learned log-std; the env clips actions to [-1, 1]); Meta-World+'s is tanh-squashed.
  The inner step scores the actions *as the env took them* (clipped to [-1, 1]),
  because that is all the evaluation's adaptation episodes record; training does the
  same so that meta-training and meta-testing adapt alike. The outer step's
  importance ratios use the unclipped sampled actions and their log-probs.
* The baseline is the Duan et al. (2016) linear feature baseline of the references
  (features obs, obs², t, t², t³, 1 with obs clipped to ±10 and t = step / 100, ridge
  1e-5, fit per world on its own episodes' discounted returns), solved in float32 by
  least squares (SVD) on the ridge-augmented system, which drops directions below
  float32 resolution (the references solve the normal equations in float64 and retry
  with a larger ridge on NaN).
* Episode ends are terminal for the advantages (no bootstrap at the 500-step limit),
  as in the references; the time features let the baseline see the horizon.
* No observation normalisation (the references use raw observations; running
  statistics would change what the inner learning rate means between iterations).
* The meta-gradient ignores the dependence of the pre-adaptation *sampling
  distribution* on θ (the DiCE / ProMP term), as Finn et al., garage and Meta-World+ do.
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
from jax.flatten_util import ravel_pytree

from manyworld.agents.onpolicy import (
    ACTIVATIONS,
    check_non_negative,
    check_widths,
    gae,
    gaussian_kl,
    gaussian_log_prob,
    make_policy,
    policy_dist,
)
from manyworld.agents.trpo import natural_gradient
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
class MAMLConfig:
    """Hyperparameters of MAML-TRPO (sizes of everything are config, not code)."""

    hidden: tuple[int, ...] = option(
        (512, 512),
        "policy hidden widths; () is a linear policy [2 x 512 as this package's on-policy "
        "policies; garage's maml_trpo_metaworld_ml10.py: 128 x 128]",
    )
    activation: str = option("tanh", "hidden activation, tanh or relu [garage / Meta-World+]")
    init_log_std: float = option(0.0, "initial policy log-std (std 1) [garage GaussianMLPPolicy]")
    log_std_min: float = option(-5.0, "lower clip of the policy log-std")
    log_std_max: float = option(2.0, "upper clip of the policy log-std [Meta-World+]")
    meta_batch: int = option(
        20, "(task, variation) pairs per meta-batch, one world each [Meta-World+: 20 (ML10); "
        "Meta-World paper App. D: 45 for ML45]",
    )
    rollouts_per_task: int = option(
        10, "episodes per world before and after adaptation [Meta-World+ / garage: 10]"
    )
    inner_lr: float = option(
        0.1, "SGD learning rate of the inner policy-gradient step [Meta-World+ / garage: 0.1; "
        "the Meta-World paper's table prints 1e-4]",
    )
    first_order: bool = option(
        False, "first-order MAML: no gradient through the inner step's gradient [Finn et al.]"
    )
    gamma: float = option(0.99, "discount [Meta-World+ maml_trpo_ml10.py]")
    gae_lambda: float = option(1.0, "GAE lambda [Meta-World+ maml_trpo_ml10.py: 1.0]")
    normalize_advantages: bool = option(
        True, "normalise advantages per world, inner and outer [Meta-World+ mamltrpo.py]"
    )
    baseline_reg: float = option(
        1e-5, "ridge coefficient of the linear feature baseline [Meta-World+ / garage]"
    )
    max_kl: float = option(0.01, "outer trust region: mean KL bound [Meta-World paper App. D]")
    cg_iters: int = option(10, "conjugate-gradient iterations [Meta-World paper App. D]")
    cg_damping: float = option(
        1e-5, "damping added to the Fisher matrix, F + d I [Meta-World+ mamltrpo.py: 1e-5]"
    )
    backtrack_ratio: float = option(0.8, "line-search step shrink factor [Meta-World+]")
    backtrack_steps: int = option(
        15, "line-search candidates (ratios^0 .. ratios^(steps-1)) [Meta-World+]"
    )
    eval_sample: bool = option(
        False, "after adapting, meta-test with sampled actions, not each world's adapted mean "
        "[Meta-World+ evaluates the mode; garage, whose runs the Meta-World paper reports, "
        "samples: the preset does]",
    )
    num_tasks: int = option(1, "meta-training tasks; set by the trainer")
    obs_dim: int = option(0, "observation size (0: unset); set by the trainer")
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
        check_positive_int(self, "meta_batch", "rollouts_per_task", "cg_iters", "backtrack_steps",
                           "num_tasks", "action_dim")  # fmt: skip
        check_positive_float(self, "inner_lr", "max_kl")
        check_non_negative(self, "baseline_reg", "cg_damping")
        check_fraction(self, "gamma", "gae_lambda")
        if not 0.0 < self.backtrack_ratio < 1.0:
            raise ValueError(f"backtrack_ratio must be in (0, 1), got {self.backtrack_ratio!r}")
        if isinstance(self.obs_dim, bool) or not isinstance(self.obs_dim, int) or self.obs_dim < 0:
            raise ValueError(f"obs_dim must be an integer >= 0 (0: unset), got {self.obs_dim!r}")

    def replace(self, **kw: Any) -> MAMLConfig:
        return dataclasses.replace(self, **kw)


# ------------------------------------------------------------------ STATE
class MAMLState(NamedTuple):
    """The meta-policy's parameters and the iteration count (TRPO keeps no optimiser state)."""

    params: Any
    updates: jax.Array  # int32: outer steps (iterations) so far


def init_state(cfg: MAMLConfig, key: jax.Array) -> MAMLState:
    """A fresh meta-policy."""
    if cfg.obs_dim <= 0:
        raise ValueError("MAMLConfig.obs_dim must be set (the trainer sets it from the env)")
    params = make_policy(cfg).init(key, jnp.zeros((1, cfg.obs_dim)))
    return MAMLState(params, jnp.zeros((), jnp.int32))


# ------------------------------------------------------------------ INNER STEP
# A *world batch* holds each world's steps as one stream, arrays (W, N, ...):
#   obs (W, N, D), action (W, N, A): the action the env took (clipped to [-1, 1]),
#   reward (W, N), done (W, N) bool: the episode ends at this step (the stream's last
#   step counts as an end), time (W, N): the step's index in its episode, and
#   mask (W, N) float: 1 for real steps, 0 for padding.
# The functions below take one world's (N, ...) arrays and are vmapped over worlds.


def _features(obs: jax.Array, t: jax.Array) -> jax.Array:
    """Duan et al. (2016)'s baseline features: obs, obs², t, t², t³, 1 (obs clipped to ±10,
    t = step / 100, as the references)."""
    o = jnp.clip(obs, -10.0, 10.0)
    t = (t / 100.0)[:, None]
    return jnp.concatenate([o, o**2, t, t**2, t**3, jnp.ones_like(t)], axis=1)


def _world_advantages(cfg: MAMLConfig, b: dict) -> jax.Array:
    """One world's advantages (N,): GAE over its episodes with the linear feature baseline.

    The baseline is fit (ridge regression) to the discounted returns-to-go of these same
    episodes; episode ends are terminal (no bootstrap). Padding gets advantage 0.
    """
    mask, done = b["mask"], b["done"]
    reward = b["reward"] * mask
    zeros = jnp.zeros_like(reward)
    returns, _ = gae(reward, zeros, zeros, done, done, cfg.gamma, 1.0)
    f = _features(b["obs"], b["time"]) * mask[:, None]
    k = f.shape[1]
    a = jnp.concatenate([f, jnp.sqrt(cfg.baseline_reg) * jnp.eye(k, dtype=f.dtype)], axis=0)
    y = jnp.concatenate([returns * mask, jnp.zeros(k, f.dtype)])
    coeffs = jnp.linalg.lstsq(a, y)[0]
    v = f @ coeffs
    next_v = jnp.concatenate([v[1:], jnp.zeros_like(v[:1])])
    adv, _ = gae(reward, v, next_v, done, done, cfg.gamma, cfg.gae_lambda)
    n = jnp.maximum(jnp.sum(mask), 1.0)
    if cfg.normalize_advantages:
        mu = jnp.sum(adv * mask) / n
        sd = jnp.sqrt(jnp.sum(((adv - mu) * mask) ** 2) / n)
        adv = (adv - mu) / (sd + 1e-8)
    return adv * mask


@partial(jax.jit, static_argnums=0)
def advantages(cfg: MAMLConfig, batch: dict) -> jax.Array:
    """(W, N) advantages of a world batch, each world with its own baseline."""
    return jax.vmap(partial(_world_advantages, cfg))(batch)


def inner_loss(cfg: MAMLConfig, params: Any, b: dict) -> jax.Array:
    """One world's REINFORCE loss -mean_t log π(a_t|s_t) A_t over its real steps."""
    mean, log_std = policy_dist(cfg, params, b["obs"])
    logp = gaussian_log_prob(mean, log_std, b["action"])
    return -jnp.sum(logp * b["advantage"] * b["mask"]) / jnp.maximum(jnp.sum(b["mask"]), 1.0)


def inner_step(cfg: MAMLConfig, params: Any, b: dict) -> Any:
    """One world's adapted parameters θ' = θ - inner_lr ∇_θ inner_loss(θ) (``b`` holds
    ``advantage``). With ``first_order`` the gradient is a constant to differentiation."""
    g = jax.grad(partial(inner_loss, cfg))(params, b)
    if cfg.first_order:
        g = jax.lax.stop_gradient(g)
    return jax.tree.map(lambda p, d: p - cfg.inner_lr * d, params, g)


@partial(jax.jit, static_argnums=(0, 3))
def adapt(cfg: MAMLConfig, params: Any, batch: dict, per_world: bool = False):
    """Advantages of a world batch and every world's adapted parameters.

    ``params`` is the meta-policy's (shared by all worlds) or, with ``per_world``, a
    stack of per-world parameters with a leading W axis. Returns ``(adapted params with
    a leading W axis, advantages (W, N))``.
    """
    adv = advantages(cfg, batch)
    b = {**batch, "advantage": adv}
    adapted = jax.vmap(partial(inner_step, cfg), in_axes=(0 if per_world else None, 0))(params, b)
    return adapted, adv


# ------------------------------------------------------------------ OUTER STEP
def _post_dist(cfg: MAMLConfig, params: Any, pre: dict, post: dict):
    """Mean and log-std (W, N, A) of every world's adapted policy on its post-adaptation obs."""
    adapted = jax.vmap(partial(inner_step, cfg), in_axes=(None, 0))(params, pre)
    return jax.vmap(partial(policy_dist, cfg))(adapted, post["obs"])


def outer_objective(cfg: MAMLConfig, params: Any, pre: dict, post: dict) -> jax.Array:
    """The MAML surrogate: mean over worlds and real steps of π_θ'(θ)(a|s) / π_old(a|s) · A.

    ``pre`` is the pre-adaptation world batch with ``advantage``; ``post`` the
    post-adaptation one with ``advantage`` and ``log_prob`` (of the sampled action
    under the adapted policy that collected it).
    """
    mean, log_std = _post_dist(cfg, params, pre, post)
    ratio = jnp.exp(gaussian_log_prob(mean, log_std, post["action"]) - post["log_prob"])
    return jnp.sum(ratio * post["advantage"] * post["mask"]) / jnp.maximum(jnp.sum(post["mask"]), 1)


@partial(jax.jit, static_argnums=0)
def update(cfg: MAMLConfig, state: MAMLState, pre: dict, post: dict):
    """One outer TRPO step on the post-adaptation surrogate, through the inner step.

    Natural-gradient direction by conjugate gradient on the Fisher matrix of the mean
    KL(π_old || π_θ'(θ)) (:func:`manyworld.agents.trpo.natural_gradient`), scaled to
    the KL bound, then a backtracking line search that stops at the first candidate
    that improves the surrogate within the bound (each candidate costs an inner step
    per world, so it stops early rather than scoring them all); none: no change.

    Returns:
        The new state and metrics: ``policy_loss`` (minus the surrogate after the
        step), ``kl`` (of the accepted step, 0 if none), ``line_search_ok`` (1 or 0),
        ``step_fraction`` (the accepted ratio, 0 if none), ``grad_norm`` (of the
        meta-gradient) and ``std`` (the meta-policy's mean action std after the step).
    """
    theta0, unravel = ravel_pytree(state.params)
    mean0, log_std0 = jax.lax.stop_gradient(_post_dist(cfg, state.params, pre, post))
    n = jnp.maximum(jnp.sum(post["mask"]), 1.0)

    def surrogate(theta: jax.Array) -> jax.Array:
        return outer_objective(cfg, unravel(theta), pre, post)

    def mean_kl(theta: jax.Array) -> jax.Array:
        mean, log_std = _post_dist(cfg, unravel(theta), pre, post)
        return jnp.sum(gaussian_kl(mean0, log_std0, mean, log_std) * post["mask"]) / n

    def surrogate_and_kl(theta: jax.Array) -> tuple[jax.Array, jax.Array]:
        # one inner step per world for both (the line search's cost)
        mean, log_std = _post_dist(cfg, unravel(theta), pre, post)
        ratio = jnp.exp(gaussian_log_prob(mean, log_std, post["action"]) - post["log_prob"])
        kl = gaussian_kl(mean0, log_std0, mean, log_std)
        return jnp.sum(ratio * post["advantage"] * post["mask"]) / n, jnp.sum(kl * post["mask"]) / n

    x, g, fvp = natural_gradient(cfg, theta0, surrogate, mean_kl)
    full_step = jnp.sqrt(2.0 * cfg.max_kl / jnp.maximum(jnp.vdot(x, fvp(x)), 1e-12)) * x
    l_old = surrogate(theta0)
    ratios = cfg.backtrack_ratio ** jnp.arange(cfg.backtrack_steps, dtype=jnp.float32)

    def untried(c):
        i, ok, _, _ = c
        return (i < cfg.backtrack_steps) & ~ok

    def try_next(c):
        i, _, _, _ = c
        theta = theta0 + ratios[i] * full_step
        l_new, kl = surrogate_and_kl(theta)
        ok = (kl <= cfg.max_kl) & (l_new > l_old) & jnp.isfinite(l_new) & jnp.isfinite(kl)
        return i + 1, ok, l_new, kl

    init = (jnp.zeros((), jnp.int32), jnp.zeros((), bool), l_old, jnp.zeros(()))
    i, accepted, l_new, kl = jax.lax.while_loop(untried, try_next, init)
    fraction = jnp.where(accepted, ratios[jnp.maximum(i - 1, 0)], 0.0)
    params = unravel(theta0 + fraction * full_step)
    _, log_std = policy_dist(cfg, params, pre["obs"][0, :1])
    metrics = {
        "policy_loss": -jnp.where(accepted, l_new, l_old),
        "kl": jnp.where(accepted, kl, 0.0),
        "line_search_ok": accepted.astype(jnp.float32),
        "step_fraction": fraction,
        "grad_norm": jnp.linalg.norm(g),
        "std": jnp.mean(jnp.exp(log_std)),
    }
    return MAMLState(params, state.updates + 1), metrics


# ------------------------------------------------------------------ ACTING
@partial(jax.jit, static_argnums=(0, 4))
def _explore(cfg: MAMLConfig, params: Any, obs: jax.Array, key: jax.Array, per_world: bool):
    """Sampled actions of every world in one compiled call: the next key and a (W, A + 1)
    array of the unclipped actions and their log-probs. ``per_world``: ``params`` has a
    leading W axis (each world's adapted policy)."""
    key, k_noise = jax.random.split(key)
    if per_world:
        mean, log_std = jax.vmap(partial(policy_dist, cfg))(params, obs[:, None, :])
        mean, log_std = mean[:, 0], log_std[:, 0]
    else:
        mean, log_std = policy_dist(cfg, params, obs)
    action = mean + jnp.exp(log_std) * jax.random.normal(k_noise, mean.shape)
    return key, jnp.concatenate([action, gaussian_log_prob(mean, log_std, action)[:, None]], 1)


@partial(jax.jit, static_argnums=0)
def _mean_action(cfg: MAMLConfig, params_w: Any, obs: jax.Array) -> jax.Array:
    """(W, A) policy means, world w with its own parameters ``params_w[w]``."""
    return jax.vmap(partial(policy_dist, cfg))(params_w, obs[:, None, :])[0][:, 0]


# ------------------------------------------------------------------ TRAINER
METRIC_KEYS = ("pre_return", "post_return", "pre_success", "post_success", "policy_loss", "kl",
               "line_search_ok", "step_fraction", "grad_norm", "std", "time_policy_s",
               "time_env_s", "time_update_s")  # fmt: skip


class MAMLTrainer:
    """The harness's trainer: one meta-batch, pre- and post-adaptation episodes, one outer step.

    Each :meth:`iterate` draws a fresh meta-batch of (task, variation) pairs from the
    benchmark's train split (from the seed and the iteration number, so a resumed run
    draws the same ones), lays the worlds out as it (restarting them from a seed of
    the same), and runs the iteration of the module docstring. Metrics add the mean
    undiscounted return and success rate of the pre- and post-adaptation episodes
    (``post_success`` above ``pre_success`` is adaptation working).
    """

    def __init__(self, cfg: MAMLConfig, run: Any, env: Any, seed: int):
        self.cfg = cfg
        self.seed = seed
        self.bench = env.benchmark
        if int(env.num_worlds) != cfg.meta_batch:
            raise ValueError(
                f"the env has {env.num_worlds} worlds but meta_batch is {cfg.meta_batch}"
            )
        self.horizon = int(env.max_episode_steps)
        self.key, k_init = jax.random.split(jax.random.key(seed))
        self.state = init_state(cfg, k_init)

    def _collect(self, collector: Any, params: Any, per_world: bool) -> tuple[dict, dict, float]:
        """``rollouts_per_task`` episodes in every world: a world batch with ``log_prob``,
        the phase's mean episode return and success, and the seconds spent in the policy."""
        cfg = self.cfg
        n, w, a = cfg.rollouts_per_task * self.horizon, collector.num_worlds, cfg.action_dim
        obs = np.zeros((n, w, cfg.obs_dim), np.float32)
        out = np.zeros((n, w, a + 1), np.float32)
        reward = np.zeros((n, w), np.float32)
        done = np.zeros((n, w), bool)
        ret = succ = episodes = 0.0
        policy_s = 0.0
        key = self.key
        for t in range(n):
            t_pol = time.perf_counter()
            obs[t] = collector.obs
            key, o = _explore(cfg, params, obs[t], key, per_world)
            out[t] = np.asarray(o)
            policy_s += time.perf_counter() - t_pol
            step = collector.step(out[t, :, :a])
            reward[t] = step.reward
            done[t] = step.done
            if step.ended.size and step.episode is not None:
                ret += float(step.episode["return"][step.ended].sum())
                succ += float(step.episode["success"][step.ended].sum())
                episodes += step.ended.size
        self.key = key
        done[-1] = True  # the stream ends an episode (all worlds: the horizon, in lockstep)
        # each step's index in its episode: steps since the last end
        starts = np.zeros((n, w), bool)
        starts[0] = True
        starts[1:] = done[:-1]
        idx = np.arange(n)[:, None]
        since = idx - np.maximum.accumulate(np.where(starts, idx, 0), axis=0)
        tm = lambda x: np.ascontiguousarray(np.swapaxes(x, 0, 1))  # (T, W) -> (W, T)
        batch = {
            "obs": tm(obs),
            "action": tm(np.clip(out[..., :a], -1.0, 1.0)),  # what the env took, for the inner step
            "sampled": tm(out[..., :a]),
            "log_prob": tm(out[..., a]),
            "reward": tm(reward),
            "done": tm(done),
            "time": tm(since.astype(np.float32)),
            "mask": np.ones((w, n), np.float32),
        }
        stats = {"return": ret / max(episodes, 1), "success": succ / max(episodes, 1)}
        return batch, stats, policy_s

    def iterate(self, collector: Any, env_steps: int) -> tuple[int, dict[str, float]]:
        """One meta-batch: pre-adaptation episodes, inner step, post-adaptation episodes and
        the outer TRPO step (see the module docstring)."""
        from manyworld.benchmarks.sampling import sample_tasks

        cfg = self.cfg
        t_start = time.perf_counter()
        iteration = int(self.state.updates)
        pairs = sample_tasks(self.bench, cfg.meta_batch, split="train",
                             rng=np.random.default_rng([self.seed, iteration]))  # fmt: skip
        collector.set_tasks(pairs, seed=int(np.random.SeedSequence([self.seed, iteration, 1])
                                           .generate_state(1)[0]))  # fmt: skip
        # PRE-ADAPTATION EPISODES, INNER STEP, POST-ADAPTATION EPISODES
        pre, pre_stats, pol_pre = self._collect(collector, self.state.params, per_world=False)
        t_inner = time.perf_counter()
        pre_in = {k: v for k, v in pre.items() if k not in ("sampled", "log_prob")}
        adapted, pre_adv = adapt(cfg, self.state.params, pre_in, False)
        inner_s = time.perf_counter() - t_inner
        post, post_stats, pol_post = self._collect(collector, adapted, per_world=True)
        t_collect = time.perf_counter()

        # OUTER STEP
        post_in = {k: v for k, v in post.items() if k != "sampled"}
        post_in["advantage"] = advantages(cfg, post_in)
        post_in["action"] = post["sampled"]  # the ratio needs the sampled actions' log-probs
        self.state, metrics = update(cfg, self.state, {**pre_in, "advantage": pre_adv}, post_in)
        metrics = {k: float(v) for k, v in metrics.items()}
        metrics.update(
            pre_return=pre_stats["return"],
            post_return=post_stats["return"],
            pre_success=pre_stats["success"],
            post_success=post_stats["success"],
            time_policy_s=pol_pre + pol_post,
            time_env_s=t_collect - t_start - pol_pre - pol_post - inner_s,
            time_update_s=time.perf_counter() - t_collect + inner_s,
        )
        return 1, metrics

    def policy(self, info: dict[str, Any]) -> MAMLAgent:
        """The meta-test agent of the current meta-parameters."""
        return MAMLAgent(self.cfg, self.state.params, info)

    def arrays(self) -> dict[str, dict[str, np.ndarray]]:
        """Meta-parameters, iteration count and PRNG key."""
        return {"state": {**flatten(self.state, "state"), **flatten(self.key, "key")}}

    def meta(self) -> dict[str, Any]:
        """Nothing beyond the arrays: meta-batches are drawn from the seed and iteration."""
        return {}

    def restore(self, arrays: dict[str, dict[str, np.ndarray]], meta: dict, env_steps: int) -> None:
        """Continue from a checkpoint's arrays."""
        self.state = unflatten(self.state, arrays["state"], "state", "state.npz")
        self.key = unflatten(self.key, arrays["state"], "key", "state.npz")


# ------------------------------------------------------------------ META-TEST AGENT
def rollouts_batch(rollouts: Any) -> dict:
    """A world batch (see the inner step) from a ``Rollouts``: (W, E, T, ...) -> (W, E·T, ...),
    padding past each episode's ``lengths`` masked out."""
    w, e, t = np.asarray(rollouts.rewards).shape
    lengths = np.asarray(rollouts.lengths)
    step = np.broadcast_to(np.arange(t), (w, e, t))
    mask = step < lengths[:, :, None]
    flat = lambda x: np.asarray(x).reshape(w, e * t, *np.shape(x)[3:])
    return {
        "obs": flat(np.asarray(rollouts.observations, np.float32)),
        "action": flat(np.clip(np.asarray(rollouts.actions, np.float32), -1.0, 1.0)),
        "reward": flat(np.where(mask, rollouts.rewards, 0.0).astype(np.float32)),
        "done": flat(step == lengths[:, :, None] - 1),
        "time": flat(step.astype(np.float32)),
        "mask": flat(mask.astype(np.float32)),
    }


class MAMLAgent:
    """Meta-learned parameters as a ``MetaAgent``: adaptation is the inner step.

    ``init()`` goes back to the meta-parameters. Until the first ``adapt``, ``act``
    explores like the meta-training's pre-adaptation episodes: actions sampled from
    the meta-policy (from this agent's own PRNG key, fixed at construction, so an
    evaluation is reproducible), clipped to [-1, 1]. ``adapt(rollouts)`` takes the
    inner step for every world on its own episodes (real steps only, by
    ``rollouts.lengths``); ``act`` then returns each world's adapted mean (a sample of
    its adapted policy with ``eval_sample``), clipped to [-1, 1]. A further ``adapt``
    takes another inner step from the adapted parameters.
    """

    def __init__(self, cfg: MAMLConfig, params: Any, info: dict[str, Any], seed: int = 0):
        self.cfg = cfg
        self.params = params
        self.name = info.get("algo", "maml")
        self.config = dict(info)
        self._key = jax.random.key(seed)
        self._adapted: Any = None

    def init(self) -> None:
        """A new trial: back to the meta-parameters."""
        self._adapted = None

    def adapt(self, rollouts: Any) -> None:
        """One inner policy-gradient step per world on its adaptation episodes."""
        batch = rollouts_batch(rollouts)
        self._check(batch["obs"][:, 0])
        if self._adapted is None:
            self._adapted, _ = adapt(self.cfg, self.params, batch, False)
        else:
            self._adapted, _ = adapt(self.cfg, self._adapted, batch, True)

    def _check(self, obs: np.ndarray) -> None:
        if obs.ndim != 2 or obs.shape[1] != self.cfg.obs_dim:
            raise ValueError(
                f"{self.name} was trained on {self.cfg.obs_dim}-d observations but got shape "
                f"{obs.shape}; evaluate it on the ML benchmark's observations"
            )

    def act(self, obs: np.ndarray) -> np.ndarray:
        """(W, 4) actions in [-1, 1]: sampled before adapting, each world's adapted mean after
        (sampled from its adapted policy with ``eval_sample``)."""
        obs = np.asarray(obs, np.float32)
        self._check(obs)
        if self._adapted is None:
            self._key, out = _explore(self.cfg, self.params, obs, self._key, False)
            action = np.asarray(out)[:, : self.cfg.action_dim]
        else:
            w = jax.tree.leaves(self._adapted)[0].shape[0]
            if w != obs.shape[0]:
                raise ValueError(f"adapted {w} worlds but got {obs.shape[0]} observations")
            if self.cfg.eval_sample:
                self._key, out = _explore(self.cfg, self._adapted, obs, self._key, True)
                action = np.asarray(out)[:, : self.cfg.action_dim]
            else:
                action = np.asarray(_mean_action(self.cfg, self._adapted, obs))
        return np.clip(action.astype(np.float64), -1.0, 1.0)


def load_policy(cfg: MAMLConfig, state_arrays: dict[str, np.ndarray], info: dict) -> MAMLAgent:
    """The registry's policy loader: the agent of a checkpoint's ``state`` arrays."""
    template = init_state(cfg, jax.random.key(0))
    state = unflatten(template, state_arrays, "state", f"{info.get('checkpoint', '?')}/state.npz")
    return MAMLAgent(cfg, state.params, info)


#: CPU preset: 2 x 128 tanh (garage's ML10 network, a quarter of 2 x 512's compute, which
#: the exact second-order outer step multiplies) and 5 episodes per world (half the
#: references' 10; each iteration is 2 x 20 x 5 x 500 = 100,000 env steps, mostly physics
#: on one core). The ML protocol still hands the agent 10 adaptation episodes: the inner
#: loss is a mean over steps, so only its variance changes. Meta-test with sampled actions,
#: as the outer step trains the adapted policy and as the Meta-World paper's MAML figures
#: were measured (garage's MetaEvaluator rolls the adapted policy out through DefaultWorker,
#: which steps the env with `policy.get_action`'s sample: rlworkgroup/garage,
#: src/garage/experiment/meta_evaluator.py and src/garage/sampler/default_worker.py). On ML1
#: reach (v1 tasks, one checkpoint, 20 test variations) the adapted mean scored 0.75 and
#: samples 0.85: the adapted mean stops short of goals that its samples reach
#: (docs/meta-learning.md section 2).
MAML_FAST = MAMLConfig(hidden=(128, 128), rollouts_per_task=5, eval_sample=True)
MAML_FAST_RUN = {"eval_interval": 1_000_000, "log_interval": 100_000,
                 "checkpoint_interval": 500_000, "eval_variations": 40}  # fmt: skip

register(
    AlgoSpec(
        name="maml",
        summary="MAML-TRPO (Finn et al. 2017): one inner policy-gradient step, TRPO outer step",
        config=MAML_FAST,
        run=MAML_FAST_RUN,
        make_trainer=MAMLTrainer,
        load_policy=load_policy,
        meta=True,
        metric_keys=METRIC_KEYS,
        resume_mutable=frozenset({"eval_sample"}),
    )
)
