"""Markdown tables for BENCHMARKS.md from the JSON files the benchmark commands write.

    python benchmarks/make_tables.py speed benchmarks/results/mt10_speed.json
    python benchmarks/make_tables.py speed50 benchmarks/results/all_speed.json
    python benchmarks/make_tables.py gate benchmarks/results/check_all.json
    python benchmarks/make_tables.py learning benchmarks/results/learning/single_task/summary.json
    python benchmarks/make_tables.py learning_tasks benchmarks/results/learning/mt10/summary.json
    python benchmarks/make_tables.py update_speed benchmarks/results/learning/update_speed.json
    python benchmarks/make_tables.py full_protocol benchmarks/results/learning/mt10_full_protocol

The tables are generated, never typed, so that every figure in BENCHMARKS.md is
one a command measured.
"""

import json
import sys


def _load(path: str):
    with open(path) as f:
        return json.load(f)


def _lines(path: str) -> list[str]:
    with open(path) as f:
        return f.read().splitlines()


def speed(path: str) -> None:
    data = _load(path)
    tasks = data["tasks"]
    ns = list(tasks[0]["batch"])
    mw = data.get("metaworld", {}).get("single_env_steps_per_s", {})
    head = "| task | Meta-World single | ours single |" + "".join(f" N={n} | ceiling | % |" for n in ns)
    print(head + " reset ms/world |")
    print("|---" * (3 + 3 * len(ns) + 1) + "|")
    for t in tasks:
        mw_single = mw.get(f"{t['task']}-v3")
        row = f"| {t['task']} | {mw_single:,.0f} |" if mw_single else f"| {t['task']} | - |"
        row += f" {t['single_env']:,.0f} |"
        for n in ns:
            row += f" {t['batch'][n]:,.0f} | {t['ceiling'][n]:,.0f} | {100 * t['ratio'][n]:.0f} |"
        print(row + f" {t['reset_ms_per_world']:.3f} |")
    if "comparison" in data:
        c = data["comparison"]
        print()
        print("| MT10, env-steps/s (10 tasks stepped in turn, random actions, resets included) | value |")
        print("|---|---|")
        for k, v in c.items():
            print(f"| {k} | {v:,.2f} |" if "ratio" in k else f"| {k} | {v:,.0f} |")


def speed50(path: str) -> None:
    data = _load(path)
    print("| task | N=50 env-steps/s | physics-only ceiling | % of ceiling | reset ms/world |")
    print("|---|---|---|---|---|")
    for t in sorted(data["tasks"], key=lambda t: t["task"]):
        n = list(t["batch"])[-1]
        print(f"| {t['task']} | {t['batch'][n]:,.0f} | {t['ceiling'][n]:,.0f} | {100 * t['ratio'][n]:.0f} |"
              f" {t['reset_ms_per_world']:.3f} |")
    ratios = [list(t["ratio"].values())[-1] for t in data["tasks"]]
    print(f"\nminimum share of the ceiling: {100 * min(ratios):.0f}% over {len(ratios)} tasks")


def gate(path: str) -> None:
    rows = _load(path)
    print("| task | gate | expert train | median steps | expert test | median steps "
          "| random (95% upper bound) | idle | fastest object (m/s) | easier sibling's expert "
          "| held short of success: return / expert's (max) | reward held (median) | best reward without success |")
    print("|---" * 13 + "|")
    for r in sorted(rows, key=lambda r: r["task"]):
        m = r["metrics"]
        bound = m.get("random_success_upper_bound")
        random = f"{m['random_success']:.3f}" + ("" if bound is None else f" ({bound:.3f})")
        print(f"| {r['task']} | {'PASS' if r['passed'] else 'FAIL'} | {m['expert_train_success']:.2f} |"
              f" {m['expert_train_median_steps']:.0f} | {m['expert_test_success']:.2f} |"
              f" {m['expert_test_median_steps']:.0f} | {random} | {m['idle_success']:.2f} |"
              f" {_num(m.get('max_object_speed'), '.2f')} | {_num(m.get('sibling_expert_success'), '.2f')} |"
              f" {_num(m.get('stall_return_ratio_max'), '.2f')} | {_num(m.get('stall_reward_median'), '.2f')} |"
              f" {_num(m.get('reward_max_unsolved'), '.2f')} |")


def _num(x, fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


def learning(path: str) -> None:
    """Per group of seeds (`manyworld curves` summary.json): success and time to the threshold.

    Groups of one task with different settings get a column naming what differs.
    """
    groups = _load(path)["groups"]
    labelled = any(g.get("label") for g in groups)
    print("| algorithm | benchmark |" + (" setting |" if labelled else "") + " seeds | env steps / run "
          "| final success (per seed) | mean of the last 3 evaluations (per seed) | seeds at 0.9 "
          "| env steps to 0.9 (per seed) | wall-clock to 0.9, min (per seed) "
          "| same without evaluations, min | env steps/s (median) |")
    print("|---" * (12 if labelled else 11) + "|")
    for g in groups:
        runs = g["runs"]
        finals = " / ".join(_num(r["final_eval_success"], ".2f") for r in runs)
        last3 = " / ".join(_num(r["last3_eval_success"], ".2f") for r in runs)
        steps = " / ".join(_num(r["env_steps_to_threshold"] and r["env_steps_to_threshold"] / 1000, ".0f") + ("k" if r["env_steps_to_threshold"] else "") for r in runs)
        walls = " / ".join(_num(r["wall_s_to_threshold"] and r["wall_s_to_threshold"] / 60, ".1f") for r in runs)
        train_walls = " / ".join(_num(r["train_wall_s_to_threshold"] and r["train_wall_s_to_threshold"] / 60, ".1f") for r in runs)
        rate = _num(sorted(r["median_env_steps_per_s"] or 0 for r in runs)[len(runs) // 2], ",.0f")
        setting = f" {g.get('label') or '-'} |" if labelled else ""
        print(f"| {g['algo']} | {g['benchmark']} |{setting} {len(runs)} | {runs[0]['env_steps']:,} | {finals} "
              f"| {last3} | {g['seeds_reaching']}/{len(runs)} | {steps} | {walls} | {train_walls} | {rate} |")


def learning_tasks(path: str) -> None:
    """Final per-task success of multi-task runs (`manyworld curves` summary.json)."""
    groups = _load(path)["groups"]
    runs = [r for g in groups for r in g["runs"]]
    tasks = list(runs[0]["final_task_success"])
    print("| task | " + " | ".join(f"{r['algo']} seed {r['seed']}" for r in runs) + " |")
    print("|---" * (len(runs) + 1) + "|")
    for t in tasks:
        print(f"| {t} | " + " | ".join(f"{r['final_task_success'].get(t, float('nan')):.2f}" for r in runs) + " |")
    print("| **mean** | " + " | ".join(f"**{r['final_eval_success']:.2f}**" for r in runs) + " |")


def update_speed(path: str) -> None:
    """benchmarks/update_speed.py output."""
    data = _load(path)
    print(f"| networks ({data['backend']}, {data['updates_per_call']} updates per compiled call, "
          f"median of {data['repeats']} calls) | batch | ms per update |")
    print("|---|---:|---:|")
    for r in data["rows"]:
        print(f"| {r['config']} | {r['batch_size']:,} | {r['ms_per_update']:.1f} |")


def full_protocol(directory: str) -> None:
    """Throughput of short runs with the published MT10 configs (rows where updates ran)."""
    import csv
    import glob
    import os
    import statistics

    print("| algorithm | env steps/s (median) | updates/s (median) | hours for 20M env steps |")
    print("|---|---:|---:|---:|")
    for path in sorted(glob.glob(os.path.join(directory, "*-metrics.csv"))):
        rows = [r for r in csv.DictReader(_lines(path)) if float(r["updates_per_s"]) > 1]
        rows = rows[:-1]  # the last row includes the final evaluation
        steps = statistics.median(float(r["env_steps_per_s"]) for r in rows)
        updates = statistics.median(float(r["updates_per_s"]) for r in rows)
        algo = os.path.basename(path).split("-")[0]
        print(f"| {algo} | {steps:.0f} | {updates:.1f} | {20e6 / steps / 3600:.0f} |")


if __name__ == "__main__":
    tables = {"speed": speed, "speed50": speed50, "gate": gate, "learning": learning,
              "learning_tasks": learning_tasks, "update_speed": update_speed,
              "full_protocol": full_protocol}
    tables[sys.argv[1]](sys.argv[2])
