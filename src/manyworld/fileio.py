"""File helpers shared by the writers of checkpoints and datasets: checksums and durable renames."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def sha256_file(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fsync_dir(path: str | os.PathLike) -> None:
    """Flush a directory entry (after a rename) where the platform allows it.

    Some filesystems refuse to open or fsync a directory; the rename is then as
    durable as that platform makes it, which is not an error.
    """
    try:
        fd = os.open(Path(path), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_can_create(path: str | os.PathLike, what: str) -> None:
    """Refuse, before any work, a path that cannot be created: the nearest existing folder
    above it is a file or cannot be written in (missing folders are fine: they are made).

    Raises:
        ValueError: named by ``what`` (e.g. ``"--out runs/x"``), with the reason.
    """
    folder = Path(path).parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise ValueError(f"{what}: {folder} is a file, so no folder can be made there")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{what}: cannot write in {folder} (permission denied or read-only)")
