"""Meta-test one checkpoint of a meta-learner twice: with the policy mean and with sampled
actions, on the test and the train split of its ML benchmark (the ML protocol, first
``--variations`` variations per task). Prints one line per (mode, split) and writes them as JSON.

    python benchmarks/meta_eval_modes.py runs/meta/rl2-reach-probe2-s0 --variations 20 \
        --out benchmarks/results/learning/meta/rl2_eval_modes.json
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np

from manyworld.evaluation import MLProtocol, evaluate_metalearning
from manyworld.evaluation.results import write_json_atomic
from manyworld.train.checkpoint import latest_checkpoint, load_checkpoint
from manyworld.train.harness import read_run_config
from manyworld.train.registry import get_algo


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run_dir", type=Path)
    p.add_argument("--variations", type=int, default=20, help="variations per task")
    p.add_argument("--out", type=Path, help="also write the figures as JSON")
    args = p.parse_args()
    algo, bench, cfg, _ = read_run_config(args.run_dir)
    if not hasattr(cfg, "eval_sample"):
        raise SystemExit(f"{algo} has no eval_sample setting: its meta-test actions are fixed")
    ckpt = latest_checkpoint(args.run_dir / "checkpoints")
    meta, arrays = load_checkpoint(ckpt, want_replay=False)
    rows = []
    for sample in (False, True):
        agent = get_algo(algo).load_policy(
            dataclasses.replace(cfg, eval_sample=sample), arrays["state"], {"algo": algo}
        )
        for split in ("test", "train"):
            protocol = MLProtocol(test_variations=args.variations, split=split)
            result = evaluate_metalearning(agent, bench, protocol, progress=None)
            adapt = np.mean([np.mean(o["adaptation_success"]) for o in result["outcomes"]])
            row = {"sampled_actions": sample, "split": split,
                   "success": result["aggregate"]["success_rate"],
                   "adaptation_episode_success": float(adapt)}  # fmt: skip
            rows.append(row)
            print(f"{'sampled' if sample else 'mean   '}  {split:<5}  success {row['success']:.3f}"
                  f"  (adaptation episodes {adapt:.3f})", flush=True)
    if args.out:
        write_json_atomic(args.out, {"run_dir": str(args.run_dir), "checkpoint": ckpt.name,
                                     "env_steps": meta["counters"]["env_steps"],
                                     "variations": args.variations, "rows": rows})  # fmt: skip


if __name__ == "__main__":
    main()
