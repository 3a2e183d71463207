"""Gymnasium adapters over :class:`BatchEnv`: the single ``Env`` (N = 1) and a ``VectorEnv``.

Both run the same batched code path; the single env only squeezes the batch
axis. Rendering goes through :mod:`manyworld.sim.render`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from manyworld.envs.batch_env import BatchEnv
from manyworld.envs.pixels import check_obs_mode, pixel_observer
from manyworld.sim import scene as scene_lib
from manyworld.tasks.base import Task

RENDER_FPS = round(1.0 / (scene_lib.TIMESTEP * scene_lib.SUBSTEPS))  # 80


class ManyWorldEnv(gym.Env):
    """One world of a task as a gymnasium ``Env`` (``gymnasium.make("manyworld/reach-v2")``).

    ``reset(seed=s)`` reseeds the env's own generator (the global numpy RNG is
    never used). ``reset(options={"params": p})`` pins a variation (the task's
    parameter dataclass, its dict, or a flat row) for this and later resets;
    ``options={"params": None}`` unpins it. :meth:`set_task` does the same.
    Episodes truncate after ``max_episode_steps`` (500).

    Keyword arguments are those of :class:`BatchEnv`, plus ``render_mode``
    (``"rgb_array"`` or ``"depth_array"``), ``camera`` and ``width``/``height``, and the
    pixel observations of :mod:`manyworld.envs.pixels`: ``obs_mode`` (``"state"``,
    ``"pixels"``, ``"state+pixels"``), ``cameras`` (names, or a mapping to free-camera
    placements), ``image_size`` (an int or (height, width)), ``frame_stack``, ``shadows``
    (False renders about 5x faster under OSMesa) and ``renderer`` (``"opengl"``, or
    ``"warp"``: MuJoCo Warp's batch ray tracer, with ``backend="warp"``).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array", "depth_array"], "render_fps": RENDER_FPS}

    def __init__(self, task: str | type[Task], render_mode: str | None = None, camera: str = "corner",
                 width: int = 480, height: int = 480, obs_mode: str = "state", cameras: Any = ("corner",),
                 image_size: int | tuple[int, int] = 84, frame_stack: int = 1, shadows: bool = True,
                 renderer: str = "opengl", **kwargs: Any):  # fmt: skip
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None, "
                             f"got {render_mode!r}")
        check_obs_mode(obs_mode)
        self.batch_env = BatchEnv(task, 1, **kwargs)
        self.obs_mode = obs_mode
        self.pixels = pixel_observer(self.batch_env, obs_mode, cameras, image_size, frame_stack, shadows, renderer)
        self.observation_space = (self.pixels.space(obs_mode, self.batch_env.observation_space)
                                  if self.pixels else self.batch_env.observation_space)  # fmt: skip
        self.action_space = self.batch_env.action_space
        self.render_mode = render_mode
        self._camera, self._size = camera, (height, width)
        self._renderer = None
        # one generator for gymnasium's np_random and the variation draws
        self._np_random = self.batch_env.rng

    @property
    def task(self) -> Task:
        return self.batch_env.task

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        _check_options(options)
        super().reset(seed=seed)
        self.batch_env.rng = self.np_random
        if options and "params" in options:
            self.batch_env.set_task(options["params"])
        obs, info = self.batch_env.reset()
        # the step info's keys too (the evaluation of the initial state), so that recorders
        # expecting one info layout per step, such as Minari's DataCollector, accept a reset
        info = {**info, **self.batch_env.state_info()}
        return self._observation(obs, reset=True), {k: _scalar(v[0]) if k != "variation" else v[0]
                                                    for k, v in info.items()}  # fmt: skip

    def step(self, action):
        action = np.asarray(action, dtype=np.float64)
        if action.shape != (4,):
            raise ValueError(f"action must have shape (4,), got {action.shape}")
        obs, reward, terminated, truncated, info = self.batch_env.step(action[None])
        info = {k: _scalar(v[0]) for k, v in info.items()}
        info["variation"] = self.batch_env.params[0].copy()  # as at reset: one layout per step
        return self._observation(obs), float(reward[0]), bool(terminated[0]), bool(truncated[0]), info

    def _observation(self, obs: np.ndarray, reset: bool = False):
        if self.pixels is None:
            return obs[0]
        images = {name: frames[0] for name, frames in self.pixels.observe(reset=reset).items()}
        return {"state": obs[0], **images} if self.obs_mode == "state+pixels" else images

    def set_task(self, params) -> None:
        """Pin a variation (or unpin with None) for later resets."""
        self.batch_env.set_task(params)

    def render(self):
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; pass render_mode='rgb_array' to make()")
            return None
        from manyworld.sim.render import WorldRenderer

        if self._renderer is None:
            self._renderer = WorldRenderer(self.batch_env.model, *self._size)
        return self._renderer.render(self.batch_env.sim, 0, self._camera,
                                     depth=self.render_mode == "depth_array")

    def close(self):
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        if self.pixels is not None:
            self.pixels.close()
            self.pixels = None


class ManyWorldVectorEnv(VectorEnv):
    """N worlds of one task as a gymnasium ``VectorEnv`` with autoreset.

    ``gymnasium.make_vec("manyworld/reach-v2", num_envs=N)`` builds one. The
    autoreset mode is gymnasium's ``NEXT_STEP`` by default: the step after an
    episode ends resets that world and returns its first observation with
    reward 0 (the action is ignored). ``autoreset_mode=AutoresetMode.SAME_STEP``
    resets in the same step instead and puts the last observation of the
    finished episode in ``info["final_obs"]`` (with ``info["_final_obs"]`` the
    mask of worlds that finished). ``obs_mode``, ``cameras``, ``image_size`` and
    ``frame_stack`` (and ``shadows``, ``renderer``) give pixel observations as for :class:`ManyWorldEnv`; a world
    that restarts starts a new frame stack.
    """

    metadata: ClassVar[dict[str, Any]] = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": ["rgb_array"],
                "render_fps": RENDER_FPS}

    def __init__(self, task: str | type[Task], num_envs: int = 1,
                 autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP, obs_mode: str = "state",
                 cameras: Any = ("corner",), image_size: int | tuple[int, int] = 84, frame_stack: int = 1,
                 shadows: bool = True, renderer: str = "opengl", **kwargs: Any):  # fmt: skip
        check_obs_mode(obs_mode)
        self.batch_env = BatchEnv(task, num_envs, **kwargs)
        self.obs_mode = obs_mode
        self.pixels = pixel_observer(self.batch_env, obs_mode, cameras, image_size, frame_stack, shadows, renderer)
        self.num_envs = num_envs
        self.autoreset_mode = AutoresetMode(autoreset_mode)
        if self.autoreset_mode == AutoresetMode.DISABLED:
            raise ValueError("autoreset_mode DISABLED is not supported: use BatchEnv for manual resets")
        self.metadata = {**self.metadata, "autoreset_mode": self.autoreset_mode}
        self.single_observation_space = (self.pixels.space(obs_mode, self.batch_env.observation_space)
                                         if self.pixels else self.batch_env.observation_space)  # fmt: skip
        self.single_action_space = self.batch_env.action_space
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self._pending_reset = np.zeros(num_envs, dtype=bool)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        seed = one_seed(seed)
        _check_options(options)
        if options and "params" in options:
            self.batch_env.set_task(options["params"])
        self._pending_reset[:] = False
        obs, info = self.batch_env.reset(seed=seed)
        return self._observation(obs, restarted=np.ones(self.num_envs, bool)), info

    def step(self, actions):
        env = self.batch_env
        actions = np.asarray(actions, dtype=np.float64)
        if self.autoreset_mode == AutoresetMode.NEXT_STEP and self._pending_reset.any():
            done = self._pending_reset.copy()
            # worlds that just restart are carried along by the batched step
            # (held in place) and restarted right after it
            actions = np.where(done[:, None], 0.0, actions)
            obs, reward, terminated, truncated, info = env.step(actions, active=~done)
            reset_obs, _ = env.reset(ids=done)
            obs[done] = reset_obs[done]
            reward[done] = 0.0
            terminated[done] = False
            truncated[done] = False
        else:
            done = np.zeros(self.num_envs, bool)
            obs, reward, terminated, truncated, info = env.step(actions)
        finished = terminated | truncated
        observation = self._observation(obs, restarted=done)
        if self.autoreset_mode == AutoresetMode.SAME_STEP and finished.any():
            info = dict(info, final_obs=observation, _final_obs=finished.copy())
            reset_obs, _ = env.reset(ids=finished)
            obs = np.where(finished[:, None], reset_obs, obs)
            observation = self._observation(obs, restarted=finished, only_restarted=True)
        else:
            self._pending_reset = finished.copy()
        return observation, reward, terminated, truncated, info

    def _observation(self, obs: np.ndarray, restarted: np.ndarray, only_restarted: bool = False):
        """The batch's observation; with pixels, render the worlds (restarted ones start a new stack)."""
        if self.pixels is None:
            return obs
        ids = np.flatnonzero(restarted) if only_restarted else None
        images = self.pixels.observe(ids, reset=restarted)
        return {"state": obs, **images} if self.obs_mode == "state+pixels" else images

    def set_task(self, params, ids=None) -> None:
        """Pin variations of worlds ``ids`` (see :meth:`BatchEnv.set_task`)."""
        self.batch_env.set_task(params, ids)

    def close_extras(self, **kwargs):
        if self.pixels is not None:
            self.pixels.close()
        self.batch_env.close()


def one_seed(seed: Any) -> int | None:
    """The single seed of a batched env's ``reset``: per-world seed lists are refused.

    A gymnasium vector env of separate envs seeds them ``[s, s+1, ...]`` or from
    a list; a batched env has one generator for all its worlds, so it takes one
    int, and a list would be silently reinterpreted.
    """
    if isinstance(seed, (list, tuple, np.ndarray)):
        raise TypeError(
            f"reset(seed={list(seed)[:4]}...): a batched env takes one seed for all its worlds "
            "(reset(seed=int)); per-world seed lists are not supported"
        )
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"seed must be an int or None, got {seed!r}")
    return seed


def _check_options(options: dict | None) -> None:
    unknown = sorted(set(options or {}) - {"params"})
    if unknown:
        raise ValueError(f"unknown reset option(s) {unknown}: the only option is 'params' "
                         "(a variation to pin, or None to unpin)")


def _scalar(x):
    return x.item() if isinstance(x, np.generic) else x
