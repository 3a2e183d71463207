"""Scene parts of peg-insert-side: a free peg and a box with a square side hole.

Both are built from boxes only. The peg is a square bar lying along x; its
head (the -x end) is marked by a site. The box is a fixture on a mocap base
(:func:`manyworld.sim.parts.fixture_base`), so its position varies per world.
Its hole is a square tunnel along x through the box, made of four wall blocks
around it; a site marks the insertion target inside the tunnel.

Box frame (the fixture base): x = 0 is the box's reference point (Meta-World
puts its hole target 0.03 in front of it), z = 0 is the table. The hole's
opening faces +x, towards the robot's workspace where the peg starts.
"""

from __future__ import annotations

from collections.abc import Sequence

import mujoco
import numpy as np

from manyworld.sim import parts

# Peg: a square bar, 24 cm long and 3 cm thick, lying along x.
PEG_HALF_LENGTH = 0.12
PEG_HALF_WIDTH = 0.015
PEG_MASS = 0.08

# Box with the hole, in the box frame.
HOLE_TARGET = np.array([0.03, 0.0, 0.13])  # insertion target (the goal), as Meta-World
HOLE_HALF = 0.024  # half side of the square opening (the peg's is 0.015)
# From the box's front face to the target, along -x. Deeper than the success
# radius (0.07 along x), so success needs the head at least 1 cm inside.
HOLE_DEPTH = 0.08
BOX_FRONT = HOLE_TARGET[0] + HOLE_DEPTH  # x of the front face (the opening)
BOX_BACK = -0.07
BOX_HALF_Y = 0.1
BOX_TOP = 0.2


def add_peg(spec: mujoco.MjSpec, name: str = "peg",
            rgba: Sequence[float] = (0.2, 0.45, 0.85, 1),
            head_rgba: Sequence[float] = (0.95, 0.75, 0.15, 1)) -> mujoco.MjsBody:
    """A free square peg lying along x; the body frame is at its centre (its centre of mass).

    Sites: ``{name}`` at the centre (where it is grasped), ``{name}_head`` at the -x end.
    """
    mat = parts.material(spec, f"{name}_mat", rgba)
    head_mat = parts.material(spec, f"{name}_head_mat", head_rgba)
    body = spec.worldbody.add_body(name=name, pos=[0.1, 0.6, PEG_HALF_WIDTH])
    body.add_freejoint(name=name)
    half = [PEG_HALF_LENGTH, PEG_HALF_WIDTH, PEG_HALF_WIDTH]
    parts.solid_geom(body, name, type=parts.BOX, size=half,
                     mass=PEG_MASS, material=mat, friction=[1.0, 0.005, 0.0001], condim=4)
    # a coloured band marks the head; drawn only, slightly proud of the collider
    parts.visual_geom(body, f"{name}_head_visual", type=parts.BOX,
                      pos=[-PEG_HALF_LENGTH + 0.0149, 0, 0],
                      size=[0.015, PEG_HALF_WIDTH + 0.0005, PEG_HALF_WIDTH + 0.0005],
                      material=head_mat)
    body.add_site(name=name, size=[0.005] * 3, rgba=[0, 0, 0, 0])
    body.add_site(name=f"{name}_head", pos=[-PEG_HALF_LENGTH, 0, 0], size=[0.005] * 3,
                  rgba=[0, 0, 0, 0])
    return body


def add_hole_box(spec: mujoco.MjSpec, name: str = "box", pos: Sequence[float] = (-0.3, 0.6, 0.0),
                 rgba: Sequence[float] = (0.35, 0.55, 0.35, 1)) -> mujoco.MjsBody:
    """A fixed box with a square tunnel along x, on a mocap base named ``name``.

    Geoms: ``{name}_bottom``, ``{name}_top``, ``{name}_left`` (-y), ``{name}_right``
    (+y) around the tunnel. Site ``{name}_hole`` marks the insertion target.
    """
    mat = parts.material(spec, f"{name}_mat", rgba)
    base = parts.fixture_base(spec, name, pos)
    cx = 0.5 * (BOX_FRONT + BOX_BACK)
    hx = 0.5 * (BOX_FRONT - BOX_BACK)
    hole_lo, hole_hi = HOLE_TARGET[2] - HOLE_HALF, HOLE_TARGET[2] + HOLE_HALF
    # a millimetre above the table: the fixture never rests on it
    floor = 0.001
    parts.solid_geom(base, f"{name}_bottom", type=parts.BOX, pos=[cx, 0, 0.5 * (floor + hole_lo)],
                     size=[hx, BOX_HALF_Y, 0.5 * (hole_lo - floor)], material=mat)
    parts.solid_geom(base, f"{name}_top", type=parts.BOX, pos=[cx, 0, 0.5 * (hole_hi + BOX_TOP)],
                     size=[hx, BOX_HALF_Y, 0.5 * (BOX_TOP - hole_hi)], material=mat)
    side_half = 0.5 * (BOX_HALF_Y - HOLE_HALF)
    for side, sign in (("left", -1.0), ("right", 1.0)):
        parts.solid_geom(base, f"{name}_{side}", type=parts.BOX,
                         pos=[cx, sign * (HOLE_HALF + side_half), HOLE_TARGET[2]],
                         size=[hx, side_half, HOLE_HALF], material=mat)
    base.add_site(name=f"{name}_hole", pos=list(HOLE_TARGET), size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return base
