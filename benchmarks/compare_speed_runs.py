"""Per task, the median ratio of env steps/s between two sets of `manyworld bench` JSON files.

Written for the v1 -> v2 hand change (rounds alternating between the two checkouts on one
core), usable for any before/after pair::

    python benchmarks/compare_speed_runs.py benchmarks/results/hand_v2_speed/v1_r*.json \\
        -- benchmarks/results/hand_v2_speed/v2_r*.json
"""

from __future__ import annotations

import json
import statistics
import sys


def _figures(paths: list[str]) -> dict[tuple[str, str], list[float]]:
    out: dict[tuple[str, str], list[float]] = {}
    for path in paths:
        with open(path) as f:
            for t in json.load(f)["tasks"]:
                out.setdefault((t["task"], "single"), []).append(t["single_env"])
                for n, v in t["batch"].items():
                    out.setdefault((t["task"], f"N={n}"), []).append(v)
    return out


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print("usage: compare_speed_runs.py BEFORE.json ... -- AFTER.json ...", file=sys.stderr)
        return 2
    cut = argv.index("--")
    before, after = _figures(argv[:cut]), _figures(argv[cut + 1:])
    columns = sorted({c for _, c in before}, key=lambda c: (c != "single", len(c), c))
    tasks = sorted({t for t, _ in before})
    print("| task | " + " | ".join(f"{c} before | {c} after | ratio" for c in columns) + " |")
    print("|---" * (1 + 3 * len(columns)) + "|")
    ratios: dict[str, list[float]] = {c: [] for c in columns}
    for task in tasks:
        cells = []
        for c in columns:
            b, a = statistics.median(before[task, c]), statistics.median(after[task, c])
            ratios[c].append(a / b)
            cells.append(f"{b:,.0f} | {a:,.0f} | {a / b:.2f}")
        print(f"| {task} | " + " | ".join(cells) + " |")
    print("| **median ratio** | " + " | ".join(f" | | **{statistics.median(ratios[c]):.2f}**"
                                             for c in columns) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
