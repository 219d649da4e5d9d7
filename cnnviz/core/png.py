"""A minimal PNG writer (8-bit grey or RGB, no Qt), and the scaling of arrays to 8-bit pictures.

The command line writes feature visualizations and top images with it, so a headless machine needs no
display or Qt image plug-in for them. Files are written to a temporary name and renamed into place.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np


def to_bytes(image: np.ndarray, value_range: tuple[float, float] | None = None) -> np.ndarray:
    """An ``(h, w)`` or ``(h, w, c)`` array as uint8, ``value_range`` (default: its own minimum and
    maximum) mapped to 0-255; a constant image becomes mid-grey."""
    data = np.asarray(image, dtype=np.float64)
    low, high = (float(data.min()), float(data.max())) if value_range is None else value_range
    if not high > low:
        return np.full(data.shape, 128, np.uint8)
    return np.clip(np.round((data - low) / (high - low) * 255), 0, 255).astype(np.uint8)


def write_png(path: str | Path, pixels: np.ndarray, scale: int = 1) -> Path:
    """Write ``pixels`` (uint8, ``(h, w)``, ``(h, w, 1)`` or ``(h, w, 3)``) as a PNG, each pixel enlarged
    to ``scale × scale``; returns the path."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8:
        raise ValueError(f"write_png takes uint8 pixels (see to_bytes), received dtype {pixels.dtype}.")
    if pixels.ndim == 3 and pixels.shape[-1] == 1:
        pixels = pixels[..., 0]
    if pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[-1] != 3) or 0 in pixels.shape:
        raise ValueError(f"write_png takes (h, w), (h, w, 1) or (h, w, 3) pixels, received shape {pixels.shape}.")
    if scale > 1:
        pixels = np.repeat(np.repeat(pixels, scale, axis=0), scale, axis=1)
    height, width = pixels.shape[:2]
    colour_type = 2 if pixels.ndim == 3 else 0
    rows = pixels.reshape(height, -1)
    raw = b"".join(b"\x00" + row.tobytes() for row in rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    content = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0))
               + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)
    return path


def mosaic(tiles: list[np.ndarray], columns: int, gap: int = 1, fill: int = 255) -> np.ndarray:
    """uint8 tiles of equal shape ``(h, w)`` or ``(h, w, c)`` laid out in rows of ``columns``, ``gap``
    pixels of ``fill`` between them."""
    if not tiles:
        raise ValueError("A mosaic needs at least one tile.")
    height, width = tiles[0].shape[:2]
    extra = tiles[0].shape[2:]
    rows = -(-len(tiles) // columns)
    sheet = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap, *extra), fill, np.uint8)
    for index, tile in enumerate(tiles):
        top, left = (index // columns) * (height + gap), (index % columns) * (width + gap)
        sheet[top:top + height, left:left + width] = tile
    return sheet
