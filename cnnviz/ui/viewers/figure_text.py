"""The text of the viewers' figures: values and pixels as the status lines write them, titles wrapped to a width."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QFont, QFontMetricsF


def format_value(value: float) -> str:
    """A value as the status lines show it: 4 decimals, or scientific notation when tiny or huge."""
    if not np.isfinite(value):
        return str(value)
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return f"{value:.4f}"
    return f"{value:.3e}"


def format_pixel(value) -> str:
    """A pixel as the status lines show it: one value, or ``"R 0.1000, G 0.2000, B 0.3000"`` for a
    colour pixel (an array of three values)."""
    values = np.ravel(np.asarray(value, dtype=np.float64))
    if values.size == 1:
        return format_value(float(values[0]))
    names = ("R", "G", "B") if values.size == 3 else tuple(f"c{index}" for index in range(values.size))
    return ", ".join(f"{name} {format_value(float(channel))}" for name, channel in zip(names, values))


def wrap_title(text: str, width: float, point_size: float = 11.0, bold: bool = True) -> str:
    """``text`` broken into lines (joined by ``<br>``) that each fit ``width`` pixels.

    A graphics label (``pg.LabelItem``) does not wrap, and a figure title wider than its view
    is cut off; this breaks it between words instead, for the font the title is drawn in.
    """
    font = QFont()
    font.setPointSizeF(point_size)
    font.setBold(bold)
    metrics = QFontMetricsF(font)
    if width <= 0 or metrics.horizontalAdvance(text) <= width:
        return text
    lines: list[str] = []
    for word in text.split(" "):
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and metrics.horizontalAdvance(candidate) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return "<br>".join(lines)


def describe_pixel(title: str, row: int, col: int, value,
                   extent: tuple[float, float, float, float] | None = None,
                   axis_labels: tuple[str, str] = ("column", "row"),
                   shape: tuple[int, int] | None = None) -> str:
    """A status line for a pixel: ``"filter 5 (row 3, col 7): 0.4213"``, plus its coordinates on the
    axes of an image of ``shape`` (h, w) spanning ``extent`` (x0, x1, y0, y1) when both are given,
    e.g. ``"   at fx = 0.25, fy = -0.5"`` for a spectrum (the axes named by ``axis_labels``)."""
    text = f"{title} (row {row}, col {col}): {format_pixel(value)}"
    if extent is None or shape is None:
        return text
    height, width = shape
    x0, x1, y0, y1 = extent
    x = x0 + (col + 0.5) * (x1 - x0) / width
    y = y0 + (row + 0.5) * (y1 - y0) / height
    x_name, y_name = (label.split(" (")[0] for label in axis_labels)
    return f"{text}   at {x_name} = {x:.4g}, {y_name} = {y:.4g}"
