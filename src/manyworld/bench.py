"""Throughput measurements: env steps/s against the physics-only ceiling of the same scene.

Every figure is a median over ``repeats`` runs of uniform random actions with
resets included (a world resets when its episode truncates). The ceiling runs
the same ``Batch.step`` calls on the same compiled scene, from the same initial
states and with the same hand targets and finger controls, and nothing else,
so ``env / ceiling`` is the share of time spent simulating.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import mujoco
import numpy as np

from manyworld.envs.batch_env import BatchEnv
from manyworld.envs.rollout import Collector
from manyworld.sim.world import BatchSim
from manyworld.tasks.base import get_task


@dataclass
class TaskSpeed:
    """Throughput of one task (env-steps/s, medians)."""

    task: str
    single_env: float
    batch: dict[int, float]
    ceiling: dict[int, float]
    reset_ms_per_world: float

    def ratio(self, n: int) -> float:
        """Share of the physics-only ceiling reached by BatchEnv at N worlds."""
        return self.batch[n] / self.ceiling[n]


def _time_batch(env: BatchEnv, actions: np.ndarray, record: bool = False):
    """Env-steps/s of ``env`` under ``actions`` (steps, N, 4), resets included.

    With ``record``, also returns the physics inputs each step wrote (hand
    targets and finger controls), for the ceiling to replay.
    """
    n = env.num_worlds
    inputs = _PhysicsInputs(env) if record else None
    collector = Collector(inputs or env, seed=None)
    start = env.sim.state.copy()
    t0 = time.perf_counter()
    for a in actions:
        collector.step(a)
    rate = len(actions) * n / (time.perf_counter() - t0)
    return (rate, (start, np.stack(inputs.mocap), np.stack(inputs.ctrl))) if inputs else rate


class _PhysicsInputs:
    """A BatchEnv that keeps the hand targets and finger controls each step wrote."""

    def __init__(self, env: BatchEnv):
        self.env = env
        self.mocap: list[np.ndarray] = []
        self.ctrl: list[np.ndarray] = []

    def reset(self, *, seed: int | None = None, ids=None):
        return self.env.reset(seed=seed, ids=ids)

    def step(self, actions: np.ndarray, active: np.ndarray | None = None):
        out = self.env.step(actions, active)
        # read before any reset, which restores the initial hand targets
        self.mocap.append(self.env.sim.mocap_pos.copy())
        self.ctrl.append(self.env.sim.ctrl.copy())
        return out


def _time_ceiling(model: mujoco.MjModel, start: np.ndarray, mocap: np.ndarray, ctrl: np.ndarray) -> float:
    """Physics-only ceiling: the same scene, initial states and physics inputs, only Batch.step.

    The recorded hand targets and finger controls are written before each step
    (two array copies), so the simulated motion and contacts match the env run;
    nothing else happens between the batched physics calls.
    """
    sim = BatchSim(model, start.shape[0])
    sim.state[...] = start
    sim.forward()
    t0 = time.perf_counter()
    for m, c in zip(mocap, ctrl):
        sim.mocap_pos[...] = m
        sim.ctrl[...] = c
        sim.step()
    return len(mocap) * start.shape[0] / (time.perf_counter() - t0)


def _time_single(task: str, steps: int, rng: np.random.Generator) -> float:
    import gymnasium as gym

    import manyworld  # noqa: F401  (registers the ids)

    env = gym.make(get_task(task).env_id())
    env.reset(seed=0)
    actions = rng.uniform(-1, 1, (steps, 4)).astype(np.float32)
    t0 = time.perf_counter()
    for a in actions:
        _, _, terminated, truncated, _ = env.step(a)
        if terminated or truncated:
            env.reset()
    return steps / (time.perf_counter() - t0)


def _time_reset(env: BatchEnv, repeats: int = 20) -> float:
    env.reset()  # fills the state cache for the drawn variations
    for _ in range(3):
        env.reset()
    t0 = time.perf_counter()
    for _ in range(repeats):
        env.reset()
    return 1000.0 * (time.perf_counter() - t0) / (repeats * env.num_worlds)


def measure_task(task: str, worlds: tuple[int, ...] = (1, 10, 50), steps: int = 500,
                 repeats: int = 3, seed: int = 0) -> TaskSpeed:
    """Measure one task: the single gymnasium env, BatchEnv at each N, and the ceiling at each N."""
    rng = np.random.default_rng(seed)
    batch, ceiling = {}, {}
    single = statistics.median(_time_single(task, steps, rng) for _ in range(repeats))
    reset_ms = float("nan")
    for n in worlds:
        env = BatchEnv(task, n, seed=seed)
        # past the 500-step horizon, so that every world resets once in the timing
        k = steps + env.max_episode_steps // 5 if steps >= env.max_episode_steps else steps
        actions = rng.uniform(-1, 1, (k, n, 4))
        _, recorded = _time_batch(env, actions, record=True)  # also warms the state cache
        batch[n] = statistics.median(_time_batch(env, actions) for _ in range(repeats))
        ceiling[n] = statistics.median(_time_ceiling(env.model, *recorded) for _ in range(repeats))
        if n == max(worlds):
            reset_ms = _time_reset(env)
    return TaskSpeed(task, single, batch, ceiling, reset_ms)


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` where readable, else what ``platform`` says)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or ""


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    return {"cpu": cpu_model(), "cores": str(os.cpu_count()), "python": platform.python_version(),
            "mujoco": mujoco.__version__, "numpy": np.__version__}


def hardware() -> dict[str, str | int | None]:
    """The machine a training run ran on, as its ``config.json`` records it (``"machine"``)."""
    return {"machine": platform.machine(), "cpu": cpu_model(), "cpu_count": os.cpu_count(),
            "platform": platform.platform()}


def metaworld_speed(python: str, steps: int = 500, repeats: int = 3) -> dict:
    """Run ``benchmarks/metaworld_speed.py`` under another interpreter (a venv with metaworld)."""
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "metaworld_speed.py"
    if not script.exists():
        raise FileNotFoundError(f"{script} not found: run from a source checkout")
    out = subprocess.run([python, str(script), "--steps", str(steps), "--repeats", str(repeats)],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"Meta-World benchmark failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def mt10_vector_speed(tasks: list[str], worlds_per_task: int, steps: int, repeats: int = 3,
                      seed: int = 0) -> float:
    """Env-steps/s of the MT10 tasks stepped as one BatchEnv per task, all sequentially per step."""
    rng = np.random.default_rng(seed)
    envs = [BatchEnv(t, worlds_per_task, seed=seed) for t in tasks]

    def once() -> float:
        collectors = [Collector(e, seed=None) for e in envs]
        actions = rng.uniform(-1, 1, (steps, len(envs), worlds_per_task, 4))
        t0 = time.perf_counter()
        for a in actions:
            for c, ae in zip(collectors, a):
                c.step(ae)
        return steps * len(envs) * worlds_per_task / (time.perf_counter() - t0)

    once()
    return statistics.median(once() for _ in range(repeats))


def to_json(speeds: list[TaskSpeed]) -> list[dict]:
    """JSON-ready list of task speeds."""
    return [asdict(s) | {"ratio": {n: s.ratio(n) for n in s.batch}} for s in speeds]
