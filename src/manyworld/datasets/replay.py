"""The ``replay`` level: a training run's own episodes, exported as Minari datasets.

A run trained with ``record_episodes`` (``manyworld train ... --record-episodes``)
keeps every finished training episode of every world in
``RUN_DIR/episodes/part_<N>.npz`` (:mod:`manyworld.train.episodes`).
:func:`export_run` (``manyworld dataset from-run RUN_DIR``) writes one dataset per
task of the run, ``manyworld/<task>/replay-v<task version>``, in the layout of the
collected datasets (:mod:`manyworld.datasets.collector`):

* episode ``k`` is the k-th episode of the task's worlds to end in the run
  (env step order, then world order): the replay of the agent from its first
  env step, random warm-up actions included;
* ``options/params`` is the episode's train variation (looked up by the recorded
  variation index), so ``env.reset(options=...)`` restarts it;
* episode attributes: ``variation_index``, ``policy`` (``"<algo> seed <seed>"``),
  ``success``, ``first_success``, ``return``, ``env_steps`` (the run's env step
  count after the episode's last step) and ``world``;
* metadata: the benchmark identity of the collected datasets, and a ``run`` block
  with the run's provenance (algorithm, seed, benchmark, directory, config hash,
  env steps recorded).

Only parts covered by a complete checkpoint are exported: a part written after the
newest checkpoint belongs to steps that a resume trains again. The same run gives
byte-identical files; publishing is atomic, as for a collection.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import gymnasium as gym
import numpy as np

from manyworld.datasets.collector import (
    BlockWriter,
    CollectSummary,
    ensure_namespaces,
    staged_dataset,
)
from manyworld.datasets.identity import task_identity
from manyworld.datasets.levels import get_level
from manyworld.datasets.store import (
    DATA_FILE,
    FORMAT,
    FORMAT_VERSION,
    METADATA_FILE,
    NAMESPACE,
    DatasetError,
    dataset_dir,
    dataset_id,
    datasets_root,
    require,
)
from manyworld.fileio import sha256_file

LEVEL = "replay"


@dataclass
class RecordedEpisode:
    """One recorded training episode (arrays as in Minari's episode buffer).

    Attributes:
        world: the run's world that ran it.
        variation: its train variation index.
        end_step: the run's env step count after its last step.
        observations: (T+1, 39); ``actions`` (T, 4) float32; ``rewards``,
            ``terminations``, ``truncations`` (T,); ``infos`` key -> (T+1,).
    """

    world: int
    variation: int
    end_step: int
    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    terminations: np.ndarray
    truncations: np.ndarray
    infos: dict[str, np.ndarray]

    @property
    def length(self) -> int:
        return len(self.rewards)


@dataclass
class RecordedRun:
    """What a run directory recorded: its config and, per task, its episodes in the order they ended.

    Attributes:
        run_dir: the run directory (absolute).
        config: ``config.json``.
        episodes: task -> episodes.
        env_steps_recorded: env step count of the newest exported part (its checkpoint's).
        parts: env step counts of the exported parts.
        max_episode_steps: the training env's horizon.
        worlds: task -> number of worlds of that task in the run.
    """

    run_dir: Path
    config: dict[str, Any]
    episodes: dict[str, list[RecordedEpisode]]
    env_steps_recorded: int
    parts: list[int]
    max_episode_steps: int
    worlds: dict[str, int]


def read_run_episodes(run_dir: str | os.PathLike) -> RecordedRun:
    """The recorded episodes of a run that is not being trained.

    Raises:
        DatasetError: not a run directory, a run still being trained (its
            ``.lock`` is held), one trained without ``record_episodes``, one with
            no finished episode at a complete checkpoint yet, or a corrupt part.
    """
    from manyworld.sweep.state import is_locked
    from manyworld.train.checkpoint import PREFIX, list_checkpoints
    from manyworld.train.episodes import EpisodePartError, list_parts, read_part

    run_dir = Path(run_dir).absolute()
    config_path = run_dir / "config.json"
    if not config_path.is_file():
        raise DatasetError(f"{run_dir}: not a training run directory (no config.json)")
    try:
        config = json.loads(config_path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise DatasetError(f"{config_path}: unreadable run config ({err})") from err
    if is_locked(run_dir):
        raise DatasetError(f"{run_dir} is being trained (its .lock is held): export it when the "
                           "training ends, or stop it (it resumes with --resume)")
    if not config.get("run", {}).get("record_episodes", False):
        raise DatasetError(f"{run_dir} was trained without record_episodes, so it kept no episodes: "
                           "train a run with `manyworld train ... --record-episodes` to export one")
    checkpoints = list_checkpoints(run_dir / "checkpoints")
    covered = int(checkpoints[-1].name.removeprefix(PREFIX)) if checkpoints else -1
    parts = [(step, p) for step, p in list_parts(run_dir) if step <= covered]
    if not parts:
        raise DatasetError(f"{run_dir} has no recorded episode at a complete checkpoint yet "
                           "(episodes are written at each checkpoint, when they have ended): "
                           "train it further, or lower --checkpoint-interval")
    episodes: dict[str, list[RecordedEpisode]] = {}
    horizons, worlds = set(), {}
    previous = 0
    for step, path in parts:
        try:
            part = read_part(path)
        except EpisodePartError as err:
            raise DatasetError(str(err)) from err
        ends = part["episode_end_step"]
        if int(part["env_steps"]) != step or ends.size == 0 or ends.min() <= previous \
                or ends.max() > step:
            raise DatasetError(f"{path}: its episodes do not end between env steps {previous} and "
                               f"{step} (corrupt or moved part): delete the run's episodes/ and "
                               "train it again to export it")
        previous = step
        horizons.add(int(part["max_episode_steps"]))
        _split_part(part, episodes, worlds)
    if len(horizons) != 1:
        raise DatasetError(f"{run_dir}: its parts record different episode horizons {sorted(horizons)}")
    return RecordedRun(run_dir, config, episodes, parts[-1][0], [s for s, _ in parts],
                       horizons.pop(), worlds)


def _split_part(part: dict[str, np.ndarray], episodes: dict[str, list[RecordedEpisode]],
                worlds: dict[str, int]) -> None:
    """Append the episodes of one part to ``episodes`` (task -> list), in their order."""
    tasks = [str(t) for t in part["tasks"]]
    lengths = part["episode_length"]
    step_start = np.concatenate([[0], np.cumsum(lengths)])  # first step row of each episode
    obs_start = step_start + np.arange(len(lengths) + 1)  # first observation row
    info_row = dict.fromkeys(tasks, 0)  # next row of each task's info arrays
    for i, n in enumerate(lengths.tolist()):
        task = tasks[int(part["episode_task"][i])]
        s, o, r = int(step_start[i]), int(obs_start[i]), info_row[task]
        prefix = f"infos/{task}/"
        infos = {key[len(prefix):]: part[key][r: r + n + 1] for key in part if key.startswith(prefix)}
        info_row[task] = r + n + 1
        episodes.setdefault(task, []).append(RecordedEpisode(
            world=int(part["episode_world"][i]), variation=int(part["episode_variation"][i]),
            end_step=int(part["episode_end_step"][i]),
            observations=part["observations"][o: o + n + 1], actions=part["actions"][s: s + n],
            rewards=part["rewards"][s: s + n], terminations=part["terminations"][s: s + n],
            truncations=part["truncations"][s: s + n], infos=infos,
        ))  # fmt: skip
    for task, count in zip(tasks, part["task_worlds"].tolist()):
        worlds[task] = int(count)


def export_run(
    run_dir: str | os.PathLike,
    *,
    root: str | os.PathLike | None = None,
    overwrite: bool = False,
    progress: TextIO | None = sys.stderr,
) -> list[CollectSummary]:
    """Write the recorded episodes of a finished (or stopped) run as one replay dataset per task.

    Args:
        run_dir: a run directory trained with ``record_episodes``.
        root: datasets root (default ``$MINARI_DATASETS_PATH`` or ``~/.minari/datasets``).
        overwrite: replace existing datasets of the same ids (atomically).
        progress: stream for one line per dataset written (None: silent).

    Returns:
        One :class:`~manyworld.datasets.collector.CollectSummary` per task, in the run's task order.

    Raises:
        DatasetError: see :func:`read_run_episodes`; or the run trained on other task
            versions, variations or MuJoCo than the installed ones.
        FileExistsError: a dataset exists and ``overwrite`` is false (nothing is written).
        ImportError: Minari or h5py is missing.
    """
    require("h5py")
    require("minari")
    from manyworld.tasks.base import get_task

    recorded = read_run_episodes(run_dir)
    _check_run_identity(recorded)
    tasks = list(recorded.episodes)
    targets = {}
    for task in tasks:
        ident = dataset_id(task, LEVEL, get_task(task).version)
        final = dataset_dir(ident, root)
        if final.exists() and not overwrite:
            raise FileExistsError(f"dataset {ident} already exists at {final}: pass --overwrite "
                                  "(overwrite=True) to replace it, or delete that directory")
        targets[task] = (ident, final)
    summaries = []
    for task in tasks:
        ident, final = targets[task]
        t0 = time.perf_counter()
        with staged_dataset(final, overwrite) as tmp:
            stats = _write_dataset(tmp / "data", ident, task, recorded)
        ensure_namespaces(datasets_root(root), task)
        data = final / "data"
        summary = CollectSummary(
            dataset_id=ident, path=final, episodes=stats["episodes"], steps=stats["steps"],
            success_rate=stats["success_rate"], return_mean=stats["return"]["mean"],
            sha256={DATA_FILE: sha256_file(data / DATA_FILE),
                    METADATA_FILE: sha256_file(data / METADATA_FILE)},
            seconds=time.perf_counter() - t0, worlds=recorded.worlds[task],
        )  # fmt: skip
        summaries.append(summary)
        if progress is not None:
            print(f"{ident}: {summary.episodes} episodes, {summary.steps} steps, success "
                  f"{summary.success_rate:.3f} -> {final}", file=progress, flush=True)
    return summaries


def _check_run_identity(recorded: RecordedRun) -> None:
    """Refuse a run whose ``benchmark.json`` records other task versions, variations or MuJoCo."""
    from manyworld.benchmarks.benchmark import get_benchmark

    path = recorded.run_dir / "benchmark.json"
    if not path.is_file():
        raise DatasetError(f"{recorded.run_dir}: no benchmark.json, so the benchmark it trained "
                           "on is unknown; export a run trained by this manyworld")
    theirs = json.loads(path.read_text())
    ours = get_benchmark(recorded.config["benchmark"]).identity()
    installed = {t["task"]: t for t in ours["tasks"]}
    diffs = [f"MuJoCo {theirs.get('mujoco')} (installed: {ours['mujoco']})"] \
        if theirs.get("mujoco") != ours["mujoco"] else []
    for entry in theirs.get("tasks", []):
        now = installed.get(entry.get("task"))
        if now is None:
            diffs.append(f"task {entry.get('task')!r} (not registered here)")
        elif entry.get("version") != now["version"]:
            diffs.append(f"{entry['task']} v{entry.get('version')} (installed: v{now['version']})")
        elif entry.get("train", {}).get("sha256") != now["train"]["sha256"]:
            diffs.append(f"{entry['task']}'s train variations (another variation set)")
    if diffs:
        raise DatasetError(f"{recorded.run_dir} trained under {'; '.join(diffs)}: its episodes are "
                           "not samples of the installed benchmark; export it with the manyworld "
                           "it trained with")


def config_sha256(config: dict[str, Any]) -> str:
    """SHA-256 of a run's algorithm, benchmark, agent and run config (canonical JSON)."""
    body = {k: config.get(k) for k in ("algo", "benchmark", "agent", "run")}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _write_dataset(data: Path, ident: str, task: str, recorded: RecordedRun) -> dict[str, Any]:
    """Write one task's episodes as a Minari dataset into ``data``; its statistics."""
    import minari
    from minari.data_collector import EpisodeBuffer
    from minari.dataset.minari_storage import MinariStorage

    from manyworld.benchmarks.benchmark import get_benchmark
    from manyworld.envs.batch_env import BatchEnv

    config = recorded.config
    algo, seed = config["algo"], int(config["run"]["seed"])
    variation_seed = get_benchmark(config["benchmark"]).variation_seed
    identity = task_identity(task, variation_seed)
    level = get_level(LEVEL)
    policy = f"{algo} seed {seed}"
    episodes = recorded.episodes[task]
    env = BatchEnv(task, 1, seed=0, variations="train", variation_seed=variation_seed,
                   num_threads=1)
    rows = env.train_variations
    storage = MinariStorage.new(data, observation_space=env.observation_space,
                                action_space=env.action_space,
                                env_spec=gym.spec(env.task_cls.env_id()), data_format="hdf5")
    obs_dim = int(env.observation_space.shape[0])
    env.close()
    writer = BlockWriter(storage)
    success, returns, lengths = [], [], []
    for k, ep in enumerate(episodes):
        hits = np.flatnonzero(ep.infos["success"][1:])
        attrs = {
            "variation_index": ep.variation,
            "policy": policy,
            "success": bool(hits.size),
            "first_success": int(hits[0]) + 1 if hits.size else -1,
            "return": float(ep.rewards.sum()),
            "env_steps": ep.end_step,
            "world": ep.world,
        }
        writer.add(EpisodeBuffer(
            id=k, options={"params": np.asarray(rows[ep.variation], np.float64)},
            observations=ep.observations, actions=ep.actions, rewards=ep.rewards,
            terminations=ep.terminations, truncations=ep.truncations, infos=dict(ep.infos),
        ), attrs)  # fmt: skip
        success.append(attrs["success"])
        returns.append(attrs["return"])
        lengths.append(ep.length)
    writer.close()

    stats = _statistics(np.array(success, bool), np.array(returns), np.array(lengths))
    run_block = {
        "algo": algo,
        "seed": seed,
        "benchmark": config["benchmark"],
        "run_dir": str(recorded.run_dir),
        "config_sha256": config_sha256(config),
        "env_steps_recorded": recorded.env_steps_recorded,
        "checkpoints": recorded.parts,
        "worlds": recorded.worlds[task],
        "manyworld_version": config.get("versions", {}).get("manyworld"),
    }
    block = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        **identity,
        "level": LEVEL,
        "level_summary": level.summary,
        "level_params": level.params(),
        "seed": seed,
        "episodes": len(episodes),
        "steps": stats["steps"],
        "obs_dim": obs_dim,
        "max_episode_steps": recorded.max_episode_steps,
        "terminate_on_success": False,
        "episode_variation": "episode k is the k-th of the run's episodes of this task to end; "
                             "the env drew its train variation at the reset (episode attribute "
                             "variation_index)",
        "infos": sorted(episodes[0].infos),
        "infos_rows": "T+1 per episode: row 0 at reset, row t+1 after step t (as Minari's "
                      "DataCollector records them)",
        "run": run_block,
        **{k: v for k, v in stats.items() if k != "steps"},
        "by_policy": {policy: {"episodes": len(episodes), "success_rate": stats["success_rate"]}},
        "files": {DATA_FILE: sha256_file(data / DATA_FILE)},
    }
    storage.update_metadata({
        "dataset_id": ident,
        "algorithm_name": f"{algo} (manyworld training run, seed {seed})",
        "description": f"The {len(episodes)} training episodes of task {task!r} "
                       f"(v{identity['task_version']}) that {algo} seed {seed} met on "
                       f"{config['benchmark']} in its first {recorded.env_steps_recorded} env "
                       f"steps, in the order they ended. Success rate {stats['success_rate']:.3f}.",
        "minari_version": minari.__version__,
        "requirements": [f"manyworld=={identity['manyworld_version']}",
                         f"mujoco=={identity['mujoco_version']}"],
        NAMESPACE: block,
    })  # fmt: skip
    return {**stats, "episodes": len(episodes)}


def _statistics(success: np.ndarray, returns: np.ndarray, lengths: np.ndarray) -> dict[str, Any]:
    def summary(x: np.ndarray) -> dict[str, float]:
        return {"mean": float(x.mean()), "std": float(x.std()), "min": float(x.min()),
                "max": float(x.max())}

    return {"steps": int(lengths.sum()), "success_rate": float(success.mean()),
            "return": summary(returns), "length": summary(lengths)}
