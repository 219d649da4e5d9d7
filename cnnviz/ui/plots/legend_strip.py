"""A legend in its own strip under a plot's x axis: pyqtgraph's legend placed in the plot's own layout,
so it never covers a curve or a marker; its entries flow into as many columns as the plot is wide.
"""

from __future__ import annotations

import html

import pyqtgraph as pg
from pyqtgraph.graphicsItems.ScatterPlotItem import drawSymbol
from PySide6.QtCore import QRectF, QSizeF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QSizePolicy

LEGEND_ROW = 4
"""The row of a PlotItem's layout under the bottom axis (0 title, 1 top axis, 2 view, 3 bottom axis)."""


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
        item = self.item
        if not (isinstance(item, pg.PlotDataItem) and item.isVisible() and item.opts.get("symbol") is not None):
            super().paint(painter, *args)
            return
        # pyqtgraph's sample takes a data item's marker pen and brush from its scatter, which has
        # them only once the item holds data: an entry named before its first point (a run's epoch
        # and validation curves) showed grey filled markers, not the curve's own.
        opts = item.opts
        if opts.get("antialias"):
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(pg.mkPen(opts["pen"]))
        painter.drawLine(0, 11, 20, 11)
        painter.translate(10, 10)
        drawSymbol(painter, opts["symbol"], opts["symbolSize"], pg.mkPen(opts["symbolPen"]),
                   pg.mkBrush(opts["symbolBrush"]))


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
