"""The Features tab's page: the form, the optimized input evolving beside its DFT magnitude, the grid of
all filters of a layer, and the chosen filter's top training images with their receptive-field crops.
A view only: it shows what the controller (:mod:`cnnviz.ui.features.controller`) hands it and forwards
what the person asks for."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from cnnviz.ui.features.picture_grid import PictureGrid, normalized
from cnnviz.ui.features.settings_form import FeatureVisForm
from cnnviz.ui.images import picture_qimage

PICTURE_SIDE = 196
"""Side of the large picture and of its spectrum, in pixels."""
FORM_WIDTH = 240
NO_MODEL = "Open or build a model: its filters' preferred inputs appear here."


def _picture_label(name: str, tip: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setFixedSize(PICTURE_SIDE, PICTURE_SIDE)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setToolTip(tip)
    label.setStyleSheet("background: #202020;")
    return label


class FeaturesPanel(QWidget):
    """The Features tab; see the module docstring."""

    sig_visualize_requested = Signal()
    """Visualize the chosen filter."""
    sig_grid_requested = Signal()
    """Visualize every filter of the chosen layer."""
    sig_top_requested = Signal()
    """Find every filter's top training images."""
    sig_cancel_requested = Signal()
    """Stop the job that runs."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.form = FeatureVisForm(self)
        self.visualize_button = QPushButton("Visualize filter")
        self.visualize_button.setToolTip("Gradient ascent on the input for the chosen filter, shown as it evolves")
        self.grid_button = QPushButton("All filters")
        self.grid_button.setToolTip("Visualize every filter of the layer (in the background; kept for this model)")
        self.top_button = QPushButton("Top images")
        self.top_button.setToolTip("The training images that excite each filter most (kept for this model)")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        for button, signal in ((self.visualize_button, self.sig_visualize_requested),
                               (self.grid_button, self.sig_grid_requested), (self.top_button, self.sig_top_requested),
                               (self.cancel_button, self.sig_cancel_requested)):
            button.clicked.connect(signal)
        self.status_label = QLabel(NO_MODEL)
        self.status_label.setObjectName("features_status")
        self.status_label.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setVisible(False)
        self.image_label = _picture_label("features_image", "The optimized input (its own range scaled to black-white)")
        self.spectrum_label = _picture_label("features_spectrum", "Its 2-D DFT magnitude, log scale, zero frequency "
                                             "centred (as in the Spectra tab)")
        self.value_label = QLabel("")
        self.value_label.setObjectName("features_value")
        self.grid = PictureGrid(columns=10, size=48)
        self.top_grid = PictureGrid(columns=9, size=56)
        self.crop_grid = PictureGrid(columns=9, size=56)
        left = QWidget(self)
        left.setFixedWidth(FORM_WIDTH)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.form)
        for button in (self.visualize_button, self.grid_button, self.top_button, self.cancel_button):
            column.addWidget(button)
        column.addWidget(self.progress_bar)
        column.addWidget(self.status_label)
        column.addStretch(1)
        pictures = QHBoxLayout()
        pictures.addWidget(self.image_label)
        pictures.addWidget(self.spectrum_label)
        pictures.addStretch(1)
        right = QVBoxLayout()
        right.addLayout(pictures)
        right.addWidget(self.value_label)
        for title, widget in (("All filters of the layer (click one to show it)", self.grid),
                              ("Top training images of the filter (click one to load it)", self.top_grid),
                              ("Their crops at the filter's receptive field", self.crop_grid)):
            right.addWidget(QLabel(f"<b>{title}</b>"))
            right.addWidget(widget)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addWidget(left)
        layout.addLayout(right, 1)

    def set_running(self, running: bool) -> None:
        """Enable Cancel while a job runs, and the other buttons otherwise."""
        for button in (self.visualize_button, self.grid_button, self.top_button):
            button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress_bar.setVisible(running)

    def show_progress(self, done: int, total: int, text: str) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)
        self.status_label.setText(text)

    def show_picture(self, image: np.ndarray, spectrum: np.ndarray, text: str) -> None:
        """Show an optimized input ``(h, w, c)``, its spectrum ``(h, w)`` and a line about it."""
        for label, picture in ((self.image_label, normalized(image)), (self.spectrum_label, normalized(spectrum))):
            pixmap = QPixmap.fromImage(picture_qimage(picture)).scaled(
                PICTURE_SIDE, PICTURE_SIDE, Qt.AspectRatioMode.KeepAspectRatio)
            label.setPixmap(pixmap)
        self.value_label.setText(text)

    def clear(self, text: str) -> None:
        """Forget every picture and say ``text``."""
        self.image_label.clear()
        self.spectrum_label.clear()
        self.value_label.setText("")
        for grid in (self.grid, self.top_grid, self.crop_grid):
            grid.set_pictures([])
        self.status_label.setText(text)
