"""drawer-close: push an open drawer back into its cabinet.

Description:
    A cabinet stands on the table with its drawer pulled out 0.15 m. The
    drawer runs on a rail (a slide joint along y with limits, damping and dry
    friction: it glides while pushed and stays where it is left). Push it
    closed, until its handle is near the green goal marker at the closed
    handle position. Meta-World's ``drawer-close-v3``.

Randomization:
    - ``cabinet_pos``: x in [-0.1, 0.1], y = 0.9, z = 0 (Meta-World's range).
      The drawer starts open 0.15 m: the handle is at cabinet + (0, -0.32, 0.075).
    - The goal is the closed handle position, cabinet + (0, -0.17, 0.075).
      Meta-World's goal lies 0.01 behind its closed handle; here it is the
      closed handle itself.

Success:
    ``|handle - goal| <= 0.03``: the drawer is shut to within 3 cm.
    Meta-World's threshold is 0.065 (a drawer left 6.5 cm open counts as
    closed). The hand starts right above the open drawer's front, and the
    flailing of a uniform random policy pushes the drawer in (pushes ratchet:
    nothing pulls it back out). With 0.065 that closes it far enough in 5.5 %
    of random episodes here (about 10 % with Meta-World's 0.09 m handle
    height), above the 4 % a baseline may reach; with 0.03 it is 1.0 %
    (20 of 2000 episodes, 95 % upper bound 1.4 %), while the expert
    succeeds in every variation.

    Why 3 cm and not 2 (v2): the way both learners found to shut the drawer
    (PPO and SAC, trained on the dense reward) is to lower the open fingers
    over the front panel, so that the panel sits between them, and push. The
    rear finger, inside the drawer, meets the cabinet's top wall with the
    handle 2.1-2.5 cm short of the goal: a drawer pushed as far as it goes
    failed by one millimetre in most variations (PPO 0.32 at 1M env steps,
    SAC seed 1 0.82 at 200k), and which it did hinged on the fingers'
    contact, not on the skill. 3 cm keeps the threshold at half of
    Meta-World's.

Reward terms:
    - ``reach``: tolerance(|tcp - handle|, bound 0.04, margin 0.3).
    - ``close``: tolerance(|handle - goal|, bound 0.03, margin 0.15).
    Reward = 10 on success, else 9 * (0.3 reach + 0.7 close).

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import cabinet_parts, scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import Task, register
from manyworld.tasks.common import Gripper, zeros_obj
from manyworld.tasks.families.drawer import (
    NAME,
    Drawer,
    closed_handle,
    drawer_evaluation,
    hook_then_move,
)
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.03  # v3; 0.02 in v1-v2 (see Success in the docstring)
START_OPENING = 0.15  # how far the drawer is pulled out at the start


@dataclass(frozen=True)
class DrawerCloseParams(TaskParams):
    cabinet_pos: tuple[float, float, float] = param((-0.1, 0.9, 0.0), (0.1, 0.9, 0.0), "cabinet on the table")


@register
class DrawerClose(Task):
    __doc__ = __doc__
    name = "drawer-close"
    version = 3
    Params = DrawerCloseParams
    reward_weights = RewardWeights(reach=0.3, close=0.7)

    def build(self, spec):
        cabinet_parts.add_drawer_cabinet(spec, NAME)

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.drawer = Drawer(sim)

    def place(self, sim, ids, params):
        self.drawer.place(ids, params["cabinet_pos"], START_OPENING)

    def goal(self, params):
        return closed_handle(params["cabinet_pos"])

    def objects(self, sim):
        return (self.drawer.handle_pos(), self.drawer.handle_quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        return drawer_evaluation(self.gripper, self.drawer, goal, SUCCESS_DISTANCE, "close", START_OPENING,
                                 self.reward_weights)

    @staticmethod
    def expert(obs):
        """Lower the closed fingers in front of the handle bar, then push it to the goal."""
        o = obs_lib.parse(obs)
        tcp = o.hand + scene.TCP_OFFSET
        # closed fingers reach 0.014 behind the TCP: they stop 7 mm in front of the bar
        hook = o.obj1_pos + np.array([0.0, -0.03, 0.0])
        return ex.action(ex.move_toward(tcp, hook_then_move(tcp, hook, o.goal - o.obj1_pos)), 1.0)
