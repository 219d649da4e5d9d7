"""The per-class accuracy chart of the Evaluation tab: one bar per true class, the overall line.

Each bar is a class's diagonal count over its row's total, drawn and labelled in percent (the
axis, the values above the bars and the tooltips all speak %); a red dashed line, labelled
"all" in the margin left of the first bar, marks the overall accuracy. The axis starts just
below the lowest bar, so small differences stay visible, and ends high enough for the values
above the bars to fit, whatever the chart's height. Class names under the bars are as long as the width lets
them be without overlap (:func:`cnnviz.ui.plots.class_labels.spaced_labels`); hovering over a bar
tells its class and accuracy in full.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QWidget

import cnnviz.ui  # noqa: F401  (configures pyqtgraph before any plot item exists)
from cnnviz.core.evaluation import Evaluation
from cnnviz.ui.plots.class_labels import class_key, labels_are_names, spaced_labels
from cnnviz.ui.viewers.colour_bars import nice_ticks

__all__ = ["ClassAccuracyChart", "BAR_TOOLTIP"]

BAR_TOOLTIP = ("Accuracy of each true class (its diagonal count over its row's total), in % above each bar; "
               "the red dashed line is the overall accuracy. The axis starts just below the lowest bar. Hover "
               "over a bar to read it.")
"""The chart's tooltip (plus which index is which class when the axis shows indices)."""

_BAR_COLOUR = "#1f77b4"
_VALUE_ROOM_PX = 20   # pixels above a full bar for the value written over it (its text box)
_LEFT_MARGIN = 1.5    # bar widths left of the first bar, where the overall line is labelled "all"


class ClassAccuracyChart(pg.PlotWidget):
    """Bars of each class's accuracy, its value above it, and a line at the overall accuracy.

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._evaluation: Evaluation | None = None
        self._bar_labels: list[tuple[int, str]] = []
        self.setMinimumSize(300, 150)
        self._tooltip = BAR_TOOLTIP
        self.setToolTip(self._tooltip)
        self._plot = self.getPlotItem()
        self._plot.setTitle("Accuracy per class")
        self._plot.setLabel("left", "accuracy (%)")
        self._plot.setLabel("bottom", "true class")
        self._plot.showGrid(y=True, alpha=0.25)
        self._plot.setMouseEnabled(x=False, y=False)
        self._plot.hideButtons()
        self._plot.setMenuEnabled(False)
        self._plot.setYRange(0.0, 100.0, padding=0.04)
        self._plot.getAxis("left").setTicks([[(value, f"{value:g}") for value in np.linspace(0.0, 100.0, 6)]])
        self._bars = pg.BarGraphItem(x=np.zeros(0), height=np.zeros(0), width=0.7,
                                     brush=pg.mkBrush(_BAR_COLOUR), pen=pg.mkPen("#0d4f80"))
        self._plot.addItem(self._bars)
        # Labelled at its left end, in the margin before the first bar, where no bar value is written.
        self._overall_line = pg.InfiniteLine(angle=0, movable=False,
                                             pen=pg.mkPen("#d62728", width=1.5, style=Qt.PenStyle.DashLine),
                                             label="all", labelOpts={"position": 0.0, "color": "#d62728",
                                                                     "anchors": [(0, 1), (0, 1)]})
        self._overall_line.setVisible(False)
        self._plot.addItem(self._overall_line)
        self._bar_texts: list[pg.TextItem] = []
        self._plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        # Class names are measured with this font to keep them apart, so the axis must use it.
        self._plot.getAxis("bottom").setStyle(tickFont=self.font())
        self._plot.getViewBox().sigResized.connect(self._on_view_resized)

    # --- public -------------------------------------------------------------------------

    def show_accuracy(self, evaluation: Evaluation) -> None:
        """Show ``evaluation``'s per-class accuracy and its overall accuracy."""
        self._evaluation = evaluation
        accuracy = np.nan_to_num(np.asarray(evaluation.per_class_accuracy, dtype=float), nan=0.0)
        positions = np.arange(len(accuracy), dtype=float)
        self._bars.setOpts(x=positions, height=100.0 * accuracy, width=0.7)
        self._plot.setXRange(-_LEFT_MARGIN, len(accuracy) - 0.4, padding=0)
        self._label_bars()
        self._apply_range()
        # Each bar's value above it (the axis may start well above zero, so heights alone mislead).
        while len(self._bar_texts) < len(accuracy):
            text = pg.TextItem("", anchor=(0.5, 1.0), color="#222")
            font = text.textItem.font()
            font.setPointSize(7)
            text.setFont(font)
            self._plot.addItem(text)
            self._bar_texts.append(text)
        for index, text in enumerate(self._bar_texts):
            text.setVisible(index < len(accuracy))
            if index < len(accuracy):
                text.setText(f"{100 * accuracy[index]:.0f}")
                text.setPos(float(index), 100.0 * float(accuracy[index]))
        self._overall_line.setValue(100.0 * evaluation.accuracy)
        self._overall_line.setVisible(True)
        # Short enough for the narrowest pane: a longer title widens the plot past its widget.
        self._plot.setTitle("Accuracy per class, %")

    def bar_heights(self) -> np.ndarray:
        """The classes' accuracies the bars show, as fractions (0 for a class without images)."""
        return np.asarray(self._bars.opts["height"], dtype=float) / 100.0

    def bar_range(self) -> tuple[float, float]:
        """The accuracy axis, as fractions: from 0.05 below the lowest bar (at least 0) to 1 plus
        room for the values written above the bars (``_VALUE_ROOM_PX`` at the chart's height)."""
        heights = self.bar_heights()
        if not heights.size:
            return 0.0, 1.0
        low = max(0.0, float(heights.min()) - 0.05)
        if self._evaluation is not None:
            low = min(low, max(0.0, float(self._evaluation.accuracy) - 0.05))
        view_height = self._plot.getViewBox().height()
        share = min(0.4, max(0.08, _VALUE_ROOM_PX / view_height)) if view_height > 0 else 0.08
        return low, 1.0 + share / (1.0 - share) * (1.0 - low)

    def shown_range(self) -> tuple[float, float]:
        """The accuracy range the chart shows now (its view's vertical range), as fractions."""
        low, high = self._plot.getViewBox().viewRange()[1]
        return float(low) / 100.0, float(high) / 100.0

    def overall_accuracy(self) -> float | None:
        """Where the overall-accuracy line is drawn (a fraction), or None while it is hidden."""
        return float(self._overall_line.value()) / 100.0 if self._overall_line.isVisible() else None

    def axis_label(self) -> str:
        """The accuracy axis's label."""
        return self._plot.getAxis("left").labelText

    def value_texts(self) -> list[str]:
        """The values written above the bars, in class order."""
        return [text.toPlainText() for text in self._bar_texts if text.isVisible()]

    def bar_labels(self) -> list[tuple[int, str]]:
        """The class labels under the bars: ``(class index, text)``, maybe elided or thinned so
        that none overlaps another."""
        return list(self._bar_labels)

    def describe_bar(self, index: int) -> str:
        """What hovering over class ``index``'s bar says."""
        if self._evaluation is None:
            raise ValueError("There is no evaluation yet; evaluate the model on the test set first.")
        evaluation = self._evaluation
        confusion = np.asarray(evaluation.confusion)
        total = int(confusion[index].sum())
        return (f"{evaluation.class_names[index]}: {self.bar_heights()[index]:.2%} "
                f"({int(confusion[index, index]):,} of {total:,} correct)")

    # --- internals ------------------------------------------------------------------------

    def _label_bars(self) -> None:
        """Name the bars, as many and as long as the chart's width lets them be without overlap."""
        if self._evaluation is None:
            return
        names = tuple(self._evaluation.class_names)
        spacing = self._plot.getViewBox().width() / (len(names) - 0.4 + _LEFT_MARGIN)  # the x range's width
        metrics = QFontMetrics(self.font())
        self._bar_labels = spaced_labels(names, metrics, spacing)
        self._plot.getAxis("bottom").setTicks([[(float(index), text) for index, text in self._bar_labels]])
        self._tooltip = BAR_TOOLTIP if labels_are_names(self._bar_labels, names) else (
            f"{BAR_TOOLTIP}\nClasses: {class_key(names)}.")
        self.setToolTip(self._tooltip)

    def _apply_range(self) -> None:
        """Show :meth:`bar_range` (in %), with ticks in %."""
        low, high = (100.0 * value for value in self.bar_range())
        self._plot.setYRange(low, high, padding=0)
        self._plot.getAxis("left").setTicks([[(value, f"{value:g}") for value in nice_ticks(low, min(high, 100.0), 5)]])

    def _on_view_resized(self) -> None:
        self._label_bars()
        if self._evaluation is not None:
            self._apply_range()

    def _on_mouse_moved(self, scene_position) -> None:
        if self._evaluation is None or not self._plot.getViewBox().sceneBoundingRect().contains(scene_position):
            return
        point = self._plot.getViewBox().mapSceneToView(scene_position)
        index = int(round(point.x()))
        if 0 <= index < len(self.bar_heights()) and abs(point.x() - index) <= 0.35:
            self.setToolTip(self.describe_bar(index))
        else:
            self.setToolTip(self._tooltip)
