"""The input panel's mode selector: Digits, Shapes or Clothing, what is drawn and classified."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from cnnviz.ui.drawing.modes import MODE_TITLES, MODES

__all__ = ["ModeSelector"]


class ModeSelector(QComboBox):
    """A combo box of the :data:`~cnnviz.ui.drawing.modes.MODES`, each item's data its mode.

    Parameters
    ----------
    parent : QWidget, optional
    """

    sig_mode_selected = Signal(str)
    """The user chose a mode: ``"digits"``, ``"shapes"`` or ``"clothing"``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for mode in MODES:
            self.addItem(MODE_TITLES[mode], mode)
        self.setToolTip(
            "What to draw and classify: digits 0-9 (samples from the bundled MNIST sample), "
            "shapes (square, triangle, circle; samples from the generated shapes set) or "
            "clothing (samples from Fashion-MNIST). A model answers only for what it was "
            "trained on; the panel says so when they differ."
        )
        self.setAccessibleName("What to draw")
        self.currentIndexChanged.connect(self._on_index_changed)

    def show_mode(self, mode: str) -> None:
        """Show ``mode`` as chosen, without announcing it as the user's choice."""
        with QSignalBlocker(self):
            self.setCurrentIndex(MODES.index(mode))

    def _on_index_changed(self, index: int) -> None:
        self.sig_mode_selected.emit(self.itemData(index))
