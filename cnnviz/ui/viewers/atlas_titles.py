"""The titles above an atlas's tiles, drawn as one graphics item.

One item per title (a ``pg.TextItem`` wraps a ``QGraphicsTextItem`` and recomputes its transform in
Python on every paint) made the titles the largest cost of repainting a filter grid: a new
inspection repaints the whole atlas, and with it every title over it. :class:`AtlasTitles` holds
all of a page's titles and draws them in one ``paint`` call, in screen pixels (the text stays crisp
and the same size however the atlas is scaled), into a pixmap Qt keeps until the titles or the
view's scale change (``DeviceCoordinateCache``): repainting the page under new maps then copies
one pixmap.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QGraphicsItem

_LEFT_PADDING = 4.0     # screen pixels between a tile's left edge and its title
_BOTTOM_PADDING = 5.0   # screen pixels between a title's descent and the tile below it


@dataclass(frozen=True)
class Title:
    """One tile's title: where the tile's top-left corner is (atlas coordinates) and how it reads."""

    x: float
    y: float
    text: str
    colour: str
    bold: bool


class AtlasTitles(QGraphicsItem):
    """Every title of an atlas page (see the module docstring); place it in the atlas's view."""

    def __init__(self, parent: QGraphicsItem | None = None):
        super().__init__(parent)
        self._titles: tuple[Title, ...] = ()
        self._point_size = 8.0
        self._bounds = QRectF()
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(5)

    def set_titles(self, titles: list[Title], point_size: float, bounds: QRectF) -> None:
        """Draw ``titles`` in a ``point_size`` font; ``bounds`` (atlas coordinates) holds them all."""
        titles = tuple(titles)
        if titles == self._titles and point_size == self._point_size and bounds == self._bounds:
            return
        if bounds != self._bounds:
            self.prepareGeometryChange()
            self._bounds = QRectF(bounds)
        self._titles, self._point_size = titles, point_size
        self.update()

    def titles(self) -> tuple[Title, ...]:
        """The titles drawn, in tile order."""
        return self._titles

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self._titles:
            return
        to_device = painter.worldTransform()
        painter.save()
        # Text in screen pixels at the mapped tile corners, whatever the atlas's scale.
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        fonts = {}
        for bold in (False, True):
            font = QFont()
            font.setPointSizeF(self._point_size)
            font.setBold(bold)
            fonts[bold] = (font, QFontMetricsF(font).descent())
        current: tuple[bool, str] | None = None
        for title in self._titles:
            if not title.text:
                continue
            font, descent = fonts[title.bold]
            if current != (title.bold, title.colour):
                painter.setFont(font)
                painter.setPen(QColor(title.colour))
                current = (title.bold, title.colour)
            corner = to_device.map(QPointF(title.x, title.y))
            painter.drawText(QPointF(corner.x() + _LEFT_PADDING, corner.y() - descent - _BOTTOM_PADDING),
                             title.text)
        painter.restore()
