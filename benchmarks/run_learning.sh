#!/usr/bin/env bash
# Reproduces the learning runs behind BENCHMARKS.md section 6 and docs/learning.md: one run
# per core (taskset), two at a time on a 2-core machine, then `manyworld curves`. (The
# published runs went through a job queue in a different order; a run's metrics depend only
# on its config and seed, its wall-clock on sharing the machine with one other run.)
#
#   bash benchmarks/run_learning.sh single   # SAC: 5 tasks x 3 seeds (about 70 min)
#   bash benchmarks/run_learning.sh push     # SAC on push, seed 0, 950k env steps (~30 min)
#   bash benchmarks/run_learning.sh mt10     # MT-SAC and MT-MH-SAC on MT10, 400k env steps each
#   bash benchmarks/run_learning.sh report   # summaries and plots into benchmarks/results/learning
#
# Run directories go to $RUNS (default runs/learning). Needs `pip install -e '.[learn,plot]'`.
set -euo pipefail
RUNS=${RUNS:-runs/learning}
OUT=benchmarks/results/learning
mkdir -p "$RUNS"

# the sac preset plus evaluation on the 50 held-out (test) variations of the task
SAC="manyworld train --algo sac --log-interval 10000 --eval-split test --num-threads 1 --reward-scale 0.1 --quiet"
# env steps per run: enough for the policy to settle, within the wall-clock budgets
declare -A STEPS=([reach]=100000 [drawer-close]=300000 [button-press-topdown]=300000
                  [window-open]=300000 [drawer-open]=400000)
declare -A EVAL=([reach]=10000 [drawer-close]=10000 [button-press-topdown]=10000
                 [window-open]=10000 [drawer-open]=20000)
MT="--benchmark MT10 --hidden 256 256 --layer-norm --reward-scale 0.1 --worlds-per-task 4"
MT+=" --updates-per-step 2 --learning-starts 4000 --steps 400000 --seed 0 --log-interval 10000"
MT+=" --eval-interval 50000 --checkpoint-interval 50000 --num-threads 1 --quiet"

# run the given commands two at a time, each pinned to one core
two_at_a_time() {
  local core=0
  for cmd in "$@"; do
    taskset -c $core bash -c "$cmd" &
    core=$((1 - core))
    if [ $core = 0 ]; then wait; fi
  done
  wait
}

case "${1:-}" in
  single)
    cmds=()
    for seed in 0 1 2; do
      for task in reach drawer-close button-press-topdown window-open drawer-open; do
        cmds+=("$SAC --task $task --steps ${STEPS[$task]} --eval-interval ${EVAL[$task]} --seed $seed --run-dir $RUNS/sac-$task-s$seed")
      done
    done
    two_at_a_time "${cmds[@]}" ;;
  push)
    taskset -c 0 $SAC --task push --steps 950000 --eval-interval 50000 --seed 0 --run-dir "$RUNS/sac-push-s0" ;;
  mt10)
    two_at_a_time "manyworld train --algo mtsac $MT --run-dir $RUNS/mtsac-MT10-s0" \
                  "manyworld train --algo mtmhsac $MT --run-dir $RUNS/mtmhsac-MT10-s0" ;;
  report)
    manyworld curves "$RUNS"/sac-{reach,drawer-close,button-press-topdown,window-open,drawer-open}-s? \
        --out "$OUT/single_task"
    manyworld curves "$RUNS"/sac-push-s0 --out "$OUT/push"
    manyworld curves "$RUNS"/mt*sac-MT10-s0 --out "$OUT/mt10" ;;
  *)
    echo "usage: $0 single|push|mt10|report" >&2; exit 2 ;;
esac
