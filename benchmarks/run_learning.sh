#!/usr/bin/env bash
# Reproduces the learning runs behind BENCHMARKS.md section 6 and docs/learning.md: one run
# per core (taskset), two at a time on a 2-core machine, then `manyworld curves`. (The
# published runs went through a job queue in a different order; a run's metrics depend only
# on its config and seed, its wall-clock on sharing the machine with one other run.)
#
#   bash benchmarks/run_learning.sh single    # SAC preset: 5 tasks x 3 seeds (about 60 min)
#   bash benchmarks/run_learning.sh push      # SAC preset on push, 3 seeds, 1M env steps (~60 min)
#   bash benchmarks/run_learning.sh ablation  # the earlier presets: 100k replay with 3-step and
#                                             # with one-step targets (about 5 h)
#   bash benchmarks/run_learning.sh probes    # push, 100k replay: 5-step (seed 0), target
#                                             # entropy -2 (seeds 0-2; about 1.5 h)
#   bash benchmarks/run_learning.sh mt10      # MT-SAC and MT-MH-SAC on MT10, 400k env steps each
#   bash benchmarks/run_learning.sh report    # summaries and plots into benchmarks/results/learning
#
# Run directories go to $RUNS (default runs/learning). Needs `pip install -e '.[learn,plot]'`.
set -euo pipefail
RUNS=${RUNS:-runs/learning}
OUT=benchmarks/results/learning
mkdir -p "$RUNS"

# the sac preset plus evaluation on the 50 held-out (test) variations of the task
SAC="manyworld train --algo sac --log-interval 10000 --eval-split test --num-threads 1 --quiet"
# env steps per run: enough for the policy to settle, within the wall-clock budgets
declare -A STEPS=([reach]=100000 [drawer-close]=200000 [button-press-topdown]=200000
                  [window-open]=200000 [drawer-open]=400000)
declare -A EVAL=([reach]=10000 [drawer-close]=10000 [button-press-topdown]=10000
                 [window-open]=10000 [drawer-open]=20000)
# the ablation: the preset before n-step returns (one-step TD targets); its runs were longer
declare -A STEPS_N1=([reach]=100000 [drawer-close]=300000 [button-press-topdown]=300000
                     [window-open]=300000 [drawer-open]=400000)
PUSH="--task push --steps 1000000 --eval-interval 50000 --checkpoint-interval 100000"
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

# one command per line for the five tasks x 3 seeds: $1 extra flags, $2 the name of the
# steps table, $3 the run directories' prefix
five_tasks() {
  local -n steps_of=$2
  for seed in 0 1 2; do
    for task in reach drawer-close button-press-topdown window-open drawer-open; do
      echo "$SAC $1 --task $task --steps ${steps_of[$task]} --eval-interval ${EVAL[$task]} --seed $seed --run-dir $RUNS/$3$task-s$seed"
    done
  done
}

case "${1:-}" in
  single)
    mapfile -t cmds < <(five_tasks "" STEPS sac-)
    two_at_a_time "${cmds[@]}" ;;
  push)
    two_at_a_time "$SAC $PUSH --seed 0 --run-dir $RUNS/sac-push-s0" \
                  "$SAC $PUSH --seed 1 --run-dir $RUNS/sac-push-s1" \
                  "$SAC $PUSH --seed 2 --run-dir $RUNS/sac-push-s2" ;;
  ablation)
    # the preset of the previous sessions (100k replay), with 3-step and one-step targets
    OLD="--buffer-per-task 100000"
    mapfile -t cmds < <(five_tasks "$OLD" STEPS sac-r100k-)
    mapfile -t -O ${#cmds[@]} cmds < <(five_tasks "$OLD --n-step 1" STEPS_N1 sac-n1-)
    for seed in 0 1 2; do
      cmds+=("$SAC $OLD $PUSH --seed $seed --run-dir $RUNS/sac-r100k-push-s$seed"
             "$SAC $OLD --n-step 1 --target-entropy-scale 0.5 $PUSH --seed $seed --run-dir $RUNS/sac-n1-ent05-push-s$seed")
    done
    cmds+=("$SAC $OLD --n-step 1 --task push --steps 950000 --eval-interval 50000 --seed 0 --run-dir $RUNS/sac-n1-push-s0")
    two_at_a_time "${cmds[@]}" ;;
  probes)
    OLD="--buffer-per-task 100000"
    cmds=("$SAC $OLD --task push --steps 600000 --eval-interval 50000 --checkpoint-interval 100000 --seed 0 --n-step 5 --run-dir $RUNS/sac-n5-push-s0")
    for seed in 0 1 2; do
      cmds+=("$SAC $OLD $PUSH --target-entropy-scale 0.5 --seed $seed --run-dir $RUNS/sac-ent05-push-s$seed")
    done
    two_at_a_time "${cmds[@]}" ;;
  mt10)
    two_at_a_time "manyworld train --algo mtsac $MT --run-dir $RUNS/mtsac-MT10-s0" \
                  "manyworld train --algo mtmhsac $MT --run-dir $RUNS/mtmhsac-MT10-s0" ;;
  report)
    TASKS="{reach,drawer-close,button-press-topdown,window-open,drawer-open}"
    eval manyworld curves "$RUNS"/sac-$TASKS-s? --out "$OUT/single_task"
    manyworld curves "$RUNS"/sac-push-s? --out "$OUT/push"
    if [ -d "$RUNS/sac-n1-push-s0" ]; then
      eval manyworld curves "$RUNS"/sac-{r100k-,}$TASKS-s? --out "$OUT/single_task_replay"
      manyworld curves "$RUNS"/sac-{r100k-,}push-s? --out "$OUT/push_replay"
      eval manyworld curves "$RUNS"/sac-{n1,r100k}-$TASKS-s? --out "$OUT/single_task_n_step"
      manyworld curves "$RUNS"/sac-r100k-push-s? "$RUNS"/sac-n1-push-s0 "$RUNS"/sac-n1-ent05-push-s? \
          --out "$OUT/push_n_step"
    fi
    if [ -d "$RUNS/sac-n5-push-s0" ]; then
      manyworld curves "$RUNS"/sac-r100k-push-s? "$RUNS"/sac-n5-push-s0 "$RUNS"/sac-ent05-push-s? \
          --out "$OUT/push_probes"
    fi
    manyworld curves "$RUNS"/mt*sac-MT10-s0 --out "$OUT/mt10" ;;
  *)
    echo "usage: $0 single|push|ablation|probes|mt10|report" >&2; exit 2 ;;
esac
