"""The cells of a :class:`~cnnviz.ui.viewers.filter_grid.FilterGrid`, drawn as one image.

:class:`AtlasGrid` shows a page of maps as a tiled atlas (:mod:`~cnnviz.ui.viewers.atlas_image`) in
one image item: a new inspection costs one colour lookup and one texture upload, however many maps
the page holds. It lays the tiles out in the number of columns that makes them largest in the area
it is given (:func:`~cnnviz.ui.viewers.grid_cells.best_columns`), writes a small title above each
tile (only its last word while the tiles are narrow), marks chosen tiles (dead filters) with a red
title and border and the enlarged one with a blue border. Titles, marks and layout change only when
they change; new maps of the same shape only refill the atlas.

Overlays: :meth:`AtlasGrid.tile_rect` gives a map's pixel rectangle in the view's coordinates and
:meth:`AtlasGrid.add_overlay` puts an item (e.g. a ``QGraphicsRectItem``) in that view, so an outline
per tile (a receptive field) takes a few lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem

from cnnviz.ui.viewers.atlas_image import LUT_SIZE, AtlasGeometry, atlas_geometry, colour_tiles, fill_atlas
from cnnviz.ui.viewers.atlas_titles import AtlasTitles, Title
from cnnviz.ui.viewers.grid_cells import TITLE_HEIGHT, best_columns

_GAP = 4                   # screen pixels between tiles
_COMPACT_CELL_WIDTH = 54   # narrower tiles show only the last word of their title ("12", not "filter 12")
_MARK_COLOR = "#d62728"     # marked tiles (e.g. dead filters): red title and border
_TITLE_COLOR = "#333333"
_SELECTED_COLOR = "#1f77b4"  # the tile shown enlarged: blue border (a mark's red wins)
_OUTLINE_COLOR = "#00e5ff"   # a traced unit's receptive field on an earlier layer's maps


@dataclass(frozen=True)
class Tile:
    """What one cell of the page shows: its map (None for a spare cell) and the map's colour range."""

    image: np.ndarray | None
    levels: tuple[float, float] | None


class AtlasGrid:
    """The cells of a filter grid as one atlas image in a pyqtgraph layout (:attr:`layout`).

    Not a widget: the grid owns the view it is drawn in, and tells it the area to fill.
    """

    def __init__(self):
        self.layout = pg.GraphicsLayout()
        """The layout holding the atlas's view."""
        self.layout.setContentsMargins(0, 0, 0, 0)
        self.view = pg.ViewBox(lockAspect=True, enableMouse=False, enableMenu=False, invertY=True,
                               defaultPadding=0.0)
        """The view the atlas is drawn in; its coordinates are atlas pixels."""
        self.view.setMouseEnabled(x=False, y=False)
        self.layout.addItem(self.view, row=0, col=0)
        self._image = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self._image)
        self._lut: np.ndarray | None = None
        self._images = np.zeros((0, 0, 0), np.float32)
        self._levels = np.zeros((0, 2))
        self._rgba = np.zeros((0, 0, 0, 4), np.uint8)
        self._atlas: np.ndarray | None = None
        self._num_cells = 0
        self._cell_shape = (1, 1)
        self._geometry = AtlasGeometry(0, 1, 1, (1, 1), 1, 1, 1)
        self._area = (0.0, 0.0)
        self._titles: list[str] = []
        self._title_layer = AtlasTitles()
        self.view.addItem(self._title_layer)
        self._borders: list[QGraphicsRectItem] = []
        self._outline: tuple[int, int, int, int] | None = None
        self._outline_items: list[QGraphicsRectItem] = []
        self._marked: frozenset[int] = frozenset()
        self._selected: int | None = None
        self._compact_titles = False

    # -- layout ------------------------------------------------------------------------------------
    def rebuild(self, num_images: int, image_shape: tuple[int, int], area: tuple[float, float]) -> bool:
        """Make room for ``num_images`` maps of ``image_shape`` (h, w) in ``area``; the titles and maps
        are forgotten (the marks are kept). Returns :meth:`place`'s answer."""
        self._num_cells = num_images
        cell_shape = (max(int(image_shape[0]), 1), max(int(image_shape[1]), 1))
        if cell_shape != self._cell_shape:
            self._outline = None  # its pixels were another shape's
        self._cell_shape = cell_shape
        self._images = np.zeros((0, *image_shape), np.float32)
        self._rgba = np.zeros((0, *self._cell_shape, 4), np.uint8)
        self._titles = []
        self._geometry = AtlasGeometry(0, 1, 1, (1, 1), 1, 1, 1)
        return self.place(area)

    def place(self, area: tuple[float, float]) -> bool:
        """Lay the tiles out in the column count that makes them largest in ``area``; returns whether
        there are cells (the figure then gives its central item the whole view again)."""
        self._area = area
        if not self._num_cells:
            self._image.clear()
            self._geometry = AtlasGeometry(0, 1, 1, (1, 1), 1, 1, 1)
            self._style_titles()
            return False
        area_width, area_height = area
        columns = best_columns(self._num_cells, self._cell_shape, (area_width, area_height))
        rows = -(-self._num_cells // columns)
        height, width = self._cell_shape
        scale = max(min((area_width / columns - _GAP) / width,
                        (area_height / rows - TITLE_HEIGHT - _GAP) / height), 0.5)
        geometry = atlas_geometry(self._num_cells, self._cell_shape, columns, scale, _GAP, TITLE_HEIGHT + 2)
        compact = width * scale < _COMPACT_CELL_WIDTH
        if geometry != self._geometry:
            self._geometry = geometry
            atlas_height, atlas_width = geometry.size
            self.view.setRange(xRange=(0, atlas_width - geometry.gap_x), yRange=(0, atlas_height), padding=0)
            self._draw_atlas()
            self._draw_borders()
            self._draw_outlines()
        self._compact_titles = compact
        self._style_titles()
        return True

    def num_columns(self) -> int:
        """How many columns the tiles are laid out in (0 without cells)."""
        return self._geometry.num_columns if self._num_cells else 0

    # -- maps --------------------------------------------------------------------------------------
    def set_images(self, images: np.ndarray, levels: np.ndarray) -> None:
        """Draw ``images`` (n, h, w), or RGB patches (n, h, w, 3), one per cell, each over its range
        in ``levels`` (n, 2); cells beyond ``n`` (the last page's spare ones) stay blank."""
        shown = min(len(images), self._num_cells)
        self._images, self._levels = images[:shown], levels[:shown]
        self._recolour()
        if self._outline is not None and len(self._outline_items) != shown:
            self._draw_outlines()

    def set_colormap(self, colormap: pg.ColorMap) -> None:
        """Draw every map with ``colormap`` (RGB patches are drawn in their own colours)."""
        self._lut = colormap.getLookupTable(nPts=LUT_SIZE, alpha=True)
        self._recolour()

    def tiles(self) -> list[Tile]:
        """What each cell of the page shows, in cell order (the last page's spare cells included)."""
        return [Tile(self._images[index], (float(self._levels[index, 0]), float(self._levels[index, 1])))
                if index < len(self._images) else Tile(None, None) for index in range(self._num_cells)]

    def drawn_tile(self, index: int) -> np.ndarray:
        """The RGBA pixels drawn for cell ``index``, shape (h, w, 4) uint8 (one per map pixel)."""
        return self._rgba[index]

    def atlas_item(self) -> pg.ImageItem:
        """The one image item the page is drawn in."""
        return self._image

    def _recolour(self) -> None:
        if len(self._images) == 0 or (self._images.ndim == 3 and self._lut is None):
            self._rgba = np.zeros((0, *self._cell_shape, 4), np.uint8)
        else:
            self._rgba = colour_tiles(self._images, self._levels, self._lut)
        self._draw_atlas()

    def _draw_atlas(self) -> None:
        if not self._num_cells or self._geometry.num_tiles != self._num_cells:
            return
        self._atlas = fill_atlas(self._atlas, self._rgba, self._geometry)
        self._image.setImage(self._atlas, autoLevels=False, levels=None)

    # -- positions ---------------------------------------------------------------------------------
    def tile_rect(self, index: int, pixels: tuple[int, int, int, int] | None = None) -> QRectF:
        """The rectangle of cell ``index`` in the view's coordinates, or of its map pixels ``pixels``
        = (row, col, rows, cols) (e.g. a receptive field to outline)."""
        left, top = self._geometry.origin(index)
        factor = self._geometry.factor
        height, width = self._cell_shape
        row, col, rows, cols = pixels if pixels is not None else (0, 0, height, width)
        return QRectF(left + col * factor, top + row * factor, cols * factor, rows * factor)

    def tile_scene_rect(self, index: int, pixels: tuple[int, int, int, int] | None = None) -> QRectF:
        """:meth:`tile_rect` in the scene's coordinates."""
        return self.view.mapViewToScene(self.tile_rect(index, pixels)).boundingRect()

    def add_overlay(self, item: QGraphicsItem) -> None:
        """Draw ``item`` (in atlas coordinates, see :meth:`tile_rect`) over the tiles."""
        self.view.addItem(item)

    def cell_at(self, scene_position: QPointF) -> tuple[int, int, int] | None:
        """``(index, row, col)`` of the pixel at a position in the grid's scene, or None."""
        if not len(self._images) or not self.view.sceneBoundingRect().contains(scene_position):
            return None
        point = self.view.mapSceneToView(scene_position)
        hit = self._geometry.pixel_at(point.x(), point.y())
        return hit if hit is not None and hit[0] < len(self._images) else None

    def pixel_scene_position(self, index: int, row: int, col: int) -> QPointF:
        """The scene position of the centre of pixel (row, col) of cell ``index``."""
        left, top = self._geometry.origin(index)
        factor = self._geometry.factor
        return self.view.mapViewToScene(QPointF(left + (col + 0.5) * factor, top + (row + 0.5) * factor))

    # -- titles and marks --------------------------------------------------------------------------
    def set_titles(self, titles: list[str], marked: frozenset[int]) -> None:
        """Title the cells and mark some of them (red title and border); restyled only on a change."""
        if titles != self._titles or marked != self._marked:
            self._titles, self._marked = titles, marked
            self._style_titles()
            self._draw_borders()

    def set_marked(self, marked: frozenset[int]) -> None:
        """Mark the cells ``marked`` (an empty set clears the marks)."""
        self._marked = marked
        self._style_titles()
        self._draw_borders()

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

    def set_selected(self, index: int | None) -> None:
        """Frame cell ``index`` (the map shown enlarged) in blue; None frames none."""
        if index != self._selected:
            self._selected = index
            self._style_titles()
            self._draw_borders()

    def selected(self) -> int | None:
        """The framed cell, or None."""
        return self._selected

    def _style_titles(self) -> None:
        # Titles change only with the layout, the titles and the marks: one item draws them all into
        # a cached pixmap (atlas_titles), not on every new map.
        titles = []
        for index in range(self._num_cells if self._geometry.num_tiles == self._num_cells else 0):
            special = index in self._marked or index == self._selected
            color = _MARK_COLOR if index in self._marked else _SELECTED_COLOR if special else _TITLE_COLOR
            left, top = self._geometry.origin(index)
            titles.append(Title(float(left), float(top), self.title_text(index), color, special))
        atlas_height, atlas_width = self._geometry.size
        self._title_layer.set_titles(titles, 7.0 if self._compact_titles else 8.0,
                                     QRectF(0, 0, atlas_width, atlas_height))

    def set_outline(self, bounds: tuple[int, int, int, int] | None) -> None:
        """Outline the map pixels ``bounds`` = (top, bottom, left, right), inclusive, on every map of the
        page (a unit's receptive field in an earlier layer); None takes the outlines away."""
        self._outline = bounds
        self._draw_outlines()

    def outline_count(self) -> int:
        """How many maps carry the outline."""
        return len(self._outline_items)

    def _draw_outlines(self) -> None:
        for item in self._outline_items:
            self.view.removeItem(item)
        self._outline_items = []
        if self._outline is None:
            return
        top, bottom, left, right = self._outline
        pen = pg.mkPen(_OUTLINE_COLOR, width=2)
        pen.setCosmetic(True)
        for index in range(min(self._num_cells, len(self._images))):
            item = QGraphicsRectItem(self.tile_rect(index, (top, left, bottom - top + 1, right - left + 1)))
            item.setPen(pen)
            item.setZValue(10)
            self.view.addItem(item)
            self._outline_items.append(item)

    def _draw_borders(self) -> None:
        for border in self._borders:
            self.view.removeItem(border)
        self._borders = []
        framed = [(index, _MARK_COLOR) for index in sorted(self._marked) if index < self._num_cells]
        if self._selected is not None and self._selected not in self._marked and self._selected < self._num_cells:
            framed.append((self._selected, _SELECTED_COLOR))
        for index, color in framed:
            border = QGraphicsRectItem(self.tile_rect(index))
            border.setPen(pg.mkPen(color, width=2))
            self.view.addItem(border)
            self._borders.append(border)
