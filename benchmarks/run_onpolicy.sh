#!/usr/bin/env bash
# Reproduces the on-policy learning runs behind BENCHMARKS.md section 7 and docs/learning.md
# section 5: one run per core (taskset), then `manyworld curves` and `manyworld compare`.
# A run's metrics depend only on its config and seed; its wall-clock on sharing the machine.
#
#   bash benchmarks/run_onpolicy.sh single   # PPO preset: reach, drawer-close, window-open,
#                                            # button-press-topdown, push x 3 seeds
#   bash benchmarks/run_onpolicy.sh mt10 SEED      # MT-PPO on MT10, the 2-hour budget (44M steps)
#   bash benchmarks/run_onpolicy.sh mt10-others SEED BUDGET  # MT-TRPO and TE-PPO on MT10 for
#                                            # BUDGET env steps each (one after the other)
#   bash benchmarks/run_onpolicy.sh speed    # where an MT-PPO iteration's time goes
#   bash benchmarks/run_onpolicy.sh report   # summaries, plots and IQM tables
#
# Every run is resumable: `manyworld train --resume RUN_DIR [--steps N]`. Run directories go
# to $RUNS (default runs/onpolicy). Needs `pip install -e '.[learn,plot]'`.
set -euo pipefail
RUNS=${RUNS:-runs/onpolicy}
OUT=benchmarks/results/learning
CORE=${CORE:-0}
mkdir -p "$RUNS"

# the ppo preset, evaluated on the 50 held-out (test) variations of the task
PPO="manyworld train --algo ppo --eval-split test --num-threads 1 --quiet"
declare -A STEPS=([reach]=1000000 [drawer-close]=1000000 [window-open]=2000000
                  [button-press-topdown]=2000000 [push]=6000000)
declare -A EVAL=([reach]=80000 [drawer-close]=80000 [window-open]=160000
                 [button-press-topdown]=160000 [push]=400000)
# MT-PPO on MT10: 20 worlds per task x 500 steps = 100k transitions per iteration (the
# paper's MT10 batch), (256, 256) tanh networks, 8 epochs x 32 minibatches, rewards x 0.1
MT10="--benchmark MT10 --worlds-per-task 20 --rollout-steps 500 --hidden 256 256"
MT10+=" --value-hidden 256 256 --log-interval 500000 --eval-interval 5000000 --eval-variations 50"
MT10+=" --checkpoint-interval 1000000 --num-threads 1"

case "${1:-}" in
  single)
    for seed in 0 1 2; do
      for task in reach drawer-close window-open button-press-topdown push; do
        taskset -c "$CORE" $PPO --task $task --steps ${STEPS[$task]} \
          --log-interval ${EVAL[$task]} --eval-interval ${EVAL[$task]} --seed $seed \
          --run-dir "$RUNS/ppo-$task-s$seed"
      done
    done ;;
  mt10)
    seed=${2:-0}
    taskset -c "$CORE" manyworld train --algo mtppo $MT10 --epochs 8 --minibatches 32 \
      --reward-scale 0.1 --steps 44000000 --seed "$seed" --run-dir "$RUNS/mtppo-mt10-s$seed" ;;
  mt10-others)
    seed=${2:-0}; budget=${3:-15000000}
    taskset -c "$CORE" manyworld train --algo mttrpo $MT10 --reward-scale 0.1 --value-minibatches 32 \
      --steps "$budget" --seed "$seed" --run-dir "$RUNS/mttrpo-mt10-s$seed"
    taskset -c "$CORE" manyworld train --algo teppo --benchmark MT10 --worlds-per-task 20 \
      --log-interval 500000 --eval-interval 5000000 --eval-variations 50 \
      --checkpoint-interval 1000000 --num-threads 1 --reward-scale 0.1 \
      --steps "$budget" --seed "$seed" --run-dir "$RUNS/teppo-mt10-s$seed" ;;
  speed)
    taskset -c "$CORE" python benchmarks/onpolicy_speed.py --algo mtppo --benchmark MT10 \
      --worlds-per-task 20 --hidden 256 256 --epochs 8 --out "$OUT/onpolicy_speed.json" ;;
  report)
    for task in reach drawer-close window-open button-press-topdown push; do
      manyworld curves "$RUNS"/ppo-$task-s? --out "$OUT/ppo_single/$task" || true
    done
    manyworld curves "$RUNS"/mtppo-mt10-s? --out "$OUT/mtppo_mt10" || true ;;
  *)
    sed -n 2,16p "$0"; exit 2 ;;
esac
