"""peg-unplug-side: pull a plug sideways out of a wall socket.

Description:
    A socket block stands on the table to the left, its hole facing +x; a
    plug is seated in it: a square prong 6 cm deep in the hole and a dark grip
    sticking out. Grasp the grip (the fingers close across it along y) and
    pull the plug out along +x. Meta-World's ``peg-unplug-side-v3``.

Randomization:
    - ``socket_pos`` (the socket's base on the table): x in [-0.25, -0.15],
      y in [0.6, 0.8], z = 0 (Meta-World's z in [-0.001, 0.001], a jitter
      that changes nothing, is dropped). The plug's grasp point (the observed
      position, on the grip) starts at ``socket_pos + (0.045, 0, 0.126)``
      (Meta-World's plug body: + (0.044, 0, 0.131)).
    - The goal is 0.15 m along +x from the grasp point's start (Meta-World's
      target, plug start + (0.15, 0, 0)).

Success:
    ``|grasp point - goal| <= 0.07`` (Meta-World's threshold). Meta-World
    measures its plug's outer end, which starts 0.11 from the goal, so that a
    4 cm pull counts; ours measures the grip, which starts 0.15 from the
    goal, so that success needs a pull of at least 8 cm, which takes the 6 cm
    prong entirely out of the socket: success means unplugged.

Reward terms:
    - ``reach``: tolerance(|tcp - grasp point|, bound 0.02, margin 0.2).
    - ``grasp``: 1 while the fingers hold the grip, else 0.
    - ``in_place``: tolerance(|grasp point - goal|, bound 0.07, margin 0.15).
    Reward = 10 on success, else 9 * (0.2 reach + 0.15 grasp + 0.65 in_place).

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import nut_plug_parts as npp
from manyworld.sim import scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task, register
from manyworld.tasks.common import FreeBody, Gripper, zeros_obj
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights

SUCCESS_DISTANCE = 0.07
PULL = np.array([0.15, 0.0, 0.0])


@dataclass(frozen=True)
class PegUnplugSideParams(TaskParams):
    socket_pos: tuple[float, float, float] = param((-0.25, 0.6, 0.0), (-0.15, 0.8, 0.0),
                                                   "base of the socket block")


@register
class PegUnplugSide(Task):
    __doc__ = __doc__
    name = "peg-unplug-side"
    version = 2
    Params = PegUnplugSideParams
    reward_weights = RewardWeights(reach=0.2, grasp=0.15, in_place=0.65)

    def build(self, spec):
        npp.add_socket(spec, "socket")
        npp.add_plug(spec, "plug")

    def bind(self, sim):
        self.sim = sim
        self.gripper = Gripper(sim)
        self.plug = FreeBody(sim, "plug")
        self.grasp = sim.site_id("plug_grasp")
        self.socket = sim.mocap_id("socket")

    def place(self, sim, ids, params):
        sim.mocap_pos[ids, self.socket] = params["socket_pos"]
        self.plug.place(ids, params["socket_pos"] + npp.PLUG_OFFSET)

    def goal(self, params):
        return params["socket_pos"] + npp.PLUG_GRASP_OFFSET + PULL

    def objects(self, sim):
        return (sim.site_xpos[:, self.grasp], self.plug.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        tcp, plug = self.gripper.tcp(), sim.site_xpos[:, self.grasp]
        to_plug = np.linalg.norm(tcp - plug, axis=1)
        to_goal = np.linalg.norm(plug - goal, axis=1)
        success = to_goal <= SUCCESS_DISTANCE
        held = self.gripper.holds(plug, npp.GRIP_HALF[1])
        terms = {
            "reach": rewards.tolerance(to_plug, 0.02, 0.2),
            "grasp": held.astype(np.float64),
            "in_place": rewards.tolerance(to_goal, SUCCESS_DISTANCE, 0.15),
        }
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": to_plug <= 0.03, "grasp_success": held,
                  "obj_to_target": to_goal},
        )

    @staticmethod
    def expert(obs):
        """Grasp the grip from above and pull the plug along +x to the goal."""
        o = obs_lib.parse(obs)
        plug, goal = o.obj1_pos, o.goal
        tcp = o.hand + scene.TCP_OFFSET
        destination = tcp + (goal - plug)
        return ex.grasp_and_carry(o, plug, destination)
