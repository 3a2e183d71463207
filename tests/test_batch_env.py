"""BatchEnv behaviour: errors, determinism, state save/restore, batching equivalence."""

import numpy as np
import pytest

from manyworld.envs.batch_env import BatchEnv
from manyworld.tasks.base import get_task


@pytest.fixture
def env():
    return BatchEnv("push", 3, seed=0)


def test_wrong_action_shape_raises_and_steps_nothing(env):
    env.reset()
    before = env.sim.state.copy()
    with pytest.raises(ValueError, match=r"shape \(3, 4\)"):
        env.step(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"shape \(3, 4\)"):
        env.step(np.zeros(4))
    np.testing.assert_array_equal(env.sim.state, before)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_action_raises_and_steps_nothing(env, bad):
    env.reset()
    before = env.sim.state.copy()
    actions = np.zeros((3, 4))
    actions[1, 2] = bad
    with pytest.raises(ValueError, match=r"worlds \[1\].*NaN or inf"):
        env.step(actions)
    np.testing.assert_array_equal(env.sim.state, before)
    assert (env.elapsed == 0).all()


def test_out_of_range_actions_are_clipped(env):
    env.reset()
    a = env.get_state()
    obs_big, *_ = env.step(np.full((3, 4), 5.0))
    env.set_state(a)
    obs_one, *_ = env.step(np.full((3, 4), 1.0))
    np.testing.assert_array_equal(obs_big, obs_one)


def test_mocap_stays_in_workspace():
    env = BatchEnv("reach", 2, seed=0)
    env.reset()
    for _ in range(120):
        env.step(np.tile([1.0, 1.0, 1.0, 0.0], (2, 1)))
    hand = env.sim.mocap_pos[:, env._hand_mocap]
    np.testing.assert_allclose(hand, np.tile(env.task_cls.workspace[1], (2, 1)))


def test_stepping_after_truncation_needs_reset():
    env = BatchEnv("reach", 2, seed=0, max_episode_steps=3)
    env.reset()
    for _ in range(2):
        env.step(np.zeros((2, 4)))
    *_, truncated, _ = env.step(np.zeros((2, 4)))
    assert truncated.all()
    with pytest.raises(ValueError, match="reset"):
        env.step(np.zeros((2, 4)))
    env.reset(ids=[0, 1])
    env.step(np.zeros((2, 4)))


def test_terminate_on_success():
    task = get_task("reach")
    env = BatchEnv(task, 2, seed=0, terminate_on_success=True)
    obs, _ = env.reset()
    for _ in range(200):
        obs, _reward, terminated, _truncated, info = env.step(task.expert(obs))
        if terminated.any():
            break
    assert (terminated == info["success"]).all() and terminated.any()


def test_same_seed_same_bits_different_seed_differs():
    def run(seed):
        env = BatchEnv("push", 4, seed=seed)
        obs, _ = env.reset(seed=seed)
        rng = np.random.default_rng(seed)
        out = [obs]
        for _ in range(30):
            out.append(env.step(rng.uniform(-1, 1, (4, 4)))[0])
        return np.stack(out)

    assert run(5).tobytes() == run(5).tobytes()
    assert run(5).tobytes() != run(6).tobytes()


def test_global_numpy_rng_untouched():
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    env = BatchEnv("push", 2, seed=0, variations="random")
    env.reset()
    env.step(np.zeros((2, 4)))
    assert np.random.random() == expected


def test_batched_world_equals_single_world():
    task = get_task("push")
    rows = task.variations("train")[:3]
    big = BatchEnv(task, 3, seed=0)
    big.set_task(rows)
    obs_big, _ = big.reset()
    small = BatchEnv(task, 1, seed=0)
    small.set_task(rows[1])
    obs_small, _ = small.reset()
    rng = np.random.default_rng(0)
    for _ in range(40):
        a = rng.uniform(-1, 1, (3, 4))
        obs_big, *_ = big.step(a)
        obs_small, *_ = small.step(a[1:2])
    assert obs_big[1].tobytes() == obs_small[0].tobytes()


def test_state_save_restore_is_exact(env):
    env.reset()
    rng = np.random.default_rng(0)
    for _ in range(10):
        env.step(rng.uniform(-1, 1, (3, 4)))
    snapshot = env.get_state()
    actions = rng.uniform(-1, 1, (20, 3, 4))
    first = [env.step(a)[0] for a in actions]
    env.set_state(snapshot)
    second = [env.step(a)[0] for a in actions]
    assert np.stack(first).tobytes() == np.stack(second).tobytes()


def test_cached_reset_equals_fresh_settle():
    task = get_task("push")
    row = task.variations("train")[4]
    a = BatchEnv(task, 1, seed=0)
    a.set_task(row)
    first, _ = a.reset()
    a.step(np.ones((1, 4)))
    again, _ = a.reset()  # from the cache
    assert first.tobytes() == again.tobytes()


def test_set_task_validates(env):
    task = env.task_cls
    with pytest.raises(ValueError, match="outside"):
        env.set_task(np.full(task.Params.dim(), 99.0))
    with pytest.raises(ValueError, match="fields do not match"):
        env.set_task({"nonsense": [0.0]})
    with pytest.raises(TypeError):
        env.set_task(get_task("reach").Params.from_vector(get_task("reach").variations()[0]))


def test_bad_config_values():
    with pytest.raises(ValueError, match="num_worlds"):
        BatchEnv("push", 0)
    with pytest.raises(ValueError, match="variations"):
        BatchEnv("push", 1, variations="everything")
    with pytest.raises(ValueError, match="max_episode_steps"):
        BatchEnv("push", 1, max_episode_steps=-5)


def test_unknown_task_suggests_close_names():
    with pytest.raises(KeyError, match="did you mean 'push'"):
        BatchEnv("psuh", 1)


def test_variation_sets_differ_between_tasks_and_seeds():
    reach, push = get_task("reach"), get_task("push")
    assert not np.array_equal(reach.variations("train")[:, :3], push.variations("train")[:, :3])
    assert not np.array_equal(push.variations("train", seed=0), push.variations("train", seed=1))
    np.testing.assert_array_equal(push.variations("train", seed=3), push.variations("train", seed=3))


def test_empty_reset_selection_resets_nothing(env):
    """``reset(ids=terminated | truncated)`` when no episode ended: the current observations."""
    env.reset()
    obs, *_ = env.step(np.full((3, 4), 0.5))
    before = env.get_state()
    for empty in (np.zeros(3, dtype=bool), [], np.array([], dtype=np.int64)):
        again, info = env.reset(ids=empty)
        assert again.tobytes() == obs.tobytes() and info["variation"].shape == env.params.shape
    after = env.get_state()
    assert all(np.array_equal(before[k], after[k]) for k in before if k != "rng")
    assert before["rng"] == after["rng"]


def test_partial_reset_keeps_the_other_worlds_observations(env):
    env.reset()
    for _ in range(2):
        obs, *_ = env.step(np.full((3, 4), 0.5))
    new, _ = env.reset(ids=[1])
    assert new[[0, 2]].tobytes() == obs[[0, 2]].tobytes()
    np.testing.assert_array_equal(new[1, 0:18], new[1, 18:36])  # a first observation


def test_set_state_refuses_a_foreign_or_broken_snapshot_and_changes_nothing(env):
    env.reset()
    env.step(np.full((3, 4), 0.5))
    mine = env.get_state()
    reach = BatchEnv("reach", 3, seed=0)  # the same physics state size as push
    reach.reset()
    theirs = reach.get_state()
    assert theirs["physics"].shape == mine["physics"].shape
    broken = {
        "task 'reach' v2, this env runs 'push' v2": theirs,
        r"missing keys \['goal'\]": {k: v for k, v in mine.items() if k != "goal"},
        r"unknown keys \['extra'\]": {**mine, "extra": 1},
        r"state\['elapsed'\] must be a int64 array of shape \(3,\)": {**mine, "elapsed": mine["elapsed"][:2]},
        r"state\['needs_reset'\] must be a bool array": {**mine, "needs_reset": mine["needs_reset"].astype(int)},
        r"state\['obs'\] must be a float64 array.*got a list": {**mine, "obs": mine["obs"].tolist()},
        r"state\['rng'\] is not a PCG64 generator state": {**mine, "rng": {"bit_generator": "MT19937"}},
    }
    before = env.get_state()
    for match, state in broken.items():
        with pytest.raises(ValueError, match=match):
            env.set_state(state)
        after = env.get_state()
        assert all(np.array_equal(before[k], after[k]) for k in before if k != "rng"), match
        assert before["rng"] == after["rng"]
    with pytest.raises(TypeError, match="dict from get_state"):
        env.set_state(mine["physics"])


def test_restored_state_is_exact_across_resets():
    """The variation generator is in the snapshot: a reset after a restore draws the same."""
    env = BatchEnv("push", 3, seed=0, variations="random")
    env.reset()
    snapshot = env.get_state()

    def reset_and_step():
        obs, info = env.reset(ids=[0, 2])
        out = [obs, info["variation"]]
        for _ in range(5):
            out.append(env.step(np.full((3, 4), 0.3))[0])
        return np.concatenate([np.ravel(x) for x in out])

    first = reset_and_step()
    env.set_state(snapshot)
    assert reset_and_step().tobytes() == first.tobytes()


def test_world_ids_must_be_integers(env):
    env.reset()
    with pytest.raises(TypeError, match="world ids must be integers or a boolean mask"):
        env.reset(ids=[1.7])
    with pytest.raises(TypeError, match="world ids must be integers"):
        env.end_episodes(np.array([1.0]))


@pytest.mark.parametrize("bad", [np.full((3, 4), "0.5"), np.ones((3, 4), dtype=bool),
                                 np.full((3, 4), 0.5 + 0.5j), np.full((3, 4), None)])
def test_actions_must_be_real_numbers(env, bad):
    env.reset()
    before = env.sim.state.copy()
    with pytest.raises(TypeError, match=r"actions must be a real float array of shape \(3, 4\)"):
        env.step(bad)
    np.testing.assert_array_equal(env.sim.state, before)
    env.step(np.zeros((3, 4), dtype=np.int64))  # integers are real numbers


def test_too_many_worlds_is_a_clear_error():
    with pytest.raises(ValueError, match=r"num_worlds=1,000,000,000,000 does not fit in memory"):
        BatchEnv("reach", 10**12)


def test_first_reset_settles_each_distinct_variation_once(monkeypatch):
    rows = get_task("push").variations("train")[:5]
    env = BatchEnv("push", 40, seed=0)
    env.set_task(np.repeat(rows, 8, axis=0))
    settled = []
    real = env._settle
    monkeypatch.setattr(env, "_settle", lambda ids: (settled.append(len(ids)), real(ids))[1])
    obs, _ = env.reset()
    assert settled == [5]
    alone = BatchEnv("push", 5, seed=0)
    alone.set_task(rows)
    np.testing.assert_array_equal(obs[::8], alone.reset()[0])  # same bits as settling each


def test_check_env_finds_no_equal_bounds(task_name):
    import warnings

    import gymnasium as gym
    from gymnasium.utils.env_checker import check_env

    env = gym.make(get_task(task_name).env_id()).unwrapped
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env, skip_render_check=True)
    assert not [w for w in caught if "equal" in str(w.message)], [str(w.message) for w in caught]
