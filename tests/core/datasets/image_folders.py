"""Image folders written for tests: pictures of mixed sizes and formats, and files that are not pictures."""

from __future__ import annotations

from pathlib import Path

import numpy as np

# (format, suffix) of the pictures written, in turn.
FORMATS = (("PNG", ".png"), ("JPEG", ".jpg"), ("BMP", ".bmp"))
# (width, height) of the pictures written, in turn: landscape, portrait, square, tiny.
SIZES = ((40, 24), (18, 30), (32, 32), (5, 7))
# A flat colour per class, far apart so that a JPEG's artefacts cannot confuse them.
CLASS_COLOURS = {"circles": (220, 40, 40), "squares": (40, 200, 60), "triangles": (50, 70, 230)}


def save_picture(path: Path, pixels: np.ndarray, image_format: str = "PNG") -> Path:
    """Write ``(h, w, 3)`` or ``(h, w)`` uint8 pixels as a picture with Qt."""
    from PySide6.QtGui import QImage

    pixels = np.ascontiguousarray(pixels)
    height, width = pixels.shape[:2]
    if pixels.ndim == 2:
        image = QImage(pixels.data, width, height, pixels.strides[0], QImage.Format.Format_Grayscale8)
    else:
        image = QImage(pixels.data, width, height, pixels.strides[0], QImage.Format.Format_RGB888)
    path.parent.mkdir(parents=True, exist_ok=True)
    assert image.copy().save(str(path), image_format), f"Qt could not write {path}"
    return path


def write_image_folder(root: Path, counts: dict[str, int] | None = None, *, junk: bool = True) -> Path:
    """A folder with one sub-folder per class of flat-coloured pictures of mixed sizes and formats.

    With ``junk``, the first class also holds ``broken.png`` (a PNG signature followed by noise) and
    ``notes.txt`` (text), and the root a hidden ``.cache`` folder, all of which the reader must skip.
    """
    counts = counts or {"circles": 6, "squares": 5, "triangles": 7}
    for class_index, (name, count) in enumerate(counts.items()):
        colour = np.array(CLASS_COLOURS.get(name, (128, 128, 128)), np.uint8)
        for index in range(count):
            image_format, suffix = FORMATS[(index + class_index) % len(FORMATS)]
            width, height = SIZES[index % len(SIZES)]
            pixels = np.broadcast_to(colour, (height, width, 3))
            save_picture(root / name / f"{name}_{index:02d}{suffix}", pixels, image_format)
    if junk:
        first = root / next(iter(counts))
        (first / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
        (first / "notes.txt").write_text("not a picture\n")
        (root / ".cache").mkdir()
        (root / ".cache" / "thumb.png").write_bytes(b"junk")
    return root
