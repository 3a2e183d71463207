"""The most contacts and constraint rows any world of a task's expert episodes needs.

MuJoCo Warp allocates contact and constraint buffers up front (``manyworld.sim.warp_sim``:
CONTACTS_PER_WORLD, CONSTRAINTS_PER_WORLD); this measures, on the mujoco back-end, how many
the scenes use: the expert (which grasps, pushes and inserts: the contact-rich part of a
task) and the random policy, every step of one episode on ``--variations`` train variations.

    python benchmarks/contact_counts.py all --variations 5 --out benchmarks/results/warp/contact_counts.json
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from manyworld.envs.batch_env import BatchEnv
from manyworld.evaluation.results import write_json_atomic
from manyworld.tasks.base import get_task, tasks_of


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("tasks", nargs="+", help="task names, a tag (MT10) or 'all'")
    p.add_argument("--variations", type=int, default=5)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    names = tasks_of(args.tasks)
    rows = []
    rng = np.random.default_rng(0)
    for task in names:
        task_cls = get_task(task)
        k = args.variations
        worst = {"contacts": 0, "constraint_rows": 0}
        for policy in ("expert", "random"):
            env = BatchEnv(task, k, seed=0, num_threads=1)
            env.set_task(task_cls.variations("train")[:k])
            obs, _ = env.reset()
            for _ in range(env.max_episode_steps):
                actions = task_cls.expert(obs) if policy == "expert" else rng.uniform(-1, 1, (k, 4))
                obs, *_ = env.step(actions)
                for world in range(k):
                    data = env.sim.get_data(world)
                    worst["contacts"] = max(worst["contacts"], int(data.ncon))
                    worst["constraint_rows"] = max(worst["constraint_rows"], int(data.nefc))
        rows.append({"task": task, **worst})
        print(f"{task}: at most {worst['contacts']} contacts, {worst['constraint_rows']} constraint rows", flush=True)
    most = {key: max(r[key] for r in rows) for key in ("contacts", "constraint_rows")}
    write_json_atomic(args.out, {"variations": args.variations, "most": most, "tasks": rows})
    print(f"all: at most {most['contacts']} contacts, {most['constraint_rows']} constraint rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
