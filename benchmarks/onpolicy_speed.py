"""Where an on-policy iteration's time goes: env alone vs collection with the policy vs update.

    python benchmarks/onpolicy_speed.py --algo mtppo --benchmark MT10 --worlds-per-task 20 \
        --out benchmarks/results/learning/onpolicy_speed.json

Side by side in one process, on the same benchmark env and world count:

- **env alone**: the harness's collector stepping every world with uniform random actions
  (what the physics and the env layer cost);
- **collection**: the same collector driven by the algorithm's trainer with the preset's
  networks (env + one compiled policy call per vector step), and the update that follows.

Each of ``--repeats`` iterations after a warm-up (which compiles) is timed; the figures
are medians. Pin it to one core (``taskset -c 0``) to compare with the training runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import statistics
import time

import numpy as np

from manyworld.benchmarks import get_benchmark, make_env
from manyworld.evaluation.results import write_json_atomic
from manyworld.train.harness import RunConfig, TrackedCollector
from manyworld.train.registry import get_algo


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--algo", default="mtppo")
    p.add_argument("--benchmark", default="MT10")
    p.add_argument("--worlds-per-task", type=int, default=20)
    p.add_argument("--rollout-steps", type=int, default=500)
    p.add_argument("--hidden", type=int, nargs="+", default=[256, 256])
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out")
    args = p.parse_args()

    spec = get_algo(args.algo)
    bench = get_benchmark(args.benchmark)
    run = RunConfig(worlds_per_task=args.worlds_per_task, num_threads=1)
    env = make_env(bench, worlds_per_task=run.worlds_per_task, seed=0, num_threads=1,
                   **spec.env_options(spec.config))  # fmt: skip
    cfg = dataclasses.replace(spec.config, hidden=tuple(args.hidden), rollout_steps=args.rollout_steps)
    if hasattr(cfg, "value_hidden"):
        cfg = dataclasses.replace(cfg, value_hidden=tuple(args.hidden))
    if hasattr(cfg, "epochs"):
        cfg = dataclasses.replace(cfg, epochs=args.epochs)
    cfg = spec.fill(cfg, env)
    trainer = spec.make_trainer(cfg, run, env, 0)
    collector = TrackedCollector(env, 0)
    w = env.num_worlds
    rng = np.random.default_rng(0)

    def env_alone() -> float:
        actions = rng.uniform(-1, 1, (args.rollout_steps, w, 4))
        t0 = time.perf_counter()
        for a in actions:
            collector.step(a)
        return args.rollout_steps * w / (time.perf_counter() - t0)

    env_rates, iters = [], []
    env_alone()
    trainer.iterate(collector, 0)  # compiles
    for _ in range(args.repeats):
        env_rates.append(env_alone())
        t0 = time.perf_counter()
        _, m = trainer.iterate(collector, 0)
        iters.append({"wall_s": time.perf_counter() - t0, **{k: v for k, v in m.items()
                                                             if k.startswith("time_")}})
    med = {k: statistics.median(i[k] for i in iters) for k in iters[0]}
    collect_s = med["time_policy_s"] + med["time_env_s"]
    steps = args.rollout_steps * w
    result = {
        "algo": args.algo, "benchmark": bench.name, "worlds": w,
        "rollout_steps": args.rollout_steps, "hidden": args.hidden, "epochs": args.epochs,
        "env_alone_steps_per_s": statistics.median(env_rates),
        "collection_steps_per_s": steps / collect_s,
        "iteration_steps_per_s": steps / med["wall_s"],
        "median_seconds": med,
        "share": {"policy": med["time_policy_s"] / med["wall_s"],
                  "env": med["time_env_s"] / med["wall_s"],
                  "update": med["time_update_s"] / med["wall_s"]},
        "machine": {"cpu": platform.processor(), "python": platform.python_version()},
    }  # fmt: skip
    print(json.dumps(result, indent=1))
    if args.out:
        write_json_atomic(args.out, result)


if __name__ == "__main__":
    main()
