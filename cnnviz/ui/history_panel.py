"""The history panel: earlier training runs, replayed epoch by epoch, and two runs compared.

A view over the run folders of :mod:`cnnviz.core.runs`. It lists every run (name, engine,
dataset, status, epochs, test accuracy) and shows the selected run's details. An epoch
slider replays the run: the first convolution layer's kernels after that epoch (read
directly from the run's kernel snapshots, so they follow the slider at once), their Fourier
spectra, and the current input's feature maps computed with that epoch's checkpoint. The
feature maps need the model service: moving the slider asks for them through
:attr:`HistoryPanel.sig_replay_requested` (debounced), and the window hands the answer to
:meth:`HistoryPanel.show_replay`. A second tab plots two runs' per-epoch loss and accuracy
(and their per-batch loss, faint) on the same axes; a run that diverged is marked where its
loss broke, and the loss axis turns logarithmic when one run's losses would flatten the other's.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

import cnnviz.ui  # noqa: F401  (configures pyqtgraph before any plot item exists)
from cnnviz.core import config as cfg
from cnnviz.core.runs import RunInfo, list_runs, user_data_dir
from cnnviz.core.spectra import frequency_axes, magnitude_spectrum
from cnnviz.service.payloads import ReplayResult
from cnnviz.ui.layout import PageLayout, hint_label
from cnnviz.ui.plot_items import (
    LOG_SCALE_TOOLTIP,
    DivergenceMarker,
    LegendStrip,
    divergence_point,
    log_scale_reason,
    pad_x_range,
)
from cnnviz.ui.viewers.colour_maps import DIVERGING_COLORMAP
from cnnviz.ui.viewers.filter_grid import FilterGrid
from cnnviz.ui.wording import counted

REPLAY_DELAY_MS = 150
"""How long the epoch slider must rest before the feature maps of that epoch are asked for."""

SPECTRUM_SIZE = 32
"""Kernels are zero-padded to this size before their spectra are taken."""

COLUMNS = ("run", "engine", "dataset", "status", "epochs", "test acc.")
COLUMN_TOOLTIPS = ("The run folder's name (when it started; the engine and dataset are in their own columns).",
                   "The engine that trained the run.", "The dataset it trained on.",
                   "finished, stopped, diverged, or unfinished (still running, or interrupted).",
                   "Epochs with a saved checkpoint.", "Accuracy on the test split at the end of training.")

NO_RUN_HINT = "Select a run in the list to replay its epochs."
NO_INPUT_HINT = ("Draw a digit or pick a sample in the Input panel: its feature maps, computed with the "
                 "weights saved after the chosen epoch, appear here.")
NO_KERNELS_HINT = "This run saved no convolution kernels (its model has no convolution layer)."
COMPARE_HINT = "Dots: epoch means and validation; faint line: every batch; dashed: training accuracy; ✕: diverged."

MIN_TABLE_WIDTH, MAX_TABLE_WIDTH = 360, 480
"""The run list's narrowest width, and the most it claims to show every column and whole run names."""

_RUN_COLOURS = {"A": "#1f77b4", "B": "#ff7f0e"}


def _colour(hex_colour: str, alpha: int):
    colour = pg.mkColor(hex_colour)
    colour.setAlpha(alpha)
    return colour


def describe_architecture(config: cfg.ModelConfig) -> str:
    """A one-line architecture, e.g. ``Conv2D 28×3×3 → MaxPooling2D 2×2 → Dense 10``."""
    parts = []
    for layer in config.layers:
        if isinstance(layer, cfg.Conv2D):
            parts.append(f"Conv2D {layer.filters}×{layer.kernel_size[0]}×{layer.kernel_size[1]}")
        elif isinstance(layer, (cfg.MaxPooling2D, cfg.AveragePooling2D)):
            parts.append(f"{layer.label} {layer.pool_size[0]}×{layer.pool_size[1]}")
        elif isinstance(layer, cfg.Dropout):
            parts.append(f"Dropout {layer.rate:g}")
        elif isinstance(layer, cfg.Dense):
            parts.append(f"Dense {layer.units}")
        else:
            parts.append(layer.label)
    return " → ".join(parts)


def short_name(run: RunInfo) -> str:
    """The run's name without the engine and dataset it repeats (``20250101-120000-numpy-mnist``
    becomes ``20250101-120000``), for lists and legends that show those separately."""
    repeated = f"-{run.engine}-{run.dataset}"
    return run.name.replace(repeated, "", 1) if repeated in run.name and run.name != repeated else run.name


class _GridPage(QStackedWidget):
    """A filter grid, or a hint in its place."""

    def __init__(self, value_label: str, tooltip: str):
        super().__init__()
        self.grid = FilterGrid(value_label=value_label)
        self.grid.setToolTip(tooltip)
        self.hint = hint_label(NO_RUN_HINT)
        self.addWidget(self.hint)
        self.addWidget(self.grid)

    def show_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.setCurrentWidget(self.hint)

    def show_grid(self) -> None:
        self.setCurrentWidget(self.grid)

    def shows_grid(self) -> bool:
        return self.currentWidget() is self.grid


class HistoryPanel(QWidget):
    """Earlier training runs: details, an epoch-by-epoch replay, and a comparison of two runs.

    Parameters
    ----------
    parent : QWidget, optional
    """

    sig_replay_requested = Signal(str, int)
    """Inspect the current input with the checkpoint of this run folder after this epoch (0-based)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._root: Path | None = None
        self._listed = False
        self._runs: list[RunInfo] = []
        self._run: RunInfo | None = None
        self._epoch: int | None = None
        self._kernels: dict[str, np.ndarray] = {}
        self._replay: ReplayResult | None = None
        self._input_available = False
        self._comparison: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._compared_paths: tuple[Path | None, Path | None] = (None, None)
        self._log_scale_chosen_by_user = False
        self._scale_note = ""
        self._epoch_axis_end: float | None = None
        # Whether the x range is ours (both runs' epochs, padded for the markers) rather than a zoom
        # the user chose; only ours is redone when the plots are resized.
        self._x_range_is_ours = True
        self._replay_timer = QTimer(self)
        self._replay_timer.setSingleShot(True)
        self._replay_timer.setInterval(REPLAY_DELAY_MS)
        self._replay_timer.timeout.connect(self._on_replay_due)
        self._build_widgets()
        self._show_run_details()

    # -- construction ------------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.root_label = QLabel()
        self.root_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.root_label.setToolTip("The folder whose run folders are listed.")
        # A long folder wraps instead of widening the page past the window.
        self.root_label.setWordWrap(True)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("List the run folders again (new runs, finished ones).")
        top = QHBoxLayout()
        top.addWidget(self.root_label, 1)
        top.addWidget(self.refresh_button)

        self.run_table = QTableWidget(0, len(COLUMNS))
        self.run_table.setHorizontalHeaderLabels(list(COLUMNS))
        for column, tooltip in enumerate(COLUMN_TOOLTIPS):
            self.run_table.horizontalHeaderItem(column).setToolTip(tooltip)
        self.run_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.run_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.run_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.run_table.verticalHeader().setVisible(False)
        self.run_table.verticalHeader().setDefaultSectionSize(22)
        header = self.run_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.run_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A long name loses its middle (the date and the time stay readable); its tooltip is whole.
        self.run_table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header.setMinimumSectionSize(40)
        self.run_table.setToolTip("Every run folder, newest first. Select one to see its details and "
                                  "replay its epochs.")
        self.run_table.setMinimumHeight(90)
        self.run_table.setMinimumWidth(MIN_TABLE_WIDTH)
        self.details_label = QLabel()
        self.details_label.setWordWrap(True)
        self.details_label.setTextFormat(Qt.TextFormat.RichText)
        self.details_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details_label.setToolTip("The selected run: where it is, what it trained and how it ended.")
        self.details_label.setMinimumWidth(150)
        details_scroll = QScrollArea()
        details_scroll.setWidgetResizable(True)
        details_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        details_scroll.setWidget(self.details_label)
        details_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The runs and the selected run's details side by side above, the replay below with the
        # whole width: the grids of kernels and maps need room more than the list does.
        left = QSplitter(Qt.Orientation.Horizontal)
        left.setChildrenCollapsible(False)
        left.addWidget(self.run_table)
        left.addWidget(details_scroll)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)
        left.setSizes([540, 360])

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_replay_tab(), "Replay epochs")
        self.tabs.addTab(self._build_compare_tab(), "Compare two runs")
        self.tabs.setTabToolTip(0, "Kernels, their spectra and the current input's feature maps after "
                                   "each saved epoch of the selected run.")
        self.tabs.setTabToolTip(1, "Two runs' loss and accuracy per epoch on the same axes.")

        self.tabs.setMinimumHeight(240)
        body = QSplitter(Qt.Orientation.Vertical)
        body.setChildrenCollapsible(False)
        body.addWidget(left)
        body.addWidget(self.tabs)
        # About a third for the list and the details (a laptop screen then shows five runs and
        # most of the details), the rest for the replay and the comparison.
        body.setStretchFactor(0, 1)
        body.setStretchFactor(1, 2)
        body.setSizes([180, 360])

        layout = PageLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(body, 1)

        self.refresh_button.clicked.connect(self._on_refresh_clicked)
        self.run_table.itemSelectionChanged.connect(self._on_run_selection_changed)

    def _build_replay_tab(self) -> QWidget:
        self.epoch_slider = QSlider(Qt.Orientation.Horizontal)
        self.epoch_slider.setRange(1, 1)
        self.epoch_slider.setPageStep(1)
        self.epoch_slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.epoch_slider.setToolTip("The epoch whose saved weights are shown; drag to watch the kernels "
                                     "and feature maps change over training.")
        self.epoch_label = QLabel("epoch —")
        self.epoch_label.setMinimumWidth(110)
        self.epoch_label.setToolTip("The epoch shown, of the run's saved epochs.")
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("The convolution layer whose kernels, spectra and feature maps are shown.")
        self.layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.channel_spin = QSpinBox()
        self.channel_spin.setPrefix("input channel ")
        self.channel_spin.setToolTip("Which input channel's kernels to show (layers after the first have "
                                     "one per filter of the layer before).")
        controls = QHBoxLayout()
        epoch_caption = QLabel("Epoch")
        epoch_caption.setToolTip(self.epoch_slider.toolTip())
        controls.addWidget(epoch_caption)
        controls.addWidget(self.epoch_slider, 1)
        controls.addWidget(self.epoch_label)
        layer_caption = QLabel("Layer")
        layer_caption.setToolTip(self.layer_combo.toolTip())
        controls.addWidget(layer_caption)
        controls.addWidget(self.layer_combo)
        controls.addWidget(self.channel_spin)
        self.channel_spin.setVisible(False)

        self.kernel_page = _GridPage("weight", "The layer's kernels after the chosen epoch, on a diverging "
                                               "scale centred at zero (white = 0).")
        self.spectrum_page = _GridPage("log(1 + |DFT|)", f"Each kernel's Fourier magnitude (log), zero-padded "
                                       f"to {SPECTRUM_SIZE}×{SPECTRUM_SIZE}, zero frequency in the centre.")
        self.feature_page = _GridPage("activation", "The current input's feature maps for the layer, "
                                                    "computed with the weights saved after the chosen epoch.")
        self.view_tabs = QTabWidget()
        self.view_tabs.addTab(self.kernel_page, "Kernels")
        self.view_tabs.addTab(self.spectrum_page, "Kernel spectra")
        self.view_tabs.addTab(self.feature_page, "Feature maps")
        self.view_tabs.setTabToolTip(0, "The learned kernels after the chosen epoch.")
        self.view_tabs.setTabToolTip(1, "The kernels' Fourier magnitude spectra after the chosen epoch.")
        self.view_tabs.setTabToolTip(2, "The current input's feature maps with the chosen epoch's weights.")

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.view_tabs, 1)

        self.epoch_slider.valueChanged.connect(self._on_slider_moved)
        self.layer_combo.currentIndexChanged.connect(self._on_layer_changed)
        self.channel_spin.valueChanged.connect(self._on_channel_changed)
        self._set_replay_enabled(False)
        return page

    def _build_compare_tab(self) -> QWidget:
        self.run_a_combo = QComboBox()
        self.run_b_combo = QComboBox()
        for slot, combo in (("A", self.run_a_combo), ("B", self.run_b_combo)):
            combo.setToolTip(f"Run {slot} of the comparison (drawn in {'blue' if slot == 'A' else 'orange'}).")
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(16)
        self.log_scale_check = QCheckBox("Log scale")
        self.log_scale_check.setToolTip(LOG_SCALE_TOOLTIP)
        selectors = QHBoxLayout()
        for slot, combo in (("A", self.run_a_combo), ("B", self.run_b_combo)):
            caption = QLabel(f"Run {slot}")
            caption.setToolTip(combo.toolTip())
            selectors.addWidget(caption)
            selectors.addWidget(combo, 1)
        selectors.addWidget(self.log_scale_check)

        self.loss_widget = pg.PlotWidget()
        self.accuracy_widget = pg.PlotWidget()
        self.loss_widget.setToolTip("Mean training loss of each epoch (dots) and every batch's loss "
                                    "(faint line) of both runs; a cross and \"diverged\" mark the last "
                                    "finite loss of a run that diverged.")
        self.accuracy_widget.setToolTip("Validation accuracy of each epoch (solid, dots) and training "
                                        "accuracy (dashed) of both runs.")
        self._loss_plot = self.loss_widget.getPlotItem()
        self._accuracy_plot = self.accuracy_widget.getPlotItem()
        # No titles: the axes say what is plotted, and a laptop screen needs the height for the data.
        for plot, label in ((self._loss_plot, "loss"), (self._accuracy_plot, "accuracy")):
            plot.setLabel("bottom", "epoch")
            plot.setLabel("left", label)
            plot.showGrid(x=True, y=True, alpha=0.25)
            for side in ("left", "bottom"):
                plot.getAxis(side).setStyle(maxTickLevel=1)
                plot.getAxis(side).enableAutoSIPrefix(False)
            # Under the x axis, the legend covers no curve and no final-epoch marker.
            LegendStrip.below(plot)
            plot.vb.sigResized.connect(self._on_view_resized)
            plot.vb.sigRangeChangedManually.connect(self._on_range_changed_by_user)
        self._compare_items: dict[tuple[str, str], pg.PlotDataItem] = {}
        for slot, colour in _RUN_COLOURS.items():
            self._compare_items[slot, "batch loss"] = self._plot_item(
                self._loss_plot, pg.mkPen(_colour(colour, 60), width=1))
            self._compare_items[slot, "loss"] = self._plot_item(
                self._loss_plot, pg.mkPen(colour, width=2), symbol="o", brush=colour)
            self._compare_items[slot, "validation accuracy"] = self._plot_item(
                self._accuracy_plot, pg.mkPen(colour, width=2), symbol="o", brush=colour)
            self._compare_items[slot, "training accuracy"] = self._plot_item(
                self._accuracy_plot, pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine),
                symbol="s", brush="w")
        for (slot, metric), item in self._compare_items.items():
            item.setObjectName(f"{slot} {metric}")
        self._compare_items["A", "batch loss"].setDownsampling(auto=True, method="peak")
        self._compare_items["B", "batch loss"].setDownsampling(auto=True, method="peak")
        self._divergence_markers = {slot: DivergenceMarker(colour) for slot, colour in _RUN_COLOURS.items()}
        for marker in self._divergence_markers.values():
            self._loss_plot.addItem(marker)
        self.compare_hint = QLabel("Choose two runs to compare.")
        self.compare_hint.setStyleSheet("color: #555;")
        self.compare_hint.setWordWrap(True)
        self.compare_hint.setToolTip("What the comparison shows.")

        plots = QSplitter(Qt.Orientation.Horizontal)
        plots.setChildrenCollapsible(False)
        plots.addWidget(self.loss_widget)
        plots.addWidget(self.accuracy_widget)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(selectors)
        layout.addWidget(plots, 1)
        layout.addWidget(self.compare_hint)
        self.run_a_combo.currentIndexChanged.connect(self._on_comparison_changed)
        self.run_b_combo.currentIndexChanged.connect(self._on_comparison_changed)
        self.log_scale_check.toggled.connect(self._on_log_scale_toggled)
        self.log_scale_check.clicked.connect(self._on_log_scale_clicked)
        return page

    @staticmethod
    def _plot_item(plot: pg.PlotItem, pen, symbol: str | None = None, brush=None) -> pg.PlotDataItem:
        item = pg.PlotDataItem(pen=pen)
        if symbol is not None:
            item.setSymbol(symbol)
            item.setSymbolSize(7)
            item.setSymbolBrush(pg.mkBrush(brush))
            item.setSymbolPen(pen.color())
        plot.addItem(item)
        return item

    # -- public interface: runs --------------------------------------------------------------------
    def set_runs_root(self, path: str | Path | None) -> None:
        """List the runs under ``path`` (``None``: the user data folder's ``runs/``)."""
        self._root = Path(path) if path is not None else None
        self.refresh()

    def runs_root(self) -> Path:
        """The folder whose runs are listed."""
        return self._root if self._root is not None else user_data_dir() / "runs"

    def refresh(self) -> None:
        """List the runs again, keeping the selected run (and the comparison) when it is still there."""
        selected = self._run.path if self._run is not None else None
        compared = (self._combo_path(self.run_a_combo), self._combo_path(self.run_b_combo))
        self._runs = list_runs(self._root)
        self._listed = True
        self.root_label.setText(f"Runs in {self.runs_root()} — {counted(len(self._runs), 'run')}")
        table = self.run_table
        table.blockSignals(True)
        table.setRowCount(len(self._runs))
        for row, run in enumerate(self._runs):
            self._fill_row(row, run)
        table.clearSelection()
        table.blockSignals(False)
        self._fit_table_width()
        self._fill_compare_combos(compared)
        paths = [run.path for run in self._runs]
        if selected in paths:
            self.select_run(paths.index(selected))
        else:
            self._clear_selection()

    def _fit_table_width(self) -> None:
        """Claim the width of every column's contents (the run names whole, beside a scroll bar), within
        limits: the list otherwise elides the dates and times that tell runs apart."""
        table = self.run_table
        needed = (sum(max(table.sizeHintForColumn(column), table.horizontalHeader().sectionSizeHint(column))
                      for column in range(table.columnCount()))
                  + table.verticalScrollBar().sizeHint().width() + 2 * table.frameWidth())
        table.setMinimumWidth(int(min(max(needed, MIN_TABLE_WIDTH), MAX_TABLE_WIDTH)))

    def _fill_row(self, row: int, run: RunInfo) -> None:
        accuracy = run.test_accuracy
        values = (short_name(run), run.engine, run.dataset, run.status, str(run.num_epochs),
                  "—" if accuracy is None else f"{accuracy:.2%}")
        for column, text in enumerate(values):
            item = QTableWidgetItem(text)
            if column >= 4:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(f"{run.name}\n{run.path}" if column == 0 else text)
            self.run_table.setItem(row, column, item)

    def runs(self) -> list[RunInfo]:
        """The listed runs, newest first."""
        return list(self._runs)

    def selected_run(self) -> RunInfo | None:
        """The selected run, if any."""
        return self._run

    def select_run(self, index: int) -> None:
        """Select run ``index`` of :meth:`runs`: show its details and its last epoch."""
        if not 0 <= index < len(self._runs):
            raise ValueError(f"There are {counted(len(self._runs), 'run')}; index {index} is outside the list.")
        run = self._runs[index]
        changed = self._run is None or self._run.path != run.path
        self._run = RunInfo(run.path)  # read afresh: a run still training gains epochs
        self._runs[index] = self._run
        self.run_table.blockSignals(True)
        self._fill_row(index, self._run)
        self.run_table.selectRow(index)
        self.run_table.blockSignals(False)
        if changed:
            self._replay = None
        self._show_run_details()
        num_epochs = self._run.num_epochs
        self._set_replay_enabled(num_epochs > 0)
        if num_epochs == 0:
            self._epoch = None
            self.epoch_label.setText("no epoch saved")
            for page in (self.kernel_page, self.spectrum_page, self.feature_page):
                page.show_hint("This run has no saved epoch yet (it stopped or failed before the first "
                               "epoch ended).")
            return
        self.epoch_slider.blockSignals(True)
        # Position 0 is the weights before training, when the run saved them.
        self.epoch_slider.setRange(0 if self._run.has_initial else 1, num_epochs)
        self.epoch_slider.blockSignals(False)
        epoch = num_epochs - 1 if changed or self._epoch is None else min(self._epoch, num_epochs - 1)
        self._show_epoch(epoch)
        self._replay_timer.start()

    # -- public interface: replay ------------------------------------------------------------------
    def set_epoch(self, epoch: int) -> None:
        """Show epoch ``epoch`` (0-based; -1: the weights before training) of the selected run and ask
        for its feature maps at once."""
        if self._run is None:
            raise ValueError("Select a run first.")
        first = -1 if self._run.has_initial else 0
        if not first <= epoch < self._run.num_epochs:
            raise ValueError(f"The run {self._run.name} saved {counted(self._run.num_epochs, 'epoch')} (0 to "
                             f"{self._run.num_epochs - 1}); received epoch {epoch}.")
        self._show_epoch(epoch)
        self._replay_timer.stop()
        self._request_replay()

    def epoch(self) -> int | None:
        """The epoch shown (0-based), or ``None``."""
        return self._epoch

    def set_input_available(self, available: bool) -> None:
        """Whether the window has an input to replay (without one, the feature maps tab says how to
        get one)."""
        self._input_available = bool(available)
        self._show_feature_maps()

    def show_replay(self, result: ReplayResult) -> None:
        """Show the feature maps of a replay, if it is for the selected run (an older epoch's answer
        is shown until the newest arrives)."""
        if self._run is None or Path(result.run_path) != self._run.path:
            return
        self._replay = result
        self._input_available = True
        self._show_feature_maps()

    def layer(self) -> str | None:
        """The convolution layer shown."""
        return self.layer_combo.currentText() or None

    def set_layer(self, name: str) -> None:
        """Show the convolution layer ``name``."""
        index = self.layer_combo.findText(name)
        if index < 0:
            raise ValueError(f"No convolution layer {name!r}; the run has "
                             f"{', '.join(self._kernels) or 'none'}.")
        self.layer_combo.setCurrentIndex(index)

    # -- public interface: comparison --------------------------------------------------------------
    def compare(self, index_a: int, index_b: int) -> None:
        """Plot runs ``index_a`` and ``index_b`` of :meth:`runs` on the comparison tab."""
        for index in (index_a, index_b):
            if not 0 <= index < len(self._runs):
                raise ValueError(f"There are {counted(len(self._runs), 'run')}; index {index} is outside the list.")
        for combo, index in ((self.run_a_combo, index_a), (self.run_b_combo, index_b)):
            combo.blockSignals(True)
            combo.setCurrentIndex(index)
            combo.blockSignals(False)
        self._draw_comparison()

    def comparison_curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The comparison's curves: ``"A: <short run name> — <metric>"`` → (x, y), metric one of ``loss``,
        ``batch loss``, ``validation accuracy``, ``training accuracy``; empty ones left out."""
        return dict(self._comparison)

    def comparison_legend(self, plot: str = "loss") -> list[str]:
        """The entries of the comparison's ``"loss"`` or ``"accuracy"`` legend."""
        return (self._loss_plot if plot == "loss" else self._accuracy_plot).legend.labels()

    def divergence_positions(self) -> dict[str, tuple[float, float]]:
        """Where each compared run diverged (``"A"``/``"B"`` → its last finite loss), for runs that did."""
        return {slot: marker.position() for slot, marker in self._divergence_markers.items()
                if marker.position() is not None}

    def scale_note_text(self) -> str:
        """Why the comparison's loss axis was made logarithmic (empty when it was not)."""
        return self._scale_note

    # -- replay drawing ----------------------------------------------------------------------------
    def _set_replay_enabled(self, enabled: bool) -> None:
        self.epoch_slider.setEnabled(enabled)
        self.layer_combo.setEnabled(enabled and self.layer_combo.count() > 1)
        if not enabled:
            self.channel_spin.setVisible(False)

    def _show_epoch(self, epoch: int) -> None:
        """Move to ``epoch``: slider, label, and the kernels and spectra read from the run folder."""
        self._epoch = epoch
        self.epoch_slider.blockSignals(True)
        self.epoch_slider.setValue(epoch + 1)
        self.epoch_slider.blockSignals(False)
        self.epoch_label.setText("before training" if epoch < 0 else f"epoch {epoch + 1} of {self._run.num_epochs}")
        try:
            self._kernels = self._run.kernels_at(epoch)
        except (OSError, ValueError) as error:
            self._kernels = {}
            which = "from before training" if epoch < 0 else f"of epoch {epoch + 1}"
            message = f"The kernels {which} could not be read: {error}."
            self.kernel_page.show_hint(message)
            self.spectrum_page.show_hint(message)
        else:
            self._fill_layer_combo()
            self._show_kernels()
        self._show_feature_maps()

    def _fill_layer_combo(self) -> None:
        """The run's convolution layers, in network order (kept when they are the same)."""
        config = self._run.config() if self._run is not None else None
        order = config.layer_names() if config is not None else []
        names = sorted(self._kernels, key=lambda name: order.index(name) if name in order else len(order))
        current = [self.layer_combo.itemText(index) for index in range(self.layer_combo.count())]
        if names != current:
            previous = self.layer_combo.currentText()
            self.layer_combo.blockSignals(True)
            self.layer_combo.clear()
            self.layer_combo.addItems(names)
            if previous in names:
                self.layer_combo.setCurrentIndex(names.index(previous))
            self.layer_combo.blockSignals(False)
        self.layer_combo.setEnabled(len(names) > 1)

    def _show_kernels(self) -> None:
        layer = self.layer()
        if layer is None or layer not in self._kernels:
            self.kernel_page.show_hint(NO_KERNELS_HINT)
            self.spectrum_page.show_hint(NO_KERNELS_HINT)
            self.channel_spin.setVisible(False)
            return
        kernel = np.asarray(self._kernels[layer], dtype=np.float32)      # (kh, kw, in, out)
        num_channels = kernel.shape[2]
        self.channel_spin.blockSignals(True)
        self.channel_spin.setRange(0, num_channels - 1)
        self.channel_spin.blockSignals(False)
        self.channel_spin.setVisible(num_channels > 1)
        channel = self.channel_spin.value()
        weights = kernel[:, :, channel, :]                                 # (kh, kw, out)
        titles = [f"filter {index}" for index in range(weights.shape[2])]
        epoch_text = f"epoch {self._epoch + 1}"
        channel_text = f", input channel {channel}" if num_channels > 1 else ""
        self.kernel_page.grid.set_images(np.moveaxis(weights, -1, 0), titles, colormap=DIVERGING_COLORMAP,
                                         symmetric=True, shared_scale=True)
        self.kernel_page.grid.set_title(f"Kernels — {layer}, {epoch_text} ({weights.shape[2]} × "
                                        f"{weights.shape[0]}×{weights.shape[1]}{channel_text})")
        self.kernel_page.show_grid()
        size = max(SPECTRUM_SIZE, *weights.shape[:2])
        spectra = np.moveaxis(magnitude_spectrum(weights, size=size), -1, 0)
        frequency_y, frequency_x = frequency_axes(size)
        extent = (frequency_x[0] - 0.5 / size, frequency_x[-1] + 0.5 / size,
                  frequency_y[0] - 0.5 / size, frequency_y[-1] + 0.5 / size)
        self.spectrum_page.grid.set_images(spectra, titles, colormap="inferno", symmetric=False,
                                           shared_scale=False, extent=extent,
                                           axis_labels=("fx (cycles/pixel)", "fy (cycles/pixel)"))
        self.spectrum_page.grid.set_title(f"Kernel spectra — {layer}, {epoch_text} (padded to "
                                          f"{size}×{size}{channel_text})")
        self.spectrum_page.show_grid()

    def _show_feature_maps(self) -> None:
        page = self.feature_page
        if self._run is None or self._epoch is None:
            page.show_hint(NO_RUN_HINT)
            return
        replay = self._replay
        if replay is None:
            page.show_hint(f"Computing the feature maps after epoch {self._epoch + 1}…" if self._input_available
                           else NO_INPUT_HINT)
            return
        layer = self.layer()
        maps = replay.inspection.feature_maps.get(layer) if layer is not None else None
        if maps is None or np.ndim(maps) != 4:
            page.show_hint(f"The replay has no feature maps for layer {layer}.")
            return
        maps = np.asarray(maps, dtype=np.float32)[0]                       # (h, w, filters)
        page.grid.set_images(np.moveaxis(maps, -1, 0), [f"filter {index}" for index in range(maps.shape[2])],
                             colormap="viridis", symmetric=False, shared_scale=True)
        page.grid.set_reference(np.asarray(replay.inspection.image, dtype=np.float32)[0].mean(axis=-1), "Input")
        waiting = "" if replay.epoch == self._epoch else f" (updating to epoch {self._epoch + 1}…)"
        page.grid.set_title(f"Feature maps — {layer}, epoch {replay.epoch + 1}{waiting}")
        page.show_grid()

    def replay_shown(self) -> ReplayResult | None:
        """The replay whose feature maps are shown, if any."""
        return self._replay if self.feature_page.shows_grid() else None

    def _request_replay(self) -> None:
        if self._run is not None and self._epoch is not None:
            self.sig_replay_requested.emit(str(self._run.path), int(self._epoch))

    # -- details -----------------------------------------------------------------------------------
    def _clear_selection(self) -> None:
        self._run, self._epoch, self._replay, self._kernels = None, None, None, {}
        self._replay_timer.stop()
        self._show_run_details()
        self._set_replay_enabled(False)
        self.epoch_label.setText("epoch —")
        for page in (self.kernel_page, self.spectrum_page, self.feature_page):
            page.show_hint(NO_RUN_HINT if self._runs else self._no_runs_text())

    def _no_runs_text(self) -> str:
        return (f"No runs under {self.runs_root()} yet. Train a model (Train in the Model panel, or "
                "cnnviz train), then press Refresh.")

    def _show_run_details(self) -> None:
        run = self._run
        if run is None:
            self.details_label.setText(html.escape(NO_RUN_HINT if self._runs or not self._listed
                                                   else self._no_runs_text()))
            return
        info = run.info
        lines = [f"<b>{html.escape(run.name)}</b>",
                 f"<span style='color:#555'>{html.escape(str(run.path))}</span>",
                 f"{html.escape(run.engine)} engine · {html.escape(run.dataset)} · {html.escape(run.status)}"]
        if info.get("started"):
            lines.append(f"Started {html.escape(str(info['started']).replace('T', ' '))}")
        counts = [f"{info[key]:,} {label}" for key, label in (("num_train", "training"),
                                                              ("num_validation", "validation"),
                                                              ("num_test", "test"))
                  if isinstance(info.get(key), int)]
        if counts:
            lines.append("Images: " + ", ".join(counts))
        config = run.config()
        if config is not None:
            training = config.training
            lines.append(f"Model: {html.escape(describe_architecture(config))}")
            lines.append(f"Training: {html.escape(training.optimizer)} at {training.learning_rate:g}, batch "
                         f"{training.batch_size}, {counted(training.epochs, 'epoch')}, initializer "
                         f"{html.escape(config.initializer.name)}")
        history = run.epoch_history()
        if history:
            last = history[-1]
            text = f"Last epoch ({len(history)}): loss {_number(last.get('loss'), '.4f')}, accuracy " \
                   f"{_number(last.get('accuracy'), '.1%')}"
            if last.get("val_accuracy") is not None:
                text += f", validation accuracy {_number(last.get('val_accuracy'), '.1%')}"
            lines.append(text)
        if run.test_accuracy is not None:
            lines.append(f"Test accuracy: <b>{run.test_accuracy:.2%}</b>")
        self.details_label.setText("<br>".join(lines))

    # -- comparison drawing ------------------------------------------------------------------------
    def _combo_path(self, combo: QComboBox) -> Path | None:
        data = combo.currentData()
        return Path(data) if data else None

    def _fill_compare_combos(self, previous: tuple[Path | None, Path | None]) -> None:
        paths = [run.path for run in self._runs]
        for position, combo in enumerate((self.run_a_combo, self.run_b_combo)):
            combo.blockSignals(True)
            combo.clear()
            for run in self._runs:
                combo.addItem(f"{short_name(run)} — {run.engine}, {run.dataset}", str(run.path))
                combo.setItemData(combo.count() - 1, str(run.path), Qt.ItemDataRole.ToolTipRole)
            if previous[position] in paths:
                combo.setCurrentIndex(paths.index(previous[position]))
            else:
                combo.setCurrentIndex(min(position, len(paths) - 1))
            combo.blockSignals(False)
        self._draw_comparison()

    def _draw_comparison(self) -> None:
        self._comparison = {}
        for plot in (self._loss_plot, self._accuracy_plot):
            plot.legend.clear()
        chosen = [(slot, combo.currentIndex()) for slot, combo in (("A", self.run_a_combo), ("B", self.run_b_combo))]
        paths = tuple(self._runs[index].path if 0 <= index < len(self._runs) else None for _, index in chosen)
        if paths != self._compared_paths:
            # Other runs: the scale is chosen for them afresh.
            self._compared_paths = paths
            self._log_scale_chosen_by_user = False
        losses_per_run, ends = [], [0.0]
        for slot, index in chosen:
            run = self._runs[index] if 0 <= index < len(self._runs) else None
            curves, divergence = self._run_curves(run) if run is not None else ({}, None)
            # A run without a finished epoch has only its batch line: drawn stronger, it is not lost.
            alpha = 60 if "loss" in curves else 200
            self._compare_items[slot, "batch loss"].setPen(pg.mkPen(_colour(_RUN_COLOURS[slot], alpha), width=1.5))
            for metric in ("batch loss", "loss", "validation accuracy", "training accuracy"):
                x, y = curves.get(metric, (np.zeros(0), np.zeros(0)))
                self._compare_items[slot, metric].setData(x, y)
                if len(x):
                    self._comparison[f"{slot}: {short_name(run)} — {metric}"] = (x, y)
                    ends.append(float(x.max()))
            self._divergence_markers[slot].place(*(divergence or (None, None)))
            if run is None:
                continue
            losses_per_run.append(np.concatenate([curves[metric][1] for metric in ("batch loss", "loss")
                                                  if metric in curves] or [np.zeros(0)]))
            self._add_loss_legend(slot, run, curves, diverged=run.status == "diverged" or divergence is not None)
            for metric, short in (("validation accuracy", "validation"), ("training accuracy", "training")):
                if metric in curves:
                    self._accuracy_plot.legend.addItem(self._compare_items[slot, metric], f"{slot}: {short}")
        self._epoch_axis_end = max(ends) if len(ends) > 1 else None
        self._x_range_is_ours = True
        self._apply_x_range()
        if not self._log_scale_chosen_by_user:
            reason = log_scale_reason(losses_per_run)
            self._scale_note = reason or ""
            self.log_scale_check.setChecked(reason is not None)
        if not self._runs:
            self.compare_hint.setText("No runs to compare yet.")
        elif chosen[0][1] == chosen[1][1]:
            self.compare_hint.setText("Both sides show the same run; choose another for Run B.")
        else:
            self.compare_hint.setText(" ".join(filter(None, (self._scale_note, COMPARE_HINT))))

    def _add_loss_legend(self, slot: str, run: RunInfo, curves: dict, diverged: bool) -> None:
        """One loss entry per run: on its epoch dots, or on its batch line when no epoch ended."""
        metric = "loss" if "loss" in curves or "batch loss" not in curves else "batch loss"
        name = f"{slot}: {short_name(run)}"
        if "loss" not in curves and "batch loss" not in curves:
            name += " (no finite loss)"
        elif diverged:
            name += " (diverged)"
        self._loss_plot.legend.addItem(self._compare_items[slot, metric], name)

    def _apply_x_range(self) -> None:
        """Both plots show every epoch of both runs, with room for the markers at the ends."""
        if self._epoch_axis_end is None:
            for plot in (self._loss_plot, self._accuracy_plot):
                plot.enableAutoRange(x=True)
            return
        for plot in (self._loss_plot, self._accuracy_plot):
            plot.enableAutoRange(x=False)
            pad_x_range(plot.vb, 0.0, self._epoch_axis_end)

    @staticmethod
    def _run_curves(run: RunInfo) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], tuple[float, float] | None]:
        """A run's history as plottable curves (x: the epoch, the end of epoch e at e + 1; non-finite
        values left out), and where its loss diverged, if it did."""
        curves = {}
        epochs = run.epoch_history()
        for metric, key in (("loss", "loss"), ("validation accuracy", "val_accuracy"),
                            ("training accuracy", "accuracy")):
            points = [(row["epoch"] + 1.0, row[key]) for row in epochs
                      if row.get(key) is not None and math.isfinite(row[key])]
            if points:
                curves[metric] = (np.array([x for x, _ in points]), np.array([y for _, y in points]))
        steps = run.step_history()
        x = np.array([row["epoch"] + (row["batch"] + 1.0) / max(row["num_batches"] or 1.0, 1.0) for row in steps])
        y = np.array([math.nan if row.get("loss") is None else row["loss"] for row in steps], dtype=float)
        finite = np.isfinite(y)
        if finite.any():
            curves["batch loss"] = (x[finite], y[finite])
        divergence = divergence_point(x, y, diverged=run.status == "diverged") if len(steps) else None
        if divergence is None and run.status == "diverged" and "loss" in curves:
            divergence = (float(curves["loss"][0][-1]), float(curves["loss"][1][-1]))
        return curves, divergence

    # -- slots -------------------------------------------------------------------------------------
    def _on_refresh_clicked(self) -> None:
        self.refresh()

    def _on_run_selection_changed(self) -> None:
        rows = sorted({index.row() for index in self.run_table.selectionModel().selectedRows()})
        if rows:
            self.select_run(rows[0])

    def _on_slider_moved(self, value: int) -> None:
        if self._run is None:
            return
        self._show_epoch(value - 1)
        self._replay_timer.start()

    def _on_replay_due(self) -> None:
        self._request_replay()

    def _on_layer_changed(self) -> None:
        self.channel_spin.blockSignals(True)
        self.channel_spin.setValue(0)
        self.channel_spin.blockSignals(False)
        self._show_kernels()
        self._show_feature_maps()

    def _on_channel_changed(self) -> None:
        self._show_kernels()

    def _on_comparison_changed(self) -> None:
        self._draw_comparison()

    def _on_log_scale_toggled(self, checked: bool) -> None:
        self._loss_plot.setLogMode(y=checked)
        self._loss_plot.enableAutoRange(y=True)
        if not checked and not self._log_scale_chosen_by_user:
            self._scale_note = ""

    def _on_log_scale_clicked(self) -> None:
        self._log_scale_chosen_by_user = True
        self._scale_note = ""
        self._draw_comparison()

    def _on_view_resized(self, view_box) -> None:
        # The markers' room is counted in pixels, so a resized view needs its padding redone.
        if self._x_range_is_ours:
            self._apply_x_range()

    def _on_range_changed_by_user(self, *args) -> None:
        self._x_range_is_ours = False

    def showEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        """List the runs the first time the panel is shown."""
        super().showEvent(event)
        if not self._listed:
            self.refresh()


def _number(value, spec: str) -> str:
    return "—" if value is None or not math.isfinite(value) else format(value, spec)
