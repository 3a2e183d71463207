"""button-press: push a spring-loaded button on the front of a box in, away from the robot.

Description:
    A box stands on the table facing the robot, a red push button sticking
    out of its front face near the top. The button is on a slide joint along
    y with a spring: it rests out against its stop and springs back when let
    go. Push it in (along +y) until its face reaches the green goal marker.
    Meta-World's ``button-press-v3``.

Randomization:
    - ``box_pos``: x in [-0.1, 0.1], y in [0.85, 0.9], z = 0.115 (Meta-World's
      range; Meta-World jitters z by 0.1 mm). The released button's face is at
      box + (0, -0.19, 0): y in [0.66, 0.71], z = 0.115 (Meta-World: 0.193 in
      front of the box).
    - The goal is the button's face pushed in 0.07 m, box + (0, -0.12, 0),
      derived from the box.

Success:
    ``|button_y - goal_y| <= 0.02`` (Meta-World's threshold): the button is
    pushed in at least 0.05 m. Meta-World's goal lies 0.093 m in; this
    button's stroke ends 0.075 m in (a stop 5 mm past the goal, as
    button-press-topdown), so the goal is 0.07 m in and the share of the
    press that must be made (0.05 of 0.07) stays near Meta-World's (0.073 of
    0.093).

Reward terms:
    - ``reach``: tolerance(|tcp - button face|, bound 0.02, margin 0.3).
    - ``press``: tolerance(|button_y - goal_y|, bound 0.02, margin 0.07).
    Reward = 10 on success, else 9 * (0.3 reach + 0.7 press).

    The box is lower than Meta-World's (0.145 tall, its top 3 cm above the
    button's axis, where Meta-World's box rises 0.12 above it): the gripper
    pushes with its closed fingertips, and its palm, which reaches 0.044
    further forward than the fingers, passes over the box's top. The hand
    starts at (0, 0.4, 0.2), as Meta-World's.

Version history:
    - v1: first version.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import cabinet_parts, scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task, register
from manyworld.tasks.common import Gripper, zeros_obj
from manyworld.tasks.params import TaskParams, param

SUCCESS_DISTANCE = 0.02
PRESS_DEPTH = 0.07  # the goal: how far the button's face is pushed in
NAME = "button"
FACING = "front"
BUTTON_HAND_START = (0.0, 0.4, 0.2)  # Meta-World's hand start of the button tasks
# The closed fingers' front faces are this far ahead (+y) of the TCP.
FINGER_FRONT = scene.FINGER_OPEN_GAP / 2 + 0.012 - scene.FINGER_TRAVEL
# The expert pushes with the TCP this far above the button's axis: the closed
# fingertips (1 cm below the TCP) cover the cap's upper 3 cm, and the palm's
# underside (4.5 cm above the TCP) passes 2 cm over the box's top.
PRESS_DZ = 0.005
# Before pushing, the fingers' front stops this far in front of the button's face.
PRE_GAP = 0.008


@dataclass(frozen=True)
class ButtonPressParams(TaskParams):
    box_pos: tuple[float, float, float] = param((-0.1, 0.85, 0.115), (0.1, 0.9, 0.115), "button box")


class FrontButtonTask(Task):
    """What button-press and button-press-wall share: the scene, goal, observation and reward."""

    Params = ButtonPressParams
    hand_start = BUTTON_HAND_START
    success_distance: float = SUCCESS_DISTANCE

    def build(self, spec):
        cabinet_parts.add_button_box(spec, NAME, facing=FACING)

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.button = sim.body_id(NAME)
        self.base = sim.mocap_id(f"{NAME}_box")

    def place(self, sim, ids, params):
        sim.mocap_pos[ids, self.base] = params["box_pos"]

    def goal(self, params):
        press = PRESS_DEPTH * cabinet_parts.BUTTON_PRESS_DIR[FACING]
        return params["box_pos"] + cabinet_parts.BUTTON_TOP[FACING] + press

    def objects(self, sim):
        return (sim.xpos[:, self.button], sim.xquat[:, self.button], *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        tcp, face = self.gripper.tcp(), sim.xpos[:, self.button]
        to_button = np.linalg.norm(tcp - face, axis=1)
        to_goal = np.abs(face[:, 1] - goal[:, 1])
        success = to_goal <= self.success_distance
        terms = {
            "reach": rewards.tolerance(to_button, 0.02, 0.3),
            "press": rewards.tolerance(to_goal, self.success_distance, PRESS_DEPTH),
        }
        shaped = 0.3 * terms["reach"] + 0.7 * terms["press"]
        return Evaluation(
            reward=rewards.finish(shaped, success),
            success=success,
            terms=terms,
            info={"near_object": to_button <= 0.03, "grasp_success": np.zeros_like(success),
                  "obj_to_target": to_goal},
        )


def press_in(o: obs_lib.Obs, clear_z: float | None = None) -> np.ndarray:
    """Expert skeleton: with the fingers closed, line them up in front of the button, push it in along +y.

    Without ``clear_z`` the hand goes straight to the point just in front of
    the button's face. With it (a wall in front of the button), the hand
    first rises until the TCP is at ``clear_z``, crosses over to above that
    point, comes down into the gap between wall and button, then pushes.
    Stateless: the phase is read off the observation; the button's rest
    position comes from the goal (the button itself moves as it is pressed).
    """
    tcp = o.hand + scene.TCP_OFFSET
    g = o.goal
    n = g.shape[0]
    z = g[:, 2] + PRESS_DZ
    face_y = g[:, 1] - PRESS_DEPTH  # the released button's face
    pre = np.c_[g[:, 0], face_y - FINGER_FRONT - PRE_GAP, z]
    # fingers' front 3 mm past the goal, 2 mm short of the stop: the hand target
    # integrates the action, so aiming past the stop would drive it ever harder
    push = np.c_[g[:, 0], g[:, 1] - FINGER_FRONT + 0.003, z]
    aligned_x = np.abs(tcp[:, 0] - g[:, 0]) < 0.008
    at_z = np.abs(tcp[:, 2] - z) < 0.008
    if clear_z is None:
        target = np.where((aligned_x & at_z)[:, None], push, pre)
    else:
        in_gap = aligned_x & (tcp[:, 1] > pre[:, 1] - 0.004)  # behind the wall, in front of the button
        over_gap = aligned_x & (np.abs(tcp[:, 1] - pre[:, 1]) < 0.004)
        low = tcp[:, 2] < clear_z - 0.01
        cross = np.c_[pre[:, :2], np.full(n, clear_z)]
        rise = np.c_[tcp[:, :2], np.full(n, clear_z)]
        target = np.where((low & ~in_gap)[:, None], rise, cross)
        target = np.where(over_gap[:, None], pre, target)
        target = np.where((in_gap & at_z)[:, None], push, target)
    return ex.action(ex.move_toward(tcp, target), np.ones(n))


@register
class ButtonPress(FrontButtonTask):
    __doc__ = __doc__
    name = "button-press"
    tags = ("ML45-train",)

    @staticmethod
    def expert(obs):
        """Close the fingers, line them up in front of the button, push it in."""
        return press_in(obs_lib.parse(obs))
