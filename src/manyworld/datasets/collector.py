"""The vectorised collector: N worlds of one task in one BatchEnv, written as a Minari dataset.

Episode ``k`` (0-based) of a dataset runs the task's train variation
``k mod 50``, so the episodes spread evenly over the 50 published train
variations, with the actions of its level (:mod:`manyworld.datasets.levels`).
The worlds run rounds of episodes together (``run_episodes``, the shared
rollout loop); every episode lasts until the env ends it, which is the 500-step
horizon (the registered env does not terminate on success) or a physics
warning.

What one episode group of ``main_data.hdf5`` holds (Minari's layout)::

    observations   (T+1, 39) float64   the reset observation, then one per step
    actions        (T, 4)    float32   exactly what the env executed
    rewards        (T,)      float64
    terminations   (T,)      bool      always False (no termination on success)
    truncations    (T,)      bool      True at the last step
    infos/success  (T+1,)    bool      row 0 at reset, row t+1 after step t
    infos/reward_<term> (T+1,) float64 the task's named reward terms, same rows
    attrs: id, total_steps, options/params (the variation's parameter row:
           ``env.reset(options={"params": ...})`` reproduces it), variation_index,
           policy ("expert" or "random": the branch of the level), success,
           first_success (1-based step, -1 if none), return

Determinism: the same call gives byte-identical files, whatever the number of
worlds or physics threads. Each episode's randomness comes from its own
generator (see :mod:`~manyworld.datasets.levels`), episodes are written in
index order in blocks of a fixed number of episodes, HDF5 stores no timestamps
(h5py turns object time tracking off) and nothing time-dependent goes into
``metadata.json``. The checksum reported for a dataset is the SHA-256 of each of
its two files; ``metadata.json`` records that of ``main_data.hdf5``.

Atomicity: everything is written into a hidden directory ``.tmp-<name>-<pid>-*``
beside the destination, flushed to disk, and renamed into place only when
complete. A failure removes the hidden directory; a killed collection leaves
it behind, where neither ``minari.load_dataset``, ``minari list local`` nor
:func:`~manyworld.datasets.load.load_arrays` looks (they skip hidden directories
or look only at the final path); the next collection of that dataset deletes
it.
"""

from __future__ import annotations

import contextlib
import math
import os
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import gymnasium as gym
import numpy as np

from manyworld.datasets.identity import task_identity
from manyworld.datasets.levels import EpisodePolicy, Level, episode_seed, get_level
from manyworld.datasets.store import (
    DATA_FILE,
    FORMAT,
    FORMAT_VERSION,
    METADATA_FILE,
    NAMESPACE,
    dataset_dir,
    dataset_id,
    datasets_root,
    require,
)
from manyworld.envs.batch_env import MAX_EPISODE_STEPS, BatchEnv
from manyworld.envs.rollout import run_episodes
from manyworld.evaluation.progress import Progress
from manyworld.fileio import fsync_dir, sha256_file
from manyworld.tasks.base import get_task

# Episodes per HDF5 write session. Fixed, not tied to the number of worlds,
# because how writes are grouped into sessions shapes the file's bytes.
WRITE_BLOCK = 50
DEFAULT_WORLDS = 50


@dataclass(frozen=True)
class CollectSummary:
    """What a collection wrote.

    Attributes:
        dataset_id: ``manyworld/<task>/<level>-v<version>``.
        path: the dataset's directory (its ``data/`` holds the two files).
        episodes: episodes written.
        steps: transitions written.
        success_rate: fraction of episodes that succeeded at some step.
        return_mean: mean undiscounted episode return.
        sha256: SHA-256 of ``main_data.hdf5`` and ``metadata.json``.
        seconds: wall-clock time of the collection.
        worlds: worlds stepped together (does not affect the data).
    """

    dataset_id: str
    path: Path
    episodes: int
    steps: int
    success_rate: float
    return_mean: float
    sha256: dict[str, str]
    seconds: float
    worlds: int

    @property
    def steps_per_second(self) -> float:
        """Env steps (transitions) collected per wall-clock second, writing included."""
        return self.steps / self.seconds if self.seconds > 0 else float("nan")


def collect(
    task: str,
    level: str,
    episodes: int,
    *,
    root: str | os.PathLike | None = None,
    seed: int = 0,
    worlds: int = DEFAULT_WORLDS,
    num_threads: int = 0,
    overwrite: bool = False,
    progress: TextIO | None = sys.stderr,
) -> CollectSummary:
    """Collect ``episodes`` episodes of ``task`` at ``level`` and write them as a Minari dataset.

    Args:
        task: task name (``"push"``, ``"push-v2"``).
        level: ``"expert"``, ``"medium"`` or ``"random"`` (see :mod:`~manyworld.datasets.levels`).
        episodes: number of episodes; episode ``k`` runs train variation ``k mod 50``.
        root: datasets root (default ``$MINARI_DATASETS_PATH`` or ``~/.minari/datasets``).
        seed: collection seed; the same arguments give byte-identical files.
        worlds: worlds stepped together (speed only: the data does not depend on it).
        num_threads: physics threads (0: one per CPU core); the data does not depend on it.
        overwrite: replace an existing dataset of the same id (atomically).
        progress: stream for a progress line with rate and ETA (None: silent).

    Returns:
        A :class:`CollectSummary`.

    Raises:
        KeyError: unknown task (the message suggests close names).
        ValueError: unknown level, the ``replay`` level (exported from a run, not
            collected), or ``episodes``/``worlds`` not positive.
        FileExistsError: the dataset exists and ``overwrite`` is false.
        ImportError: Minari or h5py is missing (the message gives the install line).
    """
    require("h5py")
    require("minari")
    lvl = get_level(level)
    if not lvl.collected:
        raise ValueError(not_collected_message(lvl.name))
    cls = get_task(task)
    for flag, value, low in (("episodes", episodes, 1), ("worlds", worlds, 1), ("seed", seed, 0)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
            kind = "a positive" if low else "a non-negative"
            raise ValueError(f"{flag} must be {kind} integer, got {value!r}")
    ident = dataset_id(cls.name, lvl.name, cls.version)
    final = dataset_dir(ident, root)
    if final.exists() and not overwrite:
        raise FileExistsError(f"dataset {ident} already exists at {final}: pass --overwrite "
                              "(overwrite=True) to replace it, or delete that directory")
    t0 = time.perf_counter()
    with staged_dataset(final, overwrite) as tmp:
        stats = _collect_into(tmp / "data", ident, cls.name, lvl, int(episodes), int(seed),
                              int(worlds), num_threads, progress)
    seconds = time.perf_counter() - t0
    ensure_namespaces(datasets_root(root), cls.name)
    data = final / "data"
    return CollectSummary(
        dataset_id=ident, path=final, episodes=int(episodes), steps=stats["steps"],
        success_rate=stats["success_rate"], return_mean=stats["return"]["mean"],
        sha256={DATA_FILE: sha256_file(data / DATA_FILE),
                METADATA_FILE: sha256_file(data / METADATA_FILE)},
        seconds=seconds, worlds=stats["worlds"],
    )


def not_collected_message(level: str) -> str:
    """Why ``level`` cannot be collected, and how its datasets are made instead."""
    return (f"level {level!r} is not collected: it holds a training run's own episodes; train "
            "with `manyworld train ... --record-episodes` and export the run with "
            "`manyworld dataset from-run RUN_DIR`")


def _collect_into(data: Path, ident: str, task: str, level: Level, episodes: int, seed: int,
                  worlds: int, num_threads: int, stream: TextIO | None) -> dict[str, Any]:
    """Run every round of episodes and write the dataset's files into ``data``."""
    import minari
    from minari.dataset.minari_storage import MinariStorage

    identity = task_identity(task)
    # as few rounds as ``worlds`` allows, with the worlds balanced over them so
    # that the last round wastes as little as possible
    rounds = math.ceil(episodes / worlds)
    worlds = math.ceil(episodes / rounds)
    env = BatchEnv(task, worlds, seed=0, variations="train", num_threads=num_threads)
    rows = env.train_variations
    storage = MinariStorage.new(data, observation_space=env.observation_space,
                                action_space=env.action_space,
                                env_spec=gym.spec(env.task_cls.env_id()), data_format="hdf5")
    writer = BlockWriter(storage)
    progress = Progress(episodes, label=ident, stream=stream)
    results: dict[str, list] = {"success": [], "return": [], "length": [], "expert": []}
    for r in range(rounds):
        ks = r * worlds + np.arange(worlds)
        variation = ks % len(rows)
        env.set_task(rows[variation])
        policy = EpisodePolicy(level, env.task_cls.expert,
                               [episode_seed(seed, task, level.name, int(k)) for k in ks],
                               env.max_episode_steps)
        rec = _Recorder(env, policy)
        res = run_episodes(env, rec.act, progress=progress, on_step=rec.on_step)
        for w in np.flatnonzero(ks < episodes):
            writer.add(*rec.episode(int(w), int(ks[w]), int(variation[w]), rows[variation[w]], res))
            results["success"].append(bool(res.success[w]))
            results["return"].append(float(res.returns[w]))
            results["length"].append(int(res.lengths[w]))
            results["expert"].append(bool(policy.follows_expert[w]))
    writer.close()
    progress.close()
    obs_dim = int(env.observation_space.shape[0])
    env.close()

    stats = _statistics(results)
    block = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        **identity,
        "level": level.name,
        "level_summary": level.summary,
        "level_params": level.params(),
        "seed": seed,
        "episodes": episodes,
        "steps": stats["steps"],
        "obs_dim": obs_dim,
        "max_episode_steps": MAX_EPISODE_STEPS,
        "terminate_on_success": False,
        "episode_variation": "episode k runs train variation k mod "
                             f"{len(rows)} (episode attribute variation_index)",
        "infos": sorted(rec.infos),
        "infos_rows": "T+1 per episode: row 0 at reset, row t+1 after step t (as Minari's "
                      "DataCollector records them)",
        **{k: v for k, v in stats.items() if k != "steps"},
        "files": {DATA_FILE: sha256_file(data / DATA_FILE)},
    }
    storage.update_metadata({
        "dataset_id": ident,
        "algorithm_name": f"manyworld {level.name} level: {level.summary}",
        "description": f"{episodes} episodes of manyworld task {task!r} (v{identity['task_version']}) "
                       f"over its {len(rows)} train variations; level {level.name}: {level.summary}; "
                       f"collection seed {seed}. Success rate {stats['success_rate']:.3f}.",
        "minari_version": minari.__version__,
        "requirements": [f"manyworld=={identity['manyworld_version']}",
                         f"mujoco=={identity['mujoco_version']}"],
        NAMESPACE: block,
    })
    return {**stats, "worlds": worlds}


class _Recorder:
    """The policy of one round (records observations and actions) and its ``on_step`` callback."""

    def __init__(self, env: BatchEnv, policy: EpisodePolicy):
        self.env, self.policy = env, policy
        w, h = env.num_worlds, env.max_episode_steps
        self.obs = np.zeros((w, h + 1, env.observation_space.shape[0]))
        self.actions = np.zeros((w, h, 4), np.float32)
        self.rewards = np.zeros((w, h))
        self.terminations = np.zeros((w, h), bool)
        self.truncations = np.zeros((w, h), bool)
        self.infos: dict[str, np.ndarray] = {}

    def act(self, obs: np.ndarray) -> np.ndarray:
        t = self.policy.t
        if t == 0:
            self.obs[:, 0] = obs
            self._reset_infos()
        actions = self.policy(obs)
        self.actions[:, t] = actions
        return actions

    def _reset_infos(self) -> None:
        # the reset row of the infos: the task's own evaluation of the initial
        # state, since a reset returns no reward terms
        env = self.env
        ev = env.task.evaluate(env.sim, env.goal)
        first = {"success": ev.success, **{f"reward_{k}": v for k, v in ev.terms.items()}}
        h = env.max_episode_steps
        for key, value in first.items():
            value = np.asarray(value)
            self.infos[key] = np.zeros((env.num_worlds, h + 1), value.dtype)
            self.infos[key][:, 0] = value

    def on_step(self, t: int, next_obs: np.ndarray, reward: np.ndarray, terminated: np.ndarray,
                truncated: np.ndarray, info: dict, active: np.ndarray) -> None:
        # rows of worlds whose episode already ended are overwritten here too;
        # they lie past that episode's length and are never written out
        self.obs[:, t + 1] = next_obs
        self.rewards[:, t] = reward
        self.terminations[:, t] = terminated
        self.truncations[:, t] = truncated
        for key, rows in self.infos.items():
            rows[:, t + 1] = info[key]

    def episode(self, w: int, k: int, variation: int, params: np.ndarray,
                res: Any) -> tuple[Any, dict[str, Any]]:
        """Minari's episode buffer of world ``w`` (episode ``k``) and its episode attributes."""
        from minari.data_collector import EpisodeBuffer

        n = int(res.lengths[w])
        buffer = EpisodeBuffer(
            id=k,
            options={"params": np.asarray(params, np.float64)},
            observations=self.obs[w, : n + 1],
            actions=self.actions[w, :n],
            rewards=self.rewards[w, :n],
            terminations=self.terminations[w, :n],
            truncations=self.truncations[w, :n],
            infos={key: rows[w, : n + 1] for key, rows in self.infos.items()},
        )
        attrs = {
            "variation_index": variation,
            "policy": "expert" if self.policy.follows_expert[w] else "random",
            "success": bool(res.success[w]),
            "first_success": int(res.first_success[w]),
            "return": float(res.returns[w]),
        }
        return buffer, attrs


class BlockWriter:
    """Writes finished episodes in index order, :data:`WRITE_BLOCK` at a time.

    Args:
        storage: the dataset's ``MinariStorage``.
    """

    def __init__(self, storage: Any):
        self.storage = storage
        self.pending: list[tuple[Any, dict[str, Any]]] = []

    def add(self, buffer: Any, attrs: dict[str, Any]) -> None:
        """Queue one episode (Minari's ``EpisodeBuffer``) and its attributes; write full blocks."""
        self.pending.append((buffer, attrs))
        if len(self.pending) >= WRITE_BLOCK:
            self._write(WRITE_BLOCK)

    def close(self) -> None:
        """Write the episodes still queued."""
        if self.pending:
            self._write(len(self.pending))

    def _write(self, n: int) -> None:
        block, self.pending = self.pending[:n], self.pending[n:]
        self.storage.update_episodes([b for b, _ in block])
        self.storage.update_episode_metadata([a for _, a in block], [b.id for b, _ in block])


def _statistics(results: dict[str, list]) -> dict[str, Any]:
    success = np.array(results["success"], bool)
    returns = np.array(results["return"])
    lengths = np.array(results["length"])
    expert = np.array(results["expert"], bool)

    def summary(x: np.ndarray) -> dict[str, float]:
        return {"mean": float(x.mean()), "std": float(x.std()), "min": float(x.min()),
                "max": float(x.max())}

    by_policy = {name: {"episodes": int(m.sum()), "success_rate": float(success[m].mean())}
                 for name, m in (("expert", expert), ("random", ~expert)) if m.any()}
    return {"steps": int(lengths.sum()), "success_rate": float(success.mean()),
            "return": summary(returns), "length": summary(lengths), "by_policy": by_policy}


@contextlib.contextmanager
def staged_dataset(final: Path, overwrite: bool) -> Iterator[Path]:
    """A hidden folder beside ``final`` to write a dataset into: published as ``final`` (see
    :func:`publish`) when the block ends, deleted when it raises (nothing half-written stays)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(final)
    tmp = final.parent / f".tmp-{final.name}-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        yield tmp
        publish(tmp, final, overwrite)
    except BaseException:
        _discard(tmp)
        raise


def publish(tmp: Path, final: Path, overwrite: bool) -> None:
    """Flush ``tmp`` to disk and rename it to ``final`` (replacing it when ``overwrite``)."""
    for f in sorted((tmp / "data").iterdir()):
        with open(f, "rb+") as fh:
            os.fsync(fh.fileno())
    fsync_dir(tmp / "data")
    fsync_dir(tmp)
    if final.exists():
        if not overwrite:
            raise FileExistsError(f"dataset directory {final} appeared while this dataset was "
                                  "being written; pass --overwrite to replace it")
        # move the old one aside first: a reader sees the old or the new dataset, never a mix
        old = final.parent / f".old-{final.name}-{os.getpid()}-{secrets.token_hex(4)}"
        os.rename(final, old)
        os.rename(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, final)
    fsync_dir(final.parent)


def _discard(tmp: Path) -> None:
    shutil.rmtree(tmp, ignore_errors=True)


def remove_stale(final: Path) -> None:
    """Delete hidden leftovers of killed collections of this dataset (their process is gone)."""
    for prefix in (".tmp-", ".old-"):
        for p in final.parent.glob(f"{prefix}{final.name}-*"):
            pid = p.name[len(prefix) + len(final.name) + 1:].split("-")[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(p, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ensure_namespaces(root: Path, task: str) -> None:
    """Minari's namespace files for ``manyworld`` and ``manyworld/<task>``, where missing."""
    from manyworld.evaluation.results import write_json_atomic

    for ns, text in ((NAMESPACE, "manyworld offline datasets: one namespace per task"),
                     (f"{NAMESPACE}/{task}", f"manyworld offline datasets of task {task!r}")):
        path = root.joinpath(*ns.split("/"), "namespace_metadata.json")
        if not path.exists():
            write_json_atomic(path, {"description": text})
