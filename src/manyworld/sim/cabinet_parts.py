"""Articulated fixtures of the drawer and button tasks: a drawer cabinet and a button box.

Both hang from a :func:`~manyworld.sim.parts.fixture_base` mocap body, so each
world of a batch can hold the fixture elsewhere. The moving part (the drawer,
the button) is a child body on a slide joint with limits, so it moves only
along its rail and only as far as a real one would. Its contacts with the
fixture it slides in are excluded by name: the joint limits, not colliding
boxes, keep it in place (which is what a well-made rail does, and it spares
the solver contacts that never matter).

Drawer cabinet (``add_drawer_cabinet``), in the frame of its base body:

- the cabinet: a box frame (bottom, top, two sides, back) 0.22 wide, 0.20 deep
  and 0.12 tall, open at the front (``y = -0.12``), resting on the table;
- the drawer: a tray (front panel, bottom, sides, back) on the slide joint
  ``<name>_slide`` along -y (qpos = how far it is pulled out, range
  [0, DRAWER_TRAVEL]) with damping and dry friction, so it glides when pulled
  and stays where it is left;
- the handle: a bar along x, 0.048 in front of the drawer front on two posts,
  a body ``<name>_handle`` of its own (welded to the drawer) whose frame is
  the centre of the bar: DRAWER_HANDLE_OFFSET from the base when closed.

Button box (``add_button_box``), in the frame of its base body. ``facing``
says where the button points:

- ``"up"`` (button-press-topdown): the base is the centre of the housing, a
  box BUTTON_HOUSING_HALF (half sizes) standing on the table; the button
  sticks out of its top and is pressed down (-z).
- ``"front"`` (button-press): the button points at the robot (-y) and is
  pressed along +y, at the height of the base (Meta-World's button box
  position: 0.115 above the table). The housing (BUTTON_FRONT_HOUSING_HALF,
  centred at BUTTON_FRONT_HOUSING_OFFSET from the base) stands on the table
  and rises only BUTTON_FRONT_HEADROOM above the button's axis, 5 mm above
  the cap: the gripper presses with its closed fingertips, and its palm,
  which reaches 0.058 ahead of the fingers, passes over the housing.

The button itself is the same in both: a body ``<name>`` on the slide joint
``<name>_slide`` along its axis, whose frame is the centre of the cap's face,
BUTTON_TOP[facing] from the base when released (the body's local +z points
out of the housing). It travels in BUTTON_TRAVEL at most (joint limit), and a
joint spring whose rest point lies outside the outer limit holds it against
that limit with a preload, so it springs back out when released.
BUTTON_PRESS_DIR[facing] is the world direction it is pressed in.
"""

from __future__ import annotations

import mujoco
import numpy as np

from manyworld.sim import parts
from manyworld.sim.parts import BOX, CAPSULE, CYLINDER, SLIDE

# Joint stops: the stiffest stable limit (time constant 2 timesteps), so that a
# hand slamming a light part into its stop drives it only millimetres past it.
STOP_SOLREF = (0.005, 1.0)

# ------------------------------------------------------------------ drawer
# Cabinet outer half sizes (x, y, z) and wall thickness.
CABINET_HALF = (0.11, 0.10, 0.06)
# The cabinet's centre lies 0.02 in front of the base, so that its back (0.08
# behind the base) stays off the table's far rim when the base is at y = 0.9.
CABINET_CENTRE_Y = -0.02
CABINET_WALL = 0.01
# Drawer travel: joint range [0, DRAWER_TRAVEL] metres (pulled out along -y).
DRAWER_TRAVEL = 0.22
DRAWER_DAMPING = 10.0  # N s / m
DRAWER_FRICTIONLOSS = 20.0  # N: dry friction, a firm drawer that stops when let go
DRAWER_MASS = 0.4
# Handle bar: centre, relative to the base, of the closed drawer's handle
# (Meta-World's closed handle is 0.17 in front of the cabinet origin, 0.09 high;
# this cabinet is lower, so that a hand flailing above an open drawer catches it
# less often: see drawer-close).
HANDLE_RADIUS = 0.009
HANDLE_HALF_LENGTH = 0.065
HANDLE_POST_X = 0.05
DRAWER_HANDLE_OFFSET = np.array([0.0, -0.17, 0.075])
# The closed drawer's front face (2 mm proud of the cabinet) is 0.048 behind the bar's axis.
DRAWER_FRONT_Y = CABINET_CENTRE_Y - CABINET_HALF[1] - 0.002


def add_drawer_cabinet(spec: mujoco.MjSpec, name: str = "drawer", pos=(0.0, 0.9, 0.0),
                       rgba=(0.45, 0.5, 0.58, 1.0), drawer_rgba=(0.78, 0.62, 0.42, 1.0)) -> mujoco.MjsBody:
    """A cabinet with one drawer on a rail and a handle bar; returns the drawer body.

    Bodies: ``<name>_cabinet`` (mocap base), ``<name>`` (the drawer, joint
    ``<name>_slide``), ``<name>_handle`` (frame at the bar's centre).
    """
    hx, hy, hz = CABINET_HALF
    t = CABINET_WALL
    mat = parts.material(spec, f"{name}_cabinet_mat", rgba)
    dmat = parts.material(spec, f"{name}_mat", drawer_rgba)
    hmat = parts.material(spec, f"{name}_handle_mat", (0.75, 0.76, 0.78, 1.0), specular=0.7)

    base = parts.fixture_base(spec, f"{name}_cabinet", pos)
    c = CABINET_CENTRE_Y
    walls = {
        "bottom": ((0, c, t), (hx, hy, t)),
        "top": ((0, c, 2 * hz - t), (hx, hy, t)),
        "left": ((-hx + t, c, hz), (t, hy, hz - 2 * t)),
        "right": ((hx - t, c, hz), (t, hy, hz - 2 * t)),
        "back": ((0, c + hy - t, hz), (hx - 2 * t, t, hz - 2 * t)),
    }
    for part, (p, size) in walls.items():
        parts.solid_geom(base, f"{name}_cabinet_{part}", type=BOX, pos=list(p), size=list(size), material=mat)

    # The drawer tray fills the opening between the walls, with 2 mm play.
    ix, iz0, iz1 = hx - 2 * t - 0.002, 2 * t + 0.002, 2 * hz - 2 * t - 0.002  # inner half-x, inner z span
    depth = 2 * hy - 2 * t - 0.012  # tray depth (y) behind the front panel: 2 mm off the back wall
    front_t = 0.006
    y_front = DRAWER_FRONT_Y  # outer face of the front panel
    y0 = y_front + 2 * front_t  # back face of the front panel
    drawer = base.add_body(name=name, pos=[0, 0, 0])
    drawer.add_joint(name=f"{name}_slide", type=SLIDE, axis=[0, -1, 0], range=[0, DRAWER_TRAVEL],
                     damping=[DRAWER_DAMPING, 0, 0], frictionloss=DRAWER_FRICTIONLOSS, armature=0.05,
                     solref_limit=list(STOP_SOLREF))
    zc, zh = (iz0 + iz1) / 2, (iz1 - iz0) / 2
    tray = {
        "front": ((0, y_front + front_t, zc), (hx - t, front_t, zh + 0.004)),
        "floor": ((0, y0 + depth / 2, iz0 + 0.004), (ix, depth / 2, 0.004)),
        "side_left": ((-ix + 0.004, y0 + depth / 2, zc - 0.01), (0.004, depth / 2, zh - 0.01)),
        "side_right": ((ix - 0.004, y0 + depth / 2, zc - 0.01), (0.004, depth / 2, zh - 0.01)),
        "back": ((0, y0 + depth - 0.004, zc - 0.01), (ix, 0.004, zh - 0.01)),
    }
    mass_each = DRAWER_MASS / len(tray)
    for part, (p, size) in tray.items():
        parts.solid_geom(drawer, f"{name}_{part}", type=BOX, pos=list(p), size=list(size), material=dmat,
                         mass=mass_each)

    handle = drawer.add_body(name=f"{name}_handle", pos=DRAWER_HANDLE_OFFSET.tolist())
    r = HANDLE_RADIUS
    parts.solid_geom(handle, f"{name}_handle_bar", type=CAPSULE, size=[r, 0, 0], material=hmat, mass=0.02,
                     fromto=[-HANDLE_HALF_LENGTH, 0, 0, HANDLE_HALF_LENGTH, 0, 0])
    for side, x in (("left", -HANDLE_POST_X), ("right", HANDLE_POST_X)):
        parts.solid_geom(handle, f"{name}_handle_post_{side}", type=CAPSULE, size=[0.006, 0, 0], material=hmat,
                         mass=0.01, fromto=[x, 0, 0, x, y_front - DRAWER_HANDLE_OFFSET[1], 0])
    handle.add_site(name=f"{name}_handle", size=[0.005] * 3, rgba=[0, 0, 0, 0])

    spec.add_exclude(name=f"{name}_rail", bodyname1=f"{name}_cabinet", bodyname2=name)
    spec.add_exclude(name=f"{name}_handle_rail", bodyname1=f"{name}_cabinet", bodyname2=f"{name}_handle")
    return drawer


# ------------------------------------------------------------------ button
BUTTON_HOUSING_HALF = (0.06, 0.06, 0.115)  # standing on the table: base at z = 0.115
BUTTON_CAP_HALF = (0.025, 0.025, 0.01)
BUTTON_PROTRUSION = 0.08  # cap top above the housing top, released
BUTTON_TRAVEL = 0.075  # joint range [-BUTTON_TRAVEL, 0]
BUTTON_TOP_OFFSET = np.array([0.0, 0.0, BUTTON_HOUSING_HALF[2] + BUTTON_PROTRUSION])
BUTTON_STIFFNESS = 60.0  # N / m
BUTTON_PRELOAD = 0.02  # spring rest point above the upper limit: 1.2 N holding it up
BUTTON_DAMPING = 2.0
BUTTON_MASS = 0.05
BUTTON_ARMATURE = 0.05


# Front-facing box: the housing, 0.12 wide and deep, stands on the table with
# its top BUTTON_FRONT_HEADROOM above the button's axis; the cap's face sticks
# out BUTTON_PROTRUSION in front of it, 0.19 in front of the base (Meta-World:
# 0.193).
BUTTON_FRONT_HEADROOM = 0.03
BUTTON_FRONT_Z = 0.115  # the base (and the button's axis) above the table
BUTTON_FRONT_HOUSING_HALF = (0.06, 0.06, (BUTTON_FRONT_Z + BUTTON_FRONT_HEADROOM) / 2)
BUTTON_FRONT_HOUSING_OFFSET = np.array([0.0, -0.05, BUTTON_FRONT_HOUSING_HALF[2] - BUTTON_FRONT_Z])
BUTTON_FRONT_FACE_Y = BUTTON_FRONT_HOUSING_OFFSET[1] - BUTTON_FRONT_HOUSING_HALF[1]  # housing's front face
BUTTON_FRONT_TOP_OFFSET = np.array([0.0, BUTTON_FRONT_FACE_Y - BUTTON_PROTRUSION, 0.0])
# Per facing: the released button's face relative to the base, and the direction it is pressed in.
BUTTON_TOP = {"up": BUTTON_TOP_OFFSET, "front": BUTTON_FRONT_TOP_OFFSET}
BUTTON_PRESS_DIR = {"up": np.array([0.0, 0.0, -1.0]), "front": np.array([0.0, 1.0, 0.0])}
# Orientation (MuJoCo quaternion) of the button body: its local +z points out of the housing.
_BUTTON_QUAT = {"up": (1.0, 0.0, 0.0, 0.0), "front": (np.sqrt(0.5), np.sqrt(0.5), 0.0, 0.0)}


def add_button_box(spec: mujoco.MjSpec, name: str = "button", pos=None, facing: str = "up",
                   rgba=(0.3, 0.32, 0.36, 1.0), button_rgba=(0.85, 0.12, 0.1, 1.0)) -> mujoco.MjsBody:
    """A housing with a spring-loaded push button facing up or to the front; returns the button body.

    Bodies: ``<name>_box`` (mocap base) and ``<name>`` (frame at the centre
    of the cap's face, joint ``<name>_slide``). ``pos`` defaults to a box on
    the table at (0, 0.85).
    """
    if facing not in BUTTON_TOP:
        raise ValueError(f"facing must be one of {sorted(BUTTON_TOP)}, got {facing!r}")
    up = facing == "up"
    if pos is None:
        pos = (0.0, 0.85, BUTTON_HOUSING_HALF[2] if up else BUTTON_FRONT_Z)
    mat = parts.material(spec, f"{name}_box_mat", rgba)
    bmat = parts.material(spec, f"{name}_mat", button_rgba)
    base = parts.fixture_base(spec, f"{name}_box", pos)
    quat = list(_BUTTON_QUAT[facing])
    if up:
        parts.solid_geom(base, f"{name}_box_housing", type=BOX, size=list(BUTTON_HOUSING_HALF), material=mat)
        parts.visual_geom(base, f"{name}_box_collar", type=CYLINDER, size=[0.035, 0.004],
                          pos=[0, 0, BUTTON_HOUSING_HALF[2] + 0.004], rgba=[0.15, 0.15, 0.17, 1])
    else:
        parts.solid_geom(base, f"{name}_box_housing", type=BOX, size=list(BUTTON_FRONT_HOUSING_HALF),
                         pos=BUTTON_FRONT_HOUSING_OFFSET.tolist(), material=mat)
        parts.visual_geom(base, f"{name}_box_collar", type=CYLINDER, size=[0.035, 0.004],
                          pos=[0, BUTTON_FRONT_FACE_Y - 0.004, 0], quat=quat, rgba=[0.15, 0.15, 0.17, 1])

    button = base.add_body(name=name, pos=BUTTON_TOP[facing].tolist())
    if not up:
        button.quat = quat
    button.add_joint(name=f"{name}_slide", type=SLIDE, axis=[0, 0, 1], range=[-BUTTON_TRAVEL, 0],
                     stiffness=[BUTTON_STIFFNESS, 0, 0], springref=BUTTON_PRELOAD,
                     damping=[BUTTON_DAMPING, 0, 0], armature=BUTTON_ARMATURE, solref_limit=list(STOP_SOLREF))
    cz = BUTTON_CAP_HALF[2]
    parts.solid_geom(button, f"{name}_cap", type=BOX, size=list(BUTTON_CAP_HALF), pos=[0, 0, -cz],
                     material=bmat, mass=BUTTON_MASS)
    stem = BUTTON_PROTRUSION  # long enough to stay inside the housing at the top
    parts.visual_geom(button, f"{name}_stem", type=CYLINDER, size=[0.014, stem / 2],
                      pos=[0, 0, -2 * cz - stem / 2], material=bmat)
    button.add_site(name=name, size=[0.005] * 3, rgba=[0, 0, 0, 0])
    spec.add_exclude(name=f"{name}_guide", bodyname1=f"{name}_box", bodyname2=name)
    return button
