"""The ball family (soccer, basketball): a ball carried in the closed fingers."""

from __future__ import annotations

import numpy as np

from manyworld.sim import ball_parts, scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib

# The gripper opening (obs[3]) closed on the ball: 6 cm of the 9 cm gap.
BALL_OPENING = 2 * ball_parts.BALL_RADIUS / scene.FINGER_OPEN_GAP


def carry_ball(o: obs_lib.Obs, ball: np.ndarray, destination: np.ndarray, hover: float = 0.08) -> np.ndarray:
    """:func:`~manyworld.tasks.expert.grasp_and_carry` for the ball.

    Fingers closed on the ball stay BALL_OPENING (2/3) open, so "holding" is
    the band of openings around it: the carry starts once the fingers have
    closed on the ball, not on nothing.
    """
    return ex.grasp_and_carry(o, ball, destination, hover,
                              holding_opening=(BALL_OPENING - 0.15, BALL_OPENING + 0.05), closing_below=0.95)
