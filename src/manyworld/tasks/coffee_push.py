"""coffee-push: slide a mug across the table to under a coffee machine's spout.

Description:
    A coffee machine stands on the table facing the robot; a mug (a cup with
    a handle on its +x side) stands on the table in front of it. Bring the
    mug to the green goal marker on the table under the machine's spout,
    0.22 in front of the machine's middle, pushing or dragging it (+y).
    Meta-World's ``coffee-push-v3``.

Randomization:
    - ``mug_pos`` (the middle of the mug's bottom): x in [-0.1, 0.1],
      y in [0.55, 0.65], z = 0 (on the table).
    - ``goal_pos`` (the spot under the spout): x in [-0.05, 0.05],
      y in [0.7, 0.75], z = 0. The machine stands at goal + (0, 0.22, 0).
    - Mug and goal are at least 0.15 m apart in xy (as Meta-World).
    Meta-World's ranges; Meta-World also jitters z by 1 mm.

Success:
    ``|(mug - goal) * (2, 2, 1)| <= 0.07`` (Meta-World's condition and
    threshold): the mug is within 0.035 of the spot in the table plane.

Reward terms:
    - ``reach``: tolerance(|tcp - mug grasp point|, bound 0.02, margin 0.2);
      the grasp point is the middle of the cup, 0.035 above its bottom.
    - ``grasp``: 1 while the fingers hold the mug, else 0.
    - ``in_place``: tolerance(|(mug - goal) * (2, 2, 1)|, bound 0.07,
      margin 0.3).
    Reward = 10 on success, else 9 * (0.2 reach + 0.1 grasp + 0.7 in_place).

    The mug is square (5 cm wide, 7.5 cm tall; Meta-World's is round,
    5.6 cm wide, 6.8 cm tall) so that it is built from boxes; it slides on a
    low-friction base and does not tip when pushed. The machine is
    Meta-World's in size and layout, built from boxes (see coffee-button).
    The hand starts at (0, 0.4, 0.2), as Meta-World's.

Version history:
    - v1: first version.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import coffee_parts as cp
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task, register
from manyworld.tasks.coffee_button import COFFEE_HAND_START, MACHINE, MUG
from manyworld.tasks.common import FreeBody, Gripper, zeros_obj
from manyworld.tasks.params import TaskParams, param, xy_distance

SUCCESS_DISTANCE = 0.07
SUCCESS_SCALE = np.array([2.0, 2.0, 1.0])
GRASP_OFFSET = np.array([0.0, 0.0, cp.MUG_GRASP_Z])


@dataclass(frozen=True)
class CoffeePushParams(TaskParams):
    mug_pos: tuple[float, float, float] = param((-0.1, 0.55, 0.0), (0.1, 0.65, 0.0), "mug start")
    goal_pos: tuple[float, float, float] = param((-0.05, 0.7, 0.0), (0.05, 0.75, 0.0), "spot under the spout")

    @classmethod
    def constraint(cls, f):
        return xy_distance(f["mug_pos"], f["goal_pos"]) >= 0.15


class MugTask(Task):
    """What coffee-push and coffee-pull share: the scene, reward, success and expert.

    Subclasses set ``Params`` and ``spot_field``: the parameter that lies at
    the spot under the spout (the machine stands behind it).
    """

    hand_start = COFFEE_HAND_START
    spot_field: str = "goal_pos"

    def build(self, spec):
        cp.add_coffee_machine(spec, MACHINE)
        cp.add_mug(spec, MUG)

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.machine = cp.CoffeeMachine(sim, MACHINE)
        self.mug = FreeBody(sim, MUG)
        self.grasp_site = sim.site_id(f"{MUG}_grasp")

    def place(self, sim, ids, params):
        self.machine.place(ids, params[self.spot_field] - cp.COFFEE_MUG_SPOT)
        self.mug.place(ids, params["mug_pos"])

    def goal(self, params):
        return params["goal_pos"].copy()

    def objects(self, sim):
        return (self.mug.pos(), self.mug.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        tcp, mug = self.gripper.tcp(), self.mug.pos()
        grasp = sim.site_xpos[:, self.grasp_site]
        to_mug = np.linalg.norm(tcp - grasp, axis=1)
        to_goal = np.linalg.norm((mug - goal) * SUCCESS_SCALE, axis=1)
        success = to_goal <= SUCCESS_DISTANCE
        held = self.gripper.holds(grasp, cp.MUG_HALF)
        terms = {
            "reach": rewards.tolerance(to_mug, 0.02, 0.2),
            "grasp": held.astype(np.float64),
            "in_place": rewards.tolerance(to_goal, SUCCESS_DISTANCE, 0.3),
        }
        shaped = 0.2 * terms["reach"] + 0.1 * terms["grasp"] + 0.7 * terms["in_place"]
        return Evaluation(
            reward=rewards.finish(shaped, success),
            success=success,
            terms=terms,
            info={"near_object": to_mug <= 0.03, "grasp_success": held, "obj_to_target": to_goal},
        )

    @staticmethod
    def expert(obs):
        """Grasp the mug round its middle from above, then drag it along the table to the goal.

        The hand comes over the mug below the spout (the fingertips clear the
        mug's rim, the palm passes under the spout) and slides the held mug
        on the table.
        """
        o = obs_lib.parse(obs)
        return ex.grasp_and_carry(o, o.obj1_pos + GRASP_OFFSET, o.goal + GRASP_OFFSET)


@register
class CoffeePush(MugTask):
    __doc__ = __doc__
    name = "coffee-push"
    tags = ("ML45-train",)
    Params = CoffeePushParams
    spot_field = "goal_pos"
