"""The evaluation panel: the model's accuracy on the test set, where it errs, and on which images.

A view over :class:`cnnviz.core.evaluation.Evaluation`. It shows the overall accuracy, the
confusion matrix (rows: true class, columns: predicted class; each cell's colour grows with its
count, green on the diagonal and red off it), each class's accuracy as bars, and a gallery of
images: those of a clicked confusion-matrix cell, or every mistake, most confident first.
Clicking an image sends it (with its true label) through
:attr:`EvaluationPanel.sig_example_chosen`, so the window can load it into the canvas and
every viewer; the user stays on this tab (browsing mistakes one after another) and goes to the
viewers with *Show in viewers* (:attr:`EvaluationPanel.sig_show_in_viewers_requested`). The
panel asks for an evaluation with :attr:`EvaluationPanel.sig_evaluate_requested` and receives
it through :meth:`EvaluationPanel.show_evaluation`. Its parts live beside it:
:mod:`.confusion_table`, :mod:`.class_accuracy_chart` and :mod:`.image_gallery`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

import cnnviz.ui  # noqa: F401  (configures pyqtgraph before any plot item exists)
from cnnviz.core.evaluation import Evaluation
from cnnviz.ui.elided_label import ElidedLabel
from cnnviz.ui.evaluation.class_accuracy_chart import ClassAccuracyChart
from cnnviz.ui.evaluation.confusion_table import ConfusionTable
from cnnviz.ui.evaluation.image_gallery import ImageGallery
from cnnviz.ui.layout import PageLayout, hint_label

__all__ = ["EvaluationPanel", "MAX_GALLERY_IMAGES", "HINT"]

MAX_GALLERY_IMAGES = 200
"""At most this many images are shown in the gallery (the most confident ones)."""

HINT = ("Evaluate the model on its dataset's test split to see its accuracy, the confusion matrix, "
        "each class's accuracy, and the images it gets wrong.")


class EvaluationPanel(QWidget):
    """Accuracy, confusion matrix, per-class accuracy and a gallery of test images.

    Parameters
    ----------
    parent : QWidget, optional
    """

    sig_evaluate_requested = Signal()
    """Evaluate the current model on its dataset's test split."""
    sig_example_chosen = Signal(object, object)
    """A gallery image was clicked: the image ``(1, h, w, c)`` float32 and its true label (int)."""
    sig_show_in_viewers_requested = Signal()
    """The user asked to see the chosen image in the viewers (Feature maps and the others)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._evaluation: Evaluation | None = None
        self._gallery_indices = np.zeros(0, dtype=np.int64)
        self._selected_cell: tuple[int, int] | None = None
        self._build_widgets()

    # -- construction ------------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.evaluate_button = QPushButton("Evaluate on the test set")
        self.evaluate_button.setToolTip("Predict every image of the model's dataset's test split and "
                                        "tabulate the results.")
        self.mistakes_button = QPushButton("Show all mistakes")
        self.mistakes_button.setToolTip("Show every misclassified test image in the gallery, the most "
                                        "confident mistakes first.")
        self.mistakes_button.setEnabled(False)
        self.accuracy_label = QLabel("No evaluation yet.")
        self.accuracy_label.setStyleSheet("font-size: 14px; font-weight: bold;")
        self.accuracy_label.setWordWrap(True)
        self.accuracy_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.accuracy_label.setToolTip("The fraction of test images whose predicted class is their true class.")
        top = QHBoxLayout()
        top.addWidget(self.evaluate_button)
        top.addWidget(self.mistakes_button)
        top.addStretch(1)

        self.confusion_table = ConfusionTable()
        matrix_caption = QLabel("Confusion matrix — rows: true class, columns: predicted class")
        matrix_caption.setStyleSheet("font-weight: bold;")
        matrix_caption.setWordWrap(True)
        matrix_caption.setToolTip("Green: correct predictions (the diagonal); red: confusions, darker "
                                  "for more images.")

        self.bar_widget = ClassAccuracyChart()

        left = QSplitter(Qt.Orientation.Vertical)
        left.setChildrenCollapsible(False)
        matrix_box = QWidget()
        matrix_layout = QVBoxLayout(matrix_box)
        matrix_layout.setContentsMargins(0, 0, 0, 0)
        matrix_layout.addWidget(matrix_caption)
        matrix_layout.addWidget(self.confusion_table, 1)
        left.addWidget(matrix_box)
        left.addWidget(self.bar_widget)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)
        left.setSizes([360, 240])

        self.gallery_label = QLabel("Gallery")
        self.gallery_label.setStyleSheet("font-weight: bold;")
        self.gallery_label.setWordWrap(True)
        self.gallery_label.setToolTip("Which images the gallery shows.")
        self.gallery = ImageGallery()
        self.gallery_note = QLabel()
        self.gallery_note.setStyleSheet("color: #555;")
        self.gallery_note.setWordWrap(True)
        self.gallery_note.setToolTip("How many of the selected images the gallery shows.")
        self.chosen_label = ElidedLabel(3, "The test image now in the canvas.")
        # Empty until an image is chosen: the note above says what a click does (one hint at a time).
        self.chosen_label.set_full_text("")
        self.show_in_viewers_button = QPushButton("Show in viewers")
        self.show_in_viewers_button.setToolTip("Go to the Feature maps tab to look inside the model for the "
                                               "image loaded from here (Ctrl+1 … Ctrl+4 for the other viewers).")
        self.show_in_viewers_button.setEnabled(False)
        chosen_row = QHBoxLayout()
        chosen_row.addWidget(self.chosen_label, 1)
        chosen_row.addWidget(self.show_in_viewers_button)
        gallery_box = QWidget()
        gallery_layout = QVBoxLayout(gallery_box)
        gallery_layout.setContentsMargins(8, 0, 0, 0)   # apart from the matrix caption beside it
        gallery_layout.addWidget(self.gallery_label)
        gallery_layout.addWidget(self.gallery, 1)
        gallery_layout.addWidget(self.gallery_note)
        gallery_layout.addLayout(chosen_row)
        gallery_box.setMinimumWidth(230)

        results = QSplitter(Qt.Orientation.Horizontal)
        results.setChildrenCollapsible(False)
        results.addWidget(left)
        results.addWidget(gallery_box)
        results.setStretchFactor(0, 1)
        results.setStretchFactor(1, 1)
        results.setSizes([520, 480])

        self._stack = QStackedWidget()
        self._hint = hint_label(HINT)
        self._stack.addWidget(self._hint)
        self._stack.addWidget(results)

        layout = PageLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.accuracy_label)
        layout.addWidget(self._stack, 1)

        self.evaluate_button.clicked.connect(self._on_evaluate_clicked)
        self.mistakes_button.clicked.connect(self._on_mistakes_clicked)
        self.confusion_table.cellClicked.connect(self._on_cell_clicked)
        self.gallery.itemClicked.connect(self._on_gallery_item_clicked)
        self.show_in_viewers_button.clicked.connect(self._on_show_in_viewers_clicked)

    # -- public interface --------------------------------------------------------------------------
    def show_evaluation(self, evaluation: Evaluation) -> None:
        """Show an evaluation: accuracy, confusion matrix, per-class bars; the gallery shows every
        mistake."""
        self._evaluation = evaluation
        total = len(evaluation.labels)
        correct = int(np.trace(evaluation.confusion))
        self.accuracy_label.setStyleSheet("font-size: 14px; font-weight: bold;")
        self.accuracy_label.setText(f"Accuracy {evaluation.accuracy:.2%} — {correct:,} of {total:,} "
                                    f"test images of {evaluation.dataset}")
        self.gallery.set_image_size(tuple(np.shape(evaluation.images)[1:3]))
        self.confusion_table.show_confusion(evaluation)
        self.bar_widget.show_accuracy(evaluation)
        self.mistakes_button.setEnabled(True)
        self._stack.setCurrentIndex(1)
        self.show_mistakes()

    def show_error(self, message: str) -> None:
        """The evaluation failed: say why in place of the accuracy."""
        self.accuracy_label.setText(message)
        self.accuracy_label.setStyleSheet("font-size: 13px; color: #c62828;")

    def evaluation(self) -> Evaluation | None:
        """The evaluation shown, if any."""
        return self._evaluation

    def select_cell(self, true_class: int, predicted_class: int) -> None:
        """Show the images of one confusion-matrix cell in the gallery, most confident first."""
        evaluation = self._require_evaluation()
        classes = len(evaluation.class_names)
        if not (0 <= true_class < classes and 0 <= predicted_class < classes):
            raise ValueError(f"A cell is (true class, predicted class) with both in 0..{classes - 1}, "
                             f"received ({true_class}, {predicted_class}).")
        self._selected_cell = (true_class, predicted_class)
        self.confusion_table.setCurrentCell(true_class, predicted_class)
        names = evaluation.class_names
        indices = evaluation.cell(true_class, predicted_class)
        verdict = "correctly predicted" if true_class == predicted_class else f"predicted {names[predicted_class]}"
        self._fill_gallery(indices, f"True {names[true_class]}, {verdict}: {len(indices):,} "
                                    f"image{'s' if len(indices) != 1 else ''}")

    def show_mistakes(self) -> None:
        """Show every misclassified image in the gallery, the most confident mistakes first."""
        evaluation = self._require_evaluation()
        self._selected_cell = None
        self.confusion_table.clearSelection()
        indices = evaluation.misclassified()
        self._fill_gallery(indices, f"All mistakes: {len(indices):,} image{'s' if len(indices) != 1 else ''}, "
                                    "most confident first")

    def selected_cell(self) -> tuple[int, int] | None:
        """The confusion-matrix cell the gallery shows, or ``None`` (all mistakes)."""
        return self._selected_cell

    def gallery_indices(self) -> np.ndarray:
        """Dataset indices of the images the gallery shows, in order."""
        return self._gallery_indices.copy()

    def gallery_captions(self) -> list[str]:
        """The gallery's captions, in order."""
        return self.gallery.captions()

    def confusion_counts(self) -> np.ndarray:
        """The counts the confusion table shows, shape (classes, classes)."""
        return self.confusion_table.counts()

    def bar_heights(self) -> np.ndarray:
        """The per-class accuracy bars' heights (0 for a class without images)."""
        return self.bar_widget.bar_heights()

    def bar_range(self) -> tuple[float, float]:
        """The per-class accuracy axis: :meth:`ClassAccuracyChart.bar_range`."""
        return self.bar_widget.bar_range()

    def bar_labels(self) -> list[tuple[int, str]]:
        """The class labels under the per-class bars: ``(class index, text)``, maybe elided or thinned
        so that none overlaps another."""
        return self.bar_widget.bar_labels()

    def describe_bar(self, index: int) -> str:
        """What hovering over class ``index``'s bar says."""
        self._require_evaluation()
        return self.bar_widget.describe_bar(index)

    def choose_example(self, position: int) -> None:
        """Send the gallery's image at ``position`` (and its true label) to the window."""
        evaluation = self._require_evaluation()
        if not 0 <= position < len(self._gallery_indices):
            raise ValueError(f"The gallery shows {len(self._gallery_indices)} images; position {position} "
                             "is outside it.")
        index = int(self._gallery_indices[position])
        image = np.array(evaluation.images[index], dtype=np.float32)
        if image.ndim == 2:
            image = image[:, :, None]
        self.gallery.setCurrentRow(position)
        names = evaluation.class_names
        true_class, predicted = int(evaluation.labels[index]), int(evaluation.predictions[index])
        self.chosen_label.set_full_text(f"In the canvas: test image {index}, true {names[true_class]}, "
                                        f"predicted {names[predicted]}.")
        self.show_in_viewers_button.setEnabled(True)
        self.sig_example_chosen.emit(image[None], true_class)

    # -- internals ---------------------------------------------------------------------------------
    def _require_evaluation(self) -> Evaluation:
        if self._evaluation is None:
            raise ValueError("There is no evaluation yet; evaluate the model on the test set first.")
        return self._evaluation

    def _fill_gallery(self, indices: np.ndarray, title: str) -> None:
        evaluation = self._require_evaluation()
        shown = np.asarray(indices[:MAX_GALLERY_IMAGES], dtype=np.int64)
        self._gallery_indices = shown
        self.gallery.show_images(evaluation, shown)
        self.gallery_label.setText(title)
        click = "Click an image to load it into the canvas and every viewer; you stay here."
        if len(indices) > len(shown):
            self.gallery_note.setText(f"Showing the {len(shown)} most confident of {len(indices):,} images. {click}")
        elif len(indices) == 0:
            self.gallery_note.setText("No images here.")
        else:
            self.gallery_note.setText(click)

    # -- slots -------------------------------------------------------------------------------------
    def _on_evaluate_clicked(self) -> None:
        self.accuracy_label.setStyleSheet("font-size: 14px; font-weight: bold;")
        self.accuracy_label.setText("Evaluating the model on the test set…")
        self.sig_evaluate_requested.emit()

    def _on_mistakes_clicked(self) -> None:
        self.show_mistakes()

    def _on_cell_clicked(self, row: int, column: int) -> None:
        self.select_cell(row, column)

    def _on_gallery_item_clicked(self, item: QListWidgetItem) -> None:
        self.choose_example(self.gallery.row(item))

    def _on_show_in_viewers_clicked(self) -> None:
        self.sig_show_in_viewers_requested.emit()
