"""First reset of many worlds over few variations: settling every world against settling each
distinct variation once (what ``BatchEnv.reset`` does), side by side in one run.

    python benchmarks/first_reset.py --task push --worlds 2000 --repeats 2
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from manyworld import BatchEnv
from manyworld.tasks.base import get_task


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--task", default="push")
    p.add_argument("--worlds", type=int, default=2000, help="a multiple of 50")
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args()
    rows = get_task(args.task).variations("train")
    layout = np.tile(rows, (args.worlds // len(rows), 1))
    for _ in range(args.repeats):
        env = BatchEnv(args.task, len(layout), seed=0)
        env.set_task(layout)
        t = time.perf_counter()
        env._settle(np.arange(len(layout)))  # the old path: every world settles
        every = time.perf_counter() - t
        env = BatchEnv(args.task, len(layout), seed=0)
        env.set_task(layout)
        t = time.perf_counter()
        env.reset()
        once = time.perf_counter() - t
        print(f"{args.task}, {len(layout)} worlds over {len(rows)} variations, first reset: "
              f"settle every world {every:.2f} s, each variation once {once:.3f} s "
              f"({every / once:.0f}x)")


if __name__ == "__main__":
    main()
