"""Pixel observations through gymnasium: spaces, dtypes, frame stacks, cameras that move."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import manyworld  # noqa: F401  (registers the ids)


def _make(**kwargs):
    return gym.make("manyworld/reach-v2", **kwargs)


def test_pixels_pass_gymnasium_s_checker_in_every_mode():
    for mode, keys in (("pixels", {"corner", "topview"}), ("state+pixels", {"state", "corner", "topview"})):
        env = _make(obs_mode=mode, cameras=("corner", "topview"), image_size=(24, 32))
        check_env(env.unwrapped, skip_render_check=True)
        obs, _ = env.reset(seed=0)
        assert set(obs) == keys and obs["corner"].shape == (24, 32, 3) and obs["corner"].dtype == np.uint8
        assert env.observation_space.contains(obs)
        if mode == "state+pixels":
            assert obs["state"].shape == (39,)
        env.close()


def test_the_frame_stack_shifts_and_a_reset_refills_it():
    env = _make(obs_mode="pixels", image_size=16, frame_stack=3)
    obs, _ = env.reset(seed=0)
    stack = obs["corner"]
    assert stack.shape == (3, 16, 16, 3) and (stack == stack[:1]).all()  # the first frame, 3 times
    moved = None
    for _ in range(10):
        moved, *_ = env.step(np.array([1.0, 0.0, 0.0, 0.0], np.float32))
    frames = moved["corner"]
    assert not np.array_equal(frames[0], frames[-1])  # the hand moved between them
    nxt, *_ = env.step(np.array([1.0, 0.0, 0.0, 0.0], np.float32))
    np.testing.assert_array_equal(nxt["corner"][:2], frames[1:])
    again, _ = env.reset(seed=1)
    assert (again["corner"] == again["corner"][:1]).all()


def test_a_free_camera_is_placed_and_moved():
    env = _make(obs_mode="pixels", image_size=24,
                cameras={"corner": None, "mine": {"lookat": [0, 0.6, 0.1], "distance": 1.0, "azimuth": 90}})
    obs, _ = env.reset(seed=0)
    env.unwrapped.pixels.move_camera("mine", lookat=[0, 0.6, 0.1], distance=1.0, azimuth=0, elevation=-60)
    moved, *_ = env.step(np.zeros(4, np.float32))
    assert not np.array_equal(moved["mine"], obs["mine"])
    with pytest.raises(ValueError, match="'corner' is not a free camera"):
        env.unwrapped.pixels.move_camera("corner", distance=1.0)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"obs_mode": "rgb"}, "obs_mode must be one of state, pixels, state\\+pixels"),
    ({"obs_mode": "pixels", "cameras": ("nowhere",)}, "unknown camera 'nowhere'; scene cameras: corner"),
    ({"obs_mode": "pixels", "cameras": {"x": {"zoom": 2}}}, "a free camera takes"),
    ({"obs_mode": "pixels", "frame_stack": 0}, "frame_stack must be a positive integer"),
    ({"obs_mode": "pixels", "cameras": ()}, "cameras is empty"),
    ({"obs_mode": "pixels", "image_size": (8, 8, 3)}, "image_size must be an int or \\(height, width\\)"),
    ({"obs_mode": "pixels", "shadows": "no"}, "shadows must be True or False"),
    ({"obs_mode": "pixels", "renderer": "vulkan"}, "renderer must be one of opengl, warp"),
    ({"obs_mode": "pixels", "renderer": "warp"}, "make the env with backend='warp'"),
])  # fmt: skip
def test_bad_pixel_settings_are_refused_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _make(**kwargs)


@pytest.mark.parametrize("mode", ["NextStep", "SameStep"])
def test_the_vector_env_restarts_the_stack_of_a_world_it_resets(mode):
    from gymnasium.vector import AutoresetMode

    envs = gym.make_vec("manyworld/reach-v2", num_envs=2, obs_mode="state+pixels", image_size=16,
                        frame_stack=2, max_episode_steps=3, autoreset_mode=AutoresetMode(mode))
    obs, _ = envs.reset(seed=0)
    assert envs.observation_space.contains(obs) and obs["corner"].shape == (2, 2, 16, 16, 3)
    push = np.tile(np.array([1.0, 0.0, 0.0, 0.0], np.float32), (2, 1))
    for _ in range(3):
        obs, _, _, truncated, info = envs.step(push)
    assert truncated.all()  # the third step ends both episodes
    if mode == "SameStep":
        assert set(info["final_obs"]) == {"state", "corner"}
        assert not (info["final_obs"]["corner"] == info["final_obs"]["corner"][:, :1]).all()
    else:
        obs, *_ = envs.step(push)  # the step that restarts them
    stacks = obs["corner"]
    assert (stacks == stacks[:, :1]).all()  # a new episode's stack: its first frame twice
    envs.close()


def test_a_vector_step_renders_each_world_once_and_restarts_only_the_finished_one():
    envs = gym.make_vec("manyworld/reach-v2", num_envs=2, obs_mode="pixels", image_size=16, frame_stack=2)
    envs.reset(seed=0)
    observer = envs.pixels
    rendered = []
    render = observer._renderer.render
    observer._renderer.render = lambda sim, world, camera: rendered.append(world) or render(sim, world, camera)
    push = np.tile(np.array([1.0, 0.0, 0.0, 0.0], np.float32), (2, 1))
    before, *_ = envs.step(push)
    obs = envs._observation(np.zeros((2, 39)), restarted=np.array([True, False]))
    assert rendered == [0, 1, 0, 1]  # one frame per world per call: nothing rendered and thrown away
    stacks = obs["corner"]
    assert (stacks[0] == stacks[0, :1]).all()  # world 0 restarted: its first frame twice
    np.testing.assert_array_equal(stacks[1, 0], before["corner"][1, 1])  # world 1 shifted on
    envs.close()


def test_shadows_can_be_turned_off_and_reflections_are_never_drawn():
    import mujoco

    frames = {}
    for shadows in (True, False):
        env = _make(obs_mode="pixels", image_size=48, shadows=shadows)
        frames[shadows], _ = env.reset(seed=0)
        flags = env.unwrapped.pixels._renderer._renderer.scene.flags
        assert flags[mujoco.mjtRndFlag.mjRND_SHADOW] == shadows and not flags[mujoco.mjtRndFlag.mjRND_REFLECTION]
        env.close()
    assert not np.array_equal(frames[True]["corner"], frames[False]["corner"])  # the hand's shadow is gone
