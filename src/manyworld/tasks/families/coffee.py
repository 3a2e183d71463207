"""The coffee family: a coffee machine and a mug (coffee-button, coffee-push, coffee-pull)."""

from __future__ import annotations

import numpy as np

from manyworld.sim import coffee_parts as cp
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task
from manyworld.tasks.common import FreeBody, Gripper, zeros_obj

MACHINE = "coffee"
MUG = "mug"
# Meta-World's hand start of the coffee tasks.
COFFEE_HAND_START = (0.0, 0.4, 0.2)

# The mug tasks (coffee-push, coffee-pull): success and the expert's grasp.
MUG_SUCCESS_DISTANCE = 0.07
MUG_SUCCESS_SCALE = np.array([2.0, 2.0, 1.0])
GRASP_OFFSET = np.array([0.0, 0.0, cp.MUG_GRASP_Z])


class MugTask(Task):
    """What coffee-push and coffee-pull share: the scene, reward, success and expert.

    Subclasses set ``Params`` and ``spot_field``: the parameter that lies at
    the spot under the spout (the machine stands behind it). Terms: ``reach``
    = tolerance(|tcp - mug grasp point|, 0.02, 0.2), ``grasp`` = the fingers
    hold the mug, ``in_place`` = tolerance(|(mug - goal) * (2, 2, 1)|, 0.07,
    0.3); subclasses declare their weights.
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
        to_goal = np.linalg.norm((mug - goal) * MUG_SUCCESS_SCALE, axis=1)
        success = to_goal <= MUG_SUCCESS_DISTANCE
        held = self.gripper.holds(grasp, cp.MUG_HALF)
        terms = {
            "reach": rewards.tolerance(to_mug, 0.02, 0.2),
            "grasp": held.astype(np.float64),
            "in_place": rewards.tolerance(to_goal, MUG_SUCCESS_DISTANCE, 0.3),
        }
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
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
