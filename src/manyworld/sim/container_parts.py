"""Scene parts of the container tasks: a box with a lid, two open bins, a shelf, a carried puck.

Every collider is a box; cylinders only draw.

Box and lid (``add_box``, ``add_lid``):

- the box: an open-topped square box (a floor and four walls, BOX_HALF half
  width outside, BOX_HEIGHT tall) on a :func:`~manyworld.sim.parts.fixture_base`
  mocap body ``<name>`` whose frame is the middle of its footprint on the
  table, so each world can hold it elsewhere;
- the lid: a free body ``<name>`` (joint ``<name>``): a square plate
  (LID_HALF half width, a centimetre wider than the box on each side, so it
  rests on the walls) with a handle on top: a square bar along x held up by
  two posts. The fingers close across the bar (along y). The body frame is the
  middle of the bar, the point the gripper takes: on the table it is
  LID_REST_Z up, on the box LID_CLOSED_Z above the box's frame (0.133,
  Meta-World's goal height). Only the plate and the bar collide; the posts
  are drawn.

Bins (``add_bin``): a shallow open bin (a floor and four walls, BIN_HALF half
size outside, BIN_HEIGHT tall) fixed on the table, as Meta-World's two bins
at BIN_START_POS and BIN_GOAL_POS. The bins are wider in y than Meta-World's
(0.25 instead of 0.2) so that the open fingers (9 cm apart, closing along y)
fit between a puck anywhere in Meta-World's range and the walls.

Shelf (``add_shelf``): a bookcase on a fixture base ``<name>`` (the middle of
its footprint on the table): two side panels, a back panel, a top and a shelf
board whose top is SHELF_BOARD_TOP above the table. A puck resting on the
board in the middle is at SHELF_GOAL from the base: the goal (Meta-World's
goal site, 0.3 up). The front (-y) is open; the opening between the board and
the top lets a hand holding a puck reach in.

Carried objects (the lid, the puck of ``add_carried_puck``) take priority in
their contacts, so their own parameters rule them: friction 2.0 (the pads'
is 1.5; Meta-World's shelf puck has 2.0) with torsional friction (condim 4)
and a stiffer impedance than the default (solimp 0.99-0.999 instead of
0.95-0.99). MuJoCo's friction is soft: a held object creeps down in the grip,
most while the hand shakes it. Measured over 265 steps of random hand motion
(up to 1 cm per step) with the gripper closed, the lid sank 6.5 mm with the
pads' friction and this impedance, 2.7 mm at the default impedance, 3.5 mm
with friction 2.0 at the default impedance, and 0.9 mm (the puck 0.7 mm)
with these settings; carried by the experts, under 0.25 mm.
"""

from __future__ import annotations

from collections.abc import Sequence

import mujoco
import numpy as np

from manyworld.sim import parts
from manyworld.sim.parts import BOX, CYLINDER

CARRIED_FRICTION = [2.0, 0.01, 0.001]
CARRIED_SOLREF = [0.005, 1.0]
CARRIED_SOLIMP = [0.99, 0.999, 0.001, 0.5, 2.0]
CARRIED_CONDIM = 4
CARRIED_PRIORITY = 1
_CARRIED = {"friction": CARRIED_FRICTION, "solref": CARRIED_SOLREF, "solimp": CARRIED_SOLIMP,
            "condim": CARRIED_CONDIM, "priority": CARRIED_PRIORITY}

# ------------------------------------------------------------------ box and lid
BOX_HALF = 0.09  # outer half width (x and y)
BOX_HEIGHT = 0.06
BOX_WALL = 0.005  # half thickness of walls and floor
LID_HALF = 0.1  # half width of the plate
LID_PLATE_HALF = 0.005  # half thickness of the plate
LID_HANDLE_HALF = (0.045, 0.01, 0.01)  # the bar, along x
LID_HANDLE_RISE = 0.063  # from the plate's top to the bar's centre
LID_POST_X = 0.04
LID_PLATE_MASS = 0.08
LID_HANDLE_MASS = 0.02
# the lid frame (the bar's centre) above the plate's underside
LID_FRAME_Z = 2 * LID_PLATE_HALF + LID_HANDLE_RISE
LID_REST_Z = LID_FRAME_Z  # lying on the table
LID_CLOSED_Z = BOX_HEIGHT + LID_FRAME_Z  # on the box, above the box frame: 0.133

# ------------------------------------------------------------------ bins
BIN_HALF = (0.12, 0.125)  # outer half size (x, y)
BIN_HEIGHT = 0.06
BIN_WALL = 0.004  # half thickness of the walls
BIN_FLOOR = 0.01  # floor thickness (a puck on it is BIN_FLOOR + PUCK_HALF up)
BIN_START_POS = (-0.12, 0.7, 0.0)  # Meta-World's
BIN_GOAL_POS = (0.12, 0.7, 0.0)  # Meta-World's

# ------------------------------------------------------------------ shelf
SHELF_HALF_WIDTH = 0.12  # outer, x
SHELF_HALF_DEPTH = 0.1  # y
SHELF_PANEL = 0.01  # half thickness of the panels
SHELF_HEIGHT = 0.46
SHELF_BOARD_TOP = 0.28
SHELF_GOAL = np.array([0.0, 0.0, SHELF_BOARD_TOP + parts.PUCK_HALF])  # 0.3, Meta-World's

# Where a gripper takes the puck: this far above its centre. The pads' touch
# sensors cover the fingers' lowest 3 cm, exactly the span of a 4 cm puck
# taken at its centre; a little higher, the contacts with its top edge fall
# inside the sensors instead of on their border.
PUCK_GRASP = np.array([0.0, 0.0, 0.004])


def _open_box(body: mujoco.MjsBody, name: str, half: Sequence[float], height: float, wall: float,
              floor: float, mat: str) -> None:
    """A floor and four walls inside ``body``: outer half size ``half`` (x, y), ``height`` tall."""
    hx, hy = half
    wz = height / 2
    parts.solid_geom(body, f"{name}_floor", type=BOX, pos=[0, 0, floor / 2], size=[hx, hy, floor / 2],
                     material=mat)
    parts.solid_geom(body, f"{name}_wall_near", type=BOX, pos=[0, -hy + wall, wz], size=[hx, wall, wz],
                     material=mat)
    parts.solid_geom(body, f"{name}_wall_far", type=BOX, pos=[0, hy - wall, wz], size=[hx, wall, wz],
                     material=mat)
    parts.solid_geom(body, f"{name}_wall_left", type=BOX, pos=[-hx + wall, 0, wz],
                     size=[wall, hy - 2 * wall, wz], material=mat)
    parts.solid_geom(body, f"{name}_wall_right", type=BOX, pos=[hx - wall, 0, wz],
                     size=[wall, hy - 2 * wall, wz], material=mat)


def add_box(spec: mujoco.MjSpec, name: str = "box", rgba: Sequence[float] = (0.42, 0.28, 0.16, 1)
            ) -> mujoco.MjsBody:
    """An open-topped box on a fixture base ``<name>``; site ``<name>_top`` where the closed lid's frame is."""
    mat = parts.material(spec, f"{name}_mat", rgba, specular=0.1)
    base = parts.fixture_base(spec, name)
    _open_box(base, name, (BOX_HALF, BOX_HALF), BOX_HEIGHT, BOX_WALL, 2 * BOX_WALL, mat)
    base.add_site(name=f"{name}_top", pos=[0, 0, LID_CLOSED_Z], size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return base


def add_lid(spec: mujoco.MjSpec, name: str = "lid", rgba: Sequence[float] = (0.42, 0.28, 0.16, 1),
            handle_rgba: Sequence[float] = (0.6, 0.62, 0.66, 1)) -> mujoco.MjsBody:
    """A free lid: a plate with a bar handle on top; its frame is the bar's centre."""
    mat = parts.material(spec, f"{name}_mat", rgba, specular=0.1)
    hmat = parts.material(spec, f"{name}_handle_mat", handle_rgba, specular=0.7)
    body = spec.worldbody.add_body(name=name, pos=[0, 0.5, LID_REST_Z])
    body.add_freejoint(name=name)
    plate_z = -LID_HANDLE_RISE - LID_PLATE_HALF
    parts.solid_geom(body, f"{name}_plate", type=BOX, pos=[0, 0, plate_z],
                     size=[LID_HALF, LID_HALF, LID_PLATE_HALF], mass=LID_PLATE_MASS, material=mat, **_CARRIED)
    parts.solid_geom(body, f"{name}_handle", type=BOX, size=list(LID_HANDLE_HALF), mass=LID_HANDLE_MASS,
                     material=hmat, **_CARRIED)
    post_half = (LID_HANDLE_RISE - LID_HANDLE_HALF[2]) / 2
    for side, x in (("left", -LID_POST_X), ("right", LID_POST_X)):
        parts.visual_geom(body, f"{name}_post_{side}", type=CYLINDER, size=[0.006, post_half],
                          pos=[x, 0, -LID_HANDLE_HALF[2] - post_half], material=hmat)
    body.add_site(name=name, size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return body


def add_bin(spec: mujoco.MjSpec, name: str, pos: Sequence[float], rgba: Sequence[float]) -> mujoco.MjsBody:
    """A shallow open bin fixed on the table, its frame the middle of its footprint; site ``<name>``."""
    mat = parts.material(spec, f"{name}_mat", rgba, specular=0.2)
    body = spec.worldbody.add_body(name=name, pos=list(pos))
    _open_box(body, name, BIN_HALF, BIN_HEIGHT, BIN_WALL, BIN_FLOOR, mat)
    body.add_site(name=name, size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return body


def add_shelf(spec: mujoco.MjSpec, name: str = "shelf", rgba: Sequence[float] = (0.42, 0.28, 0.16, 1),
              board_rgba: Sequence[float] = (0.85, 0.85, 0.82, 1)) -> mujoco.MjsBody:
    """A bookcase open at the front (-y) on a fixture base ``<name>``; site ``<name>_goal``."""
    mat = parts.material(spec, f"{name}_mat", rgba, specular=0.1)
    bmat = parts.material(spec, f"{name}_board_mat", board_rgba, specular=0.1)
    base = parts.fixture_base(spec, name)
    w, d, p, h = SHELF_HALF_WIDTH, SHELF_HALF_DEPTH, SHELF_PANEL, SHELF_HEIGHT
    # it stands a millimetre above the table (the fixture never rests on it)
    z0 = 0.001
    for side, x in (("left", -w + p), ("right", w - p)):
        parts.solid_geom(base, f"{name}_side_{side}", type=BOX, pos=[x, 0, z0 + h / 2], size=[p, d, h / 2],
                         material=mat)
    parts.solid_geom(base, f"{name}_back", type=BOX, pos=[0, d - p, z0 + h / 2], size=[w - 2 * p, p, h / 2],
                     material=mat)
    parts.solid_geom(base, f"{name}_top", type=BOX, pos=[0, 0, z0 + h - p], size=[w - 2 * p, d - 2 * p, p],
                     material=mat)
    parts.solid_geom(base, f"{name}_board", type=BOX, pos=[0, -p, SHELF_BOARD_TOP - p],
                     size=[w - 2 * p, d - 2 * p, p], material=bmat)
    parts.visual_geom(base, f"{name}_bottom", type=BOX, pos=[0, -p, z0 + 0.02],
                      size=[w - 2 * p, d - 2 * p, 0.02], material=mat)
    base.add_site(name=f"{name}_goal", pos=SHELF_GOAL.tolist(), size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return base


def add_carried_puck(spec: mujoco.MjSpec, name: str = "puck", **kwargs) -> mujoco.MjsBody:
    """The shared puck (:func:`~manyworld.sim.parts.add_puck`) with the contact of carried objects."""
    body = parts.add_puck(spec, name, **kwargs)
    geom = spec.geom(name)
    geom.friction = CARRIED_FRICTION
    geom.solref = CARRIED_SOLREF
    geom.solimp = CARRIED_SOLIMP
    geom.condim = CARRIED_CONDIM
    geom.priority = CARRIED_PRIORITY
    return body
