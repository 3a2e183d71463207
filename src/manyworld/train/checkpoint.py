"""Checkpoints: atomic, pickle-free, verified.

A checkpoint is a directory ``checkpoints/step_<env steps, 12 digits>/``::

    meta.json    {"format": "manyworld.checkpoint", "format_version": 1, "algo": ...,
                  "config": {...}, "counters": {...}, "numpy_rng": {...},
                  "files": {"state.npz": "<sha256>", ...}}
    state.npz    every leaf of the training state (params, optimiser states,
                 temperatures, PRNG key), keyed by its path in the state tree
    replay.npz   the replay buffer (optional)

It is written into a hidden temporary directory beside it, every file flushed
to disk, then renamed into place in one step; a crash (even ``kill -9``) at
any moment leaves either the previous checkpoints or the new complete one, and
at worst a ``.tmp-*`` directory that is ignored and cleaned up. ``.npz`` files
are loaded with ``allow_pickle=False``; the hashes in ``meta.json`` catch a
truncated or altered file, and the tree paths, shapes and dtypes are checked
against the running program's state, so a foreign checkpoint fails with a
:class:`CheckpointError` that says what does not match.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import jax
import numpy as np

from manyworld.fileio import fsync_dir, sha256_file

FORMAT = "manyworld.checkpoint"
FORMAT_VERSION = 1
PREFIX = "step_"


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message names the file and the reason."""


# ---------------------------------------------------------------- pytrees <-> flat dicts
def _path_str(path: tuple) -> str:
    parts = []
    for p in path:
        for attr in ("key", "name", "idx"):
            if hasattr(p, attr):
                parts.append(str(getattr(p, attr)))
                break
        else:
            parts.append(str(p))
    return "/".join(parts)


def flatten(tree: Any, prefix: str) -> dict[str, np.ndarray]:
    """Leaves of a pytree as numpy arrays keyed ``prefix/<path>`` (PRNG keys as raw uint32 data)."""
    out = {}
    for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
        if isinstance(leaf, jax.Array) and jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key):
            leaf = jax.random.key_data(leaf)
        out[f"{prefix}/{_path_str(path)}"] = np.asarray(leaf)
    return out


def unflatten(template: Any, flat: dict[str, np.ndarray], prefix: str, source: str) -> Any:
    """The template's tree with leaves from ``flat``; mismatched names/shapes/dtypes raise."""
    leaves_with_path, treedef = jax.tree_util.tree_flatten_with_path(template)
    leaves = []
    for path, leaf in leaves_with_path:
        name = f"{prefix}/{_path_str(path)}"
        if name not in flat:
            raise CheckpointError(
                f"{source}: has no array {name!r}; it was written by a different algorithm or "
                "network configuration than this run's"
            )
        arr = flat[name]
        is_key = isinstance(leaf, jax.Array) and jax.dtypes.issubdtype(
            leaf.dtype, jax.dtypes.prng_key
        )
        want = jax.random.key_data(leaf) if is_key else np.asarray(leaf)
        if arr.shape != want.shape or arr.dtype != want.dtype:
            raise CheckpointError(
                f"{source}: array {name!r} has shape {arr.shape} {arr.dtype}, this run expects "
                f"{want.shape} {want.dtype} (a different network configuration?)"
            )
        leaves.append(jax.random.wrap_key_data(arr) if is_key else jax.numpy.asarray(arr))
    extra = sorted(k for k in flat if k.startswith(prefix + "/"))
    if len(extra) != len(leaves):
        raise CheckpointError(
            f"{source}: holds {len(extra)} {prefix} arrays, expected {len(leaves)}"
        )
    return jax.tree_util.tree_unflatten(treedef, leaves)


# ---------------------------------------------------------------- writing
def save_checkpoint(
    ckpt_dir: str | Path,
    step: int,
    arrays: dict[str, dict[str, np.ndarray]],
    meta: dict[str, Any],
    keep: int = 2,
) -> Path:
    """Write ``ckpt_dir/step_<step>`` atomically; keep the newest ``keep`` checkpoints.

    Args:
        arrays: file stem -> flat arrays (e.g. ``{"state": ..., "replay": ...}``).
        meta: JSON-serialisable metadata (algo, config, counters, RNG states).
    """
    root = Path(ckpt_dir)
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"{PREFIX}{int(step):012d}"
    tmp = root / f".tmp-{final.name}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    files = {}
    for stem, flat in arrays.items():
        path = tmp / f"{stem}.npz"
        with open(path, "wb") as f:
            np.savez(f, **flat)
            f.flush()
            os.fsync(f.fileno())
        files[path.name] = sha256_file(path)
    payload = {"format": FORMAT, "format_version": FORMAT_VERSION, **meta, "files": files}
    with open(tmp / "meta.json", "w") as f:
        json.dump(payload, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    fsync_dir(tmp)
    if final.exists():  # same step written twice (e.g. final save after a periodic one)
        shutil.rmtree(final)
    os.rename(tmp, final)
    fsync_dir(root)
    for old in list_checkpoints(root)[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
    for stale in root.glob(".tmp-*"):
        if stale != tmp:
            shutil.rmtree(stale, ignore_errors=True)
    return final


# ---------------------------------------------------------------- reading
def list_checkpoints(ckpt_dir: str | Path) -> list[Path]:
    """Complete checkpoint directories (renamed into place), oldest first."""
    root = Path(ckpt_dir)
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and p.name.startswith(PREFIX)]
    return sorted(found, key=lambda p: p.name)


def load_checkpoint(path: str | Path, *, want_replay: bool = True) -> tuple[dict, dict[str, dict]]:
    """Read and verify one checkpoint directory: ``(meta, {stem: flat arrays})``.

    Raises:
        CheckpointError: missing or unparsable ``meta.json``, wrong format tag or
            version, no ``state.npz`` listed, a file whose hash does not match, or
            an unreadable array file.
    """
    path = Path(path)
    meta_path = path / "meta.json"
    if not meta_path.is_file():
        raise CheckpointError(f"{path}: not a manyworld checkpoint (no meta.json)")
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise CheckpointError(f"{meta_path}: unreadable checkpoint metadata ({err})") from err
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(
            f"{meta_path}: not a manyworld checkpoint (format {meta.get('format') if isinstance(meta, dict) else None!r}, "
            f"expected {FORMAT!r})"
        )
    if meta.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"{meta_path}: checkpoint format version {meta.get('format_version')!r}; this manyworld "
            f"reads version {FORMAT_VERSION}"
        )
    files = meta.get("files")
    if not isinstance(files, dict) or "state.npz" not in files:
        raise CheckpointError(
            f"{path}: incomplete or corrupt checkpoint: its meta.json lists no state.npz (the "
            "training state); delete this checkpoint directory to resume from the previous one"
        )
    arrays: dict[str, dict] = {}
    for name, digest in files.items():
        stem = name.removesuffix(".npz")
        if stem == "replay" and not want_replay:
            continue
        file = path / name
        if not file.is_file():
            raise CheckpointError(f"{file}: listed in meta.json but missing (corrupt checkpoint)")
        if sha256_file(file) != digest:
            raise CheckpointError(
                f"{file}: content does not match its hash in meta.json (corrupt or altered checkpoint); "
                "delete this checkpoint directory to resume from the previous one"
            )
        try:
            with np.load(file, allow_pickle=False) as z:
                arrays[stem] = {k: z[k] for k in z.files}
        except (OSError, ValueError, zipfile.BadZipFile) as err:
            raise CheckpointError(f"{file}: unreadable array file ({err})") from err
    return meta, arrays


def latest_checkpoint(ckpt_dir: str | Path) -> Path:
    """The newest complete checkpoint; CheckpointError when there is none."""
    found = list_checkpoints(ckpt_dir)
    if not found:
        raise CheckpointError(f"{ckpt_dir}: holds no complete checkpoint to resume from")
    return found[-1]
