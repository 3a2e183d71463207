"""Meta-train vs meta-test success per task of meta-learning runs: the final evaluation of each
run on its benchmark's test tasks (``evals/``) and on its train tasks (``evals_meta_train/``),
both by the ML protocol. Prints a Markdown table; ``--out`` also writes it as JSON.

    python benchmarks/meta_gap.py runs/meta/rl2-ML1-reach-s? --out gap.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from manyworld.evaluation.results import write_json_atomic


def _final(folder: Path) -> dict | None:
    files = sorted(folder.glob("step_*.json"))
    return json.loads(files[-1].read_text()) if files else None


def per_task(result: dict) -> dict[str, float]:
    """Mean success of each task's scored episodes in one ML result."""
    out: dict[str, list[bool]] = {}
    for o in result["outcomes"]:
        out.setdefault(o["task"], []).extend(o["success"])
    return {t: float(np.mean(s)) for t, s in out.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run_dirs", nargs="+", type=Path)
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    rows = []
    for run in args.run_dirs:
        test, train = _final(run / "evals"), _final(run / "evals_meta_train")
        if test is None or train is None:
            print(f"{run}: no final meta-test and meta-train evaluations (is the run finished?)")
            continue
        for split, result in (("train", train), ("test", test)):
            for task, success in per_task(result).items():
                rows.append({"run": run.name, "split": split, "task": task, "success": success,
                             "env_steps": result.get("env_steps_trained")})  # fmt: skip
    print("| run | split | task | success | env steps |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['run']} | meta-{r['split']} | {r['task']} | {r['success']:.2f} "
              f"| {r['env_steps'] / 1e6:.1f}M |")
    if args.out:
        write_json_atomic(args.out, {"rows": rows})


if __name__ == "__main__":
    main()
