"""The drawer family (drawer-open, drawer-close): a drawer on a rail in a cabinet, moved by its handle."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from manyworld.sim import cabinet_parts
from manyworld.tasks import expert as ex
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation

NAME = "drawer"


class Drawer:
    """The drawer's named quantities over the batch, shared by drawer-open and drawer-close."""

    def __init__(self, sim, name: str = NAME):
        self.sim = sim
        self.handle = sim.body_id(f"{name}_handle")
        self.base = sim.mocap_id(f"{name}_cabinet")
        self.qpos = sim.qpos_slice(f"{name}_slide").start
        self.qvel = sim.qvel_slice(f"{name}_slide").start

    def place(self, ids: np.ndarray, cabinet_pos: np.ndarray, opening: float) -> None:
        """Put the cabinet of worlds ``ids`` at ``cabinet_pos`` with the drawer ``opening`` m out, at rest."""
        self.sim.mocap_pos[ids, self.base] = cabinet_pos
        self.sim.qpos[ids, self.qpos] = opening
        self.sim.qvel[ids, self.qvel] = 0.0

    def handle_pos(self) -> np.ndarray:
        return self.sim.xpos[:, self.handle]

    def handle_quat(self) -> np.ndarray:
        return self.sim.xquat[:, self.handle]


def closed_handle(cabinet_pos: np.ndarray) -> np.ndarray:
    """(k, 3) handle position of a closed drawer in a cabinet at ``cabinet_pos``."""
    return cabinet_pos + cabinet_parts.DRAWER_HANDLE_OFFSET


def drawer_evaluation(gripper, drawer, goal: np.ndarray, success_distance: float, term: str,
                      margin: float, weights: Mapping[str, float]) -> Evaluation:
    """Reward, success and info of the drawer tasks: bring the handle to the goal.

    Terms: ``reach`` = tolerance(|tcp - handle|, 0.04, 0.3) and ``term`` (``open`` or
    ``close``) = tolerance(|handle - goal|, success_distance, margin); reward = 10 on
    success, else 9 * the sum of the terms weighted by ``weights`` (the task's).
    """
    tcp, handle = gripper.tcp(), drawer.handle_pos()
    to_handle = np.linalg.norm(tcp - handle, axis=1)
    to_goal = np.linalg.norm(handle - goal, axis=1)
    success = to_goal <= success_distance
    terms = {
        "reach": rewards.tolerance(to_handle, 0.04, 0.3),
        term: rewards.tolerance(to_goal, success_distance, margin),
    }
    return Evaluation(
        reward=rewards.finish(rewards.weighted_sum(weights, terms), success),
        success=success,
        terms=terms,
        info={"near_object": to_handle <= 0.05, "grasp_success": np.zeros_like(success),
              "obj_to_target": to_goal},
    )


def hook_then_move(tcp: np.ndarray, hook: np.ndarray, shift: np.ndarray, hover: float = 0.08) -> np.ndarray:
    """TCP target of a handle expert: above ``hook``, down onto it, then along ``shift``.

    Stateless: the phase is read off where the TCP is relative to ``hook``
    (which moves with the handle), so a slip sends the hand back to re-hook.
    """
    above = np.c_[hook[:, :2], hook[:, 2:3] + hover]
    aligned = ex.near(tcp, hook, 0.012, slice(0, 2))
    hooked = ex.near(tcp, hook, 0.02, slice(0, 2)) & (np.abs(tcp[:, 2] - hook[:, 2]) < 0.015)
    # rise before moving across when below the hover height and not over the hook
    rise = ~ex.near(tcp, hook, 0.03, slice(0, 2)) & (tcp[:, 2] < hook[:, 2] + 0.5 * hover)
    target = np.where(rise[:, None], np.c_[tcp[:, :2], above[:, 2:3]], above)
    target = np.where(aligned[:, None], hook, target)
    return np.where(hooked[:, None], hook + shift, target)
