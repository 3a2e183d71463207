"""Scene parts of the tool tasks: a hammer and a nail box, a stick and a container.

Every collider is a box; cylinders and capsules only draw. The free tools (the
hammer, the stick) lie flat on the table along x; the fingers close across
them along y on square bars, so that a closed hand holds them box face to box
face: four contact points per pad, each with the pads' friction 1.5 and
torsional friction, which resist slip along the bar and turning about the
finger axis, while the squeezed flat faces resist turning about x and z.
Contact parameters of the tools: see TOOL_* below.

Hammer (``add_hammer``), in its body frame (the grip point on the handle,
where the expert holds it; it is the observed hammer position):

- the handle: a square bar along x from HAMMER_HANDLE_X[0] (the butt, -x) to
  HAMMER_HANDLE_X[1], HAMMER_HANDLE_HALF thick;
- the head: a block across the handle's +x end, HAMMER_HEAD_HALF half sizes,
  long along y: its +y face (``<name>_face`` site) strikes the nail when the
  hand moves forward (+y), as Meta-World's hammer. It is the heavy part;
- a knob at the butt as thick as the head, so that the hammer lies flat on
  head and knob with the handle HAMMER_REST_Z - HAMMER_HANDLE_HALF clear of the
  table, where the fingertips reach under it. The knob balances the head: the
  centre of mass is the grip point (HAMMER_COM_X, about 0), so that a hand
  holding it there carries no twist from its weight (a grip at the head's
  3.5 cm moment arm let it sag 10 degrees in the fingers over an episode).

Nail box (``add_nail_box``): a fixed wooden block standing on the table
(Meta-World's: 0.2 x 0.2 x 0.22 m at (0.24, 0.85, 0)) and a nail whose square
head sticks out of its front face towards the robot at NAIL_HEAD (in the box
frame). The nail (body ``<name>_nail``) slides into the block on the joint
``<name>_nail`` along +y, range [0, NAIL_TRAVEL]; its contacts with the block
are excluded (the joint guides it). Dry friction NAIL_FRICTIONLOSS and damping
NAIL_DAMPING hold it: leaning on it does not move it, a hammer driven against
it with the hand's push (about 5 N) moves it a few millimetres per step, and
it stays where it is left. Site ``<name>_nail_head``: the centre of the head.

Stick (``add_stick``): a free square bar along x, 2 * STICK_HALF_LENGTH long,
its body frame at the centre (the grip point); site ``<name>_end`` at the tip
(+x end), which pushes or goes into the container's handle.

Container (``add_container``): a thermos standing on the table on two slide
joints, ``<name>_x`` and ``<name>_y`` (limits CONTAINER_RANGE_X/Y, damping and
dry friction: it moves while pushed, stays where it is left; like
Meta-World's, it cannot tip or turn). It floats CONTAINER_CLEARANCE above the
table, so that only the joints rule its motion. In its body frame (the centre
of its foot on the table):

- the body: a box collider CONTAINER_HALF with a cylinder look;
- site ``<name>`` at CONTAINER_CENTRE (0.132 up, Meta-World's observed point);
- the handle: a loop on the -y side, open along x: a top and a bottom bar and
  an outer post, the body's face the fourth side. Its inside is HANDLE_INNER_Y
  by HANDLE_INNER_Z, centred on site ``<name>_handle`` (Meta-World's
  "insertion" point, (0, -0.09, 0.132)). A plate closes the loop's +x side
  HANDLE_DEPTH behind its entry: a stick tip pushed in from -x stops there,
  so that the stick can drag the container along +x as well as sideways
  (Meta-World's loop is open on both sides; there the fingers do the pushing).
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

# Contact of the tools (hammer, stick). Their geoms take priority over the
# fingers' and the table's, so that their own parameters rule every contact they
# make:
# - friction 1.5 (the pads'), condim 4 with torsional friction 0.01 m;
# - impedance 0.99-0.999 instead of the default 0.95-0.99. MuJoCo's friction is
#   soft: under a steady load a contact creeps at a speed that grows with
#   1 - impedance. At the default a held tool sags by millimetres and degrees
#   over an episode; here it moves under 1.5 mm (0.9999 is stiffer still, but
#   then the load jumps between the pads' corner points and the pads' touch
#   sensors flicker);
# - margin 1 mm with gap 1 mm: contact points come into the list a millimetre
#   before they touch and act only once they do. Without it MuJoCo's box-box
#   test now and then (6% of grasps) keeps a single corner point of a pad that
#   is flat on the bar a few microns short of touching elsewhere, and the bar
#   then turns slowly about that point (5 mm in 250 steps of holding).
TOOL_FRICTION = [1.5, 0.01, 0.001]
TOOL_SOLREF = [0.005, 1.0]
TOOL_SOLIMP = [0.99, 0.999, 0.001, 0.5, 2.0]
TOOL_PRIORITY = 1
TOOL_CONDIM = 4
TOOL_MARGIN = 0.001
TOOL_GAP = 0.001

# ------------------------------------------------------------------ hammer
HAMMER_HANDLE_X = (-0.177, 0.045)  # butt end and head end of the handle (it runs into the head)
HAMMER_HANDLE_HALF = 0.012  # half thickness of the square handle (y and z)
HAMMER_HEAD_X = 0.045  # centre of the head along the handle
HAMMER_HEAD_HALF = (0.022, 0.05, 0.018)
HAMMER_KNOB_HALF = (0.012, 0.016, 0.018)
HAMMER_REST_Z = HAMMER_HEAD_HALF[2]  # grip point height when lying on the table
# Masses: the knob balances the head, so that the centre of mass is the grip point.
HAMMER_HEAD_MASS = 0.25
HAMMER_HANDLE_MASS = 0.06
HAMMER_KNOB_MASS = 0.044
# strike face centre in the hammer frame
HAMMER_FACE = np.array([HAMMER_HEAD_X, HAMMER_HEAD_HALF[1], 0.0])
HAMMER_COM_X = ((HAMMER_HEAD_MASS * HAMMER_HEAD_X
                 + HAMMER_HANDLE_MASS * 0.5 * sum(HAMMER_HANDLE_X)
                 + HAMMER_KNOB_MASS * (HAMMER_HANDLE_X[0] + HAMMER_KNOB_HALF[0]))
                / (HAMMER_HEAD_MASS + HAMMER_HANDLE_MASS + HAMMER_KNOB_MASS))
# the stretch of handle the fingers can hold (x, body frame): between knob and head
HAMMER_GRIP_X = (HAMMER_HANDLE_X[0] + 2 * HAMMER_KNOB_HALF[0], HAMMER_HEAD_X - HAMMER_HEAD_HALF[0])

# ------------------------------------------------------------------ nail box
NAIL_BOX_POS = (0.24, 0.85, 0.0)  # Meta-World's
NAIL_BOX_HALF = (0.1, 0.1, 0.11)
NAIL_HEAD = np.array([0.0, -0.21, 0.11])  # nail head centre, not driven, in the box frame
NAIL_HEAD_HALF = (0.03, 0.008, 0.03)
NAIL_SHANK_RADIUS = 0.006
NAIL_SHANK_LENGTH = 0.13
NAIL_TRAVEL = 0.1  # driven fully in, the head is 2 mm off the block
NAIL_FRICTIONLOSS = 3.0  # N
NAIL_DAMPING = 10.0  # N s / m
NAIL_MASS = 0.05

# ------------------------------------------------------------------ stick
STICK_HALF_LENGTH = 0.12
STICK_HALF = 0.012  # half thickness (y and z)
STICK_REST_Z = STICK_HALF
STICK_MASS = 0.1
# the stretch the fingers can hold (x, body frame): all but the last 2 cm
STICK_GRIP_X = (-STICK_HALF_LENGTH + 0.02, STICK_HALF_LENGTH - 0.02)

# ------------------------------------------------------------------ container
CONTAINER_HALF = (0.055, 0.055, 0.125)
CONTAINER_CLEARANCE = 0.005
CONTAINER_CENTRE = np.array([0.0, 0.0, 0.132])
CONTAINER_MASS = 0.5
CONTAINER_RANGE_X = (-0.05, 0.35)
CONTAINER_RANGE_Y = (-0.25, 0.1)
CONTAINER_DAMPING = 3.0  # N s / m
CONTAINER_FRICTIONLOSS = 1.0  # N
HANDLE = np.array([0.0, -0.0925, 0.132])  # middle of the loop (the insertion point)
HANDLE_BAR = 0.005  # half thickness of the loop's bars
HANDLE_INNER_Y = (-0.13, -CONTAINER_HALF[1])  # inside of the loop, across
HANDLE_INNER_Z = (0.074, 0.19)  # inside of the loop, up
HANDLE_ENTRY_X = -0.01  # the loop's open -x side
HANDLE_DEPTH = 0.045  # from the entry to the plate closing the +x side


def add_hammer(spec: mujoco.MjSpec, name: str = "hammer",
               rgba: Sequence[float] = (0.75, 0.2, 0.12, 1),
               head_rgba: Sequence[float] = (0.55, 0.57, 0.6, 1)) -> mujoco.MjsBody:
    """A free hammer lying along x, head at +x; body frame at the grip point.

    Geoms ``<name>_handle``, ``<name>_head``, ``<name>_knob``; sites ``<name>``
    (grip point) and ``<name>_face`` (strike face).
    """
    mat = parts.material(spec, f"{name}_mat", rgba)
    hmat = parts.material(spec, f"{name}_head_mat", head_rgba, specular=0.7)
    body = spec.worldbody.add_body(name=name, pos=[0, 0.45, HAMMER_REST_Z])
    body.add_freejoint(name=name)
    x0, x1 = HAMMER_HANDLE_X
    h = HAMMER_HANDLE_HALF
    common = {"type": BOX, "friction": TOOL_FRICTION, "condim": TOOL_CONDIM, "solref": TOOL_SOLREF,
              "solimp": TOOL_SOLIMP, "priority": TOOL_PRIORITY, "margin": TOOL_MARGIN, "gap": TOOL_GAP}
    parts.solid_geom(body, f"{name}_handle", pos=[(x0 + x1) / 2, 0, 0], size=[(x1 - x0) / 2, h, h],
                     mass=HAMMER_HANDLE_MASS, material=mat, rgba=[0, 0, 0, 0], **common)
    parts.solid_geom(body, f"{name}_head", pos=[HAMMER_HEAD_X, 0, 0], size=list(HAMMER_HEAD_HALF),
                     mass=HAMMER_HEAD_MASS, material=hmat, **common)
    parts.solid_geom(body, f"{name}_knob", pos=[x0 + HAMMER_KNOB_HALF[0], 0, 0], size=list(HAMMER_KNOB_HALF),
                     mass=HAMMER_KNOB_MASS, material=mat, rgba=[0, 0, 0, 0], **common)
    # look: a round handle and a round-ended head
    parts.visual_geom(body, f"{name}_handle_visual", type=CAPSULE, size=[h, 0, 0], material=mat,
                      fromto=[x0 + HAMMER_KNOB_HALF[0], 0, 0, x1, 0, 0])
    parts.visual_geom(body, f"{name}_knob_visual", type=CAPSULE, size=[HAMMER_KNOB_HALF[2], 0, 0], material=mat,
                      fromto=[x0 + HAMMER_KNOB_HALF[2], 0, 0, x0 + HAMMER_KNOB_HALF[2] + 0.001, 0, 0])
    parts.visual_geom(body, f"{name}_face_visual", type=CYLINDER, size=[HAMMER_HEAD_HALF[2] + 0.002, 0.004],
                      pos=(HAMMER_FACE - [0, 0.003, 0]).tolist(), euler=[np.pi / 2, 0, 0], material=hmat)
    body.add_site(name=name, size=[0.005] * 3, rgba=[0, 0, 0, 0])
    body.add_site(name=f"{name}_face", pos=HAMMER_FACE.tolist(), size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return body


def add_nail_box(spec: mujoco.MjSpec, name: str = "nailbox", pos: Sequence[float] = NAIL_BOX_POS,
                 rgba: Sequence[float] = (0.6, 0.45, 0.28, 1),
                 nail_rgba: Sequence[float] = (0.7, 0.72, 0.75, 1)) -> mujoco.MjsBody:
    """A fixed block with a nail sticking out of its front face (-y); returns the nail body.

    Bodies ``<name>`` (static) and ``<name>_nail`` (joint ``<name>_nail``);
    site ``<name>_nail_head``.
    """
    mat = parts.material(spec, f"{name}_mat", rgba, specular=0.1)
    nmat = parts.material(spec, f"{name}_nail_mat", nail_rgba, specular=0.8)
    box = spec.worldbody.add_body(name=name, pos=list(pos))
    hx, hy, hz = NAIL_BOX_HALF
    parts.solid_geom(box, name, type=BOX, pos=[0, 0, hz + 0.001], size=[hx, hy, hz], material=mat)
    nail = box.add_body(name=f"{name}_nail", pos=NAIL_HEAD.tolist())
    nail.add_joint(name=f"{name}_nail", type=SLIDE, axis=[0, 1, 0], range=[0, NAIL_TRAVEL],
                   damping=[NAIL_DAMPING, 0, 0], frictionloss=NAIL_FRICTIONLOSS, armature=0.05)
    parts.solid_geom(nail, f"{name}_nail_head", type=BOX, size=list(NAIL_HEAD_HALF), mass=NAIL_MASS,
                     material=nmat, rgba=[0, 0, 0, 0])
    parts.visual_geom(nail, f"{name}_nail_head_visual", type=CYLINDER,
                      size=[NAIL_HEAD_HALF[0], NAIL_HEAD_HALF[1]], euler=[np.pi / 2, 0, 0], material=nmat)
    parts.visual_geom(nail, f"{name}_nail_shank", type=CYLINDER, size=[NAIL_SHANK_RADIUS, NAIL_SHANK_LENGTH / 2],
                      pos=[0, NAIL_SHANK_LENGTH / 2, 0], euler=[np.pi / 2, 0, 0], material=nmat)
    nail.add_site(name=f"{name}_nail_head", size=[0.005] * 3, rgba=[0, 0, 0, 0])
    spec.add_exclude(name=f"{name}_nail_guide", bodyname1=name, bodyname2=f"{name}_nail")
    return nail


def add_stick(spec: mujoco.MjSpec, name: str = "stick",
              rgba: Sequence[float] = (0.2, 0.4, 0.85, 1),
              tip_rgba: Sequence[float] = (0.95, 0.75, 0.15, 1)) -> mujoco.MjsBody:
    """A free square bar lying along x; body frame at its centre, site ``<name>_end`` at the +x tip."""
    mat = parts.material(spec, f"{name}_mat", rgba)
    tmat = parts.material(spec, f"{name}_tip_mat", tip_rgba)
    body = spec.worldbody.add_body(name=name, pos=[0, 0.6, STICK_REST_Z])
    body.add_freejoint(name=name)
    L, h = STICK_HALF_LENGTH, STICK_HALF
    parts.solid_geom(body, name, type=BOX, size=[L, h, h], mass=STICK_MASS, material=mat,
                     friction=TOOL_FRICTION, condim=TOOL_CONDIM, solref=TOOL_SOLREF, solimp=TOOL_SOLIMP,
                     priority=TOOL_PRIORITY, margin=TOOL_MARGIN, gap=TOOL_GAP)
    # a coloured band marks the tip; drawn only, slightly proud of the collider
    parts.visual_geom(body, f"{name}_tip_visual", type=BOX, pos=[L - 0.015, 0, 0],
                      size=[0.015, h + 0.0005, h + 0.0005], material=tmat)
    body.add_site(name=name, size=[0.005] * 3, rgba=[0, 0, 0, 0])
    body.add_site(name=f"{name}_end", pos=[L, 0, 0], size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return body


def add_container(spec: mujoco.MjSpec, name: str = "container", pos: Sequence[float] = (0.2, 0.6, 0.0),
                  rgba: Sequence[float] = (0.25, 0.6, 0.4, 1),
                  metal_rgba: Sequence[float] = (0.72, 0.74, 0.76, 1)) -> mujoco.MjsBody:
    """A thermos on x/y slide joints with a loop handle on its -y side; returns its body.

    ``pos`` is where the centre of its foot stands on the table at joint
    values 0. Geoms ``<name>`` (body) and ``<name>_handle_{top,bottom,post,back}``;
    sites ``<name>`` (centre) and ``<name>_handle`` (inside the loop).
    """
    mat = parts.material(spec, f"{name}_mat", rgba)
    mmat = parts.material(spec, f"{name}_metal_mat", metal_rgba, specular=0.7)
    body = spec.worldbody.add_body(name=name, pos=list(pos))
    for axis_name, axis, rng in (("x", [1, 0, 0], CONTAINER_RANGE_X), ("y", [0, 1, 0], CONTAINER_RANGE_Y)):
        body.add_joint(name=f"{name}_{axis_name}", type=SLIDE, axis=axis, range=list(rng),
                       damping=[CONTAINER_DAMPING, 0, 0], frictionloss=CONTAINER_FRICTIONLOSS, armature=0.05)
    hx, hy, hz = CONTAINER_HALF
    z0 = CONTAINER_CLEARANCE
    parts.solid_geom(body, name, type=BOX, pos=[0, 0, z0 + hz], size=[hx, hy, hz], mass=CONTAINER_MASS,
                     material=mat, rgba=[0, 0, 0, 0])
    parts.visual_geom(body, f"{name}_visual", type=CYLINDER, size=[hx + 0.004, hz - 0.02],
                      pos=[0, 0, z0 + hz], material=mat)
    parts.visual_geom(body, f"{name}_foot_visual", type=CYLINDER, size=[hx + 0.006, 0.012],
                      pos=[0, 0, z0 + 0.012], material=mmat)
    parts.visual_geom(body, f"{name}_cap_visual", type=CYLINDER, size=[hx + 0.002, 0.02],
                      pos=[0, 0, z0 + 2 * hz - 0.008], material=mmat)
    # the handle loop: the bars run along x from the entry to the back plate
    b = HANDLE_BAR
    (y0, y1), (zl, zh) = HANDLE_INNER_Y, HANDLE_INNER_Z
    xa, xb = HANDLE_ENTRY_X, HANDLE_ENTRY_X + HANDLE_DEPTH + 2 * b
    cx, half_x = (xa + xb) / 2, (xb - xa) / 2
    bars = {
        "top": ([cx, (y0 - 2 * b + y1) / 2, zh + b], [half_x, (y1 - y0 + 2 * b) / 2, b]),
        "bottom": ([cx, (y0 - 2 * b + y1) / 2, zl - b], [half_x, (y1 - y0 + 2 * b) / 2, b]),
        "post": ([cx, y0 - b, (zl + zh) / 2], [half_x, b, (zh - zl) / 2]),
        "back": ([xb - b, (y0 + y1) / 2, (zl + zh) / 2], [b, (y1 - y0) / 2, (zh - zl) / 2]),
    }
    for part, (p, size) in bars.items():
        parts.solid_geom(body, f"{name}_handle_{part}", type=BOX, pos=p, size=size, mass=0.01, material=mmat)
    body.add_site(name=name, pos=CONTAINER_CENTRE.tolist(), size=[0.005] * 3, rgba=[0, 0, 0, 0])
    body.add_site(name=f"{name}_handle", pos=HANDLE.tolist(), size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return body


def rotate(quat: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(N, 3) body-frame vector ``v`` (3,) in the world frame of (N, 4) MuJoCo quaternions (w, x, y, z).

    Finds a tool's points (the hammer's face, the stick's tip) from its
    observed position and orientation.
    """
    w, xyz = quat[:, :1], quat[:, 1:]
    v = np.broadcast_to(np.asarray(v, np.float64), xyz.shape)
    t = 2.0 * np.cross(xyz, v)
    return v + w * t + np.cross(xyz, t)


def bar_point(pos: np.ndarray, quat: np.ndarray, point: np.ndarray, x_range: Sequence[float]) -> np.ndarray:
    """(N, 3) the point of a tool's bar (its body x axis, ``x_range`` in the body frame) nearest to ``point``.

    Where the fingers hold a hammer's handle or a stick, wherever along it
    they took it: pass the TCP as ``point``.
    """
    axis = rotate(quat, np.array([1.0, 0.0, 0.0]))
    s = np.clip(np.einsum("ij,ij->i", point - pos, axis), x_range[0], x_range[1])
    return pos + s[:, None] * axis



class Container:
    """A container's named quantities over the batch, resolved once per sim."""

    def __init__(self, sim: BatchSim, name: str = "container"):
        self.sim = sim
        self.body = sim.body_id(name)
        self.centre_site = sim.site_id(name)
        self.handle_site = sim.site_id(f"{name}_handle")
        self.qpos = np.array([sim.qpos_slice(f"{name}_x").start, sim.qpos_slice(f"{name}_y").start])
        self.qvel = np.array([sim.qvel_slice(f"{name}_x").start, sim.qvel_slice(f"{name}_y").start])

    def place(self, ids: np.ndarray, offset: np.ndarray | float = 0.0) -> None:
        """Put the container of worlds ``ids`` at its joints' ``offset`` (x, y), at rest."""
        self.sim.qpos[np.ix_(ids, self.qpos)] = offset
        self.sim.qvel[np.ix_(ids, self.qvel)] = 0.0

    def centre(self) -> np.ndarray:
        """(N, 3) the container's centre point (site ``<name>``)."""
        return self.sim.site_xpos[:, self.centre_site]

    def handle(self) -> np.ndarray:
        """(N, 3) the middle of the handle loop (site ``<name>_handle``)."""
        return self.sim.site_xpos[:, self.handle_site]

    def quat(self) -> np.ndarray:
        """(N, 4) orientation (constant: the container only slides), MuJoCo (w, x, y, z)."""
        return self.sim.xquat[:, self.body]


class Nail:
    """A nail box's nail over the batch, resolved once per sim."""

    def __init__(self, sim: BatchSim, name: str = "nailbox"):
        self.sim = sim
        self.body = sim.body_id(f"{name}_nail")
        self.site = sim.site_id(f"{name}_nail_head")
        self.qpos = sim.qpos_slice(f"{name}_nail").start
        self.qvel = sim.qvel_slice(f"{name}_nail").start

    def place(self, ids: np.ndarray, driven: float | np.ndarray = 0.0) -> None:
        """Set how far the nail of worlds ``ids`` is driven in (m), at rest."""
        self.sim.qpos[ids, self.qpos] = driven
        self.sim.qvel[ids, self.qvel] = 0.0

    def driven(self) -> np.ndarray:
        """(N,) how far the nail is driven in (m)."""
        return self.sim.qpos[:, self.qpos]

    def head(self) -> np.ndarray:
        """(N, 3) centre of the nail's head."""
        return self.sim.site_xpos[:, self.site]

    def quat(self) -> np.ndarray:
        """(N, 4) orientation of the nail (constant), MuJoCo (w, x, y, z)."""
        return self.sim.xquat[:, self.body]
