"""The replay level: a run's training episodes recorded by the harness and exported as Minari data.

One tiny SAC run on reach (2 worlds, 150-step episodes, checkpoints every 400 env steps) is
trained once per module; the other runs reuse its jitted functions.
"""

import contextlib
import dataclasses
import hashlib

import numpy as np
import pytest

minari = pytest.importorskip("minari")
h5py = pytest.importorskip("h5py")
pytest.importorskip("jax")

from manyworld import BatchEnv
from manyworld.agents.sac import SACConfig
from manyworld.benchmarks import make_env
from manyworld.datasets import DatasetError, load_arrays, task_identity
from manyworld.datasets.cli import main
from manyworld.datasets.replay import export_run, read_run_episodes
from manyworld.envs.rollout import Collector
from manyworld.train import harness
from manyworld.train.checkpoint import CheckpointError
from manyworld.train.episodes import EpisodeRecorder, list_parts, read_part
from manyworld.train.registry import get_algo

ID = "manyworld/reach/replay-v2"
WORLDS, HORIZON, STEPS, EVERY = 2, 150, 1200, 400
CFG = SACConfig(hidden=(32, 32), batch_size=32, learning_starts=100, buffer_per_task=2_000)
RUN = harness.RunConfig(steps=STEPS, worlds_per_task=WORLDS, checkpoint_interval=EVERY,
                        log_interval=EVERY, eval_interval=0, eval_variations=1, num_threads=1,
                        record_episodes=True)


@contextlib.contextmanager
def short_episodes():
    """SAC's env with 150-step episodes, so that episodes end inside the short runs."""
    with pytest.MonkeyPatch.context() as mp:
        def get(name):
            spec = get_algo(name)
            if name != "sac":
                return spec
            return dataclasses.replace(spec, env_options=lambda cfg: {"max_episode_steps": HORIZON})

        mp.setattr(harness, "get_algo", get)
        yield


def train(run_dir, run=RUN, **kw):
    with short_episodes():
        return harness.train("sac", "MT1(reach)", CFG, run, run_dir, progress=None, **kw)


@pytest.fixture(scope="module")
def sac_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "sac-reach"
    _, trainer, rows = train(run_dir)
    root = tmp_path_factory.mktemp("datasets")
    (summary,) = export_run(run_dir, root=root, progress=None)
    return run_dir, trainer, rows, root, summary


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_finished_episode_is_recorded_at_its_checkpoint(sac_run):
    run_dir, *_ = sac_run
    parts = list_parts(run_dir)
    assert [step for step, _ in parts] == [400, 800, 1200]
    ends = np.concatenate([read_part(p)["episode_end_step"] for _, p in parts])
    # 600 vector steps of 150-step episodes: 4 per world, ending at env steps 300, 600, 900, 1200
    np.testing.assert_array_equal(ends, np.repeat([300, 600, 900, 1200], WORLDS))
    assert not list((run_dir / "episodes").glob(".*"))  # no temporary file left


def test_recorded_transitions_are_those_the_learner_stored(sac_run):
    """The replay buffer got every transition of every world in order: slot v*W + w holds
    vector step v of world w (the recorder's obs are the 39 task columns, before the one-hot)."""
    run_dir, trainer, *_ = sac_run
    buf = trainer.buffer
    assert buf.size[0] == STEPS
    for ep in read_run_episodes(run_dir).episodes["reach"]:
        n = ep.length
        rows = (np.arange(ep.end_step // WORLDS - n, ep.end_step // WORLDS)) * WORLDS + ep.world
        np.testing.assert_array_equal(buf.obs[0, rows, :39], ep.observations[:-1].astype(np.float32))
        np.testing.assert_array_equal(buf.next_obs[0, rows, :39], ep.observations[1:].astype(np.float32))
        np.testing.assert_array_equal(buf.action[0, rows], ep.actions)
        np.testing.assert_array_equal(buf.reward[0, rows], ep.rewards.astype(np.float32))
        np.testing.assert_array_equal(buf.done[0, rows], ep.terminations | ep.truncations)
        assert ep.truncations[-1] and not ep.truncations[:-1].any() and n == HORIZON


def test_export_loads_with_minari_and_load_arrays(sac_run, monkeypatch):
    run_dir, _, _, root, summary = sac_run
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(root))
    assert summary.dataset_id == ID and summary.episodes == 8 and summary.steps == STEPS
    ds = minari.load_dataset(ID)
    assert ds.total_episodes == 8 and ds.total_steps == STEPS
    episodes = list(ds.iterate_episodes())
    recorded = read_run_episodes(run_dir).episodes["reach"]
    data = load_arrays(ID)
    rows = BatchEnv("reach", 1, num_threads=1).train_variations
    with h5py.File(root / ID / "data" / "main_data.hdf5") as f:
        for k, (ep, rec) in enumerate(zip(episodes, recorded)):
            np.testing.assert_array_equal(ep.observations, rec.observations)
            np.testing.assert_array_equal(ep.actions, rec.actions)
            np.testing.assert_array_equal(ep.rewards, rec.rewards)
            np.testing.assert_array_equal(ep.infos["reward_reach"], rec.infos["reward_reach"])
            group = f[f"episode_{k}"]
            assert group.attrs["variation_index"] == rec.variation
            assert group.attrs["env_steps"] == rec.end_step and group.attrs["world"] == rec.world
            assert group.attrs["policy"] == "sac seed 0"
            assert group.attrs["return"] == pytest.approx(rec.rewards.sum())
            np.testing.assert_array_equal(group.attrs["options/params"], rows[rec.variation])
    np.testing.assert_array_equal(data.obs, np.concatenate([e.observations[:-1] for e in episodes]))
    np.testing.assert_array_equal(data.rewards, np.concatenate([e.rewards for e in episodes]))
    np.testing.assert_array_equal(data.variation, np.repeat([r.variation for r in recorded], HORIZON))

    meta = ds.storage.metadata["manyworld"]
    assert {k: meta[k] for k in task_identity("reach")} == task_identity("reach")
    assert meta["level"] == "replay" and meta["max_episode_steps"] == HORIZON
    assert meta["run"]["algo"] == "sac" and meta["run"]["env_steps_recorded"] == STEPS
    assert meta["run"]["run_dir"] == str(run_dir) and len(meta["run"]["config_sha256"]) == 64


def test_infos_row_zero_is_the_reset_state_of_the_recorded_variation(sac_run):
    """Row 0 (observation and infos) is what a fresh env pinned to the episode's variation starts in."""
    run_dir, *_ = sac_run
    env = BatchEnv("reach", 1, num_threads=1)
    for ep in read_run_episodes(run_dir).episodes["reach"][:3]:
        env.set_task(env.train_variations[ep.variation])
        obs, _ = env.reset()
        state = env.state_info()
        np.testing.assert_array_equal(obs[0], ep.observations[0])
        for key in ("success", "reward_reach"):
            assert ep.infos[key][0] == state[key][0], key


def test_recording_leaves_the_run_unchanged(sac_run, tmp_path):
    _, _, rows, *_ = sac_run
    _, _, plain = train(tmp_path / "plain", RUN.replace(record_episodes=False))
    strip = [{k: v for k, v in r.items() if not harness.is_timing(k)} for r in rows]
    assert strip == [{k: v for k, v in r.items() if not harness.is_timing(k)} for r in plain]
    assert not (tmp_path / "plain" / "episodes").exists()


def test_export_is_deterministic(sac_run, tmp_path):
    run_dir, *_, summary = sac_run
    (again,) = export_run(run_dir, root=tmp_path, progress=None)
    assert again.sha256 == summary.sha256
    (over,) = export_run(run_dir, root=tmp_path, overwrite=True, progress=None)
    assert over.sha256 == summary.sha256
    data = tmp_path / ID / "data"
    assert {p.name: sha256(p) for p in data.iterdir()} == summary.sha256


def test_kill_and_resume_records_each_step_once(tmp_path):
    """A run killed between a flush and its checkpoint (at 800) resumes from 400: the orphan
    part_800 is deleted, and the episodes tile each world's steps but for the ones running at
    the checkpoint resumed from and at the end."""
    run_dir = tmp_path / "run"

    class Killed(Exception):
        pass

    real = harness.save_checkpoint

    def save(ckpt_dir, step, *args, **kw):
        if step == 800:  # the part of 800 is on disk, its checkpoint never will be
            raise Killed
        return real(ckpt_dir, step, *args, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(harness, "save_checkpoint", save)
        with pytest.raises(Killed):
            train(run_dir)
    assert [s for s, _ in list_parts(run_dir)] == [400, 800]
    # exporting now takes only what a checkpoint covers
    recorded = read_run_episodes(run_dir)
    assert recorded.parts == [400] and [e.end_step for e in recorded.episodes["reach"]] == [300, 300]

    # another checkpoint interval, so that a stale part_800 would not be overwritten
    train(run_dir, RUN.replace(checkpoint_interval=600), resume=True)
    assert [s for s, _ in list_parts(run_dir)] == [400, 1200]
    episodes = read_run_episodes(run_dir).episodes["reach"]
    for w in range(WORLDS):
        # vector-step ranges [start, end) of world w's episodes, in the order they ended
        spans = [(e.end_step // WORLDS - e.length, e.end_step // WORLDS)
                 for e in episodes if e.world == w]
        # 0-150 before the kill; 150-200 ran at the checkpoint (lost with the env state);
        # from 200 the resumed run's 150-step episodes; 500-600 still ran at the end
        assert spans == [(0, 150), (200, 350), (350, 500)], spans


def test_meta_learners_and_offline_algorithms_are_refused(tmp_path):
    run = harness.RunConfig(steps=10, record_episodes=True)
    with pytest.raises(ValueError, match="rl2 observes wrapped observations"):
        harness.train("rl2", "ML1(reach)", None, run, tmp_path / "rl2", progress=None)
    with pytest.raises(ValueError, match="bc learns from a dataset"):
        harness.train("bc", "MT1(reach)", None, run, tmp_path / "bc", progress=None)


def test_older_checkpoints_resume_without_the_field():
    """A checkpoint written before record_episodes existed ran without it."""
    spec = get_algo("sac")
    ours = {"algo": "sac", "benchmark": "MT1(reach)", "agent": harness.config_dict(CFG),
            "run": harness.config_dict(RUN.replace(record_episodes=False))}
    old = {**ours, "run": {k: v for k, v in ours["run"].items() if k != "record_episodes"}}
    harness._check_same_run(spec, old, ours, "ckpt")
    with pytest.raises(CheckpointError, match="record_episodes"):
        harness._check_same_run(spec, old, {**ours, "run": harness.config_dict(RUN)}, "ckpt")


def test_multi_task_recording_keeps_each_tasks_terms_and_raw_rewards(tmp_path):
    """Two tasks in one env: the merged step info drops push's own reward terms, and reward
    normalisation scales the reward the learner sees; the recorder keeps both as the task env
    gives them. Replaying the stored actions from the stored variation reproduces every row."""
    env = make_env("custom(reach,push)", worlds_per_task=1, seed=0, num_threads=1,
                   max_episode_steps=20, reward_normalization="scale")
    recorder = EpisodeRecorder(env)
    collector = Collector(recorder, seed=3)
    rng = np.random.default_rng(0)
    for _ in range(50):
        collector.step(rng.uniform(-1, 1, (2, 4)).astype(np.float32))
    part = read_part(recorder.flush(tmp_path, recorder.env_steps))
    assert recorder.env_steps == 100 and recorder.pending == 0
    assert sorted(k for k in part if k.startswith("infos/push/")) == [
        "infos/push/reward_grasp", "infos/push/reward_in_place", "infos/push/reward_reach",
        "infos/push/success"]
    recorded = read_run_episodes_from_part(part)
    assert [task for task, _ in recorded] == ["reach", "push"] * 2
    for task, ep in recorded:
        check = BatchEnv(task, 1, num_threads=1)
        check.set_task(check.train_variations[ep["variation"]])
        obs, _ = check.reset()
        np.testing.assert_array_equal(obs[0], ep["observations"][0])
        for t, action in enumerate(ep["actions"]):
            obs, reward, *_, info = check.step(action[None])
            np.testing.assert_array_equal(obs[0], ep["observations"][t + 1])
            assert reward[0] == ep["rewards"][t]  # raw, not divided by 10
            for key, values in ep["infos"].items():
                assert values[t + 1] == info[key][0], (task, key, t)


def read_run_episodes_from_part(part):
    """(task, episode dict) of one part, in order; infos split per task as the exporter does."""
    out, step, ob, info_row = [], 0, 0, {}
    tasks = [str(t) for t in part["tasks"]]
    for i, n in enumerate(part["episode_length"].tolist()):
        task = tasks[part["episode_task"][i]]
        r = info_row.get(task, 0)
        prefix = f"infos/{task}/"
        out.append((task, {
            "variation": int(part["episode_variation"][i]),
            "observations": part["observations"][ob: ob + n + 1],
            "actions": part["actions"][step: step + n], "rewards": part["rewards"][step: step + n],
            "infos": {k[len(prefix):]: part[k][r: r + n + 1] for k in part if k.startswith(prefix)},
        }))
        info_row[task] = r + n + 1
        step, ob = step + n, ob + n + 1
    return out


def test_cli_from_run_and_its_one_line_errors(sac_run, tmp_path, capsys):
    run_dir, *_ = sac_run
    assert main(["from-run", str(run_dir), "--out", str(tmp_path)]) == 0
    assert f"{ID}: 8 episodes, 1200 steps" in capsys.readouterr().out
    assert main(["show", ID, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "level replay" in out and f"from run {run_dir}: sac seed 0" in out

    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "config.json").write_text('{"algo": "sac", "run": {"record_episodes": false}}')
    cases = [
        (["collect", "reach", "--level", "replay", "--episodes", "2"], "dataset from-run"),
        (["from-run", str(run_dir), "--out", str(tmp_path)], "already exists"),
        (["from-run", str(tmp_path / "nowhere")], "not a training run directory"),
        (["from-run", str(plain)], "trained without record_episodes"),
    ]
    for argv, words in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and words in err, (argv, err)
    with harness.lock_run_dir(run_dir):  # as while it trains
        assert main(["from-run", str(run_dir), "--out", str(tmp_path / "busy")]) == 2
        err = capsys.readouterr().err
        assert "is being trained" in err and err.count("\n") == 1
    with pytest.raises(DatasetError, match="is being trained"), harness.lock_run_dir(run_dir):
        export_run(run_dir, root=tmp_path / "busy", progress=None)
