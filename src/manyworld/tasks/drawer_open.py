"""drawer-open: pull a drawer out of its cabinet by the handle.

Description:
    A cabinet stands on the table with its single drawer closed. The drawer
    runs on a rail (a slide joint along y with limits, damping and dry
    friction: it glides while pulled and stays where it is left). Pull it out
    by its handle bar until the handle reaches the green goal marker, 0.2 m in
    front of where it started. Meta-World's ``drawer-open-v3``.

Randomization:
    - ``cabinet_pos``: x in [-0.1, 0.1], y = 0.9, z = 0 (Meta-World's range).
      The closed handle is at cabinet + (0, -0.17, 0.075): y as in Meta-World,
      1.5 cm lower than Meta-World's 0.09 because the cabinet is a low one
      (0.12 m; see drawer-close for why).
    - The goal is the handle pulled out 0.2 m (-y), derived from the cabinet.

Success:
    ``|handle - goal| <= 0.03`` (Meta-World's threshold), i.e. the drawer is
    pulled out between 0.17 and 0.22 m (its travel ends at 0.22). The rail
    has 20 N of dry friction and 10 N s/m of damping: a firm drawer that
    stops within millimetres when the hand stops pulling.

Reward terms:
    - ``reach``: tolerance(|tcp - handle|, bound 0.04, margin 0.3).
    - ``open``: tolerance(|handle - goal|, bound 0.03, margin 0.2).
    Reward = 10 on success, else 9 * (0.3 reach + 0.7 open).

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

SUCCESS_DISTANCE = 0.03
OPEN_DISTANCE = 0.2  # how far the goal is in front of the closed handle


@dataclass(frozen=True)
class DrawerOpenParams(TaskParams):
    cabinet_pos: tuple[float, float, float] = param((-0.1, 0.9, 0.0), (0.1, 0.9, 0.0), "cabinet on the table")


@register
class DrawerOpen(Task):
    __doc__ = __doc__
    name = "drawer-open"
    version = 2
    Params = DrawerOpenParams
    reward_weights = RewardWeights(reach=0.3, open=0.7)

    def build(self, spec):
        cabinet_parts.add_drawer_cabinet(spec, NAME)

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.drawer = Drawer(sim)

    def place(self, sim, ids, params):
        self.drawer.place(ids, params["cabinet_pos"], 0.0)

    def goal(self, params):
        return closed_handle(params["cabinet_pos"]) + np.array([0.0, -OPEN_DISTANCE, 0.0])

    def objects(self, sim):
        return (self.drawer.handle_pos(), self.drawer.handle_quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        return drawer_evaluation(self.gripper, self.drawer, goal, SUCCESS_DISTANCE, "open", OPEN_DISTANCE,
                                 self.reward_weights)

    @staticmethod
    def expert(obs):
        """Lower the open fingers around the handle bar, then pull it to the goal with the rear finger."""
        o = obs_lib.parse(obs)
        tcp = o.hand + scene.TCP_OFFSET
        # the rear finger (0.045..0.057 behind the TCP) goes down between the bar and the drawer front
        hook = o.obj1_pos + np.array([0.0, -0.03, -0.02])
        return ex.action(ex.move_toward(tcp, hook_then_move(tcp, hook, o.goal - o.obj1_pos)), -1.0)

