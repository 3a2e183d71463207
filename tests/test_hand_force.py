"""The hand cannot crush and launch objects (issue: "objects leave the table with no warning").

v1's hand was pulled to its target by an equality constraint, which has no force limit:
pressed onto the edge of box-close's lid it pushed ~1 kN into the table, a finger was driven
5 cm past its joint range, and the lid left at 9 m/s, over the rim and out of the declared
observation bounds (clipped silently). v2 drives the hand with force-limited servos and
gives the fingers hard stops; these tests pin the reproduction and the gate's new checks.
"""

import numpy as np
import pytest

from manyworld import BatchEnv
from manyworld.quality import EXTREME_ACTIONS, MAX_OBJECT_SPEED, check_task, object_speed
from manyworld.sim import scene
from manyworld.tasks import obs as obs_lib


def test_the_reported_reproduction_keeps_box_close_lid_inside_the_bounds():
    env = BatchEnv("box-close", 20, seed=11)
    env.reset()
    clipped = 0
    fastest = 0.0
    for _ in range(500):
        obs, _, _, _, info = env.step(-np.ones((20, 4)))
        np.testing.assert_array_equal(info["obs_clipped"], env.obs_clipped)
        clipped += int(info["obs_clipped"].sum())
        fastest = max(fastest, object_speed(obs))
    assert clipped == 0  # v1: 4 worlds clipped
    assert fastest <= MAX_OBJECT_SPEED


@pytest.mark.parametrize("task", ["box-close", "hammer", "bin-picking"])
def test_constant_extreme_actions_launch_nothing(task):
    """The three tasks where v1 threw an object faster than 3 m/s under a constant corner action."""
    n = len(EXTREME_ACTIONS)
    env = BatchEnv(task, n, seed=11, variations="random")
    obs, _ = env.reset()
    fastest, finger_travel = 0.0, []
    for _ in range(300):
        obs, _, _, _, info = env.step(EXTREME_ACTIONS)
        assert not info["obs_clipped"].any()
        fastest = max(fastest, object_speed(obs))
        finger_travel.append(env.sim.qpos[:, env._finger_qpos])
    assert fastest <= MAX_OBJECT_SPEED, f"{task}: an object reached {fastest:.1f} m/s"
    travel = np.array(finger_travel)
    # the hard stops hold the fingers within a few millimetres of their joint range
    slack = scene.FINGER_STOP_SLACK + 0.002
    assert travel.min() >= -slack and travel.max() <= scene.FINGER_TRAVEL + slack


def test_the_hand_cannot_push_harder_than_its_force_limit():
    # hand-insert's workspace reaches 15 cm below the table top: the target sinks far
    # below the fingers resting on the table, and the servo saturates instead of crushing
    env = BatchEnv("hand-insert", 1, seed=0)
    env.reset()
    forces = []
    for _ in range(60):
        env.step(np.array([[0.0, 0.0, -1.0, -1.0]]))
        forces.append(env.sim.batch.bind("actuator_force")[0, env._hand_ctrl].copy())
    forces = np.array(forces)
    assert np.abs(forces).max() <= scene.HAND_FORCE + 1e-9
    assert forces[-1, 2] == pytest.approx(-scene.HAND_FORCE)  # pressing down as hard as it may


def test_object_speed_ignores_objects_falling_below_the_table():
    dt = scene.SUBSTEPS * scene.TIMESTEP
    obs = np.zeros((2, obs_lib.OBS_DIM))
    obs[:, obs_lib.OBJ1_POS] = [[0.0, 0.6, 0.10], [0.0, 0.6, -0.50]]
    prev = obs[:, obs_lib.PREV_FRAME]
    prev[:, 4:7] = obs[:, obs_lib.OBJ1_POS] - [[0.06, 0.0, 0.0], [0.0, 0.0, 0.06]]
    obs[:, obs_lib.PREV_FRAME] = prev
    assert object_speed(obs[:1]) == pytest.approx(0.06 / dt)  # 4.8 m/s on the table: launched
    assert object_speed(obs[1:]) == 0.0  # falling to the floor: gravity, not the physics


def test_the_gate_reports_the_extreme_action_and_speed_checks():
    report = check_task("box-close", num_variations=2)
    names = [c.name for c in report.checks]
    assert "no object launched" in names
    assert report.passed, report.format()
    assert 0.0 < report.metrics["max_object_speed"] <= MAX_OBJECT_SPEED
    assert f"{len(EXTREME_ACTIONS)} constant extreme actions" in report.format()
