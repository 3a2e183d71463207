"""plate-slide-side: slide a plate sideways along the table into a cabinet.

Description:
    A plate (10 x 10 cm, 3 cm thick) lies on the table in front of the
    gripper. A low cabinet stands to the left, open towards the plate (+x)
    and at the top. Push the plate along the table to the left into the
    cabinet, until its centre is at the green goal marker inside.
    Meta-World's ``plate-slide-side-v3``.

    Differences from Meta-World: its plate runs on two rails (x and y slide
    joints) and cannot turn; here it is a free body, with smooth sides so that
    a push moves it along the push. Its goal frame is a net (a soccer goal);
    here it is a cabinet of three low walls, open at the top so that the hand
    can reach in behind the plate and the arm never meets a roof.

Randomization:
    - ``cabinet_pos`` (the goal point inside the cabinet, on the table): x in
      [-0.3, -0.25], y in [0.54, 0.66], z = 0 (Meta-World's range). The goal
      is the plate's centre there, ``cabinet_pos + (0, 0, 0.015)``.
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
class PlateSlideSideParams(TaskParams):
    cabinet_pos: tuple[float, float, float] = param((-0.3, 0.54, 0.0), (-0.25, 0.66, 0.0),
                                                    "goal point inside the cabinet, on the table")


@register
class PlateSlideSide(PlateSlideInTask):
    __doc__ = __doc__
    name = "plate-slide-side"
    version = 2
    Params = PlateSlideSideParams
    reward_weights = RewardWeights(reach=0.3, in_place=0.7)
    facing = "side"

    @staticmethod
    def expert(obs):
        """Line the plate up with the cabinet, then push it straight in (-x)."""
        return push_plate_expert(obs, np.array([-1.0, 0.0]), into_cabinet=True)
