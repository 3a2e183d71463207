"""benchmarks/datasets_table.py: which datasets are current and what the checksum page lists."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import datasets_table

from manyworld.datasets.collector import collect
from manyworld.tasks import get_task


def test_datasets_of_an_earlier_task_version_are_listed_apart(tmp_path):
    collect("reach", "expert", 2, root=tmp_path, worlds=2, num_threads=1, progress=None)
    version = get_task("reach").version
    current = tmp_path / "manyworld" / "reach" / f"expert-v{version}"
    # the same dataset as if an earlier version of the task had made it
    old = current.with_name(f"expert-v{version - 1}")
    shutil.copytree(current, old)
    meta_path = old / "data" / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta["dataset_id"] = f"manyworld/reach/expert-v{version - 1}"
    meta["manyworld"]["task_version"] = version - 1
    meta_path.write_text(json.dumps(meta))

    rows, superseded = datasets_table.read_datasets(tmp_path)
    assert list(rows) == ["reach"] and list(rows["reach"]) == ["expert"]
    assert rows["reach"]["expert"]["dataset_id"] == f"manyworld/reach/expert-v{version}"
    assert [d["dataset_id"] for d in superseded] == [f"manyworld/reach/expert-v{version - 1}"]

    page = datasets_table.checksum_page([rows["reach"]["expert"]], [], superseded)
    current_part, _, earlier_part = page.partition("## Datasets of earlier task versions")
    sha = rows["reach"]["expert"]["sha256"]
    assert f"| manyworld/reach/expert-v{version} | 2 | 1,000 | `{sha}` |" in current_part
    assert f"manyworld/reach/expert-v{version - 1}" in earlier_part
    assert "## Replay datasets" not in page
