"""A short GIF of a run's policy on a few of its tasks, rendered offscreen for the report.

The policy is the run's newest checkpoint, loaded as ``manyworld eval --agent RUN_DIR``
loads it (:func:`manyworld.train.harness.load_run_agent`), and it runs under the protocol
of the run's final evaluation (horizon, terminate-on-success, one-hot, goal visibility;
for a meta-learner, the ML protocol's adaptation episodes before the episode shown).
One world per task, side by side, on each task's first variation of the evaluated split.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from manyworld.report.collect import RunRecord

#: render one frame every this many env steps (the GIF keeps at most ``frames`` of them)
RENDER_EVERY = 4
#: frames that repeat the last one, so that the end of the episode can be seen
HOLD_FRAMES = 6


class NotRenderable(ValueError):
    """A run whose policy cannot be shown; the message says why (the page prints it).

    ``reason`` is the short kind of reason, for a summary over many runs.
    """

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def check_renderable(run: RunRecord) -> None:
    """Refuse, before any slow work, a run with no checkpoint or trained on task versions that
    are not the installed ones (the policy would be shown on tasks it never saw)."""
    from manyworld.benchmarks import get_benchmark

    if not any((run.run_dir / "checkpoints").glob("step_*")):
        raise NotRenderable(f"{run.run_dir} keeps no checkpoint", "keeps no checkpoint")
    try:
        installed = get_benchmark(run.curves.benchmark).identity()
    except KeyError as err:  # MissingTasksError: a task not registered in this install
        raise NotRenderable(f"{run.curves.benchmark}: {err.args[0]}", "tasks not installed") from err
    versions = {t["task"]: t["version"] for t in installed["tasks"]}
    trained = run.comparison["trained_task_versions"]
    changed = sorted(t for t in trained if t in versions and trained[t] != versions[t])
    if changed:
        pairs = ", ".join(f"{t} v{trained[t]} (installed v{versions[t]})" for t in changed[:3])
        raise NotRenderable(f"{run.run_dir} trained on other task versions: {pairs}",
                            "trained on other task versions than the installed ones")


def pick_tasks(run: RunRecord, most: int = 3) -> list[str]:
    """Up to ``most`` tasks of the run's final evaluation, best final success first (ties in
    the benchmark's order)."""
    per_task = run.final["per_task"]
    order = list(per_task)
    return sorted(order, key=lambda t: (-per_task[t]["success_rate"], order.index(t)))[:most]


def render_policy_gif(
    run: RunRecord,
    path: Path,
    *,
    tasks: list[str],
    size: int = 96,
    frames: int = 50,
    fps: int = 10,
    progress: TextIO | None = sys.stderr,
) -> dict[str, Any]:
    """Roll the run's policy out on ``tasks`` (one world each) and write a GIF, worlds side by side.

    Returns:
        ``{"tasks", "success" (per task, in the episode shown), "frames", "size"}``.

    Raises:
        NotRenderable: no checkpoint, other task versions (:func:`check_renderable`).
        Exception: whatever the GL backend raises when offscreen rendering is unavailable.
    """
    from manyworld.benchmarks import get_benchmark, make_env
    from manyworld.benchmarks.sampling import all_pairs
    from manyworld.envs.rollout import run_episodes
    from manyworld.evaluation.metalearning import stack_rollouts
    from manyworld.report.render import WorldRenderer, save_video
    from manyworld.train.harness import load_run_agent

    check_renderable(run)
    say = (lambda line: print(f"report: {line}", file=progress, flush=True)) if progress else (
        lambda line: None)  # fmt: skip
    say(f"loading the policy of {run.run_dir}")
    agent = load_run_agent(str(run.run_dir))
    bench = get_benchmark(run.curves.benchmark)
    protocol = run.final["protocol"]
    meta = bench.kind == "ML"
    split = "test" if meta else protocol.get("split", "train")
    env = make_env(
        bench,
        split="test" if meta else "train",
        seed=run.seed,
        max_episode_steps=int(protocol["horizon"]),
        terminate_on_success=bool(protocol["terminate_on_success"]),
        one_hot=bool(protocol["one_hot"]),
        goal_visible=bool(protocol["goal_visible"]),
        rl2=meta and bool(getattr(agent, "rl2_observation", False)),
        episode_statistics=False,
    )
    renderers: dict[int, WorldRenderer] = {}
    try:
        env.set_tasks(all_pairs(bench, split, 1, tasks=tuple(tasks)))
        if hasattr(agent, "set_world_tasks"):
            agent.set_world_tasks(list(tasks))
        if meta:  # the episode shown is the one the ML protocol scores: after adaptation
            agent.init()
            for _ in range(int(protocol.get("adaptation_steps", 1))):
                say(f"adapting the policy ({protocol.get('adaptation_episodes', 10)} episodes)")
                episodes = [run_episodes(env, agent, record=True)
                            for _ in range(int(protocol.get("adaptation_episodes", 10)))]  # fmt: skip
                agent.adapt(stack_rollouts(episodes, tuple(tasks)))
        base = env.unwrapped
        shown: list[np.ndarray | None] = [None] * len(tasks)
        captured: list[np.ndarray] = []

        def snapshot(active: np.ndarray) -> None:
            for w in range(len(tasks)):
                # a finished world keeps its last frame: it is no longer simulated for it
                if active[w] or shown[w] is None:
                    batch, local = base.world(w)
                    if id(batch) not in renderers:
                        renderers[id(batch)] = WorldRenderer(batch.model, size, size, thumbnail=True)
                    shown[w] = renderers[id(batch)].render(batch.sim, local, "corner")
            gap = np.full((size, 2, 3), 255, np.uint8)
            tiles = [x for w, img in enumerate(shown) for x in ((gap, img) if w else (img,))]
            captured.append(np.concatenate(tiles, axis=1))

        def on_step(t: int, obs: Any, reward: Any, terminated: Any, truncated: Any, info: Any,
                    active: np.ndarray) -> None:  # fmt: skip
            if t % RENDER_EVERY == 0:
                snapshot(active)

        say(f"rendering {', '.join(tasks)} ({size}x{size} per task)")
        episode = run_episodes(env, agent, on_step=on_step)
        snapshot(np.zeros(len(tasks), bool))
    finally:
        for r in renderers.values():
            r.close()
        env.close()
    keep = np.unique(np.linspace(0, len(captured) - 1, min(frames, len(captured))).round().astype(int))
    clip = [captured[i] for i in keep] + [captured[-1]] * HOLD_FRAMES
    save_video(clip, path, fps=fps)
    return {
        "tasks": list(tasks),
        "success": {t: bool(s) for t, s in zip(tasks, episode.success)},
        "frames": len(clip),
        "size": size,
    }
