"""A row-wrapping grid of small pictures, each a button: a click says which one."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QGridLayout, QToolButton, QWidget

from cnnviz.ui.images import picture_qimage


def normalized(image: np.ndarray, value_range: tuple[float, float] | None = None) -> np.ndarray:
    """``image`` mapped to ``[0, 1]`` from ``value_range`` (default: its own minimum and maximum)."""
    array = np.asarray(image, dtype=np.float32)
    low, high = (float(array.min()), float(array.max())) if value_range is None else value_range
    if not high > low:
        return np.full(array.shape, 0.5, np.float32)
    return np.clip((array - low) / (high - low), 0.0, 1.0)


class PictureGrid(QWidget):
    """Pictures in rows of ``columns``; see the module docstring."""

    sig_picture_clicked = Signal(int)
    """The picture at this index was clicked."""

    def __init__(self, columns: int = 8, size: int = 56, parent: QWidget | None = None):
        super().__init__(parent)
        self.columns = columns
        self.size = size
        self.buttons: list[QToolButton] = []
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)

    def set_pictures(self, pictures: Sequence[np.ndarray], tips: Sequence[str] = ()) -> None:
        """Show ``pictures`` (values in ``[0, 1]``, grey or RGB); buttons are reused when the count holds."""
        while len(self.buttons) > len(pictures):
            button = self.buttons.pop()
            self._layout.removeWidget(button)
            button.deleteLater()
        while len(self.buttons) < len(pictures):
            button = QToolButton(self)
            button.setIconSize(QSize(self.size, self.size))
            button.setAutoRaise(True)
            button.clicked.connect(self._on_clicked)
            index = len(self.buttons)
            self._layout.addWidget(button, index // self.columns, index % self.columns)
            self.buttons.append(button)
        for index, (button, picture) in enumerate(zip(self.buttons, pictures)):
            pixmap = QPixmap.fromImage(picture_qimage(picture)).scaled(self.size, self.size)
            button.setIcon(QIcon(pixmap))
            button.setToolTip(tips[index] if index < len(tips) else str(index))

    def _on_clicked(self) -> None:
        sender = self.sender()
        if sender in self.buttons:
            self.sig_picture_clicked.emit(self.buttons.index(sender))
