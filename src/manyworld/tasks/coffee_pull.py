"""coffee-pull: slide a mug out from under a coffee machine's spout.

Description:
    A coffee machine stands on the table facing the robot, a mug (a cup with
    a handle on its +x side) under its spout. Bring the mug out, towards the
    robot (-y), to the green goal marker on the table, pulling or dragging
    it. Meta-World's ``coffee-pull-v3``.

Randomization:
    - ``mug_pos`` (the middle of the mug's bottom, under the spout):
      x in [-0.05, 0.05], y in [0.7, 0.75], z = 0. The machine stands at
      mug + (0, 0.22, 0).
    - ``goal_pos``: x in [-0.1, 0.1], y in [0.55, 0.65], z = 0.
    - Mug and goal are at least 0.15 m apart in xy (as Meta-World).
    Meta-World's ranges; Meta-World also jitters z by 1 mm.

Success:
    ``|(mug - goal) * (2, 2, 1)| <= 0.07`` (Meta-World's condition and
    threshold): the mug is within 0.035 of the goal in the table plane.

Reward terms:
    - ``reach``: tolerance(|tcp - mug grasp point|, bound 0.02, margin 0.2);
      the grasp point is the middle of the cup, 0.035 above its bottom.
    - ``grasp``: 1 while the fingers hold the mug, else 0.
    - ``in_place``: tolerance(|(mug - goal) * (2, 2, 1)|, bound 0.07,
      margin 0.3).
    Reward = 10 on success, else 9 * (0.2 reach + 0.1 grasp + 0.7 in_place).

    The mug is square (5 cm wide, 7.5 cm tall; Meta-World's is round,
    5.6 cm wide, 6.8 cm tall) so that it is built from boxes; it slides on a
    low-friction base and does not tip when pushed. The spout is 0.23 above
    the table, so a hand can reach the mug from above under it. The machine
    is otherwise Meta-World's in size and layout, built from boxes (see
    coffee-button). The hand starts at (0, 0.4, 0.2), as Meta-World's.

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

from manyworld.tasks.base import register
from manyworld.tasks.families.coffee import MugTask
from manyworld.tasks.params import TaskParams, param, xy_distance
from manyworld.tasks.rewards import RewardWeights


@dataclass(frozen=True)
class CoffeePullParams(TaskParams):
    mug_pos: tuple[float, float, float] = param((-0.05, 0.7, 0.0), (0.05, 0.75, 0.0), "mug start, under the spout")
    goal_pos: tuple[float, float, float] = param((-0.1, 0.55, 0.0), (0.1, 0.65, 0.0), "mug target")

    @classmethod
    def constraint(cls, f):
        return xy_distance(f["mug_pos"], f["goal_pos"]) >= 0.15


@register
class CoffeePull(MugTask):
    __doc__ = __doc__
    name = "coffee-pull"
    version = 2
    Params = CoffeePullParams
    reward_weights = RewardWeights(reach=0.2, grasp=0.1, in_place=0.7)
    spot_field = "mug_pos"
