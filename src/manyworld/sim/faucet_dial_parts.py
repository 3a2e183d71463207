"""Articulated fixtures of the faucet and dial tasks: a lever faucet and a turning dial.

Both hang from a :func:`~manyworld.sim.parts.fixture_base` mocap body standing
on the table (base frame at table height), so each world of a batch can hold
the fixture elsewhere. The moving part (the faucet's lever, the dial's knob) is
a child body on a vertical hinge with limits, damping and dry friction: it
turns while pushed and stays where it is left. Its contacts with the fixture
it turns on are excluded (a parent and its child never collide): the joint
limits, not colliding geoms, stop it.

Faucet (``add_faucet``), in the frame of its base body ``<name>_base``:

- the body: a column on the table with a spout reaching towards the robot
  (-y) below the lever;
- the lever: a body ``<name>_handle`` on the vertical hinge ``<name>_hinge``
  through the column (axis +z: a positive angle turns the lever
  counter-clockwise seen from above, from pointing at the robot (-y) towards
  +x). Range [-FAUCET_MAX_ANGLE, FAUCET_MAX_ANGLE]. The lever is a horizontal
  arm FAUCET_HANDLE_LENGTH long ending in an upright knob that the gripper
  pushes around; the site ``<name>_handle`` is on the knob's axis,
  FAUCET_HANDLE_LENGTH from the hinge axis and FAUCET_HANDLE_Z above the
  table: at angle a it lies at base + L (sin a, -cos a, 0) + (0, 0, Z).

Dial (``add_dial``), in the frame of its base body ``<name>_base``:

- a square plinth on the table;
- the knob: a body ``<name>_knob`` on the vertical hinge ``<name>_hinge``
  (axis -z: a positive angle turns the knob clockwise seen from above, the
  way a stove dial is turned up), range [0, DIAL_MAX_ANGLE]: like a stove
  dial it starts against its "off" stop and turns one way only. A round disc
  (smooth: low friction) with an upright nub on its rim that the gripper
  pushes around; the dry friction of the hinge makes it a firm dial, which a
  hand brushing past does not turn much.
  The site ``<name>_nub`` is on the nub's axis, DIAL_RADIUS from the hinge
  axis and DIAL_NUB_Z above the table: at angle a it lies at
  base + R (-sin a, -cos a, 0) + (0, 0, Z).

Only boxes, capsules and ellipsoids collide; cylinders are visuals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import mujoco
import numpy as np

from manyworld.sim import parts
from manyworld.sim.parts import BOX, CAPSULE, CYLINDER, ELLIPSOID, HINGE

if TYPE_CHECKING:
    from manyworld.sim.world import BatchSim

# ------------------------------------------------------------------ faucet
FAUCET_HANDLE_LENGTH = 0.175  # hinge axis to the knob's axis (Meta-World's handle length)
FAUCET_HANDLE_Z = 0.125  # height of the handle point above the table (Meta-World's goal height)
FAUCET_ARM_Z = 0.095  # height of the lever arm's axis
FAUCET_ARM_RADIUS = 0.009
FAUCET_KNOB_RADIUS = 0.012
FAUCET_KNOB_TOP = 0.155  # upper end of the knob's axis (its cap reaches 0.012 higher)
FAUCET_COLUMN_HALF = 0.028  # half width of the column
FAUCET_MAX_ANGLE = 1.75  # rad, about 100 degrees either way
FAUCET_DAMPING = 0.05  # N m s / rad
FAUCET_FRICTIONLOSS = 0.05  # N m: dry friction, the lever stays where it is left
FAUCET_HANDLE_MASS = 0.1


def add_faucet(spec: mujoco.MjSpec, name: str = "faucet", pos: Sequence[float] = (0.0, 0.8, 0.0),
               rgba=(0.75, 0.77, 0.8, 1.0), knob_rgba=(0.15, 0.35, 0.85, 1.0)) -> mujoco.MjsBody:
    """A faucet with a lever turning about its vertical column; returns the lever body.

    Bodies: ``<name>_base`` (mocap), ``<name>_handle`` (joint ``<name>_hinge``).
    Site: ``<name>_handle``.
    """
    mat = parts.material(spec, f"{name}_body_mat", rgba, specular=0.8)
    kmat = parts.material(spec, f"{name}_knob_mat", knob_rgba)
    base = parts.fixture_base(spec, f"{name}_base", pos)

    c, top = FAUCET_COLUMN_HALF, FAUCET_ARM_Z - 0.012
    parts.solid_geom(base, f"{name}_column", type=BOX, pos=[0, 0, (top + 0.001) / 2],
                     size=[c, c, (top - 0.001) / 2], material=mat, rgba=[0, 0, 0, 0])
    parts.visual_geom(base, f"{name}_column_visual", type=CYLINDER, pos=[0, 0, top / 2], size=[c, top / 2],
                      material=mat)
    parts.visual_geom(base, f"{name}_escutcheon", type=CYLINDER, pos=[0, 0, 0.003], size=[0.045, 0.003],
                      material=mat)
    parts.solid_geom(base, f"{name}_spout", type=CAPSULE, size=[0.011, 0, 0], material=mat,
                     fromto=[0, -0.01, 0.06, 0, -0.09, 0.06])
    parts.visual_geom(base, f"{name}_spout_tip", type=CYLINDER, pos=[0, -0.09, 0.045], size=[0.012, 0.012],
                      material=mat)

    handle = base.add_body(name=f"{name}_handle", pos=[0, 0, FAUCET_ARM_Z])
    handle.add_joint(name=f"{name}_hinge", type=HINGE, axis=[0, 0, 1], range=[-FAUCET_MAX_ANGLE, FAUCET_MAX_ANGLE],
                     damping=[FAUCET_DAMPING, 0, 0], frictionloss=FAUCET_FRICTIONLOSS, armature=0.005)
    L = FAUCET_HANDLE_LENGTH
    parts.visual_geom(handle, f"{name}_hub", type=CYLINDER, pos=[0, 0, 0], size=[c + 0.004, 0.014], material=mat)
    parts.solid_geom(handle, f"{name}_arm", type=CAPSULE, size=[FAUCET_ARM_RADIUS, 0, 0], material=mat,
                     mass=0.6 * FAUCET_HANDLE_MASS, fromto=[0, -c, 0, 0, -L, 0])
    parts.solid_geom(handle, f"{name}_knob", type=CAPSULE, size=[FAUCET_KNOB_RADIUS, 0, 0], material=kmat,
                     mass=0.4 * FAUCET_HANDLE_MASS, fromto=[0, -L, 0, 0, -L, FAUCET_KNOB_TOP - FAUCET_ARM_Z])
    handle.add_site(name=f"{name}_handle", pos=[0, -L, FAUCET_HANDLE_Z - FAUCET_ARM_Z], size=[0.005] * 3,
                    rgba=[0, 0, 0, 0])
    return handle


def faucet_handle_offset(angle: float | np.ndarray) -> np.ndarray:
    """(..., 3) handle point relative to the base with the lever turned ``angle`` rad."""
    a = np.asarray(angle, np.float64)
    L = FAUCET_HANDLE_LENGTH
    return np.stack([L * np.sin(a), -L * np.cos(a), np.full_like(a, FAUCET_HANDLE_Z)], axis=-1)


class Faucet(parts.JointFixture):
    """A faucet's named quantities over the batch (the handle point is tracked)."""

    def __init__(self, sim: BatchSim, name: str = "faucet"):
        super().__init__(sim, base=f"{name}_base", joint=f"{name}_hinge", body=f"{name}_handle",
                         site=f"{name}_handle")

    def handle(self) -> np.ndarray:
        """(N, 3) the handle point (on the knob at the lever's end)."""
        return self.point()

    def angle(self) -> np.ndarray:
        """(N,) lever angle in radians (positive: counter-clockwise seen from above)."""
        return self.joint()


# ------------------------------------------------------------------ dial
DIAL_RADIUS = 0.05  # hinge axis to the nub's axis (Meta-World's dial radius)
DIAL_PLINTH_HALF = (0.065, 0.065, 0.01)
DIAL_DISC_RADIUS = 0.05
DIAL_DISC_HALF_HEIGHT = 0.015
DIAL_NUB_RADIUS = 0.01
DIAL_NUB_SPAN = (0.045, 0.07)  # z of the nub's axis end points above the table
DIAL_NUB_Z = 0.065  # height of the nub point above the table
DIAL_MAX_ANGLE = 2.6  # rad, about 150 degrees clockwise from the off stop
DIAL_DAMPING = 0.01  # N m s / rad
DIAL_FRICTIONLOSS = 0.3  # N m (6 N at the nub): a firm dial that stays where it is left
DIAL_MASS = 0.1
# The disc is smooth: its friction (which wins over the fingers' by geom priority) is low, so that
# only pushing the nub turns the dial, not a hand dragged across the disc.
DIAL_DISC_FRICTION = 0.05


def add_dial(spec: mujoco.MjSpec, name: str = "dial", pos: Sequence[float] = (0.0, 0.75, 0.0),
             rgba=(0.3, 0.32, 0.35, 1.0), knob_rgba=(0.85, 0.82, 0.75, 1.0),
             nub_rgba=(0.85, 0.2, 0.15, 1.0)) -> mujoco.MjsBody:
    """A plinth with a turning knob carrying a nub on its rim; returns the knob body.

    Bodies: ``<name>_base`` (mocap), ``<name>_knob`` (joint ``<name>_hinge``).
    Site: ``<name>_nub``.
    """
    mat = parts.material(spec, f"{name}_plinth_mat", rgba)
    kmat = parts.material(spec, f"{name}_knob_mat", knob_rgba)
    nmat = parts.material(spec, f"{name}_nub_mat", nub_rgba)
    base = parts.fixture_base(spec, f"{name}_base", pos)
    hx, hy, hz = DIAL_PLINTH_HALF
    parts.solid_geom(base, f"{name}_plinth", type=BOX, pos=[0, 0, hz + 0.001], size=[hx, hy, hz], material=mat)

    z0 = 2 * hz + 0.001  # the knob sits on the plinth
    knob = base.add_body(name=f"{name}_knob", pos=[0, 0, z0])
    knob.add_joint(name=f"{name}_hinge", type=HINGE, axis=[0, 0, -1], range=[0, DIAL_MAX_ANGLE],
                   damping=[DIAL_DAMPING, 0, 0], frictionloss=DIAL_FRICTIONLOSS, armature=0.002)
    r, h = DIAL_DISC_RADIUS, DIAL_DISC_HALF_HEIGHT
    parts.solid_geom(knob, f"{name}_disc", type=ELLIPSOID, pos=[0, 0, h], size=[r, r, h], material=kmat,
                     rgba=[0, 0, 0, 0], mass=0.8 * DIAL_MASS, priority=1,
                     friction=[DIAL_DISC_FRICTION, 0.005, 0.0001])
    parts.visual_geom(knob, f"{name}_disc_visual", type=CYLINDER, pos=[0, 0, h], size=[r, h], material=kmat)
    parts.visual_geom(knob, f"{name}_pointer", type=BOX, pos=[0, -0.5 * r, 2 * h + 0.001],
                      size=[0.004, 0.4 * r, 0.001], material=nmat)
    n0, n1 = DIAL_NUB_SPAN
    parts.solid_geom(knob, f"{name}_nub", type=CAPSULE, size=[DIAL_NUB_RADIUS, 0, 0], material=nmat,
                     mass=0.2 * DIAL_MASS, fromto=[0, -DIAL_RADIUS, n0 - z0, 0, -DIAL_RADIUS, n1 - z0])
    knob.add_site(name=f"{name}_nub", pos=[0, -DIAL_RADIUS, DIAL_NUB_Z - z0], size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return knob


def dial_nub_offset(angle: float | np.ndarray) -> np.ndarray:
    """(..., 3) nub point relative to the base with the knob turned ``angle`` rad (clockwise)."""
    a = np.asarray(angle, np.float64)
    R = DIAL_RADIUS
    return np.stack([-R * np.sin(a), -R * np.cos(a), np.full_like(a, DIAL_NUB_Z)], axis=-1)


class Dial(parts.JointFixture):
    """A dial's named quantities over the batch (the rim nub is tracked)."""

    def __init__(self, sim: BatchSim, name: str = "dial"):
        super().__init__(sim, base=f"{name}_base", joint=f"{name}_hinge", body=f"{name}_knob", site=f"{name}_nub")

    def nub(self) -> np.ndarray:
        """(N, 3) the nub point on the knob's rim."""
        return self.point()

    def angle(self) -> np.ndarray:
        """(N,) knob angle in radians (positive: clockwise seen from above)."""
        return self.joint()
