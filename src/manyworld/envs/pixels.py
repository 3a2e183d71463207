"""Pixel observations of a batch of worlds: named or user-placed cameras, frame stacking.

:class:`PixelObserver` turns the state of a :class:`~manyworld.envs.batch_env.BatchEnv`
into images, one ``(N, H, W, 3)`` uint8 array per camera (``(N, k, H, W, 3)`` with a
stack of the last ``k`` frames), and says what the observation space of one world is
for ``obs_mode``:

- ``"state"``: the 39-d state (no images);
- ``"pixels"``: ``Dict({camera: Box(uint8)})``;
- ``"state+pixels"``: ``Dict({"state": Box(39,), camera: Box(uint8)})``.

Cameras are the scene's named ones (``corner``, ``topview``, ``front``, ``side``,
``gripper``: :data:`manyworld.sim.scene.CAMERAS`) or free cameras the user places,
``{"name": {"lookat": [x, y, z], "distance": d, "azimuth": deg, "elevation": deg}}``;
:meth:`PixelObserver.move_camera` moves one between steps.

Two renderers: ``renderer="opengl"`` (the default, either back-end) is MuJoCo's
offscreen renderer on the CPU (EGL or OSMesa), one world at a time, without
reflections (they change under 1% of the pixels and cost a third of a frame), with
shadows unless ``shadows=False`` (about 5x faster under OSMesa; shadows show height
above the table). ``renderer="warp"`` (with ``backend="warp"``, scene cameras only) is
MuJoCo Warp's ray tracer, every world in one launch on the sim's device
(:mod:`manyworld.sim.warp_render`). Frames/s of both are in docs/backends.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import mujoco
import numpy as np
from gymnasium import spaces

from manyworld.sim.render import WorldRenderer

OBS_MODES = ("state", "pixels", "state+pixels")
RENDERERS = ("opengl", "warp")
_FREE_CAMERA_KEYS = {"lookat", "distance", "azimuth", "elevation"}


def _free_camera(name: str, spec: Mapping[str, Any]) -> mujoco.MjvCamera:
    unknown = set(spec) - _FREE_CAMERA_KEYS
    if unknown or not spec:
        raise ValueError(f"camera {name!r}: a free camera takes {sorted(_FREE_CAMERA_KEYS)}, got {sorted(spec)}")
    camera = mujoco.MjvCamera()
    camera.type = mujoco.mjtCamera.mjCAMERA_FREE
    camera.lookat[:] = np.asarray(spec.get("lookat", (0.0, 0.6, 0.1)), float)
    camera.distance = float(spec.get("distance", 1.2))
    camera.azimuth = float(spec.get("azimuth", 90.0))
    camera.elevation = float(spec.get("elevation", -30.0))
    if not np.isfinite(camera.lookat).all() or camera.distance <= 0:
        raise ValueError(f"camera {name!r}: lookat must be finite and distance positive")
    return camera


class PixelObserver:
    """Images of every world of ``env`` from each camera, with an optional frame stack.

    Args:
        env: the batch env whose worlds are seen.
        cameras: scene camera names, or a mapping of names to a scene camera name
            (``None``) or a free camera's placement (see the module doc).
        width, height: image size in pixels.
        frame_stack: the number of most recent frames per camera (1: no stack).
        shadows: render shadows (a depth cue; the frame costs about 5x as much under OSMesa).
        renderer: ``"opengl"`` (MuJoCo's renderer, one world at a time; either back-end)
            or ``"warp"`` (MuJoCo Warp's ray tracer, every world in one launch on the
            sim's device; ``backend="warp"`` and scene cameras only). The two draw
            alike, not equal, images.
    """

    def __init__(self, env, cameras: Any = ("corner",), width: int = 84, height: int = 84,
                 frame_stack: int = 1, shadows: bool = True, renderer: str = "opengl"):  # fmt: skip
        for flag, value in (("width", width), ("height", height), ("frame_stack", frame_stack)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{flag} must be a positive integer, got {value!r}")
        if isinstance(cameras, str):
            cameras = (cameras,)
        placements = dict(cameras) if isinstance(cameras, Mapping) else {name: None for name in cameras}
        if not placements:
            raise ValueError("cameras is empty: name at least one (e.g. 'corner')")
        model = env.model
        names = [model.camera(i).name for i in range(model.ncam)]
        self.cameras: dict[str, str | mujoco.MjvCamera] = {}
        for name, spec in placements.items():
            if name in ("state",):
                raise ValueError("a camera cannot be named 'state' (the state's key in the observation)")
            if spec is None:
                if name not in names:
                    raise ValueError(f"unknown camera {name!r}; scene cameras: {', '.join(names)} (or give "
                                     "a free camera's lookat, distance, azimuth, elevation)")  # fmt: skip
                self.cameras[name] = name
            else:
                self.cameras[name] = _free_camera(name, spec)
        self.env = env
        self.size = (int(height), int(width))
        self.frame_stack = int(frame_stack)
        if not isinstance(shadows, (bool, np.bool_)):
            raise ValueError(f"shadows must be True or False, got {shadows!r}")  # noqa: TRY004
        if renderer not in RENDERERS:
            raise ValueError(f"renderer must be one of {', '.join(RENDERERS)}, got {renderer!r}")
        self.renderer = renderer
        if renderer == "warp":
            if getattr(env, "backend", "mujoco") != "warp":
                raise ValueError("renderer='warp' draws the worlds of the warp back-end: make the env with "
                                 "backend='warp', or use renderer='opengl'")  # fmt: skip
            free = [n for n, c in self.cameras.items() if isinstance(c, mujoco.MjvCamera)]
            if free:
                raise ValueError(f"renderer='warp' draws scene cameras only; {free} are free cameras "
                                 "(use renderer='opengl' for them)")  # fmt: skip
            from manyworld.sim.warp_render import WarpBatchRenderer

            self._batch_renderer = WarpBatchRenderer(env.sim, [c for c in self.cameras.values()], *self.size,
                                                     shadows=bool(shadows))  # fmt: skip
        else:
            # an agent's images: a small shadow map, no multisampling, no reflections (render.py: costs)
            self._renderer = WorldRenderer(model, *self.size, thumbnail=True, shadows=bool(shadows),
                                           reflections=False)  # fmt: skip
        n, shape = env.num_worlds, self._frame_shape()
        self._stacks = {name: np.zeros((n, *shape), np.uint8) for name in self.cameras}

    def _frame_shape(self) -> tuple[int, ...]:
        image = (*self.size, 3)
        return (self.frame_stack, *image) if self.frame_stack > 1 else image

    def space(self, obs_mode: str, state_space: spaces.Box) -> spaces.Space:
        """The observation space of one world under ``obs_mode``."""
        check_obs_mode(obs_mode)
        if obs_mode == "state":
            return state_space
        images = {name: spaces.Box(0, 255, self._frame_shape(), np.uint8) for name in self.cameras}
        return spaces.Dict({"state": state_space, **images} if obs_mode == "state+pixels" else images)

    def move_camera(self, name: str, **placement: Any) -> None:
        """Place free camera ``name`` anew (lookat, distance, azimuth, elevation); next frame on."""
        if not isinstance(self.cameras.get(name), mujoco.MjvCamera):
            free = [n for n, c in self.cameras.items() if isinstance(c, mujoco.MjvCamera)]
            raise ValueError(f"{name!r} is not a free camera of this env; free cameras: {free}")  # noqa: TRY004
        self.cameras[name] = _free_camera(name, placement)

    def observe(self, ids: np.ndarray | None = None, reset: bool | np.ndarray = False
                ) -> dict[str, np.ndarray]:  # fmt: skip
        """Render worlds ``ids`` (all if None) from every camera; the stacks of all worlds.

        ``reset`` (one flag, or a mask over all worlds) marks the worlds whose stack
        restarts from the new frame: a new episode starts without frames of the last one.
        """
        ids = np.arange(self.env.num_worlds) if ids is None else np.asarray(ids, dtype=int)
        restart = np.broadcast_to(np.asarray(reset, bool), (self.env.num_worlds,))[ids]
        for name, frames in self._render(ids).items():
            stack = self._stacks[name]
            if self.frame_stack == 1:
                stack[ids] = frames
                continue
            going, fresh = ids[~restart], ids[restart]
            stack[going, :-1] = stack[going, 1:]
            stack[going, -1] = frames[~restart]
            stack[fresh] = frames[restart][:, None]  # a new episode's stack is its first frame k times
        return {name: stack.copy() for name, stack in self._stacks.items()}

    def _render(self, ids: np.ndarray) -> dict[str, np.ndarray]:
        """``{camera: (len(ids), H, W, 3) uint8}``, the frames of worlds ``ids`` now."""
        if self.renderer == "warp":  # every world in one launch; keep the ones asked for
            return {name: frames[ids] for name, frames in self._batch_renderer.render().items()}
        out = {}
        for name, camera in self.cameras.items():
            out[name] = np.empty((len(ids), *self.size, 3), np.uint8)
            for k, world in enumerate(ids):
                out[name][k] = self._renderer.render(self.env.sim, int(world), camera)
        return out

    def close(self) -> None:
        """Free the GL context (the opengl renderer)."""
        if self.renderer == "opengl":
            self._renderer.close()


def pixel_observer(env, obs_mode: str, cameras: Any, image_size: Any, frame_stack: int, shadows: bool = True,
                   renderer: str = "opengl") -> PixelObserver | None:  # fmt: skip
    """The observer for ``obs_mode`` (None for ``"state"``); ``image_size`` is an int or (height, width)."""
    check_obs_mode(obs_mode)
    if obs_mode == "state":
        return None
    size = (image_size, image_size) if isinstance(image_size, (int, np.integer)) else tuple(np.ravel(image_size))
    if len(size) != 2:
        raise ValueError(f"image_size must be an int or (height, width), got {image_size!r}")
    return PixelObserver(env, cameras, width=size[1], height=size[0], frame_stack=frame_stack, shadows=shadows,
                         renderer=renderer)  # fmt: skip


def check_obs_mode(obs_mode: str) -> None:
    """Refuse an unknown ``obs_mode``, naming the choices."""
    if obs_mode not in OBS_MODES:
        raise ValueError(f"obs_mode must be one of {', '.join(OBS_MODES)}, got {obs_mode!r}")
