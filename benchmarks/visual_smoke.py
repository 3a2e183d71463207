"""Visual-RL smoke: PPO from pixels alone on reach, through gymnasium's vector API.

The agent sees one RGB image per step from a free camera that frames the goal region
(``obs_mode="pixels"``; no state vector, so it must find the hand and the green goal
marker in the image), and acts with a small convolutional actor-critic trained by PPO
(clipped surrogate, GAE, entropy bonus; the Gaussian and GAE helpers of
``manyworld.agents.onpolicy``) over a patch embedding of the image. Each iteration is one 500-step episode of every world,
so episodes start together and the last step bootstraps from the value of the final
frame. At the end the deterministic policy (the Gaussian mean) is scored on the task's
50 held-out (test) variations, one episode each, and set beside the random policy
(uniform actions) on the same variations, 20 episodes each, with one-sided 95%
Clopper-Pearson bounds: "above random" means the trained policy's lower bound is above
the random policy's upper bound.

This is a smoke test of the pixel path (rendering, spaces, frame handling, a pixel
agent that learns), not a tuned visual-RL baseline. Runs checkpoint every iteration
and continue from the last checkpoint when started again with the same settings.

    MUJOCO_GL=osmesa python benchmarks/visual_smoke.py --out runs/visual-smoke
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import flax.linen as nn
import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np
import optax
from scipy import stats

import manyworld  # noqa: F401  (registers the gymnasium ids)
from manyworld.agents.onpolicy import (
    adam_optimizer,
    gae,
    gaussian_entropy,
    gaussian_log_prob,
    minibatch_indices,
)
from manyworld.envs.batch_env import BatchEnv
from manyworld.evaluation.results import atomic_path, write_json_atomic
from manyworld.tasks.base import get_task
from manyworld.train.checkpoint import (
    CheckpointError,
    flatten,
    latest_checkpoint,
    list_checkpoints,
    load_checkpoint,
    save_checkpoint,
    unflatten,
)

TASK = "reach"
EPISODE_STEPS = 500
# in front of the table, looking down at the goal region (goals: x in [-0.1, 0.1],
# y in [0.8, 0.9], z in [0.05, 0.3]) with the hand's start in view
CAMERA = {"view": {"lookat": [0.0, 0.75, 0.12], "distance": 0.7, "azimuth": 160, "elevation": -35}}


@dataclass(frozen=True)
class SmokeConfig:
    """Settings of one smoke run (a resumed run must have the same)."""

    seed: int = 0
    worlds: int = 16
    image_size: int = 48
    shadows: bool = False  # about 5x the frames/s under OSMesa (manyworld.sim.render)
    env_steps: int = 400_000
    epochs: int = 4
    minibatches: int = 8
    lr: float = 3e-4
    clip: float = 0.2
    gamma: float = 0.99
    gae_lambda: float = 0.95
    entropy_coef: float = 1e-3
    init_log_std: float = -0.5
    reward_scale: float = 0.1
    max_grad_norm: float = 0.5


# ------------------------------------------------------------------ NETWORK
class PixelActorCritic(nn.Module):
    """A patch embedding (each 8x8 patch through one shared dense layer, as a vision
    transformer's first layer) and a dense layer, shared by a Gaussian policy head and a
    value head.

    Why patches and not the Atari torso (strided convolutions, Mnih et al. 2015): on this
    CPU, XLA's convolutions took 39 s per epoch of 8k 48x48 images, the patch embedding
    0.42 s (the same minibatch gradient steps, side by side:
    ``benchmarks/pixel_torso_speed.py``); on a GPU the convolutions would be the usual choice.
    """

    action_dim: int
    init_log_std: float
    patch: int = 8

    @nn.compact
    def __call__(self, images: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
        lead, (h, w, c) = images.shape[:-3], images.shape[-3:]
        p = self.patch
        x = images.reshape(-1, h // p, p, w // p, p, c).astype(jnp.float32) / 255.0
        x = x.transpose(0, 1, 3, 2, 4, 5).reshape(x.shape[0], (h // p) * (w // p), p * p * c)
        x = nn.relu(nn.Dense(32)(x))  # one embedding per patch, weights shared over patches
        x = nn.relu(nn.Dense(256)(x.reshape(x.shape[0], -1)))
        mean = nn.Dense(self.action_dim, kernel_init=nn.initializers.orthogonal(0.01))(x)
        v = nn.Dense(1, kernel_init=nn.initializers.orthogonal(1.0))(x)[:, 0]
        log_std = self.param("log_std", nn.initializers.constant(self.init_log_std), (self.action_dim,))
        return mean.reshape(*lead, -1), jnp.broadcast_to(log_std, mean.shape).reshape(*lead, -1), v.reshape(lead)


@partial(jax.jit, static_argnums=0)
def act(net: PixelActorCritic, params, images, key):
    """Sampled actions, their log-probs and the values of a batch of frames."""
    mean, log_std, v = net.apply(params, images)
    action = mean + jnp.exp(log_std) * jax.random.normal(key, mean.shape)
    return action, gaussian_log_prob(mean, log_std, action), v


@partial(jax.jit, static_argnums=0)
def act_deterministic(net: PixelActorCritic, params, images):
    """The policy mean."""
    return net.apply(params, images)[0]


@partial(jax.jit, static_argnums=(0, 1))
def update(net: PixelActorCritic, cfg: SmokeConfig, params, opt_state, batch, key):
    """``cfg.epochs`` epochs of minibatch PPO steps on one flat batch."""
    tx = adam_optimizer(cfg.lr, 1e-5, cfg.max_grad_norm)

    def loss_fn(p, mb):
        mean, log_std, v = net.apply(p, mb["obs"])
        log_ratio = gaussian_log_prob(mean, log_std, mb["action"]) - mb["log_prob"]
        ratio = jnp.exp(log_ratio)
        adv = (mb["advantage"] - mb["advantage"].mean()) / (mb["advantage"].std() + 1e-8)
        surrogate = jnp.minimum(ratio * adv, jnp.clip(ratio, 1 - cfg.clip, 1 + cfg.clip) * adv)
        value_loss = 0.5 * jnp.mean((v - mb["return"]) ** 2)
        entropy = jnp.mean(gaussian_entropy(log_std))
        loss = -jnp.mean(surrogate) + 0.5 * value_loss - cfg.entropy_coef * entropy
        return loss, {"value_loss": value_loss, "approx_kl": jnp.mean((ratio - 1) - log_ratio)}

    def minibatch_step(carry, mb):
        p, s = carry
        grads, metrics = jax.grad(loss_fn, has_aux=True)(p, mb)
        upd, s = tx.update(grads, s, p)
        return (optax.apply_updates(p, upd), s), metrics

    def epoch(carry, k):
        idx = minibatch_indices(k, batch["obs"].shape[0], cfg.minibatches)
        return jax.lax.scan(minibatch_step, carry, jax.tree.map(lambda x: x[idx], batch))

    (params, opt_state), metrics = jax.lax.scan(epoch, (params, opt_state), jax.random.split(key, cfg.epochs))
    return params, opt_state, jax.tree.map(lambda m: m[-1].mean(), metrics)


# ------------------------------------------------------------------ ROLLOUTS
def make_envs(cfg: SmokeConfig, num_envs: int):
    """Pixel-only reach worlds; SAME_STEP autoreset puts each episode's last frame in the info."""
    return gym.make_vec(f"manyworld/{TASK}-v2", num_envs=num_envs, obs_mode="pixels", cameras=CAMERA,
                        image_size=cfg.image_size, shadows=cfg.shadows, autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)  # fmt: skip


def collect(envs, net, params, cfg: SmokeConfig, key, seed: int):
    """One 500-step episode of every world with the stochastic policy, as (T, W, ...) arrays."""
    frames, _ = envs.reset(seed=seed)
    frames = frames["view"]
    buf = {k: [] for k in ("obs", "action", "log_prob", "value", "reward", "success")}
    for _ in range(EPISODE_STEPS):
        key, k = jax.random.split(key)
        action, log_prob, v = (np.asarray(x) for x in act(net, params, frames, k))
        nxt, reward, terminated, truncated, info = envs.step(action)
        for name, x in (("obs", frames), ("action", action), ("log_prob", log_prob), ("value", v),
                        ("reward", reward), ("success", info["success"])):  # fmt: skip
            buf[name].append(x)
        frames = nxt["view"]
        if terminated.any():
            raise RuntimeError("reach ended an episode before its time limit; this smoke bootstraps only at 500")
    if not truncated.all():
        raise RuntimeError(f"episodes did not end at step {EPISODE_STEPS}: set max_episode_steps to it")
    last_value = np.asarray(act(net, params, info["final_obs"]["view"], key)[2])
    return {k: np.stack(v) for k, v in buf.items()}, last_value


def evaluate(net, params, cfg: SmokeConfig) -> np.ndarray:
    """Success of the deterministic policy on each of the 50 held-out variations (one episode each)."""
    variations = get_task(TASK).variations("test")
    envs = make_envs(cfg, len(variations))
    obs, _ = envs.reset(seed=10_000 + cfg.seed, options={"params": variations})
    solved = np.zeros(len(variations), bool)
    for _ in range(EPISODE_STEPS):
        obs, _, _, _, info = envs.step(np.asarray(act_deterministic(net, params, obs["view"])))
        solved |= info["success"].astype(bool)
    envs.close()
    return solved


def random_policy_success(repeats: int = 20, seed: int = 0) -> tuple[int, int]:
    """Successes and episodes of uniform random actions on the held-out variations (the state
    env: the random policy ignores its observations, so no frame needs rendering)."""
    variations = get_task(TASK).variations("test")
    env = BatchEnv(TASK, len(variations), seed=seed)
    env.set_task(variations)
    rng = np.random.default_rng(seed)
    successes = 0
    for _ in range(repeats):
        env.reset()
        solved = np.zeros(len(variations), bool)
        for _ in range(EPISODE_STEPS):
            _, _, _, _, info = env.step(rng.uniform(-1, 1, (len(variations), 4)))
            solved |= info["success"].astype(bool)
        successes += int(solved.sum())
    return successes, repeats * len(variations)


def clopper_pearson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """One-sided lower and upper Clopper-Pearson bounds on a success rate."""
    lower = 0.0 if successes == 0 else float(stats.beta.ppf(1 - confidence, successes, n - successes + 1))
    upper = 1.0 if successes == n else float(stats.beta.ppf(confidence, successes + 1, n - successes))
    return lower, upper


# ------------------------------------------------------------------ TRAINING
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="run folder: checkpoints, curve.csv, result.json")
    for field in dataclasses.fields(SmokeConfig):
        flag = f"--{field.name.replace('_', '-')}"
        if isinstance(field.default, bool):
            p.add_argument(flag, action=argparse.BooleanOptionalAction, default=field.default)
        else:
            p.add_argument(flag, type=type(field.default), default=field.default)
    args = p.parse_args(argv)
    cfg = SmokeConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(SmokeConfig)})
    if cfg.image_size % 8:
        p.error(f"--image-size must be a multiple of the 8-pixel patch, got {cfg.image_size}")
    if cfg.env_steps % (cfg.worlds * EPISODE_STEPS):
        p.error(f"--env-steps must be a multiple of worlds x {EPISODE_STEPS} = {cfg.worlds * EPISODE_STEPS}")
    out = Path(args.out)
    iterations = cfg.env_steps // (cfg.worlds * EPISODE_STEPS)

    net = PixelActorCritic(action_dim=4, init_log_std=cfg.init_log_std)
    key, k_init = jax.random.split(jax.random.key(cfg.seed))
    params = net.init(k_init, jnp.zeros((1, cfg.image_size, cfg.image_size, 3), jnp.uint8))
    opt_state = adam_optimizer(cfg.lr, 1e-5, cfg.max_grad_norm).init(params)
    curve: list[dict] = []
    start, wall_before = 0, 0.0
    if list_checkpoints(out / "checkpoints"):
        try:
            meta, arrays = load_checkpoint(latest_checkpoint(out / "checkpoints"))
        except CheckpointError as err:
            p.error(str(err))
        if meta.get("config") != dataclasses.asdict(cfg):
            p.error(f"{out} holds a run with other settings ({meta.get('config')}); use another --out")
        template = {"params": params, "opt_state": opt_state, "key": key}
        restored = unflatten(template, arrays["state"], "state", str(out))
        params, opt_state, key = restored["params"], restored["opt_state"], restored["key"]
        start, wall_before, curve = meta["iteration"], meta["wall_s"], meta["curve"]
        print(f"resumed {out} at iteration {start} ({start * cfg.worlds * EPISODE_STEPS:,} env steps)")

    envs = make_envs(cfg, cfg.worlds)
    t0 = time.perf_counter()
    for it in range(start, iterations):
        t_it = time.perf_counter()
        key, k_roll, k_upd = jax.random.split(key, 3)
        roll, last_value = collect(envs, net, params, cfg, k_roll, seed=cfg.seed * 100_003 + it)
        t_collect = time.perf_counter() - t_it
        next_values = np.concatenate([roll["value"][1:], last_value[None]])
        done = np.zeros_like(roll["reward"], bool)
        done[-1] = True  # every episode ends at the rollout's last step (time limit: bootstrap)
        adv, ret = gae(cfg.reward_scale * roll["reward"], roll["value"], next_values,
                       np.zeros_like(done), done, cfg.gamma, cfg.gae_lambda)  # fmt: skip
        flat = lambda x: jnp.asarray(x).reshape(-1, *np.shape(x)[2:])
        batch = {"obs": flat(roll["obs"]), "action": flat(roll["action"]), "log_prob": flat(roll["log_prob"]),
                 "advantage": flat(adv), "return": flat(ret)}  # fmt: skip
        params, opt_state, metrics = jax.block_until_ready(update(net, cfg, params, opt_state, batch, k_upd))
        wall = wall_before + time.perf_counter() - t0
        row = {"iteration": it + 1, "env_steps": (it + 1) * cfg.worlds * EPISODE_STEPS,
               "train_success": float(roll["success"].any(axis=0).mean()),
               "train_return": float(roll["reward"].sum(axis=0).mean()),
               "value_loss": float(metrics["value_loss"]), "approx_kl": float(metrics["approx_kl"]),
               "collect_s": round(t_collect, 1), "iteration_s": round(time.perf_counter() - t_it, 1),
               "wall_s": round(wall, 1)}  # fmt: skip
        curve.append(row)
        save_checkpoint(out / "checkpoints", it + 1,
                        {"state": flatten({"params": params, "opt_state": opt_state, "key": key}, "state")},
                        {"config": dataclasses.asdict(cfg), "iteration": it + 1, "wall_s": wall, "curve": curve})  # fmt: skip
        done_its = it + 1 - start
        eta = (time.perf_counter() - t0) / done_its * (iterations - it - 1)
        print(f"[{it + 1}/{iterations}] {row['env_steps']:,} env steps  train success {row['train_success']:.2f}  "
              f"return {row['train_return']:.0f}  {cfg.worlds * EPISODE_STEPS / row['iteration_s']:.0f} env steps/s  "
              f"ETA {eta / 60:.0f} min", flush=True)  # fmt: skip
    envs.close()

    print("evaluating on the 50 held-out variations ...", flush=True)
    t_eval = time.perf_counter()
    solved = evaluate(net, params, cfg)
    rand_k, rand_n = random_policy_success()
    k, n = int(solved.sum()), len(solved)
    lo, _ = clopper_pearson(k, n)
    _, rand_hi = clopper_pearson(rand_k, rand_n)
    result = {
        "task": TASK, "config": dataclasses.asdict(cfg), "camera": CAMERA,
        "env_steps": iterations * cfg.worlds * EPISODE_STEPS,
        "train_wall_s": curve[-1]["wall_s"] if curve else 0.0, "eval_wall_s": round(time.perf_counter() - t_eval, 1),
        "pixel_policy": {"successes": k, "episodes": n, "rate": k / n, "lower_95": lo},
        "random_policy": {"successes": rand_k, "episodes": rand_n, "rate": rand_k / rand_n, "upper_95": rand_hi},
        "above_random": bool(lo > rand_hi),
        "curve": curve,
    }  # fmt: skip
    write_json_atomic(out / "result.json", result)
    if curve:
        with atomic_path(out / "curve.csv") as tmp, open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(curve[0]))
            writer.writeheader()
            writer.writerows(curve)
    print(f"pixel PPO on {TASK}: {k}/{n} held-out variations solved ({k / n:.2f}, lower 95% {lo:.2f}); "
          f"random policy {rand_k}/{rand_n} ({rand_k / rand_n:.3f}, upper 95% {rand_hi:.3f}); "
          f"above random: {result['above_random']}")  # fmt: skip
    return 0 if result["above_random"] else 1


if __name__ == "__main__":
    sys.exit(main())
