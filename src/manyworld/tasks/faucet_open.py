"""faucet-open: turn a faucet's lever to the right.

Description:
    A faucet stands on the table, its lever pointing at the robot. The lever
    turns about the faucet's vertical column (a hinge with limits of about
    100 degrees either way, damping and dry friction: it turns while pushed
    and stays where it is left) and ends, 0.175 m from the column, in an
    upright knob. Push the knob round to the right (+x), a quarter turn
    counter-clockwise seen from above, to the green goal marker.
    Meta-World's ``faucet-open-v3``.
    The hand starts at Meta-World's (0, 0.4, 0.2) and keeps the default
    workspace: Meta-World lowers its floor to z = -0.15 for the faucets, but
    the knob here is pushed 0.13 above the table, well inside the default.

Randomization:
    - ``faucet_pos``: x in [-0.05, 0.05], y in [0.8, 0.85], z = 0 (Meta-World's
      range; the faucet stands on the table). The lever's handle point starts
      at faucet + (0, -0.175, 0.125).
    - The goal is faucet + (0.175, 0, 0.125), as in Meta-World: where the
      handle point lies with the lever turned 90 degrees.

Success:
    ``|handle - goal| <= 0.07`` (Meta-World's threshold): the lever is turned
    at least 67 degrees. The handle point is the knob's axis at the goal's
    height (Meta-World measures a point offset from its handle site by
    (-0.04, 0, 0.03); ours lies on the circle the goal is on).

Reward terms:
    - ``reach``: tolerance(|tcp - handle|, bound 0.03, margin 0.3).
    - ``turn``: tolerance(|handle - goal|, bound 0.07, margin 0.25).
    Reward = 10 on success, else 9 * (0.3 reach + 0.7 turn).

Version history:
    - v1: first version.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import faucet_dial_parts as fd
from manyworld.sim import scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task, register
from manyworld.tasks.common import Gripper, zeros_obj
from manyworld.tasks.params import TaskParams, param

SUCCESS_DISTANCE = 0.07
NAME = "faucet"
# Meta-World's hand start of the faucet tasks.
FAUCET_HAND_START = (0.0, 0.4, 0.2)
# Lever angle (rad) the expert turns to: the goal's.
EXPERT_ANGLE = np.pi / 2


@dataclass(frozen=True)
class FaucetOpenParams(TaskParams):
    faucet_pos: tuple[float, float, float] = param((-0.05, 0.8, 0.0), (0.05, 0.85, 0.0), "faucet column")


def wrap(angle: np.ndarray) -> np.ndarray:
    """Angles wrapped to [-pi, pi)."""
    return (angle + np.pi) % (2 * np.pi) - np.pi


def push_around(o: obs_lib.Obs, centre: np.ndarray, direction: float, goal_polar: np.ndarray | float,
                ahead: float = 0.03, standoff: float = 0.03, push_dz: float = 0.005,
                hover: float = 0.06) -> np.ndarray:
    """Expert skeleton of the faucet and dial tasks: push the observed knob round a vertical axis.

    The knob (obs object 1) turns about the vertical axis through ``centre``;
    ``direction`` is +1 to push it counter-clockwise (seen from above), -1
    clockwise, until its polar angle about the axis reaches ``goal_polar``.
    With the fingers closed into a paddle, the hand comes down ``standoff``
    behind the knob (along the direction it moves), at the knob's height, and
    pushes along the tangent of the knob's circle, ``ahead`` at a time (less
    over the last few centimetres of arc, so as not to overshoot). Done, it
    rises. Phases are read off the observation alone, so the policy starts
    over by itself when it loses the knob.
    """
    tcp = o.hand + scene.TCP_OFFSET
    knob = o.obj1_pos
    n = knob.shape[0]
    rel = knob[:, :2] - centre[:, :2]
    polar = np.arctan2(rel[:, 1], rel[:, 0])
    remaining = direction * wrap(goal_polar - polar)
    tangent = direction * np.c_[-np.sin(polar), np.cos(polar), np.zeros(n)]
    push_z = knob[:, 2:3] + push_dz
    behind = np.c_[knob[:, :2] - standoff * tangent[:, :2], push_z]
    near_xy = ex.near(tcp, behind, 0.012, slice(0, 2))
    at_height = np.abs(tcp[:, 2] - behind[:, 2]) < 0.012
    low = tcp[:, 2] < push_z[:, 0] + 0.5 * hover
    lift = np.c_[tcp[:, :2], push_z + hover]
    target = np.where((low & ~near_xy)[:, None], lift, behind + np.array([0.0, 0.0, hover]))
    target = np.where(near_xy[:, None], behind, target)
    step = np.clip(remaining * np.linalg.norm(rel, axis=1), 0.008, ahead)[:, None]
    target = np.where((near_xy & at_height)[:, None], behind + step * tangent, target)
    target = np.where((remaining <= 0)[:, None], lift, target)
    return ex.action(ex.move_toward(tcp, target), np.ones(n))


class FaucetTask(Task):
    """What faucet-open and faucet-close share: the scene, the observation and the reward."""

    hand_start = FAUCET_HAND_START
    Params = FaucetOpenParams
    # Lever angle at the goal (rad): +90 degrees opens (to +x), -90 closes (to -x).
    goal_angle: float = EXPERT_ANGLE

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
        shaped = 0.3 * terms["reach"] + 0.7 * terms["turn"]
        return Evaluation(
            reward=rewards.finish(shaped, success),
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


@register
class FaucetOpen(FaucetTask):
    __doc__ = __doc__
    name = "faucet-open"
    tags = ("ML45-train",)
    Params = FaucetOpenParams
    goal_angle = EXPERT_ANGLE

    @staticmethod
    def expert(obs):
        """Close the fingers, come down left of the knob and push it round to the right."""
        return turn_faucet(obs, EXPERT_ANGLE)
