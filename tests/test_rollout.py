"""The rollout module and the ``active`` mask of BatchEnv.step: masked steps, episodic runs
(run_episodes) and continuing collection (Collector)."""

import numpy as np
import pytest

from manyworld.benchmarks.multitask import MultiTaskEnv
from manyworld.benchmarks.wrappers import EpisodeStatistics
from manyworld.envs.batch_env import BatchEnv
from manyworld.envs.rollout import Collector, run_episodes
from manyworld.tasks.base import get_task

REACH = get_task("reach")


# ------------------------------------------------------------------ BatchEnv.step(active=)
def _staggered() -> BatchEnv:
    """Worlds 1 and 2 truncated (episode over), world 0 one step into a new episode."""
    env = BatchEnv("reach", 3, seed=0, max_episode_steps=3)
    env.reset()
    env.step(np.zeros((3, 4)))
    env.step(np.zeros((3, 4)))
    env.reset(ids=[0])
    *_, truncated, _ = env.step(np.zeros((3, 4)))
    assert truncated.tolist() == [False, True, True]
    return env


def test_inactive_ended_worlds_do_not_raise_and_keep_their_bookkeeping():
    env = _staggered()
    active = np.array([True, False, False])
    _, _, terminated, truncated, _ = env.step(np.zeros((3, 4)), active=active)
    # the step counted for world 0 only; worlds 1 and 2 still wait for their reset
    assert env.elapsed.tolist() == [2, 3, 3]
    assert env.needs_reset.tolist() == [False, True, True]
    assert not terminated[1:].any() and not truncated[1:].any()
    with pytest.raises(ValueError, match=r"worlds \[1, 2\] have no running episode"):
        env.step(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"worlds \[1\] have no running episode"):
        env.step(np.zeros((3, 4)), active=np.array([False, True, False]))
    *_, truncated, _ = env.step(np.zeros((3, 4)), active=active)  # carried along again
    assert truncated.tolist() == [True, False, False] and env.elapsed.tolist() == [3, 3, 3]
    env.reset(ids=[0, 1, 2])
    env.step(np.zeros((3, 4)))


@pytest.mark.parametrize(
    ("mask", "message"),
    [(np.ones(2, bool), r"shape \(3,\).*got bool of shape \(2,\)"),
     (np.ones((3, 1), bool), r"got bool of shape \(3, 1\)"),
     (np.ones(3), r"bool mask.*got float64")],
)
def test_malformed_active_mask_raises_and_steps_nothing(mask, message):
    env = BatchEnv("reach", 3, seed=0)
    env.reset()
    before = env.sim.state.copy()
    with pytest.raises(ValueError, match=message):
        env.step(np.zeros((3, 4)), active=mask)
    np.testing.assert_array_equal(env.sim.state, before)
    assert (env.elapsed == 0).all()


def test_all_active_mask_is_the_unmasked_step():
    env = BatchEnv("push", 2, seed=0)
    env.reset()
    start = env.get_state()
    actions = np.random.default_rng(0).uniform(-1, 1, (2, 4))
    plain = env.step(actions)
    env.set_state(start)
    masked = env.step(actions, active=np.ones(2, bool))
    for a, b in zip(plain[:4], masked[:4]):
        np.testing.assert_array_equal(a, b)


def test_end_episodes_requires_a_reset():
    env = BatchEnv("reach", 2, seed=0)
    env.reset()
    env.end_episodes([1])
    with pytest.raises(ValueError, match=r"worlds \[1\]"):
        env.step(np.zeros((2, 4)))
    env.step(np.zeros((2, 4)), active=np.array([True, False]))
    env.reset(ids=[1])
    env.step(np.zeros((2, 4)))


def test_multitask_env_checks_the_mask():
    env = MultiTaskEnv(["reach", "push"], 1, seed=0)
    env.reset()
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        env.step(np.zeros((2, 4)), active=np.ones(3, bool))
    with pytest.raises(ValueError, match="bool mask"):
        env.step(np.zeros((2, 4)), active=[1, 0])


# ------------------------------------------------------------------ run_episodes
class _Expert:
    name = "reach-expert"

    def act(self, obs):
        return REACH.expert(obs)


def test_run_episodes_takes_a_plain_callable_or_an_agent():
    env = BatchEnv("reach", 3, seed=0, terminate_on_success=True)
    by_callable = run_episodes(env, REACH.expert, seed=1)
    by_agent = run_episodes(env, _Expert(), seed=1)
    assert by_callable.success.all()
    np.testing.assert_array_equal(by_callable.lengths, by_callable.first_success)
    assert by_callable.world_steps == by_callable.lengths.sum()
    for key in ("success", "first_success", "returns", "lengths"):
        np.testing.assert_array_equal(getattr(by_callable, key), getattr(by_agent, key))


def test_run_episodes_max_steps_stop_and_on_step():
    env = BatchEnv("reach", 3, seed=0)
    idle = run_episodes(env, lambda obs: np.zeros((3, 4)), max_steps=5, record=True)
    assert idle.lengths.tolist() == [5, 5, 5] and not idle.success.any()
    assert idle.trajectory["observations"].shape == (3, 5, 39)

    seen = []
    res = run_episodes(env, REACH.expert, stop=np.all,
                       on_step=lambda t, obs, *rest: seen.append((t, obs.shape, rest[-1].sum())))
    # without terminate_on_success every world runs until the last one succeeds
    assert res.success.all() and (res.lengths == res.first_success.max()).all()
    assert seen == [(t, (3, 39), 3) for t in range(len(seen))] and len(seen) == res.lengths[0]


def test_run_episodes_rejects_bad_actions():
    env = BatchEnv("reach", 2, seed=0)

    def three_d(obs):
        return np.zeros((2, 3))

    with pytest.raises(ValueError, match=r"three_d returned actions of shape \(2, 3\)"):
        run_episodes(env, three_d)
    with pytest.raises(ValueError, match="max_steps"):
        run_episodes(env, REACH.expert, max_steps=0)


# ------------------------------------------------------------------ Collector
def _stats_env():
    return EpisodeStatistics(MultiTaskEnv(["reach"], 3, seed=0, terminate_on_success=True))


def test_collector_is_the_training_loop_step():
    """Step for step what train/loop.py does by hand, with episodes ending at different steps."""
    col = Collector(_stats_env(), seed=1)
    ref = _stats_env()
    obs, _ = ref.reset(seed=1)
    end_steps = []
    for t in range(45):
        np.testing.assert_array_equal(col.obs, obs)
        actions = REACH.expert(obs)
        s = col.step(actions)
        next_obs, reward, terminated, truncated, info = ref.step(actions)
        done = terminated | truncated
        np.testing.assert_array_equal(s.obs, obs)
        np.testing.assert_array_equal(s.next_obs, next_obs)
        np.testing.assert_array_equal(s.reward, reward)
        np.testing.assert_array_equal(s.done, done)
        assert s.done.tolist() == (s.terminated | s.truncated).tolist()
        np.testing.assert_array_equal(s.ended, np.flatnonzero(done))
        if done.any():
            end_steps.append(t)
            ended = np.flatnonzero(done)
            np.testing.assert_array_equal(s.episode["length"], info["episode"]["length"])
            next_obs, _ = ref.reset(ids=ended)
            # the stored next observation is the last one of the episode, not the reset's
            assert not np.array_equal(s.next_obs[ended], col.obs[ended])
            assert not np.shares_memory(s.next_obs, col.obs)
        else:
            assert s.episode is None and s.ended.size == 0
        obs = next_obs
    assert len(end_steps) >= 2, "episodes should end at different steps"
