"""MultiTaskEnv: worlds of several tasks stepped as one batch.

One :class:`~manyworld.envs.batch_env.BatchEnv` per task holds that task's
worlds, so each task's worlds step in one batched physics call; a step of the
whole benchmark is one call per task, and the results are scattered into
``(W, ...)`` arrays in world order. Any number of worlds per task, including
different numbers for different tasks, and any order of worlds
(:meth:`MultiTaskEnv.set_tasks` lays worlds out as a list of
(task, variation) pairs says).

The raw observation is Meta-World's 39-d one; the benchmark wrappers
(:mod:`manyworld.benchmarks.wrappers`) add the one-hot task id, the RL²
inputs, reward normalisation and episode statistics on top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from manyworld.benchmarks.sampling import TaskVariation
from manyworld.envs.batch_env import (
    MAX_EPISODE_STEPS,
    BatchEnv,
    check_actions,
    check_integer_ids,
)
from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import DEFAULT_VARIATION_SEED, get_task


@dataclass
class _Group:
    """The worlds of one task: its BatchEnv and their global world indices (local order)."""

    task_index: int
    env: BatchEnv
    worlds: np.ndarray  # (c,) global index of local world j


class MultiTaskEnv:
    """W worlds over K tasks, stepped together with Meta-World's per-world interface.

    Args:
        tasks: task names, in one-hot order.
        worlds_per_task: an int (same for every task), one int per task, or a
            dict task -> int; 0 leaves a task without worlds.
        seed: seed of every task's variation draws (each task derives its own stream).
        max_episode_steps: episode length before truncation.
        terminate_on_success: end episodes on success.
        split: which variation set unpinned resets draw from (``"train"`` or ``"test"``).
        variation_seed: seed of the tasks' published variation sets.
        goal_visible: goal in observation slots 36-38, else zeros.
        num_threads: physics threads per task env (0: one per core).
        backend, device: the simulator of every task env (see
            :class:`~manyworld.envs.batch_env.BatchEnv`): ``"mujoco"`` (the
            benchmark's physics) or ``"warp"`` (MuJoCo Warp on ``device``).

    Attributes:
        task_names: the K task names.
        task_ids: (W,) index into ``task_names`` of each world's task.
        num_worlds: W.
        observation_space, action_space: of one world (the union of the tasks' boxes).
        pairs: the (task, variation) of each world after :meth:`set_tasks`, else None.
    """

    def __init__(
        self,
        tasks: Sequence[str],
        worlds_per_task: int | Sequence[int] | dict[str, int] = 1,
        *,
        seed: int | None = None,
        max_episode_steps: int = MAX_EPISODE_STEPS,
        terminate_on_success: bool = False,
        split: str = "train",
        variation_seed: int = DEFAULT_VARIATION_SEED,
        goal_visible: bool = True,
        num_threads: int = 0,
        backend: str = "mujoco",
        device: str | None = None,
    ):
        names = [get_task(t).name for t in tasks]
        if not names:
            raise ValueError("MultiTaskEnv needs at least one task")
        dup = sorted({t for t in names if names.count(t) > 1})
        if dup:
            raise ValueError(f"tasks repeat: {dup}")
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        self.task_names = tuple(names)
        self.num_tasks = len(names)
        self._index = {t: i for i, t in enumerate(names)}
        self._env_kwargs = {
            "max_episode_steps": max_episode_steps,
            "terminate_on_success": terminate_on_success,
            "variations": split,
            "variation_seed": variation_seed,
            "goal_visible": goal_visible,
            "num_threads": num_threads,
            "backend": backend,
            "device": device,
        }
        self.max_episode_steps = int(max_episode_steps)
        self.terminate_on_success = bool(terminate_on_success)
        self.goal_visible = bool(goal_visible)
        self.split = split
        self.variation_seed = int(variation_seed)
        # one root for every task's stream, so that a seed fixes all of them
        self._seed_root = (
            int(np.random.SeedSequence(seed).entropy % (2**63)) if seed is None else int(seed)
        )
        self._envs: dict[tuple[str, int], BatchEnv] = {}
        self._default_counts = self._counts(worlds_per_task)
        self.pairs: list[TaskVariation] | None = None
        self._layout(
            {
                t: np.flatnonzero(np.repeat(np.arange(self.num_tasks), self._default_counts) == i)
                for i, t in enumerate(names)
                if self._default_counts[i]
            }
        )
        self._make_spaces()

    # ------------------------------------------------------------ layout
    def _counts(self, worlds_per_task: Any) -> np.ndarray:
        k = self.num_tasks
        if isinstance(worlds_per_task, dict):
            unknown = sorted(set(worlds_per_task) - set(self.task_names))
            if unknown:
                raise ValueError(f"worlds_per_task names tasks not in this env: {unknown}")
            counts = [worlds_per_task.get(t, 0) for t in self.task_names]
        elif isinstance(worlds_per_task, (int, np.integer)):
            counts = [worlds_per_task] * k
        elif isinstance(worlds_per_task, (Sequence, np.ndarray)) and not isinstance(
            worlds_per_task, str
        ):
            counts = list(worlds_per_task)
            if len(counts) != k:
                raise ValueError(f"worlds_per_task has {len(counts)} entries for {k} tasks")
        else:
            raise TypeError(
                f"worlds_per_task must be an integer, one integer per task, or a dict task -> "
                f"integer, got {worlds_per_task!r}"
            )
        counts = np.asarray(counts)
        if counts.dtype.kind not in "iu" or (counts < 0).any() or counts.sum() < 1:
            raise ValueError(
                f"worlds_per_task must be non-negative integers with a positive total, got "
                f"{worlds_per_task!r}"
            )
        return counts.astype(np.int64)

    def _env(self, task: str, n: int) -> BatchEnv:
        # Envs are kept per (task, size) so that alternating meta-batch layouts
        # rebuild nothing, and each keeps its cache of settled initial states.
        key = (task, n)
        if key not in self._envs:
            seed = np.random.SeedSequence([self._seed_root, self._index[task], n]).generate_state(
                1
            )[0]
            self._envs[key] = BatchEnv(task, n, seed=int(seed), **self._env_kwargs)
        return self._envs[key]

    def _layout(self, worlds: dict[str, np.ndarray]) -> None:
        """Assign global world indices to tasks (task -> indices in local order)."""
        self._groups = [
            _Group(self._index[t], self._env(t, len(w)), np.asarray(w, np.int64))
            for t, w in worlds.items()
        ]
        self.num_worlds = int(sum(len(g.worlds) for g in self._groups))
        self.task_ids = np.empty(self.num_worlds, np.int64)
        self._local = np.empty(self.num_worlds, np.int64)
        self._group_of = np.empty(self.num_worlds, np.int64)
        for gi, g in enumerate(self._groups):
            self.task_ids[g.worlds] = g.task_index
            self._local[g.worlds] = np.arange(len(g.worlds))
            self._group_of[g.worlds] = gi
        self._obs = np.zeros((self.num_worlds, obs_lib.OBS_DIM))

    def set_tasks(self, pairs: Sequence[TaskVariation] | None) -> None:
        """Lay the worlds out as ``pairs``: world i runs ``pairs[i]`` from its next reset on.

        The number of worlds becomes ``len(pairs)``, in any mix of tasks. None
        goes back to the constructor's layout, drawing variations at each reset.
        Every world needs a reset afterwards.
        """
        if pairs is None:
            self.pairs = None
            counts = self._default_counts
            tid = np.repeat(np.arange(self.num_tasks), counts)
            self._layout(
                {t: np.flatnonzero(tid == i) for i, t in enumerate(self.task_names) if counts[i]}
            )
            for g in self._groups:
                g.env.set_task(None)
                g.env.end_episodes()
            return
        pairs = list(pairs)
        if not pairs:
            raise ValueError("set_tasks needs at least one (task, variation) pair")
        unknown = sorted({p.task for p in pairs} - set(self.task_names))
        if unknown:
            raise ValueError(
                f"pairs name tasks this env does not hold: {unknown} (it holds "
                f"{', '.join(self.task_names)})"
            )
        task_of = np.array([self._index[p.task] for p in pairs])
        worlds = {
            t: np.flatnonzero(task_of == i)
            for i, t in enumerate(self.task_names)
            if (task_of == i).any()
        }
        self._layout(worlds)
        for g in self._groups:
            g.env.set_task(np.stack([pairs[w].row for w in g.worlds]))
            g.env.end_episodes()
        self.pairs = pairs

    def set_variations(self, ids: Any, pairs: Sequence[TaskVariation]) -> None:
        """Pin worlds ``ids`` to new variations of their own tasks, from their next reset on.

        Unlike :meth:`set_tasks`, the layout stays and no other world is touched:
        this is how a world moves to its next variation between episodes
        (Meta-World's per-reset task selection).
        """
        ids = self._ids(ids)
        pairs = list(pairs)
        if len(pairs) != len(ids):
            raise ValueError(f"set_variations got {len(ids)} worlds but {len(pairs)} pairs")
        for w, p in zip(ids, pairs):
            if self._index.get(p.task) != self.task_ids[w]:
                raise ValueError(
                    f"world {w} runs {self.task_names[self.task_ids[w]]}; it cannot take a "
                    f"variation of {p.task} (set_tasks changes the layout)"
                )
        for gi, g in enumerate(self._groups):
            mine = np.flatnonzero(self._group_of[ids] == gi)
            if mine.size:
                g.env.set_task(np.stack([pairs[i].row for i in mine]), ids=self._local[ids[mine]])
        if self.pairs is not None:
            for w, p in zip(ids, pairs):
                self.pairs[w] = p

    def world(self, w: int) -> tuple[BatchEnv, int]:
        """The :class:`BatchEnv` that simulates world ``w`` and its index there (for rendering)."""
        if not 0 <= int(w) < self.num_worlds:
            raise ValueError(f"world must be in [0, {self.num_worlds}), got {w}")
        return self._groups[self._group_of[w]].env, int(self._local[w])

    def _make_spaces(self) -> None:
        have = {self.task_names[g.task_index]: g.env for g in self._groups}
        boxes = [(have.get(t) or self._env(t, 1)).observation_space for t in self.task_names]
        low = np.min([b.low for b in boxes], axis=0)
        high = np.max([b.high for b in boxes], axis=0)
        self.observation_space = spaces.Box(low, high, dtype=np.float64)
        self.action_space = spaces.Box(-1.0, 1.0, (4,), dtype=np.float32)

    # ------------------------------------------------------------ episodes
    @property
    def needs_reset(self) -> np.ndarray:
        """(W,) bool: worlds whose episode ended (or never started)."""
        out = np.empty(self.num_worlds, dtype=bool)
        for g in self._groups:
            out[g.worlds] = g.env.needs_reset
        return out

    def worlds_of(self, task: str) -> np.ndarray:
        """Global indices of the worlds running ``task``."""
        return np.flatnonzero(self.task_ids == self._index[task])

    def reset(
        self, *, seed: int | None = None, ids: Any = None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Start new episodes in worlds ``ids`` (all if None); a seed reseeds every task's draws.

        Returns:
            Observations of all W worlds (W, 39) and ``{"task_id": (W,)}``.
        """
        ids = self._ids(ids)
        if seed is not None:
            self._seed_root = int(seed)
        for gi, g in enumerate(self._groups):
            local = self._local[ids[self._group_of[ids] == gi]]
            if local.size == 0:
                continue
            task_seed = None
            if seed is not None:
                task_seed = int(np.random.SeedSequence([seed, g.task_index]).generate_state(1)[0])
            obs, _ = g.env.reset(seed=task_seed, ids=local)
            self._obs[g.worlds[local]] = obs[local]
        return self._obs.copy(), {"task_id": self.task_ids.copy()}

    def step(
        self, actions: np.ndarray, active: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Apply one action per world; every task's worlds step in one batched call.

        Args:
            actions: (W, 4).
            active: optional (W,) bool of the worlds whose results are wanted.
                Tasks with no active world are not stepped at all (their
                entries keep their last values). Inactive worlds of a stepped
                task are carried along (the batch steps all its worlds) even if
                their episode ended, as :meth:`BatchEnv.step` describes; their
                entries are not meaningful. Without ``active``, stepping a
                world whose episode ended raises.

        Returns:
            obs (W, 39), reward (W,), terminated (W,), truncated (W,), and an
            info dict of (W,) arrays with the keys every stepped task reports
            (``success`` always).
        """
        a = check_actions(actions, self.num_worlds)
        ended = self.needs_reset
        if active is not None:
            active = np.asarray(active)
            if active.dtype != bool or active.shape != (self.num_worlds,):
                raise ValueError(
                    f"active must be a bool mask of shape ({self.num_worlds},) (one flag per "
                    f"world), got {active.dtype} of shape {active.shape}: pass e.g. "
                    f"np.ones({self.num_worlds}, dtype=bool)"
                )
            ended &= active
        if ended.any():
            # checked here, not by each task's env, so that nothing is stepped then
            raise ValueError(
                f"worlds {np.flatnonzero(ended)[:10].tolist()} have no running episode: "
                "call reset(ids=...) on them first"
            )
        w = self.num_worlds
        reward = np.zeros(w)
        terminated = np.zeros(w, dtype=bool)
        truncated = np.zeros(w, dtype=bool)
        infos: list[tuple[np.ndarray, dict[str, np.ndarray]]] = []
        for g in self._groups:
            mine = None if active is None else active[g.worlds]
            if mine is not None and not mine.any():
                continue
            obs, r, te, tr, info = g.env.step(a[g.worlds], active=mine)
            self._obs[g.worlds] = obs
            reward[g.worlds] = r
            terminated[g.worlds] = te
            truncated[g.worlds] = tr
            infos.append((g.worlds, info))
        return self._obs.copy(), reward, terminated, truncated, _merge_info(infos, w)

    # ------------------------------------------------------------ utilities
    def _ids(self, ids: Any) -> np.ndarray:
        if ids is None:
            return np.arange(self.num_worlds)
        ids = np.asarray(ids)
        if ids.dtype == bool:
            if ids.shape != (self.num_worlds,):
                raise ValueError(
                    f"a boolean world mask must have shape ({self.num_worlds},), got {ids.shape}"
                )
            return np.flatnonzero(ids)
        check_integer_ids(ids)
        ids = np.unique(ids.astype(np.int64).ravel())
        if ids.size and (ids[0] < 0 or ids[-1] >= self.num_worlds):
            raise ValueError(
                f"world ids must be in [0, {self.num_worlds}), got {ids.tolist()[:10]}"
            )
        return ids

    def close(self) -> None:
        """Release every task's simulation."""
        for env in self._envs.values():
            env.close()
        self._envs.clear()


def _merge_info(
    infos: list[tuple[np.ndarray, dict[str, np.ndarray]]], w: int
) -> dict[str, np.ndarray]:
    """Scatter per-task info dicts into (W,) arrays; keep the keys all stepped tasks share."""
    if not infos:
        return {"success": np.zeros(w, dtype=bool)}
    keys = set(infos[0][1])
    for _, info in infos[1:]:
        keys &= set(info)
    out = {}
    for key in sorted(keys):
        first = np.asarray(infos[0][1][key])
        arr = np.zeros(w, dtype=first.dtype)
        for worlds, info in infos:
            arr[worlds] = info[key]
        out[key] = arr
    return out
