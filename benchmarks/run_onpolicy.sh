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
#   bash benchmarks/run_onpolicy.sh probes   # lower exploration noise (entropy 1e-3, initial
#                                            # std 0.6): push 3M and MT-PPO on MT10 10M, seed 0
#   bash benchmarks/run_onpolicy.sh sac      # the sac preset on the four easy tasks, seed 0
#   bash benchmarks/run_onpolicy.sh speed    # where an MT-PPO iteration's time goes
#   bash benchmarks/run_onpolicy.sh keep     # copy every run's config, metrics and evaluations
#                                            # (no checkpoints) to $KEPT, where report can read them
#   bash benchmarks/run_onpolicy.sh report   # summaries, plots and IQM tables
#
# Every run is resumable: `manyworld train --resume RUN_DIR [--steps N]`. Run directories go
# to $RUNS (default runs/onpolicy). Needs `pip install -e '.[learn,plot]'`.
set -euo pipefail
RUNS=${RUNS:-runs/onpolicy}
mkdir -p benchmarks/results/learning/onpolicy
OUT=benchmarks/results/learning
CORE=${CORE:-0}
KEPT=${KEPT:-benchmarks/results/learning/onpolicy/runs}
mkdir -p "$RUNS"

# the ppo preset, evaluated on the 50 held-out (test) variations of the task
PPO="manyworld train --algo ppo --eval-split test --num-threads 1 --quiet"
declare -A STEPS=([reach]=400000 [drawer-close]=400000 [window-open]=800000
                  [button-press-topdown]=1000000 [push]=3000000)
declare -A EVAL=([reach]=80000 [drawer-close]=80000 [window-open]=80000
                 [button-press-topdown]=80000 [push]=200000)
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
  probes)
    taskset -c "$CORE" $PPO --task push --steps 3000000 --log-interval 200000 --eval-interval 200000 \
      --seed 0 --entropy-coef 0.001 --init-log-std -0.5 --run-dir "$RUNS/ppo-push-ent1e-3-std06-s0"
    taskset -c "$CORE" manyworld train --algo mtppo $MT10 --eval-interval 2500000 \
      --entropy-coef 0.001 --init-log-std -0.5 --steps 10000000 --seed 0 \
      --run-dir "$RUNS/mtppo-mt10-ent1e-3-std06-s0" ;;
  sac)
    declare -A SAC_STEPS=([reach]=100000 [drawer-close]=100000 [window-open]=120000
                          [button-press-topdown]=120000)
    for task in reach drawer-close window-open button-press-topdown; do
      taskset -c "$CORE" manyworld train --algo sac --log-interval 10000 --eval-split test \
        --num-threads 1 --quiet --task $task --steps ${SAC_STEPS[$task]} --eval-interval 10000 \
        --seed 0 --run-dir "$RUNS/sac-$task-s0"
    done ;;
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
      --worlds-per-task 20 --hidden 256 256 --epochs 8 --out "$OUT/onpolicy/onpolicy_speed.json" ;;
  keep)
    for run in "$RUNS"/*/; do
      [ -f "$run/config.json" ] || continue
      dest="$KEPT/$(basename "$run")"
      mkdir -p "$dest"
      cp "$run/config.json" "$run/metrics.jsonl" "$dest/"
      rm -rf "$dest/evals" && cp -r "$run/evals" "$dest/evals"
    done ;;
  report)
    # groups whose runs exist under $RUNS (LABEL=GLOB, one run directory per seed)
    present() { for g in "$@"; do compgen -G "$RUNS/${g#*=}" > /dev/null && echo "${g%%=*}=$RUNS/${g#*=}"; done; true; }
    mapfile -t single < <(present "PPO, reach=ppo-reach-s?" "PPO, drawer-close=ppo-drawer-close-s?" \
      "PPO, window-open=ppo-window-open-s?" "PPO, button-press-topdown=ppo-button-press-topdown-s?" \
      "PPO, push=ppo-push-s?" "PPO, push, entropy 1e-3 + std 0.6=ppo-push-ent1e-3-std06-s?" \
      "SAC preset, reach=sac-reach-s?" "SAC preset, drawer-close=sac-drawer-close-s?" \
      "SAC preset, window-open=sac-window-open-s?" \
      "SAC preset, button-press-topdown=sac-button-press-topdown-s?")
    mapfile -t mt10 < <(present "MT-PPO, MT10 (44M steps)=mtppo-mt10-s?" \
      "MT-PPO, MT10, entropy 1e-3 + std 0.6=mtppo-mt10-ent1e-3-std06-s?" \
      "MT-TRPO, MT10=mttrpo-mt10-s?" "TE-PPO, MT10=teppo-mt10-s?")
    python benchmarks/onpolicy_tables.py "${single[@]}" --out "$OUT/onpolicy/single_task.json" \
      > "$OUT/onpolicy/single_task.md"
    python benchmarks/onpolicy_tables.py "${mt10[@]}" --per-task \
      --out "$OUT/onpolicy/mt10.json" > "$OUT/onpolicy/mt10.md"
    manyworld curves "$RUNS"/ppo-*-s? "$RUNS"/sac-*-s? --out "$OUT/onpolicy/single_task_curves"
    manyworld curves "$RUNS"/mt*-mt10*-s? --out "$OUT/onpolicy/mt10_curves" ;;
  *)
    sed -n 2,16p "$0"; exit 2 ;;
esac
