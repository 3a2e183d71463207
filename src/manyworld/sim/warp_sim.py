"""The MuJoCo Warp back-end: the same N worlds, stepped by ``mujoco_warp`` on a Warp device.

:class:`WarpSim` has :class:`~manyworld.sim.world.BatchSim`'s interface, so the
tasks and :class:`~manyworld.envs.batch_env.BatchEnv` run on it unchanged. The
host keeps the authoritative copy of every world's state, in the same
``(N, nstate)`` rows (``mjSTATE_INTEGRATION``, the layout of ``mj_getState``)
that ``mujoco.batch`` exposes, with ``qpos``, ``ctrl``, ``mocap_pos``... as views
of those rows. Each physics call copies the rows to the device, runs there and
copies the rows and the bound outputs (``xpos``, ``xquat``, ``site_xpos``,
``sensordata``) back. That keeps the task logic (numpy, on the host) identical
on both back-ends at the cost of two small host-device copies per env step;
on the CPU device those copies are memcpys.

What differs from ``mujoco.batch``, by construction of MuJoCo Warp:

- arithmetic is float32 (MuJoCo's C engine is float64), so trajectories agree
  to a tolerance, not bit for bit, and contact-rich ones drift apart over time;
- every call steps all worlds; a call on a subset restores the others' rows
  and outputs afterwards (``mujoco.batch`` leaves them untouched);
- a world is unstable when its state is not finite or MuJoCo Warp reports a
  buffer overflow (contacts, constraint rows) for it; MuJoCo's own warning
  counters do not exist there.

Facts on MuJoCo Warp: https://mujoco.readthedocs.io/en/latest/mjwarp/ and
https://github.com/google-deepmind/mujoco_warp (``mujoco_warp/_src/forward.py``
for ``step``/``step1``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import mujoco
import numpy as np

from manyworld.sim import scene as scene_lib
from manyworld.sim.world import BatchSim

T = TypeVar("T")

_SPEC = mujoco.mjtState.mjSTATE_INTEGRATION

# mjtState components -> MuJoCo Warp Data fields; a component the scene uses
# (size > 0) that is not listed here is refused when the simulator is built.
_FIELD_OF_COMPONENT = {
    "mjSTATE_TIME": "time",
    "mjSTATE_QPOS": "qpos",
    "mjSTATE_QVEL": "qvel",
    "mjSTATE_ACT": "act",
    "mjSTATE_HISTORY": "history",
    "mjSTATE_WARMSTART": "qacc_warmstart",
    "mjSTATE_CTRL": "ctrl",
    "mjSTATE_QFRC_APPLIED": "qfrc_applied",
    "mjSTATE_XFRC_APPLIED": "xfrc_applied",
    "mjSTATE_EQ_ACTIVE": "eq_active",
    "mjSTATE_MOCAP_POS": "mocap_pos",
    "mjSTATE_MOCAP_QUAT": "mocap_quat",
    "mjSTATE_USERDATA": "userdata",
}

# contacts and constraint rows allocated per world: over all 50 tasks' expert and random
# episodes (5 train variations each, benchmarks/contact_counts.py) a world needed at most
# 24 contacts and 144 rows (box-close), so about 5x room; an overflow would be reported as
# instability, not ignored
CONTACTS_PER_WORLD = 128
CONSTRAINTS_PER_WORLD = 768


def state_layout(model: mujoco.MjModel) -> list[tuple[str, slice]]:
    """The non-empty components of a ``mjSTATE_INTEGRATION`` row: (name, columns), in order."""
    bits = sorted(
        (int(getattr(mujoco.mjtState, name)), name)
        for name in dir(mujoco.mjtState)
        if name.startswith("mjSTATE_")
    )
    layout, start = [], 0
    for value, name in bits:
        if value & (value - 1) or not int(_SPEC) & value:  # a combination, or not in the spec
            continue
        size = mujoco.mj_stateSize(model, value)
        if size:
            layout.append((name, slice(start, start + size)))
            start += size
    return layout


class WarpSim(BatchSim):
    """N worlds of one MuJoCo model stepped by MuJoCo Warp.

    Args:
        model: the compiled scene.
        num_worlds: N, the number of simulations.
        device: the Warp device ("cpu", "cuda:0", ...; None: Warp's default).
    """

    def __init__(self, model: mujoco.MjModel, num_worlds: int, device: str | None = None):
        if num_worlds < 1:
            raise ValueError(f"num_worlds must be >= 1, got {num_worlds}")
        try:
            import warp as wp

            # Warp's banner and its per-kernel load lines are for Warp's developers, not a
            # benchmark's users; set before MuJoCo Warp's import initialises Warp
            wp.config.quiet = True
            wp.config.log_level = max(wp.config.log_level, wp.LOG_WARNING)
            import mujoco_warp as mjw
        except ImportError as err:
            raise ValueError(f"the warp back-end needs MuJoCo Warp: pip install -e '.[warp]' ({err})") from err
        self._mjw, self._wp = mjw, wp
        self.model = model
        self.num_worlds = num_worlds
        self.device = wp.get_device(device)
        self._layout = state_layout(model)
        missing = [name for name, _ in self._layout if name not in _FIELD_OF_COMPONENT]
        if missing:
            raise ValueError(f"the warp back-end does not carry the state components {missing} of this scene")
        nstate = mujoco.mj_stateSize(model, _SPEC)
        with wp.ScopedDevice(self.device):
            self._model = mjw.put_model(model)
            self._data = mjw.make_data(model, nworld=num_worlds, nconmax=CONTACTS_PER_WORLD,
                                       njmax=CONSTRAINTS_PER_WORLD)  # fmt: skip
        # a solver that stops at its iteration limit is normal operation (MuJoCo's C engine
        # neither warns nor flags it); buffer overflows lose contacts and are instabilities
        limits = mjw.OverflowType.ITERATIONS | mjw.OverflowType.LS_ITERATIONS
        self._model.opt.warn_overflow = int(self._model.opt.warn_overflow) & ~int(limits)
        self._overflow_mask = int(mjw.OverflowType.ALL) & ~int(limits)
        # the host's rows, and views of them named as MjData names them
        self.state = np.zeros((num_worlds, nstate))
        cols = dict(self._layout)
        n = num_worlds
        self.time = self.state[:, cols["mjSTATE_TIME"]].reshape(n)
        self.qpos = self.state[:, cols["mjSTATE_QPOS"]]
        self.qvel = self.state[:, cols["mjSTATE_QVEL"]]
        self.ctrl = self.state[:, cols.get("mjSTATE_CTRL", slice(0, 0))]
        self.mocap_pos = self.state[:, cols.get("mjSTATE_MOCAP_POS", slice(0, 0))].reshape(n, model.nmocap, 3)
        self.mocap_quat = self.state[:, cols.get("mjSTATE_MOCAP_QUAT", slice(0, 0))].reshape(n, model.nmocap, 4)
        # a reshape that had to copy would silently drop the tasks' writes
        for view in (self.time, self.qpos, self.qvel, self.ctrl, self.mocap_pos, self.mocap_quat):
            if view.size and not np.shares_memory(view, self.state):
                raise RuntimeError("a state view of the warp back-end is a copy; writes would be lost")
        # outputs: read-only to the tasks, as mujoco.batch's bound outputs are
        self._outputs = {
            "xpos": np.zeros((n, model.nbody, 3)),
            "xquat": np.zeros((n, model.nbody, 4)),
            "site_xpos": np.zeros((n, model.nsite, 3)),
            "sensordata": np.zeros((n, model.nsensordata)),
        }
        for array in self._outputs.values():
            array.flags.writeable = False
        self.xpos, self.xquat, self.site_xpos, self.sensordata = self._outputs.values()
        # acceleration-stage sensors (touch) keep the values of the last substep, as after
        # mj_step: step1, which makes positions and velocities current, would zero them
        acc = [np.arange(model.sensor_adr[i], model.sensor_adr[i] + model.sensor_dim[i])
               for i in range(model.nsensor) if model.sensor_needstage[i] == mujoco.mjtStage.mjSTAGE_ACC]  # fmt: skip
        self._acc_sensors = np.concatenate(acc) if acc else np.zeros(0, dtype=int)
        self._default_row = np.empty(nstate)
        mujoco.mj_getState(model, mujoco.MjData(model), self._default_row, _SPEC)
        self._unstable = np.zeros(n, dtype=bool)
        self._id_cache: dict[tuple[str, str], int] = {}
        # each state field's host shape and dtype, read once (on a GPU, .numpy() is a copy)
        self._host_form = {}
        for name, _ in self._layout:
            host = getattr(self._data, _FIELD_OF_COMPONENT[name]).numpy()
            self._host_form[name] = (host.shape, host.dtype)
        self.state[:] = self._default_row
        self.forward()

    # ------------------------------------------------------- host <-> device
    def _push(self) -> None:
        """Copy the host's rows into the device's state fields."""
        for name, cols in self._layout:
            shape, dtype = self._host_form[name]
            values = self.state[:, cols]
            if name == "mjSTATE_EQ_ACTIVE":
                values = values != 0
            getattr(self._data, _FIELD_OF_COMPONENT[name]).assign(values.reshape(shape).astype(dtype))

    def _pull(self, ids: np.ndarray | None) -> None:
        """Copy worlds ``ids``' state and outputs back from the device (all if None)."""
        rows = slice(None) if ids is None else ids
        for name, cols in self._layout:
            values = getattr(self._data, _FIELD_OF_COMPONENT[name]).numpy()
            self.state[rows, cols] = values.reshape(self.num_worlds, -1)[rows]
        for name, array in self._outputs.items():
            array.flags.writeable = True
            array[rows] = getattr(self._data, name).numpy().reshape(array.shape)[rows]
            array.flags.writeable = False
        overflowed = (self._data.overflow.numpy() & self._overflow_mask) != 0
        self._unstable[rows] |= overflowed[rows] | ~np.isfinite(self.state).all(axis=1)[rows]

    def run_on_device(self, work: Callable[[Any, Any, Any], T]) -> T:
        """Run ``work(mujoco_warp, device_model, device_data)`` on the device at the host's state.

        The host's rows are pushed first, so the device copy is the host's state
        (a partial step leaves the other worlds' device copies ahead), and
        nothing is copied back: the host's state is unchanged. For code that
        reads the device state, such as the batch renderer
        (:mod:`manyworld.sim.warp_render`); what ``work`` writes into the
        device data is overwritten by the next push.

        Returns:
            What ``work`` returned, after the device has finished.
        """
        self._push()
        with self._wp.ScopedDevice(self.device):
            result = work(self._mjw, self._model, self._data)
        self._wp.synchronize_device(self.device)
        return result

    def _run(self, ids: np.ndarray | None, physics) -> None:
        def counted(mjw, model, data) -> None:
            data.overflow.zero_()
            physics()

        self.run_on_device(counted)
        self._pull(None if ids is None else np.asarray(ids))

    # -------------------------------------------------------------- stepping
    def step(self, ids: np.ndarray | None = None, nstep: int = scene_lib.SUBSTEPS) -> None:
        """Advance worlds ``ids`` (all if None) by ``nstep`` substeps.

        As ``mujoco.batch`` with ``mjSTAGE_VEL``: positions, velocities and their
        sensors are made current at the new state, acceleration-stage sensors
        keep the last substep's values.
        """
        mjw, m, d = self._mjw, self._model, self._data

        def physics() -> None:
            for _ in range(nstep):
                mjw.step(m, d)
            acc = d.sensordata.numpy()[:, self._acc_sensors].copy() if self._acc_sensors.size else None
            mjw.step1(m, d)
            if acc is not None:
                data = d.sensordata.numpy()
                data[:, self._acc_sensors] = acc
                d.sensordata.assign(data)

        self._run(ids, physics)

    def forward(self, ids: np.ndarray | None = None) -> None:
        """Recompute derived quantities of worlds ``ids`` from their state."""
        self._run(ids, lambda: self._mjw.forward(self._model, self._data))

    def reset_to_defaults(self, ids: np.ndarray | None = None) -> None:
        """Put worlds ``ids`` back to the model's default state, without forward."""
        self.state[slice(None) if ids is None else ids] = self._default_row

    def unstable(self) -> np.ndarray:
        """(N,) bool: worlds whose state went non-finite or whose buffers overflowed."""
        return self._unstable.copy()

    def clear_warnings(self, ids: np.ndarray | None = None) -> None:
        """Forget the instability of worlds ``ids`` (all if None)."""
        self._unstable[slice(None) if ids is None else ids] = False

    def get_data(self, world: int, data: mujoco.MjData | None = None) -> mujoco.MjData:
        """World ``world``'s state in an MjData (a new one if None), forwarded (for rendering)."""
        data = mujoco.MjData(self.model) if data is None else data
        mujoco.mj_setState(self.model, data, self.state[world], _SPEC)
        mujoco.mj_forward(self.model, data)
        return data
