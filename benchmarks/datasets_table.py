"""Per task and level: the data's success rate and mean return, size on disk and SHA-256, from a
datasets root (what `manyworld dataset collect all --level L --episodes 100` wrote).

    python benchmarks/datasets_table.py runs/datasets --out benchmarks/results/datasets_all.json

Prints a Markdown table (one row per task; success, return and size per level) and the
totals of the three collected levels, then a table of the `replay` datasets found there (a
training run's episodes, `manyworld dataset from-run`) with their runs and SHA-256; the JSON
holds every dataset's full SHA-256, so a user who regenerates a dataset can check its bytes
(`manyworld dataset show ID` prints the same hash).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

LEVELS = ("expert", "medium", "random")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("root", type=Path)
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    rows: dict[str, dict[str, dict]] = {}
    for meta_path in sorted(args.root.glob("manyworld/*/*/data/metadata.json")):
        if any(part.startswith(".tmp-") for part in meta_path.parts):
            continue  # a collection in progress (or interrupted): not a dataset
        meta = json.loads(meta_path.read_text())
        block = meta["manyworld"]
        data = meta_path.parent / "main_data.hdf5"
        rows.setdefault(block["task"], {})[block["level"]] = {
            "dataset_id": meta["dataset_id"],
            "episodes": int(meta["total_episodes"]),
            "steps": int(meta["total_steps"]),
            "success_rate": block["success_rate"],
            "mean_return": block["return"]["mean"],
            "bytes": data.stat().st_size,
            "sha256": block["files"]["main_data.hdf5"],
            "run": block.get("run"),
        }
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
    replays = {task: levels["replay"] for task, levels in sorted(rows.items()) if "replay" in levels}
    if replays:
        print("\n| dataset | run | episodes | steps | success | mean return | MB | SHA-256 of main_data.hdf5 |")
        print("|---|---|---|---|---|---|---|---|")
        for d in replays.values():
            run = d["run"] or {}
            print(f"| {d['dataset_id']} | {run.get('algo')} seed {run.get('seed')}, {run.get('env_steps_recorded', 0):,} "
                  f"env steps | {d['episodes']} | {d['steps']:,} | {d['success_rate']:.2f} | {d['mean_return']:,.0f} | "
                  f"{d['bytes'] / 1e6:.0f} | `{d['sha256']}` |")
    if args.out:
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(json.dumps({"datasets": count, "steps": total_steps, "bytes": total_bytes,
                                   "tasks": rows}, indent=1))  # fmt: skip
        os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
