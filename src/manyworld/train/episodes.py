"""Recording every training episode of a run (``RunConfig.record_episodes``).

:class:`EpisodeRecorder` wraps a run's training env, outermost, so that it sees
each step before the collector restarts the worlds whose episode ended, and
each reset. Per finished episode of every world it keeps:

* the raw task observations (the first :data:`~manyworld.tasks.obs.OBS_DIM`
  columns: the one-hot task id and anything else a wrapper appends are dropped),
  T+1 rows, the reset observation first;
* the actions the agent gave, clipped to [-1, 1] as the env clips them, as
  float32 (the action space's dtype);
* the rewards as the env computed them (``info["reward_raw"]`` under reward
  normalisation: never an agent's scaling), terminations and truncations;
* the infos ``success`` and ``reward_<term>`` of its task, T+1 rows: row 0 is
  the task's evaluation of the reset state, row t+1 follows step t (the rows of
  Minari's ``DataCollector`` and of the collected datasets);
* its task, world, train variation index and the run's env step count after
  its last step.

The harness calls :meth:`EpisodeRecorder.flush` before it writes each
checkpoint: the episodes finished since the last flush go into
``RUN_DIR/episodes/part_<env_steps:012d>.npz`` (plain numpy, no pickle; written
to a temporary file, fsynced and renamed). Episodes still running are kept for
a later part. A resume deletes the parts newer than its checkpoint
(:func:`drop_parts_after`), since the steps they hold are retrained, and the
episodes running at that checkpoint are lost with the env states.

Part layout (E episodes; every per-step array concatenates the episodes in the
order they ended, which is env step order, then world order)::

    format, format_version, env_steps (the checkpoint's), max_episode_steps,
    num_worlds, tasks (K,) str: the run's tasks, indexed by episode_task,
    task_worlds (K,): the worlds of each task
    episode_task, episode_world, episode_variation, episode_length,
    episode_end_step                                        (E,)
    observations (sum T+1, 39) float64, actions (sum T, 4) float32,
    rewards (sum T,) float64, terminations, truncations (sum T,) bool
    infos/<task>/<key>  (sum T+1 over that task's episodes,) success and reward terms
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from manyworld.benchmarks.wrappers import BatchWrapper
from manyworld.fileio import fsync_dir
from manyworld.tasks.obs import OBS_DIM

EPISODES_DIR = "episodes"
PART_PREFIX = "part_"
PART_FORMAT = "manyworld.episodes"
PART_FORMAT_VERSION = 1


#: The arrays every part holds (besides ``infos/<task>/<key>``).
PART_ARRAYS = ("format", "format_version", "env_steps", "max_episode_steps", "num_worlds", "tasks",
               "task_worlds", "episode_task", "episode_world", "episode_variation",
               "episode_length", "episode_end_step", "observations", "actions", "rewards",
               "terminations", "truncations")


class EpisodePartError(ValueError):
    """A part file that is not one this version of manyworld wrote."""


@dataclass
class _TaskWorlds:
    """The worlds of one task: their task env and each world's index there."""

    name: str
    env: Any  # the task's BatchEnv
    worlds: np.ndarray  # (n,) global world indices
    local: np.ndarray  # (n,) index of each in env
    keys: tuple[str, ...]  # recorded info keys: success, then the reward terms
    dtypes: dict[str, np.dtype]
    variation_of: dict[bytes, int]  # train parameter row -> its index


class EpisodeRecorder(BatchWrapper):
    """Records the finished episodes of every world of a (wrapped) ``MultiTaskEnv``.

    Wrap the training env outermost and step it through the collector (see the
    module docstring for what is kept).

    Args:
        env: the run's training env (:func:`manyworld.benchmarks.make_env`).
        env_steps: the run's env step count before the first step (a resumed
            run's count at its checkpoint).

    Attributes:
        env_steps: env steps (over all worlds) taken through this wrapper, plus
            the starting count.
    """

    def __init__(self, env: Any, env_steps: int = 0):
        super().__init__(env)
        base = env.unwrapped
        if not hasattr(base, "world"):
            raise TypeError(f"episode recording needs a MultiTaskEnv, got {type(base).__name__}")
        self.env_steps = int(env_steps)
        w, h = int(env.num_worlds), int(env.max_episode_steps)
        self.horizon = h
        task_ids = np.asarray(env.task_ids)
        self._groups: list[_TaskWorlds] = []
        self._group_of = np.zeros(w, np.int64)
        self._row = np.zeros(w, np.int64)  # row of each world in its group's info buffers
        for k, name in enumerate(env.task_names):
            worlds = np.flatnonzero(task_ids == k)
            if not worlds.size:
                continue
            located = [base.world(int(i)) for i in worlds]
            task_env = located[0][0]
            state = task_env.state_info()
            keys = ("success", *sorted(key for key in state if key.startswith("reward_")))
            table = {row.tobytes(): i for i, row in enumerate(task_env.train_variations)}
            self._group_of[worlds] = len(self._groups)
            self._row[worlds] = np.arange(len(worlds))
            self._groups.append(_TaskWorlds(
                name, task_env, worlds, np.array([j for _, j in located], np.int64), keys,
                {key: np.asarray(state[key]).dtype for key in keys}, table))
        self._obs = np.zeros((w, h + 1, OBS_DIM))
        self._actions = np.zeros((w, h, 4), np.float32)
        self._rewards = np.zeros((w, h))
        self._terminations = np.zeros((w, h), bool)
        self._truncations = np.zeros((w, h), bool)
        self._infos = [{key: np.zeros((len(g.worlds), h + 1), g.dtypes[key]) for key in g.keys}
                       for g in self._groups]
        self._variation = np.full(w, -1, np.int64)
        self._length = np.zeros(w, np.int64)
        self._running = np.zeros(w, bool)  # an episode started by a reset this wrapper saw
        self._finished: list[dict[str, Any]] = []

    @property
    def pending(self) -> int:
        """Finished episodes not yet flushed."""
        return len(self._finished)

    # ------------------------------------------------------------ stepping
    def reset(self, *, seed: int | None = None, ids: Any = None):
        obs, info = self.env.reset(seed=seed, ids=ids)
        worlds = self._reset_ids(ids)
        # an episode cut by a reset before its env ended it did not finish: it is dropped
        self._length[worlds] = 0
        self._running[worlds] = True
        self._obs[worlds, 0] = obs[worlds, :OBS_DIM]
        for gi, g in enumerate(self._groups):
            mine = worlds[self._group_of[worlds] == gi]
            if not mine.size:
                continue
            state = g.env.state_info()
            local = g.local[self._row[mine]]
            for key in g.keys:
                self._infos[gi][key][self._row[mine], 0] = state[key][local]
            self._variation[mine] = [self._variation_index(g, row) for row in g.env.params[local]]
        return obs, info

    def step(self, actions: np.ndarray, active: np.ndarray | None = None):
        obs, reward, terminated, truncated, info = self.env.step(actions, active)
        counted = np.ones(self.num_worlds, bool) if active is None else np.asarray(active, bool)
        worlds = np.flatnonzero(counted & self._running)
        t = self._length[worlds]
        if (t >= self.horizon).any():
            raise RuntimeError(f"an episode ran past the env's {self.horizon}-step horizon "
                               "without ending; the recorder's buffers hold one horizon")
        raw = np.asarray(info.get("reward_raw", reward))
        self._obs[worlds, t + 1] = obs[worlds, :OBS_DIM]
        self._actions[worlds, t] = np.clip(np.asarray(actions)[worlds], -1.0, 1.0)
        self._rewards[worlds, t] = raw[worlds]
        self._terminations[worlds, t] = terminated[worlds]
        self._truncations[worlds, t] = truncated[worlds]
        for gi, g in enumerate(self._groups):
            mine = worlds[self._group_of[worlds] == gi]
            if not mine.size:
                continue
            # the merged step info keeps only the keys every task shares: a multi-task
            # env's task-specific reward terms come from the task env's evaluation of the
            # same state (taken before the collector resets anything)
            if all(key in info for key in g.keys):
                source, columns = info, mine
            else:
                source, columns = g.env.state_info(), g.local[self._row[mine]]
            rows, steps = self._row[mine], self._length[mine] + 1
            for key in g.keys:
                self._infos[gi][key][rows, steps] = source[key][columns]
        self._length[worlds] += 1
        self.env_steps += self.num_worlds
        ended = worlds[(terminated | truncated)[worlds]]
        for w in ended:
            self._finish(int(w))
        self._running[ended] = False
        return obs, reward, terminated, truncated, info

    def _variation_index(self, g: _TaskWorlds, params: np.ndarray) -> int:
        index = g.variation_of.get(np.asarray(params, np.float64).tobytes())
        if index is None:
            raise RuntimeError(f"a world of {g.name} reset to parameters outside its train "
                               "variation set; recorded episodes must come from the train split")
        return index

    def _finish(self, w: int) -> None:
        gi, row, n = int(self._group_of[w]), int(self._row[w]), int(self._length[w])
        self._finished.append({
            "task": gi, "world": w, "variation": int(self._variation[w]), "length": n,
            "end_step": self.env_steps,
            "observations": self._obs[w, : n + 1].copy(),
            "actions": self._actions[w, :n].copy(),
            "rewards": self._rewards[w, :n].copy(),
            "terminations": self._terminations[w, :n].copy(),
            "truncations": self._truncations[w, :n].copy(),
            "infos": {key: rows[row, : n + 1].copy() for key, rows in self._infos[gi].items()},
        })  # fmt: skip

    # ------------------------------------------------------------ writing
    def flush(self, run_dir: str | os.PathLike, env_steps: int) -> Path | None:
        """Write the episodes finished since the last flush as the part of checkpoint ``env_steps``.

        Returns:
            The part's path, or None when no episode finished (nothing is written).
        """
        if int(env_steps) != self.env_steps:
            # the episodes' end steps count this wrapper's steps: they must be the run's
            raise RuntimeError(f"the run counts {env_steps} env steps but {self.env_steps} went "
                               "through the episode recorder: something steps the env around it")
        if not self._finished:
            return None
        names = [g.name for g in self._groups]
        eps = self._finished
        arrays: dict[str, np.ndarray] = {
            "format": np.array(PART_FORMAT),
            "format_version": np.array(PART_FORMAT_VERSION),
            "env_steps": np.array(int(env_steps), np.int64),
            "max_episode_steps": np.array(self.horizon, np.int64),
            "num_worlds": np.array(self.num_worlds, np.int64),
            "tasks": np.array(names),
            "task_worlds": np.array([len(g.worlds) for g in self._groups], np.int64),
            "episode_task": np.array([e["task"] for e in eps], np.int64),
            "episode_world": np.array([e["world"] for e in eps], np.int64),
            "episode_variation": np.array([e["variation"] for e in eps], np.int64),
            "episode_length": np.array([e["length"] for e in eps], np.int64),
            "episode_end_step": np.array([e["end_step"] for e in eps], np.int64),
        }
        for key in ("observations", "actions", "rewards", "terminations", "truncations"):
            arrays[key] = np.concatenate([e[key] for e in eps])
        for gi, g in enumerate(self._groups):
            mine = [e for e in eps if e["task"] == gi]
            if mine:
                for key in g.keys:
                    arrays[f"infos/{g.name}/{key}"] = np.concatenate([e["infos"][key] for e in mine])
        path = part_path(run_dir, env_steps)
        _write_npz_atomic(path, arrays)
        self._finished = []
        return path


def _write_npz_atomic(path: Path, arrays: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


# ------------------------------------------------------------ the parts of a run
def part_path(run_dir: str | os.PathLike, env_steps: int) -> Path:
    """``RUN_DIR/episodes/part_<env_steps:012d>.npz``."""
    return Path(run_dir) / EPISODES_DIR / f"{PART_PREFIX}{int(env_steps):012d}.npz"


def list_parts(run_dir: str | os.PathLike) -> list[tuple[int, Path]]:
    """``(env_steps, path)`` of a run's episode parts, oldest first (temporary files skipped)."""
    folder = Path(run_dir) / EPISODES_DIR
    if not folder.is_dir():
        return []
    found = []
    for p in folder.glob(f"{PART_PREFIX}*.npz"):
        digits = p.name[len(PART_PREFIX): -len(".npz")]
        if digits.isdigit():
            found.append((int(digits), p))
    return sorted(found)


def drop_parts_after(run_dir: str | os.PathLike, env_steps: int) -> list[Path]:
    """Delete the parts newer than ``env_steps`` and leftover temporary files; the deleted parts.

    A resume from the checkpoint at ``env_steps`` retrains the steps those parts
    recorded (a part is flushed before its checkpoint is written, so a run killed
    in between leaves a part without its checkpoint).
    """
    dropped = [p for step, p in list_parts(run_dir) if step > env_steps]
    for p in dropped:
        p.unlink()
    folder = Path(run_dir) / EPISODES_DIR
    if folder.is_dir():
        for tmp in folder.glob(f".{PART_PREFIX}*.tmp-*"):
            tmp.unlink(missing_ok=True)
    return dropped


def read_part(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of one part file, its format checked.

    Raises:
        EpisodePartError: not a part file, or one of another format version.
    """
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {key: z[key] for key in z.files}
    except (OSError, ValueError) as err:
        raise EpisodePartError(f"{path}: unreadable episode part ({err})") from err
    if str(arrays.get("format", "")) != PART_FORMAT:
        raise EpisodePartError(f"{path}: not a manyworld episode part")
    if int(arrays["format_version"]) != PART_FORMAT_VERSION:
        raise EpisodePartError(f"{path}: episode part format version {int(arrays['format_version'])}; "
                               f"this manyworld reads version {PART_FORMAT_VERSION}")
    missing = sorted(set(PART_ARRAYS) - set(arrays))
    if missing:
        raise EpisodePartError(f"{path}: incomplete episode part (no {', '.join(missing)})")
    return arrays
