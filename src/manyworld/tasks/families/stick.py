"""The stick family (stick-push, stick-pull): a stick to grasp and a container moved with it."""

from __future__ import annotations

import numpy as np

from manyworld.sim import scene
from manyworld.sim import tool_parts as tp
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import Task
from manyworld.tasks.common import FreeBody, Gripper

# The stick counts as lifted this far above its resting height (Meta-World's).
LIFTED = 0.01
# Largest action per axis while the expert carries the stick.
CARRY_SPEED = 0.6
TIP = np.array([tp.STICK_HALF_LENGTH, 0.0, 0.0])


def stick_tip(o: obs_lib.Obs) -> np.ndarray:
    """(N, 3) the stick's tip, from its observed pose."""
    return o.obj1_pos + tp.rotate(o.obj1_quat, TIP)


def carry_stick(o: obs_lib.Obs, tip_target: np.ndarray, lift_z: np.ndarray | float,
                speed: np.ndarray | float = CARRY_SPEED) -> np.ndarray:
    """Expert skeleton of the stick tasks: grasp the stick, lift it to ``lift_z``, bring its tip to ``tip_target``.

    The stick is taken at its centre from above
    (:func:`~manyworld.tasks.expert.grasp_and_carry`), lifted straight up to
    ``lift_z`` (TCP height) before it moves sideways, then carried so that its
    tip goes to ``tip_target``, at most ``speed`` (scalar or (N,)) per axis.
    """
    stick = o.obj1_pos
    tcp = o.hand + scene.TCP_OFFSET
    tip = stick_tip(o)
    lift_z = np.broadcast_to(np.asarray(lift_z, np.float64), stick[:, 2].shape)
    low = stick[:, 2] < lift_z - 0.02
    destination = np.where(low[:, None], np.c_[tcp[:, :2], lift_z], tcp + (tip_target - tip))
    act = ex.grasp_and_carry(o, stick, destination)
    holding = (o.gripper < 0.6) & ex.near(tcp, stick, 0.03)
    speed = np.broadcast_to(np.asarray(speed, np.float64), holding.shape)[:, None]
    act[:, :3] = np.where(holding[:, None], np.clip(act[:, :3], -speed, speed), act[:, :3])
    return act


class StickTask(Task):
    """What the stick tasks share: a stick and a container, both observed.

    Subclasses set ``container_pos`` (where the container stands).
    """

    has_object2 = True
    container_pos: tuple[float, float, float]

    def build(self, spec):
        tp.add_stick(spec, "stick")
        tp.add_container(spec, "container", self.container_pos)

    def bind(self, sim):
        self.sim = sim
        self.gripper = Gripper(sim)
        self.stick = FreeBody(sim, "stick")
        self.tip = sim.site_id("stick_end")
        self.container = tp.Container(sim, "container")

    def place(self, sim, ids, params):
        self.stick.place(ids, params["stick_pos"])
        self.container.place(ids, 0.0)

    def goal(self, params):
        return params["goal_pos"].copy()

    def held_lifted(self) -> tuple[np.ndarray, np.ndarray]:
        """(N,) bool twice: the fingers hold the stick (anywhere along it); and hold it LIFTED above its rest."""
        stick = self.stick.pos()
        grip = tp.bar_point(stick, self.stick.quat(), self.gripper.tcp(), tp.STICK_GRIP_X)
        held = self.gripper.holds(grip, tp.STICK_HALF)
        return held, held & (stick[:, 2] > tp.STICK_REST_Z + LIFTED)
