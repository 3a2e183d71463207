"""Quick expert check while writing a task: success rate and median steps on a split.

Usage: python scripts/expert_check.py TASK [train|test] [--module manyworld.tasks.MODULE]
"""

import argparse
import importlib
import time

import numpy as np

from manyworld.envs.batch_env import BatchEnv
from manyworld.tasks import get_task

parser = argparse.ArgumentParser()
parser.add_argument("task")
parser.add_argument("split", nargs="?", default="train")
parser.add_argument("--module", default=None, help="import this module first (registers the task)")
parser.add_argument("--policy", default="expert", choices=["expert", "random", "idle"])
args = parser.parse_args()
if args.module:
    importlib.import_module(args.module)
T = get_task(args.task)
variations = T.variations(args.split)
n = len(variations)
env = BatchEnv(T, n, seed=0)
env.set_task(variations)
obs, _ = env.reset()
rng = np.random.default_rng(0)
solved = np.zeros(n, bool)
first = np.full(n, -1)
rmin, rmax = np.inf, -np.inf
t0 = time.time()
for t in range(500):
    if args.policy == "expert":
        a = T.expert(obs)
    elif args.policy == "random":
        a = rng.uniform(-1, 1, (n, 4))
    else:
        a = np.zeros((n, 4))
    obs, r, term, trunc, info = env.step(a)
    rmin, rmax = min(rmin, r.min()), max(rmax, r.max())
    assert ((r == 10.0) == info["success"]).all(), "reward must be 10 exactly when successful"
    assert not info["physics_warning"].any(), "MuJoCo warning"
    newly = info["success"] & ~solved
    first[newly] = t + 1
    solved |= info["success"]
print(f"{args.task} {args.split} {args.policy}: success {solved.mean():.2f}, "
      f"median steps {np.median(first[solved]) if solved.any() else float('nan')}, "
      f"failed variations {np.flatnonzero(~solved).tolist()}, reward [{rmin:.2f}, {rmax:.2f}], {time.time() - t0:.1f}s")
