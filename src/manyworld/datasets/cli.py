"""``manyworld dataset``: collect, export, list and show offline datasets.

::

    manyworld dataset collect push --level expert --episodes 100 [--out DIR] [--seed 0] [--worlds 50]
    manyworld dataset collect all --level random --episodes 100
    manyworld dataset list [--out DIR]
    manyworld dataset show manyworld/push/expert-v2 [--out DIR]
    manyworld dataset from-run runs/sac-reach-s0 [--out DIR] [--overwrite]   # the replay level

:func:`main` takes the arguments after ``dataset``; a user mistake is answered
with one ``error: ...`` line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys

from manyworld.datasets.levels import LEVELS


class _UsageError(Exception):
    """A command-line mistake; its message is the whole answer."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        raise _UsageError(f"{message} (see `{self.prog} --help`)")


def build_parser(prog: str = "manyworld dataset") -> argparse.ArgumentParser:
    """The parser of ``manyworld dataset`` and its subcommands."""
    p = _Parser(prog=prog, description="Offline datasets of manyworld tasks in Minari's format.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("collect", help="collect a dataset with the batched engine")
    s.add_argument("task", help="task name, or 'all' for every task")
    s.add_argument("--level", required=True, choices=list(LEVELS),
                   help="expert: scripted expert + N(0, 0.1) noise; medium: per episode the "
                        "expert (+ N(0, 0.3)) or random actions, 1/2 each; random: uniform "
                        "actions (replay is not collected: see `from-run`)")
    s.add_argument("--episodes", type=int, required=True,
                   help="episodes per task (episode k runs train variation k mod 50)")
    s.add_argument("--out", help="datasets root (default: $MINARI_DATASETS_PATH or ~/.minari/datasets)")
    s.add_argument("--seed", type=int, default=0, help="collection seed (default 0)")
    s.add_argument("--worlds", type=int, default=50,
                   help="worlds stepped together (speed only; the data does not depend on it)")
    s.add_argument("--threads", type=int, default=0, help="physics threads (0: one per core)")
    s.add_argument("--overwrite", action="store_true", help="replace an existing dataset")
    s.add_argument("--skip-existing", action="store_true",
                   help="leave datasets that exist alone (resume an interrupted `collect all`)")
    s.add_argument("--quiet", action="store_true", help="no progress line")

    s = sub.add_parser("from-run", help="export the episodes a run recorded (train with "
                                        "--record-episodes) as replay datasets, one per task")
    s.add_argument("run_dir", help="run directory (manyworld train --run-dir)")
    s.add_argument("--out", help="datasets root (default: $MINARI_DATASETS_PATH or ~/.minari/datasets)")
    s.add_argument("--overwrite", action="store_true", help="replace existing replay datasets")

    s = sub.add_parser("list", help="list the manyworld datasets under the root")
    s.add_argument("--out", help="datasets root (default: $MINARI_DATASETS_PATH or ~/.minari/datasets)")

    s = sub.add_parser("show", help="episodes, steps, success, returns, identity and checksums")
    s.add_argument("dataset", help="dataset id (manyworld/push/expert-v2) or directory")
    s.add_argument("--out", help="datasets root (default: $MINARI_DATASETS_PATH or ~/.minari/datasets)")
    s.add_argument("--no-verify", action="store_true", help="skip hashing the data file")
    return p


def cmd_collect(args: argparse.Namespace) -> int:
    from manyworld.datasets.collector import collect, not_collected_message
    from manyworld.datasets.store import dataset_id, list_datasets
    from manyworld.tasks.base import get_task, task_names

    if not LEVELS[args.level].collected:
        raise _UsageError(not_collected_message(args.level))

    for flag in ("episodes", "worlds"):
        if getattr(args, flag) < 1:
            raise _UsageError(f"--{flag} must be a positive integer, got {getattr(args, flag)}")
    if args.threads < 0:
        raise _UsageError(f"--threads must be >= 0, got {args.threads}")
    tasks = task_names() if args.task == "all" else [get_task(args.task).name]
    if args.out is not None:
        _check_root(args.out)
    if args.overwrite and args.skip_existing:
        raise _UsageError("--overwrite and --skip-existing contradict each other: pick one")
    for task in tasks:
        ident = dataset_id(task, args.level, get_task(task).version)
        if args.skip_existing and ident in list_datasets(args.out):
            print(f"{ident}: exists, skipped")
            continue
        s = collect(task, args.level, args.episodes, root=args.out, seed=args.seed,
                    worlds=args.worlds, num_threads=args.threads, overwrite=args.overwrite,
                    progress=None if args.quiet else sys.stderr)
        print(f"{s.dataset_id}: {s.episodes} episodes, {s.steps} steps, success "
              f"{s.success_rate:.3f}, mean return {s.return_mean:.1f}, "
              f"{s.steps_per_second:,.0f} steps/s -> {s.path}")
    return 0


def cmd_from_run(args: argparse.Namespace) -> int:
    from manyworld.datasets.replay import export_run

    if args.out is not None:
        _check_root(args.out)
    for s in export_run(args.run_dir, root=args.out, overwrite=args.overwrite, progress=None):
        print(f"{s.dataset_id}: {s.episodes} episodes, {s.steps} steps, success "
              f"{s.success_rate:.3f}, mean return {s.return_mean:.1f} -> {s.path}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from manyworld.datasets.identity import identity_mismatches
    from manyworld.datasets.store import (
        DatasetError,
        datasets_root,
        list_datasets,
        read_metadata,
        resolve,
    )

    ids = list_datasets(args.out)
    if not ids:
        print(f"no manyworld datasets under {datasets_root(args.out)}")
        return 0
    print(f"{'dataset':40s} {'episodes':>8s} {'steps':>9s} {'success':>8s}  identity")
    for ident in ids:
        try:
            meta = read_metadata(resolve(ident, args.out))
        except DatasetError as err:
            print(f"{ident:40s} unreadable: {err}")
            continue
        block = meta["manyworld"]
        diffs = identity_mismatches(block)
        print(f"{ident:40s} {meta['total_episodes']:>8d} {meta['total_steps']:>9d} "
              f"{block['success_rate']:>8.3f}  {'matches' if not diffs else 'DIFFERS: ' + '; '.join(diffs)}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from manyworld.datasets.load import dataset_summary

    s = dataset_summary(args.dataset, args.out, verify=not args.no_verify)
    b = s["manyworld"]
    ret, length = b["return"], b["length"]
    lines = [
        f"{s['dataset_id']}  ({s['path']})",
        f"  task {b['task']} v{b['task_version']}, level {b['level']}: {b['level_summary']}",
        f"  level parameters: {b['level_params']}",
        (f"  episodes {s['episodes']}, steps {s['steps']}, seed {b['seed']}, "
         f"{s['bytes'] / 1e6:.1f} MB on disk"),
        f"  success rate {b['success_rate']:.3f}"
        + "".join(f"; {k} episodes {v['episodes']} at {v['success_rate']:.3f}"
                  for k, v in b["by_policy"].items()),
        (f"  return mean {ret['mean']:.2f} std {ret['std']:.2f} min {ret['min']:.2f} "
         f"max {ret['max']:.2f}; length mean {length['mean']:.1f}"),
        (f"  {'exported' if 'run' in b else 'collected'} with manyworld {b['manyworld_version']}, "
         f"MuJoCo {b['mujoco_version']}, "
         f"{b['num_variations']} train variations sha256 {b['variation_sha256'][:16]}..., "
         f"{b['benchmark']} hash {b['benchmark_hash']}"),
        *([_provenance(b["run"])] if "run" in b else []),
        "  identity: " + ("matches the installed benchmark" if not s["mismatches"]
                          else "DIFFERS: " + "; ".join(s["mismatches"])),
    ]
    for name, digest in s["sha256"].items():
        lines.append(f"  sha256 {name}: {digest}")
    if s["data_file_intact"] is False:
        lines.append("  WARNING: main_data.hdf5 does not match the checksum recorded at collection")
    print("\n".join(lines))
    return 0 if s["data_file_intact"] is not False else 1


def _provenance(run: dict) -> str:
    """The line of ``show`` that says which run a replay dataset comes from."""
    return (f"  from run {run['run_dir']}: {run['algo']} seed {run['seed']} on {run['benchmark']}, "
            f"{run['worlds']} worlds, first {run['env_steps_recorded']:,} env steps recorded, "
            f"config sha256 {run['config_sha256'][:16]}...")


def _check_root(out: str) -> None:
    from pathlib import Path

    p = Path(out)
    if p.exists() and not p.is_dir():
        raise _UsageError(f"--out {out} is a file; give a directory to hold the datasets")


_COMMANDS = {"collect": cmd_collect, "from-run": cmd_from_run, "list": cmd_list, "show": cmd_show}


def main(argv: list[str] | None = None, prog: str = "manyworld dataset") -> int:
    """Run ``manyworld dataset`` with ``argv`` (the arguments after ``dataset``); the exit status.

    Mistakes (unknown task or level, bad counts, a dataset that exists or is
    missing, a version mismatch, a run that recorded no episodes or is still
    training, Minari not installed) print one ``error:`` line on stderr and return 2.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser(prog).parse_args(argv)
        import manyworld  # noqa: F401  (registers the tasks and their gymnasium ids)

        return _COMMANDS[args.command](args)
    except _UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyError as err:  # unknown task names carry their suggestions
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 2
    except (ValueError, FileExistsError, FileNotFoundError, ImportError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
