"""The button family: a spring-loaded button on a box, pressed in or down.

From the front: button-press and button-press-wall; from above:
button-press-topdown and button-press-topdown-wall.
"""

from __future__ import annotations

import numpy as np

from manyworld.sim import cabinet_parts, scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task
from manyworld.tasks.common import Gripper, zeros_obj

NAME = "button"
BUTTON_HAND_START = (0.0, 0.4, 0.2)  # Meta-World's hand start of the button tasks
# The goal of both kinds: how far the button is pushed in (its stroke ends 5 mm further).
PRESS_DEPTH = 0.07

# ---------------------------------------------------------------- from the front
FACING = "front"
# The closed fingers' front faces are this far ahead (+y) of the TCP.
FINGER_FRONT = scene.FINGER_OPEN_GAP / 2 + 0.012 - scene.FINGER_TRAVEL
# The expert pushes with the TCP this far above the button's axis: the closed
# fingertips (1 cm below the TCP) cover the cap's upper 3 cm, and the palm's
# underside (4.5 cm above the TCP) passes 2 cm over the box's top.
PRESS_DZ = 0.005
# Before pushing, the fingers' front stops this far in front of the button's face.
PRE_GAP = 0.008

# ---------------------------------------------------------------- from above
# The fingertips reach this far below the TCP (closed fingers press with their tips).
FINGERTIP_BELOW_TCP = 0.01


class FrontButtonTask(Task):
    """What button-press and button-press-wall share: the scene, goal, observation and reward.

    Terms: ``reach`` = tolerance(|tcp - button face|, 0.02, 0.3) and ``press`` =
    tolerance(|button_y - goal_y|, ``success_distance``, PRESS_DEPTH);
    subclasses set ``success_distance`` and declare their weights.
    """

    hand_start = BUTTON_HAND_START
    success_distance: float

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
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
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


class TopdownButtonTask(Task):
    """What button-press-topdown and button-press-topdown-wall share: the scene, goal, observation and reward.

    Terms: ``reach`` = tolerance(|tcp - button top|, 0.02, 0.3) and ``press`` =
    tolerance(|button_z - goal_z|, ``success_distance``, PRESS_DEPTH);
    subclasses set ``success_distance`` and declare their weights.
    """

    hand_start = BUTTON_HAND_START
    success_distance: float

    def build(self, spec):
        cabinet_parts.add_button_box(spec, NAME)

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.button = sim.body_id(NAME)
        self.base = sim.mocap_id(f"{NAME}_box")

    def place(self, sim, ids, params):
        sim.mocap_pos[ids, self.base] = params["box_pos"]

    def goal(self, params):
        return params["box_pos"] + cabinet_parts.BUTTON_TOP_OFFSET - np.array([0.0, 0.0, PRESS_DEPTH])

    def objects(self, sim):
        return (sim.xpos[:, self.button], sim.xquat[:, self.button], *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        tcp, top = self.gripper.tcp(), sim.xpos[:, self.button]
        to_button = np.linalg.norm(tcp - top, axis=1)
        to_goal = np.abs(top[:, 2] - goal[:, 2])
        success = to_goal <= self.success_distance
        terms = {
            "reach": rewards.tolerance(to_button, 0.02, 0.3),
            "press": rewards.tolerance(to_goal, self.success_distance, PRESS_DEPTH),
        }
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": to_button <= 0.03, "grasp_success": np.zeros_like(success),
                  "obj_to_target": to_goal},
        )
