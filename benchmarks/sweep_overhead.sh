#!/usr/bin/env bash
# Ray's overhead on this machine: the same runs started by hand (two at a time, each pinned to
# one core with taskset, as benchmarks/run_learning.sh did before its cases became sweeps)
# and as a sweep (`manyworld sweep` on a local Ray instance), one after the other; then per-run metrics compared (bit-identical
# apart from wall-clock columns?) and wall-clock side by side.
#
#   bash benchmarks/sweep_overhead.sh            # ~30 min on 2 cores
#
# The sweep's runs go where the full single-task sweep keeps them (runs/sweeps/sac-single-task),
# so `manyworld sweep examples/sweeps/sac-single-task.toml` afterwards only runs the rest.
set -euo pipefail
SPEC=${SPEC:-benchmarks/sweeps/sac-overhead.toml}
HAND=${HAND:-runs/sweep-overhead/hand}
SWEEP=${SWEEP:-runs/sweeps/sac-single-task}
OUT=${OUT:-benchmarks/results/sweep_overhead}
mkdir -p "$HAND" "$OUT"

# the sweep's own `manyworld train` commands, pointed at $HAND
mapfile -t cmds < <(manyworld sweep "$SPEC" --dry-run --out "$HAND" | tail -n +2 | sed 's/^[^:]*: //')
t0=$(date +%s)
core=0
for cmd in "${cmds[@]}"; do
  taskset -c $core bash -c "$cmd --quiet" > /dev/null &
  core=$((1 - core))
  if [ $core = 0 ]; then wait; fi
done
wait
t1=$(date +%s)
manyworld sweep "$SPEC" --out "$SWEEP" --quiet
t2=$(date +%s)
python benchmarks/sweep_compare.py --hand "$HAND/runs" --sweep "$SWEEP" \
  --hand-wall $((t1 - t0)) --sweep-wall $((t2 - t1)) --out "$OUT"
