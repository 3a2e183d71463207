"""Where datasets live, what they are called, and how their files are identified.

A dataset is stored the way Minari stores one (``minari.load_dataset`` and
``minari list local`` find it)::

    <root>/manyworld/<task>/<level>-v<task version>/data/main_data.hdf5
                                                    /data/metadata.json

and its id is ``manyworld/<task>/<level>-v<task version>``, e.g.
``manyworld/push/expert-v2``: the dataset's version is the task's version, so
a task change that alters behaviour also renames its datasets. The root is
``--out``/``root=`` when given, else ``$MINARI_DATASETS_PATH``, else
``~/.minari/datasets`` (Minari's own default).

``metadata.json`` is Minari's, with a ``manyworld`` block added (see
:mod:`manyworld.datasets.collector`); the block records the SHA-256 of
``main_data.hdf5``, so the SHA-256 of ``metadata.json`` identifies the whole
dataset. A dataset directory only ever appears complete: collections write into
a hidden ``.tmp-*`` directory beside it and rename it into place at the end.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

NAMESPACE = "manyworld"
FORMAT = "manyworld.dataset"
FORMAT_VERSION = 1
DATA_FILE = "main_data.hdf5"
METADATA_FILE = "metadata.json"
INSTALL_HINT = "pip install 'manyworld[data]' (Minari 0.5.4 with h5py)"
_ID_RE = re.compile(r"^manyworld/(?P<task>[-\w]+)/(?P<level>\w+)-v(?P<version>\d+)$")


class DatasetError(ValueError):
    """A dataset that cannot be used as asked; the message names it and the fix."""


class DatasetNotFoundError(DatasetError, FileNotFoundError):
    """No complete dataset under the given id or path."""


def require(module: str) -> Any:
    """Import ``minari`` or ``h5py``, or fail with the line that installs them."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(f"offline datasets need {module}: {INSTALL_HINT} ({err})") from err


def datasets_root(root: str | os.PathLike | None = None) -> Path:
    """The datasets root: ``root``, else ``$MINARI_DATASETS_PATH``, else ``~/.minari/datasets``."""
    # absolute, because Minari's storage joins a relative data path onto itself
    # (`--out runs/datasets` wrote to runs/datasets/.../data/runs/datasets/...)
    if root is not None:
        return Path(root).expanduser().absolute()
    env = os.environ.get("MINARI_DATASETS_PATH")
    return (Path(env).expanduser() if env else Path.home() / ".minari" / "datasets").absolute()


def dataset_id(task: str, level: str, version: int) -> str:
    """``manyworld/<task>/<level>-v<version>``."""
    return f"{NAMESPACE}/{task}/{level}-v{int(version)}"


def parse_id(ident: str) -> tuple[str, str, int]:
    """``(task, level, version)`` of a manyworld dataset id; DatasetError if it is not one."""
    m = _ID_RE.match(ident)
    if not m:
        raise DatasetError(f"{ident!r} is not a manyworld dataset id: ids look like "
                           "manyworld/<task>/<level>-v<version>, e.g. manyworld/push/expert-v2")
    return m["task"], m["level"], int(m["version"])


def dataset_dir(ident: str, root: str | os.PathLike | None = None) -> Path:
    """The directory of dataset ``ident`` under the root (it may not exist)."""
    parse_id(ident)
    return datasets_root(root).joinpath(*ident.split("/"))


def resolve(dataset: str | os.PathLike, root: str | os.PathLike | None = None) -> Path:
    """The ``data/`` directory of a dataset given by id, by its directory or by its ``data/``.

    Raises:
        DatasetNotFoundError: nothing complete is there (an interrupted
            collection leaves only a hidden ``.tmp-*`` directory, never this).
    """
    text = os.fspath(dataset)
    path = Path(text)
    if any(part.startswith(".tmp-") for part in path.parts):
        raise DatasetNotFoundError(
            f"{text} is the temporary directory of an unfinished or interrupted collection, not a "
            "dataset; collect the dataset again (the next collection deletes it)")
    if _ID_RE.match(text) and not path.exists():
        path = dataset_dir(text, root)
        where = f"dataset {text} (looked in {path})"
    elif not path.exists():
        raise DatasetNotFoundError(
            f"no dataset at {text}: give a dataset id (manyworld/<task>/<level>-v<version>, e.g. "
            "manyworld/push/expert-v2) or a dataset directory")
    else:
        where = str(path)
    data = path if path.name == "data" else path / "data"
    if not (data / METADATA_FILE).is_file() or not (data / DATA_FILE).is_file():
        raise DatasetNotFoundError(
            f"no dataset at {where}: collect it with `manyworld dataset collect <task> --level "
            f"<level>`, or set --out / MINARI_DATASETS_PATH to the root that holds it")
    return data


def read_metadata(data: Path) -> dict[str, Any]:
    """``metadata.json`` of a dataset's ``data/`` directory, with its ``manyworld`` block checked.

    Raises:
        DatasetError: the file is unreadable, not a manyworld dataset, or one
            whose collection never finished (no ``files`` record).
    """
    path = data / METADATA_FILE
    try:
        meta = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DatasetError(f"{path}: unreadable dataset metadata ({err})") from err
    block = meta.get(NAMESPACE) if isinstance(meta, dict) else None
    if not isinstance(block, dict) or block.get("format") != FORMAT:
        raise DatasetError(f"{path}: not a manyworld dataset (its metadata has no "
                           f"{NAMESPACE!r} block of format {FORMAT!r})")
    if block.get("format_version") != FORMAT_VERSION:
        raise DatasetError(f"{path}: dataset format version {block.get('format_version')!r}; "
                           f"this manyworld reads version {FORMAT_VERSION}")
    if not isinstance(block.get("files"), dict) or DATA_FILE not in block["files"]:
        raise DatasetError(f"{path}: incomplete dataset (no checksum of {DATA_FILE}); delete "
                           "its directory and collect it again")
    return meta


def list_datasets(root: str | os.PathLike | None = None) -> list[str]:
    """Ids of the complete manyworld datasets under the root, sorted (hidden directories skipped)."""
    base = datasets_root(root) / NAMESPACE
    if not base.is_dir():
        return []
    found = []
    for task_dir in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for ds in sorted(p for p in task_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            ident = f"{NAMESPACE}/{task_dir.name}/{ds.name}"
            if _ID_RE.match(ident) and (ds / "data" / METADATA_FILE).is_file():
                found.append(ident)
    return found
