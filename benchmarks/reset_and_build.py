"""Cold-reset cost and MT50 construction time.

    python benchmarks/reset_and_build.py --out benchmarks/results/reset_and_build.json

A cold reset draws a fresh random variation for every world, so each reset
places the objects and settles them (``Task.settle_steps`` control steps)
instead of restoring a cached state; the cached figure is in ``manyworld bench``.
"""

import argparse
import json
import os
import statistics
import time

import manyworld  # noqa: F401
from manyworld.bench import machine
from manyworld.benchmarks import make_env
from manyworld.envs.batch_env import BatchEnv

parser = argparse.ArgumentParser()
parser.add_argument("--out")
parser.add_argument("--tasks", nargs="*", default=["reach", "push", "door-open", "hammer", "stick-pull", "assembly"])
args = parser.parse_args()

build = []
for _ in range(3):
    t0 = time.perf_counter()
    make_env("MT50", seed=0)
    build.append(time.perf_counter() - t0)
cold = {}
for task in args.tasks:
    env = BatchEnv(task, 50, seed=0, variations="random")
    env.reset()
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        env.reset()
        runs.append(1000 * (time.perf_counter() - t0) / env.num_worlds)
    cold[task] = statistics.median(runs)
result = {"machine": machine(), "mt50_construction_s": statistics.median(build), "mt50_construction_runs": build,
          "cold_reset_ms_per_world_n50": cold}
print(json.dumps(result, indent=2))
if args.out:  # atomic: a reader never sees half a file
    with open(args.out + ".tmp", "w") as f:
        json.dump(result, f, indent=2)
    os.replace(args.out + ".tmp", args.out)
