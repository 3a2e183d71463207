"""plate-slide-back: slide a plate out of a cabinet along the table to a goal.

Description:
    A low cabinet, open at the front (towards the robot) and at the top,
    stands on the table; a plate (10 x 10 cm, 3 cm thick) sits in its mouth.
    Pull the plate out and slide it along the table to the green goal marker
    in front of the cabinet (reaching in behind it, between the plate and the
    cabinet's back wall). Meta-World's ``plate-slide-back-v3``.

    Differences from Meta-World: its plate runs on two rails (x and y slide
    joints) and cannot turn; here it is a free body, with smooth sides so that
    a push moves it along the push. Its goal frame is a net (a soccer goal);
    here it is a cabinet of three low walls, open at the top so that the hand
    can reach in behind the plate and the arm never meets a roof.

Randomization:
    - ``cabinet_pos`` (the goal point of plate-slide inside the cabinet):
      fixed at (0, 0.85, 0), as Meta-World's. The plate starts 0.1 in front
      of it, at (0, 0.75, 0.015), its far 4 cm inside the cabinet, as
      Meta-World's.
    - ``goal_pos``: x in [-0.1, 0.1], y = 0.6, z = 0.015 (Meta-World's range).

Success:
    ``|plate - goal| <= 0.07`` (Meta-World's threshold).

Reward terms:
    - ``reach``: tolerance(|tcp - plate|, bound 0.08, margin 0.3): the
      fingers at the plate's edge.
    - ``in_place``: tolerance(|plate - goal|, bound 0.07, margin 0.3).
    Reward = 10 on success, else 9 * (0.3 reach + 0.7 in_place).

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.tasks.base import register
from manyworld.tasks.families.plate import PLATE_Z, PlateSlideOutTask, push_plate_expert
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights


@dataclass(frozen=True)
class PlateSlideBackParams(TaskParams):
    cabinet_pos: tuple[float, float, float] = param((0.0, 0.85, 0.0), (0.0, 0.85, 0.0),
                                                    "cabinet (its goal point on the table)")
    goal_pos: tuple[float, float, float] = param((-0.1, 0.6, PLATE_Z), (0.1, 0.6, PLATE_Z),
                                                 "plate centre target")


@register
class PlateSlideBack(PlateSlideOutTask):
    __doc__ = __doc__
    name = "plate-slide-back"
    version = 2
    Params = PlateSlideBackParams
    reward_weights = RewardWeights(reach=0.3, in_place=0.7)
    facing = "front"

    @staticmethod
    def expert(obs):
        """Pull the plate straight out of the cabinet (-y), then push it across to the goal."""
        return push_plate_expert(obs, np.array([0.0, -1.0]), into_cabinet=False)
