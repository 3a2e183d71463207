"""Offline learners (bc, td3bc) on the harness: data layout, budget in updates, resume, errors,
and a short BC run that learns reach from a tiny expert dataset."""

import json

import numpy as np
import pytest

pytest.importorskip("minari")
pytest.importorskip("h5py")

from manyworld.agents.bc import BCConfig
from manyworld.agents.offline import OfflineData
from manyworld.agents.td3bc import TD3BCConfig
from manyworld.cli import main as cli_main
from manyworld.datasets import DatasetNotFoundError, collect
from manyworld.tasks import obs as obs_lib
from manyworld.train.harness import RunConfig, train

QUICK = RunConfig(steps=1000, log_interval=500, eval_interval=1000, eval_variations=4,
                  checkpoint_interval=500, num_threads=1)  # fmt: skip


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """Expert data of reach (10 episodes) and push (4); medium data of reach (6)."""
    root = tmp_path_factory.mktemp("offline-data")
    for task, level, n in (("reach", "expert", 10), ("push", "expert", 4), ("reach", "medium", 6)):
        collect(task, level, n, root=root, worlds=n, num_threads=1, progress=None)
    return root


def test_multitask_layout_matches_the_env_and_batches_split_over_tasks(root):
    data = OfflineData(["push", "reach"], "expert", str(root), obs_lib.OBS_DIM + 2)
    assert data.obs.shape == (len(data), 41) and data.next_obs.shape == (len(data), 41)
    # the one-hot is the env's task order (push first), not the loading order of any file
    np.testing.assert_array_equal(data.obs[np.arange(len(data)), 39 + data.task], 1.0)
    assert data.obs[:, 39:].sum(axis=1).tolist() == [1.0] * len(data)
    assert np.abs(data.actions).max() <= 1.0
    # constant slots (one-hot) pass through the normalisation unchanged
    assert data.obs_mean[39:].tolist() == [0.0, 0.0] and data.obs_std[39:].tolist() == [1.0, 1.0]
    batch = data.sample(np.random.default_rng(0), 6, 3)
    assert batch["obs"].shape == (3, 6, 41)
    assert (batch["obs"][..., 39].sum(axis=1) == 3).all()  # 3 of 6 rows from each task
    with pytest.raises(ValueError, match="observations are 40-d"):
        OfflineData(["push", "reach"], "expert", str(root), 40)


def test_bc_learns_reach_from_ten_expert_episodes(root, tmp_path):
    cfg = BCConfig(dataset_root=str(root), hidden=(64, 64), updates_per_call=250)
    run = QUICK.replace(steps=3000, eval_interval=3000, eval_variations=10)
    _, _, rows = train("bc", "MT1(reach)", cfg, run, tmp_path / "bc", progress=None)
    assert [r["updates"] for r in rows] == list(range(500, 3001, 500))
    assert all(r["env_steps"] == 0 for r in rows)  # offline: no env step is taken
    # the expert level adds N(0, 0.1) noise to each of 4 action components: a perfect fit of
    # the expert leaves 4 * 0.1^2 = 0.04 of squared error
    assert rows[-1]["bc_loss"] < 0.06
    # random actions solve reach in 0-3% of episodes (docs/datasets.md); BC from 10 episodes
    assert rows[-1]["eval_success"] >= 0.7
    assert (tmp_path / "bc" / "evals" / "step_000000003000.json").exists()
    assert json.loads((tmp_path / "bc" / "config.json").read_text())["budget"] == "updates"
    # curves place an offline run's evaluations by gradient updates, not by its 0 env steps
    from manyworld.report.curves import read_run, summarize_run

    curves = read_run(tmp_path / "bc")
    assert curves.x_key == "updates" and curves.eval_steps.tolist() == [3000]
    assert summarize_run(curves)["steps_are"] == "updates"


def test_td3bc_checkpoints_resumes_exactly_and_evaluates_from_the_cli(root, tmp_path, capsys):
    cfg = TD3BCConfig(dataset_root=str(root), hidden=(32, 32), updates_per_call=100)
    straight = train("td3bc", "MT1(reach)", cfg, QUICK, tmp_path / "a", progress=None)[2]
    train("td3bc", "MT1(reach)", cfg, QUICK.replace(steps=500), tmp_path / "b", progress=None)
    resumed = train("td3bc", "MT1(reach)", cfg, QUICK, tmp_path / "b", resume=True, progress=None)[2]
    # run b also evaluated at 500 updates, where its first budget ended
    strip = ("wall_s", "eval_wall_s", "env_steps_per_s", "updates_per_s", "eval_success")
    same = [{k: v for k, v in r.items() if k not in strip} for r in straight]
    again = [{k: v for k, v in r.items() if k not in strip} for r in resumed]
    assert same == again and straight[-1]["eval_success"] == resumed[-1]["eval_success"]
    assert {"critic_loss", "actor_loss", "bc_loss", "q"} <= set(straight[-1])
    assert cli_main(["eval", "--agent", str(tmp_path / "a"), "--benchmark", "MT1(reach)",
                     "--variations", "2", "--out", str(tmp_path / "res.json")]) == 0  # fmt: skip
    assert json.loads((tmp_path / "res.json").read_text())["aggregate"]["episodes"] == 2


def test_per_task_lambda_normalises_each_task_by_its_own_q():
    import numpy as np

    from manyworld.agents.td3bc import per_task_lambda

    cfg = TD3BCConfig(num_tasks=2, obs_dim=5, alpha=2.0)
    obs = np.zeros((4, 5), np.float32)
    obs[:2, 3] = 1.0  # rows 0-1: task 0, rows 2-3: task 1 (the one-hot is the last 2 columns)
    obs[2:, 4] = 1.0
    q = np.array([1.0, -3.0, 10.0, 30.0], np.float32)  # mean |Q|: task 0 2, task 1 20
    np.testing.assert_allclose(per_task_lambda(cfg, q, obs), [1.0, 1.0, 0.1, 0.1], rtol=1e-6)


def test_resume_on_recollected_data_is_refused(root, tmp_path):
    cfg = BCConfig(dataset_level="medium", dataset_root=str(root), hidden=(16,), updates_per_call=100)
    train("bc", "MT1(reach)", cfg, QUICK.replace(steps=200), tmp_path / "r", progress=None)
    collect("reach", "medium", 6, root=root, seed=1, worlds=6, num_threads=1, overwrite=True,
            progress=None)  # fmt: skip
    with pytest.raises(ValueError, match="datasets changed since this run started.*reach/medium"):
        train("bc", "MT1(reach)", cfg, QUICK.replace(steps=400), tmp_path / "r", resume=True,
              progress=None)  # fmt: skip


def test_missing_dataset_names_the_command_that_makes_it(root, tmp_path, capsys):
    with pytest.raises(DatasetNotFoundError, match="manyworld dataset collect TASK --level random"):
        train("bc", "MT1(reach)", BCConfig(dataset_level="random", dataset_root=str(root)), QUICK,
              tmp_path / "m", progress=None)  # fmt: skip
    code = cli_main(["train", "--algo", "td3bc", "--task", "window-open", "--dataset-root", str(root),
                     "--run-dir", str(tmp_path / "n"), "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "window-open/medium-v2" in err and "Traceback" not in err


def test_bad_offline_config_values_are_named():
    with pytest.raises(ValueError, match="dataset_level must be one of"):
        BCConfig(dataset_level="replay-ish")
    with pytest.raises(ValueError, match="policy_delay must be >= 1"):
        TD3BCConfig(policy_delay=0)
    with pytest.raises(ValueError, match="gamma must be in"):
        TD3BCConfig(gamma=1.0)
