"""handle-pull: grasp a lowered handle and pull it up.

Description:
    A box stands on the table facing the robot. A T-shaped handle (an arm
    reaching 0.215 m out of a slot in the box's front, with a round crossbar
    at its end) rides on a vertical slide joint with limits, damping and dry
    friction: it moves while pulled and stays where it is left. The handle
    starts at the bottom (its crossbar 0.065 above the table). Grasp the
    crossbar and pull the handle up to the green goal marker, 0.172 above the
    table. Meta-World's ``handle-pull-v3``.

Randomization:
    - ``box_pos``: x in [-0.1, 0.1], y in [0.8, 0.9], z = 0 (Meta-World's
      range; Meta-World also jitters z by 1 mm). The crossbar's middle is at
      box + (0, -0.215, 0.065) at the start.
    - The goal is the crossbar pulled up: box + (0, -0.215, 0) at z = 0.172
      (Meta-World's pull target). The handle's travel ends at z = 0.175.

Success:
    ``|handle_z - goal_z| <= 0.05`` (Meta-World's condition and threshold):
    the handle is raised at least 0.057 of its 0.11 travel. The observed
    handle point is the crossbar's middle, straight below the goal
    (Meta-World's observed point sits 0.05 to the side of its goal).

Reward terms:
    - ``reach``: tolerance(|tcp - handle|, bound 0.05, margin 0.3).
    - ``grasp``: 1 while the fingers hold the handle, else 0.
    - ``lift``: tolerance(|handle_z - goal_z|, bound 0.05, margin 0.15).
    Reward = 10 on success, else 9 * (0.2 reach + 0.1 grasp + 0.7 lift).

    The hand starts at (0, 0.4, 0.2), 0.2 nearer the robot than Meta-World's
    (0, 0.6, 0.2): from there, 8 cm above the lowered handle, a random policy
    catches and lifts it in about 7% of the episodes (1% from here).

Version history:
    - v1: first version.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import handle_lever_parts as hl
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, register
from manyworld.tasks.handle_press import PULL_Z, HandleTask
from manyworld.tasks.params import TaskParams, param

SUCCESS_DISTANCE = 0.05
# Where the fingers hold the handle: on the crossbar, beside the arm.
GRASP = hl.handle_grasp_offset(0.0, "bar")


@dataclass(frozen=True)
class HandlePullParams(TaskParams):
    box_pos: tuple[float, float, float] = param((-0.1, 0.8, 0.0), (0.1, 0.9, 0.0), "handle box on the table")


class HandlePullTask(HandleTask):
    """handle-pull and handle-pull-side: the reward and success of pulling up.

    Subclasses set ``grasp_spot`` (``"bar"`` or ``"arm"``, see
    :mod:`manyworld.sim.handle_lever_parts`).
    """

    start_height = 0.0
    goal_z = PULL_Z
    grasp_spot = "bar"

    def evaluate(self, sim, goal):
        tcp, grip = self.gripper.tcp(), self.handle.grip()
        to_handle = np.linalg.norm(tcp - grip, axis=1)
        to_goal = np.linalg.norm(grip - goal, axis=1)
        success = to_goal <= SUCCESS_DISTANCE
        spot = grip + hl.handle_grasp_offset(self.yaw, self.grasp_spot)
        held = self.gripper.holds(spot, hl.HANDLE_GRASP_HALF_WIDTH[self.grasp_spot])
        terms = {
            "reach": rewards.tolerance(to_handle, 0.05, 0.3),
            "grasp": held.astype(np.float64),
            "lift": rewards.tolerance(to_goal, SUCCESS_DISTANCE, 0.15),
        }
        shaped = 0.2 * terms["reach"] + 0.1 * terms["grasp"] + 0.7 * terms["lift"]
        return Evaluation(
            reward=rewards.finish(shaped, success),
            success=success,
            terms=terms,
            info={"near_object": to_handle <= 0.06, "grasp_success": held, "obj_to_target": to_goal},
        )


def grasp_and_lift(o: obs_lib.Obs, grasp: np.ndarray) -> np.ndarray:
    """Expert skeleton: grasp the handle at ``grasp`` from the grip site and lift it to the goal's height."""
    spot = o.obj1_pos + grasp
    destination = np.c_[spot[:, :2], o.goal[:, 2:3]]
    return ex.grasp_and_carry(o, spot, destination)


@register
class HandlePull(HandlePullTask):
    __doc__ = __doc__
    name = "handle-pull"
    tags = ("ML45-train",)
    Params = HandlePullParams
    yaw = 0.0
    grasp_spot = "bar"

    @staticmethod
    def expert(obs):
        """Grasp the crossbar beside the arm from above and pull it up to the goal's height."""
        return grasp_and_lift(obs_lib.parse(obs), GRASP)
