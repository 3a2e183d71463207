#!/usr/bin/env bash
# Reproduces the on-policy learning runs behind BENCHMARKS.md section 7 and docs/learning.md
# sections 5-7: each training case is a sweep spec that `manyworld sweep` runs on a local Ray
# instance, one core per run and as many runs at once as the machine has cores; then
# `manyworld curves` and the IQM tables. A run's metrics depend only on its config and seed;
# its wall-clock on sharing the machine. The specs train exactly the runs of the taskset
# commands this script had before them, with the arguments the tables used
# (benchmarks/sweep_equivalence.py checks it, run for run and field for field).
#
#   bash benchmarks/run_onpolicy.sh single       # PPO preset: reach, drawer-close, window-open,
#                                                # button-press-topdown, push x 3 seeds (~25 min)
#   bash benchmarks/run_onpolicy.sh mt10         # MT-PPO on MT10, the 2-hour budget (44M steps),
#                                                # seeds 1 and 2 (~2.3 h on 2 cores)
#   bash benchmarks/run_onpolicy.sh mt10-others  # MT-TRPO and TE-PPO on MT10, 23M env steps,
#                                                # seed 0 (~2 h)
#   bash benchmarks/run_onpolicy.sh probes       # lower exploration noise (entropy 1e-3, initial
#                                                # std 0.6): push 3M and MT-PPO on MT10 10M, seed 0
#   bash benchmarks/run_onpolicy.sh sac          # the sac preset on the four easy tasks, seed 0
#   bash benchmarks/run_onpolicy.sh speed        # where an MT-PPO iteration's time goes
#   bash benchmarks/run_onpolicy.sh keep         # copy every run's config, metrics and evaluations
#                                                # (no checkpoints) to $KEPT, where report can read them
#   bash benchmarks/run_onpolicy.sh report       # summaries, plots and IQM tables
#
# Training case CASE runs `manyworld sweep benchmarks/sweeps/onpolicy-CASE.toml --out
# $RUNS/onpolicy-CASE`; arguments after CASE go to it: `--dry-run` prints each run and the
# `manyworld train` command that trains it by hand, `--num-cpus N` uses N cores. Rerun, a sweep
# skips finished runs and resumes interrupted ones (a spec's steps may grow between runs);
# `manyworld sweep status DIR` says where one stands. Sweeps go to $RUNS (default
# runs/onpolicy); speed runs on core $CORE. Needs `pip install -e '.[learn,plot,sweep]'`.
set -euo pipefail
RUNS=${RUNS:-runs/onpolicy}
mkdir -p benchmarks/results/learning/onpolicy
OUT=benchmarks/results/learning
CORE=${CORE:-0}
KEPT=${KEPT:-benchmarks/results/learning/onpolicy/runs}
mkdir -p "$RUNS"

case "${1:-}" in
  single|mt10|mt10-others|probes|sac)
    manyworld sweep "benchmarks/sweeps/onpolicy-$1.toml" --out "$RUNS/onpolicy-$1" "${@:2}" ;;
  speed)
    taskset -c "$CORE" python benchmarks/onpolicy_speed.py --algo mtppo --benchmark MT10 \
      --worlds-per-task 20 --hidden 256 256 --epochs 8 --out "$OUT/onpolicy/onpolicy_speed.json" ;;
  keep)
    # the sweeps' runs ($RUNS/<sweep>/runs/<run>) and any started by hand ($RUNS/<run>), flat
    for run in "$RUNS"/*/ "$RUNS"/*/runs/*/; do
      [ -f "$run/config.json" ] || continue
      dest="$KEPT/$(basename "$run")"
      mkdir -p "$dest"
      cp "$run/config.json" "$run/metrics.jsonl" "$dest/"
      rm -rf "$dest/evals" && cp -r "$run/evals" "$dest/evals"
    done ;;
  report)
    # run directories: the sweeps' ($RUNS/<sweep>/runs/<run>), or, where $RUNS holds no sweep,
    # kept ones and runs started by hand ($RUNS/<run>). The globs take both names where they
    # differ: *-mt10-* by hand, *-MT10-* in a sweep; the probes' setting after the task by hand.
    R=$RUNS
    if compgen -G "$RUNS/*/runs/*/config.json" > /dev/null; then R="$RUNS/*/runs"; fi
    # groups whose runs exist, as LABEL=GLOB (one run directory per seed)
    present() { for g in "$@"; do compgen -G "$R/${g#*=}" > /dev/null && echo "${g%%=*}=$R/${g#*=}"; done; true; }
    mapfile -t single < <(present "PPO, reach=ppo-reach-s?" "PPO, drawer-close=ppo-drawer-close-s?" \
      "PPO, window-open=ppo-window-open-s?" "PPO, button-press-topdown=ppo-button-press-topdown-s?" \
      "PPO, push=ppo-push-s?" "PPO, push, entropy 1e-3 + std 0.6=ppo-*ent1e-3-std06*-s?" \
      "SAC preset, reach=sac-reach-s?" "SAC preset, drawer-close=sac-drawer-close-s?" \
      "SAC preset, window-open=sac-window-open-s?" \
      "SAC preset, button-press-topdown=sac-button-press-topdown-s?")
    mapfile -t mt10 < <(present "MT-PPO, MT10 (44M steps)=mtppo-[Mm][Tt]10-s?" \
      "MT-PPO, MT10, entropy 1e-3 + std 0.6=mtppo-*ent1e-3-std06*-s?" \
      "MT-TRPO, MT10=mttrpo-[Mm][Tt]10-s?" "TE-PPO, MT10=teppo-[Mm][Tt]10-s?")
    python benchmarks/onpolicy_tables.py "${single[@]}" --out "$OUT/onpolicy/single_task.json" \
      > "$OUT/onpolicy/single_task.md"
    python benchmarks/onpolicy_tables.py "${mt10[@]}" --per-task \
      --out "$OUT/onpolicy/mt10.json" > "$OUT/onpolicy/mt10.md"
    # the curves of the tables' runs
    dirs() { for g in "$@"; do compgen -G "${g#*=}"; done; }
    mapfile -t single_dirs < <(dirs "${single[@]}")
    mapfile -t mt10_dirs < <(dirs "${mt10[@]}")
    manyworld curves "${single_dirs[@]}" --out "$OUT/onpolicy/single_task_curves"
    manyworld curves "${mt10_dirs[@]}" --out "$OUT/onpolicy/mt10_curves" ;;
  *)
    sed -n 2,29p "$0"; exit 2 ;;
esac
