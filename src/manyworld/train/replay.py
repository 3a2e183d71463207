"""A replay buffer in numpy with one ring per task and per-task stratified sampling.

Transitions of task k go to ring k (``capacity_per_task`` slots); a batch of B
draws B/K transitions from each task that has data (tasks with none yet are
skipped and the others fill the batch), so every task is equally represented
whatever its episode lengths or world counts (Meta-World+: 128 per task on MT10).
"""

from __future__ import annotations

import numpy as np

_FIELDS = ("obs", "action", "reward", "next_obs", "terminated")


class ReplayBuffer:
    """K rings of float32 transitions.

    Args:
        num_tasks: K.
        capacity_per_task: slots per ring; the oldest transitions are overwritten.
        obs_dim, action_dim: sizes of one transition's arrays.
    """

    def __init__(self, num_tasks: int, capacity_per_task: int, obs_dim: int, action_dim: int):
        if capacity_per_task < 1:
            raise ValueError(f"capacity_per_task must be >= 1, got {capacity_per_task}")
        k, c = int(num_tasks), int(capacity_per_task)
        self.num_tasks, self.capacity = k, c
        self.obs = np.zeros((k, c, obs_dim), np.float32)
        self.action = np.zeros((k, c, action_dim), np.float32)
        self.reward = np.zeros((k, c), np.float32)
        self.next_obs = np.zeros((k, c, obs_dim), np.float32)
        self.terminated = np.zeros((k, c), np.float32)
        self.pos = np.zeros(k, np.int64)  # next slot of each ring
        self.size = np.zeros(k, np.int64)

    def __len__(self) -> int:
        return int(self.size.sum())

    def add(self, task: np.ndarray, **arrays: np.ndarray) -> None:
        """Append one transition per row; ``task`` (W,) says each row's ring."""
        task = np.asarray(task)
        for k in np.unique(task):
            rows = np.flatnonzero(task == k)
            slots = (self.pos[k] + np.arange(len(rows))) % self.capacity
            for name in _FIELDS:
                getattr(self, name)[k, slots] = arrays[name][rows]
            self.pos[k] = (self.pos[k] + len(rows)) % self.capacity
            self.size[k] = min(self.capacity, self.size[k] + len(rows))

    def sample(self, rng: np.random.Generator, batch_size: int, num_batches: int = 1) -> dict:
        """``num_batches`` stratified batches: arrays ``(num_batches, batch_size, ...)`` + ``task``."""
        have = np.flatnonzero(self.size > 0)
        if have.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        per = np.full(have.size, batch_size // have.size)
        per[: batch_size % have.size] += 1
        task = np.repeat(have, per)  # (B,) same layout in every batch
        idx = rng.integers(0, self.size[task], size=(num_batches, batch_size))
        out = {name: getattr(self, name)[task, idx] for name in _FIELDS}
        out["task"] = np.broadcast_to(task.astype(np.int32), idx.shape).copy()
        return out

    # ---- checkpointing: plain arrays, the filled part only
    def state_dict(self) -> dict[str, np.ndarray]:
        n = int(self.size.max())
        d = {f"replay/{name}": getattr(self, name)[:, :n] for name in _FIELDS}
        d["replay/pos"], d["replay/size"] = self.pos.copy(), self.size.copy()
        return d

    def load_state_dict(self, d: dict[str, np.ndarray]) -> None:
        n = d["replay/obs"].shape[1]
        if d["replay/obs"].shape[0] != self.num_tasks or n > self.capacity:
            raise ValueError(
                f"replay buffer in the checkpoint has shape {d['replay/obs'].shape[:2]}, "
                f"this run's is ({self.num_tasks}, <= {self.capacity})"
            )
        for name in _FIELDS:
            getattr(self, name)[:, :n] = d[f"replay/{name}"]
        self.pos[:], self.size[:] = d["replay/pos"], d["replay/size"]
