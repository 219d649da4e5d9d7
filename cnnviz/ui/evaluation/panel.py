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
it through :meth:`EvaluationPanel.show_evaluation`.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

import cnnviz.ui  # noqa: F401  (configures pyqtgraph before any plot item exists)
from cnnviz.core.evaluation import Evaluation
from cnnviz.ui.drawing.probability_chart import class_key, labels_are_names, spaced_labels
from cnnviz.ui.elided_label import ElidedLabel
from cnnviz.ui.viewers.filter_grid import PageLayout, hint_label, nice_ticks

MAX_GALLERY_IMAGES = 200
"""At most this many images are shown in the gallery (the most confident ones)."""

THUMBNAIL_SCALE = 3
"""Gallery images are drawn at this many screen pixels per image pixel (nearest neighbour)."""

HINT = ("Evaluate the model on its dataset's test split to see its accuracy, the confusion matrix, "
        "each class's accuracy, and the images it gets wrong.")

BAR_TOOLTIP = ("Accuracy of each true class (its diagonal count over its row's total), in % above each bar; "
               "the red dashed line is the overall accuracy. The axis starts just below the lowest bar. Hover "
               "over a bar to read it.")
"""The per-class chart's tooltip (plus which index is which class when the axis shows indices)."""

_DIAGONAL_COLOUR = (46, 125, 50)     # green: correct predictions
_MISTAKE_COLOUR = (198, 40, 40)      # red: confusions
_BAR_COLOUR = "#1f77b4"
_MAX_CAPTION_NAME_LENGTH = 8   # "triangle" whole, "T-shirt/top" as "T-shirt…"


def _mix(colour: tuple[int, int, int], strength: float) -> QColor:
    """``colour`` blended with white: ``strength`` 0 is white, 1 the full colour."""
    strength = float(np.clip(strength, 0.0, 1.0))
    return QColor(*(round(255 + (channel - 255) * strength) for channel in colour))


def _short_name(name: str) -> str:
    return name if len(name) <= _MAX_CAPTION_NAME_LENGTH else name[:_MAX_CAPTION_NAME_LENGTH - 1] + "…"


def thumbnail(image: np.ndarray, scale: int = THUMBNAIL_SCALE) -> QPixmap:
    """A grey pixmap of ``image`` (shape (h, w, c) or (h, w), values in [0, 1]) scaled by ``scale``,
    nearest neighbour so that the pixels the model sees stay visible."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 3:
        image = image.mean(axis=-1)
    grey = np.ascontiguousarray(np.clip(np.nan_to_num(image) * 255.0 + 0.5, 0, 255).astype(np.uint8))
    height, width = grey.shape
    picture = QImage(grey.data, width, height, width, QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(picture.scaled(width * scale, height * scale, Qt.AspectRatioMode.IgnoreAspectRatio,
                                            Qt.TransformationMode.FastTransformation))


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
        self._bar_labels: list[tuple[int, str]] = []
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

        self.confusion_table = QTableWidget(0, 0)
        self.confusion_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.confusion_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.confusion_table.setToolTip("Confusion matrix: row = true class, column = predicted class, "
                                        "each cell the number of test images. Click a cell to see them.")
        self.confusion_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.confusion_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.confusion_table.horizontalHeader().setMinimumSectionSize(30)
        self.confusion_table.verticalHeader().setMinimumSectionSize(18)
        self.confusion_table.setMinimumSize(300, 190)
        matrix_caption = QLabel("Confusion matrix — rows: true class, columns: predicted class")
        matrix_caption.setStyleSheet("font-weight: bold;")
        matrix_caption.setWordWrap(True)
        matrix_caption.setToolTip("Green: correct predictions (the diagonal); red: confusions, darker "
                                  "for more images.")

        self.bar_widget = pg.PlotWidget()
        self.bar_widget.setMinimumSize(300, 150)
        self._bar_tooltip = BAR_TOOLTIP
        self.bar_widget.setToolTip(self._bar_tooltip)
        self._bar_plot = self.bar_widget.getPlotItem()
        self._bar_plot.setTitle("Accuracy per class")
        self._bar_plot.setLabel("left", "accuracy (fraction)")
        self._bar_plot.setLabel("bottom", "true class")
        self._bar_plot.showGrid(y=True, alpha=0.25)
        self._bar_plot.setMouseEnabled(x=False, y=False)
        self._bar_plot.hideButtons()
        self._bar_plot.setMenuEnabled(False)
        self._bar_plot.setYRange(0.0, 1.0, padding=0.04)
        self._bar_plot.getAxis("left").setTicks([[(value, f"{value:g}") for value in np.linspace(0.0, 1.0, 6)]])
        self._bars = pg.BarGraphItem(x=np.zeros(0), height=np.zeros(0), width=0.7,
                                     brush=pg.mkBrush(_BAR_COLOUR), pen=pg.mkPen("#0d4f80"))
        self._bar_plot.addItem(self._bars)
        # Labelled at its left end, in the margin before the first bar, where no bar value is written.
        self._overall_line = pg.InfiniteLine(angle=0, movable=False,
                                             pen=pg.mkPen("#d62728", width=1.5, style=Qt.PenStyle.DashLine),
                                             label="all", labelOpts={"position": 0.0, "color": "#d62728",
                                                                     "anchors": [(0, 1), (0, 1)]})
        self._overall_line.setVisible(False)
        self._bar_plot.addItem(self._overall_line)
        self._bar_texts: list[pg.TextItem] = []
        self._bar_plot.scene().sigMouseMoved.connect(self._on_bar_mouse_moved)
        # Class names are measured with this font to keep them apart, so the axis must use it.
        self._bar_plot.getAxis("bottom").setStyle(tickFont=self.bar_widget.font())
        self._bar_plot.getViewBox().sigResized.connect(self._on_bar_view_resized)

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
        self.gallery = QListWidget()
        self.gallery.setViewMode(QListView.ViewMode.IconMode)
        self._size_gallery((28, 28))
        self.gallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.gallery.setMovement(QListView.Movement.Static)
        # Each caption sized on its own: a uniform size taken from one item cut longer captions.
        self.gallery.setUniformItemSizes(False)
        self.gallery.setWordWrap(True)
        self.gallery.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.gallery.setToolTip("Test images, most confident prediction first. Click one to load it "
                                "into the canvas and every viewer.")
        self.gallery_note = QLabel()
        self.gallery_note.setStyleSheet("color: #555;")
        self.gallery_note.setWordWrap(True)
        self.gallery_note.setToolTip("How many of the selected images the gallery shows.")
        self.chosen_label = ElidedLabel(3, "The test image now in the canvas.")
        self.chosen_label.set_full_text("Click an image to load it into the canvas.")
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
        self._size_gallery(tuple(np.shape(evaluation.images)[1:3]))
        self._fill_table(evaluation)
        self._fill_bars(evaluation)
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
        return [self.gallery.item(row).text() for row in range(self.gallery.count())]

    def confusion_counts(self) -> np.ndarray:
        """The counts the confusion table shows, shape (classes, classes)."""
        rows, columns = self.confusion_table.rowCount(), self.confusion_table.columnCount()
        return np.array([[self.confusion_table.item(row, column).data(Qt.ItemDataRole.UserRole)
                          for column in range(columns)] for row in range(rows)], dtype=np.int64).reshape(rows, columns)

    def bar_heights(self) -> np.ndarray:
        """The per-class accuracy bars' heights (0 for a class without images)."""
        return np.asarray(self._bars.opts["height"], dtype=float)

    def bar_range(self) -> tuple[float, float]:
        """The per-class accuracy axis: from 0.05 below the lowest bar (at least 0) to 1 plus room for
        the values written above the bars."""
        heights = self.bar_heights()
        if not heights.size:
            return 0.0, 1.0
        low = max(0.0, float(heights.min()) - 0.05)
        if self._evaluation is not None:
            low = min(low, max(0.0, float(self._evaluation.accuracy) - 0.05))
        return low, 1.0 + 0.08 * (1.0 - low)

    def describe_bar(self, index: int) -> str:
        """What hovering over class ``index``'s bar says."""
        evaluation = self._require_evaluation()
        confusion = np.asarray(evaluation.confusion)
        total = int(confusion[index].sum())
        return (f"{evaluation.class_names[index]}: {self.bar_heights()[index]:.2%} "
                f"({int(confusion[index, index]):,} of {total:,} correct)")

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

    # -- drawing -----------------------------------------------------------------------------------
    def _require_evaluation(self) -> Evaluation:
        if self._evaluation is None:
            raise ValueError("There is no evaluation yet; evaluate the model on the test set first.")
        return self._evaluation

    def _fill_table(self, evaluation: Evaluation) -> None:
        confusion = np.asarray(evaluation.confusion)
        names = list(evaluation.class_names)
        classes = len(names)
        table = self.confusion_table
        table.clear()
        table.setRowCount(classes)
        table.setColumnCount(classes)
        # Whole names: the headers elide what does not fit, and their tooltips say it all.
        table.setHorizontalHeaderLabels(names)
        table.setVerticalHeaderLabels(names)
        for index, name in enumerate(names):
            table.horizontalHeaderItem(index).setToolTip(f"predicted: {name}")
            table.verticalHeaderItem(index).setToolTip(f"true: {name}")
        row_totals = confusion.sum(axis=1)
        off_diagonal = confusion - np.diag(np.diag(confusion))
        largest_mistake = max(int(off_diagonal.max()) if off_diagonal.size else 0, 1)
        for true_class in range(classes):
            for predicted_class in range(classes):
                count = int(confusion[true_class, predicted_class])
                item = QTableWidgetItem(str(count))
                item.setData(Qt.ItemDataRole.UserRole, count)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if true_class == predicted_class:
                    strength = count / max(int(row_totals[true_class]), 1)
                    colour = _DIAGONAL_COLOUR
                else:
                    strength = count / largest_mistake
                    colour = _MISTAKE_COLOUR
                strength = 0.15 + 0.85 * strength if count else 0.0
                item.setBackground(QBrush(_mix(colour, strength)))
                item.setForeground(QBrush(QColor("white" if strength > 0.6 else ("#000" if count else "#aaa"))))
                share = count / row_totals[true_class] if row_totals[true_class] else 0.0
                item.setToolTip(f"true {names[true_class]} → predicted {names[predicted_class]}: {count:,} "
                                f"image{'s' if count != 1 else ''} ({share:.1%} of the {names[true_class]} images)")
                table.setItem(true_class, predicted_class, item)

    def _fill_bars(self, evaluation: Evaluation) -> None:
        accuracy = np.nan_to_num(np.asarray(evaluation.per_class_accuracy, dtype=float), nan=0.0)
        positions = np.arange(len(accuracy), dtype=float)
        self._bars.setOpts(x=positions, height=accuracy, width=0.7)
        self._bar_plot.setXRange(-0.6, len(accuracy) - 0.4, padding=0)
        self._label_bars()
        low, high = self.bar_range()
        self._bar_plot.setYRange(low, high, padding=0)
        self._bar_plot.getAxis("left").setTicks([[(value, f"{value:.2g}") for value in nice_ticks(low, high, 5)]])
        # Each bar's value above it (the axis may start well above zero, so heights alone mislead).
        while len(self._bar_texts) < len(accuracy):
            text = pg.TextItem("", anchor=(0.5, 1.0), color="#222")
            font = text.textItem.font()
            font.setPointSize(7)
            text.setFont(font)
            self._bar_plot.addItem(text)
            self._bar_texts.append(text)
        for index, text in enumerate(self._bar_texts):
            text.setVisible(index < len(accuracy))
            if index < len(accuracy):
                text.setText(f"{100 * accuracy[index]:.0f}")
                text.setPos(float(index), float(min(accuracy[index], high)))
        self._overall_line.setValue(evaluation.accuracy)
        self._overall_line.setVisible(True)
        # Short enough for the narrowest pane: a longer title widens the plot past its widget.
        self._bar_plot.setTitle("Accuracy per class, %")

    def bar_labels(self) -> list[tuple[int, str]]:
        """The class labels under the per-class bars: ``(class index, text)``, maybe elided or thinned
        so that none overlaps another."""
        return list(self._bar_labels)

    def _label_bars(self) -> None:
        """Name the bars, as many and as long as the chart's width lets them be without overlap."""
        if self._evaluation is None:
            return
        names = tuple(self._evaluation.class_names)
        spacing = self._bar_plot.getViewBox().width() / (len(names) + 0.2)  # the x range is n + 0.2 wide
        metrics = QFontMetrics(self.bar_widget.font())
        self._bar_labels = spaced_labels(names, metrics, spacing)
        self._bar_plot.getAxis("bottom").setTicks([[(float(index), text) for index, text in self._bar_labels]])
        self._bar_tooltip = BAR_TOOLTIP if labels_are_names(self._bar_labels, names) else (
            f"{BAR_TOOLTIP}\nClasses: {class_key(names)}.")
        self.bar_widget.setToolTip(self._bar_tooltip)

    def _on_bar_view_resized(self) -> None:
        self._label_bars()

    def _size_gallery(self, image_size: tuple[int, int]) -> None:
        """Thumbnails of the images' own size (times the scale); each cell has room for a caption of
        two lines, which the view wraps at about the thumbnail's width ("true circle →" /
        "triangle (99%)")."""
        height, width = image_size
        scale = max(1, min(THUMBNAIL_SCALE, 96 // max(height, width, 1)))
        self.gallery.setIconSize(QSize(width * scale, height * scale))
        self.gallery.setGridSize(QSize(width * scale + 28,
                                       height * scale + 2 * self.gallery.fontMetrics().lineSpacing() + 10))

    def _fill_gallery(self, indices: np.ndarray, title: str) -> None:
        evaluation = self._require_evaluation()
        shown = np.asarray(indices[:MAX_GALLERY_IMAGES], dtype=np.int64)
        self._gallery_indices = shown
        names = evaluation.class_names
        self.gallery.clear()
        for index in shown:
            true_class, predicted = int(evaluation.labels[index]), int(evaluation.predictions[index])
            probabilities = np.asarray(evaluation.probabilities[index], dtype=float)
            caption = (f"true {_short_name(names[true_class])} → {_short_name(names[predicted])} "
                       f"({probabilities[predicted]:.0%})")
            item = QListWidgetItem(QIcon(thumbnail(evaluation.images[index])), caption)
            item.setData(Qt.ItemDataRole.UserRole, int(index))
            best = np.argsort(-probabilities)[:3]
            item.setToolTip(f"Test image {int(index)}: true class {names[true_class]}, predicted "
                            f"{names[predicted]}.\nTop classes: "
                            + ", ".join(f"{names[k]} {probabilities[k]:.1%}" for k in best)
                            + "\nClick to load it into the canvas.")
            self.gallery.addItem(item)
        self.gallery_label.setText(title)
        if len(indices) > len(shown):
            self.gallery_note.setText(f"Showing the {len(shown)} most confident of {len(indices):,} images.")
        elif len(indices) == 0:
            self.gallery_note.setText("No images here.")
        else:
            self.gallery_note.setText("Click an image to load it into the canvas and every viewer; "
                                      "you stay here.")

    # -- slots -------------------------------------------------------------------------------------
    def _on_evaluate_clicked(self) -> None:
        self.accuracy_label.setStyleSheet("font-size: 14px; font-weight: bold;")
        self.accuracy_label.setText("Evaluating the model on the test set…")
        self.sig_evaluate_requested.emit()

    def _on_bar_mouse_moved(self, scene_position) -> None:
        if self._evaluation is None or not self._bar_plot.getViewBox().sceneBoundingRect().contains(scene_position):
            return
        point = self._bar_plot.getViewBox().mapSceneToView(scene_position)
        index = int(round(point.x()))
        if 0 <= index < len(self.bar_heights()) and abs(point.x() - index) <= 0.35:
            self.bar_widget.setToolTip(self.describe_bar(index))
        else:
            self.bar_widget.setToolTip(self._bar_tooltip)

    def _on_mistakes_clicked(self) -> None:
        self.show_mistakes()

    def _on_cell_clicked(self, row: int, column: int) -> None:
        self.select_cell(row, column)

    def _on_gallery_item_clicked(self, item: QListWidgetItem) -> None:
        self.choose_example(self.gallery.row(item))

    def _on_show_in_viewers_clicked(self) -> None:
        self.sig_show_in_viewers_requested.emit()
