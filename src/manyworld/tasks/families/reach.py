"""The reach family (reach, reach-wall): bring the tool centre point to a goal in the air."""

from __future__ import annotations

import numpy as np

from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation
from manyworld.tasks.common import PuckTask

SUCCESS_DISTANCE = 0.05  # Meta-World's threshold


class ReachTask(PuckTask):
    """What the reach tasks share: a distractor puck, the goal in the air and the reward.

    The one term is ``reach`` = tolerance(|tcp - goal|, SUCCESS_DISTANCE, 0.3);
    subclasses declare its weight, add fixtures and the expert.
    """

    def evaluate(self, sim, goal):
        tcp = self.gripper.tcp()
        dist = np.linalg.norm(tcp - goal, axis=1)
        success = dist <= SUCCESS_DISTANCE
        terms = {"reach": rewards.tolerance(dist, SUCCESS_DISTANCE, 0.3)}
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": dist <= SUCCESS_DISTANCE, "grasp_success": np.zeros_like(success),
                  "obj_to_target": dist},
        )
