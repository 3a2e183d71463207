"""``manyworld train``: every config field is a flag, documented from its dataclass field.

Examples::

    manyworld train --algo sac --task reach --steps 300000 --seed 0
    manyworld train --algo mtmhsac --benchmark MT10 --steps 2000000 --worlds-per-task 4
    manyworld train --resume runs/sac-reach-s0            # continue from the last checkpoint
    manyworld train --resume runs/sac-reach-s0 --steps 500000   # ... and train longer
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

_SET_BY_TRAINER = {"num_tasks", "obs_dim", "action_dim"}


def _fields(cls: type) -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(cls) if f.name not in _SET_BY_TRAINER]


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _add_fields(group: Any, cls: type, defaults: Any) -> None:
    for f in _fields(cls):
        default = getattr(defaults, f.name)
        help_ = f"{f.metadata.get('help', '')} (default: {default})".replace("%", "%%")
        if isinstance(default, bool):
            group.add_argument(
                _flag(f.name), action=argparse.BooleanOptionalAction, default=None, help=help_
            )
        elif isinstance(default, tuple):
            group.add_argument(
                _flag(f.name), type=int, nargs="+", default=None, metavar="N", help=help_
            )
        else:
            group.add_argument(_flag(f.name), type=type(default), default=None, help=help_)


def build_parser() -> argparse.ArgumentParser:
    from manyworld.agents.sac import SACConfig
    from manyworld.train.loop import ALGOS, RunConfig

    p = argparse.ArgumentParser(
        prog="manyworld train",
        description="Train SAC (one task), MT-SAC or MT-MH-SAC (a multi-task benchmark) and keep a "
        "run directory (config, metrics, checkpoints, evaluations). [Brackets] name the source of "
        "a default (shared/reference/algorithms-and-results.md). Per-algorithm presets change "
        "some defaults shown below: sac uses hidden 128 128 with layer norm, batch 256, reward scale "
        "0.1, 8 worlds per task, 4 updates per step and 2000 learning-starts (measured, "
        "docs/learning.md); "
        "mtsac/mtmhsac use batch 1280 (128 per task).",
    )
    p.add_argument("--algo", choices=sorted(ALGOS), default="sac", help="algorithm (default: sac)")
    p.add_argument("--task", help="sac: the task (trains on the MT1(<task>) benchmark)")
    p.add_argument(
        "--benchmark",
        help="MT benchmark (MT10, MT50, MT1(reach), ...); mtsac/mtmhsac default to MT10",
    )
    p.add_argument(
        "--run-dir", type=Path, help="run directory (default: runs/<algo>-<task>-s<seed>)"
    )
    p.add_argument(
        "--resume",
        type=Path,
        metavar="RUN_DIR",
        help="continue RUN_DIR from its last complete checkpoint (config from the run; "
        "--steps may extend it)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    _add_fields(
        p.add_argument_group("run (collection, logging, checkpoints)"), RunConfig, RunConfig()
    )
    _add_fields(p.add_argument_group("agent (SAC / MT-SAC / MT-MH-SAC)"), SACConfig, SACConfig())
    return p


def _overrides(args: argparse.Namespace, cls: type) -> dict[str, Any]:
    out = {}
    for f in _fields(cls):
        v = getattr(args, f.name)
        if v is not None:
            out[f.name] = tuple(v) if isinstance(v, list) else v
    return out


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from manyworld.agents.sac import SACConfig
    from manyworld.train.loop import RunConfig, get_algo, read_run_config, train

    agent_over, run_over = _overrides(args, SACConfig), _overrides(args, RunConfig)
    stream = None if args.quiet else sys.stderr
    if args.resume is not None:
        algo, bench, cfg, run = read_run_config(args.resume)
        allowed = {"steps", "log_interval", "eval_interval", "eval_variations",
                   "checkpoint_interval", "keep_checkpoints", "num_threads"}  # fmt: skip
        fixed = sorted(set(agent_over) | (set(run_over) - allowed))
        if fixed or args.task or args.benchmark:
            raise ValueError(
                f"--resume continues a run with its own config; cannot change {fixed or 'the task'}"
            )
        run = run.replace(**run_over)
        train(algo, bench, cfg, run, args.resume, resume=True, progress=stream)
        print(f"run directory: {args.resume}")
        return 0
    spec = get_algo(args.algo)
    if args.task and args.benchmark:
        raise ValueError("give --task or --benchmark, not both")
    if args.task:
        bench = f"MT1({args.task})"
    elif args.benchmark:
        bench = args.benchmark
    elif spec.multitask:
        bench = "MT10"
    else:
        raise ValueError(f"--algo {args.algo} needs --task (e.g. --task reach) or --benchmark")
    cfg = spec.config.replace(**agent_over)
    run = RunConfig().replace(**{**spec.run, **run_over})
    name = args.task or bench.replace("(", "-").replace(")", "")
    run_dir = args.run_dir or Path("runs") / f"{args.algo}-{name}-s{run.seed}"
    train(args.algo, bench, cfg, run, run_dir, progress=stream)
    print(f"run directory: {run_dir}")
    print(f"evaluate: manyworld eval --agent {run_dir} --benchmark '{bench}'")
    return 0
