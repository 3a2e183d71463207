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


def test_the_reported_reproduction_keeps_box_close_lid_inside_the_bounds():
    env = BatchEnv("box-close", 20, seed=11)
    env.reset()
    clipped = 0
    fastest = 0.0
    for _ in range(500):
        _, _, _, _, info = env.step(-np.ones((20, 4)))
        np.testing.assert_array_equal(info["obs_clipped"], env.obs_clipped)
        clipped += int(info["obs_clipped"].sum())
        fastest = max(fastest, object_speed(env))
    assert clipped == 0  # v1: 4 worlds clipped
    assert fastest <= MAX_OBJECT_SPEED


@pytest.mark.parametrize("task", ["box-close", "hammer", "bin-picking"])
def test_constant_extreme_actions_launch_nothing(task):
    """The three tasks where v1 threw an object faster than 3 m/s under a constant corner action."""
    n = len(EXTREME_ACTIONS)
    env = BatchEnv(task, n, seed=11, variations="random")
    env.reset()
    fastest, finger_travel = 0.0, []
    for _ in range(300):
        _, _, _, _, info = env.step(EXTREME_ACTIONS)
        assert not info["obs_clipped"].any()
        fastest = max(fastest, object_speed(env))
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


def test_object_speed_is_the_bodys_and_ignores_falls_below_the_table():
    env = BatchEnv("push", 2, seed=0)
    env.reset()
    sim = env.sim
    joint = next(j for j in range(env.model.njnt) if env.model.jnt_type[j] == 0)  # the puck's free joint
    q, v = env.model.jnt_qposadr[joint], env.model.jnt_dofadr[joint]
    sim.qvel[:, v:v + 3] = [4.5, 0.0, 0.0]  # launched sideways...
    sim.qpos[1, q + 2] = -0.5  # ...in world 1 from below the table, where it falls to the floor
    sim.forward()
    assert object_speed(env, np.array([True, False])) == pytest.approx(4.5)
    assert object_speed(env, np.array([False, True])) == 0.0
    # a spinning object (angular velocity only) is not launched, whatever its tracked point does
    sim.qvel[:, v:v + 3] = 0.0
    sim.qvel[:, v + 3:v + 6] = [0.0, 0.0, 60.0]
    assert object_speed(env) == 0.0


def test_the_gate_reports_the_extreme_action_and_speed_checks():
    report = check_task("box-close", num_variations=2)
    names = [c.name for c in report.checks]
    assert "no object launched" in names
    assert report.passed, report.format()
    assert 0.0 < report.metrics["max_object_speed"] <= MAX_OBJECT_SPEED
    assert f"{len(EXTREME_ACTIONS)} constant extreme actions" in report.format()
