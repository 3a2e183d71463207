"""Gymnasium registration, the VectorEnv's autoreset, rendering and the CLI."""

import json
import os
import sys

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from manyworld.cli import main
from manyworld.tasks.base import get_task


def test_make_and_make_vec():
    env = gym.make("manyworld/reach-v2")
    obs, _ = env.reset(seed=0)
    assert obs.shape == (39,)
    envs = gym.make_vec("manyworld/push-v2", num_envs=5)
    obs, _ = envs.reset(seed=0)
    assert obs.shape == (5, 39)
    assert envs.action_space.shape == (5, 4)


def test_unknown_version_is_an_error():
    with pytest.raises(KeyError, match="exists at version v2, not v7"):
        get_task("reach-v7")
    # v1 (the hand without a force limit) is gone: asking for it must not give v2 silently
    with pytest.raises(KeyError, match="exists at version v2, not v1"):
        get_task("reach-v1")


def _run_until_truncation(mode):
    envs = gym.make_vec("manyworld/reach-v2", num_envs=3, autoreset_mode=mode, max_episode_steps=5)
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
    env = gym.make("manyworld/push-v2", render_mode="rgb_array", width=64, height=48)
    env.reset(seed=0)
    img = env.render()
    assert img.shape == (48, 64, 3) and img.dtype == np.uint8 and img.std() > 0
    env.close()


def test_cli_list_and_unknown(capsys):
    assert main(["list"]) == 0
    assert "manyworld/reach-v2" in capsys.readouterr().out
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
    env = gym.make("manyworld/reach-v2")
    with pytest.raises(ValueError, match="unknown reset option"):
        env.reset(options={"param": None})  # a typo of "params"
    envs = gym.make_vec("manyworld/reach-v2", num_envs=3)
    with pytest.raises(TypeError, match="one seed for all its worlds"):
        envs.reset(seed=[1, 2, 3])
    bench = gym.make_vec("manyworld/MT10")
    with pytest.raises(TypeError, match="one seed"):
        bench.reset(seed=[1, 2])
    with pytest.raises(ValueError, match="no options"):
        bench.reset(options={"params": None})


def test_cli_answers_mistakes_with_one_line_before_any_work(tmp_path, capsys, monkeypatch):
    png, blocker = str(tmp_path / "r.png"), tmp_path / "a-file"
    blocker.write_text("")
    cases = [
        (["check", "reach", "--variations", "51"], "reach has 50 variations per split"),
        (["check", "reach", "--out", str(tmp_path)], f"--out {tmp_path} is a directory"),
        (["check", "reach", "--out", str(blocker / "x.json")], "is a file, so no folder"),
        (["render", "reach", "--width", "0", "--out", png], "--width must be a positive integer"),
        (["render", "reach", "--out", str(tmp_path / "x.xyz")], "must end in .png, .jpg"),
        (["render", "reach", "--out", str(tmp_path / "noext")], "must end in .png, .jpg"),
        (["rollout", "reach", "--frame-skip", "0"], "--frame-skip must be a positive integer"),
        (["rollout", "reach", "--video", str(tmp_path / "v.avi")], "must end in .gif or .mp4"),
        (["bench", "reach", "--steps", "0"], "--steps must be a positive integer"),
        (["bench", "reach", "--metaworld-python", "/nonexistent"], "no such executable"),
        (["eval", "--benchmark", "MT1(reach)", "--variations", "0"], "--variations must be a"),
        (["eval", "--benchmark", "MT1(reach)", "--agent", "os:getcwd"],
         "'os:getcwd' returned str"),
        (["eval", "--benchmark", "MT1(reach)", "--out", str(tmp_path)], "is a directory"),
        (["compare", "a.json", "--json", str(tmp_path)], "is a directory"),
    ]  # fmt: skip
    if os.geteuid() != 0:  # root writes through permission bits
        (tmp_path / "ro").mkdir(mode=0o555)
        cases.append((["check", "reach", "--out", str(tmp_path / "ro" / "x.json")], "cannot write"))
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1, argv
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # as if the video extra were absent
    assert main(["rollout", "reach", "--video", str(tmp_path / "v.mp4"), "--steps", "2"]) == 2
    assert "needs ffmpeg: pip install 'manyworld[video]'" in capsys.readouterr().err
