"""Offscreen rendering of one world of a batch, from a named camera.

It sits with the simulators, below the envs that render through it (``render_mode``);
saving images and videos, and contact sheets, are the report's
(:mod:`manyworld.report.render`). Works headless with ``MUJOCO_GL=egl`` or
``MUJOCO_GL=osmesa`` (set before MuJoCo creates a context). Each
:class:`WorldRenderer` owns its own GL context, so several envs rendering in one
process do not corrupt each other.
"""

from __future__ import annotations

import mujoco
import numpy as np


class WorldRenderer:
    """Renders one world of a simulator (either back-end) from a named camera.

    ``thumbnail=True`` is for small images (a report's GIF): a 512-texel shadow map and
    no multisampling, about 4x faster under software GL (OSMesa) and alike at 96 pixels.
    ``shadows=False`` and ``reflections=False`` drop those passes: under OSMesa, at 48x48
    with a 512-texel shadow map, on a shared core, a frame took 16 ms with both, 11 ms without
    reflections and 2 ms without either (``benchmarks/pixel_speed.py``). Reflections
    change about 0.6% of the pixels of the ``corner`` view by at most 10 levels of 255;
    shadows are a depth cue (how high the hand or an object is above the table).
    """

    def __init__(self, model: mujoco.MjModel, height: int = 480, width: int = 480, *,
                 thumbnail: bool = False, shadows: bool = True, reflections: bool = True):  # fmt: skip
        self.model = model
        quality = model.vis.quality
        saved = (quality.shadowsize, quality.offsamples)
        if thumbnail:
            # the GL context reads these once, when it is made; the model is left as it was
            quality.shadowsize, quality.offsamples = min(saved[0], 512), 0
        try:
            self._renderer = mujoco.Renderer(model, height=height, width=width)
        finally:
            quality.shadowsize, quality.offsamples = saved
        flags = self._renderer.scene.flags
        flags[mujoco.mjtRndFlag.mjRND_SHADOW] = bool(shadows)
        flags[mujoco.mjtRndFlag.mjRND_REFLECTION] = bool(reflections)
        self._data = mujoco.MjData(model)

    def render(self, sim, world: int, camera: str | mujoco.MjvCamera = "corner", depth: bool = False
               ) -> np.ndarray:  # fmt: skip
        """An (H, W, 3) uint8 image (or (H, W) float depth) of ``world`` seen from ``camera``.

        ``camera`` is a scene camera's name or a free ``mujoco.MjvCamera`` the caller placed.
        """
        if isinstance(camera, str) and mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_CAMERA, camera) < 0:
            names = [self.model.camera(i).name for i in range(self.model.ncam)]
            raise ValueError(f"unknown camera {camera!r}; cameras: {', '.join(names)}")
        sim.get_data(world, self._data)
        if depth:
            self._renderer.enable_depth_rendering()
        else:
            self._renderer.disable_depth_rendering()
        self._renderer.update_scene(self._data, camera=camera)
        return self._renderer.render().copy()

    def close(self) -> None:
        """Free the GL context."""
        self._renderer.close()
