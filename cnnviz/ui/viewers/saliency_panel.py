"""The gradients viewer's input page: the input, its saliency and its signed gradient side by side.

:class:`SaliencyPanel` draws three panels of one size and one pixel range: the input image (its
own grey scale), the saliency ``|∂target/∂input|`` (a sequential colour map) and the signed
gradient (a diverging map centred at zero). Saliency and signed gradient are one quantity and
share one scale (``0 .. m`` and ``-m .. m``). A status line reads the pixel under the mouse.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from cnnviz.ui.plots.axes import cache_axes
from cnnviz.ui.viewers.atlas_image import LUT_SIZE, colour_tiles
from cnnviz.ui.viewers.colour_bar_axis import use_quick_tick_specs
from cnnviz.ui.viewers.colour_bars import set_colorbar_levels
from cnnviz.ui.viewers.colour_maps import DIVERGING_COLORMAP, get_colormap
from cnnviz.ui.viewers.figure_text import format_pixel, wrap_title

SALIENCY_READOUT_HINT = "Hover over an image to read its values."
"""The saliency panel's status line while no value is read out."""
_PLOT_CHROME_HEIGHT = 34  # pixels of each panel's title above its image
_MIN_IMAGE_SIDE = 150     # the images' smallest side on screen, so that a pixel stays visible
_COLORBAR_INSET = 28    # pixels left free at each end of a horizontal colour bar for its end labels


class SaliencyPanel(QWidget):
    """Input image, saliency ``|gradient|`` and signed gradient side by side, each with a colour bar."""

    _NAMES = ("Input", "|gradient| (saliency)", "gradient (signed)")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._arrays: list[np.ndarray | None] = [None, None, None]
        self._levels: list[tuple[float, float]] = [(0.0, 1.0)] * 3
        self._tables: dict[str, np.ndarray] = {}
        self._hover: QPointF | None = None
        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.setToolTip(SALIENCY_READOUT_HINT)
        outer = self._graphics.ci
        outer.setContentsMargins(6, 4, 6, 4)
        outer.setSpacing(8)
        self._title = pg.LabelItem("", size="11pt", bold=True, color="#222")
        self._title_text = ""
        outer.addItem(self._title, row=0, col=0, colspan=3)
        self._caption = pg.LabelItem("", size="9pt", color="#444")
        self._caption_text = ""
        self._colormap_names: list[str | None] = [None, None, None]
        outer.addItem(self._caption, row=1, col=0, colspan=3)
        self._plots: list[pg.PlotItem] = []
        self._items: list[pg.ImageItem] = []
        self._colorbars: list[pg.ColorBarItem] = []
        bar_labels = ("pixel value (own scale)", "|∂target/∂pixel| (shared scale)",
                      "∂target/∂pixel (shared scale)")
        for column, (name, bar_label) in enumerate(zip(self._NAMES, bar_labels)):
            plot = outer.addPlot(row=2, col=column, title=name)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.setMouseEnabled(x=False, y=False)
            plot.setAspectLocked(True)
            plot.invertY(True)
            plot.getViewBox().setDefaultPadding(0.0)
            # No numeric axes: the view is locked to the image's pixels, and the hover read-out
            # names the row and column (an axis would only repeat 0 .. width, or run past it).
            plot.hideAxis("left")
            plot.hideAxis("bottom")
            item = pg.ImageItem(axisOrder="row-major")
            plot.addItem(item)
            colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=get_colormap("gray"), label=bar_label,
                                       interactive=False, width=10, orientation="horizontal",
                                       colorMapMenu=False)
            colorbar.axis.enableAutoSIPrefix(False)
            use_quick_tick_specs(colorbar.axis)
            # The end labels (min and max) overhang the bar by half their width: keep them, and
            # inset the bar so that they stay within its own column.
            colorbar.axis.setStyle(hideOverlappingLabels=_COLORBAR_INSET)
            colorbar.setContentsMargins(_COLORBAR_INSET, 0, _COLORBAR_INSET, 0)
            outer.addItem(colorbar, row=3, col=column)
            # Each axis drawn into a pixmap, again only when it changes (new levels), not on every image.
            cache_axes(*(axis["item"] for axis in colorbar.axes.values()), colorbar.axis)
            self._plots.append(plot)
            self._items.append(item)
            self._colorbars.append(colorbar)
        self._graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._graphics.viewport().installEventFilter(self)
        # Owned by the widget, so that it never fires into a deleted view.
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._fit_central_item)
        self._graphics.installEventFilter(self)
        self._status = QLabel(SALIENCY_READOUT_HINT)
        self._status.setToolTip("The value under the mouse.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self._graphics, 1)
        layout.addWidget(self._status)
        # Title, caption and colour bars take about 150 pixels; the rest is the images'.
        self._graphics.setMinimumHeight(_MIN_IMAGE_SIDE + _PLOT_CHROME_HEIGHT + 150)

    def set_data(self, image: np.ndarray, saliency: np.ndarray, signed: np.ndarray, title: str,
                 saliency_colormap: str, caption: str = "") -> None:
        """Show the input (``(h, w)``, ``(h, w, 1)`` or ``(h, w, 3)``: a colour input is drawn in colour),
        and ``(h, w)`` saliency and signed gradient (updating items in place).

        Saliency and signed gradient share one bound ``m``, the largest magnitude of either:
        the saliency is drawn over ``0 .. m`` and the signed gradient over ``-m .. m``, so that
        equal colours mean equal sizes. ``caption`` is written under the title (how the panels
        were computed); the panels' shared scale is added to it.
        """
        image = np.asarray(image, dtype=np.float32)
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[..., 0]
        finite_image = image[np.isfinite(image)]
        image_low = float(finite_image.min()) if finite_image.size else 0.0
        image_high = float(finite_image.max()) if finite_image.size else 1.0
        saliency_high = float(np.nanmax(saliency)) if saliency.size and np.isfinite(saliency).any() else 0.0
        signed_high = float(np.nanmax(np.abs(signed))) if signed.size and np.isfinite(signed).any() else 0.0
        bound = max(saliency_high, signed_high) or 1.0
        if image.ndim == 3:
            # Colour is shown as it is, not stretched: 0 .. 1 in every channel unless it leaves that.
            image_low, image_high = min(image_low, 0.0), max(image_high, 1.0)
        levels = ((image_low, image_high if image_high > image_low else image_low + 1.0),
                  (0.0, bound), (-bound, bound))
        colormaps = ("gray", saliency_colormap, DIVERGING_COLORMAP)
        reshaped = False
        for index, (array, level, colormap) in enumerate(zip((image, saliency, signed), levels, colormaps)):
            previous = self._arrays[index]
            array = np.asarray(array, dtype=np.float32)
            self._arrays[index] = array
            self._levels[index] = (float(level[0]), float(level[1]))
            # Coloured here, in one lookup, and drawn as RGBA: an image item given levels and a colour
            # map builds a 256-entry colour table in Python on every draw.
            self._items[index].setImage(self._coloured(array, self._levels[index], colormap), autoLevels=False,
                                        levels=None)
            if self._colormap_names[index] != colormap:   # a colour map set again rebuilds its tables
                self._colormap_names[index] = colormap
                self._colorbars[index].setColorMap(get_colormap(colormap))
            # Three ticks or so: each bar is a third of the view wide.
            set_colorbar_levels(self._colorbars[index], level, count=3)
            if previous is None or previous.shape != array.shape:
                reshaped = True
        # Labels are set only when they change: a label set again lays the figure out again.
        image_label = "pixel value (R, G, B each)" if image.ndim == 3 else "pixel value (own scale)"
        if self._colorbars[0].axis.labelText != image_label:
            self._colorbars[0].axis.setLabel(image_label)
        if reshaped:
            # All three show the same pixels: one range, and (by the equal column widths) one size.
            height, width = image.shape[:2]
            for plot in self._plots:
                plot.getViewBox().setRange(xRange=(0, width), yRange=(0, height), padding=0)
            self._fit_plot_heights()
        if title != self._title_text:
            self._title_text = title
            self._title.setText(wrap_title(title, self._graphics.width() - 24))
        # The largest |∂target/∂pixel| is the colour bars' right end: the caption, which does not
        # change from stroke to stroke, says so instead of repeating the number.
        scale = ("Saliency and signed gradient: one scale, to the bars' end, max |∂target/∂pixel|. "
                 + ("Input: R, G, B as they are." if image.ndim == 3 else "Input: its own scale."))
        # A graphics label does not wrap: each sentence gets its own line.
        caption = "<br>".join(part for part in (caption, scale) if part)
        if caption != self._caption_text:
            self._caption_text = caption
            self._caption.setText(caption)
        if reshaped:
            self.clear_readout()
        else:
            self._refresh_readout()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802  (Qt's name)
        if watched is self._graphics and event.type() == QEvent.Type.Resize:
            self._title.setText(wrap_title(self._title_text, self._graphics.width() - 24))
            self._fit_plot_heights()
        elif watched is self._graphics.viewport() and event.type() == QEvent.Type.Leave:
            self._hover = None
        return super().eventFilter(watched, event)

    def _fit_plot_heights(self) -> None:
        """Give the three panels one width, and cap each at the height its image needs at that
        width, so that the colour bars sit right under the images instead of below empty axes."""
        shape = next((array.shape for array in self._arrays if array is not None), (28, 28))
        outer = self._graphics.ci
        left, _, right, _ = outer.layout.getContentsMargins()
        spacing = outer.layout.horizontalSpacing()
        usable = self._graphics.width() - left - right - 2 * max(spacing, 0) - 4
        column_width = max(usable / 3, 90.0)
        for column in range(3):
            outer.layout.setColumnFixedWidth(column, column_width)
        image_width = max(column_width - 8, 40)
        for plot in self._plots:
            plot.setMaximumHeight(image_width * shape[0] / shape[1] + _PLOT_CHROME_HEIGHT)
        self._fit_timer.start()

    def _fit_central_item(self) -> None:
        self._graphics.ci.setGeometry(QRectF(self._graphics.range))

    def arrays(self) -> tuple[np.ndarray | None, ...]:
        """The input, saliency and signed gradient shown."""
        return tuple(self._arrays)

    def image_items(self) -> list[pg.ImageItem]:
        """The three image items (input, saliency, signed gradient), drawn as RGBA pixels."""
        return list(self._items)

    def levels(self) -> list[tuple[float, float]]:
        """The value range each panel's colours span (input, saliency, signed gradient)."""
        return list(self._levels)

    def _coloured(self, array: np.ndarray, levels: tuple[float, float], colormap: str) -> np.ndarray:
        """``array`` (h, w) through ``colormap`` over ``levels``, or RGB (h, w, 3) as light, as RGBA uint8."""
        if array.ndim == 3:
            return colour_tiles(array[np.newaxis], np.array([levels]), None)[0]
        table = self._tables.get(colormap)
        if table is None:
            table = self._tables[colormap] = get_colormap(colormap).getLookupTable(nPts=LUT_SIZE, alpha=True)
        return colour_tiles(array[np.newaxis], np.array([levels]), table)[0]

    def title(self) -> str:
        """The figure title."""
        return self._title_text

    def graphics_widget(self) -> pg.GraphicsLayoutWidget:
        """The graphics widget (for export)."""
        return self._graphics

    def status_text(self) -> str:
        """The hover read-out under the images."""
        return self._status.text()

    def caption(self) -> str:
        """The line under the title: how the panels were computed and which share a scale."""
        return self._caption.text

    def view_boxes(self) -> list[pg.ViewBox]:
        """The three panels' view boxes (input, saliency, signed gradient)."""
        return [plot.getViewBox() for plot in self._plots]

    def colorbars(self) -> list[pg.ColorBarItem]:
        """The three panels' colour bars (input, saliency, signed gradient)."""
        return list(self._colorbars)

    def pixel_scene_position(self, panel: int, row: int, col: int) -> QPointF:
        """The scene position of the centre of pixel (row, col) of panel ``panel`` (0, 1 or 2)."""
        return self._items[panel].mapToScene(QPointF(col + 0.5, row + 0.5))

    def clear_readout(self) -> None:
        """Forget the value read out under the mouse (the status line shows the hint again)."""
        self._hover = None
        self._status.setText(SALIENCY_READOUT_HINT)

    def _on_mouse_moved(self, scene_position: QPointF) -> None:
        self._hover = QPointF(scene_position)
        self._read(scene_position)

    def _read(self, scene_position: QPointF) -> bool:
        """Show the value at a scene position; whether there was one."""
        for name, plot, item, array in zip(self._NAMES, self._plots, self._items, self._arrays):
            if array is None or not plot.getViewBox().sceneBoundingRect().contains(scene_position):
                continue
            point = item.mapFromScene(scene_position)
            row, col = math.floor(point.y()), math.floor(point.x())
            if 0 <= row < array.shape[0] and 0 <= col < array.shape[1]:
                self._status.setText(f"{name} (row {row}, col {col}): {format_pixel(array[row, col])}")
                return True
            return False
        return False

    def _refresh_readout(self) -> None:
        """After new data: read the pixel still under the mouse, or clear the stale value."""
        if self._hover is None or not self._read(self._hover):
            self.clear_readout()
