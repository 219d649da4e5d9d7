"""The side panel of a unit grid: the chosen unit's value and rank, and a bar chart of every unit.

:class:`UnitDetail` draws one bar per unit with the chosen one in red and a marker above it
(so that a unit whose value is 0, a dead ReLU, stays findable), names the classes under the
bars of an output layer, and writes the unit's value and rank in its header.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from cnnviz.ui.layout import closable_header
from cnnviz.ui.viewers.figure_text import format_value

SELECTION_COLOR = "#d62728"
"""The chosen unit's colour, here and in the grid."""
_BAR_COLOR = "#8c8c8c"
_MAX_NAMED_TICKS = 30          # class names under the bar chart, when there are at most this many


class UnitDetail(QWidget):
    """One unit's value and rank above a bar chart of every unit's value.

    Parameters
    ----------
    value_label : str
        What the values are ("activation"), on the chart's vertical axis.
    parent : QWidget, optional
    """

    sig_close_requested = Signal()
    """The close button was clicked."""

    def __init__(self, value_label: str = "activation", parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumWidth(240)
        self._title = QLabel()
        self._title.setStyleSheet("font-weight: bold;")
        self._title.setWordWrap(True)
        self._title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        header = closable_header(self._title, "Close this panel", self.sig_close_requested.emit)
        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.setToolTip("Every unit's value; the chosen unit in red.")
        self._plot = self._graphics.addPlot(row=0, col=0)
        self._plot.setMenuEnabled(False)
        self._plot.hideButtons()
        self._plot.setMouseEnabled(x=False, y=False)
        for side in ("left", "bottom"):
            self._plot.getAxis(side).enableAutoSIPrefix(False)
        self._plot.setLabel("left", value_label)
        self._plot.addLine(y=0, pen=pg.mkPen("#444", width=1))
        self._bars = pg.BarGraphItem(x=[], height=[], width=0.8, brush=_BAR_COLOR, pen=None)
        self._selected_bar = pg.BarGraphItem(x=[], height=[], width=0.8, brush=SELECTION_COLOR, pen=None)
        # A marker above the chosen bar keeps it findable when its value is 0 (a dead ReLU unit).
        self._selected_marker = pg.ScatterPlotItem(size=11, symbol="t", brush=SELECTION_COLOR, pen=None)
        self._plot.addItem(self._bars)
        self._plot.addItem(self._selected_bar)
        self._plot.addItem(self._selected_marker)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self._graphics, 1)
        self._layout = layout

    def add_below(self, widget: QWidget) -> None:
        """Show ``widget`` under the bar chart (a viewer's panel about the chosen unit)."""
        self._layout.addWidget(widget, 1)

    def show_unit(self, values: np.ndarray, index: int, names: list[str] | None, value_label: str) -> None:
        """Show unit ``index`` of ``values`` (shape (n,)) among all the others.

        Parameters
        ----------
        values : ndarray, shape (n,)
        index : int
        names : list of str, optional
            The units' class names (an output layer), written under the bars when few.
        value_label : str
            What the values are.
        """
        num_units = len(values)
        self._bars.setOpts(x=np.arange(num_units), height=values, width=0.8)
        self._selected_bar.setOpts(x=[index], height=[values[index]], width=0.8)
        axis = self._plot.getAxis("bottom")
        if names is not None and num_units <= _MAX_NAMED_TICKS:
            self._plot.setLabel("bottom", "class")
            axis.setTicks([[(position, name) for position, name in enumerate(names)]])
        else:
            self._plot.setLabel("bottom", "unit")
            axis.setTicks(None)
        self._plot.setLabel("left", value_label)
        finite = values[np.isfinite(values)]
        low = min(float(finite.min()), 0.0) if finite.size else 0.0
        high = max(float(finite.max()), 0.0) if finite.size else 1.0
        if high <= low:
            high = low + 1.0
        # Room above the tallest bar for the marker.
        self._plot.setRange(xRange=(-0.6, num_units - 0.4), yRange=(low, high + 0.1 * (high - low)),
                            padding=0.03)
        selected_value = float(np.nan_to_num(values[index]))
        # The marker points down at the bar from just above it (or above zero for a negative bar).
        self._selected_marker.setData([index], [max(selected_value, 0.0) + 0.06 * (high - low)])
        value = float(values[index])
        rank = int(np.sum(values > value)) + 1 if np.isfinite(value) else None
        rank_text = f" — rank {rank} of {num_units}, largest first" if rank is not None else ""
        name = "" if names is None else f", class {names[index]}"
        self._title.setText(f"Unit {index} of {num_units}{name}: {value_label} {format_value(value)}{rank_text}")

    def text(self) -> str:
        """The header: the unit, its value and its rank."""
        return self._title.text()
