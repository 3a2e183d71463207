"""Scene parts of the nut-and-peg tasks (assembly, disassemble) and of peg-unplug-side.

All colliders are boxes and capsules.

Nut (``add_nut``): a free square ring lying flat, four wall blocks around a
square hole, with a straight handle bar sticking out along the body's +x. The
body frame is the centre of the ring (site ``<name>``); site
``<name>_handle`` marks the point on the handle where the gripper grasps it,
NUT_HANDLE_GRASP along +x. The fingers close across the bar (along y).
Meta-World's ``RoundNut`` is a round ring; ours is square so that it is made
of four boxes, and its hole is wide enough that the round peg never needs a
particular yaw.

Peg (``add_peg_post``): a vertical capsule standing on the table, with a thin
round base plate drawn around its foot, on a mocap base
(:func:`manyworld.sim.parts.fixture_base`) so that its position varies per
world. Base frame: on the table at the peg's axis; site ``<name>_top`` marks
the peg's top (PEG_TOP above the table). The plate is only drawn: the nut
lies on the table around the peg, never on a ledge that would tip it.

Plug and wall socket (``add_plug``, ``add_socket``): the socket is a block on
a mocap base with a blind square hole along x, opening towards +x at
SOCKET_FACE_X. The plug is a free body: a square prong seated in the hole and
a wider and taller grip outside it. The plug's body frame (site ``<name>``)
is the grip's centre, on the prong's axis; site ``<name>_grasp`` just below
it is where the fingers take it. The prong runs along -x into the socket
(site ``<name>_tip`` at its end). Pulled along +x by PRONG_INSERTED it is out.
Its centre of mass lies inside the hole, so it rests seated on the hole's
floor when left alone.

Contact (tuned so that a closed gripper carries the nut and the plug without
slip or jitter; the finger pads themselves are left as :mod:`manyworld.sim.scene`
makes them). The grasped pieces, the nut's handle and the plug's grip, are
boxes with ``priority`` 1, so that their own contact parameters (GRASP_CONTACT)
govern the pad contacts rather than a mix with the pads':

- friction 1.5 (the pads'), condim 4, and a torsional coefficient of 0.1 m,
  which stands for the pads' area contact: the cantilevered nut (its ring's
  weight 0.1 m from the grasp) and the plug's prong then hang level, turning
  by about 0.1 degree per 100 steps held instead of several degrees;
- solref 0.005 (the pads') with a harder solimp (0.99, 0.999): MuJoCo's soft
  contacts creep under a sustained load, and the creep scales with 1 - d.
  Harder still (0.9999) makes the pad contacts drop out for a substep when
  the hand starts moving, and the fingers snap 4 mm into the piece.

The grasped geometry lies inside the pads' touch-sensor band (the lower half
of each finger): gripped at its grasp point, a piece spans from 5-7 mm below
to 15 mm above the TCP, so that the contacts' corner points never sit on the band's edge
and the touch readings (hence "held") do not flicker.

Surfaces that slide against each other (the nut's ring on the peg, the plug's
prong in the hole) are low-friction so that they slide rather than catch.
"""

from __future__ import annotations

from collections.abc import Sequence

import mujoco
import numpy as np

from manyworld.sim import parts

# Contact of the grasped pieces with the finger pads (see the module doc).
GRASP_CONTACT = {"friction": [1.5, 0.1, 0.001], "condim": 4, "solref": [0.005, 1.0],
                 "solimp": [0.99, 0.999, 0.001, 0.5, 2.0], "priority": 1}
# Contact of the pieces that slide in or on a fixture.
SLIDE_FRICTION = [0.3, 0.005, 0.0001]

# ------------------------------------------------------------------ nut
NUT_HOLE_HALF = 0.025  # half side of the square hole
NUT_WALL = 0.012  # wall thickness of the ring
NUT_OUTER_HALF = NUT_HOLE_HALF + NUT_WALL
NUT_HALF_HEIGHT = 0.015
NUT_REST_Z = NUT_HALF_HEIGHT  # height of the ring centre lying on the table
NUT_HANDLE_HALF_WIDTH = 0.01  # half thickness of the bar across the fingers (y)
# The bar is 2 cm tall and its top is flush with the ring's; the grasp point
# (at the ring centre's height) lies 5 mm below the bar's centre. Gripped there,
# the bar spans the finger pads' sensing band (TCP - 0.01 to TCP + 0.02) with
# margins on both sides, and the fingertips stay 5 mm above the table.
NUT_HANDLE_HALF_HEIGHT = 0.01
NUT_HANDLE_RAISE = NUT_HALF_HEIGHT - NUT_HANDLE_HALF_HEIGHT
NUT_HANDLE_END = 0.16  # the bar runs from the ring's wall to x = NUT_HANDLE_END
NUT_HANDLE_GRASP = 0.13  # grasp point on the bar (Meta-World's observed offset)
NUT_WALL_MASS = 0.01
NUT_HANDLE_MASS = 0.02

# ------------------------------------------------------------------ peg
PEG_RADIUS = 0.012
PEG_TOP = 0.10  # height of the peg's top above the table (Meta-World's pegTop)
PEG_PLATE_RADIUS = 0.06

# ------------------------------------------------------------------ plug and socket
PLUG_Z = 0.13  # height of the plug's axis when seated (Meta-World: 0.131)
PRONG_HALF = 0.008  # half side of the square prong
PRONG_INSERTED = 0.06  # how deep the prong sits in the hole
GRIP_OFFSET = 0.035  # grip centre (grasp point) in front of the socket face
GRIP_HALF = (0.02, 0.013, 0.011)  # half sizes of the grip (x, y across the fingers, z)
# The grasp point (site ``<name>_grasp``) lies GRIP_GRASP_DROP below the grip's
# centre, so that the gripped grip spans the pads' sensing band with margins.
GRIP_GRASP_DROP = 0.004
PRONG_MASS = 0.06
GRIP_MASS = 0.015
# Socket, in its base frame (on the table). The plug's grip centre sits at
# PLUG_OFFSET from the base, as Meta-World's plug body (box + (0.044, 0, 0.131)).
SOCKET_FACE_X = 0.01
PLUG_OFFSET = np.array([SOCKET_FACE_X + GRIP_OFFSET, 0.0, PLUG_Z])
PLUG_GRASP_OFFSET = PLUG_OFFSET - np.array([0.0, 0.0, GRIP_GRASP_DROP])  # its grasp point
SOCKET_HOLE_HALF = 0.01  # 2 mm clearance around the prong
SOCKET_HALF_Y = 0.05
SOCKET_TOP = 0.2
SOCKET_BACK_WALL = 0.02


def ring_centre(handle: np.ndarray, quat: np.ndarray) -> np.ndarray:
    """(N, 3) centre of the nut's ring from its (N, 3) handle grasp point and (N, 4) body quaternion."""
    return handle - NUT_HANDLE_GRASP * parts.quat_x_axis(quat)


def add_nut(spec: mujoco.MjSpec, name: str = "nut", pos: Sequence[float] = (0.0, 0.6, NUT_REST_Z),
            rgba: Sequence[float] = (0.85, 0.55, 0.15, 1)) -> mujoco.MjsBody:
    """A free square ring with a handle bar along +x; body frame at the ring's centre.

    Geoms: ``<name>_wall_{px,nx,py,ny}`` (the ring), ``<name>_handle`` (the bar).
    Sites: ``<name>`` (ring centre), ``<name>_handle`` (grasp point).
    """
    mat = parts.material(spec, f"{name}_mat", rgba, specular=0.6)
    body = spec.worldbody.add_body(name=name, pos=list(pos))
    body.add_freejoint(name=name)
    h, t, z = NUT_HOLE_HALF, NUT_WALL, NUT_HALF_HEIGHT
    mid = h + 0.5 * t
    walls = {
        # the x walls span the full outer width, the y walls fit between them
        "px": ([mid, 0, 0], [0.5 * t, h + t, z]),
        "nx": ([-mid, 0, 0], [0.5 * t, h + t, z]),
        "py": ([0, mid, 0], [h, 0.5 * t, z]),
        "ny": ([0, -mid, 0], [h, 0.5 * t, z]),
    }
    for side, (p, size) in walls.items():
        parts.solid_geom(body, f"{name}_wall_{side}", type=parts.BOX, pos=p, size=size, mass=NUT_WALL_MASS,
                         material=mat, friction=SLIDE_FRICTION, condim=3)
    start = NUT_OUTER_HALF  # the bar starts at the +x wall
    parts.solid_geom(body, f"{name}_handle", type=parts.BOX,
                     pos=[0.5 * (start + NUT_HANDLE_END), 0, NUT_HANDLE_RAISE],
                     size=[0.5 * (NUT_HANDLE_END - start), NUT_HANDLE_HALF_WIDTH, NUT_HANDLE_HALF_HEIGHT],
                     mass=NUT_HANDLE_MASS, material=mat, **GRASP_CONTACT)
    body.add_site(name=name, size=[0.005] * 3, rgba=[0, 0, 0, 0])
    body.add_site(name=f"{name}_handle", pos=[NUT_HANDLE_GRASP, 0, 0], size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return body


def add_peg_post(spec: mujoco.MjSpec, name: str = "peg", pos: Sequence[float] = (0.0, 0.8, 0.0),
                 rgba: Sequence[float] = (0.3, 0.45, 0.75, 1)) -> mujoco.MjsBody:
    """A vertical capsule peg PEG_TOP tall on a drawn base plate, on a mocap base named ``name``.

    Geoms: ``<name>_post`` (collider), ``<name>_plate`` (visual). Site ``<name>_top``.
    """
    mat = parts.material(spec, f"{name}_mat", rgba)
    plate_mat = parts.material(spec, f"{name}_plate_mat", (0.3, 0.32, 0.36, 1))
    base = parts.fixture_base(spec, name, pos)
    parts.solid_geom(base, f"{name}_post", type=parts.CAPSULE,
                     fromto=[0, 0, 0.002 + PEG_RADIUS, 0, 0, PEG_TOP - PEG_RADIUS], size=[PEG_RADIUS],
                     material=mat, friction=SLIDE_FRICTION)
    parts.visual_geom(base, f"{name}_plate", type=parts.CYLINDER, pos=[0, 0, 0.0005],
                      size=[PEG_PLATE_RADIUS, 0.0005], material=plate_mat)
    base.add_site(name=f"{name}_top", pos=[0, 0, PEG_TOP], size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return base


def add_socket(spec: mujoco.MjSpec, name: str = "socket", pos: Sequence[float] = (-0.2, 0.7, 0.0),
               rgba: Sequence[float] = (0.9, 0.9, 0.86, 1)) -> mujoco.MjsBody:
    """A block with a blind square hole along x opening at +x, on a mocap base named ``name``.

    Geoms: ``<name>_{bottom,top,left,right,back}``. Site ``<name>_hole`` at the
    hole's mouth, on its axis.
    """
    mat = parts.material(spec, f"{name}_mat", rgba, specular=0.2)
    base = parts.fixture_base(spec, name, pos)
    floor = PLUG_Z - PRONG_HALF  # the seated prong lies on the hole's floor
    ceiling = floor + 2 * SOCKET_HOLE_HALF
    axis_z = 0.5 * (floor + ceiling)
    back = SOCKET_FACE_X - PRONG_INSERTED - 0.002  # 2 mm behind the seated prong's tip
    rear = back - SOCKET_BACK_WALL
    cx, hx = 0.5 * (SOCKET_FACE_X + back), 0.5 * (SOCKET_FACE_X - back)
    bottom = 0.001  # a millimetre above the table: the fixture never rests on it
    side_half = 0.5 * (SOCKET_HALF_Y - SOCKET_HOLE_HALF)
    full_x = (0.5 * (SOCKET_FACE_X + rear), 0.5 * (SOCKET_FACE_X - rear))
    boxes = {
        "bottom": ([full_x[0], 0, 0.5 * (bottom + floor)], [full_x[1], SOCKET_HALF_Y, 0.5 * (floor - bottom)]),
        "top": ([full_x[0], 0, 0.5 * (ceiling + SOCKET_TOP)],
                [full_x[1], SOCKET_HALF_Y, 0.5 * (SOCKET_TOP - ceiling)]),
        "left": ([cx, -(SOCKET_HOLE_HALF + side_half), axis_z], [hx, side_half, SOCKET_HOLE_HALF]),
        "right": ([cx, SOCKET_HOLE_HALF + side_half, axis_z], [hx, side_half, SOCKET_HOLE_HALF]),
        "back": ([0.5 * (back + rear), 0, axis_z], [0.5 * (back - rear), SOCKET_HALF_Y, SOCKET_HOLE_HALF]),
    }
    for part, (p, size) in boxes.items():
        parts.solid_geom(base, f"{name}_{part}", type=parts.BOX, pos=p, size=size, material=mat,
                         friction=SLIDE_FRICTION)
    base.add_site(name=f"{name}_hole", pos=[SOCKET_FACE_X, 0, axis_z], size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return base


def add_plug(spec: mujoco.MjSpec, name: str = "plug", pos: Sequence[float] = (-0.2, 0.7, PLUG_Z),
             rgba: Sequence[float] = (0.15, 0.15, 0.17, 1),
             prong_rgba: Sequence[float] = (0.8, 0.68, 0.3, 1)) -> mujoco.MjsBody:
    """A free plug: a grip (the body frame is its centre) and a square prong along -x.

    Geoms: ``<name>_grip``, ``<name>_prong``. Sites: ``<name>`` (grip centre, on
    the prong's axis), ``<name>_grasp`` (grasp point), ``<name>_tip`` (the prong's end).
    """
    mat = parts.material(spec, f"{name}_mat", rgba)
    prong_mat = parts.material(spec, f"{name}_prong_mat", prong_rgba, specular=0.7)
    body = spec.worldbody.add_body(name=name, pos=list(pos))
    body.add_freejoint(name=name)
    gx = GRIP_HALF[0]
    parts.solid_geom(body, f"{name}_grip", type=parts.BOX, size=list(GRIP_HALF), mass=GRIP_MASS, material=mat,
                     **GRASP_CONTACT)
    # the prong runs from the grip's back face to PRONG_INSERTED behind the socket face
    tip = -(GRIP_OFFSET + PRONG_INSERTED)
    parts.solid_geom(body, f"{name}_prong", type=parts.BOX, pos=[0.5 * (tip - gx), 0, 0],
                     size=[0.5 * (-gx - tip), PRONG_HALF, PRONG_HALF], mass=PRONG_MASS, material=prong_mat,
                     friction=SLIDE_FRICTION, condim=3)
    body.add_site(name=name, size=[0.005] * 3, rgba=[0, 0, 0, 0])
    body.add_site(name=f"{name}_grasp", pos=[0, 0, -GRIP_GRASP_DROP], size=[0.005] * 3, rgba=[0, 0, 0, 0])
    body.add_site(name=f"{name}_tip", pos=[tip, 0, 0], size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return body
