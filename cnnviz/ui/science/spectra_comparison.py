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
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnnviz.core.results import frozen
from cnnviz.service.payloads import InspectionResult
from cnnviz.ui.layout import hint_label
from cnnviz.ui.science.class_matrix_view import ClassMatrixView
from cnnviz.ui.science.common import (
    ImagePlot,
    ModelLayout,
    WrappingLabel,
    default_class_names,
    format_number,
    image_levels,
    make_colorbar,
)
from cnnviz.ui.viewers.colour_bars import set_colorbar_levels

SIDE_BY_SIDE_WIDTH = 860
"""Narrower than this, the radial profile goes below the maps and spectra instead of beside them, so
the page never needs to scroll sideways."""
HINT = ("Choose a layer, a filter and input B (a test image of some class), then press Compare: the "
        "filter's feature maps for the current input (A) and for B, their Fourier spectra, and how alike "
        "those spectra are (report §5.1: the spectra of a 4 and a 7 look alike, those of an 8 and a 1 do not).")
THUMBNAIL_SIZE = 40
_COLOUR_A = "#1f77b4"
_COLOUR_B = "#ff7f0e"


def _thumbnail(image: np.ndarray | None) -> QPixmap:
    """A grey pixmap of an ``(h, w, c)`` image in [0, 1], scaled to :data:`THUMBNAIL_SIZE`."""
    if image is None:
        pixmap = QPixmap(THUMBNAIL_SIZE, THUMBNAIL_SIZE)
        pixmap.fill(Qt.GlobalColor.lightGray)
        return pixmap
    grey = np.asarray(image, dtype=np.float32)
    grey = grey.mean(axis=-1) if grey.ndim == 3 else grey
    grey = np.ascontiguousarray(np.clip(np.nan_to_num(grey) * 255 + 0.5, 0, 255).astype(np.uint8))
    height, width = grey.shape
    picture = QImage(grey.data, width, height, width, QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(picture.scaled(THUMBNAIL_SIZE, THUMBNAIL_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.FastTransformation))


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
        self._test_sets: dict[tuple, tuple[np.ndarray, np.ndarray] | str] = {}
        self._pinned: np.ndarray | None = None
        self._busy = False
        self._pair = None
        self._requested_descriptions = ("A", "B")
        self._pair_descriptions = ("A", "B")
        self._build_controls()
        self._build_pair_view()
        self.matrix_view = ClassMatrixView()
        self.matrix_view.sig_matrix_requested.connect(self._on_matrix_requested)
        # The two halves are pages of their own, so that each gets the whole width and height.
        self.section_tabs = QTabWidget()
        self.section_tabs.setDocumentMode(True)
        self.section_tabs.addTab(self._pair_box, "Two inputs, one filter")
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
        self.a_thumbnail.setPixmap(_thumbnail(None))
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
        self.b_thumbnail.setPixmap(_thumbnail(None))
        self.b_thumbnail.setToolTip("Input B as the model sees it.")
        self.b_label = WrappingLabel("B: —")
        self.b_label.setWordWrap(True)
        self.b_label.setToolTip("Where input B comes from.")
        b_choice = QHBoxLayout()
        b_class = QLabel("B: class")
        b_class.setBuddy(self.class_combo)
        b_choice.addWidget(b_class)
        b_choice.addWidget(self.class_combo)
        sample_label = QLabel("sample #")
        sample_label.setBuddy(self.sample_spin)
        b_choice.addWidget(sample_label)
        b_choice.addWidget(self.sample_spin)
        b_choice.addStretch(1)
        b_column = QVBoxLayout()
        b_column.setSpacing(2)
        b_column.addLayout(b_choice)
        b_column.addWidget(self.b_label)
        self._input_row = QHBoxLayout()
        self._input_row.addWidget(self.a_thumbnail)
        self._input_row.addWidget(self.a_label, 2)
        self._input_row.addSpacing(12)
        self._input_row.addWidget(self.b_thumbnail)
        self._input_row.addLayout(b_column, 3)
        self._actions = QHBoxLayout()
        self._actions.addWidget(self.compare_button)
        self._actions.addWidget(self.pin_button)
        self._actions.addStretch(1)

    def _build_pair_view(self) -> None:
        self.images_widget = pg.GraphicsLayoutWidget()
        self.images_widget.setToolTip("Rows: inputs A and B (as compared; see the thumbnails above for the "
                                      "inputs now chosen). Columns: the filter's feature map and its "
                                      "log-magnitude spectrum log(1 + |F|), zero frequency centred. Maps and "
                                      "spectra share one colour scale each, so A and B compare.")
        outer = self.images_widget.ci
        outer.setContentsMargins(2, 2, 2, 2)
        outer.setSpacing(2)
        self.maps, self.spectra = [], []
        for row, name in enumerate(("A", "B")):
            self.maps.append(ImagePlot(outer, row, 0, f"{name}: feature map", with_colorbar=False))
            self.spectra.append(ImagePlot(outer, row, 2, f"{name}: log spectrum", with_colorbar=False,
                                          axis_labels=("fx (cycles/pixel)", "fy (cycles/pixel)")))
        for plot in (self.maps[0], self.spectra[0]):
            # Row B below has the same axes: its label is enough, and row A keeps the height for its image.
            plot.plot.getAxis("bottom").setLabel("")
            plot.plot.getAxis("bottom").showLabel(False)
        self._map_colorbar = make_colorbar("activation")
        outer.addItem(self._map_colorbar, row=0, col=1, rowspan=2)
        self._spectrum_colorbar = make_colorbar("log(1 + |F|)", "inferno")
        outer.addItem(self._spectrum_colorbar, row=0, col=3, rowspan=2)

        self.similarity_label = WrappingLabel("Similarity of the spectra: —")
        self.similarity_label.setStyleSheet("font-size: 13px; font-weight: bold;")
        self.similarity_label.setWordWrap(True)
        self.similarity_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.similarity_label.setToolTip("Cosine similarity of the two log-magnitude spectra: 1 for spectra of "
                                         "the same shape (a map and any shift of it), lower the more their "
                                         "energy sits at different frequencies and orientations. One pair has no "
                                         "spread of its own, so it is judged against the similarities of every "
                                         "pair of the first test images: only outside their middle 95% is it "
                                         "unusually alike or unusually different.")
        self.log_check = QCheckBox("Log scale")
        self.log_check.setToolTip("Draw the fraction of energy on a logarithmic axis, to see the weak high "
                                  "frequencies beside the strong low ones.")
        self.log_check.toggled.connect(self._on_log_toggled)
        header = QHBoxLayout()
        header.addWidget(self.similarity_label, 1)
        header.addWidget(self.log_check)

        self.profile_widget = pg.PlotWidget()
        self.profile_widget.setToolTip("How each map's power |F|² spreads from low to high frequencies: the "
                                       "fraction in each ring around the zero frequency. The dashed line is "
                                       "the low-frequency cutoff of the shares written under the plot.")
        self._profile_plot = self.profile_widget.getPlotItem()
        self._profile_plot.setTitle("Radial power profile")
        self._profile_plot.setLabel("bottom", "frequency (cycles/pixel)")
        self._profile_plot.setLabel("left", "fraction of energy")
        self._profile_plot.showGrid(x=True, y=True, alpha=0.25)
        self._profile_plot.setMenuEnabled(False)
        self._profile_plot.hideButtons()
        for side in ("bottom", "left"):
            self._profile_plot.getAxis(side).enableAutoSIPrefix(False)
        # Top right, where the high frequencies carry little power and the curves run along zero.
        self._legend = self._profile_plot.addLegend(offset=(-6, 6), labelTextSize="8pt",
                                                    brush=pg.mkBrush(255, 255, 255, 170),
                                                    pen=pg.mkPen(200, 200, 200))
        self.profile_curves = (
            self._profile_plot.plot([], [], pen=pg.mkPen(_COLOUR_A, width=2), symbol="o", symbolSize=4,
                                    symbolBrush=_COLOUR_A, symbolPen=None, name="A"),
            self._profile_plot.plot([], [], pen=pg.mkPen(_COLOUR_B, width=2), symbol="s", symbolSize=4,
                                    symbolBrush=_COLOUR_B, symbolPen=None, name="B"),
        )
        self._cutoff_line = pg.InfiniteLine(angle=90, movable=False,
                                            pen=pg.mkPen("#666", width=1, style=Qt.PenStyle.DashLine))
        self._cutoff_line.setVisible(False)
        self._profile_plot.addItem(self._cutoff_line)

        self.low_frequency_label = WrappingLabel()
        self.low_frequency_label.setWordWrap(True)
        self.low_frequency_label.setStyleSheet("color: #333;")
        self.low_frequency_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.low_frequency_label.setToolTip("The share of each map's power below the low-frequency cutoff "
                                            "(the dashed line on the plot).")
        profile_box = QWidget()
        profile_layout = QVBoxLayout(profile_box)
        profile_layout.setContentsMargins(0, 0, 0, 0)
        profile_layout.setSpacing(2)
        profile_layout.addWidget(self.profile_widget, 1)
        profile_layout.addWidget(self.low_frequency_label)
        self.images_widget.setMinimumSize(420, 350)
        self.profile_widget.setMinimumSize(220, 140)
        plots = QSplitter(Qt.Orientation.Horizontal)
        self._plots_splitter = plots
        plots.setChildrenCollapsible(False)
        plots.addWidget(self.images_widget)
        plots.addWidget(profile_box)
        plots.setStretchFactor(0, 3)
        plots.setStretchFactor(1, 2)
        plots.setSizes([600, 400])
        results = QWidget()
        results_layout = QVBoxLayout(results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addLayout(header)
        results_layout.addWidget(plots, 1)
        self._pair_stack = QStackedWidget()
        self._pair_hint = hint_label(HINT)
        self._pair_stack.addWidget(self._pair_hint)
        self._pair_stack.addWidget(results)
        self._pair_box = QWidget()
        box_layout = QVBoxLayout(self._pair_box)
        box_layout.setContentsMargins(4, 4, 4, 4)
        box_layout.addWidget(self._pair_stack)

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
        self._pair = comparison
        self._pair_descriptions = self._requested_descriptions
        map_levels = image_levels(np.stack([comparison.map_a, comparison.map_b]), False)
        spectrum_levels = image_levels(np.stack([comparison.spectrum_a, comparison.spectrum_b]), False)
        extent = comparison.spectrum_extent
        for index, (feature_map, spectrum) in enumerate(((comparison.map_a, comparison.spectrum_a),
                                                         (comparison.map_b, comparison.spectrum_b))):
            self.maps[index].set_image(feature_map, levels=map_levels)
            self.spectra[index].set_image(spectrum, colormap="inferno", levels=spectrum_levels, extent=extent)
        set_colorbar_levels(self._map_colorbar, map_levels)
        set_colorbar_levels(self._spectrum_colorbar, spectrum_levels)
        self.similarity_label.setText(comparison.verdict_text())
        frequencies = np.asarray(comparison.frequencies)
        fractions = []
        for index, (curve, profile, low, description) in enumerate(zip(
                self.profile_curves, (comparison.profile_a, comparison.profile_b),
                (comparison.low_frequency_a, comparison.low_frequency_b), self._pair_descriptions)):
            values = np.asarray(profile, dtype=np.float64)
            if self.log_check.isChecked():
                values = np.where(values > 0, values, np.nan)
            curve.setData(frequencies, values)
            fractions.append(f"<span style='color:{(_COLOUR_A, _COLOUR_B)[index]}'>■</span> "
                             f"{'AB'[index]} ({description}): {format_number(100 * low, 3)}% below "
                             f"{comparison.cutoff:g}")
            # A short legend keeps clear of the curves; the line under the plot says what A and B are.
            self._legend.removeItem(curve)
            self._legend.addItem(curve, 'AB'[index])
        self.low_frequency_label.setText(f"Power at low frequencies (cycles/pixel) — {'; '.join(fractions)}")
        self._cutoff_line.setPos(comparison.cutoff)
        self._cutoff_line.setVisible(True)
        self._pair_stack.setCurrentIndex(1)
        self.section_tabs.setCurrentWidget(self._pair_box)

    def show_matrix(self, result) -> None:
        """Show a :class:`cnnviz.science.SimilarityMatrix`."""
        self.matrix_view.show_matrix(result)
        self.section_tabs.setCurrentWidget(self.matrix_view)

    def clear_results(self) -> None:
        """Forget the comparison and the matrix shown."""
        self._pair = None
        self.matrix_view.clear()
        self.similarity_label.setText("Similarity of the spectra: —")
        self.low_frequency_label.setText("")
        for curve in self.profile_curves:
            curve.setData([], [])
        self._pair_stack.setCurrentIndex(0)
        self._update_enabled()

    def set_busy(self, busy: bool) -> None:
        """Disable the request buttons while the model service works."""
        self._busy = bool(busy)
        self._update_enabled()

    def pair(self):
        """The comparison shown, or None."""
        return self._pair

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
        """Put the radial profile beside the maps from :data:`SIDE_BY_SIDE_WIDTH` pixels on, below them
        when narrower. The panel calls this on every resize, also while this tab is hidden (a hidden
        tab is not resized, and its side-by-side minimum width would make every tab scroll sideways)."""
        wanted = Qt.Orientation.Horizontal if width >= SIDE_BY_SIDE_WIDTH else Qt.Orientation.Vertical
        if self._plots_splitter.orientation() != wanted:
            self._plots_splitter.setOrientation(wanted)
            self._plots_splitter.setSizes([600, 400] if wanted == Qt.Orientation.Horizontal else [600, 300])
            # The layouts above cache their children's minimum sizes: tell each that this one changed,
            # or the page keeps the side-by-side minimum width (and scrolls sideways).
            widget = self._plots_splitter
            while widget is not None and widget is not self:
                widget.updateGeometry()
                if widget.layout() is not None:
                    widget.layout().invalidate()
                widget = widget.parentWidget()

    def plots_side_by_side(self) -> bool:
        """Whether the radial profile is beside the maps and spectra (else below them)."""
        return self._plots_splitter.orientation() == Qt.Orientation.Horizontal

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
        key = (self._layout.dataset, self._layout.seed, self._data_dir)
        if key not in self._test_sets:
            from cnnviz.core.datasets import load_dataset
            from cnnviz.core.preprocessing import preprocess_batch

            try:
                dataset = load_dataset(self._layout.dataset, "test", data_dir=self._data_dir,
                                       seed=self._layout.seed)
                images = frozen(preprocess_batch(dataset.images))
                self._test_sets[key] = (images, frozen(np.asarray(dataset.labels, dtype=np.int64)))
                if not self._explicit_class_names and tuple(dataset.class_names) != self._class_names:
                    self._set_class_names(tuple(dataset.class_names))
            except (ValueError, OSError) as error:
                self._test_sets[key] = f"The test images of {self._layout.dataset} cannot be read: {error}"
        return self._test_sets[key]

    def _refresh_inputs(self) -> None:
        """Update the A and B thumbnails, their descriptions and the sample range."""
        if self._inspection is not None:
            image = np.asarray(self._inspection.image)[0]
            predicted = int(np.argmax(self._inspection.probabilities))
            name = self._class_names[predicted] if predicted < len(self._class_names) else str(predicted)
            self.a_thumbnail.setPixmap(_thumbnail(image))
            self.a_label.setText(f"A: current input (predicted {name})")
        else:
            self.a_thumbnail.setPixmap(_thumbnail(None))
            self.a_label.setText("A: no input yet — draw a digit or pick a sample")
        found = self._test_set()
        no_model = not self._layout.layer_names and self._inspection is None
        if not isinstance(found, str) and self.class_combo.count():
            count = int(np.count_nonzero(found[1] == self.class_combo.currentData()))
            self.sample_spin.blockSignals(True)
            self.sample_spin.setRange(0, max(count - 1, 0))
            self.sample_spin.blockSignals(False)
        image_b = self.input_b()
        self.b_thumbnail.setPixmap(_thumbnail(None if image_b is None else image_b[0]))
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
        self._update_enabled()

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

    def _on_log_toggled(self, checked: bool) -> None:
        self._profile_plot.setLogMode(y=checked)
        if self._pair is not None:
            self.show_pair(self._pair)

    def _on_compare_clicked(self) -> None:
        image_b = self.input_b()
        if self._inspection is None or image_b is None or self.layer_combo.count() == 0:
            return
        self._requested_descriptions = (self._description_a(), self._description_b())
        self.sig_science_requested.emit("compare_pair", {
            "layer": self.layer_combo.currentData(), "filter_index": self.filter_spin.value(),
            "image_a": frozen(np.array(self._inspection.image, dtype=np.float32)),
            "image_b": frozen(np.array(image_b, dtype=np.float32)),
            "exclude_dc": self.exclude_dc_check.isChecked(),
        })

    def _on_matrix_requested(self, samples_per_class: int) -> None:
        if self.layer_combo.count() == 0:
            return
        self.sig_science_requested.emit("similarity_matrix", {
            "layer": self.layer_combo.currentData(), "filter_index": self.filter_spin.value(),
            "samples_per_class": int(samples_per_class), "exclude_dc": self.exclude_dc_check.isChecked(),
        })
