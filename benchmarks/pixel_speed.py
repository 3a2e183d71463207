"""Frames/s of pixel observations on the CPU: MuJoCo's offscreen renderer, one world at a time.

For each image size, world count and render setting, the median over ``--repeats`` of
rendering every world of a batch once from one camera (after a step, as an env's
observation would be). Settings: ``shadows`` (the observer's default: shadows, no
reflections), ``plain`` (``shadows=False``) and ``shadows+reflections`` (the observer
before reflections were turned off, for comparison). Writes a JSON table.

    MUJOCO_GL=osmesa python benchmarks/pixel_speed.py --out benchmarks/results/pixels/speed_cpu.json
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import mujoco
import numpy as np

from manyworld.bench import machine
from manyworld.envs.batch_env import BatchEnv
from manyworld.envs.pixels import PixelObserver
from manyworld.evaluation.results import write_json_atomic


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--task", default="push")
    p.add_argument("--sizes", default="84,128")
    p.add_argument("--worlds", default="1,16,256")
    p.add_argument("--settings", default="shadows+reflections,shadows,plain")
    p.add_argument("--renderer", default="opengl", choices=("opengl", "warp"))
    p.add_argument("--device", default=None, help="Warp device of --renderer warp (cpu, cuda:0)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    rows = []
    settings = args.settings.split(",")
    unknown = set(settings) - {"shadows+reflections", "shadows", "plain"}
    if unknown:
        p.error(f"unknown --settings {sorted(unknown)}; choose from shadows+reflections, shadows, plain")
    if args.renderer == "warp" and "shadows+reflections" in settings:
        p.error("the warp renderer has no reflections: --settings shadows,plain")
    backend = {"backend": "warp", "device": args.device} if args.renderer == "warp" else {"num_threads": 1}
    for size, n, setting in ((int(s), int(w), v) for s in args.sizes.split(",") for w in args.worlds.split(",")
                             for v in settings):  # fmt: skip
        env = BatchEnv(args.task, n, seed=0, **backend)
        env.reset()
        env.step(np.zeros((n, 4)))
        pixels = PixelObserver(env, ("corner",), width=size, height=size, shadows=setting != "plain",
                               renderer=args.renderer)  # fmt: skip
        if setting == "shadows+reflections":
            pixels._renderer._renderer.scene.flags[mujoco.mjtRndFlag.mjRND_REFLECTION] = True
        pixels.observe()  # the GL context's first frame is not timed
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            pixels.observe()
            times.append(time.perf_counter() - t0)
        pixels.close()
        fps = n / statistics.median(times)
        rows.append({"size": size, "worlds": n, "setting": setting, "frames_per_s": round(fps, 1)})
        print(f"{size}x{size}, {n} worlds, {setting}: {fps:,.0f} frames/s", flush=True)
    write_json_atomic(args.out, {"machine": machine(), "renderer": args.renderer, "device": args.device,
                                 "gl": os.environ.get("MUJOCO_GL"), "task": args.task, "rows": rows})  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
