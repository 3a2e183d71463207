"""Per task and level: the data's success rate and mean return, size on disk and SHA-256, from a
datasets root (what `manyworld dataset collect all --level L --episodes 100` wrote).

    python benchmarks/datasets_table.py runs/datasets --out benchmarks/results/datasets_all.json \
        --checksums docs/dataset-checksums.md

Prints a Markdown table (one row per task; success, return and size per level) and the
totals of the three collected levels, then a table of the `replay` datasets found there (a
training run's episodes, `manyworld dataset from-run`) with their runs and SHA-256; the JSON
holds every dataset's full SHA-256, so a user who regenerates a dataset can check its bytes
(`manyworld dataset show ID` prints the same hash). The tables hold the datasets of each
task's installed version; those of earlier versions (kept: they were published) are listed
last, with their hashes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from manyworld.evaluation.results import atomic_path, write_json_atomic
from manyworld.tasks import get_task

LEVELS = ("expert", "medium", "random")


def read_datasets(root: Path) -> tuple[dict[str, dict[str, dict]], list[dict]]:
    """The datasets under ``root``: task -> level -> figures for each task's installed version,
    and the list of datasets of earlier task versions."""
    rows: dict[str, dict[str, dict]] = {}
    superseded: list[dict] = []
    for meta_path in sorted(root.glob("manyworld/*/*/data/metadata.json")):
        if any(part.startswith(".tmp-") for part in meta_path.parts):
            continue  # a collection in progress (or interrupted): not a dataset
        meta = json.loads(meta_path.read_text())
        block = meta["manyworld"]
        data = meta_path.parent / "main_data.hdf5"
        entry = {
            "dataset_id": meta["dataset_id"],
            "episodes": int(meta["total_episodes"]),
            "steps": int(meta["total_steps"]),
            "success_rate": block["success_rate"],
            "mean_return": block["return"]["mean"],
            "bytes": data.stat().st_size,
            "sha256": block["files"]["main_data.hdf5"],
            "run": block.get("run"),
        }
        if block["task_version"] == get_task(block["task"]).version:
            rows.setdefault(block["task"], {})[block["level"]] = entry
        else:
            superseded.append(entry)
    return rows, superseded


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("root", type=Path)
    p.add_argument("--out", type=Path, help="JSON: every dataset's figures and SHA-256")
    p.add_argument("--checksums", type=Path, help="Markdown: every dataset's SHA-256, for users to check")
    args = p.parse_args()
    rows, superseded = read_datasets(args.root)
    print("| task | " + " | ".join(f"{lv} success | {lv} return" for lv in LEVELS) + " | MB (3 levels) |")
    print("|---" * (2 + 2 * len(LEVELS)) + "|")
    total_bytes, total_steps, count = 0, 0, 0
    for task, levels in sorted(rows.items()):
        cells = []
        for lv in LEVELS:
            d = levels.get(lv)
            cells.append("- | -" if d is None else f"{d['success_rate']:.2f} | {d['mean_return']:,.0f}")
        collected = [levels[lv] for lv in LEVELS if lv in levels]
        size = sum(d["bytes"] for d in collected)
        total_bytes += size
        total_steps += sum(d["steps"] for d in collected)
        count += len(collected)
        print(f"| {task} | " + " | ".join(cells) + f" | {size / 1e6:.0f} |")
    print(f"\n{count} datasets, {total_steps:,} steps, {total_bytes / 1e9:.2f} GB")
    replays = [levels["replay"] for _, levels in sorted(rows.items()) if "replay" in levels]
    if replays:
        print("\n| dataset | run | episodes | steps | success | mean return | MB | SHA-256 of main_data.hdf5 |")
        print("|---|---|---|---|---|---|---|---|")
        for d in replays:
            run = d["run"] or {}
            print(f"| {d['dataset_id']} | {run.get('algo')} seed {run.get('seed')}, {run.get('env_steps_recorded', 0):,} "
                  f"env steps | {d['episodes']} | {d['steps']:,} | {d['success_rate']:.2f} | {d['mean_return']:,.0f} | "
                  f"{d['bytes'] / 1e6:.0f} | `{d['sha256']}` |")
    if superseded:
        print("\nDatasets of earlier task versions:\n")
        print("| dataset | episodes | steps | success | mean return | SHA-256 of main_data.hdf5 |")
        print("|---|---|---|---|---|---|")
        for d in superseded:
            print(f"| {d['dataset_id']} | {d['episodes']} | {d['steps']:,} | {d['success_rate']:.2f} | "
                  f"{d['mean_return']:,.0f} | `{d['sha256']}` |")
    if args.out:
        write_json_atomic(args.out, {"datasets": count, "steps": total_steps, "bytes": total_bytes,
                                     "tasks": rows, "superseded": superseded})  # fmt: skip
    if args.checksums:
        current = [d for levels in rows.values() for lv, d in levels.items() if lv in LEVELS]
        with atomic_path(args.checksums) as tmp:
            Path(tmp).write_text(checksum_page(sorted(current, key=lambda d: d["dataset_id"]), replays, superseded))
    return 0


CHECKSUM_HEADER = """# Dataset checksums

SHA-256 of `main_data.hdf5` of every published dataset, as `manyworld dataset show ID` prints
it. Collection is deterministic (the same command gives the same bytes, whatever `--worlds`
and `--threads`), and so is a replay on the machine and packages that trained its run.
Measured with MuJoCo 4.0.0 and Minari 0.5.4 on the 2-core x86-64 VM of BENCHMARKS.md;
generated by `python benchmarks/datasets_table.py runs/datasets --checksums
docs/dataset-checksums.md`.
"""


def checksum_page(current: list[dict], replay: list[dict], superseded: list[dict]) -> str:
    """The Markdown of docs/dataset-checksums.md: collected levels, replays, earlier versions."""
    def table(datasets: list[dict]) -> list[str]:
        return ["| dataset | episodes | steps | SHA-256 |", "|---|---|---|---|"] + [
            f"| {d['dataset_id']} | {d['episodes']} | {d['steps']:,} | `{d['sha256']}` |" for d in datasets]

    lines = [CHECKSUM_HEADER, "## Collected levels", "",
             ("`manyworld dataset collect all --level LEVEL --episodes 100` (collection seed 0), each task "
             "at its installed version."), "", *table(current)]
    if replay:
        lines += ["", "## Replay datasets", "",
                  ("Exported from the SAC runs of `benchmarks/sweeps/replay-sac.toml` (docs/datasets.md, "
                  "\"The replay level\") by `manyworld dataset from-run`."), "", *table(replay)]
    if superseded:
        lines += ["", "## Datasets of earlier task versions", "",
                  ("Published before the task's version changed; `load_arrays` refuses them with the "
                  "installed version, and a checkout of the commit that made them reproduces them."), "",
                  *table(superseded)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
