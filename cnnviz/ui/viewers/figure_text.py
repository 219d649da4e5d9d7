"""The text of the viewers' figures: values as the status lines write them, titles wrapped to a width."""

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
