"""The ``manyworld`` command: list, check, render, rollout, bench, demo, benchmark, eval, compare,
curves, train, dataset."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from manyworld.evaluation.results import write_json_atomic
from manyworld.fileio import check_can_create


def _tasks(names: list[str]) -> list[str]:
    from manyworld.tasks.base import tasks_of

    return tasks_of(names)


def _positive(flag: str, value: int) -> None:
    """Refuse a count flag below 1, naming the flag."""
    if value < 1:
        raise ValueError(f"{flag} must be a positive integer, got {value}")


def _check_out(path: str | Path | None, flag: str, example: str) -> None:
    """Refuse an output path that cannot be written, before the work it is to hold is done.

    Missing folders are fine (they are made when the file is written); a
    directory, a path through a file, or an unwritable folder is an error.
    """
    if path is None:
        return
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{flag} {path} is a directory; give a file name, e.g. {path / example}")
    check_can_create(path, f"{flag} {path}")


# ----------------------------------------------------------------- commands
def cmd_list(args) -> int:
    from manyworld.tasks.base import get_task

    names = _tasks(args.tasks)
    width = max(len(n) for n in names)
    for n in names:
        t = get_task(n)
        print(f"{n:<{width}}  {t.env_id():<{width + 14}}  {', '.join(t.tags)}")
    print(f"{len(names)} tasks")
    return 0


def cmd_check(args) -> int:
    from manyworld.quality import check_task

    _check_out(args.out, "--out", "check.json")
    names = _tasks(args.tasks)
    failed, results = [], []
    t0 = time.perf_counter()
    for k, name in enumerate(names, 1):
        report = check_task(name, num_variations=args.variations, seed=args.seed,
                            backend=args.backend, device=args.device)
        print(report.format(), flush=True)
        elapsed = time.perf_counter() - t0
        eta = elapsed / k * (len(names) - k)
        print(f"  -- {k}/{len(names)} tasks, {elapsed:.0f} s elapsed, ETA {eta:.0f} s", file=sys.stderr, flush=True)
        results.append({"task": name, "passed": report.passed, "metrics": report.metrics,
                        "checks": [c.__dict__ for c in report.checks], "seconds": report.seconds})
        if not report.passed:
            failed.append(name)
    if args.out:
        write_json_atomic(Path(args.out), results)
    print(f"\n{len(names) - len(failed)}/{len(names)} tasks passed" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def cmd_render(args) -> int:
    from manyworld.envs.batch_env import BatchEnv
    from manyworld.report.render import WorldRenderer, check_image_path, contact_sheet, save_image
    from manyworld.sim.scene import CAMERAS

    if args.camera not in CAMERAS:
        print(f"unknown camera {args.camera!r}; cameras: {', '.join(CAMERAS)}", file=sys.stderr)
        return 2
    for flag in ("width", "height", "columns"):
        _positive(f"--{flag}", getattr(args, flag))
    check_image_path(args.out)
    _check_out(args.out, "--out", "render.png")
    names = _tasks(args.tasks)
    images = []
    for name in names:
        env = BatchEnv(name, 1, seed=args.seed)
        env.reset()
        renderer = WorldRenderer(env.model, args.height, args.width)
        images.append(renderer.render(env.sim, 0, args.camera))
        renderer.close()
    image = images[0] if len(images) == 1 else contact_sheet(images, names, columns=args.columns)
    print(f"wrote {save_image(image, args.out)}")
    return 0


def cmd_rollout(args) -> int:
    from manyworld.envs.batch_env import BatchEnv
    from manyworld.report.render import WorldRenderer, check_video_path, save_video
    from manyworld.tasks.base import get_task

    for flag in ("width", "height", "frame_skip"):
        _positive("--" + flag.replace("_", "-"), getattr(args, flag))
    if args.video:
        check_video_path(args.video)
        _check_out(args.video, "--video", "rollout.gif")
    task = get_task(args.task)
    env = BatchEnv(task, 1, seed=args.seed, variations=args.split)
    rng = np.random.default_rng(args.seed)
    obs, _ = env.reset()
    renderer = WorldRenderer(env.model, args.height, args.width) if args.video else None
    frames = [renderer.render(env.sim, 0, args.camera)] if renderer else []
    total, success_at = 0.0, None
    for t in range(args.steps):
        if args.policy == "expert":
            action = task.expert(obs)
        else:
            action = rng.uniform(-1, 1, (1, 4))
        obs, reward, _terminated, truncated, info = env.step(action)
        total += float(reward[0])
        if info["success"][0] and success_at is None:
            success_at = t + 1
        if renderer and t % args.frame_skip == 0:
            frames.append(renderer.render(env.sim, 0, args.camera))
        if truncated[0] or (success_at and args.stop_on_success and t + 1 >= success_at + 20):
            break
    print(f"{task.name} ({args.policy}, variation {env.params_of(0).to_json()}): "
          f"return {total:.1f}, success {'at step ' + str(success_at) if success_at else 'no'}")
    if renderer:
        renderer.close()
        print(f"wrote {save_video(frames, args.video, fps=max(1, 80 // args.frame_skip))} ({len(frames)} frames)")
    return 0


def cmd_bench(args) -> int:
    from manyworld import bench

    # timing nothing gives no rate: a step count of 0 is a mistake, not a quick run
    _positive("--steps", args.steps)
    _positive("--repeats", args.repeats)
    if args.metaworld_python and shutil.which(args.metaworld_python) is None:
        raise ValueError(f"--metaworld-python {args.metaworld_python}: no such executable (give the "
                         "python of a venv with metaworld==3.1.1)")
    _check_out(args.out, "--out", "speed.json")
    names = _tasks(args.tasks)
    worlds = tuple(int(x) for x in args.worlds.split(","))
    speeds = []
    print(f"machine: {bench.machine()}")
    print(f"{'task':<24}{'single':>9}" + "".join(f"{f'N={n}':>10}{'ceil':>9}{'%':>5}" for n in worlds)
          + f"{'reset ms/world':>16}")
    for name in names:
        s = bench.measure_task(name, worlds, steps=args.steps, repeats=args.repeats)
        speeds.append(s)
        row = f"{name:<24}{s.single_env:>9.0f}"
        row += "".join(f"{s.batch[n]:>10.0f}{s.ceiling[n]:>9.0f}{100 * s.ratio(n):>5.0f}" for n in worlds)
        print(row + f"{s.reset_ms_per_world:>16.3f}", flush=True)
    payload: dict = {"machine": bench.machine(), "tasks": bench.to_json(speeds)}
    if args.metaworld_python:
        mw = bench.metaworld_speed(args.metaworld_python, steps=args.steps, repeats=args.repeats)
        ours_1 = bench.mt10_vector_speed(names, 1, args.steps, args.repeats)
        ours_n = bench.mt10_vector_speed(names, max(worlds), args.steps, args.repeats)
        payload["metaworld"] = mw
        payload["comparison"] = {
            "metaworld_mt10_sync": mw["mt10_vector_sync_steps_per_s"],
            "manyworld_1_world_per_task": ours_1,
            f"manyworld_{max(worlds)}_worlds_per_task": ours_n,
            "ratio_1_world_per_task": ours_1 / mw["mt10_vector_sync_steps_per_s"],
            f"ratio_{max(worlds)}_worlds_per_task": ours_n / mw["mt10_vector_sync_steps_per_s"],
        }
        print(json.dumps(payload["comparison"], indent=2))
    if args.out:
        write_json_atomic(Path(args.out), payload)
        print(f"wrote {args.out}")
    return 0


def cmd_demo(args) -> int:
    """Show the suite working: list, gate a few tasks, render a contact sheet and an expert video."""
    out = Path(args.out)
    print("== tasks ==")
    cmd_list(argparse.Namespace(tasks=[]))
    print("\n== quality gate (10 variations per split) ==")
    rc = cmd_check(argparse.Namespace(tasks=args.tasks, variations=10, seed=0, out=str(out / "check.json"),
                                      backend="mujoco", device=None))
    print("\n== renders ==")
    try:
        cmd_render(argparse.Namespace(tasks=[], camera="corner", out=str(out / "tasks.png"), seed=0,
                                      width=320, height=240, columns=5))
        cmd_rollout(argparse.Namespace(task=(args.tasks or ["push"])[-1], policy="expert", seed=0,
                                       split="test", steps=500, video=str(out / "expert.gif"), camera="corner",
                                       width=320, height=240, frame_skip=4, stop_on_success=True))
    except Exception as err:  # noqa: BLE001  (no GL backend raises varied types; the rest of the demo still stands)
        print(f"rendering unavailable ({type(err).__name__}: {err}); install libosmesa6 and set "
              "MUJOCO_GL=osmesa, or use MUJOCO_GL=egl")
    print("\n== speed: push, 50 worlds vs the physics-only ceiling ==")
    cmd_bench(argparse.Namespace(tasks=["push"], worlds="50", steps=500, repeats=1, metaworld_python=None,
                                 out=None))
    print(f"\noutputs in {out}/")
    return rc


# ----------------------------------------------------------------- benchmarks and evaluation
_FIXED_BENCHMARKS = ("MT10", "MT25", "MT50", "ML10", "ML25", "ML45", "CW10", "CW20")


def cmd_benchmark(args) -> int:
    """``benchmark list`` / ``benchmark show NAME``: definitions, splits, variation hashes."""
    from manyworld.benchmarks import get_benchmark

    if args.action == "list":
        for name in _FIXED_BENCHMARKS:
            b = get_benchmark(name)
            missing = b.missing_tasks()
            state = "ready" if not missing else f"{len(missing)} task(s) not registered yet"
            sizes = f"{len(b.train_tasks)} train" + (f" + {len(b.test_tasks)} test" if b.test_tasks else "")
            if b.kind == "CW":
                sizes = f"{len(b.sequence)} stages"
            print(f"{name:<6} {b.kind}  {sizes:<18} {state}")
        print("also: MT1(<task>), ML1(<task>), custom(<task>,<task>,...); `manyworld benchmark show NAME`")
        return 0
    if not args.name:
        print("error: `manyworld benchmark show` needs a benchmark name, e.g. MT10 or MT1(reach)",
              file=sys.stderr)
        return 2
    _check_out(args.json, "--json", "benchmark.json")
    bench = get_benchmark(args.name, variation_seed=args.variation_seed)
    print(bench.describe())
    if args.json and not bench.missing_tasks():
        from manyworld.evaluation.results import write_json_atomic

        write_json_atomic(args.json, bench.identity())
        print(f"wrote {args.json}")
    return 0


def cmd_eval(args) -> int:
    """Evaluate an agent on a benchmark with its protocol and write a result file."""
    from manyworld.benchmarks import get_benchmark
    from manyworld.evaluation import (
        ContinualEvaluation,
        CWProtocol,
        MLProtocol,
        MTProtocol,
        evaluate_metalearning,
        evaluate_multitask,
        load_agent,
        write_csv,
        write_result,
    )

    if args.variations is not None:
        _positive("--variations", args.variations)
    _check_out(args.out, "--out", "result.json")
    _check_out(args.csv, "--csv", "episodes.csv")
    bench = get_benchmark(args.benchmark, variation_seed=args.variation_seed)
    bench.require_tasks()
    agent = load_agent(args.agent, seed=args.seed, meta=bench.kind == "ML")
    goal_visible = args.goal_visible
    if bench.kind == "ML" and goal_visible is None and getattr(agent, "requires_goal", False):
        goal_visible = True
        print(f"note: agent {args.agent} reads the goal, so {bench.name} runs with the goal visible; the "
              "result's protocol records it and compares only with goal-visible runs", file=sys.stderr)
    stream = None if args.quiet else sys.stderr
    common = {"horizon": args.horizon, "terminate_on_success": not args.no_terminate_on_success}
    variations = 50 if args.variations is None else args.variations  # MT/CW; 0 is refused
    one_hot = False if args.no_one_hot else None
    if bench.kind == "ML":
        if not hasattr(agent, "adapt") or not hasattr(agent, "init"):
            raise ValueError(f"agent {args.agent} is not a meta-agent (init/adapt); ML benchmarks need one")
        protocol = MLProtocol(**common, adaptation_steps=args.adaptation_steps,
                              adaptation_episodes=args.adaptation_episodes,
                              evaluation_episodes=args.evaluation_episodes, test_variations=args.variations,
                              goal_visible=goal_visible, meta_batch_size=args.meta_batch_size)
        result = evaluate_metalearning(agent, bench, protocol, seed=args.seed, env_steps_trained=args.env_steps,
                                       label=args.label, progress=stream)
    elif bench.kind == "CW":
        # a fixed agent, scored after every stage: the harness's scripted run
        cw = ContinualEvaluation(bench, CWProtocol(**common, variations_per_task=variations,
                                                   episodes_per_variation=args.episodes, one_hot=one_hot,
                                                   goal_visible=goal_visible), seed=args.seed, progress=stream)
        for stage in range(len(bench.sequence)):
            cw.evaluate_stage(stage, agent)
        result = cw.result(agent, env_steps_trained=args.env_steps, label=args.label)
        cw.close()
    else:
        protocol = MTProtocol(**common, episodes_per_variation=args.episodes,
                              variations_per_task=variations, one_hot=one_hot,
                              goal_visible=goal_visible)
        result = evaluate_multitask(agent, bench, protocol, seed=args.seed, env_steps_trained=args.env_steps,
                                    label=args.label, progress=stream)
    _print_result(result)
    if args.out:
        write_result(args.out, result)
        print(f"wrote {args.out}")
    if args.csv:
        write_csv(args.csv, result)
        print(f"wrote {args.csv}")
    return 0


def _print_result(result: dict) -> None:
    p, timing = result["protocol"], result["timing"]
    print(f"{result['benchmark']['name']} (hash {result['benchmark']['hash']}), {p['kind']} protocol, agent "
          f"{result['agent'].get('label') or result['agent']['name']}, seed {result['seed']}")
    print(f"  horizon {p['horizon']}, terminate-on-success {p['terminate_on_success']}, goal "
          f"{'visible' if p['goal_visible'] else 'hidden'}, one-hot {p['one_hot']}")
    width = max(len(t) for t in result["per_task"])
    for task, v in result["per_task"].items():
        print(f"  {task:<{width}}  {100 * v['success_rate']:6.1f}%  ({v['episodes']} episodes)")
    agg = result["aggregate"]
    print(f"  mean success {100 * agg['success_rate']:.1f}% over {agg['tasks']} tasks, {agg['pairs']} "
          f"(task, variation) pairs; final success, not max over training")
    if "continual" in result:
        m = result["continual"]["metrics"]
        print(f"  continual: average performance {m['average_performance']:.3f}, forgetting "
              f"{m['forgetting']:.3f}, forward transfer {m['forward_transfer']}")
    print(f"  {timing.get('seconds', 0):.1f} s, {timing.get('world_steps', 0):,} world-steps recorded "
          f"({timing.get('steps_per_second', 0):,.0f}/s)")


def cmd_compare(args) -> int:
    """Compare result files (refusing mismatched protocols) and print a table with CIs."""
    from manyworld.evaluation.compare import compare, format_table

    _check_out(args.json, "--json", "comparison.json")
    summary = compare(args.results, reps=args.reps, confidence=args.confidence, seed=args.seed)
    print(format_table(summary))
    if args.json:
        from manyworld.evaluation.results import write_json_atomic

        write_json_atomic(args.json, summary)
        print(f"wrote {args.json}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``manyworld`` command."""
    p = argparse.ArgumentParser(prog="manyworld", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("list", help="list tasks with their ids and tags")
    s.add_argument("tasks", nargs="*", help="task names or a tag (MT10, ...); default: all")
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("check", help="run the quality gate on tasks (non-zero exit on failure)")
    s.add_argument("tasks", nargs="*", help="task names, a tag, or 'all' (default)")
    s.add_argument("--variations", type=int, default=50, help="train and test variations to check (1-50)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", help="also write the reports as JSON")
    s.add_argument("--backend", choices=["mujoco", "warp"], default="mujoco",
                   help="simulator: mujoco (the benchmark's physics) or warp (MuJoCo Warp, float32)")
    s.add_argument("--device", help="the warp back-end's device (cpu, cuda:0; default: Warp's)")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("render", help="render tasks offscreen to a PNG (a contact sheet for several)")
    s.add_argument("tasks", nargs="*", help="task names, a tag or 'all'")
    s.add_argument("--camera", default="corner", help="corner, topview, front, side or gripper")
    s.add_argument("--out", default="render.png")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--width", type=int, default=480)
    s.add_argument("--height", type=int, default=480)
    s.add_argument("--columns", type=int, default=5)
    s.set_defaults(func=cmd_render)

    s = sub.add_parser("rollout", help="run one episode with the expert or a random policy")
    s.add_argument("task")
    s.add_argument("--policy", choices=["expert", "random"], default="expert")
    s.add_argument("--split", choices=["train", "test", "random"], default="train")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--steps", type=int, default=500)
    s.add_argument("--video", help="write a .gif or .mp4")
    s.add_argument("--camera", default="corner")
    s.add_argument("--width", type=int, default=320)
    s.add_argument("--height", type=int, default=240)
    s.add_argument("--frame-skip", type=int, default=2, help="render every k-th step")
    s.add_argument("--stop-on-success", action="store_true", help="end 20 steps after the first success")
    s.set_defaults(func=cmd_rollout)

    s = sub.add_parser("bench", help="measure env steps/s against the physics-only ceiling")
    s.add_argument("tasks", nargs="*", default=["MT10"])
    s.add_argument("--worlds", default="1,10,50", help="comma-separated N values")
    s.add_argument("--steps", type=int, default=500)
    s.add_argument("--repeats", type=int, default=3)
    s.add_argument("--metaworld-python", help="python of a venv with metaworld==3.1.1, for the side-by-side run")
    s.add_argument("--out", help="write the figures as JSON")
    s.set_defaults(func=cmd_bench)

    s = sub.add_parser("demo", help="show the suite working: tasks, gate, renders, an expert video")
    s.add_argument("tasks", nargs="*", default=["reach", "push"])
    s.add_argument("--out", default="out/demo")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("benchmark", help="list benchmarks or show one's tasks, splits and variation hashes")
    s.add_argument("action", choices=["list", "show"])
    s.add_argument("name", nargs="?", help="MT10, ML45, CW20, MT1(reach), ML1(push), custom(a,b,...)")
    s.add_argument("--variation-seed", type=int, default=0, help="seed of the published variation sets")
    s.add_argument("--json", help="also write the identity (with hashes) as JSON")
    s.set_defaults(func=cmd_benchmark)

    s = sub.add_parser("eval", help="evaluate an agent on a benchmark's protocol and write a result file")
    s.add_argument("--benchmark", required=True, help="MT10, MT50, ML10, ML45, CW10, MT1(reach), ...")
    s.add_argument("--agent", default="expert",
                   help="expert, random, package.module:factory, or a checkpoint dir holding agent.json")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", help="result JSON path")
    s.add_argument("--csv", help="also write one CSV row per episode")
    s.add_argument("--label", help="agent name in comparisons (default: the agent's name)")
    s.add_argument("--env-steps", type=int, help="env steps the agent trained for (recorded)")
    s.add_argument("--variation-seed", type=int, default=0)
    s.add_argument("--horizon", type=int, default=500, help="maximum episode length")
    s.add_argument("--no-terminate-on-success", action="store_true", help="run episodes to the horizon")
    s.add_argument("--episodes", type=int, default=1, help="MT/CW: episodes per (task, variation)")
    s.add_argument("--variations", type=int,
                   help="MT/CW: training variations per task (default 50); ML: test variations per task (40)")
    s.add_argument("--adaptation-steps", type=int, default=1, help="ML: rounds of adaptation")
    s.add_argument("--adaptation-episodes", type=int, default=10, help="ML: episodes per adaptation round")
    s.add_argument("--evaluation-episodes", type=int, default=3, help="ML: scored episodes per pair")
    s.add_argument("--meta-batch-size", type=int, help="ML: pairs evaluated at once (default: all)")
    s.add_argument("--goal-visible", action="store_true", default=None,
                   help="show the goal (ML hides it; recorded in the protocol)")
    s.add_argument("--no-one-hot", action="store_true", help="MT/CW: no one-hot task id in observations")
    s.add_argument("--quiet", action="store_true", help="no progress line")
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("compare", help="compare result files (same protocol only) with bootstrap CIs")
    s.add_argument("results", nargs="+", help="result JSON files; files of one agent are its seeds")
    s.add_argument("--reps", type=int, default=10_000, help="bootstrap replicates")
    s.add_argument("--confidence", type=float, default=0.95)
    s.add_argument("--seed", type=int, default=0, help="seed of the bootstrap")
    s.add_argument("--json", help="also write the comparison as JSON")
    s.set_defaults(func=cmd_compare)

    s = sub.add_parser("curves", help="learning curves and summaries (to a threshold) of training runs")
    s.add_argument("runs", nargs="+", help="run directories (`manyworld train`); seeds of one "
                   "algorithm and benchmark are grouped")
    s.add_argument("--out", required=True, help="output directory: summary.json/.csv and PNG plots")
    s.add_argument("--threshold", type=float, default=0.9,
                   help="success rate whose first crossing is reported (default: 0.9)")
    s.add_argument("--no-plots", action="store_true", help="summaries only (no matplotlib needed)")
    s.set_defaults(func=cmd_curves)

    s = sub.add_parser("report", help="one results page (HTML, Markdown, JSON, figures) of runs, "
                       "sweeps and CW result files")
    s.add_argument("inputs", nargs="+", metavar="RUN_OR_SWEEP_DIR",
                   help="run directories, folders holding them (a sweep directory) or CW result files")
    s.add_argument("--out", required=True, help="output folder (replaced whole: new, empty or a "
                   "previous report's): index.html, report.md, report.json and the figures")
    s.add_argument("--title", help="the page's title (default: the benchmarks reported)")
    s.add_argument("--no-video", action="store_true", help="no GIF of the best policy")
    s.add_argument("--include-unfinished", action="store_true",
                   help="also report runs whose newest evaluation precedes the end of their budget")
    s.set_defaults(func=cmd_report)

    # parsed by manyworld.train.cli (its flags come from the config dataclasses; needs [learn])
    s = sub.add_parser("dataset", add_help=False,
                       help="offline datasets in Minari's format: collect, from-run (a run's "
                            "replay), list, show (`manyworld dataset --help`)")
    s.set_defaults(func=cmd_dataset)
    s = sub.add_parser("sweep", add_help=False,
                       help="many training runs from one spec, on Ray; `sweep status DIR` "
                            "(`manyworld sweep --help`)")
    s.set_defaults(func=cmd_sweep)
    s = sub.add_parser("train", add_help=False,
                       help="train sac / mtsac / mtmhsac (see `manyworld train --help`)")
    s.add_argument("train_args", nargs=argparse.REMAINDER)
    s.set_defaults(func=cmd_train)
    return p


def cmd_curves(args) -> int:
    """Summaries and plots of training runs (see ``manyworld.report.curves``)."""
    from manyworld.report.curves import report_runs

    out = report_runs(args.runs, args.out, threshold=args.threshold, plots=not args.no_plots)
    for g in out["groups"]:
        walls = ", ".join("-" if w is None else f"{w / 60:.1f}" for w in g["wall_s_to_threshold"])
        mean, low = (
            "-" if v is None else f"{v:.2f}"
            for v in (g["final_eval_success_mean"], g["final_eval_success_min"])
        )
        print(
            f"{g['algo']:8s} {g['benchmark']:24s} [{g['label'] or 'config ' + g['config_id']}] "
            f"seeds {len(g['seeds'])}  "
            f"final success "
            f"mean {mean} min {low}  "
            f"reached {g['threshold']:.2f}: {g['seeds_reaching']}/{len(g['seeds'])} "
            f"(minutes: {walls})"
        )
    for f in out["files"]:
        print(f"wrote {f}")
    return 0


def cmd_report(args) -> int:
    """A results page of training runs, sweeps and CW result files (``manyworld.report.page``)."""
    from manyworld.report.page import build_report

    report = build_report(args.inputs, args.out, title=args.title, video=not args.no_video,
                          include_unfinished=args.include_unfinished)
    for s in report["sets"]:
        for g in s["groups"]:
            iqm = g["iqm"]
            print(f"{g['benchmark']:24s} {g['name']:28s} seeds {g['n_seeds']}  final success IQM "
                  f"{iqm['point']:.3f} [{iqm['low']:.3f}, {iqm['high']:.3f}]")
    if report["kept_apart"]:
        print(f"{len(report['kept_apart'])} set(s) kept apart (different protocols or benchmark "
              "identities); see the page")
    print(f"wrote {Path(report['out']) / 'index.html'}")
    return 0


def cmd_train(args) -> int:
    """Delegate to ``manyworld.train.cli`` (imports JAX only when training)."""
    try:
        from manyworld.train.cli import main as train_main
    except ImportError as err:
        raise ValueError(f"training needs the learn extra: pip install -e '.[learn]' ({err})") from err
    return train_main(list(args.train_args))


def cmd_dataset(args) -> int:
    """Delegate to ``manyworld.datasets.cli`` (imports Minari only for datasets)."""
    from manyworld.datasets.cli import main as dataset_main

    return dataset_main(list(args.dataset_args), prog="manyworld dataset")


def cmd_sweep(args) -> int:
    """Delegate to ``manyworld.sweep.cli`` (imports Ray only to run a sweep)."""
    from manyworld.sweep.cli import main as sweep_main

    return sweep_main(list(args.sweep_args))


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``manyworld`` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["train"]:  # its own parser: every flag and --help come from the configs
        args = argparse.Namespace(func=cmd_train, train_args=argv[1:])
    elif argv[:1] == ["dataset"]:  # its own parser, with subcommands
        args = argparse.Namespace(func=cmd_dataset, dataset_args=argv[1:])
    elif argv[:1] == ["sweep"]:  # its own parser: `sweep SPEC` and `sweep status DIR`
        args = argparse.Namespace(func=cmd_sweep, sweep_args=argv[1:])
    else:
        args = build_parser().parse_args(argv)
    try:
        import manyworld  # noqa: F401  (sets the GL backend, registers tasks)

        return int(args.func(args) or 0)
    except BrokenPipeError:  # the reader went away (`manyworld ... | head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyError as err:  # unknown task names carry their suggestions
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 2
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
