"""A replay buffer in numpy with one ring per task and per-task stratified sampling.

Transitions of task k go to ring k (``capacity_per_task`` slots); a batch of B
draws B/K transitions from each task that has data (tasks with none yet are
skipped and the others fill the batch), so every task is equally represented
whatever its episode lengths or world counts (Meta-World+: 128 per task on MT10).

With ``n_step > 1`` a sampled transition carries the discounted sum of up to n rewards
of the same world (cut at the episode's end and at the newest data), the observation
after the last of them, and that discount: ``reward = sum_j gamma^j r_j``, ``discount =
gamma^m`` for the m rewards summed. A ring's rows of one ``add`` are its worlds in a fixed
order, so the next step of the world in slot ``i`` is slot ``i + W`` (W worlds per task).
"""

from __future__ import annotations

import numpy as np

_FIELDS = ("obs", "action", "reward", "next_obs", "terminated", "done")


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
        self.done = np.zeros((k, c), np.float32)  # the episode ended here (terminated or cut)
        self.stride = np.zeros(k, np.int64)  # rows per add: the ring's worlds (0: none yet)
        self.pos = np.zeros(k, np.int64)  # next slot of each ring
        self.size = np.zeros(k, np.int64)

    def __len__(self) -> int:
        return int(self.size.sum())

    def add(self, task: np.ndarray, **arrays: np.ndarray) -> None:
        """Append one env step of every world; ``task`` (W,) says each row's ring.

        Arrays: ``obs``, ``action``, ``reward``, ``next_obs``, ``terminated`` and optionally
        ``done`` (the episode ended: terminated or truncated; default ``terminated``), one
        row per world, in the same world order every call.
        """
        task = np.asarray(task)
        arrays.setdefault("done", arrays["terminated"])
        for k in np.unique(task):
            rows = np.flatnonzero(task == k)
            if self.stride[k] not in (0, len(rows)):
                raise ValueError(
                    f"task {k} got {len(rows)} rows but earlier steps had {self.stride[k]}; "
                    "add one step of every world per call"
                )
            self.stride[k] = len(rows)
            slots = (self.pos[k] + np.arange(len(rows))) % self.capacity
            for name in _FIELDS:
                getattr(self, name)[k, slots] = arrays[name][rows]
            self.pos[k] = (self.pos[k] + len(rows)) % self.capacity
            self.size[k] = min(self.capacity, self.size[k] + len(rows))

    def sample(
        self,
        rng: np.random.Generator,
        batch_size: int,
        num_batches: int = 1,
        *,
        n_step: int = 1,
        gamma: float = 0.99,
    ) -> dict:
        """``num_batches`` stratified batches: arrays ``(num_batches, batch_size, ...)``.

        Keys: ``obs``, ``action``, ``reward``, ``next_obs``, ``terminated``, ``task`` and
        ``discount`` (gamma^m of the m rewards summed; ``gamma`` when ``n_step`` is 1).
        """
        if n_step < 1:
            raise ValueError(f"n_step must be >= 1, got {n_step}")
        have = np.flatnonzero(self.size > 0)
        if have.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        per = np.full(have.size, batch_size // have.size)
        per[: batch_size % have.size] += 1
        task = np.repeat(have, per)  # (B,) same layout in every batch
        idx = rng.integers(0, self.size[task], size=(num_batches, batch_size))
        out = {name: getattr(self, name)[task, idx] for name in ("obs", "action")}
        # n-step sums and discounts in double, stored as float32 below: the discount is then
        # float32(gamma^m) exactly, as in the runs behind the published figures (a float32
        # product differs in the last bit and changes every later update)
        wide = np.float64 if n_step > 1 else np.float32
        reward = self.reward[task, idx].astype(wide, copy=False)
        last = idx
        discount = np.full(idx.shape, gamma, wide)
        if n_step > 1:
            # steps stored after slot idx: the successor of step j must already be written
            age = (self.pos[task] - 1 - idx) % self.capacity
            alive = self.done[task, idx] == 0
            for j in range(1, n_step):
                alive &= j * self.stride[task] <= age
                nxt = (idx + j * self.stride[task]) % self.capacity
                reward += np.where(alive, gamma**j * self.reward[task, nxt], 0.0)
                discount = np.where(alive, discount * gamma, discount)
                last = np.where(alive, nxt, last)
                alive &= self.done[task, nxt] == 0
        out["reward"] = reward.astype(np.float32, copy=False)
        out["next_obs"] = self.next_obs[task, last]
        out["terminated"] = self.terminated[task, last]
        out["discount"] = discount.astype(np.float32, copy=False)
        out["task"] = np.broadcast_to(task.astype(np.int32), idx.shape).copy()
        return out

    # ---- checkpointing: plain arrays, the filled part only
    def state_dict(self) -> dict[str, np.ndarray]:
        n = int(self.size.max())
        d = {f"replay/{name}": getattr(self, name)[:, :n] for name in _FIELDS}
        d["replay/pos"], d["replay/size"] = self.pos.copy(), self.size.copy()
        d["replay/stride"] = self.stride.copy()
        return d

    def load_state_dict(self, d: dict[str, np.ndarray]) -> None:
        n = d["replay/obs"].shape[1]
        if d["replay/obs"].shape[0] != self.num_tasks or n > self.capacity:
            raise ValueError(
                f"replay buffer in the checkpoint has shape {d['replay/obs'].shape[:2]}, "
                f"this run's is ({self.num_tasks}, <= {self.capacity})"
            )
        for name in _FIELDS:
            if f"replay/{name}" not in d:
                raise ValueError(
                    f"the checkpoint's replay buffer has no {name!r} field: it was written "
                    "before n-step replay; resume it with that manyworld version or start anew"
                )
            getattr(self, name)[:, :n] = d[f"replay/{name}"]
        self.pos[:], self.size[:] = d["replay/pos"], d["replay/size"]
        self.stride[:] = d.get("replay/stride", 0)
