"""A plot title shortened with "…" to the plot's width (a long run label would otherwise widen the
plot past its window)."""

from __future__ import annotations

import html

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF


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
        self._shown = True
        plot.vb.sigResized.connect(self._on_view_resized)

    def set_shown(self, shown: bool) -> None:
        """Show the title, or leave it out and give its row to the plot."""
        self._shown = bool(shown)
        if self._shown:
            self._show()
        else:
            self._plot.setTitle(None)

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
        if not self._shown:
            return
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
