"""One training run as the monitor draws it: its step history and the plot items that show it.

A :class:`RunCurves` owns six plot data items (batch, epoch and validation loss and accuracy)
and a divergence marker, created once and updated with ``setData``; an earlier run kept for
comparison keeps them, faded. The x axis is the fractional epoch: batch ``b`` (counting from 0)
of epoch ``e`` out of ``n`` batches sits at ``e + (b + 1) / n``, so the end of epoch ``e`` is at
``e + 1``, where that epoch's mean loss and accuracy are drawn.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from cnnviz.core.results import EpochResult, StepResult
from cnnviz.service.payloads import TrainingFinished
from cnnviz.ui.plots.divergence import DivergenceMarker, divergence_point
from cnnviz.ui.plots.series_style import set_line_data, style_series
from cnnviz.ui.training.series import GrowingColumns, exponential_moving_average

HISTORY_COLUMNS = ("epoch", "batch", "num_batches", "loss", "accuracy", "samples_seen", "elapsed",
                   "learning_rate")
"""The per-batch history's columns, in the order ``TrainingMonitor.history_csv`` writes them."""


class RunCurves:
    """One training run: its step history, its buffers of drawable points and its plot items.

    The items are created once and updated with ``setData``; an earlier run keeps them, faded.
    """

    def __init__(self, label: str, colour: str, loss_plot: pg.PlotItem, accuracy_plot: pg.PlotItem):
        self.label = label
        self.colour = colour
        self.history = GrowingColumns(len(HISTORY_COLUMNS) + 1)  # + the fractional epoch
        self.loss_points = GrowingColumns(2)          # fractional epoch, finite loss
        self.accuracy_points = GrowingColumns(2)      # fractional epoch, smoothed finite accuracy
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
        emphasis = "current" if current else "earlier"
        for item in (self.batch_loss, self.batch_accuracy):
            style_series(item, "batch", self.colour, emphasis)
        for item in (self.epoch_loss, self.epoch_accuracy):
            style_series(item, "epoch", self.colour, emphasis)
        for item in (self.validation_loss, self.validation_accuracy):
            style_series(item, "validation", self.colour, emphasis)
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
            set_line_data(self.batch_loss, self.loss_points.column(0), self.loss_points.column(1))

        finite_accuracy = np.isfinite(accuracy)
        if finite_accuracy.any():
            if self._average_alpha is None:
                # Smooth over about a tenth of an epoch (between 5 and 100 batches).
                span = min(max(float(num_batches[0]) / 10.0, 5.0), 100.0)
                self._average_alpha = 2.0 / (span + 1.0)
            averages = exponential_moving_average(accuracy[finite_accuracy], self._average_alpha,
                                                    self._average)
            self._average = float(averages[-1])
            self.accuracy_points.append(np.vstack([position[finite_accuracy], averages]))
            set_line_data(self.batch_accuracy, self.accuracy_points.column(0), self.accuracy_points.column(1))

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
