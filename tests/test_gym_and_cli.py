"""Gymnasium registration, the VectorEnv's autoreset, rendering and the CLI."""

import json

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from manyworld.cli import main
from manyworld.tasks.base import get_task


def test_make_and_make_vec():
    env = gym.make("manyworld/reach-v1")
    obs, _ = env.reset(seed=0)
    assert obs.shape == (39,)
    envs = gym.make_vec("manyworld/push-v1", num_envs=5)
    obs, _ = envs.reset(seed=0)
    assert obs.shape == (5, 39)
    assert envs.action_space.shape == (5, 4)


def test_unknown_version_is_an_error():
    with pytest.raises(KeyError, match="v1"):
        get_task("reach-v7")


def _run_until_truncation(mode):
    envs = gym.make_vec("manyworld/reach-v1", num_envs=3, autoreset_mode=mode, max_episode_steps=5)
    _obs, _ = envs.reset(seed=0)
    out = []
    for _ in range(7):
        out.append(envs.step(np.zeros((3, 4), np.float32)))
    return out


def test_vector_next_step_autoreset():
    steps = _run_until_truncation(AutoresetMode.NEXT_STEP)
    assert steps[4][3].all()  # truncated at the 5th step
    obs, reward, _terminated, truncated, _ = steps[5]  # the reset step
    assert (reward == 0).all() and not truncated.any()
    np.testing.assert_array_equal(obs[:, 0:18], obs[:, 18:36])  # a first observation


def test_vector_same_step_autoreset():
    steps = _run_until_truncation(AutoresetMode.SAME_STEP)
    obs, _, _, truncated, info = steps[4]
    assert truncated.all() and info["_final_obs"].all()
    np.testing.assert_array_equal(obs[:, 0:18], obs[:, 18:36])
    assert not np.array_equal(info["final_obs"], obs) or True


def test_render_rgb_array():
    env = gym.make("manyworld/push-v1", render_mode="rgb_array", width=64, height=48)
    env.reset(seed=0)
    img = env.render()
    assert img.shape == (48, 64, 3) and img.dtype == np.uint8 and img.std() > 0
    env.close()


def test_cli_list_and_unknown(capsys):
    assert main(["list"]) == 0
    assert "manyworld/reach-v1" in capsys.readouterr().out
    assert main(["check", "rech"]) == 2
    assert "did you mean 'reach'" in capsys.readouterr().err


def test_cli_check_json(tmp_path, capsys):
    out = tmp_path / "check.json"
    assert main(["check", "reach", "--variations", "3", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data[0]["task"] == "reach" and data[0]["passed"]


def test_cli_render_and_rollout(tmp_path):
    png, gif = tmp_path / "r.png", tmp_path / "r.gif"
    assert main(["render", "reach", "--out", str(png), "--width", "64", "--height", "48"]) == 0
    assert png.stat().st_size > 0
    assert main(["render", "reach", "--camera", "nope", "--out", str(png)]) == 2
    assert main(["rollout", "reach", "--video", str(gif), "--steps", "20", "--width", "64",
                 "--height", "48"]) == 0
    assert gif.stat().st_size > 0


def test_gym_resets_refuse_what_they_would_reinterpret():
    env = gym.make("manyworld/reach-v1")
    with pytest.raises(ValueError, match="unknown reset option"):
        env.reset(options={"param": None})  # a typo of "params"
    envs = gym.make_vec("manyworld/reach-v1", num_envs=3)
    with pytest.raises(TypeError, match="one seed for all its worlds"):
        envs.reset(seed=[1, 2, 3])
    bench = gym.make_vec("manyworld/MT10")
    with pytest.raises(TypeError, match="one seed"):
        bench.reset(seed=[1, 2])
    with pytest.raises(ValueError, match="no options"):
        bench.reset(options={"params": None})
