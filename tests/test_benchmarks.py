"""Benchmark definitions and identity, the multi-task env, sampling, wrappers, gymnasium ids
and the Meta-World compatibility layer.

Tests that need a published benchmark's tasks skip (naming the missing tasks)
until those tasks are registered, and start running as they land.
"""

import time

import gymnasium as gym
import numpy as np
import pytest

import manyworld.benchmarks  # noqa: F401  (registers manyworld/MT10 & co.)
from manyworld.benchmarks import (
    MissingTasksError,
    MultiTaskEnv,
    UnknownBenchmarkError,
    custom_ml,
    custom_mt,
    get_benchmark,
    make_env,
    sample_tasks,
    suites,
    variation_hash,
)
from manyworld.benchmarks.benchmark import Benchmark
from manyworld.benchmarks.sampling import all_pairs
from manyworld.benchmarks.wrappers import (
    EpisodeStatistics,
    HideGoal,
    NormalizeReward,
    RL2Observation,
)
from manyworld.envs.batch_env import BatchEnv
from manyworld.tasks.base import get_task, task_names, tasks_of

# Tasks every tier of the suite has; the published benchmarks are tested as their tasks land.
CORE = ("reach", "push", "pick-place", "peg-insert-side")


def require(name: str):
    """The benchmark, or skip naming the tasks it still lacks."""
    bench = get_benchmark(name)
    missing = bench.missing_tasks()
    if missing:
        pytest.skip(f"{name}: tasks not registered yet: {', '.join(missing)}")
    return bench


# ------------------------------------------------------------------ definitions
def test_published_lists():
    suites.check_splits()
    assert suites.MT10[-1] == "window-close"  # Meta-World's code, not its paper's "open box"
    assert set(suites.ML45_TRAIN) | set(suites.ML45_TEST) == set(suites.MT50)
    assert suites.CW20 == suites.CW10 * 2
    # ML25: basketball is a train task, so the test list must not hold it
    assert "basketball" in suites.ML25_TRAIN and "basketball" not in suites.ML25_TEST


@pytest.mark.parametrize(
    "name,kind,n_train,n_test",
    [
        ("MT10", "MT", 10, 0),
        ("MT25", "MT", 25, 0),
        ("MT50", "MT", 50, 0),
        ("ML10", "ML", 10, 5),
        ("ML25", "ML", 25, 5),
        ("ML45", "ML", 45, 5),
        ("CW10", "CW", 10, 0),
        ("CW20", "CW", 10, 0),
    ],
)
def test_named_benchmarks_are_defined_without_their_tasks(name, kind, n_train, n_test):
    b = get_benchmark(name)
    assert (b.kind, len(b.train_tasks), len(b.test_tasks)) == (kind, n_train, n_test)
    assert b.goal_visible == (kind != "ML") and b.one_hot == (kind != "ML")
    text = b.describe()
    assert name in text
    if b.missing_tasks():
        assert "NOT BUILDABLE YET" in text and b.missing_tasks()[0] in text


def test_name_forms_and_errors():
    assert (
        get_benchmark("MT1(reach)") == get_benchmark("mt1:reach") == get_benchmark("MT1/reach-v2")
    )
    assert get_benchmark("ML1(push)").test_tasks == ("push",)
    with pytest.raises(UnknownBenchmarkError, match="did you mean MT1, MT10"):
        get_benchmark("MT11")
    with pytest.raises(UnknownBenchmarkError, match="takes a task"):
        get_benchmark("MT1")
    with pytest.raises(KeyError, match="did you mean 'reach'"):
        get_benchmark("MT1(rech)")
    with pytest.raises(ValueError, match="both train and test"):
        custom_ml(["reach", "push"], ["push"])
    with pytest.raises(ValueError, match="repeat"):
        custom_mt(["reach", "reach"])


def test_missing_tasks_are_named_never_obscure():
    b = custom_mt(["reach", "no-such-task"])
    assert b.missing_tasks() == ["no-such-task"]
    for build in (
        b.require_tasks,
        b.identity,
        lambda: make_env(b),
        lambda: MultiTaskEnv(["reach", "nope"]),
    ):
        with pytest.raises(KeyError, match="no-such-task|nope"):
            build()
    with pytest.raises(MissingTasksError, match="not registered: no-such-task"):
        make_env(b)


def test_identity_is_stable_and_content_addressed():
    a, b = custom_mt(list(CORE)), custom_mt(list(CORE))
    assert a.identity() == b.identity() and len(a.hash) == 16
    ident = a.identity()
    entry = ident["tasks"][0]
    assert entry["train"]["sha256"] == variation_hash(get_task(entry["task"]).variations("train"))
    assert "test" not in entry  # MT uses training variations only
    assert custom_mt(list(CORE), variation_seed=1).hash != a.hash
    ml1 = get_benchmark("ML1(reach)").identity()
    assert set(ml1["tasks"][0]) >= {"train", "test"} and not ml1["goal_visible"]
    assert get_benchmark("MT1(reach)").hash != get_benchmark("ML1(reach)").hash


# ------------------------------------------------------------------ multi-task env
def test_any_number_of_worlds_per_task():
    env = MultiTaskEnv(["reach", "push", "pick-place"], [1, 2, 3], seed=0)
    assert env.num_worlds == 6 and env.task_ids.tolist() == [0, 1, 1, 2, 2, 2]
    obs, info = env.reset()
    assert obs.shape == (6, 39) and (info["task_id"] == env.task_ids).all()
    obs, reward, terminated, _truncated, info = env.step(np.zeros((6, 4)))
    assert reward.shape == terminated.shape == info["success"].shape == (6,)
    with pytest.raises(ValueError, match=r"shape \(6, 4\)"):
        env.step(np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"worlds \[3\].*NaN"):
        env.step(np.where(np.arange(6)[:, None] == 3, np.nan, 0.0) * np.ones((6, 4)))


def test_empty_reset_selection_and_bad_inputs_of_the_multitask_env():
    base = make_env(custom_mt(["reach", "push"]), worlds_per_task=2, seed=0, one_hot=True,
                    max_episode_steps=4)  # fmt: skip
    env = NormalizeReward(RL2Observation(HideGoal(base)), "running")
    env.reset()
    obs, *_ = env.step(np.full((4, 4), 0.5))
    # reset(ids=terminated | truncated) with no episode ended: the current observations
    for empty in (np.zeros(4, dtype=bool), []):
        again, info = env.reset(ids=empty)
        assert again.tobytes() == obs.tobytes() and info["task_id"].shape == (4,)
    again, _ = env.reset(ids=[2])
    assert again[[0, 1, 3]].tobytes() == obs[[0, 1, 3]].tobytes()
    with pytest.raises(TypeError, match="world ids must be integers or a boolean mask"):
        env.reset(ids=[1.7])
    with pytest.raises(TypeError, match=r"actions must be a real float array of shape \(4, 4\)"):
        env.step(np.full((4, 4), 0.5 + 0.5j))
    with pytest.raises(TypeError, match="worlds_per_task must be an integer, one integer per task"):
        MultiTaskEnv(["reach"], 1.5)
    with pytest.raises(ValueError, match="worlds_per_task must be non-negative integers"):
        MultiTaskEnv(["reach", "push"], [1.5, 1])


def test_worlds_match_a_standalone_batch_env_bit_for_bit():
    bench = custom_mt(["reach", "push"])
    pairs = all_pairs(bench, "train", 3)
    order = [pairs[4], pairs[0], pairs[5], pairs[1]]  # interleaved tasks, any order
    env = MultiTaskEnv(["reach", "push"], seed=0)
    env.set_tasks(order)
    obs, _ = env.reset()
    ref = {}
    for t in ("reach", "push"):
        ref[t] = BatchEnv(t, 1, seed=0)
    for i, p in enumerate(order):
        ref[p.task].set_task(p.row)
        ref_obs, _ = ref[p.task].reset()
        np.testing.assert_array_equal(obs[i], ref_obs[0])
        goal = get_task(p.task)().goal(get_task(p.task).Params.split(p.row[None]))[0]
        np.testing.assert_allclose(obs[i, 36:39], goal)


def test_sampling_is_balanced_and_without_replacement():
    bench = custom_mt(["reach", "push"])
    pairs = sample_tasks(bench, 7, rng=0)
    counts = {t: sum(p.task == t for p in pairs) for t in ("reach", "push")}
    assert sorted(counts.values()) == [3, 4]
    for t in counts:
        idx = [p.index for p in pairs if p.task == t]
        assert len(set(idx)) == len(idx)
    assert sample_tasks(bench, 7, rng=0) == pairs
    assert (
        len({p.task for p in sample_tasks(bench, 1, rng=3)}) == 1
    )  # fewer worlds than tasks is fine
    many = sample_tasks(bench, 130, rng=0)  # more than 50 per task cycles through fresh shuffles
    assert len(many) == 130 and len({(p.task, p.index) for p in many}) == 100
    with pytest.raises(ValueError, match="positive integer"):
        sample_tasks(bench, 0)
    ml = custom_ml(["reach"], ["push"], test_variations=5)
    assert {p.index for p in sample_tasks(ml, 20, split="test", rng=0)} <= set(range(5))


def test_meta_batch_reset_works_before_sampling():
    envs = gym.make_vec(
        "manyworld/custom-ml-train",
        train_tasks=["reach", "push"],
        test_tasks=["pick-place"],
        num_envs=3,
        seed=0,
    )
    obs, _ = envs.reset()  # Meta-World crashes here without sample_tasks() first
    assert obs.shape == (3, 39) and (obs[:, 36:39] == 0).all()  # goal hidden, no one-hot
    pairs = envs.sample_tasks()
    envs.set_tasks(pairs)
    obs, _ = envs.reset()
    assert [envs.task_names[i] for i in envs.task_ids] == [p.task for p in pairs]
    with pytest.raises(ValueError, match="size is fixed"):
        envs.set_tasks(pairs[:2])
    test = gym.make_vec(
        "manyworld/custom-ml-test",
        train_tasks=["reach", "push"],
        test_tasks=["pick-place"],
        num_envs=2,
        seed=0,
    )
    assert test.task_names == ("pick-place",)


def test_make_vec_mt_layout_and_one_hot():
    envs = gym.make_vec("manyworld/custom-mt", tasks=["reach", "push"], num_envs=5, seed=0)
    obs, _ = envs.reset(seed=1)
    assert obs.shape == (5, 41) and envs.task_ids.tolist() == [0, 0, 0, 1, 1]
    np.testing.assert_array_equal(obs[:, 39:], np.eye(2)[envs.task_ids])
    assert gym.make_vec("manyworld/MT1", task="reach", worlds_per_task=4).num_envs == 4
    no_hot = gym.make_vec("manyworld/custom-mt", tasks=["reach", "push"], use_one_hot=False)
    assert no_hot.single_observation_space.shape == (39,) and no_hot.num_envs == 2
    with pytest.raises(ValueError, match="without worlds"):
        make_env(custom_mt(list(CORE)), num_worlds=3)


def test_vector_autoreset_next_step():
    envs = gym.make_vec(
        "manyworld/custom-mt",
        tasks=["reach", "push"],
        worlds_per_task=2,
        max_episode_steps=3,
        seed=0,
    )
    envs.reset(seed=0)
    for _ in range(3):
        _obs, _reward, _terminated, truncated, _info = envs.step(np.zeros((4, 4)))
    assert truncated.all()
    obs, reward, _terminated, truncated, _info = envs.step(np.zeros((4, 4)))
    assert (reward == 0).all() and not truncated.any()
    np.testing.assert_array_equal(obs[:, 0:18], obs[:, 18:36])  # first observations of new episodes


def test_wrappers():
    base = make_env(
        custom_mt(["reach", "push"]),
        worlds_per_task=2,
        seed=0,
        one_hot=False,
        episode_statistics=False,
        max_episode_steps=4,
    )
    env = EpisodeStatistics(NormalizeReward(RL2Observation(base), "scale"))
    obs, _ = env.reset()
    assert obs.shape == (4, 45) and (obs[:, 39:] == 0).all()
    a = np.full((4, 4), 0.5)
    for _ in range(4):
        obs, reward, _terminated, _truncated, info = env.step(a)
    np.testing.assert_allclose(obs[:, 39:43], 0.5)
    np.testing.assert_allclose(obs[:, 43], 0.1 * info["reward_raw"])  # RL² reward, scaled by 0.1
    assert (obs[:, 44] == 1.0).all()  # done: truncated at the 4th step
    np.testing.assert_allclose(reward, info["reward_raw"] / 10)
    assert info["_episode"].all() and (info["episode"]["length"] == 4).all()
    assert env.summary()["reach"]["episodes"] == 2
    obs, _ = env.reset(ids=[0])
    assert (obs[0, 39:] == 0).all() and (obs[1, 39:] != 0).any()

    hidden = HideGoal(make_env(custom_mt(["reach"]), seed=0, one_hot=False))
    obs, _ = hidden.reset()
    assert (obs[:, 36:39] == 0).all() and (np.abs(hidden.observation_space.high[36:39]) < 1e-300).all()

    running = NormalizeReward(
        make_env(custom_mt(["reach", "push"]), worlds_per_task=3, seed=0, episode_statistics=False),
        "running",
    )
    running.reset()
    for _ in range(5):
        _, r, *_ = running.step(np.zeros((6, 4)))
    assert np.isfinite(r).all() and (running._var > 0).all()
    with pytest.raises(ValueError, match="one of"):
        NormalizeReward(base, "zscore")


# ------------------------------------------------------------------ published benchmarks as they land
@pytest.mark.parametrize("name", ["MT10", "MT25", "MT50", "ML10", "ML25", "ML45", "CW10"])
def test_published_benchmark_builds(name):
    bench = require(name)
    t0 = time.perf_counter()
    env = make_env(bench, split="test" if bench.kind == "ML" else "train", seed=0)
    seconds = time.perf_counter() - t0
    obs, _ = env.reset()
    assert obs.shape[0] == env.num_worlds and np.isfinite(obs).all()
    assert len(bench.identity()["tasks"]) == len(bench.tasks)
    if name == "MT50":
        assert seconds < 5.0, f"MT50 took {seconds:.1f} s to construct (target < 5 s)"


def test_mt10_make_vec():
    require("MT10")
    envs = gym.make_vec("manyworld/MT10", seed=0)
    obs, _ = envs.reset()
    assert obs.shape == (10, 49)


# ------------------------------------------------------------------ Meta-World compatibility
def metaworld_training_loop(metaworld, benchmark):
    """A Meta-World README-style loop, unmodified: only ``metaworld`` is ours."""
    import random

    from manyworld.compat.policies import ENV_POLICY_MAP  # was: from metaworld.policies import ...

    random.seed(0)
    training_envs = []
    for name, env_cls in benchmark.train_classes.items():
        env = env_cls()
        task = random.choice([task for task in benchmark.train_tasks if task.env_name == name])
        env.set_task(task)
        training_envs.append((name, env))

    successes = {}
    for name, env in training_envs:
        policy = ENV_POLICY_MAP[name]()
        obs, info = env.reset()
        for _ in range(env.max_path_length):
            a = policy.get_action(obs)
            obs, _reward, _terminate, truncate, info = env.step(a)
            if int(info["success"]) == 1 or truncate:
                break
        successes[name] = int(info["success"])
    return successes


def test_metaworld_style_loop_mt1():
    import manyworld.compat as metaworld

    mt1 = metaworld.MT1("reach-v3", seed=0)  # Meta-World's name works
    assert list(mt1.train_classes) == ["reach-v2"] and len(mt1.train_tasks) == 50
    assert metaworld_training_loop(metaworld, mt1) == {"reach-v2": 1}


def test_metaworld_style_loop_custom_and_ml1():
    import manyworld.compat as metaworld

    bench = metaworld.CustomMT(list(CORE), seed=0)
    assert all(metaworld_training_loop(metaworld, bench).values())
    ml1 = metaworld.ML1("push-v3")
    assert len(ml1.train_tasks) == len(ml1.test_tasks) == 50
    assert {t.data["index"] for t in ml1.test_tasks} == set(range(50))
    env = ml1.train_classes["push-v2"]()
    env.set_task(ml1.test_tasks[0])
    obs, _ = env.reset()
    assert (obs[36:39] == 0).all()  # ML hides the goal
    with pytest.raises(ValueError, match="another env"):
        env.set_task(metaworld.MT1("reach").train_tasks[0])
    fresh = ml1.train_classes["push-v2"]()
    fresh.reset()  # before set_task: works (Meta-World raises)
    action = metaworld.policies.ENV_POLICY_MAP["push-v3"]().get_action(obs)
    assert action.shape == (4,) and action.dtype == np.float32


def test_metaworld_style_loop_mt10():
    require("MT10")
    import manyworld.compat as metaworld

    successes = metaworld_training_loop(metaworld, metaworld.MT10(seed=0))
    assert len(successes) == 10 and sum(successes.values()) >= 9


def test_benchmark_value_validation():
    with pytest.raises(ValueError, match="kind"):
        Benchmark("x", "RL", ("reach",))
    with pytest.raises(ValueError, match="test_variations"):
        custom_ml(["reach"], ["push"], test_variations=0)


def test_continual_stage_env():
    from manyworld.benchmarks.benchmark import cw

    seq = cw("CW-mini", ("reach", "push", "reach"))
    env = make_env(seq, stage=1, worlds_per_task=3, seed=0)
    obs, _ = env.reset()
    assert env.task_names == ("reach", "push") and env.task_ids.tolist() == [1, 1, 1]
    np.testing.assert_array_equal(
        obs[:, 39:], np.tile([0.0, 1.0], (3, 1))
    )  # one-hot over the sequence
    with pytest.raises(ValueError, match="stages 0-2"):
        make_env(seq, stage=3)
    with pytest.raises(ValueError, match="continual"):
        make_env(custom_mt(["reach"]), stage=0)


def test_command_line_task_words_expand_tags_aliases_and_all():
    assert tasks_of(["all"]) == tasks_of([]) == task_names()
    mt10 = tasks_of(["MT10"])
    assert sorted(mt10) == sorted(suites.MT10) and len(mt10) == 10
    assert tasks_of(["reach", "MT10"])[0] == "reach" and len(tasks_of(["reach", "MT10"])) == 10  # once each
    with pytest.raises(KeyError, match="did you mean 'reach'"):
        tasks_of(["reahc"])
