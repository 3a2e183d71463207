"""Contract tests run over every registered task (fast tier)."""

import json
import re

import gymnasium as gym
import mujoco
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from manyworld.envs.batch_env import BatchEnv
from manyworld.quality import check_task
from manyworld.tasks import rewards
from manyworld.tasks.base import get_task

CI_VARIATIONS = 10
# random-policy episodes per train variation in CI (the full gate: quality.RANDOM_REPEATS)
CI_RANDOM_REPEATS = 2


def test_quality_gate_ci_tier(task_name):
    report = check_task(task_name, num_variations=CI_VARIATIONS, random_repeats=CI_RANDOM_REPEATS)
    assert report.passed, report.format()


@pytest.mark.slow
def test_quality_gate_full(task_name):
    report = check_task(task_name)
    assert report.passed, report.format()


def test_docstring_sections(task_name):
    doc = get_task(task_name).__doc__
    for section in ("Description:", "Randomization:", "Success:", "Reward terms:", "Version history:"):
        assert section in doc, f"{task_name} docstring lacks {section}"


def test_reward_weights_are_declared_and_documented(task_name):
    # each task owns its weights (a family's shared evaluate reads them from the task), they
    # make a weighted mean of the terms, and the docstring's formula is theirs, in their order
    task = get_task(task_name)
    assert "reward_weights" in vars(task), f"{task_name} declares no reward_weights of its own"
    assert not rewards.weight_problems(task.reward_weights)
    doc = " ".join(task.__doc__.split())
    written = re.search(r"Reward = 10 on success, else 9 \* (?:\((?P<many>[^)]*)\)|(?P<one>\w+))", doc)
    assert written, f"{task_name} docstring lacks 'Reward = 10 on success, else 9 * (...)'"
    assert (written["many"] or written["one"]) == rewards.formula(task.reward_weights)


def test_everything_is_named(task_name):
    model = BatchEnv(task_name, 1).model
    kinds = {"body": model.nbody, "joint": model.njnt, "geom": model.ngeom, "site": model.nsite,
             "camera": model.ncam}
    for kind, count in kinds.items():
        for i in range(1 if kind == "body" else 0, count):  # body 0 is the world
            assert getattr(model, kind)(i).name, f"{task_name}: unnamed {kind} {i}"
    for cam in ("corner", "topview", "front", "gripper"):
        assert mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_CAMERA, cam) >= 0


def test_only_gpu_friendly_colliders(task_name):
    model = BatchEnv(task_name, 1).model
    cylinder, box = mujoco.mjtGeom.mjGEOM_CYLINDER, mujoco.mjtGeom.mjGEOM_BOX
    mesh = mujoco.mjtGeom.mjGEOM_MESH
    colliding = (model.geom_contype != 0) | (model.geom_conaffinity != 0)
    assert not (colliding & (model.geom_type == mesh)).any()
    boxes = colliding & (model.geom_type == box)
    for g in np.flatnonzero(colliding & (model.geom_type == cylinder)):
        # a colliding cylinder must be unable to touch any box
        can_touch = ((model.geom_contype[g] & model.geom_conaffinity[boxes]) |
                     (model.geom_conaffinity[g] & model.geom_contype[boxes])).any()
        assert not can_touch, f"{task_name}: cylinder {model.geom(g).name} may touch a box"


def test_gymnasium_env_checker(task_name):
    env = gym.make(get_task(task_name).env_id())
    check_env(env.unwrapped, skip_render_check=True)


def test_spaces_and_dtypes(task_name):
    env = gym.make(get_task(task_name).env_id())
    obs, info = env.reset(seed=3)
    assert env.action_space == gym.spaces.Box(-1, 1, (4,), np.float32)
    assert obs.shape == (39,) and obs.dtype == np.float64
    assert env.observation_space.contains(obs)
    obs, reward, _terminated, _truncated, info = env.step(env.action_space.sample())
    assert isinstance(reward, float) and 0.0 <= reward <= 10.0
    for key in ("success", "near_object", "grasp_success", "obj_to_target"):
        assert key in info
    assert any(k.startswith("reward_") for k in info)
    np.testing.assert_array_equal(obs[36:39], env.unwrapped.batch_env.goal[0])


def test_quaternions_are_unit_wxyz(task_name):
    env = BatchEnv(task_name, 4, seed=0)
    obs, _ = env.reset()
    q = obs[:, 7:11]
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-6)
    q2 = obs[:, 14:18]
    if get_task(task_name).has_object2:
        np.testing.assert_allclose(np.linalg.norm(q2, axis=1), 1.0, atol=1e-6)
    else:
        assert not q2.any() and not obs[:, 11:14].any()


def test_reset_frame_copy_and_goal_hiding(task_name):
    env = BatchEnv(task_name, 2, seed=0, goal_visible=False)
    obs, _ = env.reset()
    np.testing.assert_array_equal(obs[:, 0:18], obs[:, 18:36])
    assert not obs[:, 36:39].any()
    prev = obs[:, 0:18].copy()
    obs, *_ = env.step(np.ones((2, 4)))
    np.testing.assert_array_equal(obs[:, 18:36], prev)
    assert env.observation_space.contains(obs[0])


def test_params_round_trip(task_name):
    task = get_task(task_name)
    row = task.variations("train")[0]
    params = task.Params.from_vector(row)
    again = task.Params.from_dict(json.loads(params.to_json()))
    assert again == params
    np.testing.assert_array_equal(again.to_vector(), row)


def test_set_task_pins_the_variation(task_name):
    task = get_task(task_name)
    env = gym.make(task.env_id())
    params = task.Params.from_vector(task.variations("test")[7])
    env.unwrapped.set_task(params)
    first, _ = env.reset(seed=1)
    second, _ = env.reset(seed=2)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(env.unwrapped.batch_env.params[0], params.to_vector())


def test_random_policy_check_is_a_confidence_bound():
    from manyworld.quality import success_upper_bound

    # one-sided Clopper-Pearson: with no success in n episodes the bound is 1 - alpha^(1/n)
    assert success_upper_bound(0, 200) == pytest.approx(1 - 0.05 ** (1 / 200))
    assert success_upper_bound(200, 200) == 1.0
    assert success_upper_bound(4, 200) < 0.05 < success_upper_bound(5, 100)
    report = check_task("reach", num_variations=1, random_repeats=2)
    check = next(c for c in report.checks if c.name == "random policy fails")
    assert "/100 episodes, 2 per train variation" in check.detail and "upper bound" in check.detail
    assert report.metrics["random_success_upper_bound"] >= report.metrics["random_success"]
    with pytest.raises(ValueError, match="random_repeats must be a positive integer"):
        check_task("reach", num_variations=1, random_repeats=0)


def test_a_wall_that_does_not_matter_fails_the_sibling_check():
    """A 'harder' task that its easier sibling's expert solves fails the gate (here: reach
    itself, declared a harder version of reach); the wall tasks pass it."""
    from manyworld.tasks.reach import Reach

    class NoWall(Reach):
        easier_sibling = "reach"

    report = check_task(NoWall, num_variations=4, random_repeats=1)
    check = next(c for c in report.checks if c.name == "reach expert fails")
    assert not check.passed and "succeeds on 1.00 of 4" in check.detail
    walls = {"reach-wall": "reach", "pick-place-wall": "pick-place", "push-wall": "push",
             "button-press-wall": "button-press", "button-press-topdown-wall": "button-press-topdown"}
    assert {name: get_task(name).easier_sibling for name in walls} == walls


def test_the_reward_hacking_probe():
    """Reach passes; a reward that pays more than 9 without success fails the margin check,
    and one that pays its maximum (9) everywhere fails the stall check once success comes
    late enough that stalling earns nearly as much as finishing."""
    from manyworld.quality import STALL_MAX_RETURN_RATIO, UNSOLVED_MAX_REWARD
    from manyworld.tasks.reach import Reach

    report = check_task("reach", num_variations=4, random_repeats=1)
    checks = {c.name: c for c in report.checks}
    assert checks["success pays clearly more"].passed
    assert checks["stalling short of success pays less"].passed
    assert report.metrics["reward_max_unsolved"] <= UNSOLVED_MAX_REWARD
    assert 0 < report.metrics["stall_return_ratio_max"] <= STALL_MAX_RETURN_RATIO

    class NearlySuccess(Reach):
        def evaluate(self, sim, goal):
            ev = super().evaluate(sim, goal)
            ev.reward = np.where(ev.success, 10.0, 9.5)
            return ev

    checks = {c.name: c for c in check_task(NearlySuccess, num_variations=2, random_repeats=1).checks}
    assert not checks["success pays clearly more"].passed
    assert "9.500" in checks["success pays clearly more"].detail

    class FlatAndSlow(Reach):
        # the expert at a twentieth of its speed succeeds after 300-460 steps
        @staticmethod
        def expert(obs):
            return 0.05 * np.asarray(Reach.expert(obs))

        def evaluate(self, sim, goal):
            ev = super().evaluate(sim, goal)
            ev.reward = np.where(ev.success, 10.0, 9.0)
            return ev

    report = check_task(FlatAndSlow, num_variations=2, random_repeats=1)
    checks = {c.name: c for c in report.checks}
    assert checks["expert on train"].passed and checks["success pays clearly more"].passed
    assert not checks["stalling short of success pays less"].passed
    assert report.metrics["stall_return_ratio_max"] > STALL_MAX_RETURN_RATIO
