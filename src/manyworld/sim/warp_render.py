"""Batch rendering of every world at once with MuJoCo Warp's ray tracer.

:class:`WarpBatchRenderer` renders all worlds of a :class:`~manyworld.sim.warp_sim.WarpSim`
from the scene's named cameras in one kernel launch per frame, on the sim's Warp device
(a GPU, or the CPU for development). It is the Warp back-end's counterpart of
:class:`~manyworld.sim.render.WorldRenderer` (MuJoCo's OpenGL renderer, one world at a
time), and it draws a different picture: a ray tracer with MuJoCo Warp's lighting model
and no anti-aliasing, so images from the two renderers are alike, not equal (an agent
trained on one should be evaluated on the same one).

Each frame pushes the host's state rows to the device and makes positions, cameras and
lights current there (``kinematics``, ``camlight``): the host's rows are the state
(see :mod:`manyworld.sim.warp_sim`), and a partial step leaves the other worlds'
device copies ahead of them. Pixels come back packed (4 bytes a pixel) and are
unpacked on the host.

Only the scene's named cameras can be rendered here (MuJoCo Warp ray-traces model
cameras); free cameras placed by the user need the OpenGL renderer.
"""

from __future__ import annotations

import numpy as np


class WarpBatchRenderer:
    """Renders every world of a Warp sim from named scene cameras.

    Args:
        sim: the :class:`~manyworld.sim.warp_sim.WarpSim` to draw.
        cameras: scene camera names, in the order :meth:`render` returns them.
        height, width: image size in pixels.
        shadows: ray-trace shadows (a depth cue; costs a shadow ray per light and pixel).
    """

    def __init__(self, sim, cameras: list[str] | tuple[str, ...], height: int, width: int, shadows: bool = True):
        model = sim.model
        names = [model.camera(i).name for i in range(model.ncam)]
        unknown = [c for c in cameras if not isinstance(c, str) or c not in names]
        if unknown:
            raise ValueError(f"the warp renderer draws scene cameras only; {unknown} is not one of "
                             f"{', '.join(names)} (free cameras need renderer='opengl')")  # fmt: skip
        self.sim = sim
        self.cameras = list(cameras)
        self.size = (int(height), int(width))
        self._context = sim.run_on_device(lambda mjw, device_model, device_data: mjw.create_render_context(
            model, nworld=sim.num_worlds, cam_res=(int(width), int(height)), render_rgb=True,
            render_depth=False, cam_active=self.cameras, use_shadows=bool(shadows),
        ))  # fmt: skip
        self._offsets = [int(a) for a in self._context.rgb_adr.numpy()]

    def render(self) -> dict[str, np.ndarray]:
        """``{camera: (N, H, W, 3) uint8}``: every world from every camera, at the host's state."""
        sim, ctx = self.sim, self._context

        def draw(mjw, device_model, device_data) -> None:
            mjw.kinematics(device_model, device_data)
            mjw.camlight(device_model, device_data)
            mjw.refit_bvh(device_model, device_data, ctx)
            mjw.render(device_model, device_data, ctx)

        sim.run_on_device(draw)
        # pixels are packed ABGR: bytes B, G, R, A in memory (little-endian)
        packed = ctx.rgb_data.numpy().view(np.uint8).reshape(sim.num_worlds, -1, 4)
        h, w = self.size
        return {name: np.ascontiguousarray(packed[:, start:start + h * w, 2::-1].reshape(-1, h, w, 3))
                for name, start in zip(self.cameras, self._offsets)}  # fmt: skip

    def close(self) -> None:
        """Nothing to free beyond what Python's collector frees (device arrays)."""
