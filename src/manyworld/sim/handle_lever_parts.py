"""Articulated fixtures of the handle and lever tasks: a handle box and a lever.

Both hang from a :func:`~manyworld.sim.parts.fixture_base` mocap body, so each
world of a batch can hold the fixture elsewhere. The moving part (the handle,
the lever) is a child body on a joint with limits, damping and dry friction,
and its weight is compensated (``gravcomp``): it moves only the way and as far
as the real thing does, and stays where it is left. Its contacts with the
fixture it hangs in are excluded: the joint limits, not colliding boxes, stop it.

Handle box (``add_handle_box``), in the frame of its base body ``<name>_box``
(on the table, turned by ``yaw`` about z; yaw 0 faces the robot, -y, and
yaw = pi/2 faces +x, the side variant):

- the housing: a box HANDLE_HOUSING_HALF standing on the table, with a
  vertical slot in its front face (a visual);
- the handle: a body ``<name>`` on the vertical slide joint ``<name>_slide``
  (qpos = height above its lowest position, range [0, HANDLE_TRAVEL]): an arm
  reaching HANDLE_REACH out of the slot and, at its end, a round crossbar
  across it (a T). The site ``<name>_grip`` is the middle of the crossbar,
  ``handle_grip_offset(yaw)`` from the base at the lowest position; it is at
  HANDLE_LOW_Z + qpos above the table.
- grasp spots (``handle_grasp_offset``): a gripper closing along world y
  holds the crossbar beside the arm in the front variant (``"bar"``, the bar
  runs along x) and the arm just behind the crossbar in the side variant
  (``"arm"``, the arm runs along x).

Lever (``add_lever``), in the frame of its base body ``<name>_base`` (on the
table):

- the base: a pedestal box on the table with a shaft (a visual) out of its
  +x face at LEVER_AXIS_HEIGHT;
- the lever: a body ``<name>`` on the hinge ``<name>_hinge`` along -x at
  LEVER_AXIS_HEIGHT (qpos = angle in radians, range [0, LEVER_MAX_ANGLE]): an
  arm in the plane x = LEVER_ARM_X and, at its end, a round grip along +x
  (like a pedal), so that a gripper closing along y can hold it while the
  lever turns (the grip turns about its own axis between the fingers). At 0
  the arm points at the robot (-y), level; at pi/2 it points up. The site
  ``<name>_grip`` is the middle of the grip, LEVER_RADIUS from the axis.

Only boxes and capsules collide; cylinders are visuals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import mujoco
import numpy as np

from manyworld.sim import parts
from manyworld.sim.parts import BOX, CAPSULE, CYLINDER, HINGE, SLIDE

if TYPE_CHECKING:
    from manyworld.sim.world import BatchSim

# ------------------------------------------------------------------ handle box
HANDLE_HOUSING_HALF = (0.05, 0.05, 0.11)  # standing on the table: centre 0.11 above the base
HANDLE_REACH = 0.215  # crossbar axis in front of the base (Meta-World's handle is 0.215 out)
HANDLE_LOW_Z = 0.065  # grip height at the lowest position
HANDLE_TRAVEL = 0.11  # slide range [0, HANDLE_TRAVEL]: the grip moves between 0.065 and 0.175
HANDLE_DAMPING = 5.0  # N s / m
HANDLE_FRICTIONLOSS = 1.0  # N: dry friction, the handle stays where it is left
HANDLE_MASS = 0.1
HANDLE_ARM_HALF = (0.01, 0.008)  # half width and half thickness of the arm
HANDLE_ARM_ROOT = 0.03  # the arm starts this far in front of the base, inside the housing
HANDLE_BAR_RADIUS = 0.012
HANDLE_BAR_HALF_LENGTH = 0.06
# Grasp spots relative to the grip site, in the handle's local frame (before yaw).
HANDLE_GRASP_LOCAL = {
    "bar": np.array([0.035, 0.0, 0.0]),  # on the crossbar, clear of the arm
    "arm": np.array([0.0, 0.04, 0.0]),  # on the arm, clear of the crossbar
}
# Half width of what the fingers close on at each grasp spot.
HANDLE_GRASP_HALF_WIDTH = {"bar": HANDLE_BAR_RADIUS, "arm": HANDLE_ARM_HALF[0]}


def _yaw_matrix(yaw: float) -> np.ndarray:
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _yaw_quat(yaw: float) -> list[float]:
    return [float(np.cos(yaw / 2)), 0.0, 0.0, float(np.sin(yaw / 2))]


def handle_grip_offset(yaw: float = 0.0) -> np.ndarray:
    """(3,) grip site relative to the base of a handle box turned by ``yaw``, handle lowest."""
    return _yaw_matrix(yaw) @ np.array([0.0, -HANDLE_REACH, HANDLE_LOW_Z])


def handle_grasp_offset(yaw: float = 0.0, spot: str = "bar") -> np.ndarray:
    """(3,) a grasp spot (``"bar"`` or ``"arm"``) relative to the grip site, in the world frame."""
    return _yaw_matrix(yaw) @ HANDLE_GRASP_LOCAL[spot]


def add_handle_box(spec: mujoco.MjSpec, name: str = "handle", pos: Sequence[float] = (0.0, 0.85, 0.0),
                   yaw: float = 0.0, rgba=(0.3, 0.32, 0.36, 1.0),
                   handle_rgba=(0.95, 0.72, 0.1, 1.0)) -> mujoco.MjsBody:
    """A housing with a handle on a vertical slide; returns the handle body.

    Bodies: ``<name>_box`` (mocap base, turned by ``yaw``) and ``<name>``
    (joint ``<name>_slide``). Site: ``<name>_grip``.
    """
    mat = parts.material(spec, f"{name}_box_mat", rgba)
    hmat = parts.material(spec, f"{name}_mat", handle_rgba)
    base = parts.fixture_base(spec, f"{name}_box", pos)
    base.quat = _yaw_quat(yaw)
    hx, hy, hz = HANDLE_HOUSING_HALF
    parts.solid_geom(base, f"{name}_box_housing", type=BOX, size=[hx, hy, hz], pos=[0, 0, hz], material=mat)
    slot_z0, slot_z1 = HANDLE_LOW_Z - 0.02, HANDLE_LOW_Z + HANDLE_TRAVEL + 0.02
    parts.visual_geom(base, f"{name}_box_slot", type=BOX, size=[0.016, 0.001, (slot_z1 - slot_z0) / 2],
                      pos=[0, -hy - 0.001, (slot_z0 + slot_z1) / 2], rgba=[0.08, 0.08, 0.09, 1])

    handle = base.add_body(name=name, pos=[0, 0, HANDLE_LOW_Z], gravcomp=1)
    handle.add_joint(name=f"{name}_slide", type=SLIDE, axis=[0, 0, 1], range=[0, HANDLE_TRAVEL],
                     damping=[HANDLE_DAMPING, 0, 0], frictionloss=HANDLE_FRICTIONLOSS, armature=0.02)
    aw, at = HANDLE_ARM_HALF
    y0, y1 = -HANDLE_ARM_ROOT, -HANDLE_REACH
    parts.solid_geom(handle, f"{name}_arm", type=BOX, size=[aw, (y0 - y1) / 2, at], pos=[0, (y0 + y1) / 2, 0],
                     material=hmat, mass=HANDLE_MASS / 2)
    b = HANDLE_BAR_HALF_LENGTH
    parts.solid_geom(handle, f"{name}_bar", type=CAPSULE, size=[HANDLE_BAR_RADIUS, 0, 0], material=hmat,
                     mass=HANDLE_MASS / 2, fromto=[-b, -HANDLE_REACH, 0, b, -HANDLE_REACH, 0])
    handle.add_site(name=f"{name}_grip", pos=[0, -HANDLE_REACH, 0], size=[0.005] * 3, rgba=[0, 0, 0, 0])
    spec.add_exclude(name=f"{name}_guide", bodyname1=f"{name}_box", bodyname2=name)
    return handle


class HandleBox(parts.JointFixture):
    """A handle box's named quantities over the batch (the crossbar's middle is tracked)."""

    def __init__(self, sim: BatchSim, name: str = "handle"):
        super().__init__(sim, base=f"{name}_box", joint=f"{name}_slide", body=name, site=f"{name}_grip")

    def grip(self) -> np.ndarray:
        """(N, 3) middle of the crossbar."""
        return self.point()

    def height(self) -> np.ndarray:
        """(N,) how far the handle is above its lowest position (m)."""
        return self.joint()


# ------------------------------------------------------------------ lever
LEVER_AXIS_HEIGHT = 0.25  # hinge axis above the table (Meta-World's)
LEVER_RADIUS = 0.2  # grip axis from the hinge axis (Meta-World's)
LEVER_MAX_ANGLE = np.pi / 2  # hinge range [0, pi/2]: level (towards the robot) to upright
LEVER_ARM_X = 0.07  # the arm's plane, beside the pedestal
LEVER_GRIP_X = 0.12  # middle of the grip (Meta-World's lever end is 0.12 to the right of its base)
LEVER_GRIP_RADIUS = 0.012
LEVER_GRIP_HALF_LENGTH = 0.04
LEVER_ARM_HALF = (0.01, 0.01)  # half width (x) and half thickness of the arm
LEVER_PEDESTAL_HALF = (0.035, 0.035, 0.135)
LEVER_DAMPING = 0.1  # N m s / rad
LEVER_FRICTIONLOSS = 0.1  # N m: dry friction, the lever stays where it is left
LEVER_MASS = 0.15
# Grip of the lever at rest (angle 0), relative to the base.
LEVER_GRIP_OFFSET = np.array([LEVER_GRIP_X, -LEVER_RADIUS, LEVER_AXIS_HEIGHT])


def lever_grip_offset(angle: float | np.ndarray = 0.0) -> np.ndarray:
    """(..., 3) grip relative to the base with the lever at ``angle`` rad."""
    a = np.asarray(angle, np.float64)
    return np.stack([np.full_like(a, LEVER_GRIP_X), -LEVER_RADIUS * np.cos(a),
                     LEVER_AXIS_HEIGHT + LEVER_RADIUS * np.sin(a)], axis=-1)


def add_lever(spec: mujoco.MjSpec, name: str = "lever", pos: Sequence[float] = (0.0, 0.75, 0.0),
              rgba=(0.3, 0.32, 0.36, 1.0), lever_rgba=(0.95, 0.72, 0.1, 1.0)) -> mujoco.MjsBody:
    """A pedestal with a lever on a horizontal hinge; returns the lever body.

    Bodies: ``<name>_base`` (mocap) and ``<name>`` (joint ``<name>_hinge``).
    Site: ``<name>_grip``.
    """
    mat = parts.material(spec, f"{name}_base_mat", rgba)
    lmat = parts.material(spec, f"{name}_mat", lever_rgba)
    smat = parts.material(spec, f"{name}_shaft_mat", (0.78, 0.79, 0.81, 1.0), specular=0.7)
    base = parts.fixture_base(spec, f"{name}_base", pos)
    px, py, pz = LEVER_PEDESTAL_HALF
    parts.solid_geom(base, f"{name}_base_pedestal", type=BOX, size=[px, py, pz], pos=[0, 0, pz], material=mat)
    ax = LEVER_ARM_X - LEVER_ARM_HALF[0]
    parts.visual_geom(base, f"{name}_base_shaft", type=CYLINDER, size=[0.012, (ax - px) / 2],
                      pos=[(ax + px) / 2, 0, LEVER_AXIS_HEIGHT], quat=[0.7071068, 0, 0.7071068, 0],
                      material=smat)

    lever = base.add_body(name=name, pos=[0, 0, LEVER_AXIS_HEIGHT], gravcomp=1)
    lever.add_joint(name=f"{name}_hinge", type=HINGE, axis=[-1, 0, 0], range=[0, LEVER_MAX_ANGLE],
                    damping=[LEVER_DAMPING, 0, 0], frictionloss=LEVER_FRICTIONLOSS, armature=0.005)
    w, t = LEVER_ARM_HALF
    y0, y1 = 0.02, -LEVER_RADIUS
    parts.solid_geom(lever, f"{name}_arm", type=BOX, size=[w, (y0 - y1) / 2, t], pos=[LEVER_ARM_X, (y0 + y1) / 2, 0],
                     material=lmat, mass=LEVER_MASS * 0.7)
    g0, g1 = LEVER_ARM_X + w, LEVER_GRIP_X + LEVER_GRIP_HALF_LENGTH
    parts.solid_geom(lever, f"{name}_grip", type=CAPSULE, size=[LEVER_GRIP_RADIUS, 0, 0], material=smat,
                     mass=LEVER_MASS * 0.3, fromto=[g0, -LEVER_RADIUS, 0, g1, -LEVER_RADIUS, 0])
    lever.add_site(name=f"{name}_grip", pos=[LEVER_GRIP_X, -LEVER_RADIUS, 0], size=[0.005] * 3, rgba=[0, 0, 0, 0])
    spec.add_exclude(name=f"{name}_pivot", bodyname1=f"{name}_base", bodyname2=name)
    return lever


class Lever(parts.JointFixture):
    """A lever's named quantities over the batch (the grip is tracked)."""

    def __init__(self, sim: BatchSim, name: str = "lever"):
        super().__init__(sim, base=f"{name}_base", joint=f"{name}_hinge", body=name, site=f"{name}_grip")

    def grip(self) -> np.ndarray:
        """(N, 3) middle of the grip."""
        return self.point()

    def angle(self) -> np.ndarray:
        """(N,) angle in radians: 0 level towards the robot, pi/2 upright."""
        return self.joint()
