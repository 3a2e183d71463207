"""``manyworld sweep SPEC`` and ``manyworld sweep status SWEEP_DIR``.

Examples::

    manyworld sweep examples/sweeps/sac-single-task.toml            # local Ray instance
    manyworld sweep SPEC --address 10.0.0.1:6379                    # an existing cluster
    manyworld sweep SPEC --dry-run                                  # the runs and their commands
    manyworld sweep status runs/sweeps/sac-single-task              # state, progress, ETA
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _run_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="manyworld sweep",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run the runs of a sweep spec (algorithms x benchmarks x seeds x overrides) "
        "on Ray.\nRe-running the same command skips finished runs and resumes interrupted ones "
        "from their\nlast checkpoints. `manyworld sweep status SWEEP_DIR` shows where a sweep "
        "stands.",
        epilog=__doc__.split("Examples::", 1)[1],
    )
    p.add_argument("spec", type=Path, help="the sweep spec (.toml; .yaml with PyYAML)")
    p.add_argument("--out", type=Path, help="sweep directory (default: runs/sweeps/<name>)")
    p.add_argument("--address", help="join this Ray cluster (default: start a local instance)")
    p.add_argument("--num-cpus", type=int,
                   help="CPUs the local Ray instance offers (default: all of this machine's)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the resolved runs and their `manyworld train` commands; run nothing")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    return p


def _status_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="manyworld sweep status",
        description="Each run's state (pending, running, interrupted, failed, finished), "
        "progress, latest evaluation success and ETA, read from the run directories.",
    )
    p.add_argument("sweep_dir", type=Path, help="the sweep directory")
    p.add_argument("--json", action="store_true", help="print the status as JSON")
    return p


def main(argv: list[str]) -> int:
    """Parse and run ``manyworld sweep ...``; 0 when every run finished."""
    if argv[:1] == ["status"]:
        from manyworld.sweep.state import format_status, sweep_status

        args = _status_parser().parse_args(argv[1:])
        status = sweep_status(args.sweep_dir)
        print(json.dumps(status, indent=1) if args.json else format_status(status))
        return 0
    args = _run_parser().parse_args(argv)
    if args.num_cpus is not None and args.num_cpus < 1:
        raise ValueError(f"--num-cpus must be >= 1, got {args.num_cpus}")
    if args.dry_run:
        from manyworld.sweep.spec import load_spec, train_command
        from manyworld.sweep.state import run_dir_of

        sweep = load_spec(args.spec)
        sweep_dir = args.out or Path("runs") / "sweeps" / sweep.name
        print(f"{sweep.name}: {len(sweep.runs)} runs, each with {sweep.resources.cpus} CPU(s) "
              f"and {sweep.resources.gpus:g} GPU(s), in {sweep_dir}")  # fmt: skip
        for run in sweep.runs:
            print(f"{run['name']}: {train_command(run, run_dir_of(sweep_dir, run['name']))}")
        return 0
    from manyworld.sweep.runner import run_sweep

    out = run_sweep(args.spec, args.out, args.address, args.num_cpus,
                    progress=None if args.quiet else sys.stderr)  # fmt: skip
    print(f"sweep directory: {out['sweep_dir']}")
    print(f"status: manyworld sweep status {out['sweep_dir']}")
    failed = out["counts"].get("failed", 0)
    if failed:
        print(f"error: {failed} run(s) failed; their train.log files say why", file=sys.stderr)
        return 1
    return 0
