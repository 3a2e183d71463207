"""The shared scene: table, gripper, lights and cameras, assembled with MjSpec.

Every task starts from :func:`base_spec` and adds its own objects with the part
builders of :mod:`manyworld.sim.parts`. Coordinates follow Meta-World: x is
left/right, y points away from the robot, z is up; the table top is the plane
z = 0, centred at (0, 0.6).

The gripper is a free-floating parallel-jaw hand. Meta-World simulates a Sawyer
arm, but the arm only follows the hand through a mocap weld and never touches
anything a task cares about, so manyworld leaves it out: the hand moves on three
slide joints, each driven by a force-limited position servo towards a mocap
target that the actions move (the hand cannot rotate, it always points down).
Until v1 of the tasks a ``connect`` equality pulled the hand to the target, like
Meta-World's weld; an equality has no force limit, which let the hand crush and
launch objects (see ``HAND_FORCE``). The fingers are two slide joints closing along y, each driven by a
position actuator whose target lies past the joint limit in both directions, so
a closed hand squeezes whatever it holds with a force that hardly depends on the
object's width.

Only primitive geoms are used (boxes, spheres, capsules, ellipsoids; cylinders
only as visuals) so that the same scenes can run on GPU simulators.
"""

from __future__ import annotations

import mujoco
import numpy as np

# Physics constants of the benchmark. Changing any of them changes every task.
TIMESTEP = 0.0025
SUBSTEPS = 5  # 5 x 2.5 ms = 12.5 ms per action: 80 Hz control, as Meta-World
ACTION_SCALE = 0.01  # metres of mocap motion per step at |a| = 1

# Finger geometry (metres). Each finger's inner face starts FINGER_OPEN_GAP / 2
# from the hand's centre line and moves inwards by the joint value.
FINGER_OPEN_GAP = 0.09
FINGER_TRAVEL = 0.043
FINGER_KP = 600.0
FINGER_KV = 8.0
# Actuator target at ctrl = -1 and +1: beyond both joint limits (see module doc).
# The force limit (40 N) sits above what the fingers need on any object, so that
# a grasp is held by the position servo (centred, damped), not by two saturated
# forces that let the object rock between the fingers.
FINGER_TARGET_OPEN = -0.01
FINGER_TARGET_CLOSED = 0.06
# Hard stops a few millimetres past each finger's joint range. The joint
# limits are soft (the open fingers rest 2 mm past theirs, pressed by their
# servo), and a stiff contact could push a finger 5 cm past it, storing energy
# that threw the object when it let go; the stops (fixed tendons with stiff
# limits) engage only that far out, so they never act in ordinary grasps.
FINGER_STOP_SLACK = 0.004
FINGER_STOP_SOLREF = "0.005 1"
FINGER_STOP_SOLIMP = "0.99 0.9999 0.001"
# The hand's drive: one position servo per axis towards the mocap target, with
# a force limit. The servo is critically damped for the hand's 1.1 kg (natural
# frequency 2500/1.1 ~ 48 rad/s, as the weld-like constraint it replaced), so
# free motion lags the target by ~2.7 cm at full speed as before. The limit
# (50 N per axis, the order of a Sawyer's end-effector force) is what a
# constraint cannot have: v1's hand, pulled by an equality, pressed ~1 kN
# into whatever lay under its fingers and launched it (box-close's lid at
# 9 m/s, the hammer at 5 m/s) when it slipped out.
HAND_KP = 2500.0  # N/m
HAND_KV = 100.0  # N s/m
HAND_FORCE = 50.0  # N per axis
# Palm-to-tool-centre-point offset: the TCP sits between the fingertips.
TCP_OFFSET = np.array([0.0, 0.0, -0.055])

HAND_START = (0.0, 0.6, 0.2)

_BASE_XML = f"""
<mujoco model="manyworld">
  <compiler angle="radian" autolimits="true"/>
  <option timestep="{TIMESTEP}" integrator="implicitfast" solver="Newton" iterations="30"
          ls_iterations="10" tolerance="1e-8" cone="pyramidal" noslip_iterations="0"/>
  <size memory="2M"/>
  <visual>
    <global offwidth="1280" offheight="960" azimuth="150" elevation="-25"/>
    <quality shadowsize="2048"/>
    <headlight ambient="0.35 0.35 0.35" diffuse="0.45 0.45 0.45" specular="0.1 0.1 0.1"/>
    <map znear="0.01"/>
  </visual>
  <asset>
    <texture name="floor_tex" type="2d" builtin="checker" rgb1="0.22 0.24 0.27" rgb2="0.18 0.2 0.23"
             width="512" height="512"/>
    <material name="floor_mat" texture="floor_tex" texrepeat="8 8" reflectance="0.05"/>
    <texture name="table_tex" type="2d" builtin="flat" rgb1="0.62 0.48 0.34" width="64" height="64"
             mark="random" markrgb="0.55 0.42 0.3" random="0.2"/>
    <material name="table_mat" texture="table_tex" texrepeat="4 4" specular="0.15"/>
    <material name="rim_mat" rgba="0.55 0.57 0.6 1" specular="0.6" shininess="0.6"/>
    <material name="metal_mat" rgba="0.35 0.37 0.4 1" specular="0.5" shininess="0.5"/>
    <material name="hand_mat" rgba="0.85 0.2 0.15 1" specular="0.3"/>
    <material name="finger_mat" rgba="0.25 0.25 0.28 1"/>
    <material name="goal_mat" rgba="0.1 0.85 0.2 0.5"/>
  </asset>
  <default>
    <geom solref="0.01 1" solimp="0.95 0.99 0.001" friction="1 0.005 0.0001"/>
    <default class="visual">
      <geom contype="0" conaffinity="0" group="1" density="0"/>
    </default>
    <default class="finger">
      <geom type="box" material="finger_mat" friction="1.5 0.01 0.001" condim="4"
            solref="0.005 1" solimp="0.95 0.99 0.001"/>
    </default>
  </default>
  <worldbody>
    <light name="key_light" pos="0.8 -0.2 1.8" dir="-0.4 0.4 -1" diffuse="0.6 0.6 0.6" castshadow="true"/>
    <light name="fill_light" pos="-0.8 1.4 1.6" dir="0.4 -0.4 -1" diffuse="0.3 0.3 0.3" castshadow="false"/>
    <geom name="floor" type="plane" pos="0 0.6 -0.8" size="3 3 0.05" material="floor_mat"/>
    <body name="table" pos="0 0.6 0">
      <geom name="table_top" type="box" pos="0 0 -0.025" size="0.7 0.4 0.025" material="table_mat"/>
      <geom name="rim_left" type="box" pos="-0.71 0 0.02" size="0.01 0.41 0.02" material="rim_mat"/>
      <geom name="rim_right" type="box" pos="0.71 0 0.02" size="0.01 0.41 0.02" material="rim_mat"/>
      <geom name="rim_far" type="box" pos="0 0.41 0.02" size="0.7 0.01 0.02" material="rim_mat"/>
      <geom name="rim_near" type="box" pos="0 -0.41 0.02" size="0.7 0.01 0.02" material="rim_mat"/>
      <geom name="leg_0" class="visual" type="box" pos="-0.62 -0.32 -0.4" size="0.03 0.03 0.375"
            material="metal_mat"/>
      <geom name="leg_1" class="visual" type="box" pos="0.62 -0.32 -0.4" size="0.03 0.03 0.375"
            material="metal_mat"/>
      <geom name="leg_2" class="visual" type="box" pos="-0.62 0.32 -0.4" size="0.03 0.03 0.375"
            material="metal_mat"/>
      <geom name="leg_3" class="visual" type="box" pos="0.62 0.32 -0.4" size="0.03 0.03 0.375"
            material="metal_mat"/>
    </body>
    <camera name="corner" pos="0.85 0.05 0.65" xyaxes="0.619 0.785 -0.000 -0.381 0.300 0.875" fovy="50"/>
    <camera name="topview" pos="0 0.6 1.4" xyaxes="1 0 0 0 1 0" fovy="50"/>
    <camera name="front" pos="0 -0.1 0.5" xyaxes="1 0 0 0 0.49 0.872" fovy="50"/>
    <camera name="side" pos="-0.85 0.65 0.45" xyaxes="0.059 -0.998 0 0.424 0.025 0.905" fovy="50"/>

    <body name="mocap" mocap="true" pos="{HAND_START[0]} {HAND_START[1]} {HAND_START[2]}">
      <geom name="mocap_marker" class="visual" type="sphere" size="0.006" rgba="1 0.6 0 0.0"/>
    </body>
    <body name="goal_marker" mocap="true" pos="0 0.6 -0.5">
      <geom name="goal_marker" class="visual" type="sphere" size="0.015" material="goal_mat"/>
    </body>

    <body name="hand" pos="{HAND_START[0]} {HAND_START[1]} {HAND_START[2]}" gravcomp="1">
      <joint name="hand_x" type="slide" axis="1 0 0" damping="2" armature="0.01"/>
      <joint name="hand_y" type="slide" axis="0 1 0" damping="2" armature="0.01"/>
      <joint name="hand_z" type="slide" axis="0 0 1" damping="2" armature="0.01"/>
      <inertial pos="0 0 0" mass="1.0" diaginertia="0.002 0.002 0.002"/>
      <geom name="palm" type="box" pos="0 0 0" size="0.02 0.058 0.01" material="hand_mat"/>
      <geom name="wrist" class="visual" type="capsule" fromto="0 0 0.01 0 0 0.12" size="0.018"
            material="hand_mat"/>
      <site name="hand" pos="0 0 0" size="0.005" rgba="1 1 0 0"/>
      <site name="tcp" pos="{TCP_OFFSET[0]} {TCP_OFFSET[1]} {TCP_OFFSET[2]}" size="0.005" rgba="0 1 1 0"/>
      <camera name="gripper" pos="0 -0.06 0.0" xyaxes="1 0 0 0 0.94 0.35" fovy="75"/>
      <body name="finger_left" pos="0 {FINGER_OPEN_GAP / 2 + 0.006} -0.035" gravcomp="1">
        <joint name="finger_left" type="slide" axis="0 -1 0" range="0 {FINGER_TRAVEL}"
               damping="1" armature="0.01"/>
        <geom name="finger_left" class="finger" size="0.011 0.006 0.03" mass="0.05"/>
        <site name="pad_left" pos="0 -0.006 0" size="0.012 0.002 0.03" type="box" rgba="0 0 0 0"/>
      </body>
      <body name="finger_right" pos="0 {-(FINGER_OPEN_GAP / 2 + 0.006)} -0.035" gravcomp="1">
        <joint name="finger_right" type="slide" axis="0 1 0" range="0 {FINGER_TRAVEL}"
               damping="1" armature="0.01"/>
        <geom name="finger_right" class="finger" size="0.011 0.006 0.03" mass="0.05"/>
        <site name="pad_right" pos="0 0.006 0" size="0.012 0.002 0.03" type="box" rgba="0 0 0 0"/>
      </body>
    </body>
  </worldbody>
  <contact>
    <exclude name="hand_left" body1="hand" body2="finger_left"/>
    <exclude name="hand_right" body1="hand" body2="finger_right"/>
  </contact>
  <tendon>
    <fixed name="finger_left_stop" limited="true" range="{-FINGER_STOP_SLACK} {FINGER_TRAVEL + FINGER_STOP_SLACK}"
           solreflimit="{FINGER_STOP_SOLREF}" solimplimit="{FINGER_STOP_SOLIMP}">
      <joint joint="finger_left" coef="1"/>
    </fixed>
    <fixed name="finger_right_stop" limited="true" range="{-FINGER_STOP_SLACK} {FINGER_TRAVEL + FINGER_STOP_SLACK}"
           solreflimit="{FINGER_STOP_SOLREF}" solimplimit="{FINGER_STOP_SOLIMP}">
      <joint joint="finger_right" coef="1"/>
    </fixed>
  </tendon>
  <actuator>
    <general name="hand_x" joint="hand_x" ctrllimited="false" forcerange="{-HAND_FORCE} {HAND_FORCE}"
             gainprm="{HAND_KP}" biastype="affine" biasprm="0 {-HAND_KP} {-HAND_KV}"/>
    <general name="hand_y" joint="hand_y" ctrllimited="false" forcerange="{-HAND_FORCE} {HAND_FORCE}"
             gainprm="{HAND_KP}" biastype="affine" biasprm="0 {-HAND_KP} {-HAND_KV}"/>
    <general name="hand_z" joint="hand_z" ctrllimited="false" forcerange="{-HAND_FORCE} {HAND_FORCE}"
             gainprm="{HAND_KP}" biastype="affine" biasprm="0 {-HAND_KP} {-HAND_KV}"/>
    <general name="finger_left" joint="finger_left" ctrlrange="-1 1" forcerange="-40 40"
             gainprm="{FINGER_KP * (FINGER_TARGET_CLOSED - FINGER_TARGET_OPEN) / 2}"
             biastype="affine"
             biasprm="{FINGER_KP * (FINGER_TARGET_CLOSED + FINGER_TARGET_OPEN) / 2} {-FINGER_KP} {-FINGER_KV}"/>
    <general name="finger_right" joint="finger_right" ctrlrange="-1 1" forcerange="-40 40"
             gainprm="{FINGER_KP * (FINGER_TARGET_CLOSED - FINGER_TARGET_OPEN) / 2}"
             biastype="affine"
             biasprm="{FINGER_KP * (FINGER_TARGET_CLOSED + FINGER_TARGET_OPEN) / 2} {-FINGER_KP} {-FINGER_KV}"/>
  </actuator>
  <sensor>
    <touch name="pad_left" site="pad_left"/>
    <touch name="pad_right" site="pad_right"/>
  </sensor>
</mujoco>
"""


def base_spec() -> mujoco.MjSpec:
    """A fresh MjSpec of the shared scene (table, gripper, cameras, lights, goal marker)."""
    return mujoco.MjSpec.from_string(_BASE_XML)


CAMERAS = ("corner", "topview", "front", "side", "gripper")
