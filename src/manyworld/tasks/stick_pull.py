"""stick-pull: hook a stick into a container's handle and pull the container to a goal.

Description:
    A stick (a 24 cm square bar, yellow tip towards +x) lies on the table
    along x. To its right stands a thermos-like container on two slide joints
    (it slides on the table along x and y, with damping and dry friction, and
    stays where it is left), its loop handle facing the robot (-y), open
    towards the stick. Grasp the stick, lift it to the handle's height, push
    its tip into the loop and drag the container with it, right and towards
    the robot, until the handle is over the green goal marker on the table.
    Meta-World's ``stick-pull-v3``. The observation's second object slot
    holds the handle's position (inside the loop) and the container's
    orientation.

    Unlike Meta-World's loop, ours is closed at its far (+x) side, 4.5 cm
    behind the entry: the stick's tip, pushed in, stops there and drags the
    container along +x as well as sideways (through Meta-World's open loop the
    stick slides freely along x, and its expert moves the container along x
    with the fingers). The stick and the container are those of stick-push
    (a 24 cm bar; the container on x/y slide joints with damping and dry
    friction).

Randomization:
    - ``stick_pos`` (the stick's centre): x in [-0.1, 0], y in [0.55, 0.65],
      z = 0.012 (lying on the table), Meta-World's range.
    - ``goal_pos``: x in [0.35, 0.45], y in [0.45, 0.55], z = 0.02 (on the
      table), Meta-World's range. The handle starts at (0.2, 0.6, 0.132), as
      Meta-World's.
    - Stick and goal are at least 0.1 apart in xy (as Meta-World; the ranges
      already keep them further apart).
    - The hand's workspace reaches down to y = 0.35 (Meta-World's).

Success:
    ``|handle - goal| <= 0.12`` with the stick's tip inserted in the handle:
    tip x >= handle x, ``|tip y - handle y| <= 0.04``,
    ``|tip z - handle z| <= 0.06`` (Meta-World's conditions and thresholds).
    The handle stays 0.132 above the table and the goal lies on it (z 0.02),
    so the handle has to come within 0.043 of the goal in xy, as in
    Meta-World.

Reward terms:
    - ``reach``: tolerance(|tcp - stick centre|, bound 0.02, margin 0.2).
    - ``grasp``: 1 while the fingers hold the stick lifted, else 0.
    - ``insert``: tolerance(|stick tip - point 2.5 cm inside the loop|,
      bound 0.02, margin 0.3) while the stick is held lifted, else 0.
    - ``in_place``: tolerance(|handle - goal|, bound 0.12, margin 0.3) while
      the tip is inserted, else 0.
    Reward = 10 on success, else
    9 * (0.1 reach + 0.1 grasp + 0.2 insert + 0.6 in_place).

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import tool_parts as tp
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, register
from manyworld.tasks.families.stick import CARRY_SPEED, StickTask, carry_stick, stick_tip
from manyworld.tasks.params import TaskParams, param, xy_distance
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.12
# Meta-World's insertion test: tip past the handle along x, and this close across.
INSERT_Y = 0.04
INSERT_Z = 0.06
# Where the handle starts: the container's foot is this far behind it (+y).
HANDLE_START = np.array([0.2, 0.6, tp.HANDLE[2]])
CONTAINER_POS = (HANDLE_START[0] - tp.HANDLE[0], HANDLE_START[1] - tp.HANDLE[1], 0.0)
# The tip's place in the loop while dragging: 2.5 cm past the handle's middle
# (the plate closing the loop is at HANDLE_BACK).
HANDLE_BACK = tp.HANDLE_ENTRY_X + tp.HANDLE_DEPTH - tp.HANDLE[0]
TIP_IN = 0.025
# How far in front of the entry the tip lines up before going in.
LINE_UP = 0.06
# Largest action per axis while dragging the container (the tip pulls at the
# end of a 12 cm lever; slower is gentler on the grip).
DRAG_SPEED = 0.3


@dataclass(frozen=True)
class StickPullParams(TaskParams):
    stick_pos: tuple[float, float, float] = param((-0.1, 0.55, tp.STICK_REST_Z), (0.0, 0.65, tp.STICK_REST_Z),
                                                  "stick centre, lying on the table")
    goal_pos: tuple[float, float, float] = param((0.35, 0.45, 0.02), (0.45, 0.55, 0.02),
                                                 "where to pull the handle to (on the table below it)")

    @classmethod
    def constraint(cls, f):
        return xy_distance(f["stick_pos"], f["goal_pos"]) >= 0.1


def inserted(tip: np.ndarray, handle: np.ndarray) -> np.ndarray:
    """(N,) bool: Meta-World's test of the stick's tip being in the handle."""
    d = tip - handle
    return (d[:, 0] >= 0.0) & (np.abs(d[:, 1]) <= INSERT_Y) & (np.abs(d[:, 2]) <= INSERT_Z)


@register
class StickPull(StickTask):
    __doc__ = __doc__
    name = "stick-pull"
    version = 2
    Params = StickPullParams
    reward_weights = RewardWeights(reach=0.1, grasp=0.1, insert=0.2, in_place=0.6)
    container_pos = CONTAINER_POS
    workspace = ((-0.5, 0.35, 0.05), (0.5, 1.0, 0.5))

    def objects(self, sim):
        return self.stick.pos(), self.stick.quat(), self.container.handle(), self.container.quat()

    def evaluate(self, sim, goal):
        tcp, stick, handle = self.gripper.tcp(), self.stick.pos(), self.container.handle()
        tip = sim.site_xpos[:, self.tip]
        to_stick = np.linalg.norm(tcp - stick, axis=1)
        to_goal = np.linalg.norm(handle - goal, axis=1)
        is_in = inserted(tip, handle)
        success = (to_goal <= SUCCESS_DISTANCE) & is_in
        _, lifted = self.held_lifted()
        slot = handle + np.array([TIP_IN, 0.0, 0.0])
        terms = {
            "reach": rewards.tolerance(to_stick, 0.02, 0.2),
            "grasp": lifted.astype(np.float64),
            "insert": np.where(lifted, rewards.tolerance(np.linalg.norm(tip - slot, axis=1), 0.02, 0.3), 0.0),
            "in_place": np.where(is_in, rewards.tolerance(to_goal, SUCCESS_DISTANCE, 0.3), 0.0),
        }
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": to_stick <= 0.03, "grasp_success": lifted, "obj_to_target": to_goal},
        )

    @staticmethod
    def expert(obs):
        """Grasp the stick, lift it to the handle, push the tip into the loop, drag the handle over the goal."""
        o = obs_lib.parse(obs)
        handle, goal = o.obj2_pos, o.goal
        tip = stick_tip(o)
        entry = handle[:, 0] + tp.HANDLE_ENTRY_X
        ready = np.c_[entry - LINE_UP, handle[:, 1:]]
        yz_err = np.linalg.norm((tip - handle)[:, 1:], axis=1)
        lined_up = (yz_err < 0.008) & (tip[:, 0] < entry + 0.005)
        # in the loop (the loop itself bounds the tip across, inside Meta-World's tolerances)
        d = tip - handle
        inside = (np.abs(d[:, 1]) < INSERT_Y) & (np.abs(d[:, 2]) < INSERT_Z) & (tip[:, 0] > entry + 0.005)
        slot = np.c_[handle[:, 0] + TIP_IN, handle[:, 1:]]
        # dragging: the tip goes where it puts the handle on the goal (in xy). The
        # loop's plate takes the pull along +x, its post along -y and the body's face
        # along +y; it cannot pull along -x (the tip would slide out), so a handle
        # past the goal's x stays there
        want = np.c_[np.maximum(goal[:, 0], handle[:, 0]), goal[:, 1]]
        drag = np.c_[want + (tip - handle)[:, :2], handle[:, 2]]
        in_slot = inside & (tip[:, 0] > handle[:, 0] + TIP_IN - 0.008)
        target = np.where(lined_up[:, None], slot, ready)
        target = np.where(inside[:, None], slot, target)
        target = np.where(in_slot[:, None], drag, target)
        return carry_stick(o, target, handle[:, 2], np.where(in_slot, DRAG_SPEED, CARRY_SPEED))
