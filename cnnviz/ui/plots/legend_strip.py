"""Plot pieces shared by the training monitor and the Experiments and History tabs.

* :class:`LegendStrip`: pyqtgraph's legend placed in the plot's own layout under the x axis, so it
  never covers a curve or a marker; its entries flow into as many columns as the plot is wide.
* :class:`DivergenceMarker`: a cross and the word "diverged" at the last finite value of a curve
  whose loss became NaN or infinite, so a run that diverged at once is still seen.
* :func:`log_scale_reason`: whether a loss plot needs a logarithmic axis (one run's losses in the
  thousands would flatten every other run on a linear one), and why, in words.
* :func:`pad_x_range`: a fixed x range with room, in pixels, for the markers at its ends.
* :class:`ElidedTitle`: a plot title shortened with "…" to the plot's width (a long run label
  would otherwise widen the plot past its window).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSizeF, Qt
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QSizePolicy

LEGEND_ROW = 4
"""The row of a PlotItem's layout under the bottom axis (0 title, 1 top axis, 2 view, 3 bottom axis)."""

MARKER_MARGIN_PX = 11
"""Room kept between a range's end and the view's edge: half the largest marker, its pen and a gap."""

LOG_SCALE_ORDERS = 2
"""A loss plot turns logarithmic when its largest value is this many orders of magnitude above
some curve's median: on a linear axis that curve would use less than 1 % of the height."""

LOG_SCALE_TOOLTIP = ("Show the loss on a logarithmic axis. It is chosen for you when one run's losses lie "
                     f"{LOG_SCALE_ORDERS} or more orders of magnitude above another's (a diverged run beside "
                     "a converging one would flatten it to a line at zero); click to choose yourself.")
"""The log-scale checkbox's tooltip, wherever the choice is made automatically."""

DIVERGED_COLOUR = "#c62828"


class _CompactSample(pg.ItemSample):
    """pyqtgraph's legend sample (line and symbol) in a 20 × 14 box instead of 20 × 20, so a strip of
    several rows leaves the plot its height."""

    def __init__(self, item):
        super().__init__(item)
        self.setFixedHeight(14)

    def boundingRect(self) -> QRectF:  # noqa: N802  (Qt's name)
        return QRectF(0, 0, 20, 14)

    def paint(self, painter, *args) -> None:
        painter.translate(0, -3)  # pyqtgraph draws around y = 10 of its 20-pixel box
        super().paint(painter, *args)


class LegendStrip(pg.LegendItem):
    """A legend in its own strip under a plot's x axis: it takes room from the plot, never from the data.

    Create it with :meth:`below`; ``plot.legend`` then refers to it, as it would to a legend from
    ``PlotItem.addLegend``. Entries are added and removed with pyqtgraph's own ``addItem`` and
    ``removeItem``; clicking an entry's sample hides or shows its curve. The entries flow into as
    many columns as the plot is wide; an entry wider than the plot is shortened in the middle with
    "…" (its whole text is its tooltip and stays in :meth:`labels`).

    Parameters
    ----------
    label_size : str
        The entries' text size in points, e.g. ``"8pt"``.
    """

    # The margin around a label's text (QGraphicsTextItem's default of 4 would make every row taller
    # by 6 pixels), and the width it adds to the text.
    _TEXT_MARGIN = 1
    _TEXT_MARGINS = 2 * _TEXT_MARGIN

    def __init__(self, label_size: str = "8pt"):
        super().__init__(offset=None, labelTextSize=label_size, frame=False, horSpacing=4,
                         sampleType=_CompactSample)
        self.layout.setContentsMargins(2, 0, 2, 2)
        self._plot: pg.PlotItem | None = None
        self._names: dict[pg.LabelItem, str] = {}
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)

    @classmethod
    def below(cls, plot: pg.PlotItem, label_size: str = "8pt") -> LegendStrip:
        """A strip under ``plot``'s x axis, set as ``plot.legend``."""
        legend = cls(label_size)
        plot.layout.addItem(legend, LEGEND_ROW, 1)
        plot.layout.setAlignment(legend, Qt.AlignmentFlag.AlignHCenter)
        plot.legend = legend
        legend._plot = plot
        plot.geometryChanged.connect(legend._on_plot_resized)
        return legend

    def labels(self) -> list[str]:
        """The entries' whole texts, in order."""
        return [self._names.get(label, label.text) for _, label in self.items]

    def shown_labels(self) -> list[str]:
        """The entries' texts as shown (shortened with "…" when wider than the plot)."""
        return [html.unescape(label.text) for _, label in self.items]

    def set_label(self, item, name: str) -> None:
        """Rename ``item``'s entry to ``name`` (nothing happens when it has none)."""
        label = self.getLabel(item)
        if label is not None:
            self._names[label] = str(name)
            self._fit_columns()

    def addItem(self, item, name: str) -> None:  # noqa: N802  (pyqtgraph's name)
        """Add an entry for ``item`` (a plot data item) called ``name``."""
        super().addItem(item, html.escape(str(name)))
        label = self.items[-1][1]
        label.item.document().setDocumentMargin(self._TEXT_MARGIN)
        label.updateMin()
        self._names[label] = str(name)
        self._fit_columns()

    def removeItem(self, item) -> None:  # noqa: N802
        """Remove ``item``'s entry (or the entry called ``item``)."""
        for sample, label in self.items:
            if sample.item is item or self._names.get(label) == item:
                self._names.pop(label, None)
                super().removeItem(sample.item)
                break
        self._fit_columns()

    def clear(self) -> None:
        """Remove every entry."""
        super().clear()
        self._names.clear()

    def sizeHint(self, which, constraint=None) -> QSizeF:  # noqa: N802  (Qt's name)
        """Qt's size hint, with no minimum width: the plot's width decides how the entries flow,
        never the other way round."""
        hint = super().sizeHint(which, QSizeF() if constraint is None else constraint)
        return QSizeF(0.0, hint.height()) if which == Qt.SizeHint.MinimumSize else hint

    def updateSize(self) -> None:  # noqa: N802
        # The plot's layout places and sizes the strip; it only needs to hear that the size changed.
        self.updateGeometry()

    def hoverEvent(self, event) -> None:  # noqa: N802
        # The layout places the strip: it is not dragged like a floating legend.
        pass

    def mouseDragEvent(self, event) -> None:  # noqa: N802
        event.ignore()

    def _on_plot_resized(self) -> None:
        self._fit_columns()

    def _available_width(self) -> float:
        """The width under the view: the plot's, less its side axes (not the view's own width, which a
        legend too wide for the plot would have stretched)."""
        plot = self._plot
        if plot is None:
            return 0.0
        width = plot.width() - 8.0  # the plot's layout margins and the strip's own
        for side in ("left", "right"):
            axis = plot.getAxis(side)
            if axis.isVisible():
                width -= axis.width()
        return max(width, 0.0)

    def _font_metrics(self) -> QFontMetricsF:
        font = QFont()
        size = str(self.opts["labelTextSize"])
        if size.endswith("pt"):
            font.setPointSizeF(float(size[:-2]))
        return QFontMetricsF(font)

    def _fit_columns(self) -> None:
        """As many columns as fit into the plot's width (each as wide as its widest entry); an entry
        too wide for the plot on its own is shortened to fit it."""
        if not self.items:
            return
        metrics = self._font_metrics()
        spacing = self.layout.horizontalSpacing()
        sample_width = max(sample.minimumWidth() for sample, _ in self.items)
        labels = [label for _, label in self.items]
        entry_widths = [sample_width + spacing + metrics.horizontalAdvance(self._names.get(label, label.text))
                        + self._TEXT_MARGINS for label in labels]
        available = self._available_width()
        columns = 1
        if available:
            for count in range(len(labels), 1, -1):
                # Entries fill the grid row by row: column j holds entries j, j + count, ...
                widths = [max(entry_widths[column::count]) for column in range(count)]
                if sum(widths) + spacing * (count - 1) <= available:
                    columns = count
                    break
        room = available - sample_width - 2 * spacing - self._TEXT_MARGINS
        for label, entry_width in zip(labels, entry_widths):
            name = self._names.get(label, label.text)
            shown = name
            if available and columns == 1 and entry_width > available:
                shown = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, max(room, 40.0))
            if label.text != html.escape(shown):
                label.setText(html.escape(shown))
                label.updateMin()
            label.setToolTip(name if shown != name else "")
        if columns != self.columnCount:
            self.setColumnCount(columns)
        self.updateGeometry()


class DivergenceMarker(pg.PlotDataItem):
    """A cross and the word "diverged" at the last finite point of a curve that diverged.

    Add it to the plot like any data item (it follows the plot's log mode) and :meth:`place` it.

    Parameters
    ----------
    colour : str
        The run's colour; the word is written in red.
    """

    def __init__(self, colour: str):
        super().__init__(pen=None, symbol="x", symbolSize=12, symbolPen=pg.mkPen(colour, width=2.5),
                         symbolBrush=pg.mkBrush(colour))
        self.setObjectName("diverged marker")
        self.setZValue(20)
        self._label = pg.TextItem("diverged", color=DIVERGED_COLOUR, anchor=(0, 1))
        self._label.setParentItem(self)
        self._label.setVisible(False)
        self._position: tuple[float, float] | None = None

    def place(self, x: float | None, y: float | None = None) -> None:
        """Mark the point ``(x, y)`` (data coordinates); ``None`` removes the mark."""
        if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)):
            self._position = None
            self.setData(np.zeros(0), np.zeros(0))
        else:
            self._position = (float(x), float(y))
            self.setData(np.array([x], dtype=float), np.array([y], dtype=float))
        self._update_label()

    def position(self) -> tuple[float, float] | None:
        """The marked point in data coordinates, or ``None``."""
        return self._position

    def setLogMode(self, x_state: bool, y_state: bool) -> None:  # noqa: N802  (pyqtgraph's name)
        super().setLogMode(x_state, y_state)
        self._update_label()

    def viewRangeChanged(self, *args, **kwargs) -> None:  # noqa: N802
        super().viewRangeChanged(*args, **kwargs)
        self._update_label()

    def _update_label(self) -> None:
        x, y = self.getData()  # in display coordinates: log10 of the data in log mode
        if self._position is None or x is None or len(x) == 0 or not np.isfinite([x[0], y[0]]).all():
            self._label.setVisible(False)
            return
        self._label.setPos(float(x[0]), float(y[0]))
        view = self.getViewBox()
        if view is not None:
            # Written towards the middle of the view, so the word stays inside it at any edge.
            (left, right), (bottom, top) = view.viewRange()
            on_right = x[0] > (left + right) / 2
            on_top = y[0] > (bottom + top) / 2
            self._label.setAnchor((1.1 if on_right else -0.1, -0.1 if on_top else 1.1))
        self._label.setVisible(True)


def divergence_point(x: np.ndarray, y: np.ndarray, diverged: bool = False) -> tuple[float, float] | None:
    """Where a curve diverged: its last finite point before its first NaN or infinite value.

    Parameters
    ----------
    x, y : ndarray
        The curve, shape (n,) each, non-finite values included.
    diverged : bool
        Whether the run is known to have diverged; a curve that stayed finite (training stops at an
        exploding but finite loss) is then marked at its last point.

    Returns
    -------
    tuple of float or None
        ``(x, y)``, or ``None`` when the curve did not diverge or has no finite point before it did.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    broken = np.flatnonzero(~np.isfinite(y))
    end = int(broken[0]) if broken.size else (len(y) if diverged else 0)
    finite = np.flatnonzero(np.isfinite(y[:end]) & np.isfinite(x[:end]))
    if finite.size == 0:
        return None
    return float(x[finite[-1]]), float(y[finite[-1]])


def log_scale_reason(curves: Iterable[np.ndarray], orders: int = LOG_SCALE_ORDERS) -> str | None:
    """Why a plot of ``curves`` needs a logarithmic y axis, or ``None`` when a linear one shows them all.

    A curve looks flat on a linear axis when its typical value (the median of its finite, positive
    values) lies ``orders`` orders of magnitude or more below the largest value on the plot, as a
    converging run does beside a diverged one.

    Parameters
    ----------
    curves : iterable of ndarray
        The y values of each curve (or of each run), shape (n,) each; NaN and infinities are skipped.
    orders : int
        The orders of magnitude that call for a log axis.

    Returns
    -------
    str or None
        A short sentence for the user, e.g. "Log scale chosen: the losses span 0.3 to 1.7e+04.".
    """
    medians, largest, smallest = [], -math.inf, math.inf
    for values in curves:
        values = np.asarray(values, dtype=float)
        values = values[np.isfinite(values) & (values > 0)]
        if values.size:
            medians.append(float(np.median(values)))
            largest = max(largest, float(values.max()))
            smallest = min(smallest, float(values.min()))
    if not medians or largest / min(medians) < 10.0 ** orders:
        return None
    return f"Log scale chosen: the losses span {smallest:.3g} to {largest:.3g}."


def pad_x_range(view_box: pg.ViewBox, low: float, high: float, margin_px: float = MARKER_MARGIN_PX) -> None:
    """Show ``low`` to ``high`` on the x axis with ``margin_px`` pixels to spare at both ends.

    The markers drawn at the ends (the last epoch's dot and square) then show whole. Call it again
    when the view is resized: the padding, a fraction of the range, depends on the view's width.
    """
    width = view_box.width()
    padding = margin_px / (width - 2 * margin_px) if width > 4 * margin_px else 0.1
    view_box.setXRange(low, high, padding=padding)


class ElidedTitle:
    """A plot title shortened with "…" to the width of the plot's view.

    Parameters
    ----------
    plot : pyqtgraph.PlotItem
        The plot whose title it sets.
    """

    def __init__(self, plot: pg.PlotItem):
        self._plot = plot
        self._text = ""
        plot.vb.sigResized.connect(self._on_view_resized)

    def set_text(self, text: str) -> None:
        """Show ``text`` as the title, shortened when it is wider than the plot."""
        self._text = str(text)
        self._show()

    def text(self) -> str:
        """The whole title."""
        return self._text

    def shown_text(self) -> str:
        """The title as shown (possibly shortened)."""
        return html.unescape(self._plot.titleLabel.text)

    def _show(self) -> None:
        label = self._plot.titleLabel
        font = QFont(label.item.font())
        font.setPointSizeF(11)  # pyqtgraph's title size
        width = self._plot.vb.width()
        text = self._text
        if width > 0:
            text = QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideMiddle, max(40.0, width - 8))
        self._plot.setTitle(html.escape(text), size="11pt")
        # The title is fitted to the plot, so it must not widen the plot to fit itself.
        label.setMinimumWidth(0)

    def _on_view_resized(self, view_box) -> None:
        self._show()
