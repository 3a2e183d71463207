"""Run a sweep's runs as Ray tasks, each one ``manyworld train`` run directory.

``run_sweep(spec)`` resolves the spec (:mod:`manyworld.sweep.spec`), writes the
sweep directory, skips runs that are finished, and hands the rest to Ray: a
local instance on this machine by default, or the cluster at ``address``. Each
run is one Ray task that asks for the spec's ``[resources]``; inside it the run
trains in-process through :func:`manyworld.train.harness.train`, the same code
``manyworld train`` calls with the same configs, so a run's metrics do not
depend on how it was started (wall-clock columns aside). A run with a
checkpoint resumes from it, so re-running a sweep after ``kill -9`` loses at
most the work since each run's last checkpoint.

Runs get the CPUs they were promised and no more: the task pins its process to
that many cores of its node that no other sweep run holds (a lock file per
core, released by the kernel when the process ends, so even two sweeps on one
node do not share a core), caps the thread pools of XLA (through the affinity
it reads), OpenMP and BLAS, and gives MuJoCo as many threads. Ray's own count
decides how many runs a node takes at once.

On a cluster the sweep directory must be on storage every node mounts (the
workers write the run directories; the driver reads them): a worker that does
not see it fails the run with that reason.

The sweep directory::

    SWEEP_DIR/
      sweep.json      the resolved runs (names, configs, `manyworld train` commands)
      spec.toml       the spec as given (spec.yaml for YAML)
      events.jsonl    what each invocation did: skipped, started, finished, failed
      runs/<name>/    the run directories (plus train.log: their progress lines)
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, TextIO

from manyworld.sweep.spec import Sweep, load_spec, train_command
from manyworld.sweep.state import (
    EVENTS_FILE,
    SWEEP_FILE,
    TRAIN_LOG,
    checkpoint_progress,
    is_finished,
    is_locked,
    run_dir_of,
    sweep_status,
)

#: Seconds a task waits for a run directory still held by a dying process (a
#: worker of a killed sweep) before it gives up on that run.
LOCK_WAIT_S = 120.0
#: Seconds between the driver's progress lines.
PROGRESS_EVERY_S = 60.0

WORKER_NICENESS = "RAY_worker_niceness"  # read by the local Ray instance it starts


# ------------------------------------------------------------------ the sweep directory
def prepare_sweep_dir(sweep: Sweep, sweep_dir: Path, spec_suffix: str = ".toml") -> list[str]:
    """Write ``sweep.json`` and the spec; refuse a directory whose same-named runs differ.

    A run already in ``sweep_dir`` must have the same algorithm, benchmark and
    config as in the new spec, except what a resume may change (its budget and
    logging fields), so that re-running a sweep never continues a run with
    another config. Returns the names of runs in the directory that the spec no
    longer lists (left as they are).
    """
    from manyworld.evaluation.results import read_json, write_json_atomic
    from manyworld.train.harness import RESUME_MUTABLE
    from manyworld.train.registry import get_algo

    old_runs: dict[str, dict[str, Any]] = {}
    if (sweep_dir / SWEEP_FILE).exists():
        old = read_json(sweep_dir / SWEEP_FILE)
        old_runs = {r["name"]: r for r in old.get("runs", [])}
    for run in sweep.runs:
        before = old_runs.get(run["name"])
        if before is None:
            continue
        mutable = RESUME_MUTABLE | get_algo(run["algo"]).resume_mutable
        diffs = [k for k in ("algo", "benchmark", "seed", "budget") if before.get(k) != run[k]]
        for part in ("run", "agent"):
            keys = set(before.get(part, {})) | set(run[part])
            diffs += [f"{part}.{k}" for k in sorted(keys - mutable)
                      if before.get(part, {}).get(k) != run[part].get(k)]  # fmt: skip
        if diffs:
            raise ValueError(
                f"{sweep_dir} already holds run {run['name']!r} with a different {', '.join(diffs)}; "
                "give the sweep another name or --out, or change only budgets and logging"
            )
    sweep_dir.mkdir(parents=True, exist_ok=True)
    runs = [{**r, "command": train_command(r, run_dir_of(sweep_dir, r["name"]))} for r in sweep.runs]
    write_json_atomic(
        sweep_dir / SWEEP_FILE,
        {"name": sweep.name, "resources": vars(sweep.resources), "runs": runs},
    )
    from manyworld.evaluation.results import atomic_path

    with atomic_path(sweep_dir / f"spec{spec_suffix}") as tmp:
        Path(tmp).write_text(sweep.source)
    listed = {r["name"] for r in sweep.runs}
    return sorted(set(old_runs) - listed)


def append_event(sweep_dir: Path, event: dict[str, Any]) -> None:
    """Append one JSON line to the sweep's event log (a torn last line is tolerated by readers)."""
    line = json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S"), **event}) + "\n"
    with open(sweep_dir / EVENTS_FILE, "a") as f:
        f.write(line)
        f.flush()
        os.fsync(f.fileno())


# ------------------------------------------------------------------ one run (a Ray task)
def claim_cores(n: int) -> tuple[list[int], list[int]]:
    """Pin this process to ``n`` cores of its node that no other sweep run holds.

    Each core has a lock file in the node's temp directory; a run holds its
    cores' locks while its process lives, and the kernel releases them when it
    ends (also on ``kill -9``). Returns (cores, open lock fds: keep them open);
    when fewer than ``n`` cores are free the process stays unpinned (its thread
    caps still hold) and the list of cores is empty.
    """
    root = Path(tempfile.gettempdir()) / f"manyworld-cores-{os.getuid()}"
    root.mkdir(exist_ok=True)
    cores, fds = [], []
    for core in sorted(os.sched_getaffinity(0)):
        fd = os.open(root / f"core{core}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        cores.append(core)
        fds.append(fd)
        if len(cores) == n:
            os.sched_setaffinity(0, cores)
            return cores, fds
    for fd in fds:
        os.close(fd)
    return [], []


def process_start_time(pid: int) -> str | None:
    """The start time of process ``pid`` (clock ticks since boot), or None if unknown.

    A pid together with its start time names one process even after the pid is reused.
    Linux only (``/proc``); elsewhere None, and nothing is watched.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22; fields 1-2 end at the ')'


def exit_with_parent(driver: tuple[int, str] | None = None, poll_s: float = 0.25) -> None:
    """End this process soon after its parent (the node's raylet) or the sweep's driver dies.

    A sweep killed with ``kill -9`` takes its local Ray instance with it, but
    its workers would train on, orphaned, holding their run directories; a
    re-run would then wait for them, or find runs that an orphan finished
    after the kill. The raylet can take 20 s to go (seen in CI, where tiny
    runs went from their first checkpoint to their last in that time), so a
    worker of a local instance also watches the driver itself, named by
    ``driver`` = (pid, start time). A daemon thread exits the process when
    either is gone; the run resumes from its last checkpoint.
    """
    import threading

    parent = os.getppid()

    def alive() -> bool:
        if os.getppid() != parent:
            return False
        return driver is None or process_start_time(driver[0]) == driver[1]

    def watch() -> None:
        while alive():
            time.sleep(poll_s)
        os._exit(70)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def thread_env(cpus: int) -> dict[str, str]:
    """Environment variables that cap a run's thread pools at ``cpus``."""
    n = str(cpus)
    return {"OMP_NUM_THREADS": n, "OPENBLAS_NUM_THREADS": n, "MKL_NUM_THREADS": n}


def train_one(
    sweep_dir: str, run: dict[str, Any], cpus: int, driver: tuple[int, str] | None = None
) -> dict[str, Any]:
    """Train (or resume, or skip) one run of a sweep; the body of its Ray task.

    ``driver`` (pid, start time) is the sweep's driver when it started the
    local Ray instance itself: the worker exits when the driver dies.
    Never raises for a failure of the run itself: it returns an event with the
    error, and the traceback goes to the run's ``train.log``.
    """
    t0 = time.perf_counter()
    sweep_path = Path(sweep_dir)
    run_dir = run_dir_of(sweep_path, run["name"])
    event: dict[str, Any] = {"run": run["name"], "host": os.uname().nodename}
    import ray

    if ray.is_initialized():  # in a Ray worker (the tests also call this directly)
        event["node"] = ray.get_runtime_context().get_node_id()[:12]
        exit_with_parent(driver)
    if not (sweep_path / SWEEP_FILE).is_file():
        return {**event, "event": "failed", "error": (
            f"this node ({event['host']}) does not see the sweep directory {sweep_dir}; on a "
            "cluster put it on storage every node mounts")}  # fmt: skip
    cores, _held = claim_cores(cpus)  # the fds stay open for this process's lifetime
    event["cores"] = cores
    event["nice"] = os.nice(0)
    if not cores:  # no free cores to pin to: cap XLA's pool instead (JAX is not imported yet)
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen="
                                   f"false intra_op_parallelism_threads={cpus}").strip()  # fmt: skip
    if is_finished(run_dir, run):
        return {**event, "event": "skipped", "reason": "finished"}
    deadline = time.monotonic() + LOCK_WAIT_S
    while is_locked(run_dir):
        if time.monotonic() > deadline:
            return {**event, "event": "failed", "error": (
                f"{run_dir} is held by another process (see {run_dir / '.lock'}) for over "
                f"{LOCK_WAIT_S:.0f} s; stop it or wait, then run the sweep again")}  # fmt: skip
        time.sleep(2.0)
    resumed_from = checkpoint_progress(run_dir, run["budget"])
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / TRAIN_LOG, "a") as log:
        pinned = f"cores {cores}" if cores else f"unpinned (no {cpus} free core(s)), {cpus} thread(s)"
        print(f"[sweep {time.strftime('%Y-%m-%d %H:%M:%S')}] "
              f"{'resume from ' + format(resumed_from, ',') if resumed_from else 'start'} on "
              f"{event['host']}, {pinned}, nice {event['nice']}", file=log, flush=True)  # fmt: skip
        try:
            _train(run, run_dir, resume=resumed_from > 0, progress=log)
        except Exception as err:  # noqa: BLE001  (reported as the run's failure, with its traceback)
            traceback.print_exc(file=log)
            return {**event, "event": "failed", "error": f"{type(err).__name__}: {err}",
                    "wall_s": round(time.perf_counter() - t0, 1)}  # fmt: skip
    return {
        **event,
        "event": "finished",
        "resumed_from": resumed_from,
        "wall_s": round(time.perf_counter() - t0, 1),
        "eval_success": _final_eval(run_dir),
    }


def _train(run: dict[str, Any], run_dir: Path, resume: bool, progress: TextIO) -> None:
    """Train ``run`` through the harness with the configs ``manyworld train`` would build."""
    import dataclasses

    from manyworld.train.harness import RunConfig, train
    from manyworld.train.registry import get_algo

    spec = get_algo(run["algo"])
    cfg = dataclasses.replace(spec.config, **_tuples(run["agent"]))
    run_cfg = RunConfig().replace(**{**spec.run, **_tuples(run["run"])})
    train(run["algo"], run["benchmark"], cfg, run_cfg, run_dir, resume=resume, progress=progress)


def _tuples(d: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}


def _final_eval(run_dir: Path) -> float | None:
    from manyworld.evaluation.results import read_jsonl

    rows, _ = read_jsonl(run_dir / "metrics.jsonl")
    evals = [r["eval_success"] for r in rows if isinstance(r, dict) and r.get("eval_success") is not None]
    return evals[-1] if evals else None


# ------------------------------------------------------------------ the driver
def run_sweep(
    spec_path: str | Path,
    out: str | Path | None = None,
    address: str | None = None,
    num_cpus: int | None = None,
    progress: TextIO | None = sys.stderr,
) -> dict[str, Any]:
    """Run every unfinished run of the spec on Ray; returns what was done per run.

    Args:
        spec_path: the sweep spec (TOML or YAML).
        out: the sweep directory (default ``runs/sweeps/<name>``).
        address: a Ray cluster to join (``ray start --head`` printed it); None
            starts a local Ray instance on this machine for the sweep's duration.
        num_cpus: CPUs the local instance offers (default: all); not with ``address``.
        progress: where the progress lines go (None: silent).

    Returns:
        ``{"sweep_dir", "events": [one per run], "counts": {event: n}}``.
    """
    spec_path = Path(spec_path)
    sweep = load_spec(spec_path)
    sweep_dir = Path(out or Path("runs") / "sweeps" / sweep.name).resolve()
    suffix = ".yaml" if spec_path.suffix in (".yaml", ".yml") else ".toml"
    dropped = prepare_sweep_dir(sweep, sweep_dir, suffix)
    if dropped:
        _say(progress, f"note: {len(dropped)} run(s) in {sweep_dir} are not in this spec; left as they are")
    events: list[dict[str, Any]] = []
    todo = []
    for run in sweep.runs:
        if is_finished(run_dir_of(sweep_dir, run["name"]), run):
            events.append({"run": run["name"], "event": "skipped", "reason": "finished"})
            append_event(sweep_dir, events[-1])
        else:
            todo.append(run)
    _say(progress, f"[sweep {sweep.name}] {len(sweep.runs)} runs in {sweep_dir}: "
                   f"{len(sweep.runs) - len(todo)} finished (skipped), {len(todo)} to run")  # fmt: skip
    if todo:
        events += _run_on_ray(sweep, sweep_dir, todo, address, num_cpus, progress)
    counts: dict[str, int] = {}
    for e in events:
        key = e["event"] if e["event"] != "finished" or not e.get("resumed_from") else "resumed"
        counts[key] = counts.get(key, 0) + 1
    _say(progress, f"[sweep {sweep.name}] done: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    return {"sweep_dir": str(sweep_dir), "events": events, "counts": counts}


def _run_on_ray(
    sweep: Sweep,
    sweep_dir: Path,
    todo: list[dict[str, Any]],
    address: str | None,
    num_cpus: int | None,
    progress: TextIO | None,
) -> list[dict[str, Any]]:
    try:
        import ray
    except ImportError as err:
        raise ValueError(f"sweeps run on Ray: pip install -e '.[sweep]' ({err})") from err
    if address is not None and num_cpus is not None:
        raise ValueError("--num-cpus sizes a local Ray instance; a cluster (--address) has its own")
    cpus, gpus = sweep.resources.cpus, sweep.resources.gpus
    started_here = not ray.is_initialized()
    if started_here:
        # Ray starts its workers at niceness 15, so on a shared machine any other process (a
        # test suite, a run started by hand) takes the cores first and the runs' wall-clock
        # stretches (seen: PPO on button-press-wall at 840 env steps/s beside one un-niced
        # process, where button-press-topdown had run at 5,800 before it started). A local
        # sweep's runs are the main job: they run at the driver's niceness, as `manyworld
        # train` would. The setting is an increment over the raylet's niceness, which is the
        # driver's: 0 keeps the driver's (measured: a driver at nice 5 gave workers nice 10
        # with the setting 5, and 5 with 0). The local instance reads it when it starts; a user's
        # own RAY_worker_niceness wins, and the driver's environment is left as it was.
        own_setting = os.environ.get(WORKER_NICENESS)
        if address is None and own_setting is None:
            os.environ[WORKER_NICENESS] = "0"
        try:
            ray.init(address=address, num_cpus=num_cpus, include_dashboard=False, log_to_driver=False,
                     configure_logging=False)  # fmt: skip
        finally:
            if own_setting is None:
                os.environ.pop(WORKER_NICENESS, None)
    events = []
    try:
        total = ray.cluster_resources()
        if total.get("CPU", 0) < cpus or total.get("GPU", 0) < gpus:
            raise ValueError(
                f"each run asks for {cpus} CPU(s) and {gpus:g} GPU(s) ([resources]); the Ray cluster "
                f"has {total.get('CPU', 0):g} CPU(s) and {total.get('GPU', 0):g} GPU(s)"
            )
        task = ray.remote(
            num_cpus=cpus,
            num_gpus=gpus,
            max_calls=1,  # a fresh worker per run: thread caps and pinning apply before JAX starts
            max_retries=2,  # a crashed worker's run is retried, which resumes its last checkpoint
            runtime_env={"env_vars": thread_env(cpus)},
        )(train_one)
        # a local instance's workers share this machine's pids: they can watch the driver
        start = process_start_time(os.getpid()) if started_here and address is None else None
        driver = (os.getpid(), start) if start is not None else None
        pending = {}
        for run in todo:
            pending[task.remote(str(sweep_dir), run, cpus, driver)] = run
            append_event(sweep_dir, {"run": run["name"], "event": "submitted",
                                     "resume_from": checkpoint_progress(
                                         run_dir_of(sweep_dir, run["name"]), run["budget"])})  # fmt: skip
        t_start, last_line = time.monotonic(), time.monotonic()
        work_start = _work_done(sweep_dir)
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=5.0)
            for ref in ready:
                run = pending.pop(ref)
                try:
                    event = ray.get(ref)
                except ray.exceptions.RayError as err:  # the worker died (retries spent) or Ray failed
                    event = {"run": run["name"], "event": "failed", "error": f"{type(err).__name__}: "
                             f"{str(err).splitlines()[0] if str(err) else ''}"}  # fmt: skip
                events.append(event)
                append_event(sweep_dir, event)
                _say(progress, _event_line(event, len(events), len(todo)))
            if time.monotonic() - last_line >= PROGRESS_EVERY_S and pending:
                last_line = time.monotonic()
                _say(progress, _progress_line(sweep, sweep_dir, work_start, t_start))
    finally:
        if started_here:
            ray.shutdown()
    return events


def _work_done(sweep_dir: Path) -> float:
    """Fraction of the sweep's total budget spent (each run's last metrics row)."""
    status = sweep_status(sweep_dir)
    done = sum(min(r["done"], r["steps"]) for r in status["runs"])
    total = sum(r["steps"] for r in status["runs"])
    return done / total if total else 1.0


def _progress_line(sweep: Sweep, sweep_dir: Path, work_start: float, t_start: float) -> str:
    from manyworld.train.harness import fmt_eta

    status = sweep_status(sweep_dir)
    done = sum(min(r["done"], r["steps"]) for r in status["runs"])
    done /= max(sum(r["steps"] for r in status["runs"]), 1)
    elapsed = time.monotonic() - t_start
    # the budget spent so far in this invocation, extrapolated (runs of unequal cost blur it)
    rate = (done - work_start) / elapsed if elapsed > 0 else 0.0
    eta = fmt_eta((1.0 - done) / rate) if rate > 0 else "-"
    counts = ", ".join(f"{n} {s}" for s, n in sorted(status["counts"].items()))
    return f"[sweep {sweep.name}] {counts}; {100 * done:.1f}% of the budget; elapsed " \
           f"{fmt_eta(elapsed)}, ETA {eta}"  # fmt: skip


def _event_line(event: dict[str, Any], n: int, total: int) -> str:
    what = event["event"]
    if what == "finished":
        ev = event.get("eval_success")
        resumed = f", resumed from {event['resumed_from']:,}" if event.get("resumed_from") else ""
        ev_text = "-" if ev is None else f"{ev:.2f}"
        what = f"finished in {event['wall_s'] / 60:.1f} min{resumed}; final eval {ev_text}"
    elif what == "failed":
        what = f"FAILED: {event.get('error')}"
    elif what == "skipped":
        what = f"skipped ({event.get('reason')})"
    return f"[{n}/{total}] {event['run']}: {what}"


def _say(stream: TextIO | None, line: str) -> None:
    if stream is not None:
        print(line, file=stream, flush=True)
