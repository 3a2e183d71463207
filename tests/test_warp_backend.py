"""The simulator back-ends: the mujoco default and MuJoCo Warp on the CPU.

The tests marked ``warp`` need ``pip install -e '.[warp]'`` and compile MuJoCo
Warp's kernels on first use (about 2 minutes of one core of the development VM;
Warp caches them in ~/.cache/warp). Run them with ``pytest -m warp``.
"""

from __future__ import annotations

import json
import sys

import mujoco
import numpy as np
import pytest

from manyworld.envs.batch_env import BatchEnv
from manyworld.sim.warp_sim import state_layout
from manyworld.sim.world import compile_spec, make_sim
from manyworld.tasks.base import get_task


def test_the_state_layout_is_mj_getState_s():
    model = compile_spec(get_task("push")().make_spec())
    data = mujoco.MjData(model)
    data.qpos[:] = np.arange(model.nq) * 0.01
    data.qvel[:] = np.arange(model.nv) * 0.1
    data.ctrl[:] = 0.5
    data.mocap_pos[:] = [[1.0, 2.0, 3.0]] * model.nmocap
    data.time = 4.0
    spec = mujoco.mjtState.mjSTATE_INTEGRATION
    row = np.empty(mujoco.mj_stateSize(model, spec))
    mujoco.mj_getState(model, data, row, spec)
    layout = dict(state_layout(model))
    assert sum(s.stop - s.start for s in layout.values()) == row.size
    assert row[layout["mjSTATE_TIME"]] == 4.0
    np.testing.assert_array_equal(row[layout["mjSTATE_QPOS"]], data.qpos)
    np.testing.assert_array_equal(row[layout["mjSTATE_QVEL"]], data.qvel)
    np.testing.assert_array_equal(row[layout["mjSTATE_CTRL"]], data.ctrl)
    np.testing.assert_array_equal(row[layout["mjSTATE_MOCAP_POS"]], data.mocap_pos.ravel())


def test_a_bad_backend_or_device_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown backend 'mjx'; choose one of mujoco, warp"):
        BatchEnv("reach", 1, backend="mjx")
    model = compile_spec(get_task("reach")().make_spec())
    with pytest.raises(ValueError, match="device='cuda:0' is for the warp back-end"):
        make_sim(model, 1, device="cuda:0")


def test_the_warp_backend_without_mujoco_warp_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mujoco_warp", None)  # as if not installed
    with pytest.raises(ValueError, match=r"pip install -e '\.\[warp\]'"):
        BatchEnv("reach", 1, backend="warp", device="cpu")


# ---------------------------------------------------------------- on MuJoCo Warp (CPU)
warp = pytest.mark.warp


@pytest.fixture(scope="module")
def pair():
    pytest.importorskip("mujoco_warp")
    mujoco_env = BatchEnv("push", 3, seed=0, num_threads=1)
    warp_env = BatchEnv("push", 3, seed=0, backend="warp", device="cpu")
    return mujoco_env, warp_env


def _same_actions(mujoco_env, warp_env, steps):
    """Drive both envs with the expert's actions on the mujoco env; the worst differences."""
    om, _ = mujoco_env.reset(seed=0)
    ow, _ = warp_env.reset(seed=0)
    expert = mujoco_env.task_cls.expert
    worst = {"hand": 0.0, "object": 0.0, "obs": 0.0}
    succeeded = np.zeros((2, mujoco_env.num_worlds), bool)
    for _ in range(steps):
        actions = expert(om)
        om, _, _, _, im = mujoco_env.step(actions)
        ow, _, _, _, iw = warp_env.step(actions)
        succeeded |= [im["success"] > 0, iw["success"] > 0]
        diff = np.abs(ow - om)
        for name, value in (("hand", diff[:, :3]), ("object", diff[:, 4:7]), ("obs", diff)):
            worst[name] = max(worst[name], float(value.max()))
    assert not warp_env.sim.unstable().any()
    assert succeeded[0].all() and (succeeded[1] == succeeded[0]).all()
    return worst


@warp
def test_warp_follows_mujoco_to_float32_precision_without_contacts():
    # float32 against float64; measured on reach over 150 expert steps: 6e-7
    pytest.importorskip("mujoco_warp")
    worst = _same_actions(BatchEnv("reach", 3, num_threads=1),
                          BatchEnv("reach", 3, backend="warp", device="cpu"), 150)  # fmt: skip
    assert worst["obs"] < 1e-5


@warp
def test_warp_follows_mujoco_to_millimetres_through_contacts(pair):
    # contacts amplify float32's differences: measured on push over 150 expert steps (grasp,
    # carry), the hand within 0.9 mm, the puck within 2.8 mm, the finger gap (slot 3) 3.7e-2
    worst = _same_actions(*pair, 150)
    assert worst["hand"] < 2e-3 and worst["object"] < 6e-3


@warp
def test_warp_state_round_trips_and_inactive_worlds_stay_put(pair):
    _, env = pair
    env.reset(seed=3)
    rng = np.random.default_rng(0)
    for _ in range(5):
        env.step(rng.uniform(-1, 1, (3, 4)).astype(np.float32))
    snapshot = env.get_state()
    actions = rng.uniform(-1, 1, (3, 4)).astype(np.float32)
    first, *_ = env.step(actions)
    env.set_state(snapshot)
    again, *_ = env.step(actions)
    np.testing.assert_array_equal(again, first)  # the host rows are the whole state
    # a call on some worlds (a reset's settling) leaves the others as they were
    before = env.sim.state.copy()
    xpos, touch = env.sim.xpos.copy(), env.sim.sensordata.copy()
    env.sim.step(np.array([0, 2]))
    np.testing.assert_array_equal(env.sim.state[1], before[1])
    np.testing.assert_array_equal(env.sim.xpos[1], xpos[1])
    np.testing.assert_array_equal(env.sim.sensordata[1], touch[1])
    assert not np.array_equal(env.sim.state[0], before[0])
    # code run on the device sees the host's rows (world 1's device copy stepped ahead
    # above), and what it writes there changes nothing on the host
    after = env.sim.state.copy()

    def read_and_scribble(mjw, device_model, device_data):
        qpos = device_data.qpos.numpy().copy()
        device_data.qpos.zero_()
        return qpos

    seen = env.sim.run_on_device(read_and_scribble)
    np.testing.assert_array_equal(seen[1], after[1, dict(state_layout(env.sim.model))["mjSTATE_QPOS"]])
    np.testing.assert_array_equal(env.sim.state, after)


@warp
def test_the_expert_succeeds_on_64_warp_worlds():
    # the "done means": BatchEnv("push", 64, backend="warp") runs the expert to success
    pytest.importorskip("mujoco_warp")
    task = get_task("push")
    env = BatchEnv("push", 64, seed=0, backend="warp", device="cpu")
    env.set_task(np.concatenate([task.variations("train")[:32], task.variations("test")[:32]]))
    obs, _ = env.reset()
    success = np.zeros(env.num_worlds, bool)
    for _ in range(env.max_episode_steps):
        obs, _, _, _, info = env.step(task.expert(obs))
        success |= info["success"] > 0
    assert success.mean() >= 0.95 and not env.sim.unstable().any()


@warp
def test_gymnasium_make_takes_the_backend():
    pytest.importorskip("mujoco_warp")
    import gymnasium as gym

    import manyworld  # noqa: F401  (registers the ids)

    env = gym.make("manyworld/reach-v2", backend="warp", device="cpu", render_mode="rgb_array",
                   width=64, height=48)  # fmt: skip
    obs, _ = env.reset(seed=0)
    obs, *_, info = env.step(env.action_space.sample())
    assert obs.shape == (39,) and env.unwrapped.batch_env.backend == "warp"
    assert not info["physics_warning"]
    image = env.render()  # the renderer reads the world's state from the host rows
    assert image.shape == (48, 64, 3) and image.std() > 0


@warp
def test_the_warp_renderer_draws_every_world_from_the_host_rows():
    pytest.importorskip("mujoco_warp")
    from manyworld.envs.pixels import PixelObserver

    env = BatchEnv("reach", 3, seed=0, backend="warp", device="cpu")
    env.set_task(get_task("reach").variations("test")[:3])
    env.reset()
    pixels = PixelObserver(env, ("corner", "topview"), width=40, height=32, renderer="warp")
    first = pixels.observe()
    assert first["corner"].shape == (3, 32, 40, 3) and first["corner"].dtype == np.uint8
    assert first["corner"].std() > 0
    assert not np.array_equal(first["topview"][0], first["topview"][1])  # other goal, other image
    for _ in range(5):
        env.step(np.tile(np.array([1.0, 0.0, 0.0, 0.0], np.float32), (3, 1)))
    moving = pixels.observe()
    assert not np.array_equal(moving["corner"][0], first["corner"][0])  # the hand moved
    for _ in range(3):  # world 1 sits out: its device copy steps on, its host row (the state) does not
        env.sim.step(np.array([0, 2]))
    later = pixels.observe()
    np.testing.assert_array_equal(later["corner"][1], moving["corner"][1])
    assert not np.array_equal(later["corner"][0], moving["corner"][0])
    with pytest.raises(ValueError, match="draws scene cameras only"):
        PixelObserver(env, {"mine": {"lookat": [0, 0.6, 0.1], "distance": 1.0}}, renderer="warp")


@warp
def test_a_run_trains_on_warp_and_is_scored_on_the_benchmarks_physics(tmp_path):
    pytest.importorskip("mujoco_warp")
    from manyworld.agents.ppo import PPOConfig
    from manyworld.train.harness import RunConfig, read_run_config, train

    cfg = PPOConfig(hidden=(16,), value_hidden=(16,), rollout_steps=20, epochs=1, minibatches=1)
    run = RunConfig(steps=80, worlds_per_task=2, log_interval=40, eval_interval=0, eval_variations=1,
                    checkpoint_interval=40, backend="warp", device="cpu")  # fmt: skip
    _, _, rows = train("ppo", "MT1(reach)", cfg, run, tmp_path / "run", progress=None)
    assert rows[-1]["env_steps"] == 80 and rows[-1]["eval_success"] == rows[-1]["eval_success"]
    assert read_run_config(tmp_path / "run")[3].backend == "warp"
    result = json.loads(next((tmp_path / "run" / "evals").glob("step_*.json")).read_text())
    assert result["protocol"]["kind"] == "MT"
    # the device may change on resume (same physics elsewhere); the back-end may not
    train("ppo", "MT1(reach)", cfg, run.replace(steps=120, device=""), tmp_path / "run", resume=True,
          progress=None)  # fmt: skip
    with pytest.raises(ValueError, match="backend"):
        train("ppo", "MT1(reach)", cfg, run.replace(steps=160, backend="mujoco", device=""),
              tmp_path / "run", resume=True, progress=None)  # fmt: skip


@warp
def test_backend_speed_times_both_backends_side_by_side(tmp_path):
    pytest.importorskip("mujoco_warp")
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import backend_speed

    out = tmp_path / "speed.json"
    assert backend_speed.main(["MT1(reach)", "--worlds", "2", "--device", "cpu", "--steps", "4",
                               "--repeats", "1", "--num-threads", "1", "--out", str(out)]) == 0  # fmt: skip
    rows = json.loads(out.read_text())["rows"]
    assert [r["backend"] for r in rows] == ["mujoco", "warp"]
    assert all(r["env_steps_per_s"] > 0 and r["worlds"] == 2 for r in rows)
    assert "| MT1(reach) | 2 |" in out.with_suffix(".md").read_text()
