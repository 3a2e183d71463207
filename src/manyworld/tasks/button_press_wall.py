"""button-press-wall: push in a button on the front of a box, reaching over a wall in front of it.

Description:
    A box stands on the table facing the robot, a red push button sticking
    out of its front face near the top (button-press's box). A low wall
    stands on the table between the robot and the button, a few centimetres
    in front of it and a little taller than the button. The button is on a
    slide joint along y with a spring: it rests out against its stop and
    springs back when let go. Reach over the wall, down into the gap behind
    it, and push the button in (along +y) until its face reaches the green
    goal marker. Meta-World's ``button-press-wall-v3``.

Randomization:
    - ``box_pos``: x in [-0.05, 0.05], y in [0.85, 0.9], z = 0.115
      (Meta-World's range). The released button's face is at
      box + (0, -0.19, 0): y in [0.66, 0.71], z = 0.115.
    - The goal is the button's face pushed in 0.07 m, box + (0, -0.12, 0).
    - The wall is fixed: x in [-0.1, 0.1], y in [0.59, 0.61], 0.15 tall,
      leaving a gap of 5-10 cm between its far face and the button. It
      blocks the straight way to every button. Meta-World's (x in [0, 0.2])
      leaves the left-hand buttons free (the closed fingers pass beside its
      end), and the plain button-press expert solved about half of the
      variations; it solves none here (the gate checks <= 0.5).

Success:
    ``|button_y - goal_y| <= 0.03`` (Meta-World's threshold): the button is
    pushed in at least 0.04 m of the goal's 0.07 (Meta-World: 0.063 of
    0.093; see button-press for the shorter stroke).

Reward terms:
    - ``reach``: tolerance(|tcp - button face|, bound 0.02, margin 0.3).
    - ``press``: tolerance(|button_y - goal_y|, bound 0.03, margin 0.07).
    Reward = 10 on success, else 9 * (0.3 reach + 0.7 press).

    As in button-press, the box is lower than Meta-World's, so that the
    gripper pushes with its closed fingertips while its palm passes over the
    box's top (and over the wall). The hand starts at (0, 0.4, 0.2), as
    Meta-World's.

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
    - v3: a wall that matters: centred on the buttons (x in [-0.1, 0.1]
      instead of Meta-World's [0, 0.2]); the button-press expert fails on all.
"""

from __future__ import annotations

from dataclasses import dataclass

from manyworld.sim import plate_parts
from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import register
from manyworld.tasks.families.button import FrontButtonTask, press_in
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.03
WALL = "wall"
# The wall (v3): centre and half sizes; Meta-World's height and thickness, centred on the
# buttons' x range so that no button can be reached beside its end.
WALL_POS = (0.0, 0.6, 0.075)
WALL_HALF = (0.1, 0.01, 0.075)
WALL_TOP = WALL_POS[2] + WALL_HALF[2]
# The expert crosses the wall with the TCP this high: the closed fingertips
# (1 cm below the TCP) clear the wall's top by 2 cm.
CLEAR_Z = WALL_TOP + 0.03


@dataclass(frozen=True)
class ButtonPressWallParams(TaskParams):
    box_pos: tuple[float, float, float] = param((-0.05, 0.85, 0.115), (0.05, 0.9, 0.115), "button box")


@register
class ButtonPressWall(FrontButtonTask):
    __doc__ = __doc__
    name = "button-press-wall"
    version = 3
    easier_sibling = "button-press"
    Params = ButtonPressWallParams
    reward_weights = RewardWeights(reach=0.3, press=0.7)
    success_distance = SUCCESS_DISTANCE

    def build(self, spec):
        super().build(spec)
        plate_parts.add_wall(spec, WALL, pos=WALL_POS, half=WALL_HALF)

    @staticmethod
    def expert(obs):
        """Close the fingers, rise over the wall, come down in front of the button, push it in."""
        return press_in(obs_lib.parse(obs), clear_z=CLEAR_Z)
