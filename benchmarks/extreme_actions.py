"""Constant extreme actions on every task: the fastest object, clipped observations, finger travel.

Each of the 16 corners of the action box ((+-1, +-1, +-1, +-1): the hand pushing down, into
walls and objects, fingers open or closed) is held for a whole 500-step episode, in
``--reps`` worlds each (random variations, seed 11). Self-contained (it reads the env's
frames, nothing of the quality gate), so that it runs on older checkouts too: this is how
v1's launched objects were measured against v2::

    python benchmarks/extreme_actions.py --out benchmarks/results/extreme_actions_v2.json
    git worktree add /tmp/v1 d31e760 && PYTHONPATH=/tmp/v1/src \\
        python benchmarks/extreme_actions.py --out benchmarks/results/extreme_actions_v1.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time

import numpy as np

from manyworld import BatchEnv
from manyworld.sim import scene
from manyworld.tasks.base import get_task, task_names

CORNERS = np.array(list(itertools.product((-1.0, 1.0), repeat=4)))
TABLE_TOP_Z = -0.05  # below this an object is falling off the table (gravity, not contact)


def probe(task: str, reps: int, steps: int) -> dict:
    """Max object speed (on or above the table), clipped observations and finger range for one task."""
    actions = np.repeat(CORNERS, reps, axis=0)
    n = len(actions)
    env = BatchEnv(task, n, seed=11, variations="random")
    env.reset()
    dt = scene.SUBSTEPS * scene.TIMESTEP
    fastest = np.zeros(n)
    clipped = np.zeros(n, dtype=int)
    fingers = [np.inf, -np.inf]
    for _ in range(steps):
        before = env._prev_frame.copy()  # the frame of the previous step, unclipped
        env.step(actions)
        now = env._prev_frame
        for pos in (slice(4, 7), slice(11, 14)):
            moved = np.linalg.norm(now[:, pos] - before[:, pos], axis=1) / dt
            on_table = (now[:, pos.start + 2] >= TABLE_TOP_Z) & (before[:, pos.start + 2] >= TABLE_TOP_Z)
            fastest = np.maximum(fastest, np.where(on_table, moved, 0.0))
        clipped += env.obs_clipped
        q = env.sim.qpos[:, env._finger_qpos]
        fingers = [min(fingers[0], float(q.min())), max(fingers[1], float(q.max()))]
    worst = int(np.argmax(fastest))
    return {"task": task, "version": get_task(task).version, "max_object_speed": float(fastest.max()),
            "worst_corner": actions[worst].tolist(), "clipped_observations": int(clipped.sum()),
            "worlds_clipped": int((clipped > 0).sum()), "finger_range": fingers,
            "finger_travel": scene.FINGER_TRAVEL}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tasks", nargs="*", help="tasks (default: all)")
    ap.add_argument("--reps", type=int, default=2, help="worlds per corner (default 2)")
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--out", help="write the results as JSON here")
    args = ap.parse_args(argv)
    rows = []
    t0 = time.perf_counter()
    names = args.tasks or task_names()
    for i, task in enumerate(names, 1):
        r = probe(task, args.reps, args.steps)
        rows.append(r)
        eta = (time.perf_counter() - t0) / i * (len(names) - i)
        print(f"{task:28s} v{r['version']}  fastest {r['max_object_speed']:5.2f} m/s  "
              f"clipped {r['clipped_observations']:4d} ({r['worlds_clipped']} worlds)  "
              f"fingers [{r['finger_range'][0]:+.3f}, {r['finger_range'][1]:+.3f}]  ETA {eta:.0f} s",
              flush=True)
    if args.out:
        tmp = f"{args.out}.tmp-{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump({"reps": args.reps, "steps": args.steps, "results": rows}, f, indent=1)
        os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
