"""A grid of small images, one per filter or map, that every layer viewer shows its arrays in.

:class:`FilterGrid` lays ``n`` images of one shape out in rows and columns that fill the
available area, with one colour scale (shared across maps, or per map), a colour bar, a title
and an optional reference image beside the grid (the network's input, so that maps can be
compared with it) — the figure, :mod:`~cnnviz.ui.viewers.grid_figure` — a status line that
reads the value under the mouse, and a side panel that shows one map enlarged, with axes and
its own colour bar, when its cell is clicked (:mod:`~cnnviz.ui.viewers.enlarged_map`); the
read-out lives in :mod:`~cnnviz.ui.viewers.grid_readout`.

A layer with more maps than :data:`~cnnviz.ui.viewers.grid_pages.PAGE_SIZE` (the ``page_size``) is
shown a page at a time, the drawn title saying which maps the page holds: only that page's maps
are drawn, and a bar above the figure steps between pages and jumps to a map by
number (:mod:`~cnnviz.ui.viewers.grid_pages`). Indices in this class's API
are always the map's own (0 .. n-1), whichever page shows it. Colour scales are computed over all
maps, so a page looks the same whichever other pages exist. RGB patches (``(n, h, w, 3)``, e.g. the
first-layer kernels of a colour model) are drawn in colour instead of through the colour map.

Images are stored row-major (``image[row, col]``) and drawn with row 0 at the top, as the
arrays are laid out. A page is drawn as one image, a tiled atlas (:mod:`~cnnviz.ui.viewers.grid_atlas`):
a live update with unchanged shapes is one colour lookup for all maps and one texture upload; the
layout is rebuilt only when the number or size of the maps changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from cnnviz.ui.viewers.colour_maps import get_colormap
from cnnviz.ui.viewers.enlarged_map import EnlargedMap
from cnnviz.ui.viewers.grid_atlas import Tile
from cnnviz.ui.viewers.grid_cells import checked_maps, map_levels
from cnnviz.ui.viewers.grid_figure import GridFigure
from cnnviz.ui.viewers.grid_pages import PAGE_SIZE, PageBar, PagedMaps, num_pages, page_of
from cnnviz.ui.viewers.grid_readout import READOUT_HINT, GridReadout


class FilterGrid(PagedMaps, GridReadout, QWidget):
    """A grid of same-shaped images with a shared colour bar, hover read-out and click-to-enlarge.

    Parameters
    ----------
    parent : QWidget, optional
    value_label : str
        What the values are ("activation", "weight" ...), written beside the colour bars.
    """

    sig_cell_hovered = Signal(int, int, int, float)
    """The mouse is over pixel (row, col) of image ``index``, whose value is the float (for an RGB
    patch, the mean of its three channels)."""
    sig_cell_clicked = Signal(int)
    """Cell ``index`` was clicked (and is now shown enlarged)."""

    def __init__(self, parent: QWidget | None = None, *, value_label: str = "value",
                 page_size: int | None = PAGE_SIZE):
        super().__init__(parent)
        # None: every map on one page (an exported figure of a whole layer).
        self._page_size = page_size if page_size is not None else 1 << 30
        self._title_text = ""
        self._images: np.ndarray | None = None
        self._levels = np.zeros((0, 2))
        self._colormap_name = "viridis"
        self._symmetric = False
        self._shared_scale = True
        self._value_label = value_label
        self._extent: tuple[float, float, float, float] | None = None
        self._axis_labels = ("column", "row")
        self._enlarged_index: int | None = None
        self._titles: list[str] = []
        self._marked: frozenset[int] = frozenset()
        self._page = 0
        # Where the mouse was last seen over the grid ("grid") or the enlarged map ("enlarged"),
        # in that scene's coordinates; None once it has left. New data re-reads the value there.
        self._hover: tuple[str, QPointF] | None = None

        self._graphics = GridFigure(value_label)
        self._graphics.setToolTip(READOUT_HINT)
        self._cells = self._graphics.cells
        self._reference = self._graphics.reference
        scene = self._graphics.scene()
        scene.sigMouseMoved.connect(self._on_mouse_moved)
        scene.sigMouseClicked.connect(self._on_mouse_clicked)

        self._status = QLabel(READOUT_HINT)
        self._status.setToolTip("The value under the mouse: map, pixel (row, column) and value.")
        self._status.setStyleSheet("color: #333;")
        self._status.setWordWrap(True)   # a narrow grid wraps its status line rather than widening
        self._status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self._enlarged = EnlargedMap(value_label)
        self._enlarged.sig_close_requested.connect(self._on_close_enlarged)
        self._enlarged.graphics_widget().scene().sigMouseMoved.connect(self._on_enlarged_mouse_moved)
        self._splitter = QSplitter(Qt.Orientation.Horizontal)
        self._splitter.addWidget(self._graphics)
        self._splitter.addWidget(self._enlarged)
        self._splitter.setStretchFactor(0, 3)
        self._splitter.setStretchFactor(1, 2)
        self._splitter.setChildrenCollapsible(False)
        self._enlarged.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self._pages = PageBar()
        self._pages.sig_page_requested.connect(self.show_page)
        self._pages.sig_filter_requested.connect(self.go_to)
        self._pages.hide()
        layout.addWidget(self._pages)
        layout.addWidget(self._splitter, 1)
        layout.addWidget(self._status)

        self._graphics.viewport().installEventFilter(self)
        self._enlarged.graphics_widget().viewport().installEventFilter(self)

    # -- public API -----------------------------------------------------------------------------
    def set_title(self, text: str) -> None:
        """Set the figure title drawn above the grid (part of the exported graphic); while the maps
        take several pages, the drawn title adds the page's, e.g. ``" — filters 64–127 of 512"``."""
        self._title_text = text
        self._draw_title()

    def title(self) -> str:
        """The figure title set (without the page's maps)."""
        return self._title_text

    def drawn_title(self) -> str:
        """The title as drawn above the grid (with the page's maps while there are several pages)."""
        return self._graphics.title()

    def _draw_title(self) -> None:
        shown, total = self.page_range(), 0 if self._images is None else len(self._images)
        suffix = (f" — {self._titles[shown.start].split()[0] if self._titles else 'maps'}s "
                  f"{shown.start}–{shown.stop - 1} of {total}") if self.num_pages() > 1 and len(shown) else ""
        self._graphics.set_title(self._title_text + suffix if self._title_text else "")

    def set_value_label(self, text: str) -> None:
        """Name the values (e.g. ``"activation"``) beside the colour bars."""
        self._value_label = text
        self._update_colorbar()
        self._enlarged.set_value_label(text)

    def set_images(self, images: np.ndarray, titles: Sequence[str] | None = None, *,
                   colormap: str = "viridis", symmetric: bool = False, shared_scale: bool = True,
                   marked: Iterable[int] = frozenset(),
                   extent: tuple[float, float, float, float] | None = None,
                   axis_labels: tuple[str, str] = ("column", "row")) -> None:
        """Show ``n`` images, one per cell.

        Parameters
        ----------
        images : ndarray, shape (n, h, w) or (n, h, w, 3)
            The maps, row-major (``images[i, row, col]``); with a last axis of 3, RGB patches drawn
            in colour, each channel from the low end of its range (dark) to the high end (bright).
        titles : sequence of str, optional
            One small title per cell; default ``"filter i"``.
        colormap : str
            A name from :data:`~cnnviz.ui.viewers.colour_maps.COLORMAP_NAMES` (or any map
            bundled with pyqtgraph).
        symmetric : bool
            Centre the colour range at zero, ``-m .. m`` with ``m`` the largest ``|value|``
            (for signed data shown with a diverging map).
        shared_scale : bool
            One colour range for all maps (True), or each map stretched over its own range.
        marked : iterable of int
            Cells to mark with a red title and border (e.g. dead filters).
        extent : (x0, x1, y0, y1), optional
            Data coordinates of the image's left, right, top and bottom edges for the axes of
            the enlarged view (e.g. frequencies); default: pixel columns and rows.
        axis_labels : (str, str)
            Labels of the enlarged view's horizontal and vertical axes.

        Raises
        ------
        ValueError
            If ``images`` is not 3-D, the number of titles differs from the number of images,
            or the colour map is unknown.
        """
        images, titles = checked_maps(images, titles)
        num_images, height, width = images.shape[:3]
        colormap_object = get_colormap(colormap)
        levels = (map_levels(images, symmetric, shared_scale) if num_images and height and width
                  else np.zeros((num_images, 2)))

        reshaped = self._images is None or self._images.shape != images.shape
        if reshaped:
            self._graphics.rebuild_cells(min(num_images, self._page_size), (height, width))
            self._colormap_name = ""  # force the colour map onto the new items
            self._page = min(self._page, num_pages(num_images, self._page_size) - 1)
        self._images, self._levels = images, levels
        self._titles, self._marked = titles, frozenset(int(index) for index in marked)
        self._symmetric, self._shared_scale = bool(symmetric), bool(shared_scale)
        self._extent, self._axis_labels = extent, tuple(axis_labels)
        if colormap != self._colormap_name:
            self._cells.set_colormap(colormap_object)
            self._colormap_name = colormap
        self._show_cells()
        self._update_colorbar()
        if self._enlarged_index is not None and self._enlarged_index >= num_images:
            self.enlarge(None)
        else:
            self._update_enlarged()
        if reshaped:
            # The cells move once laid out again: what was under the mouse is gone.
            self.clear_readout()
        else:
            self._refresh_readout()

    def set_colormap(self, name: str) -> None:
        """Change the colour map of every cell, the colour bars and the enlarged view."""
        self._cells.set_colormap(get_colormap(name))
        self._colormap_name = name
        self._update_colorbar()
        self._update_enlarged()

    def colormap(self) -> str:
        """The name of the colour map in use."""
        return self._colormap_name

    def shared_scale(self) -> bool:
        """Whether all maps share one colour range (else each map has its own)."""
        return self._shared_scale

    def set_marked(self, indices: Iterable[int]) -> None:
        """Mark cells (red title and border), e.g. dead filters; an empty set clears the marks."""
        self._marked = frozenset(int(index) for index in indices)
        first = self.page_range()[0]
        self._cells.set_marked(frozenset(index - first for index in self._marked))

    def marked(self) -> frozenset[int]:
        """Indices of the marked cells."""
        return self._marked

    def set_reference(self, image: np.ndarray | None, title: str = "Input") -> None:
        """Show (or with ``None`` hide) a reference image to the left of the grid, grey or in colour.

        Parameters
        ----------
        image : ndarray, shape (h, w), (h, w, 1) or (h, w, 3), or None
        title : str
            Its label, e.g. ``"Input"``.
        """
        if image is None:
            self._graphics.hide_reference()
            return
        image = np.asarray(image, dtype=np.float32)
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[..., 0]
        if image.ndim != 2 and not (image.ndim == 3 and image.shape[-1] == 3):
            raise ValueError(f"The reference image must have shape (height, width), (height, width, 1) or "
                             f"(height, width, 3), received {image.shape}.")
        if self._graphics.show_reference(image, title):
            self.clear_readout()
        else:
            self._refresh_readout()

    def reference_image(self) -> np.ndarray | None:
        """The reference image shown beside the grid, or None."""
        return self._reference.image()

    def clear(self) -> None:
        """Remove every image (and the reference)."""
        self._graphics.rebuild_cells(0, (0, 0))
        self._images, self._levels = None, np.zeros((0, 2))
        self._titles, self._marked, self._page = [], frozenset(), 0
        self._pages.hide()
        self.set_reference(None)
        self.enlarge(None)
        self.clear_readout()

    def images(self) -> np.ndarray | None:
        """The images shown (all pages), shape (n, h, w) or (n, h, w, 3), read-only; None before the
        first ``set_images``."""
        return self._images

    def tiles(self) -> list[Tile]:
        """What the cells of the page shown hold, in image order (the last page's spare cells included):
        each map and its colour range."""
        return self._cells.tiles()

    def atlas_item(self) -> pg.ImageItem:
        """The one image item the page's maps are drawn in (a tiled atlas)."""
        return self._cells.atlas_item()

    def drawn_tile(self, index: int) -> np.ndarray:
        """The RGBA pixels drawn for map ``index`` (on the page shown), shape (h, w, 4) uint8."""
        shown = self.page_range()
        if index not in shown:
            raise ValueError(f"Map {index} is not on the page shown (maps {shown.start}–{shown.stop - 1}).")
        return self._cells.drawn_tile(index - shown.start)

    def levels(self) -> np.ndarray:
        """The colour range ``(low, high)`` of each image, shape (n, 2)."""
        return self._levels.copy()

    def titles(self) -> list[str]:
        """The maps' titles (all pages)."""
        return list(self._titles)

    def cell_title_text(self, index: int) -> str:
        """The title drawn above map ``index`` (on the page shown): only its last word (``"12"`` for
        ``"filter 12"``) while the cells are too narrow for the whole title (the status line names the
        map in full)."""
        shown = self.page_range()
        if index not in shown:
            raise ValueError(f"Map {index} is not on the page shown (maps {shown.start}–{shown.stop - 1}).")
        return self._cells.title_text(index - shown.start)

    def num_columns(self) -> int:
        """How many columns the grid has now."""
        return self._cells.num_columns()

    def value_at(self, index: int, row: int, col: int) -> float:
        """The value of pixel (row, col) of image ``index`` (of an RGB patch: its channels' mean)."""
        return float(np.mean(self.pixel_value(index, row, col)))

    def pixel_value(self, index: int, row: int, col: int) -> float | np.ndarray:
        """The value of pixel (row, col) of image ``index``: a float, or (R, G, B) of an RGB patch."""
        if self._images is None:
            raise ValueError("The grid shows no images yet; call set_images first.")
        value = self._images[index, row, col]
        return float(value) if np.ndim(value) == 0 else np.array(value)

    def graphics_widget(self) -> GridFigure:
        """The graphics widget holding title, reference, grid and colour bar (for export)."""
        return self._graphics

    def colorbar(self) -> pg.ColorBarItem:
        """The colour bar beside the grid."""
        return self._graphics.colorbar()

    def enlarged_index(self) -> int | None:
        """The index of the map shown enlarged, or None."""
        return self._enlarged_index

    def enlarged_image(self) -> np.ndarray | None:
        """The map shown in the enlarged view, shape (h, w), or None while the view is closed."""
        return None if self._enlarged_index is None else self._enlarged.image()

    def enlarged_map(self) -> EnlargedMap:
        """The side panel that shows the clicked map enlarged (hidden while none is)."""
        return self._enlarged

    def enlarge(self, index: int | None) -> None:
        """Show map ``index`` enlarged in the side panel (``None`` closes the panel)."""
        if index is not None and (self._images is None or not 0 <= index < len(self._images)):
            raise ValueError(f"No map {index} to enlarge: the grid shows "
                             f"{0 if self._images is None else len(self._images)} maps.")
        self._enlarged_index = index
        self._frame_enlarged_cell()
        if index is None:
            self._enlarged.hide()
            return
        if self._enlarged.isHidden():
            total = max(self._splitter.width(), 600)
            self._enlarged.show()
            self._splitter.setSizes([int(total * 0.6), total - int(total * 0.6)])
        self._update_enlarged(reset_range=True)
        self._enlarged.fit_height()

    def _frame_enlarged_cell(self) -> None:
        """Frame the enlarged map's cell if it is on the page shown."""
        shown = self.page_range()
        index = self._enlarged_index
        self._cells.set_selected(index - shown.start if index is not None and index in shown else None)

    # -- hover and click ---------------------------------------------------------------------------
    def cell_at(self, scene_position: QPointF) -> tuple[int, int, int] | None:
        """``(index, row, col)`` of the pixel at a position in the grid's scene, or None."""
        if self._images is None:
            return None
        hit = self._cells.cell_at(scene_position)
        if hit is None:
            return None
        index, row, col = hit
        return index + self.page_range().start, row, col

    def pixel_scene_position(self, index: int, row: int, col: int) -> QPointF:
        """The scene position of the centre of pixel (row, col) of image ``index`` (whose page is
        shown first if another one is)."""
        if index not in self.page_range():
            self.show_page(page_of(index, self._page_size))
        return self._cells.pixel_scene_position(index - self.page_range().start, row, col)

    def _on_close_enlarged(self) -> None:
        self.enlarge(None)

    # -- layout -----------------------------------------------------------------------------------
    def is_colour(self) -> bool:
        """Whether the maps are RGB patches (drawn in colour, not through the colour map)."""
        return self._images is not None and self._images.ndim == 4

    def _update_colorbar(self) -> None:
        if self.is_colour():
            # Each channel runs from dark (low) to bright (high): a grey bar reads for all three.
            label = f"{self._value_label} per channel (R, G, B)"
            self._graphics.update_colorbar("gray", self._levels, self._shared_scale, self._symmetric, label)
            return
        self._graphics.update_colorbar(self._colormap_name, self._levels, self._shared_scale, self._symmetric,
                                       self._value_label)

    def _update_enlarged(self, reset_range: bool = False) -> None:
        index = self._enlarged_index
        if index is None or self._images is None:
            return
        low, high = (float(value) for value in self._levels[index])
        colormap = "gray" if self.is_colour() else self._colormap_name or "viridis"
        self._enlarged.show_map(self._images[index], self._titles[index], (low, high),
                                colormap, self._extent, self._axis_labels, reset_range=reset_range)

    def sizeHint(self):  # noqa: N802  (Qt's name)
        hint = super().sizeHint()
        hint.setWidth(max(hint.width(), 600))
        hint.setHeight(max(hint.height(), 420))
        return hint
