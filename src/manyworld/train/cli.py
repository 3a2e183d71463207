"""``manyworld train``: every config field is a flag, documented from its dataclass field.

The flags are those of the chosen algorithm: ``manyworld train --algo NAME --help``
lists its config fields with the preset's defaults and their sources, after the
run fields every algorithm shares. Examples::

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

from manyworld.train.config import SET_BY_TRAINER


def _fields(cls: type) -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(cls) if f.name not in SET_BY_TRAINER]


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _add_fields(group: Any, cls: type, defaults: Any, offline: bool = False) -> None:
    for f in _fields(cls):
        default = getattr(defaults, f.name)
        text = f.metadata.get("help", "")
        if offline:  # an offline learner's budget and schedules count gradient updates
            text = text.replace("total env steps over all worlds", "total gradient updates")
            text = text.replace("env steps between", "gradient updates between")
        help_ = f"{text} (default: {default})".replace("%", "%%")
        if isinstance(default, bool):
            group.add_argument(
                _flag(f.name), action=argparse.BooleanOptionalAction, default=None, help=help_
            )
        elif isinstance(default, tuple):
            kind = type(default[0]) if default else int
            group.add_argument(
                _flag(f.name), type=kind, nargs="+", default=None, metavar="N", help=help_
            )
        else:
            group.add_argument(_flag(f.name), type=type(default), default=None, help=help_)


def _which_algo(argv: list[str]) -> str:
    """The algorithm the flags belong to: ``--algo``, the resumed run's, or sac."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--algo")
    pre.add_argument("--resume", type=Path)
    known, _ = pre.parse_known_args(argv)
    if known.resume is not None and known.algo is None:
        from manyworld.train.harness import read_run_config

        return read_run_config(known.resume)[0]
    return known.algo or "sac"


def build_parser(algo: str = "sac") -> argparse.ArgumentParser:
    """The parser of ``manyworld train`` with the flags of ``algo``'s config."""
    from manyworld.train.harness import RunConfig
    from manyworld.train.registry import algo_names, get_algo

    spec = get_algo(algo)
    listing = "\n".join(f"  {n:<9} {get_algo(n).summary}" for n in algo_names())
    p = argparse.ArgumentParser(
        prog="manyworld train",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Train an algorithm on a benchmark and keep a run directory (config, "
        "metrics,\ncheckpoints, evaluations).\n\nalgorithms:\n"
        f"{listing}\n\nThe flags below are {algo}'s (`--algo NAME --help` shows another's); "
        "defaults are its\npreset, and [brackets] name the source of a default.",
    )
    p.add_argument("--algo", choices=algo_names(), help="algorithm (default: sac)")
    p.add_argument(
        "--task", help="one task: trains on MT1(<task>) (meta-learners: ML1(<task>))"
    )
    p.add_argument(
        "--benchmark",
        help="MT benchmark (MT10, MT50, MT1(reach), ...; multi-task algorithms default to MT10) "
        "or, for meta-learners, ML benchmark (ML1(reach), ML10, ML45)",
    )
    p.add_argument(
        "--run-dir", type=Path, help="run directory (default: runs/<algo>-<task>-s<seed>)"
    )
    p.add_argument(
        "--resume",
        type=Path,
        metavar="RUN_DIR",
        help="continue RUN_DIR from its last complete checkpoint (config from the run; "
        "--steps may extend it; --algo and --run-dir, if given, must be the run's own)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    run_defaults = RunConfig().replace(**spec.run)
    _add_fields(p.add_argument_group("run (all algorithms)"), RunConfig, run_defaults, spec.offline)
    _add_fields(
        p.add_argument_group(f"agent ({algo}: {type(spec.config).__name__})"),
        spec.config_cls,
        spec.config,
    )
    return p


def _overrides(args: argparse.Namespace, cls: type) -> dict[str, Any]:
    out = {}
    for f in _fields(cls):
        v = getattr(args, f.name)
        if v is not None:
            out[f.name] = tuple(v) if isinstance(v, list) else v
    return out


def main(argv: list[str] | None = None) -> int:
    """Parse ``manyworld train`` flags and run (or resume) training; 0 on success."""
    argv = list(sys.argv[1:] if argv is None else argv)
    from manyworld.train.harness import RESUME_MUTABLE, RunConfig, read_run_config, train
    from manyworld.train.registry import get_algo

    algo = _which_algo(argv)
    spec = get_algo(algo)
    args = build_parser(algo).parse_args(argv)
    agent_over, run_over = _overrides(args, spec.config_cls), _overrides(args, RunConfig)
    stream = None if args.quiet else sys.stderr
    if args.resume is not None:
        algo, bench, cfg, run = read_run_config(args.resume)
        # the run names its algorithm and directory: flags may repeat them, never change them
        if args.algo not in (None, algo):
            raise ValueError(f"{args.resume} is a {algo} run; --algo {args.algo} cannot resume it")
        if args.run_dir is not None and args.run_dir.resolve() != args.resume.resolve():
            raise ValueError(
                f"--resume {args.resume} continues that run directory; --run-dir {args.run_dir} "
                "names another (drop --run-dir: a resumed run stays where it is)"
            )
        fixed = sorted((set(agent_over) - spec.resume_mutable) | (set(run_over) - RESUME_MUTABLE))
        if fixed or args.task or args.benchmark:
            raise ValueError(
                f"--resume continues a run with its own config; cannot change {fixed or 'the task'}"
            )
        cfg = dataclasses.replace(cfg, **agent_over)
        run = run.replace(**run_over)
        train(algo, bench, cfg, run, args.resume, resume=True, progress=stream)
        print(f"run directory: {args.resume}")
        return 0
    if args.task and args.benchmark:
        raise ValueError("give --task or --benchmark, not both")
    if args.task:
        bench = f"ML1({args.task})" if spec.meta else f"MT1({args.task})"
    elif args.benchmark:
        bench = args.benchmark
    elif spec.multitask:
        bench = "MT10"
    else:
        raise ValueError(f"--algo {algo} needs --task (e.g. --task reach) or --benchmark")
    cfg = dataclasses.replace(spec.config, **agent_over)
    run = RunConfig().replace(**{**spec.run, **run_over})
    name = args.task or bench.replace("(", "-").replace(")", "")
    run_dir = args.run_dir or Path("runs") / f"{algo}-{name}-s{run.seed}"
    train(algo, bench, cfg, run, run_dir, progress=stream)
    print(f"run directory: {run_dir}")
    print(f"evaluate: manyworld eval --agent {run_dir} --benchmark '{bench}'")
    return 0
