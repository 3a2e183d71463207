"""The sweep specs train exactly the runs of the hand-pinned shell loops they replaced.

Before the specs of ``benchmarks/sweeps/`` (issue 15), ``benchmarks/run_learning.sh``,
``run_onpolicy.sh``, ``run_meta.sh`` and ``run_offline.sh`` trained the runs behind
BENCHMARKS.md's learning tables with ``taskset -c N manyworld train ...`` loops. ``HAND_RUNS``
is what those loops ran, case by case, built the way the scripts built it (their flag strings
and tables, copied; the parameterised cases with the arguments the tables used). When the
specs were written, it expanded token for token to the commands the scripts of commit ea71094
printed with ``taskset`` and ``manyworld`` stubbed out.

For each case, :func:`compare` resolves the spec, takes every run's ``manyworld train`` command
as ``manyworld sweep SPEC --dry-run`` prints it, parses both sides with the train CLI's own
parser and builds the configs the CLI would train with (the algorithm's preset plus the flags,
as ``manyworld train`` does). The runs must pair up one to one by name, and every pair must
have the same algorithm, benchmark and every field of the agent and run configs (seed, budget,
threads, logging and evaluation cadence included). Names may differ only as ``RENAMED`` says:
the sweep's naming scheme puts the benchmark before any setting and keeps the benchmark's case.

    python benchmarks/sweep_equivalence.py                   # every case; exit 1 on a difference
    python benchmarks/sweep_equivalence.py onpolicy-mt10     # one case
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# ------------------------------------------------------------------ run_learning.sh
_SAC = "manyworld train --algo sac --log-interval 10000 --eval-split test --num-threads 1 --quiet"
_TASKS5 = ["reach", "drawer-close", "button-press-topdown", "window-open", "drawer-open"]
_STEPS = {"reach": 100000, "drawer-close": 200000, "button-press-topdown": 200000,
          "window-open": 200000, "drawer-open": 400000}
_EVAL = {"reach": 10000, "drawer-close": 10000, "button-press-topdown": 10000,
         "window-open": 10000, "drawer-open": 20000}
_STEPS_N1 = {"reach": 100000, "drawer-close": 300000, "button-press-topdown": 300000,
             "window-open": 300000, "drawer-open": 400000}
_PUSH = "--task push --steps 1000000 --eval-interval 50000 --checkpoint-interval 100000"
_MT = ("--benchmark MT10 --hidden 256 256 --layer-norm --reward-scale 0.1 --worlds-per-task 4"
       " --updates-per-step 2 --learning-starts 4000 --steps 400000 --seed 0 --log-interval 10000"
       " --eval-interval 50000 --checkpoint-interval 50000 --num-threads 1 --quiet")
_OLD = "--buffer-per-task 100000"


def _five_tasks(extra: str, steps: dict[str, int], prefix: str) -> list[str]:
    return [f"{_SAC} {extra} --task {t} --steps {steps[t]} --eval-interval {_EVAL[t]} "
            f"--seed {s} --run-dir RUNS/{prefix}{t}-s{s}"
            for s in (0, 1, 2) for t in _TASKS5]


def _learning() -> dict[str, list[str]]:
    seeds = (0, 1, 2)
    ablation = _five_tasks(_OLD, _STEPS, "sac-r100k-") + _five_tasks(
        f"{_OLD} --n-step 1", _STEPS_N1, "sac-n1-")
    for s in seeds:
        ablation += [
            f"{_SAC} {_OLD} {_PUSH} --seed {s} --run-dir RUNS/sac-r100k-push-s{s}",
            (f"{_SAC} {_OLD} --n-step 1 --target-entropy-scale 0.5 {_PUSH} --seed {s} "
             f"--run-dir RUNS/sac-n1-ent05-push-s{s}"),
        ]
    ablation.append(f"{_SAC} {_OLD} --n-step 1 --task push --steps 950000 --eval-interval 50000 "
                    "--seed 0 --run-dir RUNS/sac-n1-push-s0")
    probes = [(f"{_SAC} {_OLD} --task push --steps 600000 --eval-interval 50000 "
               "--checkpoint-interval 100000 --seed 0 --n-step 5 --run-dir RUNS/sac-n5-push-s0")]
    probes += [f"{_SAC} {_OLD} {_PUSH} --target-entropy-scale 0.5 --seed {s} "
               f"--run-dir RUNS/sac-ent05-push-s{s}" for s in seeds]
    return {
        "learning-single": _five_tasks("", _STEPS, "sac-"),
        "learning-push": [f"{_SAC} {_PUSH} --seed {s} --run-dir RUNS/sac-push-s{s}" for s in seeds],
        "learning-ablation": ablation,
        "learning-probes": probes,
        "learning-mt10": [f"manyworld train --algo {a} {_MT} --run-dir RUNS/{a}-MT10-s0"
                          for a in ("mtsac", "mtmhsac")],
    }


# ------------------------------------------------------------------ run_onpolicy.sh
_PPO = "manyworld train --algo ppo --eval-split test --num-threads 1 --quiet"
_PPO_STEPS = {"reach": 400000, "drawer-close": 400000, "window-open": 800000,
              "button-press-topdown": 1000000, "push": 3000000}
_PPO_EVAL = {"reach": 80000, "drawer-close": 80000, "window-open": 80000,
             "button-press-topdown": 80000, "push": 200000}
_MT10 = ("--benchmark MT10 --worlds-per-task 20 --rollout-steps 500 --hidden 256 256"
         " --value-hidden 256 256 --log-interval 500000 --eval-interval 5000000 --eval-variations 50"
         " --checkpoint-interval 1000000 --num-threads 1")


def _onpolicy() -> dict[str, list[str]]:
    sac_steps = {"reach": 100000, "drawer-close": 100000, "window-open": 120000,
                 "button-press-topdown": 120000}
    # the tables' arguments: `mt10 1` and `mt10 2`; `mt10-others 0 23000000`
    budget = 23000000
    return {
        "onpolicy-single": [
            f"{_PPO} --task {t} --steps {_PPO_STEPS[t]} --log-interval {_PPO_EVAL[t]} "
            f"--eval-interval {_PPO_EVAL[t]} --seed {s} --run-dir RUNS/ppo-{t}-s{s}"
            for s in (0, 1, 2) for t in _PPO_STEPS
        ],
        "onpolicy-mt10": [
            f"manyworld train --algo mtppo {_MT10} --epochs 8 --minibatches 32 --reward-scale 0.1 "
            f"--steps 44000000 --seed {s} --run-dir RUNS/mtppo-mt10-s{s}" for s in (1, 2)
        ],
        "onpolicy-probes": [
            (f"{_PPO} --task push --steps 3000000 --log-interval 200000 --eval-interval 200000 "
             "--seed 0 --entropy-coef 0.001 --init-log-std -0.5 "
             "--run-dir RUNS/ppo-push-ent1e-3-std06-s0"),
            (f"manyworld train --algo mtppo {_MT10} --eval-interval 2500000 --entropy-coef 0.001 "
             "--init-log-std -0.5 --steps 10000000 --seed 0 "
             "--run-dir RUNS/mtppo-mt10-ent1e-3-std06-s0"),
        ],
        "onpolicy-sac": [
            "manyworld train --algo sac --log-interval 10000 --eval-split test --num-threads 1 "
            f"--quiet --task {t} --steps {n} --eval-interval 10000 --seed 0 --run-dir RUNS/sac-{t}-s0"
            for t, n in sac_steps.items()
        ],
        "onpolicy-mt10-others": [
            (f"manyworld train --algo mttrpo {_MT10} --reward-scale 0.1 --value-minibatches 32 "
             f"--steps {budget} --seed 0 --run-dir RUNS/mttrpo-mt10-s0"),
            ("manyworld train --algo teppo --benchmark MT10 --worlds-per-task 20 "
             "--log-interval 500000 --eval-interval 5000000 --eval-variations 50 "
             "--checkpoint-interval 1000000 --num-threads 1 --reward-scale 0.1 "
             f"--steps {budget} --seed 0 --run-dir RUNS/teppo-mt10-s0"),
        ],
    }


# ------------------------------------------------------------------ run_meta.sh
_TRAIN = "manyworld train --num-threads 1"


def _ml1(algo: str, task: str, seed: int, steps: int) -> str:
    return (f"{_TRAIN} --algo {algo} --task {task} --steps {steps} --seed {seed} "
            f"--eval-variations 20 --run-dir RUNS/{algo}-ML1-{task}-s{seed}")


def _meta() -> dict[str, list[str]]:
    return {
        # `rl2-ml1 reach SEED` for seeds 0-2 (the default 4M)
        "meta-rl2-ml1": [_ml1("rl2", "reach", s, 4000000) for s in (0, 1, 2)],
        # `ml1 ALGO reach SEED STEPS` as the table ran them; MAML seed 0 ran with 3000000,
        # then `manyworld train --resume RUN --steps 6000000` (the same config as 6000000)
        "meta-ml1": [_ml1("maml", "reach", 0, 6000000), _ml1("maml", "reach", 1, 5000000),
                     _ml1("maml", "reach", 2, 5000000), _ml1("reptile", "reach", 0, 4000000),
                     _ml1("pearl", "reach", 0, 1000000)],
        # `rl2-ml10 SEED` (the default 10M): no table yet, seeds 0-2
        "meta-rl2-ml10": [
            f"{_TRAIN} --algo rl2 --benchmark ML10 --steps 10000000 --seed {s} "
            f"--eval-variations 10 --eval-interval 2000000 --run-dir RUNS/rl2-ML10-s{s}"
            for s in (0, 1, 2)
        ],
        "meta-probes": [
            (f"{_TRAIN} --algo rl2 --task reach --steps 1500000 --chunk-length 250 "
             "--minibatches 4 --epochs 5 --no-eval-sample --eval-interval 1000000 "
             "--eval-variations 20 --run-dir RUNS/rl2-reach-probe-s0"),
            (f"{_TRAIN} --algo rl2 --task reach --steps 2000000 --no-eval-sample "
             "--eval-interval 1000000 --eval-variations 20 --run-dir RUNS/rl2-reach-probe2-s0"),
        ],
    }


# ------------------------------------------------------------------ run_offline.sh
def _offline() -> dict[str, list[str]]:
    data = "runs/datasets"  # the script's default DATA
    return {
        "offline-bc": [
            f"manyworld train --algo bc --benchmark MT10 --dataset-level expert --dataset-root "
            f"{data} --num-threads 1 --quiet --steps 100000 --eval-interval 25000 --seed {s} "
            f"--run-dir RUNS/bc-mt10-expert-s{s}" for s in (0, 1, 2)
        ],
        # `td3bc SEED` (the default 200k): the table's seed 0 and its pending seeds 1 and 2
        "offline-td3bc": [
            f"manyworld train --algo td3bc --benchmark MT10 --dataset-level medium --dataset-root "
            f"{data} --num-threads 1 --quiet --steps 200000 --eval-interval 50000 --seed {s} "
            f"--run-dir RUNS/td3bc-mt10-medium-s{s}" for s in (0, 1, 2)
        ],
    }


#: case (``<script>-<case>``) -> the ``manyworld train`` commands its loop ran
HAND_RUNS: dict[str, list[str]] = {**_learning(), **_onpolicy(), **_meta(), **_offline()}

#: case -> the spec that now trains its runs (the script's case runs it)
SPECS: dict[str, str] = {
    case: "examples/sweeps/sac-single-task.toml" if case == "learning-single"
    else f"benchmarks/sweeps/{case}.toml"
    for case in HAND_RUNS
}

#: hand run directory -> sweep run name, where the naming scheme could not keep the name
RENAMED: dict[str, str] = {
    "mtppo-mt10-s1": "mtppo-MT10-s1",
    "mtppo-mt10-s2": "mtppo-MT10-s2",
    "ppo-push-ent1e-3-std06-s0": "ppo-ent1e-3-std06-push-s0",
    "mtppo-mt10-ent1e-3-std06-s0": "mtppo-ent1e-3-std06-MT10-s0",
    "mttrpo-mt10-s0": "mttrpo-MT10-s0",
    "teppo-mt10-s0": "teppo-MT10-s0",
    "rl2-reach-probe-s0": "rl2-probe-reach-s0",
    "rl2-reach-probe2-s0": "rl2-probe2-reach-s0",
    **{f"bc-mt10-expert-s{s}": f"bc-expert-MT10-s{s}" for s in (0, 1, 2)},
    **{f"td3bc-mt10-medium-s{s}": f"td3bc-medium-MT10-s{s}" for s in (0, 1, 2)},
}


# ------------------------------------------------------------------ resolving and comparing
@dataclasses.dataclass(frozen=True)
class TrainRun:
    """What one ``manyworld train`` command trains: the configs the CLI builds from it."""

    name: str  # the run directory's name
    algo: str
    benchmark: str  # canonical (``MT1(reach)``, ``MT10``, ...)
    agent: Any  # the algorithm's config dataclass
    run: Any  # RunConfig


def _given(args: argparse.Namespace, cls: type) -> dict[str, Any]:
    """The fields of ``cls`` a command's flags set (manyworld.train.cli's rule: every flag left
    out is None, lists become tuples)."""
    from manyworld.train.config import SET_BY_TRAINER

    out = {}
    for f in dataclasses.fields(cls):
        value = getattr(args, f.name, None)
        if f.name not in SET_BY_TRAINER and value is not None:
            out[f.name] = tuple(value) if isinstance(value, list) else value
    return out


def resolve_command(command: str) -> TrainRun:
    """Parse ``manyworld train ...`` as the CLI does and build its agent and run configs."""
    from manyworld.benchmarks import get_benchmark
    from manyworld.train.cli import build_parser
    from manyworld.train.harness import RunConfig
    from manyworld.train.registry import get_algo

    argv = shlex.split(command)
    if argv[:2] != ["manyworld", "train"]:
        raise ValueError(f"not a `manyworld train` command: {command}")
    argv = argv[2:]
    algo = argv[argv.index("--algo") + 1]
    spec = get_algo(algo)
    args = build_parser(algo).parse_args(argv)
    if args.task and args.benchmark:
        raise ValueError(f"--task and --benchmark both given: {command}")
    # as manyworld.train.cli.main: --task trains MT1(task), or ML1(task) for meta-learners
    if args.task:
        bench = f"ML1({args.task})" if spec.meta else f"MT1({args.task})"
    else:
        bench = args.benchmark or "MT10"
    cfg = dataclasses.replace(spec.config, **_given(args, spec.config_cls))
    run = RunConfig().replace(**{**spec.run, **_given(args, RunConfig)})
    return TrainRun(Path(args.run_dir).name, algo, get_benchmark(bench).name, cfg, run)


def sweep_commands(spec_path: str | Path, runs_dir: str = "RUNS") -> list[str]:
    """The ``manyworld train`` commands of a spec's runs, as ``--dry-run`` prints them."""
    from manyworld.sweep.spec import load_spec, train_command
    from manyworld.sweep.state import run_dir_of

    sweep = load_spec(spec_path)
    out = Path(runs_dir) / sweep.name
    return [train_command(r, run_dir_of(out, r["name"])) for r in sweep.runs]


def _diff(a: TrainRun, b: TrainRun) -> list[str]:
    out = [f"{k}: {getattr(a, k)!r} (hand) != {getattr(b, k)!r} (sweep)"
           for k in ("algo", "benchmark") if getattr(a, k) != getattr(b, k)]
    if a.algo != b.algo:
        return out  # different config classes: nothing more to compare field by field
    for part in ("agent", "run"):
        x, y = dataclasses.asdict(getattr(a, part)), dataclasses.asdict(getattr(b, part))
        out += [f"{part}.{k}: {x[k]!r} (hand) != {y[k]!r} (sweep)" for k in x if x[k] != y[k]]
    return out


def compare(case: str, root: Path = ROOT) -> list[str]:
    """The differences between a case's hand runs and its spec's runs; [] when identical."""
    hand_runs = [resolve_command(c) for c in HAND_RUNS[case]]
    hand = {r.name: r for r in hand_runs}
    sweep = {r.name: r for r in map(resolve_command, sweep_commands(root / SPECS[case]))}
    problems = [] if len(hand) == len(hand_runs) else ["two hand runs share a run directory"]
    for name, h in hand.items():
        target = RENAMED.get(name, name)
        if target not in sweep:
            problems.append(f"{name}: no sweep run {target!r}")
            continue
        problems += [f"{name} -> {target}: {d}" for d in _diff(h, sweep[target])]
    expected = {RENAMED.get(n, n) for n in hand}
    problems += [f"{n}: a sweep run the script never ran" for n in sorted(set(sweep) - expected)]
    return problems


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("cases", nargs="*", help=f"cases (default: all): {', '.join(HAND_RUNS)}")
    args = p.parse_args(argv)
    bad = 0
    for case in args.cases or list(HAND_RUNS):
        problems = compare(case)
        names = [resolve_command(c).name for c in HAND_RUNS[case]]
        renamed = [f"{n} -> {RENAMED[n]}" for n in names if n in RENAMED]
        verdict = "DIFFERENT" if problems else "identical"
        print(f"{case}: {len(HAND_RUNS[case])} runs, {verdict} ({SPECS[case]})")
        for line in problems + [f"renamed: {r}" for r in renamed]:
            print(f"  {line}")
        bad += bool(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
