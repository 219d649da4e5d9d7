"""The class-by-class similarity matrix of one filter's spectra (report §5.1), with its exports.

A box with the number of test images per class, the button that asks for the matrix, the
heatmap (:class:`~cnnviz.ui.science.similarity_heatmap.SimilarityHeatmap`) with a choice of colour
scale (fixed 0 .. 1, or stretched to the data), the verdict on the report's claims (a 4 and a 7
look alike, an 8 and a 1 do not) with the bootstrap intervals it rests on, and "not
distinguishable" where they cannot settle it (:meth:`cnnviz.science.SimilarityMatrix.verdict_text`),
a summary (the same-class and different-class means, the most and least alike pairs, each with
its interval) and CSV and figure exports. The view computes nothing: every number and verdict
comes with the result. Which layer
and filter the matrix is for is the spectra tab's business: this view only says how many images
per class were asked for, through :attr:`ClassMatrixView.sig_matrix_requested`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cnnviz.ui.export import ExportError, render_widget, write_text
from cnnviz.ui.layout import hint_label
from cnnviz.ui.save_folder import ask_save_path
from cnnviz.ui.science.common import WrappingLabel, note_label
from cnnviz.ui.science.similarity_heatmap import SimilarityHeatmap

HINT = ("Press “Class similarity matrix” to compare this filter's spectra between every pair of classes, "
        "over several test images of each.")
NO_MATRIX = "There is no similarity matrix to export yet; press “Class similarity matrix”."
FIXED_SCALE, STRETCHED_SCALE = "fixed 0–1", "stretch to the data"
class ClassMatrixView(QGroupBox):
    """The similarity matrix between every pair of classes, its summary and its exports.

    Parameters
    ----------
    parent : QWidget, optional
    """

    sig_matrix_requested = Signal(int)
    """The matrix is wanted, over this many test images per class."""

    def __init__(self, parent: QWidget | None = None):
        # Untitled and flat: the spectra tab shows it as its "Every pair of classes" page.
        super().__init__("", parent)
        self.setFlat(True)
        self._result = None
        self.samples_spin = QSpinBox()
        self.samples_spin.setRange(2, 500)
        self.samples_spin.setValue(20)
        self.samples_spin.setToolTip("Test images of each class to average over (the first ones of the test "
                                     "split); the similarity of two classes is the mean over every pair.")
        self.matrix_button = QPushButton("Class similarity matrix")
        self.matrix_button.setToolTip("Compare the chosen filter's spectra between every pair of classes "
                                      "(report §5.1), over the number of test images per class chosen beside it.")
        self.matrix_button.clicked.connect(self._on_matrix_clicked)
        self.export_csv_button = QPushButton("Export CSV…")
        self.export_csv_button.setToolTip("Save the matrix as a CSV table (one row and column per class).")
        self.export_csv_button.clicked.connect(self._on_export_csv_clicked)
        self.export_figure_button = QPushButton("Export figure…")
        self.export_figure_button.setToolTip("Save the heatmap as PNG, SVG or PDF.")
        self.export_figure_button.clicked.connect(self._on_export_figure_clicked)
        self.scale_combo = QComboBox()
        self.scale_combo.addItems([FIXED_SCALE, STRETCHED_SCALE])
        self.scale_combo.setToolTip("Colour scale of the heatmap: fixed from 0 to 1 (a nearly uniform matrix "
                                    "looks uniform), or stretched from the matrix's smallest to its largest "
                                    "value (small differences stand out, and can look larger than they are).")
        self.scale_combo.currentIndexChanged.connect(self._on_scale_changed)
        top = QHBoxLayout()
        samples_label = QLabel("Per class:")
        samples_label.setBuddy(self.samples_spin)
        top.addWidget(samples_label)
        top.addWidget(self.samples_spin)
        top.addWidget(self.matrix_button)
        top.addSpacing(12)
        scale_label = QLabel("Scale:")
        scale_label.setBuddy(self.scale_combo)
        top.addWidget(scale_label)
        top.addWidget(self.scale_combo)
        top.addStretch(1)
        exports = QHBoxLayout()
        exports.addWidget(self.export_csv_button)
        exports.addWidget(self.export_figure_button)
        exports.addStretch(1)
        self.heatmap = SimilarityHeatmap()
        self.heatmap.setMinimumHeight(200)
        self.verdict_label = WrappingLabel()
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setStyleSheet("font-weight: bold;")
        self.verdict_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict_label.setToolTip("The report's claims (§5.1: the spectra of a 4 and a 7 look alike, those "
                                      "of an 8 and a 1 do not) checked against this matrix: a pair's mean "
                                      "similarity minus the mean over every pair of different classes. A claim is "
                                      "supported or contradicted only when the bootstrap interval of that "
                                      "difference lies wholly on one side of 0; otherwise the images cannot tell.")
        self.summary_label = note_label("", "Means of the matrix, and its most and least similar pairs of "
                                            "different classes, with their bootstrap intervals.")
        self._stack = QStackedWidget()
        self._stack.addWidget(hint_label(HINT))
        self._stack.addWidget(self.heatmap)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self._stack, 1)
        layout.addWidget(self.verdict_label)
        layout.addWidget(self.summary_label)
        layout.addLayout(exports)
        self._update_exports()

    # -- public API ----------------------------------------------------------------------------------
    def show_matrix(self, result) -> None:
        """Show a :class:`cnnviz.science.SimilarityMatrix`."""
        self._result = result
        dc = ", zero frequency left out" if result.exclude_dc else ""
        statistics = result.statistics
        self.heatmap.set_matrix(result.matrix, result.class_names,
                                f"{result.layer}, filter {result.filter_index}, {result.samples_per_class} per class")
        self.heatmap.set_uncertainty(statistics.low, statistics.high, statistics.spread, statistics.confidence)
        self.verdict_label.setText(result.verdict_text())
        if result.is_empty:
            self.summary_label.setText("Every map of this filter is zero (a dead filter): there is no spectrum "
                                       "to compare.")
        else:
            names = result.class_names
            text = (f"Mean similarity of the log spectra over {result.samples_per_class} {result.dataset} test "
                    f"images per class{dc}. Same class (diagonal) mean {statistics.same_class_interval().text()}; "
                    f"different classes mean {statistics.different_class_interval().text()}.")
            high, low = result.most_alike, result.least_alike
            if high is not None and low is not None:
                text += (f" Most alike: {names[high[0]]} and {names[high[1]]}, "
                         f"{result.interval(high[0], high[1]).text()}; least alike: {names[low[0]]} and "
                         f"{names[low[1]]}, {result.interval(low[0], low[1]).text()}.")
            self.summary_label.setText(f"{text} {result.uncertainty_text()}")
        self._stack.setCurrentIndex(1)
        self._update_exports()

    def clear(self) -> None:
        """Forget the matrix shown."""
        self._result = None
        self.heatmap.clear()
        self.verdict_label.setText("")
        self.summary_label.setText("")
        self._stack.setCurrentIndex(0)
        self._update_exports()

    def result(self):
        """The :class:`~cnnviz.science.SimilarityMatrix` shown, or None."""
        return self._result

    def set_request_enabled(self, enabled: bool) -> None:
        """Allow or forbid asking for a matrix (no layer, or the service is busy)."""
        self.matrix_button.setEnabled(bool(enabled))

    def export_csv(self, path: str | Path) -> Path:
        """Write the matrix as CSV; ValueError when there is none, ExportError when it cannot be written."""
        if self._result is None:
            raise ValueError(NO_MATRIX)
        return write_text(path, self._result.csv)

    def export_figure(self, path: str | Path) -> Path:
        """Write the heatmap as PNG, SVG or PDF (by the suffix); ValueError when there is none."""
        if self._result is None:
            raise ValueError(NO_MATRIX)
        return render_widget(self.heatmap.graphics_widget(), path)

    # -- internals -----------------------------------------------------------------------------------
    def _update_exports(self) -> None:
        for button in (self.export_csv_button, self.export_figure_button):
            button.setEnabled(self._result is not None)

    def _on_scale_changed(self, *_args) -> None:
        self.heatmap.set_stretched(self.scale_combo.currentText() == STRETCHED_SCALE)

    def _on_matrix_clicked(self) -> None:
        self.sig_matrix_requested.emit(self.samples_spin.value())

    def _file_stem(self) -> str:
        """``similarity-matrix_conv2d_filter-3``: the file name says what the matrix is of."""
        result = self._result
        if result is None:
            return "similarity-matrix"
        return f"similarity-matrix_{result.layer}_filter-{result.filter_index}"

    # Short dialog titles (a long one is cut off in the title bar); the file name carries the detail.
    def _on_export_csv_clicked(self) -> None:
        path = ask_save_path(self, "Export table", f"{self._file_stem()}.csv", "CSV table (*.csv)")
        if path:
            self._export(self.export_csv, path)

    def _on_export_figure_clicked(self) -> None:
        path = ask_save_path(self, "Export figure", f"{self._file_stem()}.png",
                             "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)")
        if path:
            self._export(self.export_figure, path)

    def _export(self, function, path: str) -> None:
        try:
            function(path)
        except (ExportError, ValueError) as error:
            QMessageBox.warning(self, "Could not export", str(error))
