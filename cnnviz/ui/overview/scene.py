"""The network overview's drawing: one image for every thumbnail, one path for every connector.

The scene holds one image item (all the columns' thumbnails, painted by
:func:`~cnnviz.ui.overview.plan.compose`), one path item with every connector, and the columns'
labels. A new input replaces only the image; the connectors and labels are rebuilt only when the
plan changes (another model, another choice of layers or thumbnails per column).

Connectors: a column fed by the column just before it gets a straight line between them; one fed
from further back (a skip connection, a tower of an Inception block) gets an arch over the columns
in between, landing on the top of the column it feeds. So a merge (Add, Concatenate) shows one
connector per input.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem, QGraphicsScene

from cnnviz.ui.overview.plan import INPUT, MAX_STRIP_UNITS, UNIT_CELL, UNITS, Column, OverviewPlan

CONNECTOR_COLOUR = QColor(90, 110, 140)
MAX_NAME_CHARACTERS = 22


def elided(text: str, limit: int = MAX_NAME_CHARACTERS) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


class PixelsItem(QGraphicsItem):
    """An RGB image drawn 1:1 in scene units, painting only the part exposed (a deep model's overview
    is many times wider than the view), with no conversion to a pixmap on each new input."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self._pixels = np.full((1, 1), 0xFFFFFFFF, dtype=np.uint32)
        self._image = QImage()

    def set_pixels(self, pixels: np.ndarray) -> None:
        """Show ``pixels`` ``(height, width)`` uint32, packed ``0xFFRRGGBB`` (kept: the image reads its
        memory)."""
        pixels = np.ascontiguousarray(pixels, dtype=np.uint32)
        if pixels.shape != self._pixels.shape:
            self.prepareGeometryChange()
        self._pixels = pixels
        height, width = pixels.shape
        self._image = QImage(pixels.data, width, height, 4 * width, QImage.Format.Format_RGB32)
        self.update()

    def image(self) -> QImage:
        return self._image.copy()

    def boundingRect(self) -> QRectF:  # noqa: N802  (Qt's name)
        height, width = self._pixels.shape
        return QRectF(0, 0, width, height)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        exposed = option.exposedRect.intersected(self.boundingRect()).toAlignedRect()
        if not exposed.isEmpty() and not self._image.isNull():
            painter.drawImage(exposed, self._image, exposed)


class OverviewScene(QGraphicsScene):
    """The overview of one model; :meth:`set_plan` once per layout, :meth:`set_pixels` per input."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setBackgroundBrush(QColor("white"))
        self._plan: OverviewPlan | None = None
        self._pixels = PixelsItem()
        self.addItem(self._pixels)
        self._connectors = QGraphicsPathItem()
        pen = QPen(CONNECTOR_COLOUR, 1.4)
        pen.setCosmetic(True)
        self._connectors.setPen(pen)
        self.addItem(self._connectors)
        self._selection = QGraphicsRectItem()
        selection_pen = QPen(QColor(230, 60, 30), 2)
        selection_pen.setCosmetic(True)
        self._selection.setPen(selection_pen)
        self._selection.setZValue(2)
        self._selection.hide()
        self.addItem(self._selection)
        self._labels: list = []

    def plan(self) -> OverviewPlan | None:
        return self._plan

    def connector_path(self) -> QPainterPath:
        """Every connector, as drawn."""
        return self._connectors.path()

    def set_plan(self, plan: OverviewPlan) -> None:
        """Lay out the connectors and labels of ``plan`` (the thumbnails follow with :meth:`set_pixels`)."""
        self._plan = plan
        for item in self._labels:
            self.removeItem(item)
        self._labels = []
        self._selection.hide()
        self._connectors.setPath(connector_path(plan))
        small = QFont()
        small.setPointSizeF(7.5)
        for column in plan.columns:
            count = self.addSimpleText(column.label, small)
            count.setBrush(QColor(70, 70, 70))
            count.setPos(column.left + (column.width - count.boundingRect().width()) / 2,
                         column.top + column.height + 2)
            name = column.layer if column.kind != INPUT else "input"
            if column.layer_kind and column.layer_kind.lower() not in name.replace("_", "").lower():
                name = f"{name} ({column.layer_kind})"
            text = self.addSimpleText(elided(name), small)
            text.setToolTip(name)
            # Names run downwards under their columns, so narrow columns never overlap them.
            text.setRotation(90)
            text.setPos(column.left + (column.width + text.boundingRect().height()) / 2, plan.height + 14)
            self._labels += [count, text]
        bounds = self.itemsBoundingRect().adjusted(-6, -6, 6, 6)
        self.setSceneRect(bounds.united(QRectF(0, 0, plan.width, plan.height)))

    def set_pixels(self, pixels: np.ndarray) -> None:
        """Show the composed thumbnails ``(height, width)``, packed ``0xFFRRGGBB``."""
        self._pixels.set_pixels(pixels)

    def pixel_image(self) -> QImage:
        """The thumbnails as drawn (for tests)."""
        return self._pixels.image()

    def mark(self, column: Column | None, slot: int = 0) -> None:
        """Frame thumbnail ``slot`` of ``column`` (the one last clicked), or hide the frame (None)."""
        if column is None or self._plan is None:
            self._selection.hide()
            return
        self._selection.setRect(slot_rect(self._plan, column, slot).adjusted(-1.5, -1.5, 1.5, 1.5))
        self._selection.show()


def connector_path(plan: OverviewPlan) -> QPainterPath:
    """Straight lines between neighbouring columns, arches over the columns for longer connections."""
    path = QPainterPath()
    index = {column.layer: position for position, column in enumerate(plan.columns)}
    columns = plan.columns
    for position, column in enumerate(columns):
        for source in column.inputs:
            start = index.get(source)
            if start is None:
                continue
            origin = columns[start]
            if start == position - 1:
                path.moveTo(origin.left + origin.width + 2, origin.top + origin.height / 2)
                path.lineTo(column.left - 2, column.top + column.height / 2)
                continue
            between = columns[min(start, position):max(start, position) + 1]
            span = abs(position - start)
            top = min(item.top for item in between) - 6 - min(60, 8 + 5 * span)
            first = QPointF(origin.left + origin.width * 0.75, origin.top - 2)
            last = QPointF(column.left + column.width * 0.25, column.top - 2)
            path.moveTo(first)
            path.cubicTo(QPointF(first.x(), top), QPointF(last.x(), top), last)
            # A small head where it lands, so the direction reads at a glance.
            path.moveTo(last.x() - 3, last.y() - 5)
            path.lineTo(last)
            path.lineTo(last.x() + 3, last.y() - 5)
    return path


def slot_rect(plan: OverviewPlan, column: Column, slot: int) -> QRectF:
    """The rectangle of thumbnail or unit ``slot`` of ``column``, in scene coordinates."""
    if column.kind == UNITS:
        if column.total <= MAX_STRIP_UNITS:
            cell = plan.thumbnail // 2
            return QRectF(column.left, column.top + slot * cell, column.width, cell - 1)
        per_row = max(1, plan.thumbnail // UNIT_CELL)
        return QRectF(column.left + (slot % per_row) * UNIT_CELL, column.top + (slot // per_row) * UNIT_CELL,
                      UNIT_CELL, UNIT_CELL)
    pitch = plan.thumbnail + plan.gap
    return QRectF(column.left + (slot % column.across) * pitch, column.top + (slot // column.across) * pitch,
                  plan.thumbnail, plan.thumbnail)
