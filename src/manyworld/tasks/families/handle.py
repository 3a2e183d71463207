"""The handle family: a T-shaped handle in a box, pressed down or pulled up.

Pressed: handle-press and handle-press-side; pulled: handle-pull and
handle-pull-side.
"""

from __future__ import annotations

import numpy as np

from manyworld.sim import handle_lever_parts as hl
from manyworld.sim import scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task
from manyworld.tasks.common import Gripper, zeros_obj

NAME = "handle"
PRESS_Z = 0.075  # Meta-World's press target height
PULL_Z = 0.172  # Meta-World's pull target height
PRESS_SUCCESS_DISTANCE = 0.02
PULL_SUCCESS_DISTANCE = 0.05
# The handle tasks start the hand 0.2 nearer the robot than Meta-World's (0, 0.6, 0.2), clear of the handle
# (Meta-World's hand start of its button, window and lever tasks).
HANDLE_HAND_START = (0.0, 0.4, 0.2)
TOP = hl.HANDLE_TRAVEL  # joint value of the raised handle
# Closed fingertips are 0.01 below the TCP; the crossbar's top is its radius above its axis.
PRESS_CONTACT = hl.HANDLE_BAR_RADIUS + 0.01


class HandleTask(Task):
    """What the handle tasks share: the scene, placement, goal and observation.

    Subclasses set ``yaw`` (0: the handle faces the robot; pi/2: it faces +x),
    ``start_height`` (joint value at reset) and ``goal_z``.
    """

    hand_start = HANDLE_HAND_START
    yaw: float = 0.0
    start_height: float = TOP
    goal_z: float = PRESS_Z

    def build(self, spec):
        hl.add_handle_box(spec, NAME, yaw=self.yaw)

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.handle = hl.HandleBox(sim, NAME)

    def place(self, sim, ids, params):
        self.handle.place(ids, params["box_pos"], self.start_height)

    def goal(self, params):
        goal = params["box_pos"] + hl.handle_grip_offset(self.yaw)
        goal[:, 2] = self.goal_z
        return goal

    def objects(self, sim):
        return (self.handle.grip(), self.handle.quat(), *zeros_obj(sim.num_worlds))


class HandlePressTask(HandleTask):
    """handle-press and handle-press-side: the reward and success of pressing.

    Terms: ``reach`` = tolerance(|tcp - grip|, 0.04, 0.3) and ``press`` =
    tolerance(|grip_z - goal_z|, PRESS_SUCCESS_DISTANCE, 0.1); subclasses
    declare their weights.
    """

    def evaluate(self, sim, goal):
        tcp, grip = self.gripper.tcp(), self.handle.grip()
        to_handle = np.linalg.norm(tcp - grip, axis=1)
        to_goal = np.abs(grip[:, 2] - goal[:, 2])
        success = to_goal <= PRESS_SUCCESS_DISTANCE
        terms = {
            "reach": rewards.tolerance(to_handle, 0.04, 0.3),
            "press": rewards.tolerance(to_goal, PRESS_SUCCESS_DISTANCE, 0.1),
        }
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": to_handle <= 0.05, "grasp_success": np.zeros_like(success),
                  "obj_to_target": to_goal},
        )


def press_down(o: obs_lib.Obs) -> np.ndarray:
    """Expert skeleton: with the fingers closed into a paddle, press the crossbar's middle down.

    The hand rises first when it is below the crossbar's top and not over it,
    then moves over it and pushes down to below the goal (the joint limit
    stops the handle). Stateless: the phase is read off the observation.
    """
    tcp = o.hand + scene.TCP_OFFSET
    h = o.obj1_pos
    n = h.shape[0]
    above = h + np.array([0.0, 0.0, PRESS_CONTACT + 0.04])
    over = ex.near(tcp, h, 0.015, slice(0, 2))
    low = tcp[:, 2] < h[:, 2] + PRESS_CONTACT + 0.02
    target = np.where((low & ~over)[:, None], np.c_[tcp[:, :2], above[:, 2:3]], above)
    push = np.c_[h[:, :2], o.goal[:, 2:3] + PRESS_CONTACT - 0.03]
    target = np.where(over[:, None], push, target)
    return ex.action(ex.move_toward(tcp, target), np.ones(n))


class HandlePullTask(HandleTask):
    """handle-pull and handle-pull-side: the reward and success of pulling up.

    Subclasses set ``grasp_spot`` (``"bar"`` or ``"arm"``, see
    :mod:`manyworld.sim.handle_lever_parts`). Terms: ``reach`` =
    tolerance(|tcp - grip|, 0.05, 0.3), ``grasp`` = the fingers hold the
    grasp spot, ``lift`` = tolerance(|grip - goal|, PULL_SUCCESS_DISTANCE,
    0.15); subclasses declare their weights.
    """

    start_height = 0.0
    goal_z = PULL_Z
    grasp_spot = "bar"

    def evaluate(self, sim, goal):
        tcp, grip = self.gripper.tcp(), self.handle.grip()
        to_handle = np.linalg.norm(tcp - grip, axis=1)
        to_goal = np.linalg.norm(grip - goal, axis=1)
        success = to_goal <= PULL_SUCCESS_DISTANCE
        spot = grip + hl.handle_grasp_offset(self.yaw, self.grasp_spot)
        held = self.gripper.holds(spot, hl.HANDLE_GRASP_HALF_WIDTH[self.grasp_spot])
        terms = {
            "reach": rewards.tolerance(to_handle, 0.05, 0.3),
            "grasp": held.astype(np.float64),
            "lift": rewards.tolerance(to_goal, PULL_SUCCESS_DISTANCE, 0.15),
        }
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": to_handle <= 0.06, "grasp_success": held, "obj_to_target": to_goal},
        )


def grasp_and_lift(o: obs_lib.Obs, grasp: np.ndarray) -> np.ndarray:
    """Expert skeleton: grasp the handle at ``grasp`` from the grip site and lift it to the goal's height."""
    spot = o.obj1_pos + grasp
    destination = np.c_[spot[:, :2], o.goal[:, 2:3]]
    return ex.grasp_and_carry(o, spot, destination)
