"""hammer: pick up a hammer and drive a nail into a block with it.

Description:
    A hammer (25 cm, 0.35 kg) lies on the table along x, its head (+x end)
    towards a wooden block on the right. A nail sticks out of the block's
    front face towards the robot, 0.11 above the table. Grasp the hammer by
    its handle, lift it, bring the head's face in front of the nail head and
    drive it forward (+y) until the nail is in. The nail slides into the
    block on a joint with dry friction (3 N) and damping (10 N s/m): it does
    not move when nudged, the hammer has to be driven against it, and it
    stays where it is left. Meta-World's ``hammer-v3``. The observation's
    second object slot holds the nail head's position and the nail's
    orientation.

    Meta-World's hammer weighs 1.1 kg and its nail slides freely; ours is
    lighter, so that a two-finger grip of about 15 N per finger carries it
    without slipping, and its nail resists (about 5 N at 0.25 m/s), so that it
    takes a firm push to drive.

Randomization:
    - ``hammer_pos`` (the hammer's centre of mass, on the handle 4.5 cm
      behind the head: where it is best held): x in [-0.1, 0.1], y in
      [0.4, 0.5], z = 0.018 (lying on the table), Meta-World's range.
    - The block and the nail are fixed (Meta-World's): block at
      (0.24, 0.85, 0), nail head at (0.24, 0.64, 0.11). The goal is the nail
      head driven fully in, (0.24, 0.74, 0.11), as Meta-World's.

Success:
    The nail is driven in more than 0.09 m (of its 0.10 m travel), i.e.
    ``|nail head - goal| < 0.01``: Meta-World's condition and threshold.

Reward terms:
    - ``reach``: tolerance(|tcp - grip point|, bound 0.02, margin 0.2).
    - ``grasp``: 1 while the fingers hold the handle (anywhere between knob
      and head), else 0.
    - ``aim``: tolerance(|hammer face - nail head|, bound 0.02, margin 0.3)
      while the handle is held, else 0.
    - ``driven``: how far the nail is driven, as a fraction of 0.09.
    Reward = 10 on success, else
    9 * (0.15 reach + 0.1 grasp + 0.25 aim + 0.5 driven).

Version history:
    - v1: first version.
    - v2: the hand drive is force-limited (50 N per axis) and the fingers have
      hard stops (manyworld.sim.scene), so the hand can no longer crush and
      launch objects; every task changed with the shared scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manyworld.sim import scene
from manyworld.sim import tool_parts as tp
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task, register
from manyworld.tasks.common import FreeBody, Gripper
from manyworld.tasks.params import TaskParams, param
from manyworld.tasks.rewards import RewardWeights

# The nail counts as driven in past this depth (Meta-World's).
DRIVEN = 0.09
# The hammer counts as lifted (grasp_success) this far above its resting height.
LIFTED = 0.01
# Largest action per axis while carrying the hammer (7 mm per step): the closed
# fingers are springs, and a hard start or stop would swing the hammer in them.
CARRY_SPEED = 0.7
NAIL_HEAD_START = np.asarray(tp.NAIL_BOX_POS) + tp.NAIL_HEAD
GOAL = NAIL_HEAD_START + np.array([0.0, tp.NAIL_TRAVEL, 0.0])


@dataclass(frozen=True)
class HammerParams(TaskParams):
    hammer_pos: tuple[float, float, float] = param((-0.1, 0.4, tp.HAMMER_REST_Z), (0.1, 0.5, tp.HAMMER_REST_Z),
                                                   "centre of mass (grip point) of the hammer lying on the table")


@register
class Hammer(Task):
    __doc__ = __doc__
    name = "hammer"
    version = 2
    Params = HammerParams
    reward_weights = RewardWeights(reach=0.15, grasp=0.1, aim=0.25, driven=0.5)
    hand_start = (0.0, 0.4, 0.2)
    has_object2 = True

    def build(self, spec):
        tp.add_hammer(spec, "hammer")
        tp.add_nail_box(spec, "nailbox")

    def bind(self, sim):
        self.sim = sim
        self.gripper = Gripper(sim)
        self.hammer = FreeBody(sim, "hammer")
        self.face = sim.site_id("hammer_face")
        self.nail = tp.Nail(sim, "nailbox")

    def place(self, sim, ids, params):
        self.hammer.place(ids, params["hammer_pos"])
        self.nail.place(ids, 0.0)

    def goal(self, params):
        return np.broadcast_to(GOAL, params["hammer_pos"].shape).copy()

    def objects(self, sim):
        return self.hammer.pos(), self.hammer.quat(), self.nail.head(), self.nail.quat()

    def evaluate(self, sim, goal):
        tcp, hammer = self.gripper.tcp(), self.hammer.pos()
        head = self.nail.head()
        driven = self.nail.driven()
        to_hammer = np.linalg.norm(tcp - hammer, axis=1)
        to_goal = np.linalg.norm(head - goal, axis=1)
        success = driven > DRIVEN
        grip = tp.bar_point(hammer, self.hammer.quat(), tcp, tp.HAMMER_GRIP_X)
        held = self.gripper.holds(grip, tp.HAMMER_HANDLE_HALF)
        face_to_nail = np.linalg.norm(sim.site_xpos[:, self.face] - head, axis=1)
        terms = {
            "reach": rewards.tolerance(to_hammer, 0.02, 0.2),
            "grasp": held.astype(np.float64),
            "aim": np.where(held, rewards.tolerance(face_to_nail, 0.02, 0.3), 0.0),
            "driven": np.clip(driven / DRIVEN, 0.0, 1.0),
        }
        lifted = hammer[:, 2] > tp.HAMMER_REST_Z + LIFTED
        return Evaluation(
            reward=rewards.finish(rewards.weighted_sum(self.reward_weights, terms), success),
            success=success,
            terms=terms,
            info={"near_object": to_hammer <= 0.03, "grasp_success": held & lifted,
                  "obj_to_target": to_goal},
        )

    @staticmethod
    def expert(obs):
        """Grasp the handle, lift, bring the face in front of the nail head, then drive it forward (+y)."""
        o = obs_lib.parse(obs)
        hammer, nail = o.obj1_pos, o.obj2_pos
        tcp = o.hand + scene.TCP_OFFSET
        face = hammer + tp.rotate(o.obj1_quat, tp.HAMMER_FACE)
        nail_front = nail[:, 1] - tp.NAIL_HEAD_HALF[1]
        # in front of the nail head, on its axis
        ready = np.c_[nail[:, 0], nail_front - 0.03, nail[:, 2]]
        xz_err = np.linalg.norm((face - nail)[:, [0, 2]], axis=1)
        aligned = (xz_err < 0.008) & (face[:, 1] < nail_front + 0.005)
        # strike: keep the face a little ahead of the nail head, up to full depth
        drive = np.c_[nail[:, 0], np.minimum(nail_front + 0.012, GOAL[1] - tp.NAIL_HEAD_HALF[1] - 0.003),
                      nail[:, 2]]
        face_target = np.where(aligned[:, None], drive, ready)
        # lift the hammer clear of the table before carrying it over
        low = hammer[:, 2] < nail[:, 2] - 0.03
        destination = np.where(low[:, None], np.c_[tcp[:, :2], nail[:, 2:3]], tcp + (face_target - face))
        act = ex.grasp_and_carry(o, hammer, destination)
        # carry at most CARRY_SPEED per axis
        holding = (o.gripper < 0.6) & ex.near(tcp, hammer, 0.03)
        act[:, :3] = np.where(holding[:, None], np.clip(act[:, :3], -CARRY_SPEED, CARRY_SPEED), act[:, :3])
        return act

