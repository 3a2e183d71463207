"""Offline datasets: collection speed, size on disk, load time, and Minari's DataCollector.

Needs the data extra (``pip install -e '.[data]'``; the DataCollector part
also needs jax, which Minari's episode buffers use). Each part prints one JSON
object per measurement::

    python benchmarks/datasets_speed.py collect --tasks reach,push,pick-place,door-open \
        --levels expert,medium,random --episodes 100 --worlds 50
    python benchmarks/datasets_speed.py load --task push --level random --episodes 500
    python benchmarks/datasets_speed.py datacollector --task push --episodes 20

Wall-clock rates depend on what else the machine runs; ``cpu_s`` (this
process's CPU time) is reported beside them for that reason.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import manyworld  # noqa: F401  (registers the gymnasium ids)
from manyworld.datasets import collect, load_arrays


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(t: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - t[0], time.process_time() - t[1]


def part_collect(args: argparse.Namespace, root: Path) -> None:
    for task in args.tasks.split(","):
        for level in args.levels.split(","):
            t = _clock()
            s = collect(task, level, args.episodes, root=root, worlds=args.worlds,
                        num_threads=args.threads, progress=None)
            wall, cpu = _since(t)
            size = sum(p.stat().st_size for p in (s.path / "data").iterdir())
            print(json.dumps({
                "part": "collect", "task": task, "level": level, "episodes": s.episodes,
                "worlds": s.worlds, "steps": s.steps, "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2), "steps_per_s": round(s.steps / wall),
                "steps_per_cpu_s": round(s.steps / cpu), "success_rate": s.success_rate,
                "mb_per_100_episodes": round(size / 1e6 * 100 / s.episodes, 2),
            }), flush=True)


def part_load(args: argparse.Namespace, root: Path) -> None:
    import minari

    s = collect(args.task, args.level, args.episodes, root=root, worlds=args.worlds,
                num_threads=args.threads, progress=None)
    os.environ["MINARI_DATASETS_PATH"] = str(root)
    for _ in range(args.repeats):
        t = _clock()
        data = load_arrays(s.dataset_id)
        fast = _since(t)
        t = _clock()
        load_arrays(s.dataset_id, obs_dtype=np.float32)
        fast32 = _since(t)

        t = _clock()
        ds = minari.load_dataset(s.dataset_id)
        obs, nxt, act, rew, suc = [], [], [], [], []
        for ep in ds.iterate_episodes():
            obs.append(ep.observations[:-1])
            nxt.append(ep.observations[1:])
            act.append(ep.actions)
            rew.append(ep.rewards)
            suc.append(ep.infos["success"][1:])
        arrays = [np.concatenate(x) for x in (obs, nxt, act, rew, suc)]
        slow = _since(t)
        assert np.array_equal(arrays[0], data.obs) and np.array_equal(arrays[2], data.actions)
        print(json.dumps({
            "part": "load", "dataset": s.dataset_id, "episodes": s.episodes, "steps": len(data),
            "load_arrays_s": round(fast[0], 3), "load_arrays_cpu_s": round(fast[1], 3),
            "load_arrays_float32_s": round(fast32[0], 3),
            "minari_iterate_concat_s": round(slow[0], 3), "minari_cpu_s": round(slow[1], 3),
            "speedup": round(slow[0] / fast[0], 1), "speedup_cpu": round(slow[1] / fast[1], 1),
            "mb_on_disk": round(sum(p.stat().st_size for p in (s.path / "data").iterdir()) / 1e6, 1),
        }), flush=True)


def part_datacollector(args: argparse.Namespace, root: Path) -> None:
    import gymnasium as gym
    import minari

    from manyworld.datasets.levels import LEVELS, EpisodePolicy, episode_seed
    from manyworld.tasks.base import get_task

    os.environ["MINARI_DATASETS_PATH"] = str(root / "minari")
    cls = get_task(args.task)
    env = minari.DataCollector(gym.make(cls.env_id()))  # record_infos=False: see below
    rows = cls.variations("train")
    steps = 0
    t = _clock()
    for k in range(args.episodes):
        policy = EpisodePolicy(LEVELS["expert"], cls.expert,
                               [episode_seed(0, cls.name, "expert", k)], 500)
        obs, _ = env.reset(seed=k, options={"params": rows[k % len(rows)]})
        done = False
        while not done:
            obs, _, terminated, truncated, _ = env.step(policy(obs[None])[0])
            done = terminated or truncated
            steps += 1
    stepped = _since(t)
    env.create_dataset(f"manyworld/{cls.name}/datacollector-v{cls.version}",
                       algorithm_name="expert", author="bench", author_email="-",
                       code_permalink="-", description="DataCollector speed comparison")
    total = _since(t)
    print(json.dumps({
        "part": "datacollector", "task": cls.name, "episodes": args.episodes, "steps": steps,
        "wall_s": round(total[0], 2), "cpu_s": round(total[1], 2),
        "steps_per_s": round(steps / total[0]), "stepping_only_steps_per_s": round(steps / stepped[0]),
        "note": "one gymnasium env wrapped in minari.DataCollector(record_infos=False): with "
                "record_infos=True it refuses our infos (the reset info has other keys than the "
                "step info)",
    }), flush=True)
    for worlds in (1, args.episodes):
        t = _clock()
        s = collect(cls.name, "expert", args.episodes, root=root / f"mw{worlds}", worlds=worlds,
                    num_threads=args.threads, progress=None)
        wall, cpu = _since(t)
        print(json.dumps({
            "part": "manyworld", "task": cls.name, "episodes": s.episodes, "worlds": s.worlds,
            "steps": s.steps, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "steps_per_s": round(s.steps / wall), "note": "infos recorded (success, reward terms)",
        }), flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("part", choices=["collect", "load", "datacollector"])
    p.add_argument("--tasks", default="reach,push,pick-place,door-open")
    p.add_argument("--levels", default="expert,medium,random")
    p.add_argument("--task", default="push")
    p.add_argument("--level", default="random")
    p.add_argument("--episodes", type=int, default=100)
    p.add_argument("--worlds", type=int, default=50)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--root", help="where to write (default: a temporary directory, removed after)")
    args = p.parse_args()
    root = Path(args.root) if args.root else Path(tempfile.mkdtemp(prefix="mw-datasets-"))
    try:
        {"collect": part_collect, "load": part_load, "datacollector": part_datacollector}[args.part](
            args, root)
    finally:
        if not args.root:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
