"""Markdown table of ``onpolicy_speed.json`` (benchmarks/onpolicy_speed.py): where an on-policy
iteration's time goes. ``python benchmarks/speed_table.py FILE > table.md``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

d = json.loads(Path(sys.argv[1]).read_text())
med, share = d["median_seconds"], d["share"]
print("| measured | value |")
print("|---|---|")
print(f"| setup | {d['algo']} on {d['benchmark']}, {d['worlds']} worlds x {d['rollout_steps']} steps, "
      f"hidden {d['hidden']}, {d['epochs']} epochs |")
print(f"| env alone (collector, random actions) | {d['env_alone_steps_per_s']:,.0f} env steps/s |")
print(f"| collection with the policy | {d['collection_steps_per_s']:,.0f} env steps/s "
      f"({d['collection_steps_per_s'] / d['env_alone_steps_per_s']:.2f} x the env alone) |")
print(f"| whole iteration (collection + update) | {d['iteration_steps_per_s']:,.0f} env steps/s |")
print(f"| iteration, median seconds | {med['wall_s']:.1f} s: policy {med['time_policy_s']:.1f} s "
      f"({share['policy']:.0%}), env {med['time_env_s']:.1f} s ({share['env']:.0%}), update "
      f"{med['time_update_s']:.1f} s ({share['update']:.0%}) |")
