"""Images and videos of batch worlds: saving them, contact sheets.

The renderer itself is :class:`manyworld.sim.render.WorldRenderer` (re-exported
here), below the envs that use it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from manyworld.sim.render import WorldRenderer

__all__ = ["WorldRenderer", "check_image_path", "check_video_path", "contact_sheet", "save_image",
           "save_video"]


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
