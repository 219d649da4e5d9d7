"""The cells of a unit grid: the values they show, their layout, their labels, the axes' ticks.

:func:`checked_units` checks the values a grid is given; :func:`unit_columns` chooses the
layout; :class:`UnitLabels` keeps one text item per cell in the grid's plot, each unit's index
or its class for an output layer (none for more than a few hundred units), writes each in
black or white, whichever reads better on its cell's colour, and shows them only while every
one fits its cell; :func:`axis_ticks` numbers the rows and columns for when they do not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont

from cnnviz.ui.viewers.colour_maps import get_colormap

MAX_LABELLED_UNITS = 256
"""More cells than this are never labelled (one text item per cell)."""
_LABEL_FONT_PIXELS = 11
_CHARACTER_PIXELS = 7          # about how wide one label character is at that size


def checked_units(values: np.ndarray, names: Sequence[str] | None) -> tuple[np.ndarray, list[str] | None]:
    """``values`` as a read-only float32 vector (n,) (a batch of one, ``(1, n)``, is accepted too),
    and ``names`` as a list of str (or None).

    Raises
    ------
    ValueError
        If ``values`` is not one vector or holds no numbers, or ``names`` has the wrong length.
    """
    values = np.asarray(values)
    if values.ndim == 2 and values.shape[0] == 1:
        values = values[0]
    if values.ndim != 1:
        raise ValueError(f"values must be one vector of shape (units,), received an array of shape "
                         f"{values.shape}. Flatten one image's output first, e.g. output[0].ravel().")
    if not np.issubdtype(values.dtype, np.number):
        raise ValueError(f"values must hold numbers, received dtype {values.dtype}.")
    if names is not None and len(names) != len(values):
        raise ValueError(f"Received {len(names)} names for {len(values)} units; give one name per unit "
                         f"or none.")
    values = np.array(values, dtype=np.float32)
    values.flags.writeable = False
    return values, None if names is None else [str(name) for name in names]


def unit_columns(num_units: int, area: tuple[float, float]) -> int:
    """How many columns to lay ``num_units`` square cells out in, in ``area`` (width, height).

    The cells are made about as large as they can be; among layouts whose cells are within
    10 % of the largest, the one with the fewest empty cells in its last row is taken
    (128 units as 16 × 8 rather than 15 × 9 with seven holes).
    """
    width, height = max(area[0], 50.0), max(area[1], 50.0)
    num_units = max(num_units, 1)
    sides = {columns: min(width / columns, height / math.ceil(num_units / columns))
             for columns in range(1, num_units + 1)}
    largest = max(sides.values())
    candidates = [columns for columns, side in sides.items() if side >= 0.9 * largest]
    return min(candidates, key=lambda columns: (math.ceil(num_units / columns) * columns - num_units,
                                                -sides[columns]))


def axis_ticks(rows: int, columns: int) -> tuple[list[tuple[float, str]], list[tuple[float, str]]]:
    """Ticks of the left axis (index of each row's first unit) and of the bottom axis (column
    offset), thinned to about a dozen each to stay readable."""
    row_step = max(1, math.ceil(rows / 12))
    column_step = max(1, math.ceil(columns / 12))
    left = [(row + 0.5, str(row * columns)) for row in range(0, rows, row_step)]
    bottom = [(col + 0.5, f"+{col}") for col in range(0, columns, column_step)]
    return left, bottom


class UnitLabels:
    """The cell labels of a unit grid, drawn in ``plot`` (cell ``i`` at column ``i % columns``,
    row ``i // columns``, one data unit per cell)."""

    def __init__(self, plot: pg.PlotItem):
        self._plot = plot
        self._labels: list[pg.TextItem] = []

    def set_texts(self, texts: list[str], columns: int) -> None:
        """One text item per cell, laid out in ``columns`` columns."""
        self.remove()
        if len(texts) > MAX_LABELLED_UNITS:
            return
        font = QFont()
        font.setPixelSize(_LABEL_FONT_PIXELS)
        for index, text in enumerate(texts):
            label = pg.TextItem(text, anchor=(0.5, 0.5))
            label.setFont(font)
            label.setPos(index % columns + 0.5, index // columns + 0.5)
            label.setZValue(5)
            self._plot.addItem(label)
            self._labels.append(label)

    def remove(self) -> None:
        """Take every label out of the plot."""
        for label in self._labels:
            self._plot.removeItem(label)
        self._labels = []

    def color(self, values: np.ndarray, levels: tuple[float, float], colormap: str) -> None:
        """Black or white labels, whichever reads better on each cell's colour."""
        if not self._labels:
            return
        low, high = levels
        fractions = np.clip((np.nan_to_num(values) - low) / (high - low), 0.0, 1.0)
        colors = get_colormap(colormap).map(fractions, mode="byte")
        luminance = colors[:, :3] @ np.array([0.299, 0.587, 0.114])
        for label, bright in zip(self._labels, luminance > 140):
            label.setColor("#000" if bright else "#fff")

    def fit(self, cell_pixels: float) -> bool:
        """Show the labels only while every one fits a cell ``cell_pixels`` wide; whether they do."""
        longest = max((len(label.textItem.toPlainText()) for label in self._labels), default=0)
        fits = bool(self._labels) and (longest * _CHARACTER_PIXELS + 4 <= cell_pixels
                                       and _LABEL_FONT_PIXELS + 4 <= cell_pixels)
        for label in self._labels:
            label.setVisible(fits)
        return fits

    def visible_texts(self) -> list[str]:
        """The labels drawn now (empty while the cells are too small for them)."""
        return [label.textItem.toPlainText() for label in self._labels if label.isVisible()]
