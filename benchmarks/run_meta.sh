#!/usr/bin/env bash
# Reproduces the meta-learning runs behind docs/meta-learning.md and BENCHMARKS.md section 8:
# each training case is a sweep spec that `manyworld sweep` runs on a local Ray instance, one
# core per run and as many runs at once as the machine has cores, scored by the ML protocol (10
# adaptation episodes, then 3 scored ones, per held-out (task, variation) pair); then tables and
# curves. The specs train exactly the runs of the taskset commands this script had before them,
# with the arguments the tables used (benchmarks/sweep_equivalence.py checks it).
#
#   bash benchmarks/run_meta.sh rl2-ml1   # RL² preset on ML1(reach), seeds 0-2, 4M (~1-1.5 h)
#   bash benchmarks/run_meta.sh ml1       # MAML (seed 0 6M, seeds 1-2 5M), Reptile (4M) and
#                                         # PEARL (1M) presets on ML1(reach) (~1.5 h)
#   bash benchmarks/run_meta.sh rl2-ml10  # RL² preset on ML10, seeds 0-2, 10M (not measured yet)
#   bash benchmarks/run_meta.sh ml1-v2    # MAML on ML1(reach) at the current task versions,
#                                         # seeds 0-2, 20 minutes each
#   bash benchmarks/run_meta.sh ml10      # all four on ML10, seeds 0-2, 3 hours each
#   bash benchmarks/run_meta.sh ml45      # MAML and RL² on ML45, seeds 0-2, 6 hours each
#   bash benchmarks/run_meta.sh probes    # the RL² update settings the preset was chosen over
#   bash benchmarks/run_meta.sh modes     # meta-test with the policy mean vs sampled actions
#   bash benchmarks/run_meta.sh keep      # copy configs, metrics and evaluations (no
#                                         # checkpoints) to $KEPT, where report reads them
#   bash benchmarks/run_meta.sh report    # IQM tables, meta-train vs meta-test gap, curves
#
# Training case CASE runs `manyworld sweep benchmarks/sweeps/meta-CASE.toml --out
# $RUNS/meta-CASE`; arguments after CASE go to it: `--dry-run` prints each run and the
# `manyworld train` command that trains it by hand (another task, seed or budget: edit a copy
# of the spec, or run such a command), `--num-cpus N` uses N cores. Rerun, a sweep skips
# finished runs and resumes interrupted ones (a spec's steps may grow between runs); `manyworld
# sweep status DIR` says where one stands. Sweeps go to $RUNS (default runs/meta); modes runs
# on core $CORE. Needs `pip install -e '.[learn,plot,sweep]'`.
set -euo pipefail
RUNS=${RUNS:-runs/meta}
# tables and curves; the current task versions' runs report into benchmarks/results/learning/meta-v2
OUT=${OUT:-benchmarks/results/learning/meta}
KEPT=${KEPT:-$OUT/runs}
CORE=${CORE:-0}
mkdir -p "$RUNS" "$OUT"

case "${1:-}" in
  rl2-ml1|ml1|rl2-ml10|probes|ml1-v2|ml10|ml45)
    manyworld sweep "benchmarks/sweeps/meta-$1.toml" --out "$RUNS/meta-$1" "${@:2}" ;;
  modes)
    # the second probe: the sweep's, else one started by hand under its earlier name
    probe="$RUNS/meta-probes/runs/rl2-probe2-reach-s0"
    if [ ! -d "$probe" ] && [ -d "$RUNS/rl2-reach-probe2-s0" ]; then probe="$RUNS/rl2-reach-probe2-s0"; fi
    taskset -c "$CORE" python benchmarks/meta_eval_modes.py "$probe" --variations 20 \
      --out "$OUT/rl2_eval_modes.json" ;;
  keep)
    # the sweeps' runs ($RUNS/<sweep>/runs/<run>) and any started by hand ($RUNS/<run>), flat
    for run in "$RUNS"/*/ "$RUNS"/*/runs/*/; do
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
    # run directories: the sweeps' ($RUNS/<sweep>/runs/<run>), or, where $RUNS holds no sweep,
    # kept ones and runs started by hand ($RUNS/<run>); the names are the same
    R=$RUNS
    if compgen -G "$RUNS/*/runs/*/config.json" > /dev/null; then R="$RUNS/*/runs"; fi
    args=()
    for g in "RL², ML1(reach)=rl2-ML1-reach-s?" "RL², ML1(push)=rl2-ML1-push-s?" \
             "RL², ML10=rl2-ML10-s?" "MAML, ML1(reach)=maml-ML1-reach-s?" \
             "PEARL, ML1(reach)=pearl-ML1-reach-s?" "Reptile, ML1(reach)=reptile-ML1-reach-s?" \
             "MAML, ML10=maml-ML10-s?" "PEARL, ML10=pearl-ML10-s?" "Reptile, ML10=reptile-ML10-s?" \
             "MAML, ML45=maml-ML45-s?" "RL², ML45=rl2-ML45-s?"; do
      label=${g%%=*}; pattern=${g#*=}
      if compgen -G "$R/$pattern" > /dev/null; then args+=("$label=$R/$pattern"); fi
    done
    python benchmarks/onpolicy_tables.py "${args[@]}" --out "$OUT/results.json" > "$OUT/results.md"
    # every ML run (the probes train on `task`, so their names hold no ML and stay out)
    python benchmarks/meta_gap.py $R/*-ML*-s? --out "$OUT/gap.json" > "$OUT/gap.md"
    manyworld curves $R/*-ML*-s? --out "$OUT/curves" ;;
  *)
    sed -n 2,25p "$0"; exit 2 ;;
esac
