"""Offscreen rendering of batch worlds, contact sheets and videos.

Works headless with ``MUJOCO_GL=egl`` or ``MUJOCO_GL=osmesa`` (set before
MuJoCo creates a context). Each :class:`WorldRenderer` owns its own GL context,
so several envs rendering in one process do not corrupt each other.
"""

from __future__ import annotations

from pathlib import Path

import mujoco
import numpy as np


class WorldRenderer:
    """Renders one world of a :class:`~manyworld.sim.world.BatchSim` from a named camera.

    ``thumbnail=True`` is for small images (a report's GIF): a 512-texel shadow map and
    no multisampling, about 4x faster under software GL (OSMesa) and alike at 96 pixels.
    """

    def __init__(self, model: mujoco.MjModel, height: int = 480, width: int = 480, *,
                 thumbnail: bool = False):  # fmt: skip
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
        self._data = mujoco.MjData(model)

    def render(self, sim, world: int, camera: str = "corner", depth: bool = False) -> np.ndarray:
        """An (H, W, 3) uint8 image (or (H, W) float depth) of ``world`` seen from ``camera``."""
        if mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_CAMERA, camera) < 0:
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


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
VIDEO_SUFFIXES = (".gif", ".mp4")


def check_image_path(path: str | Path) -> None:
    """Refuse a file name :func:`save_image` cannot write (checked before rendering)."""
    if Path(path).suffix.lower() not in IMAGE_SUFFIXES:
        raise ValueError(f"an image file name must end in {', '.join(IMAGE_SUFFIXES)}, got "
                         f"{Path(path).name!r}")


def check_video_path(path: str | Path) -> None:
    """Refuse a file name :func:`save_video` cannot write here (checked before the rollout).

    An ``.mp4`` needs ffmpeg, which the ``video`` extra (imageio-ffmpeg) brings.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        raise ValueError(f"a video file name must end in .gif or .mp4, got {Path(path).name!r}")
    if suffix == ".mp4":
        try:
            import imageio_ffmpeg

            imageio_ffmpeg.get_ffmpeg_exe()
        except (ImportError, RuntimeError) as err:
            raise ValueError(f"writing {path} needs ffmpeg: pip install 'manyworld[video]', or "
                             f"write a .gif ({err})") from err


def save_image(image: np.ndarray, path: str | Path) -> Path:
    """Write an image (PNG/JPEG by extension)."""
    import imageio.v3 as iio

    check_image_path(path)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    iio.imwrite(path, image)
    return path


def save_video(frames: list[np.ndarray], path: str | Path, fps: int = 40) -> Path:
    """Write frames as a GIF or MP4 (MP4 needs the ``video`` extra: imageio-ffmpeg)."""
    import imageio.v3 as iio

    check_video_path(path)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".gif":
        iio.imwrite(path, np.stack(frames), duration=1000.0 / fps, loop=0)
    else:
        try:
            iio.imwrite(path, np.stack(frames), fps=fps, codec="libx264")
        except Exception as err:  # imageio raises various errors when ffmpeg is absent
            raise RuntimeError(f"writing {path} needs ffmpeg: pip install 'manyworld[video]' ({err})") from err
    return path


def contact_sheet(images: list[np.ndarray], labels: list[str], columns: int = 5) -> np.ndarray:
    """Tile images into one labelled grid image."""
    from PIL import Image, ImageDraw

    h, w = images[0].shape[:2]
    rows = (len(images) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * w, rows * h), (30, 30, 30))
    draw = ImageDraw.Draw(sheet)
    for k, (img, label) in enumerate(zip(images, labels)):
        x, y = (k % columns) * w, (k // columns) * h
        sheet.paste(Image.fromarray(img), (x, y))
        draw.rectangle([x, y, x + 8 * len(label) + 8, y + 18], fill=(0, 0, 0))
        draw.text((x + 4, y + 3), label, fill=(255, 255, 255))
    return np.asarray(sheet)
