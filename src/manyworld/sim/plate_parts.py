"""Scene parts of the wall and plate-slide tasks: a low wall, a plate and its goal cabinet.

Wall (``add_wall``): a fixed brick box standing on the table, an obstacle
between the hand and where it has to go. Its default pose is Meta-World's
(shared by reach-wall, push-wall and pick-place-wall): centred at
``WALL_POS`` with half sizes ``WALL_HALF``, i.e. x in [-0.02, 0.22],
y in [0.74, 0.76], 0.12 tall.

Plate (``add_plate``): a flat free body, 10 x 10 cm and 3 cm thick (as
Meta-World's plate collider), that slides on the table. The collider is a
box (a core on the table, inside a smooth skin for its sides); the look is a
round plate inside it (cylinders against the box-shaped table are
unsupported on GPU simulators). The body frame is its centre.

Cabinet (``add_plate_cabinet``): where the plate is slid in or out. Two side
walls and a back wall on a :func:`~manyworld.sim.parts.fixture_base` mocap
body, so each world can hold it elsewhere; open at the front (to let the plate
in) and at the top (so the hand can reach in from above, and the arm never
passes through a roof). No floor: the plate slides on the table. In the
cabinet frame (the base body), the origin is the goal point on the table
(``CABINET_GOAL`` is the plate centre there), the opening faces -y, the
inner width is ``2 * CABINET_INNER_HALF`` (the plate fits with 4 cm to spare
on each side) and the walls run from ``CABINET_FRONT`` to ``CABINET_BACK``.
``facing`` turns it on the table: ``"front"`` opens towards the robot (-y),
``"side"`` opens towards +x (the cabinet stands on the left of the
workspace), as Meta-World's sideways cabinet.
"""

from __future__ import annotations

from collections.abc import Sequence

import mujoco
import numpy as np

from manyworld.sim import parts
from manyworld.sim.parts import BOX, CYLINDER

# ------------------------------------------------------------------ wall
WALL_POS = (0.1, 0.75, 0.06)  # centre, Meta-World's
WALL_HALF = (0.12, 0.01, 0.06)  # half sizes: 24 cm wide, 2 cm thick, 12 cm tall


def add_wall(spec: mujoco.MjSpec, name: str = "wall", pos: Sequence[float] = WALL_POS,
             half: Sequence[float] = WALL_HALF, rgba: Sequence[float] = (0.62, 0.3, 0.22, 1)) -> mujoco.MjsBody:
    """A fixed box wall standing on the table; returns its (static) body ``name``, geom ``name``."""
    mat = parts.material(spec, f"{name}_mat", rgba, specular=0.1)
    body = spec.worldbody.add_body(name=name, pos=list(pos))
    parts.solid_geom(body, name, type=BOX, size=list(half), material=mat)
    return body


# ------------------------------------------------------------------ plate
PLATE_HALF = 0.05  # half side of the square collider (x and y)
PLATE_HALF_THICKNESS = 0.015  # resting on the table, the centre is this high
PLATE_MASS = 0.1
# The plate's sides: a skin EDGE_SKIN proud of the core and raised EDGE_SKIN off
# the table, whose low friction rules its contacts (priority over the
# fingers' 1.5). Fingers pushing a side slide along it instead of dragging the
# plate sideways, so that a push moves it along the push (as a real plate with
# a smooth rim); the core rests on the table with the usual friction.
EDGE_SKIN = 0.003
EDGE_FRICTION = 0.3


def add_plate(spec: mujoco.MjSpec, name: str = "plate", rgba: Sequence[float] = (0.92, 0.92, 0.88, 1),
              rim_rgba: Sequence[float] = (0.2, 0.35, 0.7, 1)) -> mujoco.MjsBody:
    """A free flat plate; site ``name`` at its centre.

    Geoms: ``name`` (the core box, on the table), ``{name}_edge`` (the smooth
    sides, raised off the table), and round visuals.
    """
    mat = parts.material(spec, f"{name}_mat", rgba, specular=0.5)
    rim = parts.material(spec, f"{name}_rim_mat", rim_rgba)
    body = spec.worldbody.add_body(name=name, pos=[0, 0.6, PLATE_HALF_THICKNESS])
    body.add_freejoint(name=name)
    t, s = PLATE_HALF_THICKNESS, EDGE_SKIN
    parts.solid_geom(body, name, type=BOX, size=[PLATE_HALF - s, PLATE_HALF - s, t], mass=PLATE_MASS,
                     rgba=[0, 0, 0, 0], friction=[1.0, 0.005, 0.0001])
    parts.solid_geom(body, f"{name}_edge", type=BOX, size=[PLATE_HALF, PLATE_HALF, t - s / 2], pos=[0, 0, s / 2],
                     mass=0.0, rgba=[0, 0, 0, 0], friction=[EDGE_FRICTION, 0.005, 0.0001], priority=1)
    parts.visual_geom(body, f"{name}_rim_visual", type=CYLINDER, size=[PLATE_HALF, t], material=rim)
    parts.visual_geom(body, f"{name}_visual", type=CYLINDER, size=[PLATE_HALF - 0.008, 0.0005],
                      pos=[0, 0, t], material=mat)
    body.add_site(name=name, size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return body


# ------------------------------------------------------------------ cabinet
CABINET_INNER_HALF = 0.09  # half the clear width between the side walls
CABINET_WALL = 0.006  # half thickness of the walls
CABINET_FRONT = -0.09  # y of the open front, in the cabinet frame
CABINET_BACK = 0.08  # y of the back wall's inner face
CABINET_HEIGHT = 0.07
CABINET_GOAL = np.array([0.0, 0.0, PLATE_HALF_THICKNESS])  # plate centre at the goal
# Orientation of the cabinet frame per facing (MuJoCo quaternions): its -y
# (the opening) points along -y ("front") or +x ("side", turned +90 deg about z).
CABINET_QUAT = {"front": (1.0, 0.0, 0.0, 0.0), "side": (np.cos(np.pi / 4), 0.0, 0.0, np.sin(np.pi / 4))}
# World direction the opening faces, per facing.
CABINET_OPENING = {"front": np.array([0.0, -1.0, 0.0]), "side": np.array([1.0, 0.0, 0.0])}


def add_plate_cabinet(spec: mujoco.MjSpec, name: str = "cabinet", facing: str = "front",
                      pos: Sequence[float] = (0.0, 0.85, 0.0),
                      rgba: Sequence[float] = (0.55, 0.4, 0.28, 1)) -> mujoco.MjsBody:
    """An open-fronted, open-topped cabinet on a mocap base ``name``; returns the base body.

    Geoms: ``{name}_left``, ``{name}_right`` (side walls), ``{name}_back``.
    Site ``{name}_goal`` marks where the plate's centre goes.
    """
    if facing not in CABINET_QUAT:
        raise ValueError(f"facing must be one of {sorted(CABINET_QUAT)}, got {facing!r}")
    mat = parts.material(spec, f"{name}_mat", rgba, specular=0.2)
    base = parts.fixture_base(spec, name, pos)
    base.quat = list(CABINET_QUAT[facing])
    t, h = CABINET_WALL, CABINET_HEIGHT / 2
    # a millimetre above the table: the fixture never rests on it
    z = h + 0.001
    back_y = CABINET_BACK + t
    side_y = 0.5 * (CABINET_FRONT + back_y + t)
    side_half = 0.5 * (back_y + t - CABINET_FRONT)
    for side, sign in (("left", -1.0), ("right", 1.0)):
        parts.solid_geom(base, f"{name}_{side}", type=BOX, pos=[sign * (CABINET_INNER_HALF + t), side_y, z],
                         size=[t, side_half, h], material=mat)
    parts.solid_geom(base, f"{name}_back", type=BOX, pos=[0, back_y, z],
                     size=[CABINET_INNER_HALF + 2 * t, t, h], material=mat)
    base.add_site(name=f"{name}_goal", pos=CABINET_GOAL.tolist(), size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return base
