"""The cells of a :class:`~cnnviz.ui.viewers.filter_grid.FilterGrid`: one small title and one image each.

:class:`CellGrid` keeps the cells in a pyqtgraph layout, lays them out in the number of columns
that makes them largest in the area they are given (:func:`best_columns`), caps each view at the
size its image fills, shortens the titles while the cells are narrow, and marks chosen cells
(dead filters) with a red title and border. :func:`checked_maps` checks the maps a grid is given,
and :func:`map_levels` gives each map's colour range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF

TITLE_HEIGHT = 15
"""Pixels for each cell's small title."""
_COMPACT_CELL_WIDTH = 54   # narrower cells show only the last word of their title ("12", not "filter 12")
_MARK_COLOR = "#d62728"     # marked cells (e.g. dead filters): red title and border
_TITLE_COLOR = "#333333"
_SELECTED_COLOR = "#1f77b4"  # the cell shown enlarged: blue border (a mark's red wins)


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


@dataclass
class GridCell:
    """One grid cell: a small title above a view box holding the image."""

    layout: pg.GraphicsLayout
    label: pg.LabelItem
    view: pg.ViewBox
    image: pg.ImageItem


class CellGrid:
    """The cells of a filter grid, in a pyqtgraph layout (:attr:`layout`) that the grid places.

    Not a widget: the grid owns the view it is drawn in, and tells it the area to fill.
    """

    def __init__(self):
        self.layout = pg.GraphicsLayout()
        """The layout holding the cells."""
        self.layout.setContentsMargins(0, 0, 0, 0)
        self.layout.setSpacing(2)
        self._cells: list[GridCell] = []
        self._titles: list[str] = []
        self._marked: frozenset[int] = frozenset()
        self._image_shape = (0, 0)
        self._cell_shape = (1, 1)
        self._num_columns = 0
        self._compact_titles = False
        self._num_shown = 0
        self._selected: int | None = None

    def rebuild(self, num_images: int, image_shape: tuple[int, int], area: tuple[float, float]) -> bool:
        """Make ``num_images`` empty cells for images of ``image_shape`` (h, w), placed in ``area``.

        The titles are forgotten (the marks are kept). Returns :meth:`place`'s answer.
        """
        self.layout.clear()
        self._cells = []
        self._titles = []
        height, width = image_shape
        self._image_shape = (height, width)
        self._cell_shape = (max(height, 1), max(width, 1))
        for _ in range(num_images):
            layout = pg.GraphicsLayout()
            layout.setContentsMargins(1, 0, 1, 1)
            layout.setSpacing(0)
            label = pg.LabelItem("", size="8pt", color=_TITLE_COLOR)
            label.setMaximumHeight(TITLE_HEIGHT)
            layout.addItem(label, row=0, col=0)
            view, image = make_image_view(layout, 1, 0)
            view.setRange(xRange=(0, width), yRange=(0, height), padding=0)
            self._cells.append(GridCell(layout, label, view, image))
        self._num_columns = 0
        return self.place(area)

    def place(self, area: tuple[float, float]) -> bool:
        """Put the cells in the grid with the column count that makes them largest in ``area``.

        Each view box is also capped at the size its image fills, so that the spare room goes
        between cells and every title stays right above its image. Returns whether there are
        cells: the view they are drawn in must then give its central item the whole view again,
        once the layouts have taken the new caps into account.
        """
        if not self._cells:
            self._num_columns = 0
            return False
        area_width, area_height = area
        columns = best_columns(len(self._cells), self._cell_shape, (area_width, area_height))
        rows = math.ceil(len(self._cells) / columns)
        height, width = self._cell_shape
        scale = max(min((area_width / columns - 4) / width,
                        (area_height / rows - TITLE_HEIGHT - 4) / height), 0.5)
        for cell in self._cells:
            cell.view.setMaximumSize(width * scale, height * scale)
            cell.layout.setMaximumSize(width * scale + 2, height * scale + TITLE_HEIGHT + 1)
        compact = width * scale < _COMPACT_CELL_WIDTH
        if compact != self._compact_titles:
            self._compact_titles = compact
            self._style_cells()
        if columns != self._num_columns:
            for cell in self._cells:
                if cell.layout in self.layout.items:
                    self.layout.removeItem(cell.layout)
            for index, cell in enumerate(self._cells):
                self.layout.addItem(cell.layout, row=index // columns, col=index % columns)
            self._num_columns = columns
        return True

    def set_images(self, images: np.ndarray, levels: np.ndarray) -> None:
        """Draw ``images`` (n, h, w), or RGB patches (n, h, w, 3), one per cell, each over its range in
        ``levels`` (n, 2); cells beyond ``n`` (the last page's spare ones) are left blank.

        An RGB patch maps each channel from ``low`` (no light) to ``high`` (full light), so with a
        symmetric range the middle grey stands for 0 in every channel (the colour map is not used).
        """
        self._num_shown = min(len(images), len(self._cells))
        for cell, image, level in zip(self._cells, images, levels):
            cell.image.setImage(image, autoLevels=False, levels=(float(level[0]), float(level[1])))
        for cell in self._cells[self._num_shown:]:
            cell.image.clear()

    def set_colormap(self, colormap: pg.ColorMap) -> None:
        """Draw every cell with ``colormap``."""
        for cell in self._cells:
            cell.image.setColorMap(colormap)

    def set_titles(self, titles: list[str], marked: frozenset[int]) -> None:
        """Title the cells and mark some of them (red title and border); restyled only on a change."""
        if titles != self._titles or marked != self._marked:
            self._titles, self._marked = titles, marked
            self._style_cells()

    def set_marked(self, marked: frozenset[int]) -> None:
        """Mark the cells ``marked`` (an empty set clears the marks)."""
        self._marked = marked
        self._style_cells()

    def marked(self) -> frozenset[int]:
        """Indices of the marked cells."""
        return self._marked

    def titles(self) -> list[str]:
        """The cells' full titles."""
        return list(self._titles)

    def title(self, index: int) -> str:
        """The full title of cell ``index``."""
        return self._titles[index]

    def title_text(self, index: int) -> str:
        """The title drawn above cell ``index``: only its last word (``"12"`` for ``"filter 12"``)
        while the cells are too narrow for the whole title."""
        title = self._titles[index] if index < len(self._titles) else ""
        return title.split()[-1] if self._compact_titles and title.split() else title

    def num_columns(self) -> int:
        """How many columns the cells are laid out in (0 without cells)."""
        return self._num_columns

    def image_items(self) -> list[pg.ImageItem]:
        """The cells' image items, in image order."""
        return [cell.image for cell in self._cells]

    def cell_at(self, scene_position: QPointF) -> tuple[int, int, int] | None:
        """``(index, row, col)`` of the pixel at a position in the grid's scene, or None."""
        height, width = self._image_shape
        for index, cell in enumerate(self._cells[:self._num_shown]):
            if not cell.view.sceneBoundingRect().contains(scene_position):
                continue
            point = cell.view.mapSceneToView(scene_position)
            row, col = math.floor(point.y()), math.floor(point.x())
            if 0 <= row < height and 0 <= col < width:
                return index, row, col
            return None
        return None

    def pixel_scene_position(self, index: int, row: int, col: int) -> QPointF:
        """The scene position of the centre of pixel (row, col) of cell ``index``."""
        return self._cells[index].view.mapViewToScene(QPointF(col + 0.5, row + 0.5))

    def set_selected(self, index: int | None) -> None:
        """Frame cell ``index`` (the map shown enlarged) in blue; None frames none."""
        if index != self._selected:
            self._selected = index
            self._style_cells()

    def selected(self) -> int | None:
        """The framed cell, or None."""
        return self._selected

    def _style_cells(self) -> None:
        size = "7pt" if self._compact_titles else "8pt"
        for index, cell in enumerate(self._cells):
            title = self.title_text(index)
            if index in self._marked:
                cell.label.setText(title, size=size, color=_MARK_COLOR, bold=True)
                cell.view.setBorder(pg.mkPen(_MARK_COLOR, width=2))
            elif index == self._selected:
                cell.label.setText(title, size=size, color=_SELECTED_COLOR, bold=True)
                cell.view.setBorder(pg.mkPen(_SELECTED_COLOR, width=2))
            else:
                cell.label.setText(title, size=size, color=_TITLE_COLOR, bold=False)
                cell.view.setBorder(None)
