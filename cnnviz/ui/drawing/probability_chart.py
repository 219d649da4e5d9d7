"""A bar chart of class probabilities whose class names stay readable at any size.

Class names under vertical bars collide as soon as they are wider than a bar's share of the
width ("squaretriangle circle" for the three shapes in a narrow panel). The chart measures
its names against its own size each time either changes and picks the first layout that
shows them without overlap:

1. vertical bars with every name in full under its bar;
2. horizontal bars, one class a row, names (elided to under half the width) on the left;
3. vertical bars with names elided, or their indices when elided names would be a letter or
   two (the tooltip then says which index is which class), as many as fit without overlap.

Hovering over a bar always tells its full name and probability.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QVBoxLayout, QWidget

import cnnviz.ui  # noqa: F401  (configures pyqtgraph before any plot item is made)
from cnnviz.ui.plots.axes import cache_axes
from cnnviz.ui.plots.class_labels import class_key, labels_are_names, spaced_labels

__all__ = ["ProbabilityChart", "VERTICAL", "HORIZONTAL"]

VERTICAL = "vertical"
"""Classes along the x axis, probability up."""
HORIZONTAL = "horizontal"
"""Classes down the y axis (first class on top), probability to the right."""

BAR_COLOUR = QColor(130, 160, 200)
TOP_BAR_COLOUR = QColor(217, 95, 2)
_BAR_BRUSH, _TOP_BRUSH = pg.mkBrush(BAR_COLOUR), pg.mkBrush(TOP_BAR_COLOUR)
_BAR_PEN, _TOP_PEN = pg.mkPen(BAR_COLOUR.darker(140)), pg.mkPen(TOP_BAR_COLOUR.darker(140))
_BAR_WIDTH = 0.7
_VALUE_TICKS = [(0.0, "0"), (0.5, "0.5"), (1.0, "1")]
# Names are elided to at most this share of the chart's width in the horizontal layout.
_NAME_AXIS_SHARE = 0.45
_TOOLTIP = "Class probabilities predicted for the model input. Hover over a bar to read it."


class ProbabilityChart(QWidget):
    """Bars of class probabilities, the most probable class highlighted.

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._class_names: tuple[str, ...] = ()
        self._heights = np.zeros(0)
        self._top: int | None = None
        self._orientation = VERTICAL
        self._emptied_orientation: str | None = None
        self._tick_labels: list[tuple[int, str]] = []
        self._base_tooltip = _TOOLTIP
        self._plot = pg.PlotWidget(self)
        self._plot.setToolTip(_TOOLTIP)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._plot)
        self.setMinimumSize(120, 110)
        plot_item = self._plot.getPlotItem()
        plot_item.setMouseEnabled(x=False, y=False)
        plot_item.setMenuEnabled(False)
        plot_item.hideButtons()
        # The names are measured with this font, so the axes must draw with it too.
        self._font = self.font()
        for side in ("left", "bottom"):
            plot_item.getAxis(side).setStyle(tickFont=self._font)
        # Each prediction redraws the bars over the value grid: the axes are kept as pixmaps.
        cache_axes(plot_item.getAxis("left"), plot_item.getAxis("bottom"))
        self._vertical_bars = pg.BarGraphItem(x=np.zeros(0), height=np.zeros(0), width=_BAR_WIDTH)
        self._horizontal_bars = pg.BarGraphItem(x0=np.zeros(0), y=np.zeros(0), width=np.zeros(0),
                                                height=_BAR_WIDTH)
        plot_item.addItem(self._vertical_bars)
        plot_item.addItem(self._horizontal_bars)
        self._horizontal_bars.setVisible(False)
        plot_item.scene().sigMouseMoved.connect(self._on_mouse_moved)

    # --- public -------------------------------------------------------------------------

    def show_probabilities(self, probabilities: np.ndarray, class_names: tuple[str, ...]) -> None:
        """Show ``(num_classes,)`` values in ``[0, 1]``, one per name; the largest is highlighted."""
        values = np.asarray(probabilities, dtype=np.float64)
        if values.ndim != 1 or len(class_names) != values.size:
            raise ValueError(
                f"One probability per class name: received {len(class_names)} names and values "
                f"of shape {values.shape}."
            )
        self._heights = np.clip(values, 0.0, 1.0)
        self._top = int(np.argmax(values)) if values.size else None
        self._set_names(tuple(str(name) for name in class_names))

    def reset(self, class_names: tuple[str, ...]) -> None:
        """Empty bars for ``class_names`` (nothing predicted yet)."""
        self._heights = np.zeros(len(class_names))
        self._top = None
        self._set_names(tuple(str(name) for name in class_names))

    def class_names(self) -> tuple[str, ...]:
        """The classes the bars stand for."""
        return self._class_names

    def bar_heights(self) -> np.ndarray:
        """The bars' lengths, one per class (a copy)."""
        return self._heights.copy()

    def highlighted(self) -> int | None:
        """Index of the highlighted (most probable) class, or None when nothing is shown."""
        return self._top

    def bar_colours(self) -> list[str]:
        """Each bar's fill colour as ``#rrggbb``, in class order."""
        bars = self._vertical_bars if self._orientation == VERTICAL else self._horizontal_bars
        return [brush.color().name() for brush in bars.opts["brushes"] or []]

    def orientation(self) -> str:
        """:data:`VERTICAL` or :data:`HORIZONTAL`, whichever keeps the names readable now."""
        return self._orientation

    def tick_labels(self) -> list[tuple[int, str]]:
        """The class labels drawn on the class axis: ``(class index, text)``, maybe elided or thinned."""
        return list(self._tick_labels)

    def plot_widget(self) -> pg.PlotWidget:
        """The pyqtgraph plot inside (for export and for reading its axes)."""
        return self._plot

    def tooltip_text(self) -> str:
        """The tooltip shown now: a bar's name and probability while the pointer is over it."""
        return self._plot.toolTip()

    def label_font(self):
        """The font the class labels are drawn (and measured) with."""
        return self._font

    def describe_bar(self, index: int) -> str:
        """What hovering over class ``index``'s bar says: its full name and probability."""
        if not 0 <= index < len(self._class_names):
            raise ValueError(f"Class index must lie from 0 to {len(self._class_names) - 1}; received {index}.")
        if self._top is None:
            return f"{self._class_names[index]}: no prediction yet"
        return f"{self._class_names[index]}: {100.0 * self._heights[index]:.1f} %"

    # --- Qt overrides ---------------------------------------------------------------------

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._arrange()

    # --- internals ------------------------------------------------------------------------

    def _set_names(self, class_names: tuple[str, ...]) -> None:
        """Take the names (the heights already match them) and draw."""
        if class_names != self._class_names:
            self._class_names = class_names
            self._arrange()
        else:
            self._draw_bars()

    def _arrange(self) -> None:
        """Choose the layout that shows the names without overlap at the current size."""
        names = self._class_names
        count = len(names)
        if count == 0:
            return
        metrics = QFontMetrics(self._font)
        gap = metrics.horizontalAdvance(" ")
        widths = [metrics.horizontalAdvance(name) for name in names]
        # The value axis: tick text, tick marks and the rotated axis title.
        value_axis_width = metrics.horizontalAdvance("0.5") + metrics.height() + 12
        column = (self.width() - value_axis_width - 10) / (count + 0.2)  # the range is count + 0.2 wide
        row = (self.height() - 2 * metrics.height() - 24) / (count + 0.2)
        if max(widths) + gap <= column:
            orientation, labels = VERTICAL, list(enumerate(names))
        elif metrics.height() <= row:
            limit = max(metrics.horizontalAdvance("M…"), int(self.width() * _NAME_AXIS_SHARE))
            orientation = HORIZONTAL
            labels = [(index, metrics.elidedText(name, Qt.TextElideMode.ElideRight, limit))
                      for index, name in enumerate(names)]
        else:
            orientation, labels = VERTICAL, spaced_labels(names, metrics, column)
        self._orientation = orientation
        self._tick_labels = labels
        self._base_tooltip = _TOOLTIP if labels_are_names(labels, names) else (
            f"{_TOOLTIP}\nClasses: {class_key(names)}.")
        self._plot.setToolTip(self._base_tooltip)
        self._apply_axes(metrics, value_axis_width)
        self._draw_bars()

    def _apply_axes(self, metrics: QFontMetrics, value_axis_width: int) -> None:
        plot_item = self._plot.getPlotItem()
        count = len(self._class_names)
        left, bottom = plot_item.getAxis("left"), plot_item.getAxis("bottom")
        ticks = [[(float(index), text) for index, text in self._tick_labels], []]
        if self._orientation == VERTICAL:
            left.setTicks([_VALUE_TICKS, []])
            bottom.setTicks(ticks)
            left.setWidth(value_axis_width)
            plot_item.setLabel("left", "probability")
            plot_item.setLabel("bottom", "class")
            plot_item.invertY(False)
            plot_item.showGrid(x=False, y=True, alpha=0.25)
            plot_item.setXRange(-0.6, count - 0.4, padding=0)
            plot_item.setYRange(0.0, 1.0, padding=0.1)
        else:
            left.setTicks(ticks)
            bottom.setTicks([_VALUE_TICKS, []])
            name_width = max(metrics.horizontalAdvance(text) for _, text in self._tick_labels)
            left.setWidth(name_width + 12)
            left.setLabel(None)
            plot_item.setLabel("bottom", "probability")
            plot_item.invertY(True)
            plot_item.showGrid(x=True, y=False, alpha=0.25)
            plot_item.setYRange(-0.6, count - 0.4, padding=0)
            plot_item.setXRange(0.0, 1.0, padding=0.05)

    def _draw_bars(self) -> None:
        count = len(self._class_names)
        # Two brushes and two pens, made once: a new prediction only moves the highlight.
        brushes = [_TOP_BRUSH if index == self._top else _BAR_BRUSH for index in range(count)]
        pens = [_TOP_PEN if index == self._top else _BAR_PEN for index in range(count)]
        positions = np.arange(count, dtype=float)
        empty = np.zeros(0)
        # The hidden orientation's bars are emptied once, when the orientation changes, not per update.
        emptied = self._emptied_orientation != self._orientation
        if self._orientation == VERTICAL:
            self._vertical_bars.setOpts(x=positions, height=self._heights, width=_BAR_WIDTH,
                                        brushes=brushes, pens=pens)
            if emptied:
                self._horizontal_bars.setOpts(x0=empty, y=empty, width=empty, brushes=None, pens=None)
        else:
            self._horizontal_bars.setOpts(x0=np.zeros(count), y=positions, width=self._heights,
                                          height=_BAR_WIDTH, brushes=brushes, pens=pens)
            if emptied:
                self._vertical_bars.setOpts(x=empty, height=empty, brushes=None, pens=None)
        self._emptied_orientation = self._orientation
        self._vertical_bars.setVisible(self._orientation == VERTICAL)
        self._horizontal_bars.setVisible(self._orientation == HORIZONTAL)

    def _on_mouse_moved(self, scene_position) -> None:
        view = self._plot.getPlotItem().getViewBox()
        if not self._class_names or not view.sceneBoundingRect().contains(scene_position):
            return
        point = view.mapSceneToView(scene_position)
        coordinate = point.x() if self._orientation == VERTICAL else point.y()
        index = int(round(coordinate))
        if 0 <= index < len(self._class_names) and abs(coordinate - index) <= _BAR_WIDTH / 2:
            self._plot.setToolTip(self.describe_bar(index))
        else:
            self._plot.setToolTip(self._base_tooltip)
