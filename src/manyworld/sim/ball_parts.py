"""Scene parts of the ball tasks: a ball, a soccer goal and a basketball hoop.

Ball (``add_ball``): a free sphere of radius BALL_RADIUS (6 cm across, so it
fits between the open fingers with 1.5 cm to spare on each side), weighing
BALL_MASS. It rolls, but its contacts carry rolling and torsional friction
(condim 6), so a rolled ball slows down and stops within centimetres instead
of rolling on forever, and it rests still where it is placed. Held between
the pads it touches each at one point; the pads' friction (1.5) and the
torsional friction about the line through both points hold it.

Soccer goal (``add_soccer_goal``): a frame of boxes on a
:func:`~manyworld.sim.parts.fixture_base` mocap body, so each world can hold
it elsewhere. In its frame, the origin is the goal point on the table (the
target of the ball); the mouth faces -y (towards the robot) at
y = -GOAL_MOUTH, the inside is 2 * GOAL_INNER_HALF wide and GOAL_HEIGHT tall;
two posts and a crossbar make the mouth, two side nets and a back net
(GOAL_BACK behind the goal point) close the other sides, so a ball pushed in
stops against the back net, inside the goal. The crossbar is high enough for
the hand holding a ball on the table (its palm) to pass under it. Nothing
touches the table (the frame floats a millimetre above it).

Basketball hoop (``add_hoop``): a pole, a backboard and a ring on a mocap
base. In its frame (Meta-World's basket position on the table), the ring's
centre is HOOP_GOAL = (0, -0.083, 0.25) (Meta-World's goal offset), site
``<name>_goal``. The ring is an octagon of HOOP_SEGMENTS capsules,
HOOP_RADIUS to its corners, whose inside is wide enough for a ball held by
the fingers to go in from above (the fingers across the ball need 4.4 cm of
radius, the ring leaves 5.5 cm). A bracket ties the ring to the backboard,
which stands on the pole behind it.
"""

from __future__ import annotations

from collections.abc import Sequence

import mujoco
import numpy as np

from manyworld.sim import parts
from manyworld.sim.parts import BOX, CAPSULE, SPHERE

# ------------------------------------------------------------------ ball
BALL_RADIUS = 0.03  # Meta-World's ball rests with its centre 0.03 above the table
BALL_MASS = 0.05
# sliding, torsional, rolling friction: the rolling term (metres) makes a
# rolling ball decelerate by about (5/7) g * 0.01 / 0.03 ~ 2.3 m/s^2, so a
# ball knocked at 0.5 m/s rolls about 5 cm (a stray knock of the hand does
# not send it across the table, into a goal)
BALL_FRICTION = (1.0, 0.01, 0.01)


def add_ball(spec: mujoco.MjSpec, name: str = "ball", rgba: Sequence[float] = (0.95, 0.95, 0.92, 1),
             stripe_rgba: Sequence[float] = (0.1, 0.1, 0.12, 1)) -> mujoco.MjsBody:
    """A free ball resting on the table; body, free joint, geom and site ``name``.

    A thin dark band around it (drawn only) shows it roll.
    """
    mat = parts.material(spec, f"{name}_mat", rgba, specular=0.4)
    stripe = parts.material(spec, f"{name}_stripe_mat", stripe_rgba)
    body = spec.worldbody.add_body(name=name, pos=[0, 0.6, BALL_RADIUS])
    body.add_freejoint(name=name)
    parts.solid_geom(body, name, type=SPHERE, size=[BALL_RADIUS, 0, 0], mass=BALL_MASS, material=mat,
                     friction=list(BALL_FRICTION), condim=6)
    parts.visual_geom(body, f"{name}_stripe", type=parts.ELLIPSOID,
                      size=[BALL_RADIUS + 0.0005, BALL_RADIUS + 0.0005, 0.006], material=stripe)
    body.add_site(name=name, size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return body


# ------------------------------------------------------------------ soccer goal
GOAL_INNER_HALF = 0.08  # half width of the mouth between the posts (x)
GOAL_MOUTH = 0.05  # the posts' centre line is this far in front of the goal point (-y)
GOAL_BACK = 0.07  # the back net's centre line is this far behind it (+y)
GOAL_HEIGHT = 0.12  # top of the posts and crossbar
GOAL_BAR = 0.006  # half thickness of posts and crossbar
GOAL_NET = 0.004  # half thickness of the nets


def add_soccer_goal(spec: mujoco.MjSpec, name: str = "soccer_goal", pos: Sequence[float] = (0, 0.85, 0),
                    rgba: Sequence[float] = (0.95, 0.95, 0.95, 1),
                    net_rgba: Sequence[float] = (0.75, 0.8, 0.85, 0.45)) -> mujoco.MjsBody:
    """A soccer goal frame on a mocap base ``name``, mouth towards -y; site ``<name>_goal`` at the goal point.

    Geoms: ``<name>_post_left`` / ``_post_right`` (-x / +x), ``<name>_crossbar``,
    ``<name>_net_left`` / ``_net_right`` / ``_net_back``.
    """
    mat = parts.material(spec, f"{name}_mat", rgba)
    net = parts.material(spec, f"{name}_net_mat", net_rgba, specular=0.0)
    base = parts.fixture_base(spec, name, pos)
    floor = 0.001  # clear of the table
    half_z = 0.5 * (GOAL_HEIGHT - floor)
    mid_z = floor + half_z
    post_x = GOAL_INNER_HALF + GOAL_BAR
    for side, sign in (("left", -1.0), ("right", 1.0)):
        parts.solid_geom(base, f"{name}_post_{side}", type=BOX, pos=[sign * post_x, -GOAL_MOUTH, mid_z],
                         size=[GOAL_BAR, GOAL_BAR, half_z], material=mat)
    parts.solid_geom(base, f"{name}_crossbar", type=BOX, pos=[0, -GOAL_MOUTH, GOAL_HEIGHT - GOAL_BAR],
                     size=[GOAL_INNER_HALF, GOAL_BAR, GOAL_BAR], material=mat)
    # side nets run from behind the posts to the back net
    side_lo, side_hi = -GOAL_MOUTH + GOAL_BAR, GOAL_BACK - GOAL_NET
    net_x = GOAL_INNER_HALF + GOAL_NET
    for side, sign in (("left", -1.0), ("right", 1.0)):
        parts.solid_geom(base, f"{name}_net_{side}", type=BOX,
                         pos=[sign * net_x, 0.5 * (side_lo + side_hi), mid_z],
                         size=[GOAL_NET, 0.5 * (side_hi - side_lo), half_z], material=net)
    parts.solid_geom(base, f"{name}_net_back", type=BOX, pos=[0, GOAL_BACK, mid_z],
                     size=[GOAL_INNER_HALF + 2 * GOAL_NET, GOAL_NET, half_z], material=net)
    base.add_site(name=f"{name}_goal", pos=[0, 0, 0], size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return base


# ------------------------------------------------------------------ hoop
HOOP_GOAL = np.array([0.0, -0.083, 0.25])  # ring centre in the base frame (Meta-World's goal offset)
HOOP_RADIUS = 0.065  # centre of the ring's tube to its corners
HOOP_TUBE = 0.005  # radius of the ring's capsules
HOOP_SEGMENTS = 8
BOARD_HALF = (0.12, 0.006, 0.09)  # backboard half sizes; it stands at y = 0
BOARD_Z = 0.31  # centre height of the backboard
POLE_HALF = 0.012


def add_hoop(spec: mujoco.MjSpec, name: str = "hoop", pos: Sequence[float] = (0, 0.875, 0),
             rgba: Sequence[float] = (0.95, 0.45, 0.1, 1),
             board_rgba: Sequence[float] = (0.92, 0.92, 0.95, 1)) -> mujoco.MjsBody:
    """A basketball hoop on a mocap base ``name``; site ``<name>_goal`` at the ring's centre.

    Geoms: ``<name>_pole``, ``<name>_board``, ``<name>_bracket`` and the ring
    ``<name>_ring_0`` .. ``<name>_ring_7``.
    """
    ring = parts.material(spec, f"{name}_mat", rgba)
    board = parts.material(spec, f"{name}_board_mat", board_rgba)
    metal = parts.material(spec, f"{name}_pole_mat", (0.35, 0.37, 0.4, 1), specular=0.5)
    base = parts.fixture_base(spec, name, pos)
    floor = 0.001
    pole_top = BOARD_Z
    pole_y = BOARD_HALF[1] + POLE_HALF
    parts.solid_geom(base, f"{name}_pole", type=BOX, pos=[0, pole_y, 0.5 * (floor + pole_top)],
                     size=[POLE_HALF, POLE_HALF, 0.5 * (pole_top - floor)], material=metal)
    parts.solid_geom(base, f"{name}_board", type=BOX, pos=[0, 0, BOARD_Z], size=list(BOARD_HALF),
                     material=board)
    cx, cy, cz = HOOP_GOAL
    # corners at 22.5 + 45 k degrees: a flat side faces the board
    angles = np.deg2rad(22.5 + 45.0 * np.arange(HOOP_SEGMENTS + 1))
    corners = np.c_[cx + HOOP_RADIUS * np.cos(angles), cy + HOOP_RADIUS * np.sin(angles)]
    for k in range(HOOP_SEGMENTS):
        (x0, y0), (x1, y1) = corners[k], corners[k + 1]
        parts.solid_geom(base, f"{name}_ring_{k}", type=CAPSULE, size=[HOOP_TUBE, 0, 0],
                         fromto=[x0, y0, cz, x1, y1, cz], material=ring)
    ring_back = cy + HOOP_RADIUS * np.cos(np.pi / HOOP_SEGMENTS)  # the flat side facing the board
    bracket_lo, bracket_hi = ring_back - 0.002, -BOARD_HALF[1]
    parts.solid_geom(base, f"{name}_bracket", type=BOX, pos=[0, 0.5 * (bracket_lo + bracket_hi), cz],
                     size=[0.012, 0.5 * (bracket_hi - bracket_lo), 0.004], material=ring)
    base.add_site(name=f"{name}_goal", pos=list(HOOP_GOAL), size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return base
