"""The faucet family (faucet-open, faucet-close): a lever turned round the faucet's column."""

from __future__ import annotations

import numpy as np

from manyworld.sim import faucet_dial_parts as fd
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task
from manyworld.tasks.common import Gripper, zeros_obj
from manyworld.tasks.families.knob import push_around

SUCCESS_DISTANCE = 0.07  # Meta-World's threshold
NAME = "faucet"
# Meta-World's hand start of the faucet tasks.
FAUCET_HAND_START = (0.0, 0.4, 0.2)


class FaucetTask(Task):
    """What faucet-open and faucet-close share: the scene, the observation and the reward.

    Subclasses set ``goal_angle``. Terms: ``reach`` = tolerance(|tcp - handle|,
    0.03, 0.3) and ``turn`` = tolerance(|handle - goal|, SUCCESS_DISTANCE,
    0.25); subclasses declare their weights.
    """

    hand_start = FAUCET_HAND_START
    # Lever angle at the goal (rad): +90 degrees opens (to +x), -90 closes (to -x).
    goal_angle: float

    def build(self, spec):
        fd.add_faucet(spec, NAME)

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.faucet = fd.Faucet(sim, NAME)

    def place(self, sim, ids, params):
        self.faucet.place(ids, params["faucet_pos"], 0.0)

    def goal(self, params):
        return params["faucet_pos"] + fd.faucet_handle_offset(self.goal_angle)

    def objects(self, sim):
        return (self.faucet.handle(), self.faucet.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        tcp, handle = self.gripper.tcp(), self.faucet.handle()
        to_handle = np.linalg.norm(tcp - handle, axis=1)
        to_goal = np.linalg.norm(handle - goal, axis=1)
        success = to_goal <= SUCCESS_DISTANCE
        terms = {
            "reach": rewards.tolerance(to_handle, 0.03, 0.3),
            "turn": rewards.tolerance(to_goal, SUCCESS_DISTANCE, 0.25),
        }
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": to_handle <= 0.05, "grasp_success": np.zeros_like(success),
                  "obj_to_target": to_goal},
        )


def turn_faucet(obs: np.ndarray, goal_angle: float) -> np.ndarray:
    """Expert of the faucet tasks: push the lever's knob round to ``goal_angle`` (rad, from the goal)."""
    o = obs_lib.parse(obs)
    column = o.goal - fd.faucet_handle_offset(goal_angle)
    goal_polar = goal_angle - np.pi / 2  # the lever at angle 0 points along -y
    return push_around(o, column, float(np.sign(goal_angle)), goal_polar)
