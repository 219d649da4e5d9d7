"""The embedding projector's plot: one scatter item per class, each with its own brush, and the
misclassified points ringed; the point under the pointer and the point clicked are reported by index.

Hit-testing is done here in screen pixels (the nearest point within :data:`PICK_RADIUS_PX`), so a
hover and a click find the same point whatever the axes' scales.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt, Signal

from cnnviz.science.embedding import Embedding
from cnnviz.ui.plots.colours import RUN_COLOURS, with_alpha

PICK_RADIUS_PX = 8.0
"""How near (in screen pixels) the pointer must be to a point to hover or click it."""
POINT_SIZE = 7


def class_colour(index: int) -> str:
    """The colour of class ``index`` (Tableau's ten, then again with other symbols' help)."""
    return RUN_COLOURS[index % len(RUN_COLOURS)]


class EmbeddingPlot(pg.PlotWidget):
    """A 2-D scatter of an :class:`~cnnviz.science.embedding.Embedding`'s points."""

    sig_point_hovered = Signal(int)
    """The pointer came near a point (its index) or left every point (-1)."""
    sig_point_clicked = Signal(int)
    """A point was clicked (its index)."""

    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        self.setMinimumSize(260, 220)
        self.setMouseTracking(True)
        self.plotItem.showGrid(x=True, y=True, alpha=0.15)
        self.plotItem.setMenuEnabled(False)
        self.legend = self.plotItem.addLegend(offset=(-4, 4), labelTextColor="#222", brush=with_alpha("#ffffff", 200))
        self.class_items: list[pg.ScatterPlotItem] = []
        self.mistake_item: pg.ScatterPlotItem | None = None
        self._points = np.zeros((0, 2))
        self._hovered = -1
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    def show_embedding(self, embedding: Embedding) -> None:
        """Draw every point in its class's colour; mistakes get a dark ring around them."""
        self.plotItem.clear()
        self.legend.clear()
        self.class_items, self.mistake_item, self._hovered = [], None, -1
        points = np.asarray(embedding.points, dtype=np.float64)
        self._points = points
        for label in np.unique(embedding.labels):
            members = np.flatnonzero(embedding.labels == label)
            colour = class_colour(int(label))
            item = pg.ScatterPlotItem(points[members, 0], points[members, 1], size=POINT_SIZE, pen=None,
                                      brush=with_alpha(colour, 190), name=embedding.class_name(int(label)),
                                      data=members)
            self.plotItem.addItem(item)
            self.class_items.append(item)
        mistakes = embedding.misclassified
        if len(mistakes):
            self.mistake_item = pg.ScatterPlotItem(points[mistakes, 0], points[mistakes, 1], size=POINT_SIZE + 5,
                                                   pen=pg.mkPen("#111111", width=1.4), brush=None,
                                                   name=f"misclassified ({len(mistakes)})", data=mistakes)
            self.plotItem.addItem(self.mistake_item)
        ratio = embedding.explained_variance_ratio
        self.plotItem.setLabel("bottom", f"PC 1 ({100 * ratio[0]:.1f} % of the variance)")
        self.plotItem.setLabel("left", f"PC 2 ({100 * ratio[1]:.1f} %)")
        self.plotItem.autoRange()

    def clear_points(self) -> None:
        self.plotItem.clear()
        self.legend.clear()
        self.class_items, self.mistake_item, self._points, self._hovered = [], None, np.zeros((0, 2)), -1

    def point_position(self, index: int) -> QPoint:
        """Where point ``index`` is drawn, in this widget's coordinates (what a person would click)."""
        x, y = self._points[index]
        scene = self.plotItem.vb.mapViewToScene(QPointF(float(x), float(y)))
        return self.mapFromScene(scene)

    def nearest_point(self, scene_position: QPointF) -> int:
        """The index of the point nearest ``scene_position`` within :data:`PICK_RADIUS_PX`, else -1."""
        if not len(self._points):
            return -1
        view_box = self.plotItem.vb
        if not view_box.sceneBoundingRect().contains(scene_position):
            return -1
        pixel_width, pixel_height = view_box.viewPixelSize()
        if not (pixel_width > 0 and pixel_height > 0):
            return -1
        where = view_box.mapSceneToView(scene_position)
        distances = np.hypot((self._points[:, 0] - where.x()) / pixel_width,
                             (self._points[:, 1] - where.y()) / pixel_height)
        index = int(np.argmin(distances))
        return index if distances[index] <= PICK_RADIUS_PX else -1

    def _on_mouse_moved(self, scene_position: QPointF) -> None:
        index = self.nearest_point(scene_position)
        if index != self._hovered:
            self._hovered = index
            self.sig_point_hovered.emit(index)

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        index = self.nearest_point(event.scenePos())
        if index >= 0:
            event.accept()
            self.sig_point_clicked.emit(index)
