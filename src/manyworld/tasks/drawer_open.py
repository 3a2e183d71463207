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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import cabinet_parts, scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task, register
from manyworld.tasks.common import Gripper, zeros_obj
from manyworld.tasks.params import TaskParams, param

SUCCESS_DISTANCE = 0.03
OPEN_DISTANCE = 0.2  # how far the goal is in front of the closed handle
NAME = "drawer"


@dataclass(frozen=True)
class DrawerOpenParams(TaskParams):
    cabinet_pos: tuple[float, float, float] = param((-0.1, 0.9, 0.0), (0.1, 0.9, 0.0), "cabinet on the table")


class Drawer:
    """The drawer's named quantities over the batch, shared by drawer-open and drawer-close."""

    def __init__(self, sim, name: str = NAME):
        self.sim = sim
        self.handle = sim.body_id(f"{name}_handle")
        self.base = sim.mocap_id(f"{name}_cabinet")
        self.qpos = sim.qpos_slice(f"{name}_slide").start
        self.qvel = sim.qvel_slice(f"{name}_slide").start

    def place(self, ids: np.ndarray, cabinet_pos: np.ndarray, opening: float) -> None:
        """Put the cabinet of worlds ``ids`` at ``cabinet_pos`` with the drawer ``opening`` m out, at rest."""
        self.sim.mocap_pos[ids, self.base] = cabinet_pos
        self.sim.qpos[ids, self.qpos] = opening
        self.sim.qvel[ids, self.qvel] = 0.0

    def handle_pos(self) -> np.ndarray:
        return self.sim.xpos[:, self.handle]

    def handle_quat(self) -> np.ndarray:
        return self.sim.xquat[:, self.handle]


def closed_handle(cabinet_pos: np.ndarray) -> np.ndarray:
    """(k, 3) handle position of a closed drawer in a cabinet at ``cabinet_pos``."""
    return cabinet_pos + cabinet_parts.DRAWER_HANDLE_OFFSET


def drawer_evaluation(gripper, drawer, goal: np.ndarray, success_distance: float, term: str,
                      margin: float) -> Evaluation:
    """Reward, success and info of the drawer tasks: bring the handle to the goal.

    Terms: ``reach`` = tolerance(|tcp - handle|, 0.04, 0.3) and ``term`` (``open`` or
    ``close``) = tolerance(|handle - goal|, success_distance, margin); reward = 10 on
    success, else 9 * (0.3 reach + 0.7 term).
    """
    tcp, handle = gripper.tcp(), drawer.handle_pos()
    to_handle = np.linalg.norm(tcp - handle, axis=1)
    to_goal = np.linalg.norm(handle - goal, axis=1)
    success = to_goal <= success_distance
    terms = {
        "reach": rewards.tolerance(to_handle, 0.04, 0.3),
        term: rewards.tolerance(to_goal, success_distance, margin),
    }
    shaped = 0.3 * terms["reach"] + 0.7 * terms[term]
    return Evaluation(
        reward=rewards.finish(shaped, success),
        success=success,
        terms=terms,
        info={"near_object": to_handle <= 0.05, "grasp_success": np.zeros_like(success),
              "obj_to_target": to_goal},
    )


@register
class DrawerOpen(Task):
    __doc__ = __doc__
    name = "drawer-open"
    tags = ("MT10", "ML10-test", "ML45-train")
    Params = DrawerOpenParams

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
        return drawer_evaluation(self.gripper, self.drawer, goal, SUCCESS_DISTANCE, "open", OPEN_DISTANCE)

    @staticmethod
    def expert(obs):
        """Lower the open fingers around the handle bar, then pull it to the goal with the rear finger."""
        o = obs_lib.parse(obs)
        tcp = o.hand + scene.TCP_OFFSET
        # the rear finger (0.045..0.057 behind the TCP) goes down between the bar and the drawer front
        hook = o.obj1_pos + np.array([0.0, -0.03, -0.02])
        return ex.action(ex.move_toward(tcp, hook_then_move(tcp, hook, o.goal - o.obj1_pos)), -1.0)


def hook_then_move(tcp: np.ndarray, hook: np.ndarray, shift: np.ndarray, hover: float = 0.08) -> np.ndarray:
    """TCP target of a handle expert: above ``hook``, down onto it, then along ``shift``.

    Stateless: the phase is read off where the TCP is relative to ``hook``
    (which moves with the handle), so a slip sends the hand back to re-hook.
    """
    above = np.c_[hook[:, :2], hook[:, 2:3] + hover]
    aligned = ex.near(tcp, hook, 0.012, slice(0, 2))
    hooked = ex.near(tcp, hook, 0.02, slice(0, 2)) & (np.abs(tcp[:, 2] - hook[:, 2]) < 0.015)
    # rise before moving across when below the hover height and not over the hook
    rise = ~ex.near(tcp, hook, 0.03, slice(0, 2)) & (tcp[:, 2] < hook[:, 2] + 0.5 * hover)
    target = np.where(rise[:, None], np.c_[tcp[:, :2], above[:, 2:3]], above)
    target = np.where(aligned[:, None], hook, target)
    return np.where(hooked[:, None], hook + shift, target)
