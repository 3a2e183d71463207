"""Offline datasets: Minari round trip, determinism, version check, atomic writes, CLI."""

import json
import shutil

import numpy as np
import pytest

minari = pytest.importorskip("minari")
pytest.importorskip("h5py")

from manyworld import BatchEnv
from manyworld.datasets import (
    DatasetNotFoundError,
    DatasetVersionError,
    collect,
    collector,
    list_datasets,
    load_arrays,
)
from manyworld.datasets.cli import main
from manyworld.datasets.levels import LEVELS, EpisodePolicy, episode_seed

ID = "manyworld/reach/expert-v2"
EPISODES = 8


@pytest.fixture(scope="module")
def reach_expert(tmp_path_factory):
    """8 expert episodes of reach, collected by 4 worlds."""
    root = tmp_path_factory.mktemp("datasets")
    summary = collect("reach", "expert", EPISODES, root=root, worlds=4, num_threads=1, progress=None)
    return root, summary


def test_round_trip_minari_and_fast_loader(reach_expert, monkeypatch):
    root, summary = reach_expert
    assert summary.dataset_id == ID and summary.episodes == EPISODES
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(root))
    assert ID in minari.list_local_datasets()
    ds = minari.load_dataset(ID)
    assert ds.total_episodes == EPISODES and ds.total_steps == summary.steps
    episodes = list(ds.iterate_episodes())
    ds.set_seed(0)
    assert len(ds.sample_episodes(3)) == 3
    assert ds.recover_environment().spec.id == "manyworld/reach-v2"

    data = load_arrays(ID)  # through MINARI_DATASETS_PATH, as Minari finds it
    assert len(data) == summary.steps
    np.testing.assert_array_equal(data.obs, np.concatenate([e.observations[:-1] for e in episodes]))
    np.testing.assert_array_equal(data.next_obs, np.concatenate([e.observations[1:] for e in episodes]))
    np.testing.assert_array_equal(data.actions, np.concatenate([e.actions for e in episodes]))
    np.testing.assert_array_equal(data.rewards, np.concatenate([e.rewards for e in episodes]))
    np.testing.assert_array_equal(data.truncations, np.concatenate([e.truncations for e in episodes]))
    np.testing.assert_array_equal(data.terminations, np.concatenate([e.terminations for e in episodes]))
    np.testing.assert_array_equal(data.success,
                                  np.concatenate([e.infos["success"][1:] for e in episodes]))
    np.testing.assert_array_equal(np.unique(data.episode), np.arange(EPISODES))
    np.testing.assert_array_equal(np.unique(data.variation), np.arange(EPISODES))  # k mod 50
    assert data.tasks == ("reach",) and data.one_hot().shape == (len(data), 1)

    # the expert level succeeds, and the metadata says so
    meta = ds.storage.metadata["manyworld"]
    assert meta["success_rate"] >= 0.9 and summary.success_rate == meta["success_rate"]
    assert meta["task"] == "reach" and meta["level"] == "expert" and meta["mujoco_version"]


def test_stored_actions_replay_the_episode_exactly(reach_expert):
    root, _ = reach_expert
    data = load_arrays(ID, root=root)
    ep = data.episode == 3
    env = BatchEnv("reach", 1, num_threads=1)
    env.set_task(env.train_variations[int(data.variation[ep][0])])
    obs, _ = env.reset()
    np.testing.assert_array_equal(obs[0], data.obs[ep][0])
    for action, want in zip(data.actions[ep], data.next_obs[ep]):
        obs, *_ = env.step(action[None])
        np.testing.assert_array_equal(obs[0], want)


def test_same_seed_same_bytes_whatever_the_worlds(reach_expert, tmp_path):
    _, first = reach_expert
    again = collect("reach", "expert", EPISODES, root=tmp_path, worlds=3, num_threads=1,
                    progress=None)
    assert again.sha256 == first.sha256
    other = collect("reach", "expert", 2, root=tmp_path / "seed1", seed=1, worlds=2,
                    num_threads=1, progress=None)
    assert other.sha256 != first.sha256


def _copy_with(root, tmp_path, **changes):
    dest = tmp_path / "copy"
    shutil.copytree(root / "manyworld" / "reach" / "expert-v2", dest)
    path = dest / "data" / "metadata.json"
    meta = json.loads(path.read_text())
    meta["manyworld"].update(changes)
    path.write_text(json.dumps(meta))
    return dest


def test_multi_task_loading_numbers_the_tasks(reach_expert, tmp_path):
    root, summary = reach_expert
    shutil.copytree(root / "manyworld", tmp_path / "manyworld")
    push = collect("push", "random", 2, root=tmp_path, worlds=2, num_threads=1, progress=None)
    data = load_arrays([push.dataset_id, ID], root=tmp_path)
    assert data.tasks == ("push", "reach") and len(data) == push.steps + summary.steps
    np.testing.assert_array_equal(np.bincount(data.task_id), [push.steps, summary.steps])
    np.testing.assert_array_equal(data.one_hot()[:, 1], data.task_id == 1)
    assert np.unique(data.episode).size == 2 + EPISODES
    assert data.metadata[0]["level"] == "random" and data.metadata[0]["success_rate"] <= 0.5


def test_version_mismatch_is_refused_unless_allowed(reach_expert, tmp_path):
    root, _ = reach_expert
    old = _copy_with(root, tmp_path, mujoco_version="3.1.0", task_version=0)
    with pytest.raises(DatasetVersionError, match=r"task version v0 .*MuJoCo 3\.1\.0"):
        load_arrays(old)
    assert len(load_arrays(old, allow_mismatch=True)) == EPISODES * 500


def test_variation_set_mismatch_is_refused(reach_expert, tmp_path):
    root, _ = reach_expert
    other = _copy_with(root, tmp_path, variation_sha256="0" * 64)
    with pytest.raises(DatasetVersionError, match="variation set"):
        load_arrays(other)


def test_interrupted_collection_leaves_nothing_that_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path))
    real = collector.run_episodes
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the second round, after the first round's episodes were buffered
            raise RuntimeError("interrupted")
        return real(*args, **kwargs)

    monkeypatch.setattr(collector, "run_episodes", failing)
    with pytest.raises(RuntimeError, match="interrupted"):
        collect("reach", "expert", EPISODES, worlds=4, num_threads=1, progress=None)
    reach_dir = tmp_path / "manyworld" / "reach"
    assert list(reach_dir.iterdir()) == []  # the temporary directory is gone

    # a killed collection cannot clean up: its hidden directory stays, and nothing takes it
    calls.clear()
    monkeypatch.setattr(collector, "_discard", lambda tmp: None)
    with pytest.raises(RuntimeError, match="interrupted"):
        collect("reach", "expert", EPISODES, worlds=4, num_threads=1, progress=None)
    (left,) = reach_dir.iterdir()
    assert left.name.startswith(".tmp-expert-v2-")
    assert minari.list_local_datasets() == {} and list_datasets() == []
    with pytest.raises(FileNotFoundError):
        minari.load_dataset(ID)
    with pytest.raises(DatasetNotFoundError):
        load_arrays(ID)
    with pytest.raises(DatasetNotFoundError, match="interrupted collection"):
        load_arrays(left)

    # the next collection of that dataset removes a leftover whose process is gone
    left.rename(reach_dir / ".tmp-expert-v2-999999999-dead")
    monkeypatch.setattr(collector, "run_episodes", real)
    collect("reach", "expert", 2, worlds=2, num_threads=1, progress=None)
    assert sorted(p.name for p in reach_dir.iterdir()) == ["expert-v2", "namespace_metadata.json"]
    assert len(load_arrays(ID)) == 1000


def test_levels_draw_per_episode():
    seeds = [episode_seed(0, "reach", "medium", k) for k in range(40)]
    medium = EpisodePolicy(LEVELS["medium"], lambda obs: np.zeros((len(obs), 4)), seeds, 5)
    assert 0 < medium.follows_expert.sum() < 40  # both branches occur
    again = EpisodePolicy(LEVELS["medium"], lambda obs: np.zeros((len(obs), 4)), seeds[3:5], 5)
    np.testing.assert_array_equal(again.uniform, medium.uniform[3:5])  # per-episode streams

    def no_expert(obs):
        raise AssertionError("the random level must not call the expert")

    random = EpisodePolicy(LEVELS["random"], no_expert, seeds[:4], 5)
    actions = random(np.zeros((4, 39)))
    assert actions.dtype == np.float32 and np.abs(actions).max() <= 1


def test_cli_show_list_and_mistakes(reach_expert, capsys):
    root, summary = reach_expert
    assert main(["show", ID, "--out", str(root)]) == 0
    out = capsys.readouterr().out
    assert summary.sha256["main_data.hdf5"] in out and "success rate 1.000" in out
    assert main(["list", "--out", str(root)]) == 0
    assert ID in capsys.readouterr().out
    argv = ["collect", "reach", "--level", "expert", "--episodes", "2", "--out", str(root)]
    assert main([*argv, "--skip-existing"]) == 0
    assert "exists, skipped" in capsys.readouterr().out

    for argv, words in [
        (["collect", "reech", "--level", "expert", "--episodes", "2"], "reach"),
        (["collect", "reach", "--level", "great", "--episodes", "2"], "invalid choice"),
        (["collect", "reach", "--level", "expert", "--episodes", "0"], "--episodes"),
        (["collect", "reach", "--level", "expert", "--episodes", "2", "--out", str(root)],
         "already exists"),
        (["show", "manyworld/reach/medium-v2", "--out", str(root)], "no dataset"),
        (["show", "push"], "give a dataset id"),
    ]:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and words in err, (argv, err)


def test_a_relative_root_works(tmp_path, monkeypatch):
    """`--out runs/datasets` once failed: Minari joined the relative data path onto itself."""
    monkeypatch.chdir(tmp_path)
    summary = collect("reach", "random", 2, root="rel/data", worlds=2, num_threads=1, progress=None)
    assert (tmp_path / "rel" / "data" / "manyworld" / "reach" / "random-v2" / "data" / "main_data.hdf5").exists()
    assert len(load_arrays(summary.dataset_id, root="rel/data")) == summary.steps


def test_minari_datacollector_records_our_infos(tmp_path, monkeypatch):
    """Minari's own DataCollector with record_infos=True needs the same info keys at reset and
    at every step; the gym env gives them (the reset's are the evaluation of the initial state)."""
    import gymnasium as gym

    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path))
    env = minari.DataCollector(gym.make("manyworld/push-v2", max_episode_steps=20), record_infos=True)
    _, reset_info = env.reset(seed=0)
    for _ in range(20):
        _, _, _, _, info = env.step(env.action_space.sample())
    assert set(info) == set(reset_info)
    assert {"success", "physics_warning", "obs_clipped", "variation"} <= set(info)
    ds = env.create_dataset(dataset_id="test/push/collector-v0", algorithm_name="random",
                            author="tests", author_email="-", code_permalink="-", description="-")
    episode = next(ds.iterate_episodes())
    assert episode.infos["success"].shape == (21,) and episode.infos["variation"].shape == (21, 6)
