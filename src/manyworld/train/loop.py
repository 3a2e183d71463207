"""The off-policy training run shared by SAC, MT-SAC and MT-MH-SAC.

``train(algo, benchmark, agent_cfg, run_cfg, run_dir)`` steps all worlds of a
benchmark's batched env, fills a per-task replay buffer, runs the jitted
update, and keeps a run directory::

    RUN_DIR/
      config.json          algo, resolved agent + run config, versions
      benchmark.json       the benchmark's identity (task versions, variation hashes)
      agent.json           {"factory": ..., "config": {}}: `manyworld eval --agent RUN_DIR`
      metrics.jsonl, metrics.csv    one row per log interval
      tensorboard/         the same metrics as TensorBoard event files (x axis: env steps)
      evals/step_<N>.json  evaluation results in the harness's result format
      checkpoints/step_<N>/         see manyworld.train.checkpoint

Env steps count transitions over all worlds (W worlds stepped once = W steps).
Resuming (``resume=True``) restores params, optimiser states, temperatures,
RNG states, counters and (if saved) the replay buffer from the last complete
checkpoint, truncates the metric files to it, and restarts the episodes in
progress (env states are not checkpointed); without a saved replay buffer it
collects ``learning_starts`` steps with the policy before updating again. On
CPU the same seed and config give the same metrics (wall-clock columns aside).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import jax
import numpy as np

from manyworld.agents import mtmhsac, mtsac
from manyworld.agents import sac as sac_lib
from manyworld.agents.sac import SACConfig, SACPolicy
from manyworld.train.checkpoint import (
    CheckpointError,
    flatten,
    latest_checkpoint,
    load_checkpoint,
    save_checkpoint,
    unflatten,
)
from manyworld.train.replay import ReplayBuffer
from manyworld.train.tensorboard import EventWriter

_f = sac_lib._f


@dataclass(frozen=True)
class RunConfig:
    """How a run collects data, logs, evaluates and checkpoints (algorithm-independent)."""

    steps: int = _f(1_000_000, "total env steps over all worlds")
    seed: int = _f(0, "seed of networks, exploration, replay sampling and the env")
    worlds_per_task: int = _f(
        1, "parallel worlds per task, stepped in one batched call [Meta-World+: 1 env per task]"
    )
    updates_per_step: float = _f(
        1.0,
        "gradient updates per vector step of all worlds (fractions accumulate) [Meta-World+: 1]",
    )
    buffer_per_task: int = _f(
        100_000, "replay capacity per task [McLean MT1: 100k; Meta-World+ MT10: 1e6 over 10 tasks]"
    )
    learning_starts: int = _f(
        4_000, "env steps of uniform random actions before updates start [Meta-World+: 4k]"
    )
    log_interval: int = _f(5_000, "env steps between metric rows and progress lines")
    eval_interval: int = _f(50_000, "env steps between evaluations (0: only at the end)")
    eval_variations: int = _f(50, "variations per task evaluated (harness MT protocol)")
    eval_split: str = _f(
        "train",
        "variations evaluated: train (the published MT protocol) or test (50 held-out ones)",
    )
    checkpoint_interval: int = _f(50_000, "env steps between checkpoints (0: only at the end)")
    keep_checkpoints: int = _f(2, "newest checkpoints kept on disk")
    save_replay: bool = _f(True, "store the replay buffer in checkpoints (exact resume; large)")
    num_threads: int = _f(0, "physics threads per task env (0: one per core)")

    def __post_init__(self) -> None:
        from manyworld.evaluation.protocol import check_positive

        for name in ("steps", "worlds_per_task", "buffer_per_task", "log_interval",
                     "keep_checkpoints"):  # fmt: skip
            check_positive(name, getattr(self, name))
        check_positive("eval_variations", self.eval_variations, maximum=50)
        for name in ("learning_starts", "eval_interval", "checkpoint_interval", "num_threads"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0 (0 turns it off), got {getattr(self, name)}")
        if not (self.updates_per_step > 0 and math.isfinite(self.updates_per_step)):
            raise ValueError(f"updates_per_step must be a positive number, got {self.updates_per_step}")
        if self.eval_split not in ("train", "test"):
            raise ValueError(f"eval_split must be 'train' or 'test', got {self.eval_split!r}")

    def replace(self, **kw: Any) -> RunConfig:
        return dataclasses.replace(self, **kw)


@dataclass(frozen=True)
class Algo:
    """An algorithm's name, default agent config, run-config changes and default benchmark."""

    name: str
    config: SACConfig
    run: dict[str, Any]
    multitask: bool


#: Single-task SAC: the published recipe (400 x 3, batch 128, one world, one update per
#: step) runs at about 80 env steps/s on a 2-core CPU. These settings were measured here
#: instead (docs/learning.md): 128 x 2 with LayerNorm, batch 256, 8 worlds, 4 updates per
#: vector step (one update per 2 transitions), 2k random steps, rewards scaled by 0.1 in the
#: TD target, 3-step returns, a 1M-transition replay; about 550-600 env steps/s on one core.
#: LayerNorm was the largest gain on reach; the reward scale turned drawer-close (seed 0)
#: from 0.48 final success and no 0.9 crossing in 150k steps into a 0.9 crossing at 60k.
#: 3-step returns halved the env steps to 0.9 on drawer-open and button-press-topdown and,
#: on push, took the runs reaching 0.9 within 1M env steps from 1 of 4 to 2 of 3. The 1M
#: replay (McLean's MT1 script keeps 100k, the last 10% of a 1M-step run) made push cross
#: 0.9 on all three seeds by 550k env steps; with 100k, seed 0 peaked at 0.38.
SAC_FAST = SACConfig(
    hidden=(128, 128), layer_norm=True, batch_size=256, reward_scale=0.1, n_step=3
)
SAC_FAST_RUN = {
    "worlds_per_task": 8,
    "updates_per_step": 4.0,
    "learning_starts": 2_000,
    "buffer_per_task": 1_000_000,
}

ALGOS: dict[str, Algo] = {
    "sac": Algo("sac", SAC_FAST, SAC_FAST_RUN, multitask=False),
    "mtsac": Algo("mtsac", mtsac.CONFIG, {}, multitask=True),
    "mtmhsac": Algo("mtmhsac", mtmhsac.CONFIG, {}, multitask=True),
}

METRIC_KEYS = (
    "env_steps", "updates", "episodes", "wall_s", "eval_wall_s", "env_steps_per_s", "updates_per_s",
    "train_success", "train_return", "eval_success",
    "critic_loss", "actor_loss", "alpha_loss", "alpha", "q", "entropy",
)  # fmt: skip
TIMING_KEYS = ("wall_s", "eval_wall_s", "env_steps_per_s", "updates_per_s")


def get_algo(name: str) -> Algo:
    if name not in ALGOS:
        raise ValueError(f"unknown algorithm {name!r}; choose from {sorted(ALGOS)}")
    return ALGOS[name]


def _config_dict(cfg: Any) -> dict[str, Any]:
    return json.loads(json.dumps(dataclasses.asdict(cfg)))


def sac_config_from_dict(d: dict[str, Any]) -> SACConfig:
    """Inverse of the config.json ``agent`` block (lists back to tuples)."""
    names = {f.name for f in dataclasses.fields(SACConfig)}
    unknown = sorted(set(d) - names)
    if unknown:
        raise ValueError(f"unknown SAC config fields {unknown}")
    return SACConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


# ------------------------------------------------------------------ run directory
class _MetricsLog:
    """metrics.jsonl + metrics.csv with a fixed header (per-task columns included)."""

    def __init__(self, run_dir: Path, tasks: tuple[str, ...], upto: int | None):
        self.jsonl, self.csv = run_dir / "metrics.jsonl", run_dir / "metrics.csv"
        self.keys = list(METRIC_KEYS) + ([f"success/{t}" for t in tasks] if len(tasks) > 1 else [])
        rows = []
        if upto is not None and self.jsonl.exists():  # resume: drop rows past the checkpoint
            rows = [json.loads(line) for line in self.jsonl.read_text().splitlines() if line]
            rows = [r for r in rows if r["env_steps"] <= upto]
        self.rows = rows
        self.jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows))
        with open(self.csv, "w", newline="") as f:
            w = csv.DictWriter(f, self.keys, extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
        self.tb = EventWriter(run_dir / "tensorboard")

    def write(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        self.tb.add_scalars(row["env_steps"], {k: v for k, v in row.items() if k != "env_steps"})
        with open(self.jsonl, "a") as f:
            f.write(json.dumps(row) + "\n")
        with open(self.csv, "a", newline="") as f:
            csv.DictWriter(f, self.keys, extrasaction="ignore").writerow(row)


def _fmt_eta(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s"


def _evaluate(
    policy: SACPolicy, bench: Any, run: RunConfig, env_steps: int, run_dir: Path
) -> float:
    from manyworld.evaluation import MTProtocol, evaluate_multitask, write_result

    result = evaluate_multitask(
        policy,
        bench,
        MTProtocol(variations_per_task=run.eval_variations, split=run.eval_split),
        seed=run.seed,
        env_steps_trained=env_steps,
        progress=None,
    )
    write_result(run_dir / "evals" / f"step_{env_steps:012d}.json", result)
    return float(result["aggregate"]["success_rate"])


# ------------------------------------------------------------------ training
def train(
    algo: str,
    benchmark: str,
    agent_cfg: SACConfig | None = None,
    run_cfg: RunConfig | None = None,
    run_dir: str | Path = "runs/run",
    *,
    resume: bool = False,
    progress: TextIO | None = sys.stderr,
) -> tuple[SACPolicy, sac_lib.SACState, list[dict[str, Any]]]:
    """Train (or resume) a run; returns ``(policy, state, metric rows)`` (brax's contract).

    Args:
        algo: ``sac``, ``mtsac`` or ``mtmhsac``.
        benchmark: a benchmark name (``MT1(reach)`` for single-task SAC, ``MT10``, ...).
        agent_cfg: the algorithm's config (default: the algorithm's defaults);
            ``num_tasks`` and ``obs_dim`` are filled in from the env.
        run_cfg: the run's config (default: :class:`RunConfig`).
        run_dir: where everything is written.
        resume: continue from the run directory's last complete checkpoint
            (the configs must match the ones stored there, ``steps`` excepted).
        progress: stream for the progress line (None: silent).
    """
    from manyworld.benchmarks import get_benchmark, make_env

    spec = get_algo(algo)
    run = run_cfg or RunConfig().replace(**spec.run)
    run_dir = Path(run_dir)
    bench = get_benchmark(benchmark)
    bench.require_tasks()
    if bench.kind != "MT":
        raise ValueError(
            f"{algo} trains on multi-task (MT) benchmarks, got {bench.name} ({bench.kind})"
        )

    # ENVIRONMENT
    env = make_env(
        bench, worlds_per_task=run.worlds_per_task, seed=run.seed, num_threads=run.num_threads
    )
    tasks = env.task_names
    num_tasks, num_worlds = len(tasks), env.num_worlds
    cfg = (agent_cfg or spec.config).replace(
        num_tasks=num_tasks, obs_dim=int(env.observation_space.shape[0])
    )
    if cfg.batch_size < num_tasks:
        raise ValueError(f"batch_size {cfg.batch_size} is smaller than the {num_tasks} tasks")
    task_ids = np.asarray(env.task_ids, np.int32)

    # STATE (fresh, or restored from the last complete checkpoint)
    key = jax.random.key(run.seed)
    key, k_init = jax.random.split(key)
    state = sac_lib.init_state(cfg, k_init)
    np_rng = np.random.default_rng(run.seed)
    buffer = ReplayBuffer(num_tasks, run.buffer_per_task, cfg.obs_dim, cfg.action_dim)
    counters = {"env_steps": 0, "updates": 0, "episodes": 0, "wall_s": 0.0, "eval_wall_s": 0.0,
                "update_credit": 0.0}  # fmt: skip
    config_json = {
        "algo": algo,
        "benchmark": bench.name,
        "agent": _config_dict(cfg),
        "run": _config_dict(run),
        "versions": _versions(),
    }
    learn_from = run.learning_starts
    if resume:
        ckpt = latest_checkpoint(run_dir / "checkpoints")
        meta, arrays = load_checkpoint(ckpt, want_replay=run.save_replay)
        _check_same_run(meta, config_json, ckpt)
        state = unflatten(state, arrays["state"], "state", str(ckpt / "state.npz"))
        key = unflatten(key, arrays["state"], "key", str(ckpt / "state.npz"))
        np_rng.bit_generator.state = meta["numpy_rng"]
        counters.update(meta["counters"])
        if "replay" in arrays:
            buffer.load_state_dict(arrays["replay"])
        else:  # no replay saved: refill it (with the policy) before updating again
            learn_from = counters["env_steps"] + run.learning_starts
        log = _MetricsLog(run_dir, tasks, upto=counters["env_steps"])
        _say(progress, f"resumed {run_dir} from {ckpt.name} ({counters['env_steps']:,} env steps)")
    else:
        if (run_dir / "checkpoints").exists() and any((run_dir / "checkpoints").iterdir()):
            raise ValueError(
                f"{run_dir} already holds checkpoints; resume it (--resume) or choose another run dir"
            )
        run_dir.mkdir(parents=True, exist_ok=True)
        log = _MetricsLog(run_dir, tasks, upto=None)
    from manyworld.evaluation.results import write_json_atomic

    write_json_atomic(run_dir / "config.json", config_json)
    write_json_atomic(run_dir / "benchmark.json", bench.identity())
    write_json_atomic(
        run_dir / "agent.json", {"factory": "manyworld.train.loop:load_run_agent", "config": {}}
    )

    def policy() -> SACPolicy:
        return SACPolicy(cfg, state.actor, name=algo, info={"run_dir": str(run_dir), "algo": algo})

    def checkpoint() -> None:
        arrays = {"state": {**flatten(state, "state"), **flatten(key, "key")}}
        if run.save_replay:
            arrays["replay"] = buffer.state_dict()
        meta = {
            **config_json,
            "counters": dict(counters, wall_s=counters["wall_s"] + time.perf_counter() - t_start),
            "numpy_rng": np_rng.bit_generator.state,
        }
        save_checkpoint(
            run_dir / "checkpoints", counters["env_steps"], arrays, meta, run.keep_checkpoints
        )

    # one env-seed per (seed, start step): a resumed run restarts its episodes
    obs, _ = env.reset(
        seed=int(np.random.SeedSequence([run.seed, counters["env_steps"]]).generate_state(1)[0])
    )
    window = {"succ": np.zeros(num_tasks), "eps": np.zeros(num_tasks), "ret": 0.0}
    last_metrics: dict[str, float] = {}
    eval_success = None
    t_start = time.perf_counter()
    t_log, steps_log, updates_log = t_start, counters["env_steps"], counters["updates"]

    while counters["env_steps"] < run.steps:
        before = counters["env_steps"]
        # COLLECT: one step of every world
        obs32 = obs.astype(np.float32)
        if before < run.learning_starts:
            actions = np_rng.uniform(-1.0, 1.0, (num_worlds, cfg.action_dim))
        else:
            key, k_act = jax.random.split(key)
            actions = np.asarray(sac_lib.explore(cfg, state.actor, obs32, task_ids, k_act))
        next_obs, reward, terminated, truncated, info = env.step(actions)
        done = terminated | truncated
        buffer.add(
            task_ids, obs=obs32, action=actions, reward=reward,
            next_obs=next_obs, terminated=terminated, done=done,
        )  # fmt: skip
        if done.any():
            ended = np.flatnonzero(done)
            ep = info["episode"]
            np.add.at(window["succ"], task_ids[ended], ep["success"][ended])
            np.add.at(window["eps"], task_ids[ended], 1)
            window["ret"] += float(ep["return"][ended].sum())
            counters["episodes"] += len(ended)
            next_obs, _ = env.reset(ids=ended)
        obs = next_obs
        counters["env_steps"] += num_worlds
        now = counters["env_steps"]

        # UPDATE NETWORK
        if now >= learn_from:
            counters["update_credit"] += run.updates_per_step
            n = int(counters["update_credit"])
            if n > 0:
                counters["update_credit"] -= n
                batches = buffer.sample(
                    np_rng, cfg.batch_size, n, n_step=cfg.n_step, gamma=cfg.gamma
                )
                key, k_upd = jax.random.split(key)
                state, m = sac_lib.update(cfg, state, batches, k_upd)
                counters["updates"] += n
                last_metrics = m

        # EVALUATE, LOG, CHECKPOINT
        finished = now >= run.steps
        if finished or (
            run.eval_interval and now // run.eval_interval > before // run.eval_interval
        ):
            t_eval = time.perf_counter()
            eval_success = _evaluate(policy(), bench, run, now, run_dir)
            counters["eval_wall_s"] += time.perf_counter() - t_eval
        if finished or now // run.log_interval > before // run.log_interval:
            t = time.perf_counter()
            eps = window["eps"].sum()
            row: dict[str, Any] = {
                "env_steps": now,
                "updates": counters["updates"],
                "episodes": counters["episodes"],
                "wall_s": round(counters["wall_s"] + t - t_start, 3),
                "eval_wall_s": round(counters["eval_wall_s"], 3),
                "env_steps_per_s": round((now - steps_log) / max(t - t_log, 1e-9), 1),
                "updates_per_s": round(
                    (counters["updates"] - updates_log) / max(t - t_log, 1e-9), 1
                ),
                "train_success": float(window["succ"].sum() / eps) if eps else None,
                "train_return": window["ret"] / eps if eps else None,
                "eval_success": eval_success,
                **{k: float(v) for k, v in last_metrics.items()},
            }
            if num_tasks > 1:
                for i, task in enumerate(tasks):
                    row[f"success/{task}"] = (
                        float(window["succ"][i] / window["eps"][i]) if window["eps"][i] else None
                    )
            log.write(row)
            eta = (run.steps - now) / row["env_steps_per_s"] if row["env_steps_per_s"] else math.inf
            succ = "-" if row["train_success"] is None else f"{row['train_success']:.2f}"
            ev = "" if eval_success is None else f"  eval {eval_success:.2f}"
            _say(
                progress,
                f"[{algo} {bench.name}] {now:,}/{run.steps:,} env steps  "
                f"{row['env_steps_per_s']:,.0f} steps/s  {row['updates_per_s']:,.0f} updates/s  "
                f"success {succ}{ev}  ETA {_fmt_eta(eta)}",
            )
            window = {"succ": np.zeros(num_tasks), "eps": np.zeros(num_tasks), "ret": 0.0}
            eval_success = None
            t_log, steps_log, updates_log = t, now, counters["updates"]
        if finished or (
            run.checkpoint_interval
            and now // run.checkpoint_interval > before // run.checkpoint_interval
        ):
            checkpoint()
    env.close()
    log.tb.close()
    return policy(), state, log.rows


def _say(stream: TextIO | None, line: str) -> None:
    if stream is not None:
        print(line, file=stream, flush=True)


def _versions() -> dict[str, str]:
    import flax
    import optax

    import manyworld

    return {
        "manyworld": getattr(manyworld, "__version__", "?"),
        "jax": jax.__version__,
        "flax": flax.__version__,
        "optax": optax.__version__,
    }


def _check_same_run(meta: dict, config_json: dict, ckpt: Path) -> None:
    """A checkpoint resumes only the run that wrote it (``steps`` and logging may change)."""
    if isinstance(meta.get("agent"), dict):
        # a field added since the checkpoint was written ran at its default (the old behaviour)
        meta = {**meta, "agent": {**_config_dict(SACConfig()), **meta["agent"]}}
    for key in ("algo", "benchmark", "agent"):
        if meta.get(key) != config_json[key]:
            raise CheckpointError(
                f"{ckpt}: written by a different run ({key} {meta.get(key)!r} != {config_json[key]!r})"
            )
    mutable = {"steps", "log_interval", "eval_interval", "eval_variations", "checkpoint_interval",
               "keep_checkpoints", "num_threads"}  # fmt: skip
    theirs = {k: v for k, v in dict(meta.get("run", {})).items() if k not in mutable}
    ours = {k: v for k, v in config_json["run"].items() if k not in mutable}
    if theirs != ours:
        diff = sorted(k for k in set(theirs) | set(ours) if theirs.get(k) != ours.get(k))
        raise CheckpointError(f"{ckpt}: run config differs from this run's in {diff}")


# ------------------------------------------------------------------ evaluation entry point
def read_run_config(run_dir: str | Path) -> tuple[str, str, SACConfig, RunConfig]:
    """``(algo, benchmark, agent config, run config)`` from a run directory's config.json."""
    path = Path(run_dir) / "config.json"
    if not path.is_file():
        raise ValueError(f"{run_dir}: not a training run directory (no config.json)")
    d = json.loads(path.read_text())
    return d["algo"], d["benchmark"], sac_config_from_dict(d["agent"]), RunConfig(**d["run"])


def load_run_agent(run_dir: str, checkpoint: str | None = None) -> SACPolicy:
    """The policy of a run's newest (or the named) checkpoint: the ``agent.json`` factory."""
    algo, _, cfg, _ = read_run_config(run_dir)
    ckpt = Path(checkpoint) if checkpoint else latest_checkpoint(Path(run_dir) / "checkpoints")
    meta, arrays = load_checkpoint(ckpt, want_replay=False)
    template = sac_lib.init_state(cfg, jax.random.key(0))
    state = unflatten(template, arrays["state"], "state", str(ckpt / "state.npz"))
    return SACPolicy(
        cfg, state.actor, name=algo,
        info={"run_dir": str(run_dir), "checkpoint": ckpt.name, "algo": algo,
              "env_steps": meta["counters"]["env_steps"]},
    )  # fmt: skip
