"""Time of the jit-compiled SAC / MT-SAC / MT-MH-SAC update at the reference sizes.

    python benchmarks/update_speed.py --out benchmarks/results/update_speed.json

Each configuration runs ``--updates`` updates per compiled call (one ``lax.scan``, as the
training loop does) on random batches; the figure is the median over ``--repeats`` calls
after one warm-up call that compiles. Batches are made once, outside the timing.
"""

from __future__ import annotations

import argparse
import platform
import time

import jax
import numpy as np

from manyworld.agents import sac as sac_lib
from manyworld.agents.sac import SACConfig
from manyworld.evaluation.results import write_json_atomic

#: (label, config, obs_dim); obs_dim 39 + one-hot of the tasks
CONFIGS = [
    ("SAC, 400 x 3 [Meta-World+ / McLean MT1]", SACConfig(hidden=(400, 400, 400), batch_size=128), 40),
    ("SAC, the `sac` preset: 128 x 2 + LayerNorm", SACConfig(
        hidden=(128, 128), layer_norm=True, batch_size=256, reward_scale=0.1), 40),
    ("MT-SAC, 400 x 3, 10 tasks [Meta-World+ MT10]", SACConfig(
        hidden=(400, 400, 400), batch_size=1280, num_tasks=10), 49),
    ("MT-MH-SAC, 400 x 3, 10 heads [Meta-World+ MT10]", SACConfig(
        hidden=(400, 400, 400), batch_size=1280, num_tasks=10, multi_head=True), 49),
    ("MT-SAC, 256 x 2 + LayerNorm, 10 tasks (the MT10 runs here)", SACConfig(
        hidden=(256, 256), layer_norm=True, batch_size=1280, num_tasks=10, reward_scale=0.1), 49),
    ("MT-MH-SAC, 256 x 2 + LayerNorm, 10 heads (the MT10 runs here)", SACConfig(
        hidden=(256, 256), layer_norm=True, batch_size=1280, num_tasks=10, multi_head=True,
        reward_scale=0.1), 49),
]


def random_batches(cfg: SACConfig, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    b = cfg.batch_size
    return {
        "obs": rng.normal(size=(n, b, cfg.obs_dim)).astype(np.float32),
        "action": rng.uniform(-1, 1, (n, b, cfg.action_dim)).astype(np.float32),
        "reward": rng.uniform(0, 10, (n, b)).astype(np.float32),
        "next_obs": rng.normal(size=(n, b, cfg.obs_dim)).astype(np.float32),
        "terminated": np.zeros((n, b), np.float32),
        "task": rng.integers(0, cfg.num_tasks, (n, b)).astype(np.int32),
    }


def time_update(cfg: SACConfig, updates: int, repeats: int) -> float:
    """Median milliseconds per update."""
    state = sac_lib.init_state(cfg, jax.random.key(0))
    batches = random_batches(cfg, updates, np.random.default_rng(0))
    key = jax.random.key(1)
    state, m = sac_lib.update(cfg, state, batches, key)  # compile
    jax.block_until_ready(m)
    times = []
    for i in range(repeats):
        t = time.perf_counter()
        state, m = sac_lib.update(cfg, state, batches, jax.random.key(2 + i))
        jax.block_until_ready(m)
        times.append(time.perf_counter() - t)
    return 1000.0 * float(np.median(times)) / updates


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--updates", type=int, default=4, help="updates per compiled call")
    p.add_argument("--repeats", type=int, default=7, help="timed calls per configuration")
    p.add_argument("--out", help="write the results as JSON")
    args = p.parse_args()
    rows = []
    for label, cfg, obs_dim in CONFIGS:
        cfg = cfg.replace(obs_dim=obs_dim)
        ms = time_update(cfg, args.updates, args.repeats)
        rows.append({"config": label, "hidden": list(cfg.hidden), "layer_norm": cfg.layer_norm,
                     "batch_size": cfg.batch_size, "num_tasks": cfg.num_tasks,
                     "multi_head": cfg.multi_head, "ms_per_update": round(ms, 2)})  # fmt: skip
        print(f"{label:64s} batch {cfg.batch_size:5d}  {ms:7.2f} ms per update", flush=True)
    if args.out:
        write_json_atomic(args.out, {
            "what": "median ms per jitted update, random batches",
            "updates_per_call": args.updates, "repeats": args.repeats,
            "jax": jax.__version__, "backend": jax.default_backend(),
            "devices": [str(d) for d in jax.devices()], "machine": platform.processor() or platform.machine(),
            "rows": rows,
        })  # fmt: skip


if __name__ == "__main__":
    main()
