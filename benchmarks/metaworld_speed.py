"""Meta-World's own speed, measured for side-by-side comparison with manyworld.

Runs in a separate virtualenv with ``metaworld==3.1.1`` (it pins another mujoco):

    python3 -m venv /tmp/mwvenv && /tmp/mwvenv/bin/pip install metaworld==3.1.1
    /tmp/mwvenv/bin/python benchmarks/metaworld_speed.py --steps 500 --repeats 3

Prints one JSON object: env-steps/s of the MT10 vector env (sync, 10 envs, one
per task) with uniform random actions, autoreset included, and of each MT10
task as a single ``Meta-World/MT1`` env. Uses nothing from manyworld.
"""

import argparse
import json
import os
import platform
import statistics
import time

os.environ.setdefault("MUJOCO_GL", "egl")

import gymnasium as gym
import metaworld
import mujoco
import numpy as np

MT10 = ["reach-v3", "push-v3", "pick-place-v3", "door-open-v3", "drawer-open-v3", "drawer-close-v3",
        "button-press-topdown-v3", "peg-insert-side-v3", "window-open-v3", "window-close-v3"]


def time_vector(steps: int, seed: int) -> float:
    envs = gym.make_vec("Meta-World/MT10", vector_strategy="sync", seed=seed)
    envs.reset(seed=seed)
    rng = np.random.default_rng(seed)
    actions = rng.uniform(-1, 1, (steps, envs.num_envs, 4)).astype(np.float32)
    t0 = time.perf_counter()
    for a in actions:
        envs.step(a)
    dt = time.perf_counter() - t0
    envs.close()
    return steps * envs.num_envs / dt


def time_single(name: str, steps: int, seed: int) -> float:
    env = gym.make("Meta-World/MT1", env_name=name, seed=seed)
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    actions = rng.uniform(-1, 1, (steps, 4)).astype(np.float32)
    t0 = time.perf_counter()
    for a in actions:
        _, _, term, trunc, _ = env.step(a)
        if term or trunc:
            env.reset()
    dt = time.perf_counter() - t0
    env.close()
    return steps / dt


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=1000, help="vector steps per repeat")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    vec = [time_vector(args.steps, r) for r in range(args.repeats)]
    single = {n: statistics.median(time_single(n, args.steps, r) for r in range(args.repeats)) for n in MT10}
    print(json.dumps({
        "metaworld": metaworld.__version__ if hasattr(metaworld, "__version__") else "3.1.1",
        "mujoco": mujoco.__version__, "python": platform.python_version(),
        "mt10_vector_sync_steps_per_s": statistics.median(vec), "mt10_vector_runs": vec,
        "single_env_steps_per_s": single,
    }))


if __name__ == "__main__":
    main()
