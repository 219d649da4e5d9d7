"""What the cells of a :class:`~cnnviz.ui.viewers.filter_grid.FilterGrid` are made from.

:func:`checked_maps` checks the maps a grid is given, :func:`map_levels` gives each map's colour
range, :func:`best_columns` the column count that makes the cells largest in an area, and
:func:`make_image_view` a fixed view holding one image (the reference image beside the grid). The
cells themselves are drawn as one atlas image (:mod:`~cnnviz.ui.viewers.grid_atlas`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg

TITLE_HEIGHT = 15
"""Pixels for each cell's small title."""


def checked_maps(images: np.ndarray, titles: Sequence[str] | None) -> tuple[np.ndarray, list[str]]:
    """``images`` as a read-only float32 copy of shape (n, h, w) or (n, h, w, 3) (RGB patches), and one
    title per image (default ``"filter i"``).

    Raises
    ------
    ValueError
        If ``images`` is neither (n, h, w) nor (n, h, w, 3) or holds no numbers, or the number of
        titles differs from the number of images.
    """
    images = np.asarray(images)
    if images.ndim != 3 and not (images.ndim == 4 and images.shape[-1] == 3):
        raise ValueError(f"images must have shape (n, height, width), or (n, height, width, 3) for colour "
                         f"patches, received an array of shape {images.shape}. Move the map axis first, "
                         f"e.g. maps.transpose(2, 0, 1).")
    if not np.issubdtype(images.dtype, np.number):
        raise ValueError(f"images must hold numbers, received dtype {images.dtype}.")
    num_images = images.shape[0]
    titles = [f"filter {index}" for index in range(num_images)] if titles is None else list(titles)
    if len(titles) != num_images:
        raise ValueError(f"Received {len(titles)} titles for {num_images} images; give one title "
                         f"per image or none.")
    images = np.array(images, dtype=np.float32)
    images.flags.writeable = False
    return images, titles


def map_levels(images: np.ndarray, symmetric: bool, shared_scale: bool) -> np.ndarray:
    """Display range ``(low, high)`` of each image, shape (n, 2); never empty (low < high).

    Parameters
    ----------
    images : ndarray, shape (n, h, w) or (n, h, w, 3)
        An RGB patch gets one range for its three channels.
    symmetric : bool
        Centre each range at zero: ``-m .. m`` with ``m`` the largest ``|value|``.
    shared_scale : bool
        One range for all images (the widest), or each image's own.
    """
    finite = np.isfinite(images)
    clean = images if finite.all() else np.where(finite, images, 0.0)
    axes = tuple(range(1, images.ndim))
    if symmetric:
        high = np.abs(clean).max(axis=axes).astype(np.float64)
        if shared_scale:
            high[:] = high.max()
        high[high == 0] = 1.0
        return np.stack([-high, high], axis=1)
    low = clean.min(axis=axes).astype(np.float64)
    high = clean.max(axis=axes).astype(np.float64)
    if shared_scale:
        low[:], high[:] = low.min(), high.max()
    flat = high <= low
    high[flat] = low[flat] + 1.0
    return np.stack([low, high], axis=1)


def best_columns(num_images: int, image_shape: tuple[int, int], area: tuple[float, float]) -> int:
    """How many columns make the cells largest in ``area`` (width, height), titles included."""
    height, width = image_shape
    area_width, area_height = max(area[0], 50.0), max(area[1], 50.0)
    best_columns, best_scale = 1, -1.0
    for columns in range(1, num_images + 1):
        rows = math.ceil(num_images / columns)
        cell_width = area_width / columns - 4
        cell_height = area_height / rows - TITLE_HEIGHT - 4
        scale = min(cell_width / width, cell_height / height)
        if scale > best_scale + 1e-9:
            best_columns, best_scale = columns, scale
    return best_columns


def make_image_view(parent_layout: pg.GraphicsLayout, row: int, col: int) -> tuple[pg.ViewBox, pg.ImageItem]:
    """A fixed (no pan/zoom) view box with row 0 at the top, holding one image item, put in
    cell (``row``, ``col``) of ``parent_layout``."""
    view = pg.ViewBox(lockAspect=True, enableMouse=False, enableMenu=False, invertY=True,
                      defaultPadding=0.0)
    view.setMouseEnabled(x=False, y=False)
    image = pg.ImageItem(axisOrder="row-major")
    view.addItem(image)
    parent_layout.addItem(view, row=row, col=col)
    return view, image
