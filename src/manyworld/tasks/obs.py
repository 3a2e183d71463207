"""The 39-d observation layout (Meta-World's), named once.

=========  =======================================================
index      meaning
=========  =======================================================
0-2        hand position (the palm site), world frame, metres
3          gripper opening in [0, 1] (1 = fully open)
4-6        object-1 position
7-10       object-1 quaternion, MuJoCo order (w, x, y, z)
11-13      object-2 position (zeros when the task has none)
14-17      object-2 quaternion (zeros when the task has none)
18-35      the previous step's copy of 0-17 (at reset: the current frame)
36-38      goal position (zeros when the goal is hidden)
=========  =======================================================
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

HAND = slice(0, 3)
GRIPPER = 3
OBJ1_POS = slice(4, 7)
OBJ1_QUAT = slice(7, 11)
OBJ2_POS = slice(11, 14)
OBJ2_QUAT = slice(14, 18)
FRAME = slice(0, 18)
PREV_FRAME = slice(18, 36)
GOAL = slice(36, 39)
OBS_DIM = 39
FRAME_DIM = 18


class Obs(NamedTuple):
    """Named views of an (N, 39) observation batch, for experts and wrappers."""

    hand: np.ndarray
    gripper: np.ndarray
    obj1_pos: np.ndarray
    obj1_quat: np.ndarray
    obj2_pos: np.ndarray
    obj2_quat: np.ndarray
    prev_hand: np.ndarray
    goal: np.ndarray


def parse(obs: np.ndarray) -> Obs:
    """Split an observation batch (N, 39) into named parts (views, no copies)."""
    obs = np.asarray(obs)
    if obs.ndim != 2 or obs.shape[1] < OBS_DIM:
        raise ValueError(f"expected observations of shape (N, >=39), got {obs.shape}")
    return Obs(
        hand=obs[:, HAND],
        gripper=obs[:, GRIPPER],
        obj1_pos=obs[:, OBJ1_POS],
        obj1_quat=obs[:, OBJ1_QUAT],
        obj2_pos=obs[:, OBJ2_POS],
        obj2_quat=obs[:, OBJ2_QUAT],
        prev_hand=obs[:, 18:21],
        goal=obs[:, GOAL],
    )
