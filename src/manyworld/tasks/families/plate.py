"""The plate family: a plate slid along the table into a low cabinet or out of it.

Into the cabinet: plate-slide and plate-slide-side; out of it: plate-slide-back
and plate-slide-back-side.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from manyworld.sim import plate_parts, scene
from manyworld.tasks import expert as ex
from manyworld.tasks import obs as obs_lib
from manyworld.tasks import rewards
from manyworld.tasks.base import Evaluation, Task
from manyworld.tasks.common import FreeBody, Gripper, zeros_obj

SUCCESS_DISTANCE = 0.07
PLATE_Z = plate_parts.PLATE_HALF_THICKNESS
PLATE_START = np.array([0.0, 0.6, PLATE_Z])  # where the plate of the tasks into the cabinet starts
# The plate of the tasks out of the cabinet starts this far in front of its goal point (in its mouth).
START_DEPTH = 0.1
# The fingers push the plate's edge: the TCP is about this far from its centre.
NEAR_PLATE = 0.08

# Expert: the closed fingers push at the plate's mid-height (their tips 8 mm
# above the table), and move between pushes with their tips 2.5 cm above the
# plate (they never cross the cabinet's walls).
PUSH_Z = 0.018
TRAVEL_Z = 2 * plate_parts.PLATE_HALF_THICKNESS + 0.035
# Half extents of the closed fingers (x, y) around the TCP.
FINGERS_HALF = np.array([0.011, 0.014])
APPROACH_GAP = 0.012  # the fingers come down this far behind the plate's edge
PUSH_AHEAD = 0.04  # how far ahead of the TCP a push aims at most (sets the speed)
CROSS_GAIN = 1.0  # extra gain on the TCP's error across the push
PUSH_EASE = 0.5  # ... and this fraction of the distance the plate still has to go
TOUCH_AHEAD = 0.01  # ... and this far until the fingers touch the plate
DONE = 0.03  # the plate is this close to the goal: stop pushing and lift the hand
# Steering a push (see _push_geometry): metres of contact offset per metre off
# the line and per radian of turn, and the largest offset.
STEER_GAIN = 0.25
TURN_GAIN = 0.1
STEER_OFFSET = 0.025
LATERAL_TOLERANCE = 0.012  # how far off the lane (or short of its end) the plate may be
LANE_WIDTH = 0.03  # a lane push under way goes on while the plate is this close to the lane
# The plate reaches the cabinet's mouth this far from the goal (with 2 cm to spare).
MOUTH = -plate_parts.CABINET_FRONT + plate_parts.PLATE_HALF + 0.02


def plate_evaluation(gripper: Gripper, plate: FreeBody, goal: np.ndarray,
                     weights: Mapping[str, float]) -> Evaluation:
    """Reward terms, success and info shared by the plate-slide tasks.

    Terms: ``reach`` = tolerance(|tcp - plate|, NEAR_PLATE, 0.3) and
    ``in_place`` = tolerance(|plate - goal|, SUCCESS_DISTANCE, 0.3), weighted
    by ``weights`` (the task's).
    """
    tcp, pos = gripper.tcp(), plate.pos()
    to_plate = np.linalg.norm(tcp - pos, axis=1)
    to_goal = np.linalg.norm(pos - goal, axis=1)
    success = to_goal <= SUCCESS_DISTANCE
    terms = {
        "reach": rewards.tolerance(to_plate, NEAR_PLATE, 0.3),
        "in_place": rewards.tolerance(to_goal, SUCCESS_DISTANCE, 0.3),
    }
    return Evaluation(
        reward=rewards.finish(rewards.weighted_sum(weights, terms), success),
        success=success,
        terms=terms,
        info={"near_object": to_plate <= NEAR_PLATE, "grasp_success": np.zeros_like(success),
              "obj_to_target": to_goal},
    )


def _push_geometry(tcp: np.ndarray, plate: np.ndarray, quat: np.ndarray, u: np.ndarray,
                   cross_error: np.ndarray):
    """Where the closed fingers touch the plate to push it along unit (N, 2) ``u``.

    ``cross_error`` (N,) is how far the plate is left of the line it should
    move on (left: along u turned +90 deg). A plate pushed off the middle of
    its edge turns away from the contact and veers to the other side, so the
    contact moves sideways by STEER_GAIN * cross_error to steer it back, and
    by TURN_GAIN * its turn (relative to u) to stop it turning further.
    Returns the contact point (N, 2) of the TCP and whether the TCP is there,
    low and ready to push (N,) bool.
    """
    # the plate's turn from u, folded into [-45, 45] deg (it is square)
    w, x, y, z = quat.T
    yaw = np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
    turn = np.mod(yaw - np.arctan2(u[:, 1], u[:, 0]) + np.pi / 4, np.pi / 2) - np.pi / 4
    # the plate's and the fingers' extents along u
    reach = plate_parts.PLATE_HALF * (np.abs(np.cos(turn)) + np.abs(np.sin(turn))) + np.abs(u) @ FINGERS_HALF
    side = np.c_[-u[:, 1], u[:, 0]]
    offset = np.clip(STEER_GAIN * cross_error + TURN_GAIN * turn, -STEER_OFFSET, STEER_OFFSET)
    contact = plate[:, :2] - reach[:, None] * u + offset[:, None] * side
    rel = tcp[:, :2] - contact
    e_par = np.sum(rel * u, axis=1)
    e_perp = np.abs(np.sum(rel * side, axis=1))
    ready = (tcp[:, 2] < PUSH_Z + 0.015) & (e_perp < 0.03) & (e_par > -0.035) & (e_par < 0.03)
    return contact, ready


def push_plate_expert(obs: np.ndarray, lane: np.ndarray, into_cabinet: bool) -> np.ndarray:
    """Push the plate along the table to the goal with the closed fingers.

    The plate moves in two straight pushes: along ``lane`` (the (2,)
    direction in which the plate goes into or out of the cabinet) and across
    it, onto the line through the goal along ``lane``. Into a cabinet
    (``into_cabinet``) the plate is first lined up with the cabinet, then
    pushed in along the lane; out of a cabinet it is first pulled straight
    out, then pushed across to the goal. Each push is steered by where along
    the plate's edge the fingers push (see :func:`_push_geometry`),
    re-computed every step.

    Phases are read off the observation: away from the pushing point the hand
    rises to the travel height, moves over it and comes down; close behind
    the plate it pushes; with the plate at the goal it lifts away. The hand
    itself is the memory of a lane push under way: it goes on unless the
    plate has drifted well off the lane. To pull a plate out of a cabinet the
    fingers come down between the plate and the cabinet's back wall.
    """
    o = obs_lib.parse(obs)
    tcp = o.hand + scene.TCP_OFFSET
    plate = o.obj1_pos
    n = len(tcp)
    d = np.broadcast_to(np.asarray(lane, np.float64), (n, 2))
    normal = np.c_[-d[:, 1], d[:, 0]]
    rel_goal = plate[:, :2] - o.goal[:, :2]
    lateral = np.sum(rel_goal * normal, axis=1)  # off the lane, along normal
    remaining = -np.sum(rel_goal * d, axis=1)  # still to go along the lane

    # the push along the lane, steered onto it
    contact_lane, ready_lane = _push_geometry(tcp, plate, o.obj1_quat, d, lateral)
    # the push across the lane, onto it (out of a cabinet: steered onto the goal's line across)
    u_across = -np.where(lateral >= 0, 1.0, -1.0)[:, None] * normal
    side_across = np.c_[-u_across[:, 1], u_across[:, 0]]
    cross_across = np.zeros(n) if into_cabinet else np.sum(rel_goal * side_across, axis=1)
    contact_across, ready_across = _push_geometry(tcp, plate, o.obj1_quat, u_across, cross_across)
    if into_cabinet:
        # once under way or at the cabinet's mouth, the lane push goes on, steering
        along = ((np.abs(lateral) < LATERAL_TOLERANCE) | (ready_lane & (np.abs(lateral) < LANE_WIDTH))
                 | (remaining < MOUTH))
    else:
        along = remaining > LATERAL_TOLERANCE
    u = np.where(along[:, None], d, u_across)
    contact = np.where(along[:, None], contact_lane, contact_across)
    ready = np.where(along, ready_lane, ready_across)
    # slow down near the end of a push, so that the plate does not slide on past it,
    # and before touching it, so that it is not knocked away
    ahead = np.clip(PUSH_EASE * np.where(along, remaining, np.abs(lateral)), 0.0, PUSH_AHEAD)
    gap = -np.sum((tcp[:, :2] - contact) * u, axis=1)
    ahead = np.where(gap > 0.003, np.minimum(ahead, TOUCH_AHEAD), ahead)

    approach = contact - APPROACH_GAP * u
    off = np.linalg.norm(tcp[:, :2] - approach, axis=1)
    # the lower the hand, the more it may be off the approach point on its way down
    over_approach = off < 0.006 + 0.25 * np.maximum(TRAVEL_Z - tcp[:, 2], 0.0)
    high = tcp[:, 2] > TRAVEL_Z - 0.015
    done = np.linalg.norm(rel_goal, axis=1) < DONE
    push_z = np.full((n, 1), PUSH_Z)
    travel_z = np.full((n, 1), TRAVEL_Z)
    target = np.c_[tcp[:, :2], travel_z]  # rise first
    target = np.where(high[:, None], np.c_[approach, travel_z], target)  # move over the pushing point
    # come down behind the plate (aiming a little low: the push takes over on the way)
    target = np.where(over_approach[:, None], np.c_[approach, push_z - 0.015], target)
    # push: the TCP moves on at a speed set by `ahead` (wherever it meets the
    # plate), and is held on the line of the push more firmly than along it
    err = contact - tcp[:, :2]
    err_across = err - np.sum(err * u, axis=1)[:, None] * u
    push = tcp[:, :2] + ahead[:, None] * u + (1.0 + CROSS_GAIN) * err_across
    target = np.where(ready[:, None], np.c_[push, push_z], target)
    target = np.where(done[:, None], np.c_[tcp[:, :2], travel_z], target)  # there: let go
    return ex.action(ex.move_toward(tcp, target), 1.0)


class PlateTask(Task):
    """What the plate-slide tasks share: the plate, the cabinet and the reward.

    Subclasses set ``facing`` (the cabinet's opening: ``"front"`` or
    ``"side"``) and declare their weights.
    """

    facing = "front"

    def build(self, spec):
        plate_parts.add_plate(spec, "plate")
        plate_parts.add_plate_cabinet(spec, "cabinet", facing=self.facing)

    def bind(self, sim):
        self.gripper = Gripper(sim)
        self.plate = FreeBody(sim, "plate")
        self.cabinet = sim.mocap_id("cabinet")

    def objects(self, sim):
        return (self.plate.pos(), self.plate.quat(), *zeros_obj(sim.num_worlds))

    def evaluate(self, sim, goal):
        return plate_evaluation(self.gripper, self.plate, goal, self.reward_weights)


class PlateSlideInTask(PlateTask):
    """plate-slide and plate-slide-side: the plate starts on the table, the goal is in the cabinet."""

    def place(self, sim, ids, params):
        self.plate.place(ids, PLATE_START)
        sim.mocap_pos[ids, self.cabinet] = params["cabinet_pos"]

    def goal(self, params):
        return params["cabinet_pos"] + plate_parts.CABINET_GOAL


class PlateSlideOutTask(PlateTask):
    """plate-slide-back and plate-slide-back-side: the plate starts in the cabinet's mouth, the goal is outside."""

    def place(self, sim, ids, params):
        cabinet = params["cabinet_pos"]
        start = cabinet + plate_parts.CABINET_GOAL + START_DEPTH * plate_parts.CABINET_OPENING[self.facing]
        self.plate.place(ids, start)
        sim.mocap_pos[ids, self.cabinet] = cabinet

    def goal(self, params):
        return params["goal_pos"].copy()
