"""Shared scene parts, each written once and reused across tasks.

Every builder takes the spec (or a parent body) and names everything it adds
with the given ``name`` as a prefix, so that tasks and tests find bodies,
joints, geoms and sites by name. Fixtures whose position varies between
variations hang from a *mocap* body: a mocap body's pose is part of MuJoCo's
state, so each world of a batch can hold the fixture elsewhere and a reset
restores it with the rest of the state.
"""

from __future__ import annotations

from typing import Sequence

import mujoco

BOX = mujoco.mjtGeom.mjGEOM_BOX
SPHERE = mujoco.mjtGeom.mjGEOM_SPHERE
CAPSULE = mujoco.mjtGeom.mjGEOM_CAPSULE
CYLINDER = mujoco.mjtGeom.mjGEOM_CYLINDER
ELLIPSOID = mujoco.mjtGeom.mjGEOM_ELLIPSOID
SLIDE = mujoco.mjtJoint.mjJNT_SLIDE
HINGE = mujoco.mjtJoint.mjJNT_HINGE

PUCK_HALF = 0.02  # the puck is a 4 cm cube-shaped block: box collider, round look


def material(spec: mujoco.MjSpec, name: str, rgba: Sequence[float], specular: float = 0.3) -> str:
    """Add a plain material once; return its name."""
    if spec.material(name) is None:
        spec.add_material(name=name, rgba=list(rgba), specular=specular)
    return name


def visual_geom(body: mujoco.MjsBody, name: str, **kwargs) -> mujoco.MjsGeom:
    """A geom that is drawn but never collides (group 1)."""
    return body.add_geom(name=name, contype=0, conaffinity=0, group=1, density=0, **kwargs)


def solid_geom(body: mujoco.MjsBody, name: str, **kwargs) -> mujoco.MjsGeom:
    """A colliding geom (group 0)."""
    return body.add_geom(name=name, group=0, **kwargs)


def fixture_base(spec: mujoco.MjSpec, name: str, pos: Sequence[float] = (0, 0.8, 0)) -> mujoco.MjsBody:
    """A mocap body on which a fixture is built, so its position can vary per world."""
    return spec.worldbody.add_body(name=name, pos=list(pos), mocap=True)


def add_puck(spec: mujoco.MjSpec, name: str = "puck", rgba: Sequence[float] = (0.85, 0.15, 0.1, 1),
             mass: float = 0.08) -> mujoco.MjsBody:
    """A free block the gripper can push or pick: box collider, cylinder look.

    The collider is a box (cylinders against the box-shaped table and fingers
    are unsupported on GPU simulators); the visual is a squat cylinder inside it.
    """
    mat = material(spec, f"{name}_mat", rgba)
    body = spec.worldbody.add_body(name=name, pos=[0, 0.6, PUCK_HALF])
    body.add_freejoint(name=name)
    solid_geom(body, name, type=BOX, size=[PUCK_HALF] * 3, mass=mass, material=mat, rgba=[0, 0, 0, 0],
               friction=[1.0, 0.005, 0.0001], condim=4)
    visual_geom(body, f"{name}_visual", type=CYLINDER, size=[PUCK_HALF, PUCK_HALF], material=mat)
    body.add_site(name=name, size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return body
