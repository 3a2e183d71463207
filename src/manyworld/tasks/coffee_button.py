"""coffee-button: press the button on the front of a coffee machine.

Description:
    A coffee machine stands on the table facing the robot, a mug under its
    spout. A square button sits in a collar on the front of the machine's
    head, 0.3 above the table, its face flush with the collar's; it slides in
    along +y on a spring-loaded joint (limits, stiffness and damping) and
    springs back when let go. Push it in, until its face is near the green
    goal marker 0.03 further in (the end of its travel). Meta-World's
    ``coffee-button-v3``.

Randomization:
    - ``machine_pos``: x in [-0.1, 0.1], y in [0.8, 0.9], z = 0 (Meta-World's
      range; Meta-World also jitters z by 1 mm). The button's face is at
      machine + (0, -0.22, 0.3) at rest (Meta-World's ``buttonStart``); the
      mug stands at machine + (0, -0.22, 0), under the spout.
    - The goal is the button pushed fully in: machine + (0, -0.19, 0.3).

Success:
    ``|button_y - goal_y| <= 0.02`` (Meta-World's condition and threshold):
    the button is pushed in at least 0.01 of its 0.03 travel.

Reward terms:
    - ``reach``: tolerance(|hand - button|, bound 0.07, margin 0.3). The
      palm's front edge presses the button, 0.058 ahead of the hand site.
    - ``press``: tolerance(|button_y - goal_y|, bound 0.02, margin 0.03).
    Reward = 10 on success, else 9 * (0.3 reach + 0.7 press).

    Differences from Meta-World: the machine has Meta-World's size and
    layout (housing, head, spout, button and mug spot at the same offsets),
    built from boxes, but the housing is 0.12 deep instead of 0.2 (so that it
    stays on the table at the far end of the coffee-push range) and the
    button is a 4.6 cm square set flush in a collar, where Meta-World's is a
    6.4 cm disc standing 3.7 cm proud of the machine, with no spring. A
    button standing proud in free space is pressed by a uniform random
    policy in about 5% of the episodes (the hand, once against the machine,
    slides over its face until some part of it catches the button); in the
    collar only an aligned palm presses it, and the random policy's rate is
    about 1% (0-4% per seed over 10 seeds of 50 episodes). The hand starts
    at (0, 0.4, 0.2), as Meta-World's.

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import coffee_parts as cp
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task, register
from manyworld.tasks.common import FreeBody, zeros_obj
from manyworld.tasks.families.coffee import COFFEE_HAND_START, MACHINE, MUG
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.02
PRESS_OFFSET = np.array([0.0, cp.COFFEE_BUTTON_TRAVEL, 0.0])  # goal: the button fully in
# The palm's front edge is this far ahead (+y) of the hand site (the palm's half length).
PALM_REACH = 0.058
# The palm enters the collar when within this of the button's middle in x and z
# (the opening leaves it 0.6 cm to either side in x, 1.6 cm in z).
ALIGNED = 0.004
# The fingers count as closed (clear of the collar, behind the palm's edge) below this opening.
CLOSED = 0.3


@dataclass(frozen=True)
class CoffeeButtonParams(TaskParams):
    machine_pos: tuple[float, float, float] = param((-0.1, 0.8, 0.0), (0.1, 0.9, 0.0), "coffee machine on the table")


@register
class CoffeeButton(Task):
    __doc__ = __doc__
    name = "coffee-button"
    version = 2
    Params = CoffeeButtonParams
    reward_weights = RewardWeights(reach=0.3, press=0.7)
    hand_start = COFFEE_HAND_START

    def build(self, spec):
        cp.add_coffee_machine(spec, MACHINE)
        cp.add_mug(spec, MUG)

    def bind(self, sim):
        self.hand = sim.site_id("hand")
        self.machine = cp.CoffeeMachine(sim, MACHINE)
        self.mug = FreeBody(sim, MUG)

    def place(self, sim, ids, params):
        self.machine.place(ids, params["machine_pos"])
        self.mug.place(ids, params["machine_pos"] + cp.COFFEE_MUG_SPOT)

    def goal(self, params):
        return params["machine_pos"] + cp.COFFEE_BUTTON_OFFSET + PRESS_OFFSET

    def objects(self, sim):
        return (self.machine.button(), self.machine.button_quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        hand, button = sim.site_xpos[:, self.hand], self.machine.button()
        to_button = np.linalg.norm(hand - button, axis=1)
        to_goal = np.abs(button[:, 1] - goal[:, 1])
        success = to_goal <= SUCCESS_DISTANCE
        terms = {
            "reach": rewards.tolerance(to_button, 0.07, 0.3),
            "press": rewards.tolerance(to_goal, SUCCESS_DISTANCE, 0.03),
        }
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": to_button <= 0.08, "grasp_success": np.zeros_like(success),
                  "obj_to_target": to_goal},
        )

    @staticmethod
    def expert(obs):
        """Close the fingers, line the palm up in front of the button, then push it in along +y.

        The palm's front edge presses: it fits the collar's opening, the
        closed fingers stay behind it.
        """
        o = obs_lib.parse(obs)
        goal, hand = o.goal, o.hand
        face_rest = goal[:, 1] - cp.COFFEE_BUTTON_TRAVEL
        pre = np.c_[goal[:, 0], face_rest - PALM_REACH - 0.03, goal[:, 2]]
        press = np.c_[goal[:, 0], goal[:, 1] - PALM_REACH - 0.003, goal[:, 2]]
        aligned = ex.near(hand, goal, ALIGNED, slice(0, 1)) & ex.near(hand, goal, ALIGNED, slice(2, 3))
        aligned &= o.gripper < CLOSED
        target = np.where(aligned[:, None], press, pre)
        return ex.action(ex.move_toward(hand, target), 1.0)
