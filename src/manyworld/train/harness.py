"""The training harness: run management shared by every algorithm.

``train(algo, benchmark, agent_cfg, run_cfg, run_dir)`` builds the benchmark's
batched env, asks the algorithm's registry entry (:mod:`manyworld.train.registry`)
for a :class:`Trainer`, and drives it: it owns the env and its seeding, counts
env steps and finished episodes, evaluates on schedule through the harness's
MT protocol, logs, prints progress with an ETA, and checkpoints. It knows
nothing of any one algorithm. Meta-learners (``AlgoSpec.meta``) train on an ML
benchmark's train tasks and are evaluated by the ML protocol on its test tasks
(and, at the end, on its train tasks: ``evals_meta_train/``). The run directory::

    RUN_DIR/
      config.json          algo, resolved agent + run config, versions
      benchmark.json       the benchmark's identity (task versions, variation hashes)
      agent.json           {"factory": ..., "config": {}}: `manyworld eval --agent RUN_DIR`
      metrics.jsonl, metrics.csv    one row per log interval
      tensorboard/         the same metrics as TensorBoard event files (x axis: env steps)
      evals/step_<N>.json  evaluation results in the harness's result format
      checkpoints/step_<N>/         see manyworld.train.checkpoint
      episodes/part_<N>.npz         with record_episodes: the episodes finished by step N
                                    (see manyworld.train.episodes)
      .lock                held by the process training the run (one writer at a time)

Env steps count transitions over all worlds (W worlds stepped once = W steps).
Resuming (``resume=True``) restores the trainer's arrays and JSON state and the
harness's counters from the last complete checkpoint, truncates the metric
files to it, and restarts the episodes in progress (env states are not
checkpointed; the env is reseeded from the seed and the step count; with
``record_episodes`` the episode parts newer than the checkpoint are deleted); a torn
last metrics row, which a killed run can leave, is dropped with a warning. A
checkpoint resumes only the run that wrote it: another algorithm, benchmark,
agent config, data-affecting run field or task version is refused with a
:class:`~manyworld.train.checkpoint.CheckpointError`. On CPU the same seed and
config give the same metrics (wall-clock columns aside).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import fcntl
import json
import math
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

import numpy as np

from manyworld.train.checkpoint import (
    CheckpointError,
    latest_checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from manyworld.train.config import config_dict, config_from_dict, option
from manyworld.train.registry import AlgoSpec, get_algo
from manyworld.train.tensorboard import EventWriter


# ------------------------------------------------------------------ RUN CONFIG
@dataclass(frozen=True)
class RunConfig:
    """How a run steps its env, logs, evaluates and checkpoints (algorithm-independent)."""

    steps: int = option(1_000_000, "total env steps over all worlds")
    max_minutes: float = option(
        0.0,
        "wall-clock budget in minutes over all legs of the run, evaluations included (0: none): "
        "the run ends at the first iteration that ends past it, with a final evaluation and "
        "checkpoint, whichever of --steps and this comes first",
    )
    seed: int = option(0, "seed of networks, exploration, sampling and the env")
    worlds_per_task: int = option(
        1, "parallel worlds per task, stepped in one batched call [Meta-World+: 1 env per task]"
    )
    log_interval: int = option(5_000, "env steps between metric rows and progress lines")
    eval_interval: int = option(50_000, "env steps between evaluations (0: only at the end)")
    eval_variations: int = option(
        50, "variations per task evaluated (MT protocol; ML: per test task, at most 40)"
    )
    eval_split: str = option(
        "train",
        "variations evaluated: train (the published MT protocol) or test (50 held-out ones)",
    )
    checkpoint_interval: int = option(
        50_000, "env steps between checkpoints (0: only at the end)"
    )
    keep_checkpoints: int = option(2, "newest checkpoints kept on disk")
    num_threads: int = option(0, "physics threads per task env (0: one per core)")
    backend: str = option(
        "mujoco",
        "simulator of the training env: mujoco (the benchmark's physics, on the CPU) or warp "
        "(MuJoCo Warp, float32, on --device); evaluations always run the benchmark's protocol "
        "on mujoco, so scores compare across back-ends",
    )
    device: str = option("", "the warp back-end's device (cpu, cuda:0; empty: Warp's default)")
    record_episodes: bool = option(
        False,
        "record every training episode (raw observations, actions, env rewards, success and "
        "reward terms) into RUN_DIR/episodes/ at each checkpoint, for `manyworld dataset "
        "from-run` (the replay level); not for meta-learners or offline algorithms",
    )

    def __post_init__(self) -> None:
        from manyworld.evaluation.protocol import check_positive

        for name in ("steps", "worlds_per_task", "log_interval", "keep_checkpoints"):
            check_positive(name, getattr(self, name))
        check_positive("eval_variations", self.eval_variations, maximum=50)
        if not self.max_minutes >= 0:  # also refuses NaN
            raise ValueError(f"max_minutes must be >= 0 (0: no wall-clock budget), got {self.max_minutes}")
        for name in ("eval_interval", "checkpoint_interval", "num_threads"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0 (0 turns it off), got {getattr(self, name)}")
        if self.eval_split not in ("train", "test"):
            raise ValueError(f"eval_split must be 'train' or 'test', got {self.eval_split!r}")
        from manyworld.sim.world import BACKENDS

        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {self.backend!r}")
        if self.device and self.backend != "warp":
            raise ValueError(f"device={self.device!r} is for the warp back-end; add --backend warp "
                             "or drop --device (the mujoco back-end runs on the CPU)")  # fmt: skip

    def replace(self, **kw: Any) -> RunConfig:
        return dataclasses.replace(self, **kw)


#: Run fields a resume may change: budget, logging and machine settings, not the data.
RESUME_MUTABLE = frozenset({"steps", "max_minutes", "log_interval", "eval_interval", "eval_variations",
                            "checkpoint_interval", "keep_checkpoints", "num_threads", "device"})  # fmt: skip

#: Metric columns every run logs, before the algorithm's own and the per-task ones.
HARNESS_KEYS = (
    "env_steps", "updates", "episodes", "wall_s", "eval_wall_s", "env_steps_per_s", "updates_per_s",
    "train_success", "train_return", "eval_success",
)  # fmt: skip
TIMING_KEYS = ("wall_s", "eval_wall_s", "env_steps_per_s", "updates_per_s")


def is_timing(key: str) -> bool:
    """Whether a metric column is a wall-clock measurement (the harness's, or an algorithm's
    ``time_*``), which varies between runs of the same seed."""
    return key in TIMING_KEYS or key.startswith("time_")


# ------------------------------------------------------------------ THE TRAINER CONTRACT
class Trainer(Protocol):
    """What an algorithm gives the harness (built by its ``AlgoSpec.make_trainer``).

    The harness calls :meth:`iterate` until the step budget is spent; between
    calls it evaluates, logs and checkpoints. Everything a trainer needs to
    continue bit for bit after a resume is in :meth:`arrays` (numpy arrays,
    stored as ``.npz``) and :meth:`meta` (JSON).
    """

    def iterate(self, collector: TrackedCollector, env_steps: int) -> tuple[int, dict[str, float]]:
        """Collect with ``collector`` (one or more vector steps) and update.

        Returns:
            The number of gradient updates made and the metrics of the newest
            one (an empty dict when there was none).
        """
        ...

    def policy(self, info: dict[str, Any]) -> Any:
        """The current evaluation policy (an ``Agent``: ``act(obs) -> actions``)."""
        ...

    def arrays(self) -> dict[str, dict[str, np.ndarray]]:
        """File stem -> flat arrays for the checkpoint; ``state`` holds what the policy needs."""
        ...

    def meta(self) -> dict[str, Any]:
        """JSON state of the trainer (RNG states, counters) for the checkpoint."""
        ...

    def restore(self, arrays: dict[str, dict[str, np.ndarray]], meta: dict, env_steps: int) -> None:
        """Continue from a checkpoint's arrays and its whole ``meta.json`` payload."""
        ...


class TrackedCollector:
    """The env's :class:`~manyworld.envs.rollout.Collector`, counting env steps and finished episodes.

    Trainers step it; the harness reads (and clears) the episodes that ended
    since its last log row.
    """

    def __init__(self, env: Any, seed: int):
        from manyworld.envs.rollout import Collector

        self._collector = Collector(env, seed=seed)
        self.env = env
        self.task_ids = np.asarray(env.task_ids, np.int32)
        self.num_worlds = int(env.num_worlds)
        self.num_tasks = len(env.task_names)
        self.env_steps = 0
        self.clear_window()

    @property
    def obs(self) -> np.ndarray:
        """The current observation of every world (W, D)."""
        return self._collector.obs

    def step(self, actions: np.ndarray) -> Any:
        """One step of every world (see ``Collector.step``); ended episodes are counted."""
        s = self._collector.step(actions)
        self.env_steps += self.num_worlds
        if s.ended.size:
            tid = self.task_ids[s.ended]
            np.add.at(self.succ, tid, s.episode["success"][s.ended])
            np.add.at(self.eps, tid, 1)
            self.ret += float(s.episode["return"][s.ended].sum())
            self.episodes += len(s.ended)
        return s

    def set_tasks(self, pairs: Any, seed: int | None = None) -> None:
        """Meta-training: lay the worlds out as a new meta-batch and restart them (see
        ``Collector.set_tasks``)."""
        self._collector.set_tasks(pairs, seed)
        self.task_ids = np.asarray(self.env.task_ids, np.int32)
        self.num_worlds = int(self.env.num_worlds)

    def clear_window(self) -> None:
        """Start a new log window of episode statistics."""
        self.succ = np.zeros(self.num_tasks)
        self.eps = np.zeros(self.num_tasks)
        self.ret = 0.0
        self.episodes = 0


# ------------------------------------------------------------------ RUN DIRECTORY
#: A run directory's lock file (see :func:`lock_run_dir`).
LOCK_FILE = ".lock"


class RunDirBusyError(ValueError):
    """A run directory that another process is training into."""


@contextlib.contextmanager
def lock_run_dir(run_dir: Path) -> Iterator[None]:
    """Hold ``run_dir`` for one writer while the block runs; a second one is refused.

    Two trainings (or a training and a resume) of one run directory would
    interleave their metric rows and checkpoints. The lock is an exclusive
    ``flock`` on ``RUN_DIR/.lock`` held through an open file, so the kernel drops
    it when the process ends, however it ends: a run killed with ``kill -9``
    leaves no stale lock, and resumes as usual. The file holds the holder's pid.

    Raises:
        RunDirBusyError: another process (or another open of the file) holds the lock.
    """
    fd = os.open(run_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise RunDirBusyError(
                f"{run_dir} is in use by another training process (pid {holder}); two writers "
                "would corrupt it: wait for that run to end (or stop it), or choose another run "
                "directory"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


class MetricsLog:
    """metrics.jsonl + metrics.csv with a fixed header, and TensorBoard event files."""

    def __init__(self, run_dir: Path, keys: list[str], upto: int | None, step_key: str = "env_steps"):
        self.jsonl, self.csv = run_dir / "metrics.jsonl", run_dir / "metrics.csv"
        self.keys = keys
        self.step_key = step_key  # the budget's counter: the x axis of the logs
        rows = []
        if upto is not None and self.jsonl.exists():  # resume: drop rows past the checkpoint
            from manyworld.evaluation.results import read_jsonl

            rows, torn = read_jsonl(self.jsonl)
            if torn is not None:
                # on stderr whatever the progress stream: a dropped row is worth knowing
                print(f"warning: {self.jsonl}: dropped its torn last line ({len(torn)} characters, "
                      "left by a run killed while writing it)", file=sys.stderr, flush=True)
            rows = [r for r in rows if r[step_key] <= upto]
        self.rows = rows
        self.jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows))
        with open(self.csv, "w", newline="") as f:
            w = csv.DictWriter(f, self.keys, extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
        self.tb = EventWriter(run_dir / "tensorboard")

    def write(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        step = row[self.step_key]
        self.tb.add_scalars(step, {k: v for k, v in row.items() if k != self.step_key})
        with open(self.jsonl, "a") as f:
            f.write(json.dumps(row) + "\n")
        with open(self.csv, "a", newline="") as f:
            csv.DictWriter(f, self.keys, extrasaction="ignore").writerow(row)


def fmt_eta(seconds: float) -> str:
    """``1h02m`` / ``3m05s``, ``?`` when unknown."""
    if not math.isfinite(seconds):
        return "?"
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s"


def _evaluate(
    policy: Any, bench: Any, run: RunConfig, env_steps: int, run_dir: Path, split: str = "test",
    tag: int | None = None,
) -> float:
    """Score ``policy`` into ``evals/step_<tag>.json`` (``tag``: the budget counter, by default
    the env steps; an offline run counts gradient updates and trains on no env step)."""
    tag = env_steps if tag is None else tag
    from manyworld.evaluation import (
        MLProtocol,
        MTProtocol,
        evaluate_metalearning,
        evaluate_multitask,
        write_result,
    )

    if bench.kind == "ML":
        # the meta-test score (held-out tasks); split="train" scores the meta-training tasks
        protocol = MLProtocol(
            test_variations=min(run.eval_variations, bench.test_variations), split=split
        )
        result = evaluate_metalearning(
            policy, bench, protocol, seed=run.seed, env_steps_trained=env_steps, progress=None
        )
        folder = "evals" if split == "test" else "evals_meta_train"
        write_result(run_dir / folder / f"step_{tag:012d}.json", result)
        return float(result["aggregate"]["success_rate"])
    result = evaluate_multitask(
        policy,
        bench,
        MTProtocol(variations_per_task=run.eval_variations, split=run.eval_split),
        seed=run.seed,
        env_steps_trained=env_steps,
        progress=None,
    )
    write_result(run_dir / "evals" / f"step_{tag:012d}.json", result)
    return float(result["aggregate"]["success_rate"])


# ------------------------------------------------------------------ TRAINING
def train(
    algo: str,
    benchmark: str,
    agent_cfg: Any = None,
    run_cfg: RunConfig | None = None,
    run_dir: str | Path = "runs/run",
    *,
    resume: bool = False,
    progress: TextIO | None = sys.stderr,
) -> tuple[Any, Any, list[dict[str, Any]]]:
    """Train (or resume) a run; returns ``(policy, trainer, metric rows)`` (brax's contract).

    Args:
        algo: a registered algorithm (``manyworld train --help`` lists them).
        benchmark: a benchmark name (``MT1(reach)`` for one task, ``MT10``, ...).
        agent_cfg: the algorithm's config (default: its preset); ``num_tasks``
            and ``obs_dim`` are filled in from the env.
        run_cfg: the run's config (default: :class:`RunConfig` with the preset's changes).
        run_dir: where everything is written.
        resume: continue from the run directory's last complete checkpoint
            (the configs must match the ones stored there, budget and logging excepted).
        progress: stream for the progress line (None: silent).

    Raises:
        RunDirBusyError: another process is training into ``run_dir``
            (:func:`lock_run_dir`: the directory is held for the whole run).
    """
    run_dir = Path(run_dir)
    if resume:
        latest_checkpoint(run_dir / "checkpoints")  # nothing to resume: say so, make no lock file
    else:
        run_dir.mkdir(parents=True, exist_ok=True)
    with lock_run_dir(run_dir):
        return _train(algo, benchmark, agent_cfg, run_cfg, run_dir, resume, progress)


def _train(
    algo: str,
    benchmark: str,
    agent_cfg: Any,
    run_cfg: RunConfig | None,
    run_dir: Path,
    resume: bool,
    progress: TextIO | None,
) -> tuple[Any, Any, list[dict[str, Any]]]:
    """:func:`train`, with ``run_dir`` locked."""
    from manyworld.benchmarks import get_benchmark, make_env

    spec = get_algo(algo)
    run = run_cfg or RunConfig().replace(**spec.run)
    bench = get_benchmark(benchmark)
    bench.require_tasks()
    want = "ML" if spec.meta else "MT"
    if bench.kind != want:
        kind = "meta-learning (ML)" if spec.meta else "multi-task (MT)"
        raise ValueError(f"{algo} trains on {kind} benchmarks, got {bench.name} ({bench.kind})")
    if run.record_episodes and (spec.meta or spec.offline):
        why = ("observes wrapped observations of meta-batches it re-draws" if spec.meta
               else "learns from a dataset and steps no env")
        raise ValueError(f"record_episodes records the training episodes of an online MT "
                         f"learner; {algo} {why}: drop --record-episodes (the replay level "
                         "comes from the SAC family's runs)")
    cfg = agent_cfg if agent_cfg is not None else spec.config
    if not isinstance(cfg, spec.config_cls):
        raise TypeError(f"{algo} takes a {spec.config_cls.__name__}, got {type(cfg).__name__}")

    # ENVIRONMENT
    layout: dict[str, Any] = {"worlds_per_task": run.worlds_per_task}
    if spec.meta:  # a meta-batch of (task, variation) pairs over the train tasks
        if run.worlds_per_task != 1:
            raise ValueError(
                f"{algo} lays its worlds out as a meta-batch of (task, variation) pairs: "
                "set its size with --meta-batch, not --worlds-per-task"
            )
        layout = {"num_worlds": cfg.meta_batch, "split": "train"}
    env = make_env(
        bench,
        **layout,
        seed=run.seed,
        num_threads=run.num_threads,
        backend=run.backend,
        device=run.device or None,
        **spec.env_options(cfg),
    )
    tasks = env.task_names
    cfg = spec.fill(cfg, env)

    # TRAINER (fresh, or restored from the last complete checkpoint)
    trainer = spec.make_trainer(cfg, run, env, run.seed)
    counters = {"env_steps": 0, "updates": 0, "episodes": 0, "wall_s": 0.0, "eval_wall_s": 0.0}
    # the budget (--steps) counts env steps, or gradient updates for an offline algorithm
    budget = "updates" if spec.offline else "env_steps"
    from manyworld.bench import hardware

    config_json = {
        "algo": algo,
        "benchmark": bench.name,
        "agent": config_dict(cfg),
        "run": config_dict(run),
        "budget": budget,  # what --steps, the intervals and evals/step_<N> count
        "versions": _versions(),
        # where the wall-clock figures were measured (reports print it); a resume rewrites it,
        # and _check_same_run never compares it: a run may finish on another machine
        "machine": hardware(),
    }
    keys = list(HARNESS_KEYS) + list(spec.metric_keys)
    keys += [f"success/{t}" for t in tasks] if len(tasks) > 1 else []
    if resume:
        ckpt = latest_checkpoint(run_dir / "checkpoints")
        meta, arrays = load_checkpoint(ckpt)
        _check_same_run(spec, meta, config_json, ckpt)
        _check_same_tasks(run_dir, bench)
        counters = {k: meta["counters"].get(k, v) for k, v in counters.items()}
        trainer.restore(arrays, meta, counters["env_steps"])
        log = MetricsLog(run_dir, keys, upto=counters[budget], step_key=budget)
        _say(progress, f"resumed {run_dir} from {ckpt.name} ({counters[budget]:,} {_unit(budget)})")
    else:
        if (run_dir / "checkpoints").exists() and any((run_dir / "checkpoints").iterdir()):
            raise ValueError(
                f"{run_dir} already holds checkpoints; resume it (--resume) or choose another run dir"
            )
        log = MetricsLog(run_dir, keys, upto=None, step_key=budget)
    from manyworld.evaluation.results import write_json_atomic

    write_json_atomic(run_dir / "config.json", config_json)
    write_json_atomic(run_dir / "benchmark.json", bench.identity())
    write_json_atomic(
        run_dir / "agent.json", {"factory": "manyworld.train.harness:load_run_agent", "config": {}}
    )
    info = {"run_dir": str(run_dir), "algo": algo}

    def checkpoint() -> None:
        if recorder is not None:
            # before the checkpoint: a run killed in between leaves a part that its resume
            # (from the previous checkpoint) deletes, never a checkpoint whose episodes are lost
            recorder.flush(run_dir, counters["env_steps"])
        meta = {
            **config_json,
            "counters": dict(counters, wall_s=counters["wall_s"] + time.perf_counter() - t_start),
            "trainer": trainer.meta(),
        }
        save_checkpoint(
            run_dir / "checkpoints", counters[budget], trainer.arrays(), meta,
            run.keep_checkpoints,
        )  # fmt: skip

    recorder = None
    if run.record_episodes:
        from manyworld.train.episodes import EpisodeRecorder, drop_parts_after

        # parts past the checkpoint hold steps that are retrained now (fresh run: all of them)
        drop_parts_after(run_dir, counters["env_steps"])
        recorder = EpisodeRecorder(env, env_steps=counters["env_steps"])
    # one env seed per (seed, start step): a resumed run restarts its episodes
    collector = TrackedCollector(
        env if recorder is None else recorder,
        int(np.random.SeedSequence([run.seed, counters["env_steps"]]).generate_state(1)[0]),
    )
    last_metrics: dict[str, float] = {}
    eval_success = None
    t_start = time.perf_counter()
    t_log, steps_log, updates_log = t_start, counters["env_steps"], counters["updates"]

    def out_of_time() -> bool:
        wall = counters["wall_s"] + time.perf_counter() - t_start
        return bool(run.max_minutes) and wall >= 60 * run.max_minutes

    finished = counters[budget] >= run.steps or out_of_time()
    while not finished:
        before = counters[budget]
        # COLLECT AND UPDATE (the algorithm)
        collector.env_steps = counters["env_steps"]
        updates, metrics = trainer.iterate(collector, counters["env_steps"])
        counters["env_steps"] = collector.env_steps
        counters["updates"] += updates
        counters["episodes"] += collector.episodes
        collector.episodes = 0
        now = counters[budget]
        if metrics:
            last_metrics = metrics

        # EVALUATE, LOG, CHECKPOINT
        finished = now >= run.steps or out_of_time()
        if finished or _crossed(run.eval_interval, before, now):
            t_eval = time.perf_counter()
            eval_success = _evaluate(trainer.policy(info), bench, run, counters["env_steps"], run_dir,
                                     tag=now)  # fmt: skip
            counters["eval_wall_s"] += time.perf_counter() - t_eval
        if finished or _crossed(run.log_interval, before, now):
            t = time.perf_counter()
            eps = collector.eps.sum()
            row: dict[str, Any] = {
                "env_steps": counters["env_steps"],
                "updates": counters["updates"],
                "episodes": counters["episodes"],
                "wall_s": round(counters["wall_s"] + t - t_start, 3),
                "eval_wall_s": round(counters["eval_wall_s"], 3),
                "env_steps_per_s": round((counters["env_steps"] - steps_log) / max(t - t_log, 1e-9), 1),
                "updates_per_s": round(
                    (counters["updates"] - updates_log) / max(t - t_log, 1e-9), 1
                ),
                "train_success": float(collector.succ.sum() / eps) if eps else None,
                "train_return": collector.ret / eps if eps else None,
                "eval_success": eval_success,
                **{k: float(v) for k, v in last_metrics.items()},
            }
            if len(tasks) > 1:
                for i, task in enumerate(tasks):
                    n = collector.eps[i]
                    row[f"success/{task}"] = float(collector.succ[i] / n) if n else None
            log.write(row)
            rate = row[f"{budget}_per_s"]
            eta = max(run.steps - now, 0) / rate if rate else math.inf
            if run.max_minutes:
                eta = min(eta, max(60 * run.max_minutes - row["wall_s"], 0.0))
            succ = "-" if row["train_success"] is None else f"{row['train_success']:.2f}"
            ev = "" if eval_success is None else f"  eval {eval_success:.2f}"
            _say(
                progress,
                f"[{algo} {bench.name}] {now:,}/{run.steps:,} {_unit(budget)}  "
                f"{row['env_steps_per_s']:,.0f} steps/s  {row['updates_per_s']:,.3g} updates/s  "
                f"success {succ}{ev}  ETA {fmt_eta(eta)}",
            )
            collector.clear_window()
            eval_success = None
            t_log, steps_log, updates_log = t, counters["env_steps"], counters["updates"]
        if finished or _crossed(run.checkpoint_interval, before, now):
            checkpoint()
    if spec.meta and finished:
        # the meta-train score of the final policy, beside its meta-test score (the gap)
        _evaluate(trainer.policy(info), bench, run, counters["env_steps"], run_dir, split="train")
    env.close()
    log.tb.close()
    return trainer.policy(info), trainer, log.rows


def _unit(budget: str) -> str:
    return "env steps" if budget == "env_steps" else "updates"


def _crossed(interval: int, before: int, now: int) -> bool:
    """Whether a multiple of ``interval`` (0: never) lies in (before, now]."""
    return bool(interval) and now // interval > before // interval


def _say(stream: TextIO | None, line: str) -> None:
    if stream is not None:
        print(line, file=stream, flush=True)


def _versions() -> dict[str, str]:
    import flax
    import jax
    import optax

    from manyworld._version import __version__

    return {
        "manyworld": __version__,
        "jax": jax.__version__,
        "flax": flax.__version__,
        "optax": optax.__version__,
    }


def _check_same_run(spec: AlgoSpec, meta: dict, config_json: dict, ckpt: Path) -> None:
    """A checkpoint resumes only the run that wrote it (budget and logging may change)."""
    if meta.get("algo") != config_json["algo"]:
        raise CheckpointError(
            f"{ckpt}: written by a different run (algo {meta.get('algo')!r} != "
            f"{config_json['algo']!r})"
        )
    meta = _upgrade(spec, meta)
    if isinstance(meta.get("agent"), dict):
        # a field added since the checkpoint was written ran at its default (the old behaviour)
        meta = {**meta, "agent": {**config_dict(spec.config_cls()), **meta["agent"]}}
    for key in ("benchmark", "agent"):
        theirs, ours = meta.get(key), config_json[key]
        if key == "agent" and isinstance(theirs, dict):
            theirs = {k: v for k, v in theirs.items() if k not in spec.resume_mutable}
            ours = {k: v for k, v in ours.items() if k not in spec.resume_mutable}
        if theirs != ours:
            raise CheckpointError(f"{ckpt}: written by a different run ({key} {theirs!r} != {ours!r})")
    # likewise a run field added since then (record_episodes was off before it existed)
    run_fields = {**config_dict(RunConfig()), **dict(meta.get("run", {}))}
    theirs = {k: v for k, v in run_fields.items() if k not in RESUME_MUTABLE}
    ours = {k: v for k, v in config_json["run"].items() if k not in RESUME_MUTABLE}
    if theirs != ours:
        diff = sorted(k for k in set(theirs) | set(ours) if theirs.get(k) != ours.get(k))
        raise CheckpointError(f"{ckpt}: run config differs from this run's in {diff}")


def _check_same_tasks(run_dir: Path, bench: Any) -> None:
    """A run resumes only on the task versions it started on: a version bump changes the physics,
    reward or success under the learner, and a curve that spans two versions measures neither."""
    path = run_dir / "benchmark.json"
    if not path.exists():  # runs from before benchmark.json was written
        return
    from manyworld.evaluation.results import read_json

    recorded = {t["task"]: t.get("version") for t in read_json(path).get("tasks", [])}
    installed = {t["task"]: t["version"] for t in bench.identity()["tasks"]}
    changed = sorted(t for t in recorded.keys() & installed.keys() if recorded[t] != installed[t])
    if changed:
        pairs = ", ".join(f"{t} v{recorded[t]} -> v{installed[t]}" for t in changed[:5])
        raise CheckpointError(
            f"{run_dir} trained on other task versions than the installed ones ({pairs}"
            f"{', ...' if len(changed) > 5 else ''}): finish it with the manyworld it started "
            "with, or start a new run"
        )


def _upgrade(spec: AlgoSpec, d: dict) -> dict:
    """Run directories written before the harness split kept some algorithm fields in ``run``.

    Those fields (SAC's replay and update schedule) move to the agent config, where
    they live now; anything else unknown stays and is refused by the config classes.
    """
    run, agent = dict(d.get("run", {})), dict(d.get("agent", {}))
    algo_fields = {f.name for f in dataclasses.fields(spec.config_cls)}
    run_fields = {f.name for f in dataclasses.fields(RunConfig)}
    for k in list(run):
        if k not in run_fields and k in algo_fields:
            agent[k] = run.pop(k)
    return {**d, "run": run, "agent": agent}


# ------------------------------------------------------------------ EVALUATION ENTRY POINT
def read_run_config(run_dir: str | Path) -> tuple[str, str, Any, RunConfig]:
    """``(algo, benchmark, agent config, run config)`` from a run directory's config.json."""
    path = Path(run_dir) / "config.json"
    if not path.is_file():
        raise ValueError(f"{run_dir}: not a training run directory (no config.json)")
    try:
        d = json.loads(path.read_text())
        spec = get_algo(d["algo"])
        d = _upgrade(spec, d)
        return (
            d["algo"],
            d["benchmark"],
            config_from_dict(spec.config_cls, d["agent"]),
            config_from_dict(RunConfig, d["run"]),
        )
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise ValueError(f"{path}: not a readable run config ({err})") from err


def load_run_agent(run_dir: str, checkpoint: str | None = None) -> Any:
    """The policy of a run's newest (or the named) checkpoint: the ``agent.json`` factory."""
    algo, _, cfg, _ = read_run_config(run_dir)
    ckpt = Path(checkpoint) if checkpoint else latest_checkpoint(Path(run_dir) / "checkpoints")
    meta, arrays = load_checkpoint(ckpt, want_replay=False)
    info = {"run_dir": str(run_dir), "checkpoint": ckpt.name, "algo": algo,
            "env_steps": meta["counters"]["env_steps"]}  # fmt: skip
    return get_algo(algo).load_policy(cfg, arrays["state"], info)
