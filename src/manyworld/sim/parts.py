"""Shared scene parts, each written once and reused across tasks.

Every builder takes the spec (or a parent body) and names everything it adds
with the given ``name`` as a prefix, so that tasks and tests find bodies,
joints, geoms and sites by name. Fixtures whose position varies between
variations hang from a *mocap* body: a mocap body's pose is part of MuJoCo's
state, so each world of a batch can hold the fixture elsewhere and a reset
restores it with the rest of the state.
"""

from __future__ import annotations

from collections.abc import Sequence

import mujoco
import numpy as np

BOX = mujoco.mjtGeom.mjGEOM_BOX
SPHERE = mujoco.mjtGeom.mjGEOM_SPHERE
CAPSULE = mujoco.mjtGeom.mjGEOM_CAPSULE
CYLINDER = mujoco.mjtGeom.mjGEOM_CYLINDER
ELLIPSOID = mujoco.mjtGeom.mjGEOM_ELLIPSOID
SLIDE = mujoco.mjtJoint.mjJNT_SLIDE
HINGE = mujoco.mjtJoint.mjJNT_HINGE

PUCK_HALF = 0.02  # the puck is a 4 cm cube-shaped block: box collider, round look


def quat_x_axis(quat):
    """(N, 3) the body x axis in the world: first column of the rotation of (N, 4) quaternions (w, x, y, z)."""
    w, x, y, z = quat.T
    return np.stack([1 - 2 * (y * y + z * z), 2 * (x * y + w * z), 2 * (x * z - w * y)], axis=1)


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


class JointFixture:
    """A fixture on a mocap base with one moving joint and a tracked point, over the batch.

    Doors, faucets, dials, levers, handles and windows all share this shape:
    the base's position varies per world (it is a mocap body), one joint moves,
    and the task observes a site on the moving body. Subclasses name the parts
    and give the generic accessors task-specific names.

    Args:
        sim: the batched simulation (a :class:`~manyworld.sim.world.BatchSim`).
        base: name of the mocap body the fixture is built on.
        joint: name of the moving joint.
        body: name of the moving body (its orientation is observed).
        site: name of the tracked point on the moving body.
    """

    def __init__(self, sim, base: str, joint: str, body: str, site: str):
        self.sim = sim
        self.base = sim.mocap_id(base)
        self.body = sim.body_id(body)
        self.site = sim.site_id(site)
        self.qpos = sim.qpos_slice(joint).start
        self.qvel = sim.qvel_slice(joint).start

    def place(self, ids, pos, joint_value=0.0) -> None:
        """Put the fixture of worlds ``ids`` at ``pos`` with its joint at ``joint_value``, at rest."""
        self.sim.mocap_pos[ids, self.base] = pos
        self.sim.qpos[ids, self.qpos] = joint_value
        self.sim.qvel[ids, self.qvel] = 0.0

    def point(self):
        """(N, 3) world position of the tracked point."""
        return self.sim.site_xpos[:, self.site]

    def quat(self):
        """(N, 4) orientation of the moving body, MuJoCo (w, x, y, z)."""
        return self.sim.xquat[:, self.body]

    def joint(self):
        """(N,) the joint's value (radians for a hinge, metres for a slide)."""
        return self.sim.qpos[:, self.qpos]
