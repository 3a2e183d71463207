"""The door family: the hinged door (door-open, door-close) and its lock (door-lock, door-unlock)."""

from __future__ import annotations

import numpy as np

from manyworld.sim import door_window_parts as dw
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task
from manyworld.tasks.common import Gripper, zeros_obj

NAME = "door"
LOCK_SUCCESS_DISTANCE = 0.02  # Meta-World's threshold of the lock tasks
LOCKED = dw.DOOR_LOCK_MAX_ANGLE
# Hand start of the lock tasks: below and before the lock (Meta-World's (0, 0.6, 0.2) touches it).
LOCK_HAND_START = (0.0, 0.45, 0.1)
# Lock experts: the hand comes in FRONT before the lever's plane (its palm clear of the lever and
# the door's handle), lines up there, then moves in.
FRONT = 0.09


def swing(o: obs_lib.Obs, hinge: np.ndarray, target_angle: float, speed: float = 1.0) -> np.ndarray:
    """Expert skeleton of the door tasks: take the handle bar and carry it round the hinge.

    ``target_angle`` is the opening angle (rad) to swing to. While the bar is
    held, the hand moves along the tangent of the handle's circle towards that
    angle and keeps the grip centred on the bar; otherwise it takes the bar
    from above (:func:`~manyworld.tasks.expert.grasp_and_carry`). The angle is
    read from the handle's position around the hinge.
    """
    handle = o.obj1_pos
    rel = handle[:, :2] - hinge[:, :2]
    polar = np.arctan2(rel[:, 1], rel[:, 0])
    angle = dw.door_handle_angle0() - polar  # the hinge axis points down: opening turns clockwise
    # unit tangent of the handle's circle in the opening direction
    tangent = np.c_[np.sin(polar), -np.cos(polar), np.zeros_like(polar)]
    ahead = np.clip(dw.door_handle_radius() * (target_angle - angle), -0.04, 0.04)
    destination = handle + tangent * ahead[:, None]
    return ex.grasp_and_carry(o, handle, destination, hover=0.08)


class DoorLockTask(Task):
    """What door-lock and door-unlock share: the scene, the observation and the reward.

    Terms: ``reach`` = tolerance(|tcp - lock|, 0.03, 0.3) and ``turn`` =
    tolerance(|lock - goal| along ``success_axis``, LOCK_SUCCESS_DISTANCE, 0.1);
    subclasses declare their weights.
    """

    hand_start = LOCK_HAND_START
    # Lock turn at reset and at the goal (rad); the lock point's side (+1 top face, -1 bottom face);
    # the axis along which success is checked (0: x, 2: z).
    start_angle: float = 0.0
    goal_angle: float = LOCKED
    side: int = 1
    success_axis: int = 2

    def build(self, spec):
        dw.add_door(spec, NAME)
        dw.add_door_lock(spec, NAME)

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.door = dw.Door(sim, NAME)
        self.lock = dw.DoorLock(sim, NAME, self.side)

    def place(self, sim, ids, params):
        self.door.place(ids, params["door_pos"], 0.0)
        self.lock.place(ids, self.start_angle)

    def goal(self, params):
        return params["door_pos"] + dw.door_lock_offset(self.goal_angle, self.side)

    def objects(self, sim):
        return (self.lock.point(), self.lock.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        tcp, lock = self.gripper.tcp(), self.lock.point()
        to_lock = np.linalg.norm(tcp - lock, axis=1)
        k = self.success_axis
        to_goal = np.abs(lock[:, k] - goal[:, k])
        success = to_goal <= LOCK_SUCCESS_DISTANCE
        terms = {
            "reach": rewards.tolerance(to_lock, 0.03, 0.3),
            "turn": rewards.tolerance(to_goal, LOCK_SUCCESS_DISTANCE, 0.1),
        }
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": to_lock <= 0.06, "grasp_success": np.zeros_like(success),
                  "obj_to_target": to_goal},
        )

    @classmethod
    def axis_from_goal(cls, goal: np.ndarray) -> np.ndarray:
        """(N, 3) the lock's axis point in the lever's plane, from the goal (both offsets of the door)."""
        return goal - dw.door_lock_offset(cls.goal_angle, cls.side) + dw.door_lock_axis_offset()
