"""What the window's pages share: their vertical layout, the hint a page shows while it is empty, and a
side panel's closable header."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget


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


def closable_header(title: QWidget, close_tip: str, on_close: Callable[[], object]) -> QHBoxLayout:
    """A side panel's header row: ``title`` stretched, then a flat ✕ button calling ``on_close``."""
    close = QToolButton()
    close.setText("✕")
    close.setAutoRaise(True)
    close.setToolTip(close_tip)
    close.clicked.connect(on_close)
    header = QHBoxLayout()
    header.setContentsMargins(4, 0, 0, 0)
    header.addWidget(title, 1)
    header.addWidget(close)
    return header
