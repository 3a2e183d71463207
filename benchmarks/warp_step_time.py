"""Time one env step of the Warp back-end at several world counts (zero actions, after a warm-up).

Beside each step's median, the median of the host-device copies that a step makes (the
state rows to the device before it, rows and outputs back after it: ``WarpSim._push`` and
``WarpSim._pull``), timed alone, so the share of the step they cost on this device.

    python benchmarks/warp_step_time.py --task push --worlds 1,10,50 --device cpu \
        --out benchmarks/results/warp/step_time_cpu.json
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from manyworld.bench import machine
from manyworld.envs.batch_env import BatchEnv
from manyworld.evaluation.results import write_json_atomic


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--task", default="push")
    p.add_argument("--worlds", default="1,10,50")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    rows = []
    for n in (int(w) for w in args.worlds.split(",")):
        env = BatchEnv(args.task, n, seed=0, backend="warp", device=args.device)
        env.reset()
        actions = np.zeros((n, 4))
        env.step(actions)  # warm-up: kernels loaded, buffers touched
        times = []
        for _ in range(args.steps):
            t0 = time.perf_counter()
            env.step(actions)
            times.append(time.perf_counter() - t0)
        ms = 1000 * statistics.median(times)
        copies = []
        for _ in range(args.steps):
            t0 = time.perf_counter()
            env.sim._push()
            env.sim._pull(None)
            copies.append(time.perf_counter() - t0)
        copy_ms = 1000 * statistics.median(copies)
        rows.append({"worlds": n, "ms_per_env_step": round(ms, 1), "env_steps_per_s": round(1000 * n / ms, 1),
                     "ms_host_device_copies": round(copy_ms, 2)})  # fmt: skip
        print(f"{n} worlds: {ms:.0f} ms per env step, {1000 * n / ms:,.1f} env steps/s; host-device copies "
              f"{copy_ms:.2f} ms ({copy_ms / ms:.1%} of the step)", flush=True)  # fmt: skip
    write_json_atomic(args.out, {"machine": machine(), "task": args.task, "device": args.device, "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
