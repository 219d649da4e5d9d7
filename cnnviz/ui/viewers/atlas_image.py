"""A page of maps as one RGBA image (an atlas): where each tile goes, and one colour lookup for all.

A filter grid draws its page of maps as a single image, so that a new inspection costs one colour
lookup and one texture upload however many maps there are. :class:`AtlasGeometry` places tile
``i`` at row ``i // columns`` and column ``i % columns`` of the atlas, each tile enlarged by a whole
factor (so that the gaps between tiles, in atlas pixels, can be as narrow as the screen needs) with
a gap to its right and, for its title, above it. :func:`colour_tiles` maps every map through its own
range and the colour map's table at once; :func:`fill_atlas` writes the tiles into the atlas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LUT_SIZE = 256
"""Entries of the colour tables the maps are looked up in (as pyqtgraph's image items use)."""


@dataclass(frozen=True)
class AtlasGeometry:
    """Where the tiles of a page lie in its atlas; every length in atlas pixels.

    Attributes
    ----------
    num_tiles, num_columns, num_rows : int
    tile_shape : (int, int)
        A map's (height, width) in its own pixels.
    factor : int
        Atlas pixels per map pixel along each axis (the tiles are enlarged by repeating pixels).
    gap_x, gap_y : int
        Atlas pixels right of each tile, and above each tile (room for its title).
    """

    num_tiles: int
    num_columns: int
    num_rows: int
    tile_shape: tuple[int, int]
    factor: int
    gap_x: int
    gap_y: int

    @property
    def block(self) -> tuple[int, int]:
        """(height, width) of one tile with its gaps."""
        height, width = self.tile_shape
        return height * self.factor + self.gap_y, width * self.factor + self.gap_x

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) of the whole atlas."""
        block_height, block_width = self.block
        return self.num_rows * block_height, self.num_columns * block_width

    def origin(self, index: int) -> tuple[int, int]:
        """``(x, y)`` of the top-left corner of tile ``index``."""
        block_height, block_width = self.block
        return (index % self.num_columns) * block_width, (index // self.num_columns) * block_height + self.gap_y

    def pixel_at(self, x: float, y: float) -> tuple[int, int, int] | None:
        """``(index, row, col)`` of the map pixel at atlas position ``(x, y)``, or None (a gap, a spare
        cell or outside)."""
        block_height, block_width = self.block
        if x < 0 or y < 0 or not block_height or not block_width:
            return None
        column, row_of_tiles = math.floor(x / block_width), math.floor(y / block_height)
        index = row_of_tiles * self.num_columns + column
        if column >= self.num_columns or index >= self.num_tiles:
            return None
        left, top = self.origin(index)
        row, col = math.floor((y - top) / self.factor), math.floor((x - left) / self.factor)
        height, width = self.tile_shape
        return (index, row, col) if 0 <= row < height and 0 <= col < width else None


def atlas_geometry(num_tiles: int, tile_shape: tuple[int, int], num_columns: int, scale: float,
                   gap: float, title_height: float) -> AtlasGeometry:
    """The geometry of an atlas drawn at ``scale`` screen pixels per map pixel, with ``gap`` screen
    pixels between tiles and ``title_height`` more above each; big scales enlarge the tiles so that an
    atlas pixel is at most about 4 screen pixels and the gaps stay close to what was asked."""
    num_columns = max(num_columns, 1)
    factor = max(1, int(scale // 4))
    pixel = max(scale / factor, 1e-6)      # screen pixels per atlas pixel
    return AtlasGeometry(num_tiles, num_columns, max(math.ceil(num_tiles / num_columns), 1),
                         (int(tile_shape[0]), int(tile_shape[1])), factor,
                         max(math.ceil(gap / pixel), 1), max(math.ceil((gap + title_height) / pixel), 1))


def colour_tiles(images: np.ndarray, levels: np.ndarray, lut: np.ndarray | None) -> np.ndarray:
    """Each map in colour, shape (n, h, w, 4) uint8 RGBA, from one lookup for all of them.

    Parameters
    ----------
    images : ndarray, shape (n, h, w) or (n, h, w, 3)
        Maps, or RGB patches (each channel from ``low`` as no light to ``high`` as full light).
    levels : ndarray, shape (n, 2)
        Each map's range ``(low, high)``, ``low < high``.
    lut : ndarray, shape (LUT_SIZE, 4) uint8, or None
        The colour map's table (ignored for RGB patches).
    """
    low = levels[:, 0].astype(np.float32).reshape(-1, *([1] * (images.ndim - 1)))
    span = (levels[:, 1] - levels[:, 0]).astype(np.float32).reshape(low.shape)
    scaled = np.subtract(images, low, out=np.empty(images.shape, np.float32))  # C order, whatever the maps'
    scaled *= LUT_SIZE / span
    np.fmax(scaled, 0, out=scaled)               # NaN and -inf to the bottom of the table
    np.fmin(scaled, LUT_SIZE - 1, out=scaled)    # +inf to its top
    indices = scaled.astype(np.uint8)
    if images.ndim == 4:
        rgba = np.empty((*images.shape[:3], 4), np.uint8)
        # Channel value v of 0..255 in LUT_SIZE steps: the same as ImageItem's levels per channel.
        rgba[..., :3] = indices
        rgba[..., 3] = 255
        return rgba
    if lut is None:
        raise ValueError("A colour table is needed for maps that are not RGB patches.")
    # One 32-bit lookup per pixel (the table's four bytes as one word), not four byte lookups.
    table = np.ascontiguousarray(lut, dtype=np.uint8).view(np.uint32).reshape(-1)
    return table[indices].view(np.uint8).reshape(*indices.shape, 4)


def fill_atlas(atlas: np.ndarray | None, tiles: np.ndarray, geometry: AtlasGeometry) -> np.ndarray:
    """Write ``tiles`` (n, h, w, 4) uint8 into an atlas of ``geometry`` (reusing ``atlas`` when it has
    the right size); the gaps and spare cells are transparent. Returns the atlas, (H, W, 4) uint8."""
    size = (*geometry.size, 4)
    if atlas is None or atlas.shape != size:
        atlas = np.zeros(size, np.uint8)
    rows, columns = geometry.num_rows, geometry.num_columns
    height, width = geometry.tile_shape
    factor = geometry.factor
    block_height, block_width = geometry.block
    every = np.zeros((rows * columns, height, width, 4), np.uint8)
    every[:len(tiles)] = tiles[:rows * columns]
    if factor > 1:
        every = np.broadcast_to(every[:, :, None, :, None, :],
                                (len(every), height, factor, width, factor, 4)).reshape(
            len(every), height * factor, width * factor, 4)
    blocks = atlas.reshape(rows, block_height, columns, block_width, 4)
    blocks[:, geometry.gap_y:, :, :width * factor] = every.reshape(
        rows, columns, height * factor, width * factor, 4).transpose(0, 2, 1, 3, 4)
    return atlas
