#!/usr/bin/env bash
# Reproduces the learning runs behind BENCHMARKS.md section 6 and docs/learning.md: each
# training case is a sweep spec that `manyworld sweep` runs on a local Ray instance, one core
# per run and as many runs at once as the machine has cores, then `manyworld curves`. A run's
# metrics depend only on its config and seed, its wall-clock on sharing the machine with other
# runs. The specs train exactly the runs of the taskset loops this script had before them
# (benchmarks/sweep_equivalence.py checks it, run for run and field for field).
#
#   bash benchmarks/run_learning.sh single    # SAC preset: 5 tasks x 3 seeds (~50 min on 2 cores)
#   bash benchmarks/run_learning.sh push      # SAC preset on push, 3 seeds, 1M env steps (~60 min)
#   bash benchmarks/run_learning.sh ablation  # the earlier presets: 100k replay with 3-step and
#                                             # with one-step targets (about 4-5 h)
#   bash benchmarks/run_learning.sh probes    # push, 100k replay: 5-step (seed 0), target
#                                             # entropy -2 (seeds 0-2; about 70 min)
#   bash benchmarks/run_learning.sh mt10      # MT-SAC and MT-MH-SAC on MT10, 400k env steps each
#   bash benchmarks/run_learning.sh report    # summaries and plots into benchmarks/results/learning
#
# Case CASE runs `manyworld sweep benchmarks/sweeps/learning-CASE.toml --out
# $RUNS/learning-CASE` (single: examples/sweeps/sac-single-task.toml into
# $RUNS/sac-single-task); arguments after CASE go to it: `--dry-run` prints each run and the
# `manyworld train` command that trains it by hand, `--num-cpus N` uses N cores. Rerun, a sweep
# skips finished runs and resumes interrupted ones; `manyworld sweep status DIR` says where one
# stands. Sweeps go to $RUNS (default runs/learning). Needs `pip install -e
# '.[learn,plot,sweep]'`.
set -euo pipefail
RUNS=${RUNS:-runs/learning}
OUT=benchmarks/results/learning
mkdir -p "$RUNS"

# run a spec's sweep in $RUNS/<the spec's name>; more arguments go to `manyworld sweep`
sweep() {
  local spec=$1
  shift
  manyworld sweep "$spec" --out "$RUNS/$(basename "$spec" .toml)" "$@"
}

case "${1:-}" in
  single)
    sweep examples/sweeps/sac-single-task.toml "${@:2}" ;;
  push|ablation|probes|mt10)
    sweep "benchmarks/sweeps/learning-$1.toml" "${@:2}" ;;
  report)
    # run directories: the sweeps' ($RUNS/<sweep>/runs/<run>), or, where $RUNS holds no sweep,
    # runs started by hand before the sweeps ($RUNS/<run>); the names are the same
    R=$RUNS
    if compgen -G "$RUNS/*/runs/*/config.json" > /dev/null; then R="$RUNS/*/runs"; fi
    TASKS="{reach,drawer-close,button-press-topdown,window-open,drawer-open}"
    eval manyworld curves "$R"/sac-$TASKS-s? --out "$OUT/single_task"
    manyworld curves $R/sac-push-s? --out "$OUT/push"
    if compgen -G "$R/sac-n1-push-s0" > /dev/null; then  # the ablation's runs
      eval manyworld curves "$R"/sac-{r100k-,}$TASKS-s? --out "$OUT/single_task_replay"
      manyworld curves $R/sac-{r100k-,}push-s? --out "$OUT/push_replay"
      eval manyworld curves "$R"/sac-{n1,r100k}-$TASKS-s? --out "$OUT/single_task_n_step"
      manyworld curves $R/sac-r100k-push-s? $R/sac-n1-push-s0 $R/sac-n1-ent05-push-s? \
          --out "$OUT/push_n_step"
    fi
    if compgen -G "$R/sac-n5-push-s0" > /dev/null; then  # the probes' runs
      manyworld curves $R/sac-r100k-push-s? $R/sac-n5-push-s0 $R/sac-ent05-push-s? \
          --out "$OUT/push_probes"
    fi
    manyworld curves $R/mt*sac-MT10-s0 --out "$OUT/mt10" ;;
  *)
    echo "usage: $0 single|push|ablation|probes|mt10 [manyworld sweep flags] | report" >&2
    exit 2 ;;
esac
