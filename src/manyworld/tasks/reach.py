"""reach: move the gripper's fingertips to a goal point in the air.

Description:
    The gripper starts above the table; a red puck lies on the table as a
    distractor. Move the tool centre point (between the fingertips) to the
    green goal marker. Meta-World's ``reach-v3``.

Randomization:
    - ``puck_pos``: x in [-0.1, 0.1], y in [0.6, 0.7], z = 0.02 (on the table).
    - ``goal_pos``: x in [-0.1, 0.1], y in [0.8, 0.9], z in [0.05, 0.3].
    - Puck and goal are at least 0.15 m apart in xy (as Meta-World).

Success:
    ``|tcp - goal| <= 0.05`` (Meta-World's threshold).

Reward terms:
    - ``reach``: tolerance(|tcp - goal|, bound 0.05, margin 0.3), in [0, 1].
    Reward = 10 on success, else 9 * reach.

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

from manyworld.sim import scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import register
from manyworld.tasks.families.reach import ReachTask
from manyworld.tasks.params import TaskParams, param, xy_distance
from manyworld.tasks.rewards import RewardWeights


@dataclass(frozen=True)
class ReachParams(TaskParams):
    puck_pos: tuple[float, float, float] = param((-0.1, 0.6, 0.02), (0.1, 0.7, 0.02), "distractor puck")
    goal_pos: tuple[float, float, float] = param((-0.1, 0.8, 0.05), (0.1, 0.9, 0.3), "point to reach")

    @classmethod
    def constraint(cls, f):
        return xy_distance(f["puck_pos"], f["goal_pos"]) >= 0.15


@register
class Reach(ReachTask):
    __doc__ = __doc__
    name = "reach"
    version = 2
    Params = ReachParams
    reward_weights = RewardWeights(reach=1.0)

    @staticmethod
    def expert(obs):
        o = obs_lib.parse(obs)
        target = o.goal - scene.TCP_OFFSET
        return ex.action(ex.move_toward(o.hand, target), -1.0)
