"""Array helpers shared by task files: the gripper's state and free-body placement."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from manyworld.sim import parts
from manyworld.sim import scene as scene_lib
from manyworld.tasks.base import Task

if TYPE_CHECKING:
    from manyworld.sim.world import BatchSim

IDENTITY_QUAT = np.array([1.0, 0.0, 0.0, 0.0])
# A pad presses on something when its touch sensor reads above this (newtons).
TOUCH_THRESHOLD = 0.5


class Gripper:
    """The gripper's named quantities over the batch, resolved once per sim."""

    def __init__(self, sim: BatchSim):
        self.sim = sim
        self._tcp = sim.site_id("tcp")
        self._hand = sim.site_id("hand")
        self._touch = np.array([sim.sensor_slice("pad_left").start, sim.sensor_slice("pad_right").start])
        self._fingers = np.array([sim.qpos_slice("finger_left").start, sim.qpos_slice("finger_right").start])

    def tcp(self) -> np.ndarray:
        """(N, 3) tool centre point, between the fingertips."""
        return self.sim.site_xpos[:, self._tcp]

    def opening(self) -> np.ndarray:
        """(N,) gap between the pads in metres."""
        return scene_lib.FINGER_OPEN_GAP - self.sim.qpos[:, self._fingers].sum(axis=1)

    def both_pads_touch(self) -> np.ndarray:
        """(N,) bool: both finger pads press on something."""
        return (self.sim.sensordata[:, self._touch] > TOUCH_THRESHOLD).all(axis=1)

    def holds(self, obj_pos: np.ndarray, half_width: float) -> np.ndarray:
        """(N,) bool: both pads press on an object of the given half-width centred between them."""
        tcp = self.tcp()
        between = (np.abs(obj_pos[:, 0] - tcp[:, 0]) < 0.03) & (np.abs(obj_pos[:, 1] - tcp[:, 1]) < 0.02) & (
            np.abs(obj_pos[:, 2] - tcp[:, 2]) < 0.04)
        closed_on = self.opening() < 2 * half_width + 0.01
        return self.both_pads_touch() & between & closed_on


class FreeBody:
    """A body with a free joint: its pose in the observation and its placement."""

    def __init__(self, sim: BatchSim, name: str):
        self.sim = sim
        self.body = sim.body_id(name)
        self.qpos = sim.qpos_slice(name)
        self.qvel = sim.qvel_slice(name)

    def pos(self) -> np.ndarray:
        """(N, 3) position of the body frame."""
        return self.sim.xpos[:, self.body]

    def quat(self) -> np.ndarray:
        """(N, 4) orientation, MuJoCo (w, x, y, z)."""
        return self.sim.xquat[:, self.body]

    def place(self, ids: np.ndarray, pos: np.ndarray, quat: np.ndarray = IDENTITY_QUAT) -> None:
        """Set the pose of the body in worlds ``ids``, at rest."""
        q = self.sim.qpos
        q[ids, self.qpos.start:self.qpos.start + 3] = pos
        q[ids, self.qpos.start + 3:self.qpos.stop] = quat
        self.sim.qvel[ids, self.qvel] = 0.0


def zeros_obj(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Padding for an absent object: (N, 3) and (N, 4) zeros."""
    return np.zeros((n, 3)), np.zeros((n, 4))


def object_to_goal(gripper: Gripper, obj: np.ndarray, goal: np.ndarray, half_width: float,
                   success_distance: float, in_place_margin: float = 0.3,
                   to_goal: np.ndarray | None = None, *, weights: Mapping[str, float]):
    """Reward, success and info of a task that brings one object to a goal.

    The shared shaping of the push/slide/insert family, with named terms in [0, 1]:
    ``reach`` = tolerance(|tcp - obj|, 0.02, 0.2), ``grasp`` = the fingers hold
    the object, ``in_place`` = tolerance(to_goal, success_distance, in_place_margin);
    reward = 10 on success, else 9 * the terms weighted by ``weights`` (the
    task's ``reward_weights``).

    Args:
        gripper: the task's :class:`Gripper`.
        obj: (N, 3) object positions.
        goal: (N, 3) goal positions.
        half_width: the object's half-width across the fingers (for ``holds``).
        success_distance: success when ``to_goal`` is at most this.
        in_place_margin: distance past the success radius where ``in_place`` is 0.1.
        to_goal: the distance success is judged on; default |obj - goal|.
        weights: the task's ``reward_weights`` of the three terms.
    """
    from manyworld.tasks import rewards
    from manyworld.tasks.base import Evaluation

    to_obj = np.linalg.norm(gripper.tcp() - obj, axis=1)
    if to_goal is None:
        to_goal = np.linalg.norm(obj - goal, axis=1)
    success = to_goal <= success_distance
    held = gripper.holds(obj, half_width)
    terms = {
        "reach": rewards.tolerance(to_obj, 0.02, 0.2),
        "grasp": held.astype(np.float64),
        "in_place": rewards.tolerance(to_goal, success_distance, in_place_margin),
    }
    return Evaluation(
        reward=rewards.finish(rewards.weighted_sum(weights, terms), success),
        success=success,
        terms=terms,
        info={"near_object": to_obj <= 0.03, "grasp_success": held, "obj_to_target": to_goal},
    )


def pick_to_goal(gripper: Gripper, obj: np.ndarray, goal: np.ndarray, half_width: float,
                 success_distance: float, lift: np.ndarray, lifted: np.ndarray,
                 in_place_margin: float = 0.3, *, weights: Mapping[str, float]):
    """Reward, success and info of a task that picks one object up and brings it to a goal.

    The shared shaping of the pick family, with named terms in [0, 1]: ``reach`` =
    tolerance(|tcp - obj|, 0.02, 0.2), ``grasp`` = the fingers hold the object,
    ``lift`` = the task's lift progress, counted only while held, ``in_place`` =
    tolerance(|obj - goal|, success_distance, in_place_margin); reward = 10 on
    success, else 9 * the terms weighted by ``weights`` (the task's
    ``reward_weights``).

    Args:
        lift: (N,) in [0, 1], how far the object is towards the height the task asks for.
        lifted: (N,) bool, the object is off its support (``grasp_success`` = held and lifted).
        weights: the task's ``reward_weights`` of the four terms.
        The other arguments are those of :func:`object_to_goal`.
    """
    from manyworld.tasks import rewards
    from manyworld.tasks.base import Evaluation

    to_obj = np.linalg.norm(gripper.tcp() - obj, axis=1)
    to_goal = np.linalg.norm(obj - goal, axis=1)
    success = to_goal <= success_distance
    held = gripper.holds(obj, half_width)
    terms = {
        "reach": rewards.tolerance(to_obj, 0.02, 0.2),
        "grasp": held.astype(np.float64),
        "lift": np.where(held, lift, 0.0),
        "in_place": rewards.tolerance(to_goal, success_distance, in_place_margin),
    }
    return Evaluation(
        reward=rewards.finish(rewards.weighted_sum(weights, terms), success),
        success=success,
        terms=terms,
        info={"near_object": to_obj <= 0.03, "grasp_success": held & lifted, "obj_to_target": to_goal},
    )


class PuckTask(Task):
    """Base of the tasks built around one free puck, whose parameters hold ``puck_pos`` and ``goal_pos``.

    It adds the puck to the scene, places it, reads the goal from the
    parameters and fills observation slot 1 with the puck; subclasses add
    fixtures (``super().build(spec)`` first), the evaluation and the expert.
    """

    def build(self, spec):
        parts.add_puck(spec, "puck")

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.puck = FreeBody(sim, "puck")

    def place(self, sim, ids, params):
        self.puck.place(ids, params["puck_pos"])

    def goal(self, params):
        return params["goal_pos"].copy()

    def objects(self, sim):
        return (self.puck.pos(), self.puck.quat(), *zeros_obj(sim.num_worlds))
