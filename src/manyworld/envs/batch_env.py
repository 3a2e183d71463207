"""BatchEnv: N worlds of one task, stepped together.

This is the single code path of manyworld: the gymnasium ``Env`` is a
``BatchEnv`` with N = 1 and the ``VectorEnv`` wraps one with N > 1. A step of N
worlds costs one batched physics call plus a fixed number of numpy operations,
whatever N is; nothing loops over worlds in Python.

Resets restore a cached, settled initial state per variation: the first time a
variation is used its objects are placed and simulated at rest for
``Task.settle_steps`` control steps, and the resulting MuJoCo state row is kept,
so that every later reset to that variation is a row copy.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from gymnasium import spaces

from manyworld.sim import scene as scene_lib
from manyworld.sim.world import BACKENDS, compile_spec, make_sim
from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import DEFAULT_VARIATION_SEED, Task, get_task
from manyworld.tasks.params import TaskParams

MAX_EPISODE_STEPS = 500
VariationMode = Literal["train", "test", "random"]
# Far bounds of object positions: the floor under the table is a plane of half
# size 3 m around (0, 0.6); nothing a task uses can be further away.
_OBJ_LOW = np.array([-3.0, -2.4, -1.0])
_OBJ_HIGH = np.array([3.0, 3.6, 2.0])
# Unit quaternions: MuJoCo's normalisation can leave a component one rounding
# step above 1, so the bound carries that much slack.
_QUAT_BOUND = 1.0 + 1e-9
# The arrays of a get_state() snapshot besides the physics: key -> attribute.
_STATE_ARRAYS = {"params": "params", "goal": "goal", "elapsed": "elapsed",
                 "needs_reset": "needs_reset", "pinned": "pinned", "prev_frame": "_prev_frame",
                 "obs": "_obs"}
# How far the hand may be from its workspace box: the mocap target never
# leaves it and the hand lags the target by a few centimetres at most.
_HAND_SLACK = 0.1


def check_actions(actions: Any, num_worlds: int) -> np.ndarray:
    """``actions`` as a (num_worlds, 4) float64 array, or an error that says what is wrong.

    Only real numbers are actions: numeric strings, bools and complex numbers
    are refused rather than converted (a complex number would lose its
    imaginary part silently).
    """
    a = np.asarray(actions)
    if a.dtype.kind not in "iuf":
        raise TypeError(f"actions must be a real float array of shape ({num_worlds}, 4), got "
                        f"{a.dtype} values")
    a = a.astype(np.float64, copy=False)
    if a.shape != (num_worlds, 4):
        raise ValueError(f"actions must have shape ({num_worlds}, 4) (one 4-d action per world), "
                         f"got {a.shape}")
    finite = np.isfinite(a).all(axis=1)
    if not finite.all():
        raise ValueError(f"actions of worlds {np.flatnonzero(~finite)[:10].tolist()} contain NaN or inf; "
                         "nothing was stepped")
    return a


def check_integer_ids(ids: np.ndarray) -> None:
    """Refuse world ids that are not integers (``1.7`` is no world; nothing is rounded)."""
    if ids.size and ids.dtype.kind not in "iu":
        raise TypeError(f"world ids must be integers or a boolean mask, got {ids.dtype} values "
                        f"{ids.ravel()[:10].tolist()}")


def separate_equal_bounds(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Widen every dimension whose bounds are equal by one ulp each way.

    A goal coordinate that no variation changes, or a hidden (zeroed) goal, has
    equal bounds; gymnasium's env checker warns on those. One ulp keeps the
    space exact: the constant value is still inside and nothing else is.
    """
    low, high = np.array(low, np.float64), np.array(high, np.float64)
    same = low == high
    low[same] = np.nextafter(low[same], -np.inf)
    high[same] = np.nextafter(high[same], np.inf)
    return low, high


class BatchEnv:
    """N worlds of one task, with Meta-World's observation, action and reward.

    Args:
        task: task name (``"reach"``, ``"reach-v2"``) or :class:`Task` subclass.
        num_worlds: N, the number of worlds stepped per call.
        seed: seed of this env's own random generator (variation draws).
        max_episode_steps: steps after which an episode truncates.
        terminate_on_success: end an episode (``terminated=True``) on success.
        variations: what a reset draws when no variation is pinned with
            :meth:`set_task`: one of the task's 50 ``"train"`` variations, one of
            its 50 ``"test"`` variations, or fresh ``"random"`` parameters.
        variation_seed: seed of the published train/test variation sets.
        goal_visible: whether observation slots 36-38 hold the goal (else zeros).
        num_threads: physics threads (0: one per CPU core) of the mujoco back-end.
        backend: ``"mujoco"`` (MuJoCo's ``mujoco.batch``, the benchmark's physics) or
            ``"warp"`` (MuJoCo Warp: float32, on ``device``; ``pip install -e '.[warp]'``).
        device: the warp back-end's device ("cpu", "cuda:0"; None: Warp's default).

    Attributes:
        observation_space: of one world, ``Box(39,)`` float64.
        action_space: of one world, ``Box(-1, 1, (4,), float32)``.
    """

    def __init__(
        self,
        task: str | type[Task],
        num_worlds: int = 1,
        *,
        seed: int | None = None,
        max_episode_steps: int = MAX_EPISODE_STEPS,
        terminate_on_success: bool = False,
        variations: VariationMode = "train",
        variation_seed: int = DEFAULT_VARIATION_SEED,
        goal_visible: bool = True,
        num_threads: int = 0,
        backend: str = "mujoco",
        device: str | None = None,
    ):
        task_cls = get_task(task) if isinstance(task, str) else task
        if not isinstance(num_worlds, (int, np.integer)) or num_worlds < 1:
            raise ValueError(f"num_worlds must be a positive integer, got {num_worlds!r}")
        if not isinstance(max_episode_steps, (int, np.integer)) or max_episode_steps < 1:
            raise ValueError(f"max_episode_steps must be a positive integer, got {max_episode_steps!r}")
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        if variations not in ("train", "test", "random"):
            raise ValueError(f"variations must be 'train', 'test' or 'random', got {variations!r}")
        self.task = task_cls()
        self.task_cls = task_cls
        self.num_worlds = int(num_worlds)
        self.max_episode_steps = int(max_episode_steps)
        self.terminate_on_success = bool(terminate_on_success)
        self.variation_mode: VariationMode = variations
        self.variation_seed = int(variation_seed)
        self.goal_visible = bool(goal_visible)
        self.rng = np.random.default_rng(seed)

        self.model = compile_spec(self.task.make_spec())
        self.backend = backend
        self.sim = make_sim(self.model, self.num_worlds, num_threads, backend, device)
        self.task.bind(self.sim)
        self._bind_robot()

        self.train_variations = task_cls.variations("train", self.variation_seed)
        self.test_variations = task_cls.variations("test", self.variation_seed)
        self._state_cache: dict[bytes, np.ndarray] = {}

        n = self.num_worlds
        self.params = np.zeros((n, task_cls.Params.dim()))
        self.pinned = np.zeros(n, dtype=bool)
        self.goal = np.zeros((n, 3))
        self.elapsed = np.zeros(n, dtype=np.int64)
        self.needs_reset = np.ones(n, dtype=bool)
        self._prev_frame = np.zeros((n, obs_lib.FRAME_DIM))
        self._obs = np.zeros((n, obs_lib.OBS_DIM))  # the observations last returned
        self.obs_clipped = np.zeros(n, dtype=bool)
        self._make_spaces()

    # ------------------------------------------------------------ set-up
    def _bind_robot(self) -> None:
        sim = self.sim
        self._hand_site = sim.site_id("hand")
        self._hand_mocap = sim.mocap_id("mocap")
        self._goal_mocap = sim.mocap_id("goal_marker")
        self._hand_qpos = slice(sim.qpos_slice("hand_x").start, sim.qpos_slice("hand_z").stop)
        self._finger_qpos = np.array([sim.qpos_slice("finger_left").start,
                                      sim.qpos_slice("finger_right").start])
        act = {self.model.actuator(i).name: i for i in range(self.model.nu)}
        self._finger_ctrl = np.array([act["finger_left"], act["finger_right"]])
        self._hand_ctrl = np.array([act["hand_x"], act["hand_y"], act["hand_z"]])
        # the hand's slide joints measure from the scene's hand position: servo targets do too
        self._hand_origin = np.asarray(scene_lib.HAND_START, float)
        lo, hi = self.task_cls.workspace
        self._ws_low, self._ws_high = np.array(lo, float), np.array(hi, float)

    def _make_spaces(self) -> None:
        quat = np.full(4, _QUAT_BOUND)
        frame_low = np.concatenate([self._ws_low - _HAND_SLACK, [0.0], _OBJ_LOW, -quat, _OBJ_LOW, -quat])
        frame_high = np.concatenate([self._ws_high + _HAND_SLACK, [1.0], _OBJ_HIGH, quat, _OBJ_HIGH, quat])
        if self.goal_visible:
            goal_low, goal_high = self.task_cls.goal_bounds()
        else:
            goal_low, goal_high = np.zeros(3), np.zeros(3)
        self._obs_low, self._obs_high = separate_equal_bounds(
            np.concatenate([frame_low, frame_low, goal_low]),
            np.concatenate([frame_high, frame_high, goal_high]),
        )
        self.observation_space = spaces.Box(self._obs_low, self._obs_high, dtype=np.float64)
        self.action_space = spaces.Box(-1.0, 1.0, (4,), dtype=np.float32)

    # ------------------------------------------------------------ variations
    def set_task(self, params: TaskParams | dict | np.ndarray | None, ids: Any = None) -> None:
        """Pin the variation of worlds ``ids`` (all if None) for every later reset.

        ``params`` is the task's parameter dataclass, its dict form, a flat
        parameter row (or one row per world), or None to unpin and go back to
        drawing variations. Takes effect at the next reset of those worlds.
        """
        ids = self._ids(ids)
        if params is None:
            self.pinned[ids] = False
            return
        P = self.task_cls.Params
        if isinstance(params, TaskParams):
            if not isinstance(params, P):
                raise TypeError(f"{self.task_cls.name} takes {P.__name__}, got {type(params).__name__}")
            rows = params.to_vector()[None]
        elif isinstance(params, dict):
            rows = P.from_dict(params).to_vector()[None]
        else:
            rows = np.atleast_2d(np.asarray(params, np.float64))
        if rows.shape[1] != P.dim() or rows.shape[0] not in (1, len(ids)):
            raise ValueError(f"{P.__name__} rows must have shape (1 or {len(ids)}, {P.dim()}), got {rows.shape}")
        bad = ~P.valid(rows)
        if bad.any():
            raise ValueError(f"variation outside {P.__name__}'s ranges or constraint: {rows[bad][0].tolist()} "
                             f"(ranges: {P.describe()})")
        self.params[ids] = rows
        self.pinned[ids] = True

    def _draw(self, k: int) -> np.ndarray:
        if self.variation_mode == "random":
            return self.task_cls.Params.sample(self.rng, k)
        pool = self.train_variations if self.variation_mode == "train" else self.test_variations
        return pool[self.rng.integers(len(pool), size=k)]

    # ------------------------------------------------------------ reset
    def reset(self, *, seed: int | None = None, ids: Any = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Start new episodes in worlds ``ids`` (all if None).

        Args:
            seed: reseeds this env's generator before drawing variations.
            ids: worlds to reset: integer indices or a boolean mask. An empty
                selection (``terminated | truncated`` with no world done)
                resets nothing.

        Returns:
            The observations of all N worlds (N, 39): first observations for the
            reset worlds, the last ones returned for the others; and an info dict
            of (N,) arrays.
        """
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        ids = self._ids(ids)
        if not ids.size:
            return self._obs.copy(), {"variation": self.params.copy()}
        free = ids[~self.pinned[ids]]
        if free.size:
            self.params[free] = self._draw(free.size)
        self._restore_initial_states(ids)
        self.goal[ids] = self.task.goal(self.task_cls.Params.split(self.params[ids]))
        self.elapsed[ids] = 0
        self.needs_reset[ids] = False
        frame = self._frame()
        self._prev_frame[ids] = frame[ids]
        self._obs[ids] = self._assemble(frame)[ids]
        return self._obs.copy(), {"variation": self.params.copy()}

    def _restore_initial_states(self, ids: np.ndarray) -> None:
        keys = [row.tobytes() for row in self.params[ids]]
        first: dict[bytes, int] = {}
        for i, k in zip(ids, keys):
            if k not in self._state_cache:
                first.setdefault(k, int(i))
        if first:
            # one world per new variation settles: worlds are bit-identical to each other
            # (tested), so the rest copy its state instead of settling it again
            self._settle(np.fromiter(first.values(), np.int64, len(first)))
            for k, i in first.items():
                self._state_cache[k] = self.sim.state[i].copy()
        self.sim.state[ids] = np.stack([self._state_cache[k] for k in keys])
        self.sim.clear_warnings(ids)
        self.sim.forward(ids)

    def _settle(self, ids: np.ndarray) -> None:
        sim, task = self.sim, self.task
        sim.reset_to_defaults(ids)
        start = np.asarray(self.task_cls.hand_start, float)
        sim.qpos[np.ix_(ids, range(self._hand_qpos.start, self._hand_qpos.stop))] = (
            start - np.asarray(scene_lib.HAND_START))
        sim.mocap_pos[ids, self._hand_mocap] = start
        sim.ctrl[np.ix_(ids, self._hand_ctrl)] = start - self._hand_origin
        sim.ctrl[np.ix_(ids, self._finger_ctrl)] = -1.0
        fields = self.task_cls.Params.split(self.params[ids])
        task.place(sim, ids, fields)
        sim.mocap_pos[ids, self._goal_mocap] = task.goal(fields)
        sim.forward(ids)
        sim.step(ids, nstep=task.settle_steps * scene_lib.SUBSTEPS)
        sim.time[ids] = 0.0
        if sim.unstable()[ids].any():
            raise RuntimeError(f"{self.task_cls.name}: physics warning while settling variations "
                               f"{self.params[ids][sim.unstable()[ids]].tolist()}")

    # ------------------------------------------------------------ step
    def step(self, actions: np.ndarray, active: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        """Apply one action per world and advance all worlds by one control step (12.5 ms).

        Args:
            actions: (N, 4). xyz displacement of the hand target (1 cm per step at
                1.0) and grip (+1 closes, -1 opens). Values outside [-1, 1] are
                clipped.
            active: optional (N,) bool mask of the worlds whose results are
                wanted. Only active worlds need a running episode. Inactive
                worlds are carried along by the batched physics call (their
                state advances) but this step does not count in their episode:
                their ``elapsed`` and ``needs_reset`` stay as they were, they
                report ``terminated = truncated = False``, and their
                observation, reward and info entries are not meaningful. An
                inactive world whose episode ended still needs a reset before
                it is stepped without a mask or as an active world.

        Returns:
            obs (N, 39), reward (N,), terminated (N,), truncated (N,), info of (N,)
            arrays: ``success``, the task's info, ``physics_warning`` (the world's
            physics became unstable; its episode is truncated), ``obs_clipped``
            (its observation left the declared bounds and was clipped) and
            ``reward_<term>`` for each reward term.

        Raises:
            TypeError: ``actions`` are not real numbers (strings, bools, complex).
            ValueError: wrong shape, NaN or inf in ``actions``, a malformed
                ``active`` mask, or an (active) world whose episode ended and
                was not reset. Nothing is stepped then.
        """
        a, active = self._check_step(actions, active)
        sim = self.sim
        target = sim.mocap_pos[:, self._hand_mocap] + scene_lib.ACTION_SCALE * a[:, :3]
        sim.mocap_pos[:, self._hand_mocap] = np.clip(target, self._ws_low, self._ws_high)
        sim.ctrl[:, self._hand_ctrl] = sim.mocap_pos[:, self._hand_mocap] - self._hand_origin
        sim.ctrl[:, self._finger_ctrl] = a[:, 3:4]
        sim.step()

        frame = self._frame()
        obs = self._assemble(frame)
        self._prev_frame = frame
        self._obs = obs.copy()
        ev = self.task.evaluate(sim, self.goal)
        unstable = sim.unstable()
        if active is None:
            self.elapsed += 1
            truncated = (self.elapsed >= self.max_episode_steps) | unstable
            terminated = ev.success & self.terminate_on_success
        else:
            # an inactive world's episode does not advance, so that nothing a
            # carried-along step does to it can end it or make a later step raise
            self.elapsed += active
            truncated = ((self.elapsed >= self.max_episode_steps) | unstable) & active
            terminated = ev.success & self.terminate_on_success & active
        self.needs_reset |= terminated | truncated
        return obs, ev.reward, terminated, truncated, self._info(ev, unstable)

    def state_info(self) -> dict[str, np.ndarray]:
        """The step info's entries for the worlds' current state, e.g. right after a reset.

        The task's evaluation of the current state (``success``, its info, and
        ``reward_<term>``), with ``physics_warning`` and ``obs_clipped`` as the last
        step or reset left them: the keys and dtypes of :meth:`step`'s info, so that
        recorders that want one info layout per episode row (Minari's
        ``DataCollector``) get it from a reset too.
        """
        return self._info(self.task.evaluate(self.sim, self.goal), self.sim.unstable())

    def _info(self, ev: Any, unstable: np.ndarray) -> dict[str, np.ndarray]:
        info = {"success": ev.success, **ev.info, "physics_warning": unstable,
                "obs_clipped": self.obs_clipped.copy()}
        info.update({f"reward_{k}": v for k, v in ev.terms.items()})
        return info

    def end_episodes(self, ids: Any = None) -> None:
        """End the episodes of worlds ``ids`` (all if None): they must be reset before they step.

        For owners that change what a world runs (e.g. a new task layout), so
        that stepping it before the reset that applies the change raises.
        """
        self.needs_reset[self._ids(ids)] = True

    def _check_step(self, actions: Any, active: Any) -> tuple[np.ndarray, np.ndarray | None]:
        n = self.num_worlds
        a = check_actions(actions, n)
        ended = self.needs_reset
        if active is not None:
            active = np.asarray(active)
            if active.dtype != bool or active.shape != (n,):
                raise ValueError(f"active must be a bool mask of shape ({n},) (one flag per world), "
                                 f"got {active.dtype} of shape {active.shape}: pass e.g. "
                                 f"np.ones({n}, dtype=bool)")
            ended = ended & active
        if ended.any():
            raise ValueError(f"worlds {np.flatnonzero(ended)[:10].tolist()} have no running episode: "
                             "call reset(ids=...) on them first")
        return np.clip(a, -1.0, 1.0), active

    # ------------------------------------------------------------ observation
    def _frame(self) -> np.ndarray:
        sim = self.sim
        hand = sim.site_xpos[:, self._hand_site]
        fingers = sim.qpos[:, self._finger_qpos]
        gap = scene_lib.FINGER_OPEN_GAP - fingers.sum(axis=1)
        opening = np.clip(gap / scene_lib.FINGER_OPEN_GAP, 0.0, 1.0)
        p1, q1, p2, q2 = self.task.objects(sim)
        return np.concatenate([hand, opening[:, None], p1, q1, p2, q2], axis=1)

    def _assemble(self, frame: np.ndarray) -> np.ndarray:
        goal = self.goal if self.goal_visible else np.zeros_like(self.goal)
        obs = np.concatenate([frame, self._prev_frame, goal], axis=1)
        # A safety net only: the bounds are chosen so that physics never leaves
        # them, and the quality gate fails a task whose worlds ever need it.
        clipped = np.clip(obs, self._obs_low, self._obs_high)
        self.obs_clipped = (clipped != obs).any(axis=1)
        return clipped

    # ------------------------------------------------------------ utilities
    def _ids(self, ids: Any) -> np.ndarray:
        if ids is None:
            return np.arange(self.num_worlds)
        ids = np.asarray(ids)
        if ids.dtype == bool:
            if ids.shape != (self.num_worlds,):
                raise ValueError(f"a boolean world mask must have shape ({self.num_worlds},), got {ids.shape}")
            return np.flatnonzero(ids)
        check_integer_ids(ids)
        ids = np.unique(ids.astype(np.int64).ravel())
        if ids.size and (ids[0] < 0 or ids[-1] >= self.num_worlds):
            raise ValueError(f"world ids must be in [0, {self.num_worlds}), got {ids.tolist()}")
        return ids

    def params_of(self, world: int) -> TaskParams:
        """The variation of world ``world`` as the task's parameter dataclass."""
        return self.task_cls.Params.from_vector(self.params[world])

    def get_state(self) -> dict[str, Any]:
        """A copy of everything needed to resume all worlds exactly (see :meth:`set_state`).

        Plain data, no pickle: numpy arrays (physics, variations, goals, episode
        counters, the last observations), the task's name and version, and the
        state of the generator that draws variations (``bit_generator.state``),
        so that resets after a restore draw what they drew after the snapshot.
        """
        return {"task": self.task_cls.name, "task_version": self.task_cls.version,
                "physics": self.sim.state.copy(), "rng": self.rng.bit_generator.state,
                **{key: getattr(self, attr).copy() for key, attr in _STATE_ARRAYS.items()}}

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore a :meth:`get_state` snapshot: later steps and resets are bit-identical to the
        original's.

        Raises:
            TypeError: ``state`` is not a dict.
            ValueError: the snapshot is of another task or task version, or of
                another number of worlds, or a key is missing, unknown, or of the
                wrong shape or dtype. It is checked whole before anything is
                written, so a refused snapshot leaves the env as it was.
        """
        rng = self._check_state(state)
        self.sim.state[...] = state["physics"]
        for key, attr in _STATE_ARRAYS.items():
            getattr(self, attr)[...] = state[key]
        self.rng = rng
        self.sim.forward()

    def _check_state(self, state: Any) -> np.random.Generator:
        """Validate a snapshot for :meth:`set_state`; returns its generator, restored."""
        if not isinstance(state, dict):
            raise TypeError(f"state must be a dict from get_state(), got {type(state).__name__}")
        want = {"task", "task_version", "physics", "rng", *_STATE_ARRAYS}
        missing, unknown = sorted(want - set(state)), sorted(set(state) - want, key=str)
        if missing or unknown:
            raise ValueError(f"not a BatchEnv.get_state() snapshot: missing keys {missing}, "
                             f"unknown keys {unknown}")
        ours = (self.task_cls.name, self.task_cls.version)
        if (state["task"], state["task_version"]) != ours:
            raise ValueError(f"state is of task {state['task']!r} v{state['task_version']}, this env "
                             f"runs {ours[0]!r} v{ours[1]}")
        current = {"physics": self.sim.state, **{k: getattr(self, a) for k, a in _STATE_ARRAYS.items()}}
        for key, have in current.items():
            got = state[key]
            if not isinstance(got, np.ndarray) or got.shape != have.shape or got.dtype != have.dtype:
                desc = (f"{got.dtype} array of shape {got.shape}" if isinstance(got, np.ndarray)
                        else type(got).__name__)
                raise ValueError(f"state[{key!r}] must be a {have.dtype} array of shape {have.shape} "
                                 f"(this env's {self.num_worlds} worlds), got a {desc}")
        rng = np.random.Generator(type(self.rng.bit_generator)())
        try:
            rng.bit_generator.state = state["rng"]
        except (TypeError, ValueError, KeyError) as err:
            raise ValueError(f"state['rng'] is not a {type(self.rng.bit_generator).__name__} "
                             f"generator state ({err})") from err
        return rng

    def close(self) -> None:
        """Release the simulation."""
        self.sim = None  # type: ignore[assignment]
