"""A colour bar's axis worked out in a few lines of Python instead of pyqtgraph's general ones.

pyqtgraph's ``AxisItem.generateDrawSpecs`` works out what to draw for every kind of axis: tick levels
chosen by spacing, grid lines, several levels of labels thinned by crowding limits. A colour bar's
axis has one level of ticks, set explicitly (:func:`~cnnviz.ui.viewers.colour_bars.set_colorbar_levels`),
and no grid; its range changes with every stroke, so its drawing is worked out again each time: about
half a millisecond per bar in Python, two bars on the gradients page.

:func:`quick_tick_specs` works out the same drawing (the same lines, label rectangles and texts, tested
against pyqtgraph's) for that case, measuring each label's text once for a font; any other axis goes
to pyqtgraph's own method. :func:`use_quick_tick_specs` makes an axis use it.
"""

from __future__ import annotations

import functools

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPen

__all__ = ["quick_tick_specs", "use_quick_tick_specs"]

_MEASURE_BOX = QRectF(0, 0, 100, 100)
_MEASURE_FLAGS = Qt.AlignmentFlag.AlignCenter
_TEXT_FLAGS = {
    "left": Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextDontClip,
    "right": Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextDontClip,
    "top": Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom | Qt.TextFlag.TextDontClip,
    "bottom": Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextDontClip,
}
_TEXT_SIZES: dict[tuple[str, str], tuple[float, float]] = {}
"""(font key, text) -> (width, height) of a label, as pyqtgraph measures it (its height times 0.8)."""


def _text_size(painter, text: str) -> tuple[float, float]:
    key = (painter.font().key(), text)
    size = _TEXT_SIZES.get(key)
    if size is None:
        rect = painter.boundingRect(_MEASURE_BOX, _MEASURE_FLAGS, text)
        size = _TEXT_SIZES[key] = (rect.width(), rect.height() * 0.8)
        if len(_TEXT_SIZES) > 4096:   # labels of ranges long gone
            _TEXT_SIZES.clear()
    return size


def quick_tick_specs(axis: pg.AxisItem, painter):
    """``axis.generateDrawSpecs(painter)`` for an axis with one level of explicit ticks and no grid:
    ``(axis line, tick lines, label rectangles)``, or None when the axis is not on screen."""
    style = axis.style
    levels = axis._tickLevels
    if (levels is None or len(levels) != 1 or axis.grid is not False or not style["showValues"]
            or tuple(style["stopAxisAtTick"]) != (False, False) or style["tickAlpha"] is not None
            or style["maxTextLevel"] < 0):
        return pg.AxisItem.generateDrawSpecs(axis, painter)
    if style["tickFont"] is not None:
        painter.setFont(style["tickFont"])
    bounds = axis.mapRectFromParent(axis.geometry())
    orientation = axis.orientation
    if orientation == "left":
        span = (bounds.topRight() + QPointF(-1.0, -1.0), bounds.bottomRight() + QPointF(-1.0, 1.0))
        tick_start, tick_stop, tick_direction, along = bounds.right(), bounds.right(), -1, 0
    elif orientation == "right":
        span = (bounds.topLeft() + QPointF(1.0, -1.0), bounds.bottomLeft() + QPointF(1.0, 1.0))
        tick_start, tick_stop, tick_direction, along = bounds.left(), bounds.left(), 1, 0
    elif orientation == "top":
        span = (bounds.bottomLeft() + QPointF(-1.0, -1.0), bounds.bottomRight() + QPointF(1.0, -1.0))
        tick_start, tick_stop, tick_direction, along = bounds.bottom(), bounds.bottom(), -1, 1
    else:
        span = (bounds.topLeft() + QPointF(-1.0, 1.0), bounds.topRight() + QPointF(1.0, 1.0))
        tick_start, tick_stop, tick_direction, along = bounds.top(), bounds.top(), 1, 1
    first, last = axis.mapToDevice(span[0]), axis.mapToDevice(span[1])
    if first is None or last is None or first == last:
        return None
    low, high = axis.range
    difference = high - low
    if difference == 0:
        scale, offset = 1.0, 0.0
    elif along == 0:
        scale = -bounds.height() / difference
        offset = low * scale - bounds.height()
    else:
        scale = bounds.width() / difference
        offset = low * scale
    ends = (low * scale - offset, high * scale - offset)
    lowest, highest = min(ends), max(ends)

    pen = axis.tickPen()
    if pen.brush().style() == Qt.BrushStyle.SolidPattern:
        pen = QPen(pen)
        colour = pen.color()
        colour.setAlpha(255)
        pen.setColor(colour)
    length = style["tickLength"] * tick_direction
    ticks, labels = [], []
    for value, text in levels[0]:
        x = value * scale - offset
        if x < lowest or x > highest:
            continue
        if along == 0:
            ticks.append((pen, QPointF(tick_start, x), QPointF(tick_stop + length, x)))
        else:
            ticks.append((pen, QPointF(x, tick_start), QPointF(x, tick_stop + length)))
        labels.append((x, text))

    text_specs = []
    widest = 0.0
    if labels:
        sizes = [_text_size(painter, text) for _, text in labels]
        widest = max(width for width, _ in sizes) if along == 0 else max(height for _, height in sizes)
        room = axis.boundingRect()
        gap = max(0, style["tickLength"]) + style["tickTextOffset"][along]
        flags = _TEXT_FLAGS[orientation]
        for (x, text), (width, height) in zip(labels, sizes):
            if orientation == "left":
                rect = QRectF(tick_stop - gap - width, x - height / 2, width, height)
            elif orientation == "right":
                rect = QRectF(tick_stop + gap, x - height / 2, width, height)
            elif orientation == "top":
                rect = QRectF(x - width / 2.0, tick_stop - gap - height, width, height)
            else:
                rect = QRectF(x - width / 2.0, tick_stop + gap, width, height)
            if room & rect == rect:
                text_specs.append((rect, flags, text))
    axis._updateMaxTextSize(widest)
    return (axis.pen(), span[0], span[1]), ticks, text_specs


def use_quick_tick_specs(axis: pg.AxisItem) -> pg.AxisItem:
    """Make ``axis`` work out its drawing with :func:`quick_tick_specs`; returns it."""
    axis.generateDrawSpecs = functools.partial(quick_tick_specs, axis)
    return axis
