"""Live training curves: per-batch and per-epoch loss and accuracy, with earlier runs overlaid.

The monitor is a view over the model service's training signals (``TrainingProgress``,
``EpochResult``, ``TrainingFinished``). Each run is a :class:`~cnnviz.ui.training.run_curves.RunCurves`
that keeps every step in growing NumPy buffers, so a run of 100,000+ batches stays smooth: each
update appends a whole chunk of steps at once and calls ``setData`` on plot items that live as
long as their run. The x axis is the fractional epoch; the legends sit under the plots, beside
the data; a run whose loss becomes NaN or infinite is marked "diverged" at its last finite loss.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

import cnnviz.ui  # noqa: F401  (configures pyqtgraph before any plot item exists)
from cnnviz.core.results import EpochResult
from cnnviz.service.payloads import TrainingFinished, TrainingProgress
from cnnviz.ui.layout_barrier import LayoutBarrier
from cnnviz.ui.plots.axes import LOG_SCALE_TOOLTIP, log_scale_reason, pad_x_range, style_axes
from cnnviz.ui.plots.colours import RUN_COLOURS
from cnnviz.ui.plots.elided_title import ElidedTitle
from cnnviz.ui.plots.legend_strip import LegendStrip
from cnnviz.ui.plots.view_box import ACCURACY_BOUNDS, LOSS_BOUNDS, MetricViewBox
from cnnviz.ui.training.run_curves import HISTORY_COLUMNS, RunCurves
from cnnviz.ui.training.status_line import STATUS_TOOLTIP, status_line

_INTEGER_COLUMNS = frozenset({"epoch", "batch", "num_batches", "samples_seen"})
LOSS_AXIS_LABEL = "cross-entropy"
ACCURACY_AXIS_LABEL = "fraction correct"
COMPACT_PLOT_HEIGHT = 200
"""Plots shorter than this many pixels (the monitor docked under the viewers on a laptop screen) leave
out their titles, their y axes saying "loss" and "accuracy": at 1366×768 the titles left the loss curve
about 30 pixels of height and the accuracy curve, under a legend of two rows, about 15."""


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

    sig_stop_following_requested = Signal()
    """The person asked to stop following a run written elsewhere (:meth:`set_following`)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._current: RunCurves | None = None
        self._earlier: list[RunCurves] = []
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

        # Views whose automatic ranges keep to what a loss and an accuracy can be.
        # Stepwise y ranges: a live curve moves its axis (and redraws the ticks) only now and then.
        self._loss_widget = pg.PlotWidget(viewBox=MetricViewBox(LOSS_BOUNDS, stepwise=True))
        self._accuracy_widget = pg.PlotWidget(viewBox=MetricViewBox(ACCURACY_BOUNDS, stepwise=True))
        self._loss_widget.setToolTip("Training loss of every batch (thin line), its mean over each "
                                     "epoch (dots) and the validation loss (squares, dashed).")
        self._accuracy_widget.setToolTip("Training accuracy of each epoch (dots), validation accuracy "
                                         "(squares, dashed) and the smoothed batch accuracy "
                                         "(thin line).")
        for widget in (self._loss_widget, self._accuracy_widget):
            # Low enough that the plots, the controls and a two-line status fit a short dock.
            widget.setMinimumSize(150, 120)
        self._loss_plot = self._loss_widget.getPlotItem()
        self._accuracy_plot = self._accuracy_widget.getPlotItem()
        self._loss_title = self._setup_plot(self._loss_plot, "Loss", LOSS_AXIS_LABEL)
        self._accuracy_title = self._setup_plot(self._accuracy_plot, "Accuracy", ACCURACY_AXIS_LABEL)
        self._compact: bool | None = None

        self._status_label = QLabel()
        self._status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._status_label.setWordWrap(True)
        # Room for two lines, claimed up front: a docked layout does not grow for a wrapped line,
        # which would then be drawn over the plots' legends.
        self._status_label.setMinimumHeight(2 * self._status_label.fontMetrics().lineSpacing() + 4)
        self._status_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._status_label.setToolTip(STATUS_TOOLTIP)

        # A tool bar, not a row of widgets: when the monitor is narrow (it sits under the viewers),
        # what does not fit moves into the bar's » menu instead of widening the window.
        controls = QToolBar()
        controls.setObjectName("training_monitor_controls")
        for widget in (self._log_scale_check, self._keep_runs_check, self._batch_accuracy_check):
            controls.addWidget(widget)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        controls.addWidget(spacer)
        controls.addWidget(self._clear_button)

        # Shown while the curves are those of a run another process writes (History's Follow).
        self._following_label = QLabel()
        self._following_label.setObjectName("following_label")
        self._following_label.setWordWrap(True)
        self._following_label.setStyleSheet("font-weight: bold")
        self._stop_following_button = QPushButton("Stop following")
        self._stop_following_button.setToolTip("Stop drawing the followed run's curves as it writes them (they stay).")
        self._stop_following_button.clicked.connect(self.sig_stop_following_requested)
        following = QHBoxLayout()
        following.setContentsMargins(0, 0, 0, 0)
        following.addWidget(self._following_label, 1)
        following.addWidget(self._stop_following_button)
        self._following_row = QWidget()
        self._following_row.setLayout(following)
        self._following_row.setVisible(False)

        plots = QSplitter(Qt.Orientation.Horizontal)
        plots.setChildrenCollapsible(False)
        plots.addWidget(self._loss_widget)
        plots.addWidget(self._accuracy_widget)
        # Until a run starts the plots are hidden, so an idle monitor needs two lines of the window's
        # height, not a third of it; they appear when training starts.
        self._plots = plots
        plots.setVisible(False)
        plots.installEventFilter(self)   # its resizes decide whether the plots are compact

        layout = QVBoxLayout(self)
        layout.addWidget(controls)
        layout.addWidget(self._following_row)
        layout.addWidget(plots, 1)
        # The status line changes several times a second while training: held in a layout barrier, its
        # changes never lay the window out again.
        status_holder = LayoutBarrier(self._status_label)
        status_holder.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        status_holder.setFixedHeight(self._status_label.minimumHeight())
        layout.addWidget(status_holder, 0)
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

    def eventFilter(self, watched, event) -> bool:  # noqa: N802  (Qt's name)
        if watched is self._plots and event.type() == QEvent.Type.Resize:
            self._fit_plot_labels(event.size().height())
        return False

    def _fit_plot_labels(self, height: int) -> None:
        """Plots shorter than :data:`COMPACT_PLOT_HEIGHT` leave out their titles and name their y axes
        "loss" and "accuracy" instead; taller ones show the titles and the measures' names."""
        compact = height < COMPACT_PLOT_HEIGHT
        if compact == self._compact:
            return
        self._compact = compact
        for plot, title, short, full in ((self._loss_plot, self._loss_title, "loss", LOSS_AXIS_LABEL),
                                         (self._accuracy_plot, self._accuracy_title, "accuracy", ACCURACY_AXIS_LABEL)):
            title.set_shown(not compact)
            plot.setLabel("left", short if compact else full)

    def plots_compact(self) -> bool:
        """Whether the plots are too short for their titles (see :meth:`_fit_plot_labels`)."""
        return bool(self._compact)

    @staticmethod
    def _setup_plot(plot: pg.PlotItem, title: str, y_label: str) -> ElidedTitle:
        elided_title = ElidedTitle(plot)
        elided_title.set_text(title)
        style_axes(plot, "epoch", y_label)
        # A fixed axis width: new tick labels then never re-lay out the whole plot mid-training.
        plot.getAxis("left").setWidth(52)
        # Under the x axis, the legend covers no curve and no final-epoch marker.
        LegendStrip.below(plot)
        return elided_title

    # Public interface.

    def start_run(self, label: str, validation: bool = False) -> None:
        """Begin a new training run named ``label`` (for example ``"numpy lr=0.05"``).

        With "Keep earlier runs" checked, the previous run stays as a faint overlay with its label
        in the legends; otherwise every earlier curve is removed. With ``validation`` (the run sets
        data aside for it) the legends name the validation curves from the start: added at the
        first epoch's end, the entries relaid the plots out and had them painted six times over
        instead of three (23 ms of interface work instead of 6, in one process), while training; a
        run whose epochs bring no validation metrics after all loses them then.
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
        if validation:
            self._add_to_legend(self._loss_plot, self._current.validation_loss, "validation")
            self._add_to_legend(self._accuracy_plot, self._current.validation_accuracy, "validation")
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
        else:   # named at the start, but the run has no validation metrics
            for plot, item in ((self._loss_plot, run.validation_loss), (self._accuracy_plot, run.validation_accuracy)):
                if plot.legend.getLabel(item) is not None:
                    plot.legend.removeItem(item)
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

    def set_following(self, text: str | None) -> None:
        """Say which run the curves follow (``text``, e.g. "Following run X in folder Y"), or that they
        follow none (``None``)."""
        self._following_label.setText(text or "")
        self._following_row.setVisible(bool(text))

    def following_text(self) -> str:
        """What the following label says (empty while no run is followed)."""
        return self._following_label.text() if self._following_row.isVisibleTo(self) else ""

    def stop_following_button(self) -> QPushButton:
        """The "Stop following" button."""
        return self._stop_following_button

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

    def clear_button(self) -> QPushButton:
        """The "Clear" button that removes every curve."""
        return self._clear_button

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
        colour = RUN_COLOURS[len(self._earlier) % len(RUN_COLOURS)]
        run = RunCurves(label, colour, self._loss_plot, self._accuracy_plot)
        run.batch_accuracy.setVisible(self._batch_accuracy_check.isChecked())
        self._current = run
        self._add_to_legend(self._loss_plot, run.batch_loss, "batch")
        self._add_to_legend(self._loss_plot, run.epoch_loss, "epoch mean")
        self._add_to_legend(self._accuracy_plot, run.batch_accuracy, "batch (smoothed)")
        self._add_to_legend(self._accuracy_plot, run.epoch_accuracy, "epoch mean")
        # The titles stay "Loss" and "Accuracy": the run's name and settings, which can change while
        # it trains (the learning rate), are on the status line.

    def _run_for_data(self) -> RunCurves:
        """The current run; one is started when data arrives before :meth:`start_run`."""
        if self._current is None:
            self._new_run(f"run {self._num_runs_started + 1}")
        return self._current

    def _keep_as_earlier(self, run: RunCurves) -> None:
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

    def _label_divergence(self, run: RunCurves) -> None:
        """Say in the legend that the current run diverged (its curve may be a single point)."""
        if run.diverged():
            has_point = run.divergence.position() is not None
            self._loss_plot.legend.set_label(
                run.batch_loss, "batch (diverged)" if has_point else "batch (diverged before any finite loss)")

    def _remove_run(self, run: RunCurves) -> None:
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
        text, tooltip = status_line(run, self._scale_note)
        # Set only what changed: the tooltip (the same all run long) costs as much as the text.
        if self._status_label.text() != text:
            self._status_label.setText(text)
        if self._status_label.toolTip() != tooltip:
            self._status_label.setToolTip(tooltip)

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
