"""The figure ``cnnviz explain`` writes for one attribution map: the map over the input, a colour scale
with its range, and the legend saying what the colours mean (drawn with Qt's painter, rendered to
PNG, SVG or PDF by :func:`cnnviz.ui.export.render_widget`).

Colours: a signed map runs from blue (negative) through the input itself (zero) to red (positive),
symmetric about zero up to its largest magnitude; a non-negative map from the input itself (zero) to
yellow and red (its maximum). The colour is laid over the grey (or colour) input with an opacity
that grows with the magnitude, so the input shows through where the map is near zero.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QWidget

PANEL = 280
BAR_WIDTH = 18
LEGEND_HEIGHT = 104
MAX_OPACITY = 0.85
NEGATIVE = np.array([33, 102, 172], np.float64)
LOW = np.array([255, 200, 0], np.float64)
HIGH = np.array([215, 25, 28], np.float64)


def colours(values: np.ndarray, signed: bool, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """Colour ``(h, w, 3)`` and opacity ``(h, w)`` of each value under the scale described above."""
    scaled = np.clip(values / limit, -1.0, 1.0) if limit > 0 else np.zeros_like(values)
    magnitude = np.abs(scaled)[..., None]
    if signed:
        colour = np.where(scaled[..., None] < 0, NEGATIVE, HIGH)
    else:
        colour = LOW + (HIGH - LOW) * magnitude
    return colour, np.abs(scaled) * MAX_OPACITY


def overlay(image: np.ndarray, values: np.ndarray, signed: bool, limit: float) -> np.ndarray:
    """RGB ``(h, w, 3)`` uint8: the input (``(h, w, c)`` in [0, 1]) with the map laid over it."""
    base = np.clip(image, 0.0, 1.0) * 255.0
    base = np.repeat(base, 3, axis=-1) if base.shape[-1] == 1 else base[..., :3]
    colour, opacity = colours(values, signed, limit)
    return (base * (1 - opacity[..., None]) + colour * opacity[..., None]).astype(np.uint8)


def to_qimage(rgb: np.ndarray) -> QImage:
    """A QImage owning a copy of ``rgb`` ``(h, w, 3)`` uint8."""
    rgb = np.ascontiguousarray(rgb)
    height, width, _ = rgb.shape
    return QImage(rgb.data, width, height, 3 * width, QImage.Format_RGB888).copy()


class AttributionFigure(QWidget):
    """A map over its input with a colour scale and legend, sized for export (not shown on screen)."""

    def __init__(self, image: np.ndarray, result, caption: str = ""):
        super().__init__()
        self.result = result
        self.caption = caption
        self.limit = float(np.abs(result.map).max())
        self.picture = to_qimage(overlay(image, np.asarray(result.map), result.signed, self.limit))
        low = -self.limit if result.signed else 0.0
        ramp = np.linspace(self.limit, low, 128)[:, None]  # top: the largest value
        white = np.ones((128, 1, 1))
        self.bar = to_qimage(overlay(white, ramp, result.signed, self.limit))
        self.resize(PANEL + 120, PANEL + LEGEND_HEIGHT + 16)

    def paintEvent(self, event):  # noqa: N802 - Qt's name
        painter = QPainter(self)
        try:
            self.paint(painter)
        finally:
            painter.end()

    def paint(self, painter: QPainter) -> None:
        painter.fillRect(self.rect(), QColor("white"))
        height, width = self.picture.height(), self.picture.width()
        scale = PANEL / max(height, width)
        target = QRectF(8, 8, width * scale, height * scale)
        painter.drawImage(target, self.picture)
        painter.setPen(QColor("#444444"))
        painter.drawRect(target)
        bar = QRectF(target.right() + 16, 8, BAR_WIDTH, target.height())
        painter.drawImage(bar, self.bar)
        painter.drawRect(bar)
        font = painter.font()
        font.setPointSize(8)
        painter.setFont(font)
        low = -self.limit if self.result.signed else 0.0
        labels = ((bar.top(), self.limit), (bar.center().y(), (self.limit + low) / 2), (bar.bottom(), low))
        for y, value in labels:
            painter.drawText(QRectF(bar.right() + 4, y - 8, 80, 16), Qt.AlignLeft | Qt.AlignVCenter, f"{value:.3g}")
        settings = self.result.settings_text
        text = self.result.legend + (f"\nsettings: {settings}" if settings else "") + (
            f"\n{self.result.notes}" if self.result.notes else "") + (
            f"\n{self.caption}" if self.caption else "")
        painter.drawText(QRectF(8, target.bottom() + 8, self.width() - 16, LEGEND_HEIGHT),
                         Qt.TextWordWrap | Qt.AlignLeft | Qt.AlignTop, text)
