"""Loading datasets as flat transition arrays, straight from HDF5.

``minari.load_dataset(id)`` gives episodes as Python objects; offline RL wants
one array per field over all transitions. :func:`load_arrays` reads each
episode's datasets once into preallocated arrays (nothing is built per step),
checks that the dataset still matches the installed benchmark (see
:mod:`~manyworld.datasets.identity`) and loads several datasets at once with a
task id column for multi-task training.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from manyworld.datasets.identity import check_identity
from manyworld.datasets.store import (
    DATA_FILE,
    NAMESPACE,
    DatasetError,
    read_metadata,
    require,
    resolve,
)
from manyworld.fileio import sha256_file


@dataclass
class Transitions:
    """Every transition of one or more datasets, one row each.

    Rows are in dataset order, then episode order, then step order.

    Attributes:
        obs: (n, 39) observation the action was taken in.
        actions: (n, 4) float32, the action executed.
        rewards: (n,) float64.
        next_obs: (n, 39) observation after the step.
        terminations: (n,) bool.
        truncations: (n,) bool; with ``terminations`` it marks each episode's last step.
        success: (n,) bool, the task's success after the step (``infos/success``).
        episode: (n,) int64, the episode's index among all loaded episodes.
        variation: (n,) int16, the train variation (0-49) the episode ran.
        task_id: (n,) int16, index into ``tasks``.
        tasks: task name of each task id.
        dataset_ids: the dataset of each task id, as recorded in its metadata.
        metadata: the ``manyworld`` metadata block of each dataset.
    """

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_obs: np.ndarray
    terminations: np.ndarray
    truncations: np.ndarray
    success: np.ndarray
    episode: np.ndarray
    variation: np.ndarray
    task_id: np.ndarray
    tasks: tuple[str, ...]
    dataset_ids: tuple[str, ...]
    metadata: tuple[dict[str, Any], ...]

    def __len__(self) -> int:
        return len(self.rewards)

    def one_hot(self, num_tasks: int | None = None, dtype: Any = np.float32) -> np.ndarray:
        """(n, K) one-hot task id, K = ``num_tasks`` (default: the number of loaded tasks)."""
        k = len(self.tasks) if num_tasks is None else int(num_tasks)
        if k < len(self.tasks):
            raise ValueError(f"num_tasks={k} is fewer than the {len(self.tasks)} tasks loaded")
        out = np.zeros((len(self), k), dtype)
        out[np.arange(len(self)), self.task_id] = 1
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        """The per-transition columns as a dict."""
        keys = ("obs", "actions", "rewards", "next_obs", "terminations", "truncations", "success",
                "episode", "variation", "task_id")
        return {k: getattr(self, k) for k in keys}


def load_arrays(
    datasets: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    root: str | os.PathLike | None = None,
    allow_mismatch: bool = False,
    verify: bool = False,
    obs_dtype: Any = None,
) -> Transitions:
    """Load one dataset or several (one task each) as flat transition arrays.

    Args:
        datasets: a dataset id (``"manyworld/push/expert-v2"``), a dataset
            directory or its ``data/`` directory, or a sequence of them. With
            several, the task id column numbers them in the order given.
        root: datasets root for ids (default ``$MINARI_DATASETS_PATH`` or
            ``~/.minari/datasets``).
        allow_mismatch: load datasets whose task version, MuJoCo version or
            variation set differs from the installed benchmark.
        verify: check ``main_data.hdf5`` against the SHA-256 recorded at collection.
        obs_dtype: cast observations to this dtype (default: as stored, float64).

    Returns:
        The :class:`Transitions`.

    Raises:
        DatasetNotFoundError: no complete dataset at an id or path.
        DatasetVersionError: a dataset's identity differs from the installed one.
        DatasetError: not a manyworld dataset, a checksum mismatch with
            ``verify``, or the same dataset given twice.
    """
    h5py = require("h5py")
    items = [datasets] if isinstance(datasets, (str, os.PathLike)) else list(datasets)
    if not items:
        raise ValueError("datasets is empty: give at least one dataset id or path")
    sources = []
    for item in items:
        data = resolve(item, root)
        meta = read_metadata(data)
        block = meta[NAMESPACE]
        check_identity(block, f"dataset {meta.get('dataset_id', data)}", allow_mismatch)
        if verify and sha256_file(data / DATA_FILE) != block["files"][DATA_FILE]:
            raise DatasetError(f"{data / DATA_FILE}: content does not match the SHA-256 recorded "
                               "in metadata.json (altered or corrupt); collect it again")
        sources.append((data, meta))
    ids = [m.get("dataset_id", str(d)) for d, m in sources]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise DatasetError(f"dataset(s) {dup} given more than once")

    total = sum(int(m["total_steps"]) for _, m in sources)
    dims = {int(m[NAMESPACE]["obs_dim"]) for _, m in sources}
    if len(dims) != 1:
        raise DatasetError(f"the datasets have observations of different sizes {sorted(dims)}")
    out = _allocate(total, dims.pop(), obs_dtype)
    row, episode = 0, 0
    for task_id, (data, meta) in enumerate(sources):
        # h5py's low-level calls: its File/Group/Dataset objects cost ~3x more per
        # episode than the reads themselves
        fid = h5py.h5f.open(os.fsencode(data / DATA_FILE), h5py.h5f.ACC_RDONLY)
        try:
            for i in range(int(meta["total_episodes"])):
                n = _read_episode(h5py, fid, f"episode_{i}".encode(), out, row, total)
                out["episode"][row: row + n] = episode
                out["task_id"][row: row + n] = task_id
                row += n
                episode += 1
        finally:
            fid.close()
    if row != total:
        raise DatasetError(f"the episodes hold {row} steps, the metadata says {total}: corrupt dataset")
    return Transitions(
        **out,
        tasks=tuple(m[NAMESPACE]["task"] for _, m in sources),
        dataset_ids=tuple(ids),
        metadata=tuple(m[NAMESPACE] for _, m in sources),
    )


def _allocate(n: int, dim: int, obs_dtype: Any) -> dict[str, np.ndarray]:
    dt = np.float64 if obs_dtype is None else np.dtype(obs_dtype)
    return {
        "obs": np.empty((n, dim), dt),
        "actions": np.empty((n, 4), np.float32),
        "rewards": np.empty(n),
        "next_obs": np.empty((n, dim), dt),
        "terminations": np.empty(n, bool),
        "truncations": np.empty(n, bool),
        "success": np.empty(n, bool),
        "episode": np.empty(n, np.int64),
        "variation": np.empty(n, np.int16),
        "task_id": np.empty(n, np.int16),
    }


def _read_episode(h5py: Any, fid: Any, name: bytes, out: dict[str, np.ndarray], row: int,
                  total: int) -> int:
    """Read episode group ``name`` straight into rows ``row:row+T`` of ``out``; returns T."""
    n = int(h5py.h5d.open(fid, name + b"/rewards").shape[0])
    if row + n > total:
        raise DatasetError(f"episode {name.decode()} runs past the {total} steps the metadata "
                           "records: corrupt dataset")
    rows = slice(row, row + n)

    def read(dataset: bytes, dest: np.ndarray, first: int = 0) -> None:
        # rows first:first+n of the stored dataset into the (contiguous) view ``dest``
        d = h5py.h5d.open(fid, name + b"/" + dataset)
        space = d.get_space()
        space.select_hyperslab((first,) + (0,) * (dest.ndim - 1), dest.shape)
        d.read(h5py.h5s.create_simple(dest.shape), space, dest)

    # one read and two copies: cheaper than two reads of the chunked dataset
    obs = np.empty((n + 1, out["obs"].shape[1]))
    read(b"observations", obs)
    out["obs"][rows], out["next_obs"][rows] = obs[:-1], obs[1:]
    read(b"actions", out["actions"][rows])
    read(b"rewards", out["rewards"][rows])
    read(b"terminations", out["terminations"][rows])
    read(b"truncations", out["truncations"][rows])
    # row 0 of the infos is the reset; row t+1 follows step t
    read(b"infos/success", out["success"][rows], 1)
    attr = h5py.h5a.open(h5py.h5g.open(fid, name), b"variation_index")
    value = np.empty(attr.shape, attr.dtype)
    attr.read(value)
    out["variation"][rows] = int(value)
    return n


def dataset_summary(dataset: str | os.PathLike, root: str | os.PathLike | None = None,
                    verify: bool = True) -> dict[str, Any]:
    """What ``manyworld dataset show`` prints: size, statistics, identity check and checksums.

    Reads only ``metadata.json`` (and, with ``verify``, hashes ``main_data.hdf5``).
    """
    data = resolve(dataset, root)
    meta = read_metadata(data)
    block = meta[NAMESPACE]
    from manyworld.datasets.identity import identity_mismatches

    files = {p.name: p for p in sorted(data.iterdir()) if p.is_file()}
    sha = {name: sha256_file(p) for name, p in files.items()} if verify else {}
    return {
        "dataset_id": meta.get("dataset_id"),
        "path": str(data.parent),
        "episodes": int(meta["total_episodes"]),
        "steps": int(meta["total_steps"]),
        "bytes": sum(p.stat().st_size for p in files.values()),
        "manyworld": block,
        "mismatches": identity_mismatches(block),
        "sha256": sha,
        "data_file_intact": (sha.get(DATA_FILE) == block["files"][DATA_FILE]) if verify else None,
    }
