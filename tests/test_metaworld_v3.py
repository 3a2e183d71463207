"""Meta-World v3's documented gymnasium usage, run with only the id prefix changed.

The snippets follow Meta-World v3's README and basic-usage docs
(Farama-Foundation/Metaworld, README.md and docs/introduction/basic_usage.md),
with ``Meta-World/`` replaced by ``manyworld/`` and ``import metaworld`` by
``import manyworld``.
"""

import gymnasium as gym
import numpy as np
import pytest

import manyworld  # noqa: F401
from manyworld.benchmarks.metaworld_v3 import MetaWorldVectorEnv, task_name


# ---------------------------------------------------------------- the documented snippets
def test_readme_mt1_loop():
    env = gym.make("manyworld/MT1", env_name="reach-v3")
    observation, info = env.reset()
    for _ in range(500):
        action = env.action_space.sample()
        observation, _reward, terminated, truncated, info = env.step(action)
    assert observation.shape == (39,) and truncated and not terminated
    assert "success" in info
    env.close()


def test_mt1_with_seed_is_reproducible():
    def run(seed):
        env = gym.make("manyworld/MT1", env_name="reach-v3", seed=seed)
        obs, _ = env.reset()
        a = env.action_space.sample()  # seeded by seed=, as in Meta-World
        obs2, *_ = env.step(a)
        return obs, obs2

    a, b, c = run(0), run(0), run(1)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0][36:], c[0][36:])  # another seed, another goal


@pytest.mark.parametrize("strategy", ["sync", "async"])
def test_mt10_make_vec(strategy):
    envs = gym.make_vec("manyworld/MT10", vector_strategy=strategy, seed=42)
    obs, info = envs.reset()
    assert isinstance(envs, MetaWorldVectorEnv) and envs.num_envs == 10
    assert obs.shape == (10, 39)  # Meta-World's default: no one-hot
    np.testing.assert_array_equal(info["task_id"], np.arange(10))
    obs, reward, *_ = envs.step(envs.action_space.sample())
    assert obs.shape == (10, 39) and reward.shape == (10,)
    envs.close()


def test_mt10_one_hot_and_mt50_shapes():
    envs = gym.make_vec("manyworld/MT10", vector_strategy="sync", seed=0, use_one_hot=True)
    obs, _ = envs.reset()
    assert obs.shape == (10, 49)
    np.testing.assert_array_equal(obs[:, 39:], np.eye(10))
    envs = gym.make_vec("manyworld/MT50", vector_strategy="sync", seed=0, use_one_hot=True)
    assert envs.reset()[0].shape == (50, 89)


@pytest.mark.parametrize("split", ["train", "test"])
def test_ml1_make_vec(split):
    envs = gym.make_vec(f"manyworld/ML1-{split}", env_name="reach-V3", vector_strategy="sync", seed=42)
    obs, _ = envs.reset()
    assert envs.num_envs == 20 and obs.shape == (20, 39)
    assert (obs[:, 36:] == 0).all()  # goal hidden
    pairs = envs.env.unwrapped.pairs
    assert {p.split for p in pairs} == {split}  # Meta-World v3's ML1-train gives test goals
    assert envs.env.unwrapped.terminate_on_success == (split == "test")


@pytest.mark.parametrize("bench, train, test", [("ML10", 10, 5), ("ML45", 45, 5)])
def test_ml10_ml45_make_vec(bench, train, test):
    envs = gym.make_vec(f"manyworld/{bench}-train", vector_strategy="sync", seed=42)
    _, info = envs.reset()
    # 20 sub-envs (2 per task) for ML10; ML45's default 20 cannot cover 45 tasks: one per task
    assert envs.num_envs == max(20, train)
    assert len(set(info["task_id"].tolist())) == train
    envs = gym.make_vec(f"manyworld/{bench}-test", vector_strategy="sync", seed=42)
    _, info = envs.reset()
    assert len(set(info["task_id"].tolist())) == test


def test_custom_mt_and_ml_envs():
    envs = gym.make_vec(
        "manyworld/custom-mt-envs", vector_strategy="sync", envs_list=["reach-v3", "push-v3"], seed=1
    )
    assert envs.reset()[0].shape == (2, 39)
    envs = gym.make_vec(
        "manyworld/custom-ml-envs",
        vector_strategy="sync",
        train_envs=["reach-v3", "push-v3"],
        test_envs=["pick-place-v3"],
        meta_batch_size=4,
        seed=1,
    )
    _, info = envs.reset()
    assert envs.num_envs == 4 and info["task_id"].tolist() == [0, 0, 1, 1]
    test = gym.make_vec(
        "manyworld/custom-ml-envs", vector_strategy="sync", train_envs=["reach-v3"],
        test_envs=["pick-place-v3"], split="test",
    )  # fmt: skip
    assert test.env.unwrapped.task_names == ("pick-place",)


def test_goal_observable_and_hidden_keep_one_goal():
    obs_env = gym.make("manyworld/goal_observable", env_name="door-open-v3", seed=5)
    twin = gym.make("manyworld/goal_observable", env_name="door-open-v3-goal-observable", seed=5)
    other = gym.make("manyworld/goal_observable", env_name="door-open-v3", seed=10)
    goals = [e.reset()[0][36:] for e in (obs_env, twin, other)]
    np.testing.assert_array_equal(goals[0], goals[1])
    assert not np.array_equal(goals[0], goals[2]) and goals[0].any()
    np.testing.assert_array_equal(obs_env.reset()[0][36:], goals[0])  # same goal every reset
    hidden = gym.make("manyworld/goal_hidden", env_name="door-open-v3", seed=5)
    assert not hidden.reset()[0][36:].any()


# ---------------------------------------------------------------- Meta-World's keywords
def test_max_episode_steps_and_the_end_of_an_episode():
    # gym.make applies max_episode_steps itself (a TimeLimit), in Meta-World as here
    env = gym.make("manyworld/MT1", env_name="reach-v3", seed=0, max_episode_steps=150)
    env.reset()
    truncated = [env.step(np.zeros(4))[3] for _ in range(150)]
    assert truncated[-1] and not any(truncated[:-1])
    env = gym.make("manyworld/MT1", env_name="reach-v3", seed=0)
    env.reset()
    truncated = [env.step(np.zeros(4))[3] for _ in range(500)]
    assert truncated[-1] and not any(truncated[:-1])
    with pytest.raises(ValueError, match="reset"):
        env.step(np.zeros(4))  # past the end of an episode Meta-World raises too


def test_terminate_on_success():
    from manyworld.compat.policies import ENV_POLICY_MAP

    policy = ENV_POLICY_MAP["reach-v3"]()
    for flag in (True, False):
        env = gym.make("manyworld/MT1", env_name="reach-v3", seed=0, terminate_on_success=flag)
        obs, _ = env.reset()
        for t in range(500):
            obs, _, terminated, truncated, _ = env.step(policy.get_action(obs))
            if terminated or truncated:
                break
        assert terminated == flag and (t < 499) == flag


def test_same_step_autoreset_is_the_default():
    envs = gym.make_vec("manyworld/MT10", vector_strategy="sync", seed=0, max_episode_steps=3)
    envs.reset()
    for _ in range(3):
        obs, _, _, truncated, info = envs.step(np.zeros((10, 4)))
    assert truncated.all() and info["_final_obs"].all()
    assert not np.array_equal(info["final_obs"], obs)  # obs is the next episode's first


def test_task_select_walks_every_variation():
    envs = gym.make_vec("manyworld/MT10", vector_strategy="sync", seed=0, num_goals=3,
                        task_select="pseudorandom")  # fmt: skip
    seen = []
    for _ in range(3):
        envs.reset()
        seen.append(envs.env.unwrapped.pairs[0].index)
    assert sorted(seen) == [0, 1, 2]


def test_num_goals_limits_mt_variations():
    envs = gym.make_vec("manyworld/MT10", vector_strategy="sync", seed=0, num_goals=1)
    goals = {tuple(envs.reset()[0][0, 36:]) for _ in range(4)}
    assert len(goals) == 1


def test_recurrent_info_and_normalisation():
    envs = gym.make_vec("manyworld/ML10-train", vector_strategy="sync", seed=0,
                        recurrent_info_in_obs=True, normalize_observations=True,
                        reward_normalization_method="gymnasium")  # fmt: skip
    obs, _ = envs.reset()
    assert obs.shape == (20, 39 + 6)
    obs, reward, *_ = envs.step(np.ones((20, 4)) * 0.5)
    assert np.isfinite(obs).all() and np.isfinite(reward).all()
    envs = gym.make_vec("manyworld/MT10", vector_strategy="sync", seed=0,
                        reward_normalization_method="exponential", reward_alpha=0.01)  # fmt: skip
    envs.reset()
    assert np.isfinite(envs.step(np.zeros((10, 4)))[1]).all()


def test_render_rgb_array_per_world():
    env = gym.make("manyworld/MT1", env_name="reach-v3", render_mode="rgb_array",
                   camera_name="gripperPOV", width=32, height=24)  # fmt: skip
    env.reset()
    assert env.render().shape == (24, 32, 3)
    envs = gym.make_vec("manyworld/custom-mt-envs", vector_strategy="sync",
                        envs_list=["reach-v3", "push-v3"], render_mode="rgb_array", camera_id=1,
                        width=16, height=16)  # fmt: skip
    envs.reset()
    frames = envs.render()
    assert len(frames) == 2 and frames[1].shape == (16, 16, 3)


# ---------------------------------------------------------------- clear errors
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"reward_function_version": "v1"}, "v2 rewards"),
        ({"render_mode": "human"}, "rgb_array"),
        ({"camera_name": "corner2"}, "no counterpart"),
        ({"task_select": "round-robin"}, "task_select"),
        ({"num_envs": 7}, "ignores num_envs"),
        ({"meta_batch_size": 4}, "ML options"),
        ({"num_goals": 0}, "num_goals"),
        ({"vector_strategy": "threads"}, "vector_strategy"),
    ],
)
def test_bad_metaworld_keywords(kwargs, match):
    kwargs = {"vector_strategy": "sync", **kwargs}
    with pytest.raises(ValueError, match=match):
        gym.make_vec("manyworld/MT10", **kwargs)


def test_unknown_keyword_and_dialect_mix():
    with pytest.raises(TypeError, match="worlds_per_task"):
        gym.make_vec("manyworld/MT10", vector_strategy="sync", worlds_per_task=2)
    with pytest.raises(ValueError, match="fewer than the 45"):
        gym.make_vec("manyworld/ML45-train", vector_strategy="sync", meta_batch_size=20)
    with pytest.raises(ValueError, match="envs_list"):
        gym.make_vec("manyworld/custom-mt-envs")


def test_task_names():
    assert task_name("reach-v3") == task_name("Reach-V3") == task_name("reach") == "reach"
    with pytest.raises(ValueError, match="v3"):
        task_name("reach-v2")
    with pytest.raises(KeyError, match="did you mean"):
        task_name("reech-v3")
