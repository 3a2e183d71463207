#!/usr/bin/env bash
# Reproduces the meta-learning runs behind docs/meta-learning.md and BENCHMARKS.md section 8:
# one run per core (taskset), scored by the ML protocol (10 adaptation episodes, then 3 scored
# ones, per held-out (task, variation) pair), then tables and curves.
#
#   bash benchmarks/run_meta.sh rl2-ml1 TASK SEED [STEPS]   # RL² preset on ML1(TASK) (default 4M)
#   bash benchmarks/run_meta.sh rl2-ml10 SEED [STEPS]       # RL² preset on ML10 (default 10M)
#   bash benchmarks/run_meta.sh ml1 ALGO TASK SEED STEPS    # maml|pearl|reptile preset on ML1(TASK)
#   bash benchmarks/run_meta.sh probes    # the RL² update settings the preset was chosen over
#   bash benchmarks/run_meta.sh modes     # meta-test with the policy mean vs sampled actions
#   bash benchmarks/run_meta.sh keep      # copy configs, metrics and evaluations (no
#                                         # checkpoints) to $KEPT, where report reads them
#   bash benchmarks/run_meta.sh report    # IQM tables, meta-train vs meta-test gap, curves
#
# Every run is resumable: `manyworld train --resume RUN_DIR [--steps N]`. Run directories go
# to $RUNS (default runs/meta). Needs `pip install -e '.[learn,plot]'`.
set -euo pipefail
RUNS=${RUNS:-runs/meta}
OUT=benchmarks/results/learning/meta
KEPT=${KEPT:-$OUT/runs}
CORE=${CORE:-0}
mkdir -p "$RUNS" "$OUT"
TRAIN="manyworld train --num-threads 1"

case "${1:-}" in
  rl2-ml1)
    task=$2; seed=$3; steps=${4:-4000000}
    taskset -c "$CORE" $TRAIN --algo rl2 --task "$task" --steps "$steps" --seed "$seed" \
      --eval-variations 20 --run-dir "$RUNS/rl2-ML1-$task-s$seed" ;;
  ml1)
    algo=$2; task=$3; seed=$4; steps=$5
    taskset -c "$CORE" $TRAIN --algo "$algo" --task "$task" --steps "$steps" --seed "$seed" \
      --eval-variations 20 --run-dir "$RUNS/$algo-ML1-$task-s$seed" ;;
  rl2-ml10)
    seed=$2; steps=${3:-10000000}
    taskset -c "$CORE" $TRAIN --algo rl2 --benchmark ML10 --steps "$steps" --seed "$seed" \
      --eval-variations 10 --eval-interval 2000000 --run-dir "$RUNS/rl2-ML10-s$seed" ;;
  probes)
    # 20 Adam steps per 100k-transition iteration (chunks of 250, 4 minibatches x 5 epochs)
    taskset -c "$CORE" $TRAIN --algo rl2 --task reach --steps 1500000 --chunk-length 250 \
      --minibatches 4 --epochs 5 --no-eval-sample --eval-interval 1000000 --eval-variations 20 \
      --run-dir "$RUNS/rl2-reach-probe-s0"
    # 100 Adam steps per iteration (the preset's update), meta-tested with the policy mean
    taskset -c "$CORE" $TRAIN --algo rl2 --task reach --steps 2000000 --no-eval-sample \
      --eval-interval 1000000 --eval-variations 20 --run-dir "$RUNS/rl2-reach-probe2-s0" ;;
  modes)
    taskset -c "$CORE" python benchmarks/meta_eval_modes.py "$RUNS/rl2-reach-probe2-s0" \
      --variations 20 --out "$OUT/rl2_eval_modes.json" ;;
  keep)
    for run in "$RUNS"/*/; do
      [ -f "$run/config.json" ] || continue
      dest="$KEPT/$(basename "$run")"
      mkdir -p "$dest"
      cp "$run/config.json" "$run/metrics.jsonl" "$dest/"
      for d in evals evals_meta_train; do
        rm -rf "${dest:?}/$d"
        if [ -d "$run/$d" ]; then cp -r "$run/$d" "$dest/$d"; fi
      done
    done ;;
  report)
    args=()
    for g in "RL², ML1(reach)=rl2-ML1-reach-s?" "RL², ML1(push)=rl2-ML1-push-s?" \
             "RL², ML10=rl2-ML10-s?" "MAML, ML1(reach)=maml-ML1-reach-s?" \
             "PEARL, ML1(reach)=pearl-ML1-reach-s?" "Reptile, ML1(reach)=reptile-ML1-reach-s?"; do
      label=${g%%=*}; pattern=${g#*=}
      if compgen -G "$RUNS/$pattern" > /dev/null; then args+=("$label=$RUNS/$pattern"); fi
    done
    python benchmarks/onpolicy_tables.py "${args[@]}" --out "$OUT/results.json" > "$OUT/results.md"
    python benchmarks/meta_gap.py "$RUNS"/*-ML*-s? --out "$OUT/gap.json" > "$OUT/gap.md"
    manyworld curves "$RUNS"/*-ML*-s? --out "$OUT/curves" ;;
  *)
    sed -n 2,15p "$0"; exit 2 ;;
esac
