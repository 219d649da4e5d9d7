"""The report's §5.1 experiment: are the spectra of one filter's feature maps alike for two digits?

Input A is the current input (the drawing or sample every viewer shows); input B is a test image
of a chosen class (and its sample number within the class), or a pinned copy of an earlier
input. *Compare* asks for both feature maps of one filter, their log-magnitude spectra, the
cosine similarity of those spectra and how each map's power spreads over radial frequency.
*Class similarity matrix* asks for the mean similarity between every pair of classes, shown
as a heatmap that can be exported as CSV or as a figure. The tab computes nothing itself: it
sends requests through :attr:`SpectraComparisonTab.sig_science_requested` and shows the
answers given to :meth:`SpectraComparisonTab.show_pair` and
:meth:`SpectraComparisonTab.show_matrix`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnnviz.core.results import frozen
from cnnviz.service.payloads import InspectionResult
from cnnviz.ui.science.class_matrix_view import ClassMatrixView
from cnnviz.ui.science.common import ModelLayout, WrappingLabel, default_class_names
from cnnviz.ui.science.comparison_inputs import DatasetTestSplits, input_row, thumbnail
from cnnviz.ui.science.pair_view import PairComparisonView


class SpectraComparisonTab(QWidget):
    """Two inputs' feature-map spectra side by side, and the class-by-class similarity matrix.

    Parameters
    ----------
    parent : QWidget, optional
    """

    sig_science_requested = Signal(str, object)
    """An analysis is wanted: ``"compare_pair"`` or ``"similarity_matrix"`` and its parameters (dict)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._layout = ModelLayout()
        self._inspection: InspectionResult | None = None
        self._class_names: tuple[str, ...] = ()
        self._explicit_class_names = False
        self._data_dir: str | None = None
        self._test_splits = DatasetTestSplits()
        self._pinned: np.ndarray | None = None
        self._busy = False
        self._requested_descriptions = ("A", "B")
        # The images of the last comparison asked for: the one shown is out of date once A or B differs.
        self._requested_images: tuple[np.ndarray, np.ndarray] | None = None
        self._build_controls()
        self.pair_view = PairComparisonView()
        self.matrix_view = ClassMatrixView()
        self.matrix_view.sig_matrix_requested.connect(self._on_matrix_requested)
        # The two halves are pages of their own, so that each gets the whole width and height.
        self.section_tabs = QTabWidget()
        self.section_tabs.setDocumentMode(True)
        self.section_tabs.addTab(self.pair_view, "Two inputs, one filter")
        self.section_tabs.addTab(self.matrix_view, "Every pair of classes")
        self.section_tabs.setTabToolTip(0, "One filter's feature maps and spectra for inputs A and B, and how "
                                           "alike the spectra are.")
        self.section_tabs.setTabToolTip(1, "The mean similarity of the filter's spectra between every pair of "
                                           "classes, over several test images of each.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addLayout(self._controls)
        layout.addLayout(self._input_row)
        layout.addLayout(self._actions)
        layout.addWidget(self.section_tabs, 1)
        self._update_enabled()

    # -- construction -------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("The layer whose feature maps are compared (layers with feature maps only).")
        self.layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.layer_combo.currentIndexChanged.connect(self._on_layer_changed)
        self.filter_spin = QSpinBox()
        self.filter_spin.setToolTip("The filter (channel) of the layer whose maps are compared.")
        self.exclude_dc_check = QCheckBox("Leave out the zero frequency")
        self.exclude_dc_check.setToolTip("Compare the spectra without their zero frequency (each map's mean), "
                                         "which pulls every similarity of ReLU maps towards 1.")
        self.compare_button = QPushButton("Compare A and B")
        self.compare_button.setToolTip("Compute the filter's feature maps for A and B, their log-magnitude "
                                       "spectra, the similarity of the spectra and their radial power profiles.")
        self.compare_button.clicked.connect(self._on_compare_clicked)
        self._controls = QHBoxLayout()
        for text, control in (("Layer:", self.layer_combo), ("Filter:", self.filter_spin)):
            label = QLabel(text)
            label.setBuddy(control)
            self._controls.addWidget(label)
            self._controls.addWidget(control)
            self._controls.addSpacing(10)
        self._controls.addWidget(self.exclude_dc_check)
        self._controls.addStretch(1)

        self.a_thumbnail = QLabel()
        self.a_thumbnail.setPixmap(thumbnail(None))
        self.a_thumbnail.setToolTip("Input A: the current input (draw a digit or pick a sample to change it).")
        self.a_label = WrappingLabel("A: no input yet")
        self.a_label.setWordWrap(True)
        self.a_label.setToolTip("Input A is always the current input, as every viewer shows it.")
        self.class_combo = QComboBox()
        self.class_combo.setToolTip("Input B: a test image of this class (from the model's dataset).")
        self.class_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.class_combo.currentIndexChanged.connect(self._on_sample_changed)
        self.sample_spin = QSpinBox()
        self.sample_spin.setToolTip("Which test image of the class: 0 is the first one in the test split.")
        self.sample_spin.valueChanged.connect(self._on_sample_changed)
        self.pin_button = QPushButton("Pin current input as B")
        self.pin_button.setToolTip("Keep a copy of the current input as B, so that you can draw or pick "
                                   "another input as A. Choosing a class or sample number goes back to a "
                                   "test image.")
        self.pin_button.clicked.connect(self._on_pin_clicked)
        self.b_thumbnail = QLabel()
        self.b_thumbnail.setPixmap(thumbnail(None))
        self.b_thumbnail.setToolTip("Input B as the model sees it.")
        self.b_label = WrappingLabel("B: —")
        self.b_label.setWordWrap(True)
        self.b_label.setToolTip("Where input B comes from.")
        self._input_row = input_row(self.a_thumbnail, self.a_label, self.b_thumbnail, self.b_label,
                                    self.class_combo, self.sample_spin)
        self._actions = QHBoxLayout()
        self._actions.addWidget(self.compare_button)
        self._actions.addWidget(self.pin_button)
        self._actions.addStretch(1)

    # -- public API ----------------------------------------------------------------------------------
    def set_model(self, layout: ModelLayout) -> None:
        """Follow a new model: its layers and its dataset; results of the previous one are cleared."""
        self._layout = layout
        self._inspection = None
        self._pinned = None
        self.clear_results()
        if not self._explicit_class_names:
            self._set_class_names(default_class_names(layout.dataset))
        self._populate_layers()
        self._refresh_inputs()

    def set_class_names(self, names) -> None:
        """Name the classes offered for input B (index i is label i of the test split)."""
        self._explicit_class_names = True
        self._set_class_names(tuple(str(name) for name in names))
        self._refresh_inputs()

    def set_data_dir(self, data_dir: str | None) -> None:
        """Where MNIST or Fashion-MNIST files are, for the test images of input B."""
        self._data_dir = data_dir

    def show_inspection(self, result: InspectionResult) -> None:
        """Follow the current input: it becomes input A."""
        first = self._inspection is None
        self._inspection = result
        if first or self.layer_combo.count() == 0:
            self._populate_layers()
        self._refresh_inputs()

    def show_pair(self, comparison) -> None:
        """Show a :class:`cnnviz.science.PairComparison`."""
        self.pair_view.show_pair(comparison, self._requested_descriptions)
        self.section_tabs.setCurrentWidget(self.pair_view)

    def show_matrix(self, result) -> None:
        """Show a :class:`cnnviz.science.SimilarityMatrix`."""
        self.matrix_view.show_matrix(result)
        self.section_tabs.setCurrentWidget(self.matrix_view)

    def clear_results(self) -> None:
        """Forget the comparison and the matrix shown."""
        self.pair_view.clear()
        self.matrix_view.clear()
        self._update_enabled()

    def set_busy(self, busy: bool) -> None:
        """Disable the request buttons while the model service works."""
        self._busy = bool(busy)
        self._update_enabled()

    def pair(self):
        """The comparison shown, or None."""
        return self.pair_view.pair()

    def matrix_result(self):
        """The similarity matrix shown, or None."""
        return self.matrix_view.result()

    def input_b(self) -> np.ndarray | None:
        """Input B as it would be sent, shape (1, h, w, c), or None when none is available."""
        if self._pinned is not None:
            return self._pinned
        found = self._test_set()
        if isinstance(found, str) or self.class_combo.count() == 0:
            return None
        images, labels = found
        indices = np.flatnonzero(labels == self.class_combo.currentData())
        sample = self.sample_spin.value()
        if not 0 <= sample < len(indices):
            return None
        return images[indices[sample]:indices[sample] + 1]

    def set_input_b(self, class_index: int, sample: int = 0) -> None:
        """Choose test image ``sample`` of class ``class_index`` as input B."""
        self.class_combo.setCurrentIndex(self.class_combo.findData(int(class_index)))
        self.sample_spin.setValue(int(sample))
        self._pinned = None
        self._refresh_inputs()

    def export_matrix_csv(self, path: str | Path) -> Path:
        """Write the matrix shown as CSV; raises ValueError when there is none, ExportError on failure."""
        return self.matrix_view.export_csv(path)

    def export_matrix_figure(self, path: str | Path) -> Path:
        """Write the heatmap as PNG, SVG or PDF (by the suffix); raises ValueError when there is none."""
        return self.matrix_view.export_figure(path)

    def fit_width(self, width: int) -> None:
        """Put the radial profile beside the maps from
        :data:`~cnnviz.ui.science.pair_view.SIDE_BY_SIDE_WIDTH` pixels on, below them when narrower.
        The panel calls this on every resize, also while this tab is hidden (a hidden tab is not
        resized, and its side-by-side minimum width would make every tab scroll sideways)."""
        if self.pair_view.fit_width(width):
            # The layouts between the view and this tab cache its minimum size too.
            widget = self.pair_view.parentWidget()
            while widget is not None and widget is not self:
                widget.updateGeometry()
                if widget.layout() is not None:
                    widget.layout().invalidate()
                widget = widget.parentWidget()

    def plots_side_by_side(self) -> bool:
        """Whether the radial profile is beside the maps and spectra (else below them)."""
        return self.pair_view.plots_side_by_side()

    def resizeEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        super().resizeEvent(event)
        self.fit_width(event.size().width())

    # -- internals -----------------------------------------------------------------------------------
    def _set_class_names(self, names: tuple[str, ...]) -> None:
        current = self.class_combo.currentData()
        self._class_names = names
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        for index, name in enumerate(names):
            self.class_combo.addItem(name, index)
        preferred = current if current is not None else (7 if len(names) > 7 else 0)
        self.class_combo.setCurrentIndex(max(self.class_combo.findData(preferred), 0))
        self.class_combo.blockSignals(False)

    def _spatial_shapes(self) -> dict[str, tuple[int, ...]]:
        """Layers with feature maps and their shapes: from the current input, else the summary."""
        if self._inspection is not None:
            return {name: tuple(np.shape(maps)[1:]) for name, maps in self._inspection.feature_maps.items()
                    if np.ndim(maps) == 4}
        return {name: self._layout.output_shapes[name] for name in self._layout.spatial_layers()}

    def _populate_layers(self) -> None:
        shapes = self._spatial_shapes()
        current = self.layer_combo.currentData()
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for name, shape in shapes.items():
            self.layer_combo.addItem(f"{name} ({'×'.join(str(size) for size in shape)})", name)
        index = self.layer_combo.findData(current)
        if index < 0:
            convolutions = [name for name in shapes if self._layout.kind(name) == "conv2d"]
            index = self.layer_combo.findData(convolutions[0]) if convolutions else 0
        self.layer_combo.setCurrentIndex(max(index, 0))
        self.layer_combo.blockSignals(False)
        self._on_layer_changed()

    def _test_set(self) -> tuple[np.ndarray, np.ndarray] | str:
        """The model's test split ``(images (n, h, w, c), labels)``, read once; or why it cannot be read."""
        if not self._layout.layer_names and self._inspection is None:
            return "There is no model yet."
        found, first = self._test_splits.read(self._layout.dataset, self._layout.seed, self._data_dir,
                                              self._layout.input_shape)
        if isinstance(found, str):
            return found
        images, labels, class_names = found
        if first and not self._explicit_class_names and class_names != self._class_names:
            self._set_class_names(class_names)
        return images, labels

    def _refresh_inputs(self) -> None:
        """Update the A and B thumbnails, their descriptions and the sample range."""
        if self._inspection is not None:
            image = np.asarray(self._inspection.image)[0]
            predicted = int(np.argmax(self._inspection.probabilities))
            name = self._class_names[predicted] if predicted < len(self._class_names) else str(predicted)
            self.a_thumbnail.setPixmap(thumbnail(image))
            self.a_label.setText(f"A: current input (predicted {name})")
        else:
            self.a_thumbnail.setPixmap(thumbnail(None))
            self.a_label.setText("A: no input yet — draw a digit or pick a sample")
        found = self._test_set()
        no_model = not self._layout.layer_names and self._inspection is None
        if not isinstance(found, str) and self.class_combo.count():
            count = int(np.count_nonzero(found[1] == self.class_combo.currentData()))
            self.sample_spin.blockSignals(True)
            self.sample_spin.setRange(0, max(count - 1, 0))
            self.sample_spin.blockSignals(False)
        image_b = self.input_b()
        self.b_thumbnail.setPixmap(thumbnail(None if image_b is None else image_b[0]))
        self.b_label.setStyleSheet("")
        if self._pinned is not None:
            self.b_label.setText("B: a pinned copy of an earlier input")
        elif isinstance(found, str) and not no_model:
            self.b_label.setText("B: unavailable")
            self.b_label.setToolTip(found)
            self.b_label.setStyleSheet("color: #c62828;")
        elif image_b is not None:
            index = int(np.flatnonzero(found[1] == self.class_combo.currentData())[self.sample_spin.value()])
            self.b_label.setText(f"B: {self._layout.dataset} test image #{index}")
            self.b_label.setToolTip("Where input B comes from.")
        else:
            self.b_label.setText("B: —")
        self._mark_stale_pair(image_b)
        self._update_enabled()

    def _mark_stale_pair(self, image_b: np.ndarray | None) -> None:
        """Grey the comparison shown, and say so, once input A or B is no longer what it compared."""
        if self._requested_images is None or self.pair_view.pair() is None:
            return
        image_a = None if self._inspection is None else np.asarray(self._inspection.image)
        compared_a, compared_b = self._requested_images
        self.pair_view.mark_stale(image_a is None or image_b is None or not np.array_equal(image_a, compared_a)
                                  or not np.array_equal(np.asarray(image_b), compared_b))

    def _description_b(self) -> str:
        if self._pinned is not None:
            return "pinned input"
        return f"{self.class_combo.currentText()} #{self.sample_spin.value()}"

    def _description_a(self) -> str:
        if self._inspection is None:
            return "current input"
        predicted = int(np.argmax(self._inspection.probabilities))
        name = self._class_names[predicted] if predicted < len(self._class_names) else str(predicted)
        return f"current, predicted {name}"

    def _update_enabled(self) -> None:
        has_layer = self.layer_combo.count() > 0
        self.compare_button.setEnabled(not self._busy and has_layer and self._inspection is not None
                                       and self.input_b() is not None)
        self.matrix_view.set_request_enabled(not self._busy and has_layer)
        self.pin_button.setEnabled(self._inspection is not None)

    def _on_layer_changed(self, *_args) -> None:
        shape = self._spatial_shapes().get(self.layer_combo.currentData())
        self.filter_spin.setRange(0, max((shape[-1] if shape else 1) - 1, 0))
        self._update_enabled()

    def _on_sample_changed(self, *_args) -> None:
        self._pinned = None
        self._refresh_inputs()

    def _on_pin_clicked(self) -> None:
        if self._inspection is None:
            return
        self._pinned = frozen(np.array(self._inspection.image, dtype=np.float32))
        self._refresh_inputs()

    def _on_compare_clicked(self) -> None:
        image_b = self.input_b()
        if self._inspection is None or image_b is None or self.layer_combo.count() == 0:
            return
        self._requested_descriptions = (self._description_a(), self._description_b())
        self._requested_images = (frozen(np.array(self._inspection.image, dtype=np.float32)),
                                  frozen(np.array(image_b, dtype=np.float32)))
        self.sig_science_requested.emit("compare_pair", {
            "layer": self.layer_combo.currentData(), "filter_index": self.filter_spin.value(),
            "image_a": self._requested_images[0],
            "image_b": self._requested_images[1],
            "exclude_dc": self.exclude_dc_check.isChecked(),
        })

    def _on_matrix_requested(self, samples_per_class: int) -> None:
        if self.layer_combo.count() == 0:
            return
        self.sig_science_requested.emit("similarity_matrix", {
            "layer": self.layer_combo.currentData(), "filter_index": self.filter_spin.value(),
            "samples_per_class": int(samples_per_class), "exclude_dc": self.exclude_dc_check.isChecked(),
        })
