"""Batched simulation: N worlds of one compiled scene, stepped by ``mujoco.batch``.

:class:`BatchSim` owns the ``mujoco.batch.Batch`` and the live ``(N, ...)``
arrays bound to it. Everything above it (tasks, envs) reads and writes those
arrays with whole-batch numpy operations; nothing loops over worlds in Python.
"""

from __future__ import annotations

import os

import mujoco
import mujoco.batch
import numpy as np

from manyworld.sim import scene as scene_lib

_STAGE_VEL = mujoco.mjtStage.mjSTAGE_VEL
_STAGE_NONE = mujoco.mjtStage.mjSTAGE_NONE

# Derived fields the tasks read. They are bound up front so that every step
# copies exactly these out of the engine (binding more costs time per step).
_BOUND_OUTPUTS = ("xpos", "xquat", "site_xpos", "sensordata")


class PhysicsUnstableError(RuntimeError):
    """MuJoCo reported a warning (instability, contact overflow) in some worlds."""


class BatchSim:
    """N worlds of one MuJoCo model stepped together on a thread pool.

    Args:
        model: the compiled scene.
        num_worlds: N, the number of simulations.
        num_threads: worker threads (0: one per CPU core).
    """

    def __init__(self, model: mujoco.MjModel, num_worlds: int, num_threads: int = 0):
        if num_worlds < 1:
            raise ValueError(f"num_worlds must be >= 1, got {num_worlds}")
        _check_fits(model, num_worlds)
        self.model = model
        self.num_worlds = num_worlds
        # persistent: one MjData per world, so that the forward stages computed
        # at the end of a step are reused by the next step instead of redone.
        self.batch = mujoco.batch.Batch(model, nsim=num_worlds, nthread=num_threads, persistent=True)
        b = self.batch
        self.state = b.state  # (N, nstate) full integration state rows
        self.time = b.bind("time")
        self.qpos = b.bind("qpos")
        self.qvel = b.bind("qvel")
        self.ctrl = b.bind("ctrl")
        self.mocap_pos = b.bind("mocap_pos")
        self.mocap_quat = b.bind("mocap_quat")
        self.xpos, self.xquat, self.site_xpos, self.sensordata = (b.bind(f) for f in _BOUND_OUTPUTS)
        self._id_cache: dict[tuple[str, str], int] = {}
        self.batch.reset()

    # ---------------------------------------------------------------- names
    def _id(self, kind: mujoco.mjtObj, name: str) -> int:
        key = (str(kind), name)
        if key not in self._id_cache:
            idx = mujoco.mj_name2id(self.model, kind, name)
            if idx < 0:
                raise KeyError(f"the scene has no {kind.name[6:].lower()} named {name!r}")
            self._id_cache[key] = idx
        return self._id_cache[key]

    def body_id(self, name: str) -> int:
        """Index of body ``name`` into ``xpos``/``xquat``."""
        return self._id(mujoco.mjtObj.mjOBJ_BODY, name)

    def site_id(self, name: str) -> int:
        """Index of site ``name`` into ``site_xpos``."""
        return self._id(mujoco.mjtObj.mjOBJ_SITE, name)

    def mocap_id(self, body_name: str) -> int:
        """Index of mocap body ``body_name`` into ``mocap_pos``/``mocap_quat``."""
        mocap = int(self.model.body_mocapid[self.body_id(body_name)])
        if mocap < 0:
            raise KeyError(f"body {body_name!r} is not a mocap body")
        return mocap

    def qpos_slice(self, joint_name: str) -> slice:
        """The slice of ``qpos`` that joint ``joint_name`` occupies."""
        j = self._id(mujoco.mjtObj.mjOBJ_JOINT, joint_name)
        start = int(self.model.jnt_qposadr[j])
        width = {0: 7, 1: 4, 2: 1, 3: 1}[int(self.model.jnt_type[j])]
        return slice(start, start + width)

    def qvel_slice(self, joint_name: str) -> slice:
        """The slice of ``qvel`` that joint ``joint_name`` occupies."""
        j = self._id(mujoco.mjtObj.mjOBJ_JOINT, joint_name)
        start = int(self.model.jnt_dofadr[j])
        width = {0: 6, 1: 3, 2: 1, 3: 1}[int(self.model.jnt_type[j])]
        return slice(start, start + width)

    def sensor_slice(self, name: str) -> slice:
        """The slice of ``sensordata`` that sensor ``name`` occupies."""
        s = self._id(mujoco.mjtObj.mjOBJ_SENSOR, name)
        start = int(self.model.sensor_adr[s])
        return slice(start, start + int(self.model.sensor_dim[s]))

    # -------------------------------------------------------------- stepping
    def step(self, ids: np.ndarray | None = None, nstep: int = scene_lib.SUBSTEPS) -> None:
        """Advance worlds ``ids`` (all if None) by ``nstep`` substeps.

        Positions and velocities are made current at the new state, so that the
        bound ``xpos``/``site_xpos`` describe the state the agent will act on.
        """
        self.batch.step(ids, nstep=nstep, stage=_STAGE_VEL)

    def forward(self, ids: np.ndarray | None = None) -> None:
        """Recompute derived quantities of worlds ``ids`` from their state."""
        self.batch.forward(ids, stage=_STAGE_VEL)

    def reset_to_defaults(self, ids: np.ndarray | None = None) -> None:
        """Put worlds ``ids`` back to the model's default state, without forward."""
        self.batch.reset(ids, stage=_STAGE_NONE)

    def unstable(self) -> np.ndarray:
        """(N,) bool: worlds whose MuJoCo warning counters are non-zero."""
        return self.batch.warning[:, :, 0].sum(axis=1) > 0

    def clear_warnings(self, ids: np.ndarray | None = None) -> None:
        """Zero the warning counters of worlds ``ids`` (all if None)."""
        if ids is None:
            self.batch.warning[...] = 0
        else:
            self.batch.warning[ids] = 0

    def get_data(self, world: int, data: mujoco.MjData | None = None) -> mujoco.MjData:
        """World ``world``'s state in an MjData (a new one if None), forwarded (for rendering)."""
        data = self.batch.get_data(world, data)
        mujoco.mj_forward(self.model, data)
        return data


BACKENDS = ("mujoco", "warp")


def make_sim(model: mujoco.MjModel, num_worlds: int, num_threads: int = 0, backend: str = "mujoco",
             device: str | None = None) -> BatchSim:
    """The simulator of ``backend``: ``"mujoco"`` (``mujoco.batch``, threads on this
    machine's cores) or ``"warp"`` (MuJoCo Warp on ``device``, float32)."""
    if backend == "mujoco":
        if device is not None:
            raise ValueError(f"device={device!r} is for the warp back-end; the mujoco back-end runs on the CPU")
        return BatchSim(model, num_worlds, num_threads)
    if backend == "warp":
        from manyworld.sim.warp_sim import WarpSim

        return WarpSim(model, num_worlds, device=device)
    raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")


def _physical_memory() -> int | None:
    """This machine's memory in bytes, None where the OS does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def _check_fits(model: mujoco.MjModel, num_worlds: int) -> None:
    """Refuse a number of worlds whose MjData (one per world) cannot fit in this machine's memory.

    Said before MuJoCo tries: it would fail with a message about its arguments or
    allocate until the machine runs out of memory.
    """
    memory = _physical_memory()
    data = mujoco.MjData(model)
    per_world = data.nbuffer + data.narena
    if memory is not None and num_worlds * per_world > memory:
        raise ValueError(
            f"num_worlds={num_worlds:,} does not fit in memory: each world of this scene needs "
            f"{per_world / 2**20:.1f} MiB, {num_worlds:,} worlds about "
            f"{num_worlds * per_world / 2**30:,.0f} GiB, and this machine has "
            f"{memory / 2**30:,.0f} GiB in all (room for fewer than {memory // per_world:,} worlds)"
        )


def compile_spec(spec: mujoco.MjSpec) -> mujoco.MjModel:
    """Compile a scene spec, naming the scene in errors."""
    try:
        return spec.compile()
    except ValueError as err:  # MjSpec reports compile errors as ValueError
        raise ValueError(f"scene failed to compile: {err}") from err
