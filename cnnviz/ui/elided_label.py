"""A label whose size never follows its text: a fixed number of lines, the rest elided.

A word-wrapped :class:`QLabel` grows taller when its text needs another line, and an
unwrapped one asks for the width of its text, so panels holding them jump as messages
change. :class:`ElidedLabel` reserves ``max_lines`` lines whatever the text, takes any width
its layout gives it, cuts text that does not fit with "…" and shows the whole text in its
tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from cnnviz.core.checks import is_int

__all__ = ["ElidedLabel"]

_ELLIPSIS = "…"
_UNBOUNDED = 1 << 20


class ElidedLabel(QLabel):
    """A plain-text label of exactly ``max_lines`` lines that elides what does not fit.

    Parameters
    ----------
    max_lines : int
        Lines reserved (the label's fixed height); text is word-wrapped when more than one.
    tooltip : str, optional
        Shown as the tooltip while the whole text fits; once it is elided, the tooltip
        shows the whole text instead.
    parent : QWidget, optional
    """

    def __init__(self, max_lines: int = 1, tooltip: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if not is_int(max_lines) or max_lines < 1:
            raise ValueError(f"max_lines must be a whole number of lines, at least 1; received {max_lines!r}.")
        self._max_lines = max_lines
        self._full_text = ""
        self._base_tooltip = tooltip
        self._elided = False
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(max_lines > 1)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # Ignored: the layout decides the width, however long the text.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._fix_height()
        self.setToolTip(tooltip)

    # --- public -------------------------------------------------------------------------

    def set_full_text(self, text: str) -> None:
        """Show ``text``, elided to the reserved lines if it is longer."""
        self._full_text = str(text)
        self._refresh()

    def full_text(self) -> str:
        """The whole text, as given to :meth:`set_full_text`."""
        return self._full_text

    def is_elided(self) -> bool:
        """True when the label shows only the beginning of its text."""
        return self._elided

    def max_lines(self) -> int:
        """The number of lines reserved."""
        return self._max_lines

    def set_max_lines(self, max_lines: int) -> None:
        """Reserve another number of lines (at least 1), e.g. to fill a box of a given height."""
        max_lines = max(1, int(max_lines))
        if max_lines != self._max_lines:
            self._max_lines = max_lines
            self.setWordWrap(max_lines > 1)
            self._fix_height()
            self._refresh()

    def needed_lines(self, width: int) -> int:
        """Lines the whole text takes when word-wrapped to ``width`` pixels."""
        metrics = QFontMetrics(self.font())
        flags = int(Qt.AlignmentFlag.AlignLeft) | int(Qt.TextFlag.TextWordWrap)
        height = metrics.boundingRect(QRect(0, 0, max(1, width), _UNBOUNDED), flags, self._full_text).height()
        return max(1, -(-height // metrics.lineSpacing()))

    def line_height(self) -> int:
        """Pixels one more line takes."""
        return QFontMetrics(self.font()).lineSpacing()

    # --- Qt overrides ---------------------------------------------------------------------

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._refresh()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fix_height()
            self._refresh()

    # --- internals ------------------------------------------------------------------------

    def _fix_height(self) -> None:
        metrics = QFontMetrics(self.font())
        margins = self.contentsMargins()
        self.setFixedHeight(metrics.lineSpacing() * self._max_lines + metrics.descent()
                            + margins.top() + margins.bottom() + 2 * self.margin())

    def _available_width(self) -> int:
        return max(1, self.contentsRect().width() - 2 * self.margin())

    def _fits(self, text: str, width: int) -> bool:
        metrics = QFontMetrics(self.font())
        if self._max_lines == 1:
            return metrics.horizontalAdvance(text) <= width
        flags = int(Qt.AlignmentFlag.AlignLeft) | int(Qt.TextFlag.TextWordWrap)
        needed = metrics.boundingRect(QRect(0, 0, width, _UNBOUNDED), flags, text).height()
        return needed <= metrics.lineSpacing() * self._max_lines

    def _refresh(self) -> None:
        text = self._full_text
        width = self._available_width()
        shown = text
        if not self._fits(text, width):
            # The longest beginning that fits with an ellipsis (binary search on its length).
            low, high = 0, len(text)
            while low < high:
                middle = (low + high + 1) // 2
                if self._fits(text[:middle].rstrip() + _ELLIPSIS, width):
                    low = middle
                else:
                    high = middle - 1
            shown = text[:low].rstrip() + _ELLIPSIS
        self._elided = shown != text
        # Each set, even of the same text, is an event and a relayout: only on a change.
        if shown != self.text():
            super().setText(shown)
        tooltip = text if self._elided else self._base_tooltip
        if tooltip != self.toolTip():
            self.setToolTip(tooltip)
