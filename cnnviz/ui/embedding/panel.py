"""The Embedding tab: the test images placed by a layer's activations in the plane of their two leading
principal directions, coloured by true class, with the model's mistakes ringed.

The panel asks for a projection with :attr:`EmbeddingPanel.sig_embedding_requested` (the window runs
the ``"embedding"`` analysis on the model service's worker) and shows the answer through
:meth:`EmbeddingPanel.show_embedding`. Hovering a point shows its image beside the plot; clicking it
sends the image out through :attr:`EmbeddingPanel.sig_example_chosen`, as the Evaluation tab does, so
the window loads it into the canvas. The plot is :mod:`.scatter`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from cnnviz.science.embedding import DEFAULT_SAMPLES, Embedding
from cnnviz.ui.embedding.scatter import EmbeddingPlot
from cnnviz.ui.images import picture_qimage
from cnnviz.ui.layout import PageLayout

PENULTIMATE = "The layer feeding the last"
PREVIEW_SIDE = 112


def display_picture(image: np.ndarray) -> np.ndarray:
    """An image as the model takes it, stretched to ``[0, 1]`` for display (grey or RGB)."""
    array = np.asarray(image, dtype=np.float32)
    low, high = float(np.nanmin(array)), float(np.nanmax(array))
    return (array - low) / (high - low) if high > low else np.zeros_like(array)


class EmbeddingPanel(QWidget):
    """See the module docstring."""

    sig_embedding_requested = Signal(object)
    """Project the test images: the ``"embedding"`` analysis's parameters (dict)."""
    sig_example_chosen = Signal(object, object)
    """A point was clicked: its image ``(1, h, w, c)`` float32 and its true label (int)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._embedding: Embedding | None = None
        self.pending_job: int | None = None
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("Whose activations are projected: by default the layer feeding the last one.")
        self.layer_combo.addItem(PENULTIMATE, None)
        self.samples_spin = QSpinBox()
        self.samples_spin.setRange(10, 10000)
        self.samples_spin.setValue(DEFAULT_SAMPLES)
        self.samples_spin.setToolTip("How many images of the test split to project (the first ones).")
        self.project_button = QPushButton("Project test images")
        self.project_button.setToolTip("Compute the layer's activations for the test images and project them "
                                       "to 2-D with PCA (on the model's worker; the window stays responsive).")
        top = QHBoxLayout()
        for widget in (QLabel("Layer:"), self.layer_combo, QLabel("Test images:"), self.samples_spin,
                       self.project_button):
            top.addWidget(widget)
        top.addStretch(1)
        self.status_label = QLabel("No projection yet: choose a layer and press Project test images.")
        self.status_label.setWordWrap(True)
        self.plot = EmbeddingPlot()
        self.preview = QLabel()
        self.preview.setFixedSize(PREVIEW_SIDE, PREVIEW_SIDE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("border: 1px solid #bbb; background: #f4f4f4;")
        self.preview_caption = QLabel("Hover over a point to see its image; click it to load it into the canvas.")
        self.preview_caption.setWordWrap(True)
        self.preview_caption.setFixedWidth(PREVIEW_SIDE + 40)
        side = QVBoxLayout()
        side.addWidget(self.preview)
        side.addWidget(self.preview_caption)
        side.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.plot, 1)
        body.addLayout(side)
        layout = PageLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.status_label)
        layout.addLayout(body, 1)
        self.project_button.clicked.connect(self._on_project_clicked)
        self.plot.sig_point_hovered.connect(self._on_point_hovered)
        self.plot.sig_point_clicked.connect(self._on_point_clicked)

    # -- public interface --------------------------------------------------------------------------
    def set_layers(self, layer_names: tuple[str, ...] | list[str]) -> None:
        """Offer the model's layers but its last (a new model: the old projection is dropped)."""
        self.layer_combo.clear()
        self.layer_combo.addItem(PENULTIMATE, None)
        for name in list(layer_names)[:-1]:
            self.layer_combo.addItem(name, name)
        self._embedding = None
        self.plot.clear_points()
        self.status_label.setText("A new model: press Project test images to place its test images.")

    def show_embedding(self, embedding: Embedding) -> None:
        """Draw a projection and say what it shows."""
        self._embedding = embedding
        self.pending_job = None
        self.project_button.setEnabled(True)
        self.status_label.setStyleSheet("")
        ratio = embedding.explained_variance_ratio
        mistakes = len(embedding.misclassified)
        self.status_label.setText(
            f"Layer {embedding.layer}: {len(embedding.labels)} test images of {embedding.dataset}, "
            f"coloured by true class; {mistakes} misclassified (ringed). The two directions hold "
            f"{100 * ratio[0]:.1f} % and {100 * ratio[1]:.1f} % of the activations' variance.")
        self.plot.show_embedding(embedding)

    def show_error(self, message: str) -> None:
        """The projection failed: say why."""
        self.pending_job = None
        self.project_button.setEnabled(True)
        self.status_label.setText(message)
        self.status_label.setStyleSheet("color: #c62828;")

    def set_pending(self, job_id: int) -> None:
        """A projection was asked for as job ``job_id``."""
        self.pending_job = job_id
        self.project_button.setEnabled(False)
        self.status_label.setStyleSheet("")
        self.status_label.setText("Projecting the test images…")

    def embedding(self) -> Embedding | None:
        """The projection shown, if any."""
        return self._embedding

    # -- internals ---------------------------------------------------------------------------------
    def _on_project_clicked(self) -> None:
        self.sig_embedding_requested.emit({"layer": self.layer_combo.currentData(),
                                           "samples": self.samples_spin.value()})

    def _on_point_hovered(self, index: int) -> None:
        embedding = self._embedding
        if embedding is None or index < 0:
            self.preview.clear()
            return
        picture = picture_qimage(display_picture(embedding.images[index]))
        self.preview.setPixmap(QPixmap.fromImage(picture).scaled(
            PREVIEW_SIDE - 4, PREVIEW_SIDE - 4, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation))
        true_class = embedding.class_name(int(embedding.labels[index]))
        predicted = embedding.class_name(int(embedding.predictions[index]))
        verdict = "correct" if true_class == predicted else "misclassified"
        self.preview_caption.setText(f"Test image {index}: true '{true_class}', predicted '{predicted}' "
                                     f"({verdict}). Click to load it into the canvas.")

    def _on_point_clicked(self, index: int) -> None:
        embedding = self._embedding
        if embedding is None:
            return
        self._on_point_hovered(index)
        self.sig_example_chosen.emit(np.array(embedding.images[index:index + 1]), int(embedding.labels[index]))
