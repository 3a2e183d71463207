"""plate-slide: slide a plate along the table into a cabinet.

Description:
    A plate (10 x 10 cm, 3 cm thick) lies on the table in front of the
    gripper. A low cabinet, open at the front (towards the robot) and at the
    top, stands further away. Push the plate along the table into the
    cabinet, until its centre is at the green goal marker inside. Meta-World's
    ``plate-slide-v3``.

    Differences from Meta-World: its plate runs on two rails (x and y slide
    joints) and cannot turn; here it is a free body, with smooth sides so that
    a push moves it along the push. Its goal frame is a net (a soccer goal);
    here it is a cabinet of three low walls, open at the top so that the hand
    can reach in behind the plate and the arm never meets a roof.

Randomization:
    - ``cabinet_pos`` (the goal point inside the cabinet, on the table): x in
      [-0.1, 0.1], y in [0.85, 0.9], z = 0 (Meta-World's range). The goal is
      the plate's centre there, ``cabinet_pos + (0, 0, 0.015)``.
    - The plate always starts at (0, 0.6, 0.015), as Meta-World's.

Success:
    ``|plate - goal| <= 0.07`` (Meta-World's threshold). Meta-World's goal
    lies on the table (z = 0) while its plate centre is 0.015 above; here the
    goal is at the plate centre's height, so the threshold is 0.07 in the
    table plane too.

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
from manyworld.tasks.families.plate import PlateSlideInTask, push_plate_expert
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights


@dataclass(frozen=True)
class PlateSlideParams(TaskParams):
    cabinet_pos: tuple[float, float, float] = param((-0.1, 0.85, 0.0), (0.1, 0.9, 0.0),
                                                    "goal point inside the cabinet, on the table")


@register
class PlateSlide(PlateSlideInTask):
    __doc__ = __doc__
    name = "plate-slide"
    version = 2
    Params = PlateSlideParams
    reward_weights = RewardWeights(reach=0.3, in_place=0.7)
    facing = "front"

    @staticmethod
    def expert(obs):
        """Line the plate up with the cabinet, then push it straight in (+y)."""
        return push_plate_expert(obs, np.array([0.0, 1.0]), into_cabinet=True)
