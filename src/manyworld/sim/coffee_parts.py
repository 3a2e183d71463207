"""Scene parts of the coffee tasks: a coffee machine with a spring-loaded button, and a mug.

Coffee machine (``add_coffee_machine``), in the frame of its base body
``<name>_machine`` (a :func:`~manyworld.sim.parts.fixture_base` mocap body on
the table, so each world can hold it elsewhere; as Meta-World's, the frame's
origin is the middle of the housing's footprint and the machine faces the
robot, -y):

- the housing: a box 0.2 wide, 0.12 deep and 0.37 tall, its front face at
  y = -0.1, standing a millimetre above the table (the fixture never rests
  on it);
- the head: a block overhanging the front of the housing at the top
  (z in [0.25, 0.37]), its front a collar (four boxes) round a square
  opening, the front face at y = -COFFEE_HEAD_FRONT;
- the spout: a short arm under the head (a box collider) with a nozzle
  (a visual) over the mug spot, ``COFFEE_MUG_SPOT`` = (0, -0.22, 0) on the
  table (Meta-World's ``coffee_goal``). The spout's underside is
  COFFEE_SPOUT_BOTTOM above the table, high enough for a hand holding a mug
  to pass under it;
- the button: a body ``<name>_button`` in the collar's opening, on the slide
  joint ``<name>_button_slide`` along +y (qpos = how far it is pushed in,
  range [0, COFFEE_BUTTON_TRAVEL], a stiff limit) with a spring (stiffness,
  rest at 0) and damping, so it gives way while pressed and springs back
  when let go. At rest its face is flush with the collar's: pressing it
  takes something smaller than the opening (the palm's edge, 4 x 2 cm, has
  0.6 cm to spare on each side in x). The body frame and the site
  ``<name>_button`` are the middle of its face, ``COFFEE_BUTTON_OFFSET`` =
  (0, -0.22, 0.3) from the base at rest (Meta-World's ``buttonStart``). Its
  contacts with the machine it sits in are excluded: the joint limits stop
  it.

Mug (``add_mug``): a free body ``<name>`` (joint ``<name>``) whose frame is
the middle of its bottom (on the table it is at z = 0, as Meta-World's mug).
A square cup of boxes (a base plate and four walls, MUG_HALF half width,
MUG_HEIGHT tall) with a handle of three capsules on its +x side (Meta-World's
mug has its handle there too). The base plate alone touches the table; its
friction (priority over the table's) is low and nearly all the mass is in it,
so that the mug slides when pushed anywhere on its walls instead of tipping
(pushing at height h tips it only if h > MUG_HALF / MUG_TABLE_FRICTION, taller
than the mug). The walls keep the default friction so that the fingers hold
it. The site ``<name>_grasp`` is where a gripper closing along y takes it:
the middle of the cup, MUG_GRASP_Z above the bottom.

Only boxes and capsules collide; cylinders are visuals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import mujoco
import numpy as np

from manyworld.sim import parts
from manyworld.sim.parts import BOX, CAPSULE, CYLINDER, SLIDE

if TYPE_CHECKING:
    from manyworld.sim.world import BatchSim

# ------------------------------------------------------------------ machine
COFFEE_HOUSING_Y = (-0.1, 0.02)  # front and back face of the housing, base frame
COFFEE_HOUSING_HALF_X = 0.1
COFFEE_HEIGHT = 0.37
COFFEE_HEAD_FRONT = 0.22  # the head's front face (the collar's) is at y = -0.22, flush with the button
COFFEE_COLLAR_DEPTH = 0.04  # the collar around the button, in front of the head's block
COFFEE_COLLAR_OPENING = (0.026, 0.026)  # half width (x) and half height (z) of the collar's opening
COFFEE_HEAD_BOTTOM = 0.25
# Where the mug stands under the spout, relative to the base (Meta-World's coffee_goal).
COFFEE_MUG_SPOT = np.array([0.0, -0.22, 0.0])
COFFEE_SPOUT_BOTTOM = 0.23  # underside of the spout's arm above the table
COFFEE_BUTTON_OFFSET = np.array([0.0, -0.22, 0.3])  # middle of the button's front face at rest
COFFEE_BUTTON_HALF = (0.023, 0.02, 0.023)  # half width (x), half depth (y), half height (z)
COFFEE_BUTTON_TRAVEL = 0.03  # slide range [0, travel] (Meta-World's)
COFFEE_BUTTON_STIFFNESS = 100.0  # N / m: 3 N pushed fully in
COFFEE_BUTTON_DAMPING = 2.0  # N s / m
COFFEE_BUTTON_MASS = 0.05

# ------------------------------------------------------------------ mug
MUG_HALF = 0.025  # half the outer width of the cup (x and y)
MUG_HEIGHT = 0.075
MUG_WALL = 0.004  # half thickness of the walls
MUG_BASE_HALF_THICKNESS = 0.005
MUG_GRASP_Z = 0.035  # the grasp site above the bottom
MUG_MASS = 0.15  # about 80% of it in the base plate
MUG_TABLE_FRICTION = 0.3


def add_coffee_machine(spec: mujoco.MjSpec, name: str = "coffee", pos: Sequence[float] = (0.0, 0.85, 0.0),
                       rgba: Sequence[float] = (0.62, 0.12, 0.1, 1.0),
                       trim_rgba: Sequence[float] = (0.12, 0.12, 0.13, 1.0)) -> mujoco.MjsBody:
    """A coffee machine with a spring-loaded button in a collar; returns the button body.

    Bodies: ``<name>_machine`` (mocap), ``<name>_button`` (joint
    ``<name>_button_slide``). Sites: ``<name>_button``, ``<name>_mug_spot``.
    """
    mat = parts.material(spec, f"{name}_mat", rgba, specular=0.4)
    trim = parts.material(spec, f"{name}_trim_mat", trim_rgba, specular=0.6)
    bmat = parts.material(spec, f"{name}_button_mat", (0.75, 0.76, 0.78, 1.0), specular=0.7)
    base = parts.fixture_base(spec, f"{name}_machine", pos)

    y0, y1 = COFFEE_HOUSING_Y
    hx, top, bottom = COFFEE_HOUSING_HALF_X, COFFEE_HEIGHT, COFFEE_HEAD_BOTTOM
    parts.solid_geom(base, f"{name}_housing", type=BOX, material=mat,
                     size=[hx, (y1 - y0) / 2, (top - 0.001) / 2], pos=[0, (y0 + y1) / 2, (top + 0.001) / 2])
    # the head: a block overhanging the housing, and in front of it the collar around the button
    front, collar_back = -COFFEE_HEAD_FRONT, -COFFEE_HEAD_FRONT + COFFEE_COLLAR_DEPTH
    parts.solid_geom(base, f"{name}_head", type=BOX, material=mat,
                     size=[hx, (y0 + 0.005 - collar_back) / 2, (top - bottom) / 2],
                     pos=[0, (y0 + 0.005 + collar_back) / 2, (top + bottom) / 2])
    bz0 = COFFEE_BUTTON_OFFSET[2]
    ox, oz = COFFEE_COLLAR_OPENING
    cy, chy = (front + collar_back) / 2, (collar_back - front) / 2
    for side, sign in (("left", -1.0), ("right", 1.0)):
        parts.solid_geom(base, f"{name}_collar_{side}", type=BOX, material=trim,
                         size=[(hx - ox) / 2, chy, (top - bottom) / 2],
                         pos=[sign * (hx + ox) / 2, cy, (top + bottom) / 2])
    for side, z0, z1 in (("top", bz0 + oz, top), ("bottom", bottom, bz0 - oz)):
        parts.solid_geom(base, f"{name}_collar_{side}", type=BOX, material=trim, size=[ox, chy, (z1 - z0) / 2],
                         pos=[0, cy, (z0 + z1) / 2])
    # the spout: an arm under the head, its nozzle (a visual) over the mug spot
    arm_y0, arm_y1 = front + 0.003, front + 0.045
    arm_half_z = (bottom - COFFEE_SPOUT_BOTTOM) / 2
    parts.solid_geom(base, f"{name}_spout", type=BOX, material=trim,
                     size=[0.014, (arm_y1 - arm_y0) / 2, arm_half_z],
                     pos=[0, (arm_y0 + arm_y1) / 2, COFFEE_SPOUT_BOTTOM + arm_half_z])
    parts.visual_geom(base, f"{name}_nozzle", type=CYLINDER, size=[0.007, 0.006],
                      pos=[0, arm_y0 + 0.01, COFFEE_SPOUT_BOTTOM - 0.006], material=trim)
    # drip tray under the mug spot (a visual, flush with the table)
    spot_y = COFFEE_MUG_SPOT[1]
    parts.visual_geom(base, f"{name}_tray", type=BOX, size=[0.05, 0.05, 0.0005],
                      pos=[0, spot_y + 0.01, 0.0005], material=trim)
    base.add_site(name=f"{name}_mug_spot", pos=COFFEE_MUG_SPOT.tolist(), size=[0.005] * 3, rgba=[0, 0, 0, 0])

    button = base.add_body(name=f"{name}_button", pos=COFFEE_BUTTON_OFFSET.tolist())
    button.add_joint(name=f"{name}_button_slide", type=SLIDE, axis=[0, 1, 0], range=[0, COFFEE_BUTTON_TRAVEL],
                     stiffness=[COFFEE_BUTTON_STIFFNESS, 0, 0], springref=0.0,
                     damping=[COFFEE_BUTTON_DAMPING, 0, 0], armature=0.01, solref_limit=[0.005, 1.0])
    bx, by, bz = COFFEE_BUTTON_HALF
    parts.solid_geom(button, f"{name}_button", type=BOX, size=[bx, by, bz], pos=[0, by, 0], material=bmat,
                     mass=COFFEE_BUTTON_MASS)
    button.add_site(name=f"{name}_button", size=[0.005] * 3, rgba=[0, 0, 0, 0])
    spec.add_exclude(name=f"{name}_button_guide", bodyname1=f"{name}_machine", bodyname2=f"{name}_button")
    return button


class CoffeeMachine:
    """A coffee machine's named quantities over the batch, resolved once per sim."""

    def __init__(self, sim: BatchSim, name: str = "coffee"):
        self.sim = sim
        self.base = sim.mocap_id(f"{name}_machine")
        self.button_body = sim.body_id(f"{name}_button")
        self.button_site = sim.site_id(f"{name}_button")
        self.qpos = sim.qpos_slice(f"{name}_button_slide").start
        self.qvel = sim.qvel_slice(f"{name}_button_slide").start

    def place(self, ids: np.ndarray, pos: np.ndarray) -> None:
        """Put the machine of worlds ``ids`` at ``pos`` with the button out, at rest."""
        self.sim.mocap_pos[ids, self.base] = pos
        self.sim.qpos[ids, self.qpos] = 0.0
        self.sim.qvel[ids, self.qvel] = 0.0

    def button(self) -> np.ndarray:
        """(N, 3) middle of the button's front face."""
        return self.sim.site_xpos[:, self.button_site]

    def button_quat(self) -> np.ndarray:
        """(N, 4) orientation of the button, MuJoCo (w, x, y, z)."""
        return self.sim.xquat[:, self.button_body]

    def pressed(self) -> np.ndarray:
        """(N,) how far the button is pushed in (m)."""
        return self.sim.qpos[:, self.qpos]


def add_mug(spec: mujoco.MjSpec, name: str = "mug", rgba: Sequence[float] = (0.93, 0.92, 0.88, 1.0)) -> mujoco.MjsBody:
    """A free mug: a cup of boxes with a capsule handle on +x; returns its body.

    Geoms: ``<name>_base``, ``<name>_wall_{front,back,left,right}``,
    ``<name>_handle_{top,bottom,bar}``. Sites: ``<name>`` (bottom middle),
    ``<name>_grasp``.
    """
    mat = parts.material(spec, f"{name}_mat", rgba, specular=0.5)
    coffee = parts.material(spec, f"{name}_coffee_mat", (0.25, 0.14, 0.07, 1.0), specular=0.8)
    body = spec.worldbody.add_body(name=name, pos=[0, 0.6, 0])
    body.add_freejoint(name=name)
    a, t, tb, h = MUG_HALF, MUG_WALL, MUG_BASE_HALF_THICKNESS, MUG_HEIGHT
    parts.solid_geom(body, f"{name}_base", type=BOX, size=[a, a, tb], pos=[0, 0, tb], material=mat,
                     mass=0.8 * MUG_MASS, friction=[MUG_TABLE_FRICTION, 0.005, 0.0001], priority=1)
    wall_half_z = (h - 2 * tb) / 2
    wall_z = 2 * tb + wall_half_z
    wall_mass = 0.04 * MUG_MASS
    for side, sign in (("front", -1.0), ("back", 1.0)):
        parts.solid_geom(body, f"{name}_wall_{side}", type=BOX, size=[a, t, wall_half_z],
                         pos=[0, sign * (a - t), wall_z], material=mat, mass=wall_mass)
    for side, sign in (("left", -1.0), ("right", 1.0)):
        parts.solid_geom(body, f"{name}_wall_{side}", type=BOX, size=[t, a - 2 * t, wall_half_z],
                         pos=[sign * (a - t), 0, wall_z], material=mat, mass=wall_mass)
    parts.visual_geom(body, f"{name}_coffee", type=BOX, size=[a - 2 * t, a - 2 * t, 0.0005],
                      pos=[0, 0, 0.8 * h], material=coffee)
    r, z0, z1, reach = 0.005, 0.022, 0.058, a + 0.022
    handle_mass = 0.02 * MUG_MASS
    for part, z in (("bottom", z0), ("top", z1)):
        parts.solid_geom(body, f"{name}_handle_{part}", type=CAPSULE, size=[r, 0, 0], material=mat,
                         mass=handle_mass, fromto=[a - t, 0, z, reach, 0, z])
    parts.solid_geom(body, f"{name}_handle_bar", type=CAPSULE, size=[r, 0, 0], material=mat, mass=handle_mass,
                     fromto=[reach, 0, z0, reach, 0, z1])
    body.add_site(name=name, size=[0.005] * 3, rgba=[0, 0, 0, 0])
    body.add_site(name=f"{name}_grasp", pos=[0, 0, MUG_GRASP_Z], size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return body
