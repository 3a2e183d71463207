#!/bin/bash
# Offline baselines on MT10 (issue: offline datasets and baselines). One core: CORE (default 0).
#
#   bash benchmarks/run_offline.sh data            # MT10 expert + medium datasets, 100 episodes
#                                                  # per task, into $DATA (default runs/datasets)
#   bash benchmarks/run_offline.sh bc SEED         # BC on MT10 expert data (100k updates)
#   bash benchmarks/run_offline.sh td3bc SEED [N]  # TD3+BC on MT10 medium data (N updates, 200k)
#   bash benchmarks/run_offline.sh report          # tables (final evaluation, IQM, per task)
#
# Runs are resumable: `manyworld train --resume RUN_DIR [--steps N]`. Evaluations: the MT
# protocol on the 50 train variations of each task (the variations the data covers), final
# policy. Needs `pip install -e '.[learn,data]'`.
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
  bc)
    seed=${2:-0}
    taskset -c "$CORE" manyworld train --algo bc --benchmark MT10 --dataset-level expert \
      --dataset-root "$DATA" --num-threads 1 --quiet --steps 100000 --eval-interval 25000 \
      --seed "$seed" --run-dir "$RUNS/bc-mt10-expert-s$seed" ;;
  td3bc)
    seed=${2:-0}; steps=${3:-200000}
    taskset -c "$CORE" manyworld train --algo td3bc --benchmark MT10 --dataset-level medium \
      --dataset-root "$DATA" --num-threads 1 --quiet --steps "$steps" --eval-interval 50000 \
      --seed "$seed" --run-dir "$RUNS/td3bc-mt10-medium-s$seed" ;;
  report)
    python benchmarks/offline_report.py "$RUNS"/bc-mt10-expert-s? --label "BC, MT10 expert" \
      --out "$OUT/bc_mt10_expert.json" | tee "$OUT/bc_mt10_expert.md"
    python benchmarks/offline_report.py "$RUNS"/td3bc-mt10-medium-s? --label "TD3+BC, MT10 medium" \
      --out "$OUT/td3bc_mt10_medium.json" | tee "$OUT/td3bc_mt10_medium.md" ;;
  *) sed -n 2,12p "$0"; exit 2 ;;
esac
