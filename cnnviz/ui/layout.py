"""What the window's pages share: their vertical layout, and the hint a page shows while it is empty."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout


def hint_label(text: str) -> QLabel:
    """A centred, word-wrapped grey label for an empty viewer ("Draw a digit ...")."""
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setStyleSheet("color: #666; font-size: 13px; padding: 24px;")
    return label


class PageLayout(QVBoxLayout):
    """The vertical layout of a page that the main window shows in a resizable ``QScrollArea``.

    It does not report a height-for-width, even when word-wrapped labels inside it do: a scroll
    area would otherwise make the page as tall as its *preferred* height at the viewport's width
    (a vertical scroll bar on every page with a wrapped note), instead of the viewport's height,
    with a scroll bar only below the page's minimum height.
    """

    def hasHeightForWidth(self) -> bool:  # noqa: N802  (Qt's name)
        return False
