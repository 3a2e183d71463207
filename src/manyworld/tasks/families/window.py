"""The window family (window-open, window-close): a sash slid sideways by its handle."""

from __future__ import annotations

import numpy as np

from manyworld.sim import door_window_parts as dw
from manyworld.sim import scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task
from manyworld.tasks.common import Gripper, zeros_obj

SUCCESS_DISTANCE = 0.05  # Meta-World's threshold
NAME = "window"
# Meta-World's hand start of the window tasks.
WINDOW_HAND_START = (0.0, 0.4, 0.2)


def handle_at(window_pos: np.ndarray, opening: float) -> np.ndarray:
    """(k, 3) handle position of a window at ``window_pos`` slid ``opening`` m open."""
    return window_pos + dw.WINDOW_HANDLE_OFFSET + np.array([opening, 0.0, 0.0])


class WindowTask(Task):
    """What window-open and window-close share: the scene, the observation and the reward.

    Subclasses set ``start_opening`` and ``goal_opening``. Terms: ``reach`` =
    tolerance(|tcp - handle|, 0.03, 0.3) and ``slide`` = tolerance(|handle_x -
    goal_x|, SUCCESS_DISTANCE, 0.2); subclasses declare their weights.
    """

    hand_start = WINDOW_HAND_START
    # Opening of the sash at reset and at the goal (m).
    start_opening: float
    goal_opening: float

    def build(self, spec):
        dw.add_window(spec, NAME)

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.window = dw.Window(sim, NAME)

    def place(self, sim, ids, params):
        self.window.place(ids, params["window_pos"], self.start_opening)

    def goal(self, params):
        return handle_at(params["window_pos"], self.goal_opening)

    def objects(self, sim):
        return (self.window.handle(), self.window.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        tcp, handle = self.gripper.tcp(), self.window.handle()
        to_handle = np.linalg.norm(tcp - handle, axis=1)
        to_goal = np.abs(handle[:, 0] - goal[:, 0])
        success = to_goal <= SUCCESS_DISTANCE
        terms = {
            "reach": rewards.tolerance(to_handle, 0.03, 0.3),
            "slide": rewards.tolerance(to_goal, SUCCESS_DISTANCE, 0.2),
        }
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": to_handle <= 0.05, "grasp_success": np.zeros_like(success),
                  "obj_to_target": to_goal},
        )


def push_sideways(o: obs_lib.Obs, direction: float, standoff: float = 0.035, approach: float = 0.08) -> np.ndarray:
    """Expert skeleton: push the observed handle along x (``direction`` +1 or -1) to the goal's x.

    With the fingers closed into a paddle, the hand comes in from the robot's
    side at the handle's height, ``standoff`` behind the handle (on the side it
    pushes from), then pushes until the handle reaches the goal. Phases are
    read off the observation alone, so the policy starts over by itself when
    it loses the handle.
    """
    tcp = o.hand + scene.TCP_OFFSET
    h = o.obj1_pos
    n = h.shape[0]
    d = float(direction)
    behind = h + np.array([-d * standoff, 0.0, 0.0])
    in_front = behind + np.array([0.0, -approach, 0.0])
    lead = d * (h[:, 0] - tcp[:, 0])  # how far the handle is ahead of the tcp
    in_lane = (np.abs(tcp[:, 1] - h[:, 1]) < 0.012) & (np.abs(tcp[:, 2] - h[:, 2]) < 0.012)
    pushing = in_lane & (lead > 0.012) & (lead < standoff + 0.01)
    lined_up = (np.abs(tcp[:, 0] - behind[:, 0]) < 0.01) & (np.abs(tcp[:, 2] - behind[:, 2]) < 0.01)
    target = np.where(lined_up[:, None], behind, in_front)
    # the fingers' faces are 0.02 behind the bar's axis (the palm, on the upper post, 0.027): stop
    # with the handle about 2 cm short of the goal, well inside the success band and the rail's travel
    stop = np.c_[o.goal[:, 0] - d * 0.045, h[:, 1], h[:, 2]]
    target = np.where(pushing[:, None], stop, target)
    return ex.action(ex.move_toward(tcp, target), np.ones(n))
