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
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

from manyworld.sim import handle_lever_parts as hl
from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import register
from manyworld.tasks.families.handle import HandlePullTask, grasp_and_lift
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights

# Where the fingers hold the handle: on the crossbar, beside the arm.
GRASP = hl.handle_grasp_offset(0.0, "bar")


@dataclass(frozen=True)
class HandlePullParams(TaskParams):
    box_pos: tuple[float, float, float] = param((-0.1, 0.8, 0.0), (0.1, 0.9, 0.0), "handle box on the table")


@register
class HandlePull(HandlePullTask):
    __doc__ = __doc__
    name = "handle-pull"
    version = 2
    Params = HandlePullParams
    reward_weights = RewardWeights(reach=0.2, grasp=0.1, lift=0.7)
    yaw = 0.0
    grasp_spot = "bar"

    @staticmethod
    def expert(obs):
        """Grasp the crossbar beside the arm from above and pull it up to the goal's height."""
        return grasp_and_lift(obs_lib.parse(obs), GRASP)
