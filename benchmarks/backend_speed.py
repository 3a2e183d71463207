"""Env steps/s of an MT benchmark's env on each simulator back-end, side by side in one run.

For each benchmark (MT10, MT50, ...) and each total world count (spread as evenly as
possible over the tasks), the env that training steps (``manyworld.benchmarks.make_env``:
one batched env per task and the one-hot task id) under uniform random actions, with
finished worlds restarted (the shared ``Collector``), after a warm-up: the mujoco back-end
(``mujoco.batch`` on this machine's cores) and the warp back-end on ``--device``. Median of
``--repeats`` timings of ``--steps`` env steps each. Writes JSON and a Markdown table beside it.

    # the issue's GPU figures, with this machine's CPU path in the same run
    python benchmarks/backend_speed.py MT10 MT50 --worlds 1000,4000,16000 --device cuda:0 \\
        --out benchmarks/results/warp/backend_speed_gpu.json
    # what runs here (no GPU): Warp's CPU device
    python benchmarks/backend_speed.py MT10 --worlds 100,1000 --device cpu \\
        --out benchmarks/results/warp/backend_speed_cpu.json
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from manyworld.bench import machine
from manyworld.benchmarks import make_env
from manyworld.envs.rollout import Collector
from manyworld.evaluation.results import write_json_atomic


def env_steps_per_s(env, steps: int, repeats: int, seed: int) -> float:
    """Median env steps/s of ``env`` under uniform random actions (after one warm-up round)."""
    rng = np.random.default_rng(seed)
    collector = Collector(env, seed=seed)
    n = env.num_worlds

    def once(k: int) -> float:
        actions = rng.uniform(-1, 1, (k, n, 4))
        t0 = time.perf_counter()
        for a in actions:
            collector.step(a)
        return k * n / (time.perf_counter() - t0)

    once(max(1, steps // 10))  # warm-up: kernels loaded, buffers touched
    return statistics.median(once(steps) for _ in range(repeats))


def table(rows: list[dict]) -> str:
    """One line per (benchmark, worlds): env steps/s of each back-end and their ratio."""
    by_key: dict[tuple[str, int], dict[str, float]] = {}
    for r in rows:
        by_key.setdefault((r["benchmark"], r["worlds"]), {})[r["backend"]] = r["env_steps_per_s"]
    device = next((r["device"] for r in rows if r["backend"] == "warp"), "-")
    lines = [f"| benchmark | worlds | mujoco (CPU) env steps/s | warp ({device}) env steps/s | warp / mujoco |",
             "|---|---|---|---|---|"]  # fmt: skip
    for (bench, worlds), rates in by_key.items():
        cpu, warp = rates.get("mujoco"), rates.get("warp")
        ratio = f"{warp / cpu:.2f}" if cpu and warp else "-"
        lines.append(f"| {bench} | {worlds:,} | {cpu or 0:,.0f} | {warp or 0:,.0f} | {ratio} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("benchmarks", nargs="+", help="MT benchmarks (MT10, MT50, 'MT1(reach)')")
    p.add_argument("--worlds", default="1000,4000,16000", help="total world counts, comma-separated")
    p.add_argument("--device", default="cuda:0", help="the warp back-end's device (cpu, cuda:0)")
    p.add_argument("--backends", default="mujoco,warp", help="comma-separated: mujoco, warp")
    p.add_argument("--steps", type=int, default=50, help="env steps per timing")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--num-threads", type=int, default=0, help="mujoco threads per task env (0: all cores)")
    p.add_argument("--out", required=True, help="JSON file (the Markdown table goes beside it)")
    args = p.parse_args(argv)
    worlds = [int(w) for w in args.worlds.split(",")]
    backends = args.backends.split(",")
    rows: list[dict] = []
    out = Path(args.out)
    for bench in args.benchmarks:
        for n in worlds:
            for backend in backends:
                options = {"device": args.device} if backend == "warp" else {"num_threads": args.num_threads}
                t0 = time.perf_counter()
                env = make_env(bench, num_worlds=n, seed=0, backend=backend, **options)
                build_s = time.perf_counter() - t0
                rate = env_steps_per_s(env, args.steps, args.repeats, seed=0)
                rows.append({"benchmark": bench, "worlds": n, "backend": backend,
                             "device": args.device if backend == "warp" else "cpu",
                             "env_steps_per_s": round(rate, 1), "ms_per_step": round(1000 * n / rate, 2),
                             "build_s": round(build_s, 1)})  # fmt: skip
                print(f"{bench} {n:,} worlds {backend}: {rate:,.0f} env steps/s ({1000 * n / rate:.1f} ms a step; "
                      f"built in {build_s:.0f} s)", flush=True)  # fmt: skip
                del env
                write_json_atomic(out, {"machine": machine(), "steps": args.steps, "repeats": args.repeats,
                                        "rows": rows})  # fmt: skip
    out.with_suffix(".md").write_text(table(rows))
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
