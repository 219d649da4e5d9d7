"""The side panel of a filter grid that shows one clicked map enlarged, with axes and its own colour bar.

:class:`EnlargedMap` draws the map on the axes of its data (pixel columns and rows, or the
frequencies of a spectrum), keeps itself about as tall as the image is at its width, and
answers which pixel lies under a point of its scene; the grid reads the value there. A click on
a pixel selects it (:attr:`EnlargedMap.sig_pixel_clicked`, outlined by :meth:`EnlargedMap.mark_pixel`);
a viewer may show what it knows about that unit below the map (:meth:`EnlargedMap.add_below`).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import QGraphicsRectItem, QLabel, QVBoxLayout, QWidget

from cnnviz.ui.layout import closable_header
from cnnviz.ui.viewers.colour_bars import set_colorbar_levels, set_sparse_ticks
from cnnviz.ui.viewers.colour_maps import get_colormap
from cnnviz.ui.viewers.figure_text import format_value


class EnlargedMap(QWidget):
    """One map enlarged, under a header with its name and range and a close button.

    Parameters
    ----------
    value_label : str
        What the values are ("activation" ...), written beside the colour bar.
    parent : QWidget, optional
    """

    sig_close_requested = Signal()
    """The close button was clicked."""
    sig_pixel_clicked = Signal(int, int)
    """Pixel (row, col) of the map was clicked."""

    def __init__(self, value_label: str = "value", parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumWidth(220)
        self._shape: tuple[int, int] = (1, 1)
        self._extent: tuple[float, float, float, float] | None = None
        self._title = QLabel()
        self._title.setStyleSheet("font-weight: bold;")
        self._title.setWordWrap(True)
        self._title.setToolTip("Click another map to show it here; ✕ closes this view.")
        header = closable_header(self._title, "Close the enlarged view", self.sig_close_requested.emit)
        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.setToolTip("The clicked map, enlarged; hover to read its values.")
        self._plot = self._graphics.addPlot(row=0, col=0)
        self._plot.setMenuEnabled(False)
        self._plot.hideButtons()
        self._plot.setMouseEnabled(x=False, y=False)
        self._plot.setAspectLocked(True)
        self._plot.invertY(True)
        self._plot.getViewBox().setDefaultPadding(0.0)
        for side in ("bottom", "left"):
            # Frequencies are written as they are (0.25), not as 250 "x0.001".
            self._plot.getAxis(side).enableAutoSIPrefix(False)
        self._item = pg.ImageItem(axisOrder="row-major")
        self._plot.addItem(self._item)
        self._marker = QGraphicsRectItem()
        self._marker.setPen(pg.mkPen("#d62728", width=2, cosmetic=True))
        self._marker.setZValue(10)
        self._marker.hide()
        self._plot.addItem(self._marker)
        self._graphics.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self._colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=get_colormap("viridis"),
                                         label=value_label, interactive=False, width=12,
                                         colorMapMenu=False)
        self._colorbar.axis.enableAutoSIPrefix(False)
        self._graphics.addItem(self._colorbar, row=0, col=1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self._graphics, 1)
        layout.addStretch(0)
        self._layout = layout

    def show_map(self, image: np.ndarray, title: str, levels: tuple[float, float], colormap: str,
                 extent: tuple[float, float, float, float] | None, axis_labels: tuple[str, str],
                 reset_range: bool = False) -> None:
        """Draw ``image`` (shape (h, w), or (h, w, 3) in colour) over ``levels`` with ``colormap``.

        Parameters
        ----------
        image : ndarray, shape (h, w)
        title : str
            The map's name; its shape and range are added to it in the header.
        levels : (float, float)
        colormap : str
        extent : (x0, x1, y0, y1), optional
            Data coordinates of the image's left, right, top and bottom edges (default: pixels).
        axis_labels : (str, str)
            Labels of the horizontal and vertical axes.
        reset_range : bool
            Show the whole image again even when its shape has not changed.
        """
        low, high = levels
        colormap_object = get_colormap(colormap)
        previous_shape = None if self._item.image is None else self._item.image.shape
        self._item.setImage(image, autoLevels=False, levels=(low, high))
        self._item.setColorMap(colormap_object)
        height, width = image.shape[:2]
        self._shape, self._extent = (max(height, 1), max(width, 1)), extent
        if extent is None:
            rectangle = QRectF(0, 0, width, height)
        else:
            x0, x1, y0, y1 = extent
            rectangle = QRectF(x0, y0, x1 - x0, y1 - y0)
        self._item.setRect(rectangle)
        # Few ticks: beside a small image, pyqtgraph's own would run into each other.
        set_sparse_ticks(self._plot, (0.0, float(width), 0.0, float(height)) if extent is None else extent)
        self._colorbar.setColorMap(colormap_object)
        set_colorbar_levels(self._colorbar, (low, high))
        self._plot.setLabel("bottom", axis_labels[0])
        self._plot.setLabel("left", axis_labels[1])
        if reset_range or previous_shape != image.shape:
            self._plot.getViewBox().setRange(rect=rectangle, padding=0)
        finite = image[np.isfinite(image)]
        span = (f"min {format_value(float(finite.min()))}, max {format_value(float(finite.max()))}"
                if finite.size else "no finite values")
        self._title.setText(f"{title} ({height}×{width}): {span}")

    def add_below(self, widget: QWidget) -> None:
        """Show ``widget`` under the map (a viewer's panel about the selected pixel)."""
        self._layout.insertWidget(self._layout.count() - 1, widget, 1)

    def mark_pixel(self, pixel: tuple[int, int] | None) -> None:
        """Outline pixel ``(row, col)`` of the map shown (None: no outline)."""
        if pixel is None:
            self._marker.hide()
            return
        self._marker.setRect(QRectF(pixel[1], pixel[0], 1, 1))
        self._marker.show()

    def marked_pixel(self) -> tuple[int, int] | None:
        """The outlined pixel, or None."""
        if not self._marker.isVisible():
            return None
        rectangle = self._marker.rect()
        return int(rectangle.y()), int(rectangle.x())

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pixel = self.pixel_at(event.scenePos())
        if pixel is not None:
            self.sig_pixel_clicked.emit(*pixel)

    def set_value_label(self, text: str) -> None:
        """Name the values beside the colour bar."""
        self._colorbar.getAxis("left").setLabel(text)

    def fit_height(self) -> None:
        """Keep the plot about as tall as its image is at the panel's width."""
        height, width = self._shape
        if self._extent is not None:
            x0, x1, y0, y1 = self._extent
            height, width = abs(y1 - y0) or 1.0, abs(x1 - x0) or 1.0
        # 60 px for the axes beside the image, 80 px for the colour bar and its label.
        image_width = max(self.width() - 140, 60)
        self._graphics.setMaximumHeight(int(image_width * height / width) + 60)

    def pixel_at(self, scene_position: QPointF) -> tuple[int, int] | None:
        """``(row, col)`` of the pixel of the map shown at a position in this panel's scene, or None."""
        image = self._item.image
        if image is None or not self._plot.getViewBox().sceneBoundingRect().contains(scene_position):
            return None
        point = self._item.mapFromScene(scene_position)
        row, col = math.floor(point.y()), math.floor(point.x())
        height, width = image.shape[:2]
        return (row, col) if 0 <= row < height and 0 <= col < width else None

    def pixel_scene_position(self, row: int, col: int) -> QPointF:
        """The position in this panel's scene of the centre of pixel (row, col) of the map shown."""
        return self._item.mapToScene(QPointF(col + 0.5, row + 0.5))

    def image(self) -> np.ndarray | None:
        """The map shown, or None before the first."""
        return self._item.image

    def header_text(self) -> str:
        """The header: the map's name, shape and range."""
        return self._title.text()

    def graphics_widget(self) -> pg.GraphicsLayoutWidget:
        """The graphics widget holding the plot and its colour bar."""
        return self._graphics

    def resizeEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        super().resizeEvent(event)
        self.fit_height()
