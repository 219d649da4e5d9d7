"""Live training curves: per-batch and per-epoch loss and accuracy, with earlier runs overlaid.

The monitor is a view over the model service's training signals (``TrainingProgress``,
``EpochResult``, ``TrainingFinished``). Every step is kept in growing NumPy buffers, so a run of
100,000+ batches stays smooth: each update appends a whole chunk of steps at once and calls
``setData`` on plot items that live as long as their run.

The x axis is the fractional epoch: batch ``b`` (counting from 0) of epoch ``e`` out of ``n``
batches sits at ``e + (b + 1) / n``, so the end of epoch ``e`` is at ``e + 1``, where that
epoch's mean loss and accuracy are drawn. The legends sit under the plots, beside the data; a
run whose loss becomes NaN or infinite is marked "diverged" at its last finite loss.
"""

from __future__ import annotations

import csv
import functools
import io
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

import cnnviz.ui  # noqa: F401  (configures pyqtgraph before any plot item exists)
from cnnviz.core.results import EpochResult, StepResult, frozen
from cnnviz.service.payloads import TrainingFinished, TrainingProgress
from cnnviz.ui.plots.legend_strip import (
    LOG_SCALE_TOOLTIP,
    DivergenceMarker,
    ElidedTitle,
    LegendStrip,
    divergence_point,
    log_scale_reason,
    pad_x_range,
)

HISTORY_COLUMNS = ("epoch", "batch", "num_batches", "loss", "accuracy", "samples_seen", "elapsed",
                   "learning_rate")
"""The per-batch history's columns, in the order ``history_csv`` writes them."""

STATUS_TOOLTIP = "The latest training step and epoch of the current run, and how it ended."

_INTEGER_COLUMNS = frozenset({"epoch", "batch", "num_batches", "samples_seen"})

# Tableau's ten colours: distinct on white and for most colour-vision deficiencies.
_RUN_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf")

# Opacities (0-255): the current run's curves and an earlier run's faint overlay.
_BATCH_ALPHA, _EARLIER_BATCH_ALPHA = 110, 40
_EPOCH_ALPHA, _EARLIER_EPOCH_ALPHA = 255, 120

# Steps per block of the moving-average computation: big enough to vectorize, small enough that
# the lower-triangular weight matrix stays cheap.
_AVERAGE_BLOCK = 256


class _GrowingColumns:
    """Columns of float64 that grow by doubling their capacity, so appending is amortized O(1).

    Parameters
    ----------
    num_columns : int
        How many columns; each is stored contiguously, so ``column(i)`` is a cheap view.
    """

    def __init__(self, num_columns: int, capacity: int = 1024):
        self._data = np.empty((num_columns, capacity))
        self.size = 0

    def append(self, rows: np.ndarray) -> None:
        """Append ``rows``, shape (num_columns, m)."""
        count = rows.shape[1]
        needed = self.size + count
        capacity = self._data.shape[1]
        if needed > capacity:
            while capacity < needed:
                capacity *= 2
            grown = np.empty((self._data.shape[0], capacity))
            grown[:, :self.size] = self._data[:, :self.size]
            self._data = grown
        self._data[:, self.size:needed] = rows
        self.size = needed

    def column(self, index: int) -> np.ndarray:
        """The filled part of column ``index``, shape (size,); a view, valid until the next append."""
        return self._data[index, :self.size]

    def last(self, index: int) -> float:
        """The last value of column ``index`` (NaN when empty)."""
        return float(self._data[index, self.size - 1]) if self.size else math.nan


@functools.lru_cache(maxsize=8)
def _moving_average_weights(alpha: float, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The exponential moving average of ``size`` values as a matrix product.

    Returns ``(weights, carry)``: ``weights`` shape (size, size) is lower-triangular with
    ``alpha * (1 - alpha) ** (k - j)``; ``carry`` shape (size,) is ``(1 - alpha) ** (k + 1)``, the
    weight of the average before the block. Cached: read-only arrays.
    """
    decay = 1.0 - alpha
    offsets = np.arange(size)[:, None] - np.arange(size)[None, :]
    weights = np.where(offsets >= 0, alpha * decay ** np.maximum(offsets, 0), 0.0)
    return frozen(weights), frozen(decay ** (np.arange(size) + 1.0))


def _exponential_moving_average(values: np.ndarray, alpha: float, previous: float | None) -> np.ndarray:
    """Exponential moving average of ``values`` (shape (m,)), continuing from ``previous``.

    ``average[k] = alpha * values[k] + (1 - alpha) * average[k - 1]``; without a previous average
    the series starts at its first value.
    """
    averages = np.empty(len(values))
    if len(values) == 0:
        return averages
    if previous is None:
        previous = float(values[0])
    weights, carry = _moving_average_weights(alpha, _AVERAGE_BLOCK)
    for start in range(0, len(values), _AVERAGE_BLOCK):
        block = values[start:start + _AVERAGE_BLOCK]
        size = len(block)
        averages[start:start + size] = weights[:size, :size] @ block + carry[:size] * previous
        previous = averages[start + size - 1]
    return averages


def _colour(hex_colour: str, alpha: int):
    """A QColor from ``hex_colour`` with opacity ``alpha`` (0-255)."""
    colour = pg.mkColor(hex_colour)
    colour.setAlpha(alpha)
    return colour


class _Run:
    """One training run: its step history, its buffers of drawable points and its plot items.

    The items are created once and updated with ``setData``; an earlier run keeps them, faded.
    """

    def __init__(self, label: str, colour: str, loss_plot: pg.PlotItem, accuracy_plot: pg.PlotItem):
        self.label = label
        self.colour = colour
        self.history = _GrowingColumns(len(HISTORY_COLUMNS) + 1)  # + the fractional epoch
        self.loss_points = _GrowingColumns(2)          # fractional epoch, finite loss
        self.accuracy_points = _GrowingColumns(2)      # fractional epoch, smoothed finite accuracy
        self.epochs: dict[int, EpochResult] = {}
        self.total_epochs: int | None = None
        self.finished: TrainingFinished | None = None
        self._average_alpha: float | None = None
        self._average: float | None = None
        self._saw_non_finite_loss = False

        self.batch_loss = self._item("batch loss", loss_plot)
        self.epoch_loss = self._item("epoch loss", loss_plot)
        self.validation_loss = self._item("validation loss", loss_plot)
        self.batch_accuracy = self._item("batch accuracy", accuracy_plot)
        self.epoch_accuracy = self._item("epoch accuracy", accuracy_plot)
        self.validation_accuracy = self._item("validation accuracy", accuracy_plot)
        self.divergence = DivergenceMarker(colour)
        loss_plot.addItem(self.divergence)
        for item in (self.batch_loss, self.batch_accuracy):
            item.setDownsampling(auto=True, method="peak")
            item.setClipToView(True)
        self.style(current=True)

    @staticmethod
    def _item(name: str, plot: pg.PlotItem) -> pg.PlotDataItem:
        item = pg.PlotDataItem()
        item.setObjectName(name)
        plot.addItem(item)
        return item

    def loss_items(self) -> tuple[pg.PlotDataItem, ...]:
        """The run's items on the loss plot."""
        return (self.batch_loss, self.epoch_loss, self.validation_loss, self.divergence)

    def accuracy_items(self) -> tuple[pg.PlotDataItem, ...]:
        """The run's items on the accuracy plot."""
        return (self.batch_accuracy, self.epoch_accuracy, self.validation_accuracy)

    def style(self, current: bool) -> None:
        """Draw the run as the current one (strong) or as an earlier run's faint overlay."""
        batch_alpha = _BATCH_ALPHA if current else _EARLIER_BATCH_ALPHA
        epoch_alpha = _EPOCH_ALPHA if current else _EARLIER_EPOCH_ALPHA
        batch_pen = pg.mkPen(_colour(self.colour, batch_alpha), width=1)
        epoch_colour = _colour(self.colour, epoch_alpha)
        symbol_size = 8 if current else 6
        for item in (self.batch_loss, self.batch_accuracy):
            item.setPen(batch_pen)
        for item in (self.epoch_loss, self.epoch_accuracy):
            item.setPen(pg.mkPen(epoch_colour, width=2 if current else 1.5))
            item.setSymbol("o")
            item.setSymbolSize(symbol_size)
            item.setSymbolBrush(epoch_colour)
            item.setSymbolPen(pg.mkPen(epoch_colour))
        for item in (self.validation_loss, self.validation_accuracy):
            item.setPen(pg.mkPen(epoch_colour, width=2 if current else 1.5, style=Qt.PenStyle.DashLine))
            item.setSymbol("s")
            item.setSymbolSize(symbol_size)
            item.setSymbolBrush(pg.mkBrush("w"))
            item.setSymbolPen(pg.mkPen(epoch_colour, width=1.5))
        self.divergence.setOpacity(1.0 if current else 0.5)

    def add_steps(self, steps: tuple[StepResult, ...]) -> None:
        """Append ``steps`` to the history and redraw the batch curves (one ``setData`` each)."""
        rows = np.array([(step.epoch, step.batch, step.num_batches, step.loss, step.accuracy,
                          step.samples_seen, step.elapsed, step.learning_rate) for step in steps],
                        dtype=np.float64).T
        epoch, batch, num_batches, loss, accuracy = rows[0], rows[1], rows[2], rows[3], rows[4]
        position = epoch + (batch + 1.0) / np.maximum(num_batches, 1.0)
        self.history.append(np.vstack([rows, position]))

        finite_loss = np.isfinite(loss)
        if not self._saw_non_finite_loss and not finite_loss.all():
            # Mark where the loss broke: the last finite point before it, in this chunk or earlier.
            self._saw_non_finite_loss = True
            point = divergence_point(position, loss)
            if point is None and self.loss_points.size:
                point = (self.loss_points.last(0), self.loss_points.last(1))
            if point is not None:
                self.divergence.place(*point)
        if finite_loss.any():
            self.loss_points.append(np.vstack([position[finite_loss], loss[finite_loss]]))
            self.batch_loss.setData(self.loss_points.column(0), self.loss_points.column(1))

        finite_accuracy = np.isfinite(accuracy)
        if finite_accuracy.any():
            if self._average_alpha is None:
                # Smooth over about a tenth of an epoch (between 5 and 100 batches).
                span = min(max(float(num_batches[0]) / 10.0, 5.0), 100.0)
                self._average_alpha = 2.0 / (span + 1.0)
            averages = _exponential_moving_average(accuracy[finite_accuracy], self._average_alpha,
                                                    self._average)
            self._average = float(averages[-1])
            self.accuracy_points.append(np.vstack([position[finite_accuracy], averages]))
            self.batch_accuracy.setData(self.accuracy_points.column(0),
                                        self.accuracy_points.column(1))

    def add_epoch(self, result: EpochResult) -> None:
        """Record ``result`` (replacing an earlier result for the same epoch) and redraw."""
        self.epochs[result.epoch] = result
        self.total_epochs = result.num_epochs
        ordered = [self.epochs[index] for index in sorted(self.epochs)]
        self._set_finite(self.epoch_loss, ordered, "loss")
        self._set_finite(self.epoch_accuracy, ordered, "accuracy")
        self._set_finite(self.validation_loss, ordered, "val_loss")
        self._set_finite(self.validation_accuracy, ordered, "val_accuracy")

    @staticmethod
    def _set_finite(item: pg.PlotDataItem, epochs: list[EpochResult], field: str) -> None:
        """Draw ``field`` of each epoch at the epoch's end, leaving out ``None`` and non-finite values."""
        points = [(result.epoch + 1.0, float(getattr(result, field))) for result in epochs
                  if getattr(result, field) is not None and math.isfinite(getattr(result, field))]
        positions = np.array([point[0] for point in points], dtype=np.float64)
        values = np.array([point[1] for point in points], dtype=np.float64)
        item.setData(positions, values)

    def mark_diverged(self) -> None:
        """Mark the run as diverged at its last finite loss, unless a NaN or infinity marked it already."""
        if self.divergence.position() is None and self.loss_points.size:
            self.divergence.place(self.loss_points.last(0), self.loss_points.last(1))

    def diverged(self) -> bool:
        """Whether the loss became NaN or infinite, or the run ended as diverged."""
        return self._saw_non_finite_loss or (self.finished is not None and self.finished.reason == "diverged")

    def has_validation(self) -> bool:
        """Whether any epoch of this run had validation metrics."""
        return any(result.val_accuracy is not None for result in self.epochs.values())

    def is_empty(self) -> bool:
        """Whether the run has neither steps nor epochs."""
        return self.history.size == 0 and not self.epochs


class TrainingMonitor(QWidget):
    """Live loss and accuracy curves of training runs, with earlier runs overlaid for comparison.

    Connect the model service's ``sig_training_progress`` to :meth:`add_progress`,
    ``sig_epoch_finished`` to :meth:`add_epoch` and ``sig_training_finished`` to
    :meth:`finish_run`, and call :meth:`start_run` when a run begins.

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._current: _Run | None = None
        self._earlier: list[_Run] = []
        self._num_runs_started = 0
        self._epoch_axis_end: float | None = None
        # Whether the x range is ours (the whole run, padded for its markers) rather than a zoom
        # the user chose; only ours is redone when the plot is resized.
        self._x_range_is_ours = False
        # Once the user clicks Log scale, the automatic choice stays off until Clear.
        self._log_scale_chosen_by_user = False
        self._scale_note = ""

        self._log_scale_check = QCheckBox("Log scale")
        self._log_scale_check.setToolTip(LOG_SCALE_TOOLTIP + " Losses that are not finite or not positive "
                                         "are left out.")
        self._keep_runs_check = QCheckBox("Keep earlier runs")
        self._keep_runs_check.setToolTip("When a new run starts, keep the previous runs' curves as "
                                         "faint overlays for comparison; otherwise remove them.")
        self._batch_accuracy_check = QCheckBox("Batch accuracy")
        self._batch_accuracy_check.setChecked(True)
        self._batch_accuracy_check.setToolTip("Show each batch's training accuracy, smoothed with an "
                                              "exponential moving average over about a tenth of "
                                              "an epoch.")
        self._clear_button = QPushButton("Clear")
        self._clear_button.setToolTip("Remove every curve, of the current run and earlier runs.")

        self._loss_widget = pg.PlotWidget()
        self._accuracy_widget = pg.PlotWidget()
        self._loss_widget.setToolTip("Training loss of every batch (thin line), its mean over each "
                                     "epoch (dots) and the validation loss (squares, dashed).")
        self._accuracy_widget.setToolTip("Training accuracy of each epoch (dots), validation accuracy "
                                         "(squares, dashed) and the smoothed batch accuracy "
                                         "(thin line).")
        for widget in (self._loss_widget, self._accuracy_widget):
            # Low enough that the plots, the controls and a two-line status fit a short dock.
            widget.setMinimumSize(280, 150)
        self._loss_plot = self._loss_widget.getPlotItem()
        self._accuracy_plot = self._accuracy_widget.getPlotItem()
        self._loss_title = self._setup_plot(self._loss_plot, "Loss", "cross-entropy")
        self._accuracy_title = self._setup_plot(self._accuracy_plot, "Accuracy", "fraction correct")

        self._status_label = QLabel()
        self._status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._status_label.setWordWrap(True)
        # Room for two lines, claimed up front: a docked layout does not grow for a wrapped line,
        # which would then be drawn over the plots' legends.
        self._status_label.setMinimumHeight(2 * self._status_label.fontMetrics().lineSpacing() + 4)
        self._status_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._status_label.setToolTip(STATUS_TOOLTIP)

        controls = QHBoxLayout()
        controls.addWidget(self._log_scale_check)
        controls.addWidget(self._keep_runs_check)
        controls.addWidget(self._batch_accuracy_check)
        controls.addStretch(1)
        controls.addWidget(self._clear_button)

        plots = QSplitter(Qt.Orientation.Horizontal)
        plots.setChildrenCollapsible(False)
        plots.addWidget(self._loss_widget)
        plots.addWidget(self._accuracy_widget)
        # Until a run starts the plots are hidden, so an idle monitor needs two lines of the window's
        # height, not a third of it; they appear when training starts.
        self._plots = plots
        plots.setVisible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(plots, 1)
        layout.addWidget(self._status_label, 0)
        layout.addStretch(0)

        self._log_scale_check.toggled.connect(self._on_log_scale_toggled)
        self._log_scale_check.clicked.connect(self._on_log_scale_clicked)
        self._loss_plot.ctrl.logYCheck.toggled.connect(self._on_plot_log_mode_toggled)
        self._batch_accuracy_check.toggled.connect(self._on_batch_accuracy_toggled)
        self._clear_button.clicked.connect(self._on_clear_clicked)
        for plot in (self._loss_plot, self._accuracy_plot):
            plot.vb.sigResized.connect(self._on_view_resized)
            plot.vb.sigRangeChangedManually.connect(self._on_range_changed_by_user)
        self._update_status()

    @staticmethod
    def _setup_plot(plot: pg.PlotItem, title: str, y_label: str) -> ElidedTitle:
        elided_title = ElidedTitle(plot)
        elided_title.set_text(title)
        plot.setLabel("bottom", "epoch")
        plot.setLabel("left", y_label)
        plot.showGrid(x=True, y=True, alpha=0.25)
        for side in ("left", "bottom"):
            # The finest tick level adds hundreds of faint grid lines that every live update
            # redraws; leaving it out halves the drawing time of a plot.
            plot.getAxis(side).setStyle(maxTickLevel=1)
            # "0.2" reads better than "200 (x0.001)" for losses and accuracies.
            plot.getAxis(side).enableAutoSIPrefix(False)
        # A fixed axis width: new tick labels then never re-lay out the whole plot mid-training.
        plot.getAxis("left").setWidth(52)
        # Under the x axis, the legend covers no curve and no final-epoch marker.
        LegendStrip.below(plot)
        return elided_title

    # Public interface.

    def start_run(self, label: str) -> None:
        """Begin a new training run named ``label`` (for example ``"numpy lr=0.05"``).

        With "Keep earlier runs" checked, the previous run stays as a faint overlay with its label
        in the legends; otherwise every earlier curve is removed.
        """
        previous = self._current
        self._current = None
        if previous is not None and not previous.is_empty() and self._keep_runs_check.isChecked():
            self._keep_as_earlier(previous)
        elif previous is not None:
            self._remove_run(previous)
        if not self._keep_runs_check.isChecked():
            for run in self._earlier:
                self._remove_run(run)
            self._earlier = []
        self._new_run(str(label))
        self._choose_log_scale()
        # The previous run's ending (its test accuracy, say) must not stay beside the new run.
        self._update_status()

    def add_progress(self, progress: TrainingProgress) -> None:
        """Append every step of ``progress`` to the current run and redraw its batch curves."""
        if not progress.steps:
            return
        run = self._run_for_data()
        last = progress.steps[-1]
        reached = last.epoch + (last.batch + 1) / last.num_batches
        widest = max([progress.total_epochs, reached, *(earlier.total_epochs or 0 for earlier in self._earlier)])
        if widest != self._epoch_axis_end:
            # A fixed epoch axis spares regenerating its ticks on every update, and shows how far
            # the run has come.
            self._epoch_axis_end = widest
            self._x_range_is_ours = True
            self._apply_x_range()
        run.total_epochs = progress.total_epochs
        diverged_before = run.diverged()
        run.add_steps(tuple(progress.steps))
        if run.diverged() and not diverged_before:
            self._label_divergence(run)
        self._update_status()

    def add_epoch(self, epoch: EpochResult) -> None:
        """Draw the end of an epoch: mean training loss and accuracy, and validation metrics."""
        run = self._run_for_data()
        run.add_epoch(epoch)
        if run.has_validation():
            self._add_to_legend(self._loss_plot, run.validation_loss, "validation")
            self._add_to_legend(self._accuracy_plot, run.validation_accuracy, "validation")
        self._update_status()

    def finish_run(self, finished: TrainingFinished) -> None:
        """Show how the current run ended (completed, stopped, diverged or failed)."""
        run = self._run_for_data()
        if finished.last_epoch is not None and finished.last_epoch.epoch not in run.epochs:
            self.add_epoch(finished.last_epoch)
        run.finished = finished
        if finished.reason == "diverged":
            run.mark_diverged()
        self._label_divergence(run)
        self._choose_log_scale()
        self._update_status()

    def clear(self) -> None:
        """Remove every curve, of the current run and of earlier runs.

        A run in progress keeps its label; its later steps start new curves.
        """
        label = self._current.label if self._current is not None else None
        for run in [*self._earlier, *([self._current] if self._current is not None else [])]:
            self._remove_run(run)
        self._earlier = []
        self._current = None
        self._epoch_axis_end = None
        self._x_range_is_ours = False
        self._log_scale_chosen_by_user = False
        self._choose_log_scale()
        for plot in (self._loss_plot, self._accuracy_plot):
            plot.enableAutoRange(x=True)
        if label is not None:
            self._new_run(label)
        self._update_status()

    def history_csv(self) -> str:
        """The current run's per-batch history as CSV text, one row per step.

        The header is ``epoch,batch,num_batches,loss,accuracy,samples_seen,elapsed,learning_rate``;
        floats are written at full precision (``nan`` and ``inf`` as such).
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(HISTORY_COLUMNS)
        if self._current is not None and self._current.history.size:
            columns = []
            for index, name in enumerate(HISTORY_COLUMNS):
                values = self._current.history.column(index)
                columns.append(values.astype(np.int64).tolist() if name in _INTEGER_COLUMNS
                               else values.tolist())
            writer.writerows(zip(*columns))
        return buffer.getvalue()

    def plot_widgets(self) -> list:
        """The pyqtgraph plot widgets, loss then accuracy, for figure export."""
        return [self._loss_widget, self._accuracy_widget]

    def legend_labels(self, plot: str = "loss") -> list[str]:
        """The entries of the ``"loss"`` or ``"accuracy"`` plot's legend, in order."""
        return (self._loss_plot if plot == "loss" else self._accuracy_plot).legend.labels()

    def divergence_position(self) -> tuple[float, float] | None:
        """Where the current run's loss diverged (its last finite point before a NaN or infinity, or
        its last point when it ended as diverged), or ``None``."""
        return self._current.divergence.position() if self._current is not None else None

    def log_scale_check(self) -> QCheckBox:
        """The "Log scale" checkbox of the loss plot."""
        return self._log_scale_check

    def keep_runs_check(self) -> QCheckBox:
        """The "Keep earlier runs" checkbox."""
        return self._keep_runs_check

    def status_text(self) -> str:
        """The status line under the plots."""
        return self._status_label.text()

    def status_tooltip(self) -> str:
        """The status line's tooltip: the whole line, the run's ending message included."""
        return self._status_label.toolTip()

    def num_points(self) -> int:
        """How many batch steps the current run has recorded (the rows of :meth:`history_csv`).

        Steps whose loss is not finite are recorded but not drawn.
        """
        return self._current.history.size if self._current is not None else 0

    # Runs and legends.

    def _new_run(self, label: str) -> None:
        self._num_runs_started += 1
        colour = _RUN_COLOURS[len(self._earlier) % len(_RUN_COLOURS)]
        run = _Run(label, colour, self._loss_plot, self._accuracy_plot)
        run.batch_accuracy.setVisible(self._batch_accuracy_check.isChecked())
        self._current = run
        self._add_to_legend(self._loss_plot, run.batch_loss, "batch")
        self._add_to_legend(self._loss_plot, run.epoch_loss, "epoch mean")
        self._add_to_legend(self._accuracy_plot, run.batch_accuracy, "batch (smoothed)")
        self._add_to_legend(self._accuracy_plot, run.epoch_accuracy, "epoch mean")
        self._loss_title.set_text(f"Loss: {label}")
        self._accuracy_title.set_text(f"Accuracy: {label}")

    def _run_for_data(self) -> _Run:
        """The current run; one is started when data arrives before :meth:`start_run`."""
        if self._current is None:
            self._new_run(f"run {self._num_runs_started + 1}")
        return self._current

    def _keep_as_earlier(self, run: _Run) -> None:
        """Fade ``run`` and give it one legend entry per plot: its label."""
        for item in run.loss_items():
            self._loss_plot.legend.removeItem(item)
        for item in run.accuracy_items():
            self._accuracy_plot.legend.removeItem(item)
        run.style(current=False)
        label = f"{run.label} (diverged)" if run.diverged() else run.label
        self._add_to_legend(self._loss_plot, run.epoch_loss, label)
        self._add_to_legend(self._accuracy_plot, run.epoch_accuracy, label)
        self._earlier.append(run)

    def _label_divergence(self, run: _Run) -> None:
        """Say in the legend that the current run diverged (its curve may be a single point)."""
        if run.diverged():
            has_point = run.divergence.position() is not None
            self._loss_plot.legend.set_label(
                run.batch_loss, "batch (diverged)" if has_point else "batch (diverged before any finite loss)")

    def _remove_run(self, run: _Run) -> None:
        for item in run.loss_items():
            self._loss_plot.removeItem(item)
        for item in run.accuracy_items():
            self._accuracy_plot.removeItem(item)

    @staticmethod
    def _add_to_legend(plot: pg.PlotItem, item: pg.PlotDataItem, name: str) -> None:
        if plot.legend.getLabel(item) is None:
            plot.legend.addItem(item, name)

    def _choose_log_scale(self) -> None:
        """Turn the log scale on when one run's losses would flatten another's (a diverged run beside
        a kept one), unless the user chose; the status line says why."""
        if self._log_scale_chosen_by_user:
            return
        runs = [*self._earlier, *([self._current] if self._current is not None else [])]
        reason = log_scale_reason(run.loss_points.column(1) for run in runs)
        self._scale_note = reason or ""
        self._log_scale_check.setChecked(reason is not None)

    def _apply_x_range(self) -> None:
        """The whole run on the x axis, with room for the markers at its last epoch."""
        if self._epoch_axis_end is None:
            return
        for plot in (self._loss_plot, self._accuracy_plot):
            plot.enableAutoRange(x=False)
            pad_x_range(plot.vb, 0.0, self._epoch_axis_end)

    # Status line.

    def plots_shown(self) -> bool:
        """Whether the plots are shown (they are hidden until the first run starts)."""
        return not self._plots.isHidden()

    def _update_status(self) -> None:
        run = self._current
        self._plots.setVisible(run is not None or bool(self._earlier))
        if run is None:
            self._status_label.setText("No training yet. Press Train (Ctrl+T) or Step batch: the loss and the "
                                       "accuracy are plotted here as the model learns.")
            self._status_label.setToolTip(STATUS_TOOLTIP)
            return
        if run.is_empty():
            label = f"{run.label}: " if run is not None else ""
            self._status_label.setText(f"{label}no training steps yet.")
            self._status_label.setToolTip(STATUS_TOOLTIP)
            return
        parts = []
        history = run.history
        if history.size:
            epoch = int(history.last(0))
            batch = int(history.last(1))
            num_batches = int(history.last(2))
            total = f"/{run.total_epochs}" if run.total_epochs else ""
            parts.append(f"epoch {epoch + 1}{total}, batch {batch + 1}/{num_batches}")
            parts.append(f"batch loss {history.last(3):.4g}")
            parts.append(f"batch accuracy {_percent(history.last(4))}")
        if run.epochs:
            last_epoch = run.epochs[max(run.epochs)]
            if last_epoch.val_accuracy is not None:
                parts.append(f"val accuracy {_percent(last_epoch.val_accuracy)} "
                             f"(epoch {last_epoch.epoch + 1})")
        ending, message = None, ""
        if run.finished is not None:
            ending = run.finished.reason
            if run.finished.test_accuracy is not None:
                ending += f", test accuracy {_percent(run.finished.test_accuracy)}"
            message = run.finished.message

        def status(message_text: str) -> str:
            pieces = list(parts)
            if ending is not None:
                pieces.append(f"{ending}: {message_text}" if message_text else ending)
            if self._scale_note:
                pieces.append(self._scale_note)
            return f"{run.label}: " + " · ".join(pieces)

        # The ending's first sentence keeps the line short enough for a low dock; the whole
        # message (a divergence's cause and its fix, say) is the tooltip.
        self._status_label.setText(status(_first_sentence(message)))
        self._status_label.setToolTip(status(message))

    # Slots.

    def _on_log_scale_toggled(self, checked: bool) -> None:
        self._loss_plot.setLogMode(y=checked)
        self._loss_plot.enableAutoRange(y=True)
        if self._x_range_is_ours:
            self._apply_x_range()

    def _on_log_scale_clicked(self) -> None:
        self._log_scale_chosen_by_user = True
        self._scale_note = ""
        self._update_status()

    def _on_view_resized(self, view_box) -> None:
        # The markers' room is counted in pixels, so a resized view needs its padding redone.
        if self._x_range_is_ours:
            self._apply_x_range()

    def _on_range_changed_by_user(self, *args) -> None:
        self._x_range_is_ours = False

    def _on_plot_log_mode_toggled(self, checked: bool) -> None:
        """Keep the checkbox in step when log mode is switched from the plot's context menu."""
        self._log_scale_check.blockSignals(True)
        self._log_scale_check.setChecked(checked)
        self._log_scale_check.blockSignals(False)

    def _on_batch_accuracy_toggled(self, checked: bool) -> None:
        for run in [*self._earlier, *([self._current] if self._current is not None else [])]:
            run.batch_accuracy.setVisible(checked)

    def _on_clear_clicked(self) -> None:
        self.clear()


def _first_sentence(text: str) -> str:
    """The first sentence of ``text`` (all of it when it has one)."""
    head, separator, rest = text.partition(". ")
    return f"{head}." if separator and rest else text


def _percent(value: float) -> str:
    """``value`` (a fraction) as a percentage with one decimal, or ``nan``."""
    return f"{100.0 * value:.1f}%" if math.isfinite(value) else str(value)
