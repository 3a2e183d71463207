"""Offline datasets of every task in Minari's format, collected on batched worlds.

Collect (or export a training run's episodes: the ``replay`` level), then load
with Minari or as flat arrays::

    from manyworld.datasets import collect, load_arrays
    collect("push", "expert", episodes=100)            # -> ~/.minari/datasets/manyworld/push/expert-v2
    data = load_arrays("manyworld/push/expert-v2")     # data.obs, data.actions, ... (one row per step)

    import minari
    ds = minari.load_dataset("manyworld/push/expert-v2")

    from manyworld.datasets import export_run
    export_run("runs/sac-reach")        # a run trained with --record-episodes -> .../reach/replay-v2

Modules: :mod:`~manyworld.datasets.levels` (how each quality level's actions
are generated), :mod:`~manyworld.datasets.collector` (the vectorised collector and
the file layout), :mod:`~manyworld.datasets.replay` (the replay level: a run's
recorded episodes), :mod:`~manyworld.datasets.load` (the flat-array loader),
:mod:`~manyworld.datasets.identity` (the version check),
:mod:`~manyworld.datasets.store` (ids, paths, checksums) and
:mod:`~manyworld.datasets.cli` (``manyworld dataset ...``).

Needs the ``data`` extra: ``pip install 'manyworld[data]'`` (Minari with h5py).
"""

from manyworld.datasets.collector import CollectSummary, collect
from manyworld.datasets.identity import DatasetVersionError, check_identity, task_identity
from manyworld.datasets.levels import LEVELS, Level, get_level
from manyworld.datasets.load import Transitions, dataset_summary, load_arrays
from manyworld.datasets.replay import export_run
from manyworld.datasets.store import (
    DatasetError,
    DatasetNotFoundError,
    dataset_id,
    datasets_root,
    list_datasets,
)

__all__ = [
    "LEVELS",
    "CollectSummary",
    "DatasetError",
    "DatasetNotFoundError",
    "DatasetVersionError",
    "Level",
    "Transitions",
    "check_identity",
    "collect",
    "dataset_id",
    "dataset_summary",
    "datasets_root",
    "export_run",
    "get_level",
    "list_datasets",
    "load_arrays",
    "task_identity",
]
