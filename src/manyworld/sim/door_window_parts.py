"""Articulated fixtures of the door and window tasks: a hinged door and a sliding window.

Both hang from a :func:`~manyworld.sim.parts.fixture_base` mocap body, so each
world of a batch can hold the fixture elsewhere. The moving part (the door
leaf, the window sash) is a child body on a joint with limits, damping and dry
friction: it moves only the way and as far as the real thing does, glides
while pushed or pulled and stays where it is left. Its contacts with the
fixture it hangs in are excluded: the joint limits, not colliding boxes, stop
it (and nothing it carries touches the fixture anywhere in its travel).

Door (``add_door``), in the frame of its base body ``<name>_base`` (Meta-World's
door position: the centre of the front of the cabinet, 0.15 above the table):

- the frame: a cabinet (two sides, top, bottom, back; a "safe", as
  Meta-World's) open at the front, standing on the table;
- the leaf: a body ``<name>_leaf`` on the vertical hinge ``<name>_hinge`` at
  DOOR_HINGE, on the left edge of the opening. qpos is the opening angle in
  radians (axis -z: a positive angle swings the free edge towards the robot,
  -y), range [0, DOOR_MAX_ANGLE];
- the handle: a vertical grip bar DOOR_HANDLE_STANDOFF in front of the leaf,
  on a stem at its lower end, so that the gripper can take it from above at
  any opening angle (the bar is round and vertical, so a hand that cannot
  rotate can hold it while the leaf turns). The site ``<name>_handle`` is the
  middle of the grip, DOOR_HANDLE_ARM from the hinge axis in the leaf frame;
- room for a lock: the leaf's front face around DOOR_LOCK_MOUNT (above the
  handle, nearer the middle of the leaf) is left free for a lock body to be
  added as a child of the leaf body that ``add_door`` returns.

Door lock (``add_door_lock``, added to a door built by ``add_door``): a rotary
cam lock, as on a cabinet or a safe, in the frame of the lock body
``<name>_lock`` at DOOR_LOCK_MOUNT on the leaf's front face:

- the turn: a flat lever on a hub DOOR_LOCK_STANDOFF in front of the leaf, on
  the hinge ``<name>_lock_hinge`` whose axis is the leaf's normal (+y). qpos is
  the turn in radians, range [0, DOOR_LOCK_MAX_ANGLE]: 0 is unlocked (the lever
  points to the latch side, +x), pi/2 locked (the lever points down). Damping
  and dry friction (DOOR_LOCK_FRICTIONLOSS, about a real thumb-turn's): it
  turns while pushed, stops at either end and stays where it is left. The
  lever starts at the axis (nothing sticks out beyond it, so a push on the
  hub does not turn it); lever and hub are frictionless (a hand pressing on
  the lever's side and sliding along it does not drag it round);
- the lock points: the sites ``<name>_lock_top`` and ``<name>_lock_bottom``
  are on the lever's two faces (+z and -z when unlocked), DOOR_LOCK_POINT[0]
  along the lever from the axis (Meta-World's ``lockStartLock`` and
  ``lockStartUnlock``). With (R, h) = DOOR_LOCK_POINT, at turn a the one on
  side k (+1 top, -1 bottom) lies at
  mount + (R cos a + k h sin a, -standoff, -R sin a + k h cos a) in the leaf
  frame (:func:`door_lock_offset`);
- the cam: an arm behind the leaf, turned with the lever, pointing away from
  it (its mass balances the lever's: gravity does not turn the lock). Locked,
  it stands up behind a keeper lip ``<name>_lock_keeper`` that hangs from the
  cabinet's top (added to the base body), so the locked door cannot swing
  open; unlocked, it lies below the lip and the door swings freely. The cam
  is the one part that meets the fixture it hangs in. (A door without a lock
  has no keeper: ``add_door`` alone builds the same door as before.)
- hard stops: the lock's limits, and the door's once it has a lock, are
  stiff (DOOR_LOCK_SOLREF_LIMIT, DOOR_LOCK_SOLIMP_LIMIT). The hand can press
  with hundreds of newtons; a soft limit would let the lever overshoot its
  stop and spring back, and a leaf pressed past its shut limit would tilt the
  lock's axis so that the press turned the lock.

Window (``add_window``), in the frame of its base body ``<name>_base`` (the
centre of the window, 0.16 above the table, as Meta-World's):

- the frame: sill, head and two jambs, standing on the table, with a fixed
  pane in the right half, at the back;
- the sash: a body ``<name>_sash`` in front of the fixed pane, on the slide
  joint ``<name>_slide`` along +x; qpos is how far it is slid open (it starts
  covering the left half and slides over the fixed pane), range
  [0, WINDOW_TRAVEL];
- the handle: a vertical bar on two standoffs WINDOW_HANDLE_STANDOFF in front
  of the sash's right stile; the site ``<name>_handle`` is the middle of the
  bar, WINDOW_HANDLE_OFFSET from the base when the window is shut.

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

# ------------------------------------------------------------------ door
# Hinge axis in the base frame: left edge of the opening, 0.09 in front of the base.
DOOR_HINGE = np.array([-0.21, -0.09, 0.0])
# Leaf: a slab from LEAF_X0 to LEAF_X1 along the leaf frame's x axis, centred on the hinge's y.
DOOR_LEAF_X = (0.012, 0.37)
DOOR_LEAF_HALF_THICKNESS = 0.01
DOOR_LEAF_HALF_HEIGHT = 0.125
DOOR_LEAF_MASS = 1.0
DOOR_MAX_ANGLE = 2.0  # rad (Meta-World's door range, about 115 degrees)
DOOR_DAMPING = 1.0  # N m s / rad
DOOR_FRICTIONLOSS = 0.1  # N m: dry friction, the door stays where it is left
# Handle: the grip's middle, in the leaf frame (= relative to the hinge when shut).
DOOR_HANDLE_STANDOFF = 0.09
DOOR_HANDLE_ARM = np.array([0.32, -DOOR_HANDLE_STANDOFF, 0.0])
DOOR_HANDLE_RADIUS = 0.011
DOOR_HANDLE_SPAN = (-0.065, 0.02)  # z of the bar's axis end points in the leaf frame
DOOR_LOCK_MOUNT = np.array([0.2, -DOOR_LEAF_HALF_THICKNESS, 0.07])  # free spot of the leaf's front face
# Shut door: the handle relative to the base.
DOOR_HANDLE_OFFSET = DOOR_HINGE + DOOR_HANDLE_ARM
# Cabinet: x span, y span (its front edge 5 mm behind the shut leaf) and half height.
DOOR_CABINET_X = (-0.26, 0.19)
DOOR_CABINET_Y = (-0.075, 0.10)
DOOR_CABINET_HALF_HEIGHT = 0.15
DOOR_WALL = 0.015


def door_handle_angle0() -> float:
    """Polar angle (rad, about +z) of the shut door's handle seen from the hinge axis."""
    return float(np.arctan2(DOOR_HANDLE_ARM[1], DOOR_HANDLE_ARM[0]))


def door_handle_radius() -> float:
    """Distance (m) of the handle's grip from the hinge axis."""
    return float(np.hypot(DOOR_HANDLE_ARM[0], DOOR_HANDLE_ARM[1]))


def add_door(spec: mujoco.MjSpec, name: str = "door", pos: Sequence[float] = (0.0, 0.9, 0.15),
             rgba=(0.42, 0.45, 0.5, 1.0), leaf_rgba=(0.62, 0.5, 0.38, 1.0)) -> mujoco.MjsBody:
    """A cabinet with a hinged door and a grip handle; returns the leaf body.

    Bodies: ``<name>_base`` (mocap), ``<name>_leaf`` (joint ``<name>_hinge``).
    Site: ``<name>_handle``.
    """
    mat = parts.material(spec, f"{name}_frame_mat", rgba)
    lmat = parts.material(spec, f"{name}_leaf_mat", leaf_rgba)
    hmat = parts.material(spec, f"{name}_handle_mat", (0.78, 0.79, 0.81, 1.0), specular=0.7)
    base = parts.fixture_base(spec, f"{name}_base", pos)

    (x0, x1), (y0, y1), hz, t = DOOR_CABINET_X, DOOR_CABINET_Y, DOOR_CABINET_HALF_HEIGHT, DOOR_WALL
    cx, cy, hx, hy = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    walls = {
        "side_hinge": ((x0 + t, cy, 0), (t, hy, hz)),
        "side_latch": ((x1 - t, cy, 0), (t, hy, hz)),
        "top": ((cx, cy, hz - t), (hx - 2 * t, hy, t)),
        "bottom": ((cx, cy, -hz + t), (hx - 2 * t, hy, t)),
        "back": ((cx, y1 - t / 2, 0), (hx - 2 * t, t / 2, hz - 2 * t)),
    }
    for part, (p, size) in walls.items():
        parts.solid_geom(base, f"{name}_frame_{part}", type=BOX, pos=list(p), size=list(size), material=mat)

    leaf = base.add_body(name=f"{name}_leaf", pos=DOOR_HINGE.tolist())
    leaf.add_joint(name=f"{name}_hinge", type=HINGE, axis=[0, 0, -1], range=[0, DOOR_MAX_ANGLE],
                   damping=[DOOR_DAMPING, 0, 0], frictionloss=DOOR_FRICTIONLOSS, armature=0.02)
    lx0, lx1 = DOOR_LEAF_X
    parts.solid_geom(leaf, f"{name}_leaf", type=BOX, pos=[(lx0 + lx1) / 2, 0, 0],
                     size=[(lx1 - lx0) / 2, DOOR_LEAF_HALF_THICKNESS, DOOR_LEAF_HALF_HEIGHT],
                     material=lmat, mass=DOOR_LEAF_MASS)
    for k, z in (("top", 0.08), ("bottom", -0.08)):
        parts.visual_geom(leaf, f"{name}_knuckle_{k}", type=CYLINDER, size=[0.012, 0.03], pos=[0, 0, z],
                          material=hmat)

    ax, ay, _ = DOOR_HANDLE_ARM
    r = DOOR_HANDLE_RADIUS
    z0, z1 = DOOR_HANDLE_SPAN
    parts.solid_geom(leaf, f"{name}_handle_bar", type=CAPSULE, size=[r, 0, 0], material=hmat, mass=0.03,
                     fromto=[ax, ay, z0, ax, ay, z1])
    y_face = -DOOR_LEAF_HALF_THICKNESS
    parts.solid_geom(leaf, f"{name}_handle_stem", type=BOX, material=hmat, mass=0.02,
                     pos=[ax, (ay + y_face) / 2, z0 + 0.005], size=[0.008, (y_face - ay) / 2, 0.008])
    parts.visual_geom(leaf, f"{name}_handle_rose", type=BOX, pos=[ax, y_face - 0.002, z0 + 0.005],
                      size=[0.018, 0.002, 0.018], material=hmat)
    leaf.add_site(name=f"{name}_handle", pos=DOOR_HANDLE_ARM.tolist(), size=[0.005] * 3, rgba=[0, 0, 0, 0])
    spec.add_exclude(name=f"{name}_hinge_frame", bodyname1=f"{name}_base", bodyname2=f"{name}_leaf")
    return leaf


class Door(parts.JointFixture):
    """A door's named quantities over the batch (the handle's grip is tracked)."""

    def __init__(self, sim: BatchSim, name: str = "door"):
        super().__init__(sim, base=f"{name}_base", joint=f"{name}_hinge", body=f"{name}_leaf",
                         site=f"{name}_handle")

    def handle(self) -> np.ndarray:
        """(N, 3) middle of the handle's grip."""
        return self.point()

    def angle(self) -> np.ndarray:
        """(N,) opening angle in radians."""
        return self.joint()


# ------------------------------------------------------------------ door lock
# In the frame of the lock body (DOOR_LOCK_MOUNT on the leaf's front face; axes those of the leaf).
DOOR_LOCK_MAX_ANGLE = np.pi / 2  # rad: 0 unlocked (lever along +x), pi/2 locked (lever pointing down)
# Lock points: along the lever from the axis, and out of its mid-plane to its faces (Meta-World's).
DOOR_LOCK_POINT = (0.09, 0.01)
DOOR_LOCK_STANDOFF = 0.065  # lever's mid-plane in front of the leaf's front face
DOOR_LOCK_LEVER_SPAN = (0.0, 0.1)  # lever from/to, along its length (nothing beyond the axis)
DOOR_LOCK_LEVER_HALF_WIDTH = 0.01  # across the lever, in its plane of turning
DOOR_LOCK_LEVER_HALF_DEPTH = 0.015  # along the axis (y)
DOOR_LOCK_HUB_RADIUS = 0.012
DOOR_LOCK_DAMPING = 0.005  # N m s / rad
DOOR_LOCK_FRICTIONLOSS = 0.3  # N m: dry friction (a thumb-turn's), the lock stays where it is left
DOOR_LOCK_LEVER_MASS = 0.01  # the cam's mass balances it: gravity does not turn the lock
# Stiff joint limits (time constant 2 timesteps) of the lock and, once it has a lock, of the door.
DOOR_LOCK_SOLREF_LIMIT = (0.005, 1.0)
DOOR_LOCK_SOLIMP_LIMIT = (0.99, 0.999, 0.001, 0.5, 2.0)
# Cam behind the leaf (the leaf's back face is at y = 2 * DOOR_LEAF_HALF_THICKNESS): its y span and reach.
DOOR_LOCK_CAM_Y = (0.04, 0.05)
DOOR_LOCK_CAM_REACH = 0.045
DOOR_LOCK_CAM_HALF_WIDTH = 0.008
# Keeper lip on the cabinet, in front of the cam (y span in the lock frame, bottom z above the axis).
DOOR_LOCK_KEEPER_Y = (0.028, 0.036)
DOOR_LOCK_KEEPER_BOTTOM = 0.025


def door_lock_offset(angle: float | np.ndarray = 0.0, side: int = 1) -> np.ndarray:
    """(..., 3) lock point of ``side`` (+1 top, -1 bottom) relative to the door's base.

    With the door shut and the lock turned ``angle`` rad.
    """
    a = np.asarray(angle, np.float64)
    r, h = DOOR_LOCK_POINT[0], side * DOOR_LOCK_POINT[1]
    local = np.stack([r * np.cos(a) + h * np.sin(a), np.full_like(a, -DOOR_LOCK_STANDOFF),
                      -r * np.sin(a) + h * np.cos(a)], axis=-1)
    return DOOR_HINGE + DOOR_LOCK_MOUNT + local


def door_lock_angle(point: np.ndarray, axis: np.ndarray, side: int = 1) -> np.ndarray:
    """(N,) the turn (rad) of locks whose lock point of ``side`` is at ``point`` (N, 3), axis point ``axis``.

    Read in the door's plane with the door shut (as the lock tasks keep it).
    """
    rel = point - axis
    return np.arctan2(-rel[:, 2], rel[:, 0]) - np.arctan2(-side * DOOR_LOCK_POINT[1], DOOR_LOCK_POINT[0])


def door_lock_axis_offset() -> np.ndarray:
    """(3,) the lock's axis point in the lever's mid-plane, relative to the door's base (door shut)."""
    return DOOR_HINGE + DOOR_LOCK_MOUNT + np.array([0.0, -DOOR_LOCK_STANDOFF, 0.0])


def add_door_lock(spec: mujoco.MjSpec, name: str = "door", rgba=(0.78, 0.79, 0.81, 1.0),
                  lever_rgba=(0.2, 0.2, 0.22, 1.0)) -> mujoco.MjsBody:
    """A rotary cam lock on the leaf of the door ``name`` (built by :func:`add_door`); returns the lock body.

    Body: ``<name>_lock`` (joint ``<name>_lock_hinge``), child of ``<name>_leaf``.
    Sites: ``<name>_lock_top``, ``<name>_lock_bottom``. Geom ``<name>_lock_keeper`` on ``<name>_base``.
    """
    leaf, base = spec.body(f"{name}_leaf"), spec.body(f"{name}_base")
    if leaf is None or base is None:
        raise ValueError(f"add_door_lock needs a door named {name!r} (add_door first)")
    mat = parts.material(spec, f"{name}_handle_mat", rgba, specular=0.7)
    lmat = parts.material(spec, f"{name}_lock_mat", lever_rgba)
    fmat = parts.material(spec, f"{name}_frame_mat", rgba)

    lock = leaf.add_body(name=f"{name}_lock", pos=DOOR_LOCK_MOUNT.tolist())
    lock.add_joint(name=f"{name}_lock_hinge", type=HINGE, axis=[0, 1, 0], range=[0, DOOR_LOCK_MAX_ANGLE],
                   damping=[DOOR_LOCK_DAMPING, 0, 0], frictionloss=DOOR_LOCK_FRICTIONLOSS, armature=0.002,
                   solref_limit=list(DOOR_LOCK_SOLREF_LIMIT), solimp_limit=list(DOOR_LOCK_SOLIMP_LIMIT))
    # a hard stop where the door shuts (see the module doc)
    hinge = spec.joint(f"{name}_hinge")
    hinge.solref_limit, hinge.solimp_limit = list(DOOR_LOCK_SOLREF_LIMIT), list(DOOR_LOCK_SOLIMP_LIMIT)
    s, d = DOOR_LOCK_STANDOFF, DOOR_LOCK_LEVER_HALF_DEPTH
    parts.visual_geom(lock, f"{name}_lock_rose", type=CYLINDER, size=[0.03, 0.002], pos=[0, -0.002, 0],
                      euler=[np.pi / 2, 0, 0], material=mat)
    # hub and lever are frictionless (condim 1; priority 1 makes it hold in their contacts): only a push on
    # the lever's faces turns the lock, a hand pressing on its side (with up to hundreds of newtons) and
    # sliding along it does not drag it round
    parts.solid_geom(lock, f"{name}_lock_hub", type=CAPSULE, size=[DOOR_LOCK_HUB_RADIUS, 0, 0], material=mat,
                     mass=0.005, fromto=[0, -0.004, 0, 0, -(s - d), 0], priority=1, condim=1)
    r0, r1 = DOOR_LOCK_LEVER_SPAN
    parts.solid_geom(lock, f"{name}_lock_lever", type=BOX, material=lmat, mass=DOOR_LOCK_LEVER_MASS,
                     pos=[(r0 + r1) / 2, -s, 0], size=[(r1 - r0) / 2, d, DOOR_LOCK_LEVER_HALF_WIDTH],
                     priority=1, condim=1)
    # behind the leaf: the spindle (a visual through the leaf) and the cam, pointing away from the lever
    c0, c1 = DOOR_LOCK_CAM_Y
    parts.visual_geom(lock, f"{name}_lock_spindle", type=CYLINDER, size=[0.006, c1 / 2], pos=[0, c1 / 2, 0],
                      euler=[np.pi / 2, 0, 0], material=mat)
    w, reach = DOOR_LOCK_CAM_HALF_WIDTH, DOOR_LOCK_CAM_REACH
    cam_mass = DOOR_LOCK_LEVER_MASS * ((r0 + r1) / 2) / ((reach - w) / 2)  # centre of mass on the axis
    parts.solid_geom(lock, f"{name}_lock_cam", type=BOX, material=mat, mass=cam_mass,
                     pos=[-(reach - w) / 2, (c0 + c1) / 2, 0], size=[(reach + w) / 2, (c1 - c0) / 2, w])
    for side, k in (("top", 1), ("bottom", -1)):
        lock.add_site(name=f"{name}_lock_{side}", pos=[DOOR_LOCK_POINT[0], -s, k * DOOR_LOCK_POINT[1]],
                      size=[0.005] * 3, rgba=[0, 0, 0, 0])

    # the keeper: a lip hanging from the cabinet's top, in front of the locked cam
    k0, k1 = DOOR_LOCK_KEEPER_Y
    mount = DOOR_HINGE + DOOR_LOCK_MOUNT  # in the base frame
    top = DOOR_CABINET_HALF_HEIGHT - 2 * DOOR_WALL
    bottom = mount[2] + DOOR_LOCK_KEEPER_BOTTOM
    parts.solid_geom(base, f"{name}_lock_keeper", type=BOX, material=fmat,
                     pos=[mount[0], mount[1] + (k0 + k1) / 2, (top + bottom) / 2],
                     size=[0.025, (k1 - k0) / 2, (top - bottom) / 2])
    return lock


class DoorLock:
    """A door lock's named quantities over the batch, resolved once per sim.

    ``side`` picks the lock point: +1 on the lever's top face, -1 on its bottom face.
    """

    def __init__(self, sim: BatchSim, name: str = "door", side: int = 1):
        self.sim = sim
        self.body = sim.body_id(f"{name}_lock")
        self.site = sim.site_id(f"{name}_lock_{'top' if side > 0 else 'bottom'}")
        self.qpos = sim.qpos_slice(f"{name}_lock_hinge").start
        self.qvel = sim.qvel_slice(f"{name}_lock_hinge").start

    def place(self, ids: np.ndarray, angle: float | np.ndarray = 0.0) -> None:
        """Turn the lock of worlds ``ids`` to ``angle`` rad (0 unlocked, pi/2 locked), at rest."""
        self.sim.qpos[ids, self.qpos] = angle
        self.sim.qvel[ids, self.qvel] = 0.0

    def point(self) -> np.ndarray:
        """(N, 3) the lock point on the lever."""
        return self.sim.site_xpos[:, self.site]

    def quat(self) -> np.ndarray:
        """(N, 4) orientation of the lock body, MuJoCo (w, x, y, z)."""
        return self.sim.xquat[:, self.body]

    def angle(self) -> np.ndarray:
        """(N,) turn in radians (0 unlocked, pi/2 locked)."""
        return self.sim.qpos[:, self.qpos]


# ------------------------------------------------------------------ window
WINDOW_HALF_WIDTH = 0.23  # frame, outer
WINDOW_HALF_HEIGHT = 0.16  # frame, outer: the base sits 0.16 above the table
WINDOW_FRAME_DEPTH = 0.03  # half depth (y) of the frame
WINDOW_RAIL = 0.015  # half thickness of the sill, head and jambs
WINDOW_TRAVEL = 0.2  # slide range [0, WINDOW_TRAVEL]
WINDOW_DAMPING = 10.0  # N s / m
WINDOW_FRICTIONLOSS = 1.5  # N: dry friction, the sash stays where it is left
WINDOW_SASH_MASS = 0.4
WINDOW_SASH_Y = -0.016  # sash plane in front of the fixed pane's (+0.012)
WINDOW_FIXED_Y = 0.012
WINDOW_HANDLE_STANDOFF = 0.09  # bar axis in front of the sash plane
WINDOW_HANDLE_RADIUS = 0.009
WINDOW_HANDLE_HALF_LENGTH = 0.045
# Handle bar's middle relative to the sash body, and to the base with the window shut.
WINDOW_HANDLE_ON_SASH = np.array([-0.015, -WINDOW_HANDLE_STANDOFF, 0.0])
WINDOW_HANDLE_OFFSET = np.array([0.0, WINDOW_SASH_Y, 0.0]) + WINDOW_HANDLE_ON_SASH


def _pane(body: mujoco.MjsBody, name: str, x0: float, x1: float, y: float, frame_mat: str, glass_mat: str,
          mass: float | None = None) -> None:
    """A glazed sash from x0 to x1 (stiles, rails and glass), in the plane ``y`` of ``body``."""
    cx, hx, hz = (x0 + x1) / 2, (x1 - x0) / 2, 0.125
    kw = {} if mass is None else {"mass": mass / 5}
    for k, x in (("left", x0 + 0.01), ("right", x1 - 0.01)):
        parts.solid_geom(body, f"{name}_stile_{k}", type=BOX, pos=[x, y, 0], size=[0.01, 0.008, hz],
                         material=frame_mat, **kw)
    for k, z in (("top", hz - 0.01), ("bottom", -hz + 0.01)):
        parts.solid_geom(body, f"{name}_rail_{k}", type=BOX, pos=[cx, y, z], size=[hx - 0.02, 0.008, 0.01],
                         material=frame_mat, **kw)
    parts.solid_geom(body, f"{name}_glass", type=BOX, pos=[cx, y, 0], size=[hx - 0.02, 0.002, hz - 0.02],
                     material=glass_mat, **kw)


def add_window(spec: mujoco.MjSpec, name: str = "window", pos: Sequence[float] = (0.0, 0.8, 0.16),
               rgba=(0.72, 0.22, 0.18, 1.0), sash_rgba=(0.92, 0.92, 0.9, 1.0)) -> mujoco.MjsBody:
    """A window frame with a fixed pane and a sliding sash with a handle; returns the sash body.

    Bodies: ``<name>_base`` (mocap), ``<name>_sash`` (joint ``<name>_slide``).
    Site: ``<name>_handle``.
    """
    mat = parts.material(spec, f"{name}_frame_mat", rgba)
    smat = parts.material(spec, f"{name}_sash_mat", sash_rgba)
    gmat = parts.material(spec, f"{name}_glass_mat", (0.6, 0.8, 0.95, 0.35), specular=0.9)
    hmat = parts.material(spec, f"{name}_handle_mat", (0.78, 0.79, 0.81, 1.0), specular=0.7)
    base = parts.fixture_base(spec, f"{name}_base", pos)

    W, H, D, t = WINDOW_HALF_WIDTH, WINDOW_HALF_HEIGHT, WINDOW_FRAME_DEPTH, WINDOW_RAIL
    frame = {
        "sill": ((0, 0, -H + t), (W, D, t)),
        "head": ((0, 0, H - t), (W, D, t)),
        "jamb_left": ((-W + t, 0, 0), (t, D, H - 2 * t)),
        "jamb_right": ((W - t, 0, 0), (t, D, H - 2 * t)),
    }
    for part, (p, size) in frame.items():
        parts.solid_geom(base, f"{name}_frame_{part}", type=BOX, pos=list(p), size=list(size), material=mat)
    inner = W - 2 * t  # half width of the opening (0.2)
    _pane(base, f"{name}_fixed", 0.005, inner - 0.005, WINDOW_FIXED_Y, mat, gmat)

    sash = base.add_body(name=f"{name}_sash", pos=[0, WINDOW_SASH_Y, 0])
    sash.add_joint(name=f"{name}_slide", type=SLIDE, axis=[1, 0, 0], range=[0, WINDOW_TRAVEL],
                   damping=[WINDOW_DAMPING, 0, 0], frictionloss=WINDOW_FRICTIONLOSS, armature=0.05)
    _pane(sash, f"{name}_sash", -inner + 0.005, -0.005, 0.0, smat, gmat, mass=WINDOW_SASH_MASS)

    hx, hy, _ = WINDOW_HANDLE_ON_SASH
    h = WINDOW_HANDLE_HALF_LENGTH
    parts.solid_geom(sash, f"{name}_handle_bar", type=CAPSULE, size=[WINDOW_HANDLE_RADIUS, 0, 0], material=hmat,
                     mass=0.02, fromto=[hx, hy, -h, hx, hy, h])
    for k, z in (("top", h), ("bottom", -h)):
        parts.solid_geom(sash, f"{name}_handle_post_{k}", type=CAPSULE, size=[0.007, 0, 0], material=hmat,
                         mass=0.01, fromto=[hx, -0.008, z, hx, hy, z])
    sash.add_site(name=f"{name}_handle", pos=WINDOW_HANDLE_ON_SASH.tolist(), size=[0.005] * 3, rgba=[0, 0, 0, 0])
    spec.add_exclude(name=f"{name}_slide_frame", bodyname1=f"{name}_base", bodyname2=f"{name}_sash")
    return sash


class Window(parts.JointFixture):
    """A sliding window's named quantities over the batch (the handle bar is tracked)."""

    def __init__(self, sim: BatchSim, name: str = "window"):
        super().__init__(sim, base=f"{name}_base", joint=f"{name}_slide", body=f"{name}_sash",
                         site=f"{name}_handle")

    def handle(self) -> np.ndarray:
        """(N, 3) middle of the handle bar."""
        return self.point()

    def opening(self) -> np.ndarray:
        """(N,) how far the sash is slid open (m)."""
        return self.joint()
