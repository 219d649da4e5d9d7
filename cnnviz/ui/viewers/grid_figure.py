"""The figure of a filter grid, as it is exported: title, reference image, the cells and a colour bar.

:class:`GridFigure` is the graphics view that a :class:`~cnnviz.ui.viewers.filter_grid.FilterGrid`
draws in. It wraps its title to its width, lays the cells out again shortly after it is
resized, and shows either the maps' shared colour range or an "each map" scale on its colour bar.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer

import cnnviz.ui  # noqa: F401  (configures pyqtgraph: row-major images, white background)
from cnnviz.ui.plots.axes import cache_axes
from cnnviz.ui.viewers.colour_bar_axis import use_quick_tick_specs
from cnnviz.ui.viewers.colour_bars import (
    COLORBAR_MAXIMUM_HEIGHT,
    COLORBAR_MINIMUM_WIDTH,
    set_colorbar_levels,
    set_colorbar_scale,
)
from cnnviz.ui.viewers.colour_maps import get_colormap
from cnnviz.ui.viewers.figure_text import wrap_title
from cnnviz.ui.viewers.grid_atlas import AtlasGrid
from cnnviz.ui.viewers.reference_image import ReferenceImage


class GridFigure(pg.GraphicsLayoutWidget):
    """Title (row 0) above the reference image, the cells and the colour bar (row 1).

    Parameters
    ----------
    value_label : str
        What the values are, written beside the colour bar.
    """

    # pyqtgraph's view calls resizeEvent from its constructor, before the timer below exists.
    _relayout_timer: QTimer | None = None

    def __init__(self, value_label: str = "value"):
        super().__init__()
        outer = self.ci
        outer.setContentsMargins(6, 4, 6, 4)
        outer.setSpacing(6)
        self._title = pg.LabelItem("", size="11pt", bold=True, color="#222")
        self._title_text = ""
        outer.addItem(self._title, row=0, col=0, colspan=3)
        self.reference = ReferenceImage()
        """The reference image, shown left of the cells while it has an image."""
        self._reference_shown = False
        self.cells = AtlasGrid()
        """The cells, one per map, drawn as one atlas image."""
        outer.addItem(self.cells.layout, row=1, col=1)
        self._colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=get_colormap("viridis"),
                                         label=value_label, interactive=False, width=12,
                                         colorMapMenu=False)
        self._colorbar.axis.enableAutoSIPrefix(False)
        use_quick_tick_specs(self._colorbar.axis)
        cache_axes(self._colorbar.axis)
        self._colorbar.setMinimumWidth(COLORBAR_MINIMUM_WIDTH)
        outer.addItem(self._colorbar, row=1, col=2)
        # Beside the first rows of cells, no taller than a screenful: its label (what the colours
        # measure, written at its middle) stays on screen when many cells make the figure tall.
        self._colorbar.setMaximumHeight(COLORBAR_MAXIMUM_HEIGHT)
        outer.layout.setAlignment(self._colorbar, Qt.AlignmentFlag.AlignTop)
        outer.layout.setColumnStretchFactor(1, 1)
        outer.layout.setRowStretchFactor(1, 1)
        # Timers owned by the view, so that they never fire into a deleted one: one lays the
        # cells out again shortly after resizing stops, one refits the view once layouts settle.
        self._relayout_timer = QTimer(self)
        self._relayout_timer.setSingleShot(True)
        self._relayout_timer.setInterval(60)
        self._relayout_timer.timeout.connect(self._on_relayout_due)
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._fit_central_item)

    def set_title(self, text: str) -> None:
        """Set the title drawn above the cells."""
        self._title_text = text
        self._fit_title()

    def title(self) -> str:
        """The title drawn above the cells."""
        return self._title_text

    def show_reference(self, image: np.ndarray, title: str) -> bool:
        """Show ``image`` (shape (h, w), float32) left of the cells; whether its shape changed."""
        reshaped = self.reference.set_image(image, title)
        if not self._reference_shown:
            self.ci.addItem(self.reference.layout, row=1, col=0)
            self._reference_shown = True
        return reshaped

    def hide_reference(self) -> None:
        """Take the reference image away."""
        if self._reference_shown:
            self.ci.removeItem(self.reference.layout)
            self._reference_shown = False
        self.reference.clear()

    def rebuild_cells(self, num_images: int, image_shape: tuple[int, int]) -> None:
        """Make ``num_images`` empty cells for images of ``image_shape`` (h, w) and lay them out."""
        if self.cells.rebuild(num_images, image_shape, self._grid_area()):
            self._fit_timer.start()

    def colorbar(self) -> pg.ColorBarItem:
        """The colour bar right of the cells."""
        return self._colorbar

    def update_colorbar(self, colormap: str, levels: np.ndarray, shared_scale: bool, symmetric: bool,
                        value_label: str) -> None:
        """Show the maps' shared range on the colour bar, or a normalised "each map" scale.

        Parameters
        ----------
        colormap : str
        levels : ndarray, shape (n, 2)
            Each map's colour range.
        shared_scale : bool
            Whether the maps share one range (the first map's).
        symmetric : bool
            Whether each range is centred at zero (``-m .. m``).
        value_label : str
            What the values are.
        """
        colormap_object = get_colormap(colormap or "viridis")
        if self._colorbar.colorMap() is not colormap_object:
            self._colorbar.setColorMap(colormap_object)
        label = value_label
        if shared_scale and len(levels):
            set_colorbar_levels(self._colorbar, tuple(float(value) for value in levels[0]))
        elif symmetric:
            set_colorbar_scale(self._colorbar, (-1.0, 1.0), [(-1.0, "−max|x|"), (0.0, "0"), (1.0, "+max|x|")])
            label = f"{label} (each map)"
        else:
            set_colorbar_scale(self._colorbar, (0.0, 1.0), [(0.0, "min"), (1.0, "max")])
            label = f"{label} (each map)"
        # The label is on the bar's left axis (its ticks on the right). An unchanged label is not set
        # again: setting it lays the colour bar out anew.
        label_axis = self._colorbar.getAxis("left")
        if label_axis.labelText != label:
            label_axis.setLabel(label)

    def resizeEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        super().resizeEvent(event)
        if self._relayout_timer is not None:
            self._relayout_timer.start()

    def _fit_title(self) -> None:
        """Draw the title on as many lines as the view's width needs (never cut off); an unchanged
        title is not set again (setting it lays out its rich text, on every live update otherwise)."""
        wrapped = wrap_title(self._title_text, self.width() - 24)
        if wrapped != self._title.text:
            self._title.setText(wrapped)

    def _grid_area(self) -> tuple[float, float]:
        """The pixels available to the cells: the view less title, reference and colour bar."""
        width = self.width() - 110 - (150 if self._reference_shown else 0)
        height = self.height() - 40
        return float(width), float(height)

    def _on_relayout_due(self) -> None:
        self._fit_title()
        if self.cells.place(self._grid_area()):
            # The view clamped its central item to the maximum size it had at the last resize; once
            # the layouts have taken the new caps into account, give the item the whole view again.
            self._fit_timer.start()

    def _fit_central_item(self) -> None:
        self.ci.setGeometry(QRectF(self.range))
