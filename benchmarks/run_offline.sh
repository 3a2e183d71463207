#!/bin/bash
# Offline baselines on MT10 (issue: offline datasets and baselines). The datasets are
# collected on one core, CORE (default 0); each training case is a sweep spec that `manyworld
# sweep` runs on a local Ray instance, one core per run and as many runs at once as the
# machine has cores. The specs train exactly the runs of the taskset commands this script had
# before them, with the arguments the tables used (benchmarks/sweep_equivalence.py checks it).
#
#   bash benchmarks/run_offline.sh data     # MT10 expert + medium datasets, 100 episodes
#                                           # per task, into $DATA (default runs/datasets)
#   bash benchmarks/run_offline.sh bc       # BC on MT10 expert data (100k updates), seeds 0-2
#   bash benchmarks/run_offline.sh td3bc    # TD3+BC on MT10 medium data (200k updates), seeds 0-2
#   bash benchmarks/run_offline.sh report   # tables (final evaluation, IQM, per task)
#
# Training case CASE runs `manyworld sweep benchmarks/sweeps/offline-CASE.toml --out
# $RUNS/offline-CASE`; arguments after CASE go to it: `--dry-run` prints each run and the
# `manyworld train` command that trains it by hand, `--num-cpus N` uses N cores. Rerun, a sweep
# skips finished runs and resumes interrupted ones (a spec's steps may grow between runs).
# The specs read the datasets from runs/datasets, relative to the repository root, where this
# script runs. Evaluations: the MT protocol on the 50 train variations of each task (the
# variations the data covers), final policy. Sweeps go to $RUNS (default runs/offline). Needs
# `pip install -e '.[learn,data,sweep]'`.
set -euo pipefail
CORE=${CORE:-0}
DATA=${DATA:-runs/datasets}
RUNS=${RUNS:-runs/offline}
OUT=benchmarks/results/learning/offline
MT10_TASKS="reach push pick-place door-open drawer-open drawer-close button-press-topdown peg-insert-side window-open window-close"
mkdir -p "$RUNS" "$OUT"
case "${1:-}" in
  data)
    for level in expert medium; do
      for t in $MT10_TASKS; do
        taskset -c "$CORE" manyworld dataset collect "$t" --level "$level" --episodes 100 \
          --out "$DATA" --threads 1 --skip-existing --quiet
      done
    done ;;
  bc|td3bc)
    # the specs name their dataset_root; another DATA would train on other (or no) data
    if [ "$(realpath -m "$DATA")" != "$(realpath -m runs/datasets)" ]; then
      echo "error: benchmarks/sweeps/offline-$1.toml reads runs/datasets, not DATA=$DATA:" \
           "set its dataset_root" >&2
      exit 2
    fi
    manyworld sweep "benchmarks/sweeps/offline-$1.toml" --out "$RUNS/offline-$1" "${@:2}" ;;
  report)
    # run directories: the sweeps' ($RUNS/<sweep>/runs/<run>, named bc-expert-MT10-s<seed>),
    # or, where $RUNS holds no sweep, runs started by hand ($RUNS/bc-mt10-expert-s<seed>)
    R=$RUNS
    if compgen -G "$RUNS/*/runs/*/config.json" > /dev/null; then R="$RUNS/*/runs"; fi
    shopt -s nullglob  # one of each pair of names matches
    bc=($R/bc-expert-MT10-s? $R/bc-mt10-expert-s?)
    td3bc=($R/td3bc-medium-MT10-s? $R/td3bc-mt10-medium-s?)
    python benchmarks/offline_report.py "${bc[@]}" --label "BC, MT10 expert" \
      --out "$OUT/bc_mt10_expert.json" | tee "$OUT/bc_mt10_expert.md"
    python benchmarks/offline_report.py "${td3bc[@]}" --label "TD3+BC, MT10 medium" \
      --out "$OUT/td3bc_mt10_medium.json" | tee "$OUT/td3bc_mt10_medium.md" ;;
  *) sed -n 2,21p "$0"; exit 2 ;;
esac
