"""assembly: pick up a nut by its handle and slide it down onto a peg.

Description:
    A square nut with a handle bar lies flat on the table in front of the
    gripper; a round peg stands further back. Grasp the nut by its handle,
    lift it above the peg, bring its hole over the peg and lower it so that
    the ring slides down around the peg. Meta-World's ``assembly-v3``.

Randomization:
    - ``nut_pos`` (the ring's centre): fixed at (0, 0.6, 0.015), as in
      Meta-World (whose nut lies at (0, 0.6, 0.02)); the handle's grasp point
      is 0.13 along +x from it, as Meta-World's observed nut position.
    - ``peg_pos`` (the peg's foot on the table): x in [-0.1, 0.1], y in
      [0.75, 0.85], z = 0. The goal is the peg's top, ``peg_pos + (0, 0,
      0.1)`` (Meta-World's pegTop target, z = 0.1).
    - Nut and peg are at least 0.10 m apart in xy (as Meta-World; the ranges
      already keep them at least 0.15 apart).

Success:
    The ring's centre is within 0.02 of the peg's axis in xy and below the
    peg's top (Meta-World's condition: "aligned and hooked"). The ring's hole
    (5 cm square) fits around the peg (2.4 cm thick) only when aligned, so
    success means the nut is on the peg.

Reward terms:
    - ``reach``: tolerance(|tcp - handle grasp point|, bound 0.02, margin 0.2).
    - ``grasp``: 1 while the fingers hold the handle, else 0.
    - ``in_place``: tolerance of the ring's distance to a funnel over the peg,
      |(dx, dy, 3 dz)| with bound 0.02 and margin 0.4; the funnel's height is
      0.04 above the peg's top while the ring is more than 5 cm off the axis
      and falls to 0.05 below the top as it lines up (after Meta-World's
      funnel).
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
from manyworld.tasks.params import TaskParams, param, xy_distance
from manyworld.tasks.rewards import RewardWeights

SUCCESS_RADIUS = 0.02
PEG_TOP = np.array([0.0, 0.0, npp.PEG_TOP])
# The nut counts as lifted (grasp_success) this far above its resting height.
LIFTED = 0.01
# Funnel of the in_place term and of the expert: ring-centre heights over the peg.
SAFE_HEIGHT = npp.PEG_TOP + 0.04  # the ring's bottom clears the top by 1 cm
LOW_HEIGHT = npp.PEG_TOP - 0.05
FUNNEL_RADIUS = 0.05


@dataclass(frozen=True)
class AssemblyParams(TaskParams):
    nut_pos: tuple[float, float, float] = param((0.0, 0.6, npp.NUT_REST_Z), (0.0, 0.6, npp.NUT_REST_Z),
                                                "ring centre of the nut (fixed, as Meta-World)")
    peg_pos: tuple[float, float, float] = param((-0.1, 0.75, 0.0), (0.1, 0.85, 0.0), "foot of the peg")

    @classmethod
    def constraint(cls, f):
        return xy_distance(f["nut_pos"], f["peg_pos"]) >= 0.10


@register
class Assembly(Task):
    __doc__ = __doc__
    name = "assembly"
    version = 2
    Params = AssemblyParams
    reward_weights = RewardWeights(reach=0.2, grasp=0.15, in_place=0.65)

    def build(self, spec):
        npp.add_nut(spec, "nut")
        npp.add_peg_post(spec, "peg")

    def bind(self, sim):
        self.sim = sim
        self.gripper = Gripper(sim)
        self.nut = FreeBody(sim, "nut")
        self.handle = sim.site_id("nut_handle")
        self.peg = sim.mocap_id("peg")

    def place(self, sim, ids, params):
        self.nut.place(ids, params["nut_pos"])
        sim.mocap_pos[ids, self.peg] = params["peg_pos"]

    def goal(self, params):
        return params["peg_pos"] + PEG_TOP

    def objects(self, sim):
        return (sim.site_xpos[:, self.handle], self.nut.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        tcp, ring = self.gripper.tcp(), self.nut.pos()
        handle = sim.site_xpos[:, self.handle]
        to_handle = np.linalg.norm(tcp - handle, axis=1)
        radius = xy_distance(ring, goal)
        success = (radius <= SUCCESS_RADIUS) & (ring[:, 2] < goal[:, 2])
        held = self.gripper.holds(handle, npp.NUT_HANDLE_HALF_WIDTH)
        over = np.clip((radius - 0.01) / (FUNNEL_RADIUS - 0.01), 0.0, 1.0)
        funnel_z = goal[:, 2] - PEG_TOP[2] + LOW_HEIGHT + over * (SAFE_HEIGHT - LOW_HEIGHT)
        funnel_err = np.linalg.norm(np.c_[ring[:, :2] - goal[:, :2], 3.0 * (funnel_z - ring[:, 2])], axis=1)
        terms = {
            "reach": rewards.tolerance(to_handle, 0.02, 0.2),
            "grasp": held.astype(np.float64),
            "in_place": rewards.tolerance(funnel_err, 0.02, 0.4),
        }
        lifted = ring[:, 2] > npp.NUT_REST_Z + LIFTED
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": to_handle <= 0.03, "grasp_success": held & lifted,
                  "obj_to_target": radius},
        )

    @staticmethod
    def expert(obs):
        """Grasp the handle, lift the nut above the peg, line the ring up with the peg, lower it."""
        o = obs_lib.parse(obs)
        handle, peg_top = o.obj1_pos, o.goal
        tcp = o.hand + scene.TCP_OFFSET
        ring = npp.ring_centre(handle, o.obj1_quat)
        base_z = peg_top[:, 2] - PEG_TOP[2]
        err = np.linalg.norm(ring[:, :2] - peg_top[:, :2], axis=1)
        lined_up = err < 0.008
        low = ring[:, 2] < base_z + SAFE_HEIGHT - 0.01
        # lined up: lower onto the peg; else first rise to the safe height, then move over the peg
        ring_target = np.where(lined_up[:, None], np.c_[peg_top[:, :2], base_z + LOW_HEIGHT],
                               np.c_[peg_top[:, :2], base_z + SAFE_HEIGHT])
        around_peg = (err < npp.NUT_HOLE_HALF) & (ring[:, 2] < peg_top[:, 2])
        rise = low & ~lined_up & ~around_peg
        ring_target = np.where(rise[:, None], np.c_[ring[:, :2], base_z + SAFE_HEIGHT], ring_target)
        # the TCP moves by what the ring still has to move
        destination = tcp + (ring_target - ring)
        return ex.grasp_and_carry(o, handle, destination)
