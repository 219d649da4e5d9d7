"""The colours runs are drawn in, wherever several runs share a plot."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor

RUN_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
               "#7f7f7f", "#bcbd22", "#17becf")
"""Tableau's ten colours: distinct on white and for most colour-vision deficiencies."""


def with_alpha(hex_colour: str, alpha: int) -> QColor:
    """``hex_colour`` (e.g. ``"#1f77b4"``) with opacity ``alpha`` (0-255)."""
    colour = pg.mkColor(hex_colour)
    colour.setAlpha(alpha)
    return colour
