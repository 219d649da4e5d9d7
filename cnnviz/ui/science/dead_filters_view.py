"""The report's §5.2: dead filters ("if there are a lot of zeros ... the model needs pruning").

*Find* asks the model service which filters of the convolution layers (or the units of a dense
layer) have a near-zero kernel and which are never active on the test images; the answer fills a
table, one row per layer, and each layer's dead filters are announced through
:attr:`DeadFiltersTab.sig_filters_marked` so that the kernels viewer can mark them. *Prune and
compare accuracy* zeroes those filters in the model itself and shows the test accuracy before
and after.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cnnviz.ui.science.common import (
    BROKEN_COLOUR,
    SYMMETRY_COLOUR,
    ModelLayout,
    WrappingLabel,
    format_number,
    note_label,
)
from cnnviz.ui.wording import counted

COLUMNS = ("Layer", "Filters", "Near-zero", "Never active", "Min norm", "Min peak")
COLUMN_TOOLTIPS = ("The layer.", "How many filters (or units) the layer has.",
                   "Filters whose kernel norm is at most the kernel tolerance × the layer's largest.",
                   "Filters whose |output| never exceeded the activity tolerance on any test image.",
                   "The smallest kernel norm in the layer, and its filter.",
                   "The quietest filter's largest |output| over the test images, and the filter.")
MAX_LISTED = 8
"""At most this many indices are written in a cell; the tooltip lists them all."""
ALL_CONVOLUTIONS = "All convolution layers"
CRITERIA = ("A filter is dead when its kernel's norm is at most 0.001 × the largest in its layer (near-zero "
            "kernel), or when its output never exceeds 1e-6 in absolute value on any of the test images "
            "(never active; for ReLU, a unit whose input is always negative).")
PRUNE_TOOLTIP = ("Zero the kernels and biases of the dead filters listed above in the current model and compare "
                 "the test accuracy before and after. This changes the model: save it to keep the change, or "
                 "open the model file again to undo it. The viewers follow the pruned model.")


def _indices_text(indices: tuple[int, ...], unit: str = "filter") -> str:
    """``"1 filter (#1)"``, ``"3 filters (#0, #4, #9)"``: how many and which; "none" for none."""
    if not indices:
        return "none"
    listed = ", ".join(f"#{index}" for index in indices[:MAX_LISTED])
    more = f", … +{len(indices) - MAX_LISTED}" if len(indices) > MAX_LISTED else ""
    return f"{counted(len(indices), unit)} ({listed}{more})"


class DeadFiltersTab(QWidget):
    """Near-zero and never-active filters per layer, and pruning them.

    Parameters
    ----------
    parent : QWidget, optional
    """

    sig_science_requested = Signal(str, object)
    """An analysis is wanted: ``"dead_filters"`` (``{"layer", "samples"}``) or ``"prune"``
    (``{"filters": {layer: indices}, "keep": True}``)."""
    sig_filters_marked = Signal(str, object)
    """The dead filters of a layer were found: the layer and a tuple of filter indices (empty to clear)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._layout = ModelLayout()
        self._busy = False
        self._result = None
        self._prune_result = None
        self._marked: set[str] = set()

        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("Where to look: every convolution layer, one of them, or a dense layer "
                                    "(its units).")
        self.layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.samples_spin = QSpinBox()
        self.samples_spin.setRange(1, 10000)
        self.samples_spin.setSingleStep(100)
        self.samples_spin.setValue(1000)
        self.samples_spin.setToolTip("Test images to look for activity on: a filter silent on all of them is "
                                     "never active.")
        self.find_button = QPushButton("Find dead filters")
        self.find_button.setToolTip("Measure every filter's kernel norm and its largest output over the test "
                                    "images, and list the dead ones (they are marked in the kernels viewer).")
        self.find_button.clicked.connect(self._on_find_clicked)
        self.prune_button = QPushButton("Prune and compare accuracy")
        self.prune_button.setToolTip(PRUNE_TOOLTIP)
        self.prune_button.clicked.connect(self._on_prune_clicked)
        controls = QHBoxLayout()
        for text, control in (("Layer:", self.layer_combo), ("Test images:", self.samples_spin)):
            label = QLabel(text)
            label.setBuddy(control)
            controls.addWidget(label)
            controls.addWidget(control)
            controls.addSpacing(12)
        controls.addStretch(1)
        actions = QHBoxLayout()
        actions.addWidget(self.find_button)
        actions.addWidget(self.prune_button)
        actions.addStretch(1)

        self.criteria_label = note_label(CRITERIA, "How dead filters are told apart (report §5.2).")
        self.summary_label = WrappingLabel("Press “Find dead filters”.")
        self.summary_label.setStyleSheet("font-size: 13px; font-weight: bold;")
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary_label.setWordWrap(True)
        self.summary_label.setToolTip("What the last search found, with each criterion's threshold and the "
                                      "values observed. A filter silent on every test image may still fire on "
                                      "other inputs: the upper bound says how rarely at most.")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        for column, tip in enumerate(COLUMN_TOOLTIPS):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(80)
        self.table.setToolTip("One row per layer: its dead filters by kind, and how close the liveliest "
                              "criteria come (the smallest kernel norm and the smallest peak output, with "
                              "their filters). Hover a cell for the full list.")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.itemSelectionChanged.connect(self._on_selection_changed)

        self.bars_widget = pg.GraphicsLayoutWidget()
        self.bars_widget.setToolTip("For the layer selected in the table: each filter's largest |output| over "
                                    "the test images and its kernel norm. Dead filters are red (a red cross "
                                    "marks those whose output bar has no height).")
        self._bar_plots, self._bars = [], []
        for column, (title, label) in enumerate((("Largest |output| on the test images", "largest |output|"),
                                                 ("Kernel norm", "L2 norm of the kernel"))):
            plot = self.bars_widget.addPlot(row=0, col=column, title=title)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.setMouseEnabled(x=False, y=False)
            plot.setLabel("left", label)
            plot.setLabel("bottom", "filter")
            plot.showGrid(y=True, alpha=0.25)
            for side in ("bottom", "left"):
                plot.getAxis(side).enableAutoSIPrefix(False)
            bars = pg.BarGraphItem(x=np.zeros(0), height=np.zeros(0), width=0.8)
            plot.addItem(bars)
            self._bar_plots.append(plot)
            self._bars.append(bars)
        # A dead filter's bar may have no height at all: a red cross on the axis shows where it is.
        self._dead_markers = pg.ScatterPlotItem(symbol="x", size=7, pen=pg.mkPen(BROKEN_COLOUR, width=1.5),
                                                brush=pg.mkBrush(BROKEN_COLOUR))
        self._bar_plots[0].addItem(self._dead_markers)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(self.bars_widget)
        self.bars_widget.setMinimumHeight(200)
        splitter.setSizes([110, 300])

        self.accuracy_label = WrappingLabel()
        self.accuracy_label.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.accuracy_label.setWordWrap(True)
        self.accuracy_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.accuracy_label.setToolTip("Test accuracy of the model before and after pruning (the whole test split), "
                                       "how many predictions changed each way, and whether that is more than "
                                       "chance (an exact sign test on the changed predictions).")
        self.prune_note = note_label("", "What pruning changed.")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(controls)
        layout.addLayout(actions)
        layout.addWidget(self.criteria_label)
        layout.addWidget(self.summary_label)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.accuracy_label)
        layout.addWidget(self.prune_note)
        self._update_enabled()

    # -- public API ----------------------------------------------------------------------------------
    def set_model(self, layout: ModelLayout) -> None:
        """Follow a new model: its layers; earlier results and marks are cleared."""
        self._layout = layout
        self.layer_combo.clear()
        convolutions = layout.conv_layers()
        if convolutions:
            self.layer_combo.addItem(ALL_CONVOLUTIONS, None)
        for name in convolutions:
            self.layer_combo.addItem(f"{name} ({counted(layout.specs[name].filters, 'filter')})", name)
        for name in layout.layer_names:
            if layout.kind(name) == "dense":
                self.layer_combo.addItem(f"{name} ({counted(layout.specs[name].units, 'unit')})", name)
        self.clear_results()

    def show_dead_filters(self, result) -> None:
        """Show a :class:`cnnviz.science.DeadFiltersResult` and announce each layer's dead filters."""
        self._result = result
        self.table.setRowCount(0)
        for entry in result.layers:
            report = entry.report
            row = self.table.rowCount()
            self.table.insertRow(row)
            norms, peaks = report.kernel_norms, report.max_activation
            weakest = int(norms.argmin())
            quietest = int(peaks.argmin()) if peaks is not None else None
            unit = entry.unit_name[:-1]
            cells = (
                (entry.layer, f"{entry.kind} layer"),
                (str(report.num_filters), f"{report.num_filters} {entry.unit_name}"),
                (_indices_text(report.near_zero_kernels, unit),
                 ", ".join(map(str, report.near_zero_kernels)) or "none"),
                (_indices_text(report.never_active, unit), ", ".join(map(str, report.never_active)) or "none"),
                (f"{format_number(float(norms[weakest]))} ({unit} {weakest})",
                 f"largest kernel norm {format_number(float(norms.max()))}"),
                ("n/a" if quietest is None else f"{format_number(float(peaks[quietest]))} ({unit} {quietest})",
                 "the largest |output| of the quietest filter over the test images"),
            )
            for column, (text, tooltip) in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tooltip)
                if column in (2, 3) and text != "none":
                    item.setForeground(QColor(BROKEN_COLOUR))
                self.table.setItem(row, column, item)
        # The verdict of each layer, with the thresholds and the values they were judged on.
        self.summary_label.setText(" ".join(entry.verdict_text(result.num_images) for entry in result.layers))
        rows_with_dead = [row for row, entry in enumerate(result.layers) if entry.report.dead]
        self.table.selectRow(rows_with_dead[0] if rows_with_dead else 0)
        self._show_bars()
        for entry in result.layers:
            self._marked.add(entry.layer)
            self.sig_filters_marked.emit(entry.layer, tuple(entry.report.dead))
        self._update_enabled()

    def show_prune(self, result) -> None:
        """Show a :class:`cnnviz.science.PruneResult`."""
        self._prune_result = result
        colour = {"unchanged": SYMMETRY_COLOUR, "higher": SYMMETRY_COLOUR, "lower": BROKEN_COLOUR}.get(
            result.outcome, "#222")
        self.accuracy_label.setText(result.verdict_text())
        self.accuracy_label.setStyleSheet(f"font-size: 14px; font-weight: bold; color: {colour};")
        pruned = "; ".join(f"{layer}: {', '.join(map(str, indices))}" for layer, indices in result.pruned if indices)
        kept = ("The model now holds the pruned weights: save it to keep them. Find again to see the pruned "
                "filters as near-zero kernels." if result.kept else "The model's weights were restored.")
        kinds = {self._layout.kind(layer) for layer, indices in result.pruned if indices}
        noun = "units" if kinds == {"dense"} else "filters"
        noun = noun[:-1] if result.num_pruned == 1 else noun
        self.prune_note.setText(f"Zeroed {result.num_pruned} {noun} ({pruned or 'none'}). {kept}")
        self._scroll_into_view(self.prune_note)

    def _scroll_into_view(self, widget: QWidget) -> None:
        """Scroll the page that holds this tab (the window's scroll area) until ``widget`` shows."""
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if parent is not None:
            parent.widget().layout().activate()   # the note's new text must be laid out first
            parent.ensureWidgetVisible(self.accuracy_label, 0, 0)
            parent.ensureWidgetVisible(widget, 0, 10)

    def clear_results(self) -> None:
        """Forget the results, and clear the marks announced for the previous model."""
        self._result, self._prune_result = None, None
        self.table.setRowCount(0)
        for bars in self._bars:
            bars.setOpts(x=np.zeros(0), height=np.zeros(0))
        self._dead_markers.setData([], [])
        self.summary_label.setText("Press “Find dead filters”.")
        self.accuracy_label.setText("")
        self.prune_note.setText("")
        for layer in sorted(self._marked):
            self.sig_filters_marked.emit(layer, ())
        self._marked.clear()
        self._update_enabled()

    def result(self):
        """The dead-filter result shown, or None."""
        return self._result

    def set_busy(self, busy: bool) -> None:
        """Disable the request buttons while the model service works."""
        self._busy = bool(busy)
        self._update_enabled()

    # -- internals -----------------------------------------------------------------------------------
    def _dead(self) -> dict[str, tuple[int, ...]]:
        return {} if self._result is None else {layer: indices for layer, indices in self._result.dead.items()
                                                if indices}

    def _update_enabled(self) -> None:
        self.find_button.setEnabled(not self._busy and self.layer_combo.count() > 0)
        self.prune_button.setEnabled(not self._busy and bool(self._dead()))
        self.prune_button.setToolTip(PRUNE_TOOLTIP if self._dead() or self._result is None else
                                     PRUNE_TOOLTIP + " (No dead filters were found: there is nothing to prune.)")

    def _show_bars(self) -> None:
        """Draw the selected layer's peak outputs and kernel norms, dead filters in red."""
        rows = {index.row() for index in self.table.selectedIndexes()}
        if self._result is None or not rows:
            return
        entry = self._result.layers[min(rows)]
        report = entry.report
        dead = np.zeros(report.num_filters, dtype=bool)
        dead[list(report.dead)] = True
        brushes = [pg.mkBrush(BROKEN_COLOUR if flag else "#1f77b4") for flag in dead]
        positions = np.arange(report.num_filters)
        peaks = report.max_activation if report.max_activation is not None else np.zeros(report.num_filters)
        for plot, bars, values in zip(self._bar_plots, self._bars, (peaks, report.kernel_norms)):
            bars.setOpts(x=positions, height=np.asarray(values, dtype=np.float64), width=0.8, brushes=brushes,
                         pens=[pg.mkPen(None)] * report.num_filters)
            plot.setLabel("bottom", f"{entry.unit_name[:-1]} of {entry.layer}")
            plot.setXRange(-0.7, report.num_filters - 0.3, padding=0)
            plot.enableAutoRange(axis="y")
        dead_positions = positions[dead]
        self._dead_markers.setData(dead_positions, np.zeros(len(dead_positions)))

    def _on_selection_changed(self) -> None:
        self._show_bars()

    def _on_find_clicked(self) -> None:
        if self.layer_combo.count() == 0:
            return
        self.sig_science_requested.emit("dead_filters", {"layer": self.layer_combo.currentData(),
                                                         "samples": self.samples_spin.value()})

    def _on_prune_clicked(self) -> None:
        dead = self._dead()
        if not dead:
            return
        self.sig_science_requested.emit("prune", {"filters": {layer: list(indices) for layer, indices in dead.items()},
                                                  "keep": True})
