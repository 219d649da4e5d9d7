"""The Experiments tab's loss plot: every run's batch losses against the fractional epoch.

Each run gets one curve (created once, updated with ``setData``) in its own colour, with a legend
entry under the x axis. A run that diverged is marked at its last finite loss and says so in the
legend, and the loss axis turns logarithmic when a diverged run's losses would flatten the others'
(until the user chooses the scale themselves).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

import cnnviz.ui  # noqa: F401  (configures pyqtgraph before any plot item exists)
from cnnviz.core.experiments import RunOutcome
from cnnviz.core.results import StepResult
from cnnviz.ui.plots.axes import LOG_SCALE_TOOLTIP, log_scale_reason, pad_x_range, style_axes
from cnnviz.ui.plots.colours import RUN_COLOURS
from cnnviz.ui.plots.divergence import DivergenceMarker, divergence_point
from cnnviz.ui.plots.legend_strip import LegendStrip
from cnnviz.ui.plots.series_style import set_line_data, style_series
from cnnviz.ui.plots.view_box import LOSS_BOUNDS, MetricViewBox


class ExperimentLossPlot(QWidget):
    """The runs' loss curves, a "Log scale" box above them and a note saying why the scale was chosen.

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._labels: dict[int, str] = {}
        self._rows: dict[int, int] = {}
        self._curves: dict[int, pg.PlotDataItem] = {}
        self._points: dict[int, tuple[list[float], list[float]]] = {}
        self._markers: dict[int, DivergenceMarker] = {}
        self._diverged: set[int] = set()
        self._epoch_axis_end: float | None = None
        # Whether the x range is ours (every run's epochs, padded for the markers) rather than a
        # zoom the user chose; only ours is redone when the plot is resized.
        self._x_range_is_ours = False
        # Once the user clicks Log scale, the automatic choice stays off until the next experiment.
        self._log_scale_chosen_by_user = False

        # A view whose automatic range keeps to what a loss can be (never negative).
        self.plot_widget = pg.PlotWidget(viewBox=MetricViewBox(LOSS_BOUNDS))
        self.plot_widget.setMinimumSize(300, 190)
        self.plot_widget.setToolTip("Every batch's training loss of each run against the epoch "
                                    "(batch b of epoch e at e + (b + 1) / batches).")
        self._plot = self.plot_widget.getPlotItem()
        self._plot.setTitle("Training loss per run")
        style_axes(self._plot, "epoch", "cross-entropy")
        # Under the x axis, the legend covers none of the curves.
        self._legend = LegendStrip.below(self._plot)
        self.log_scale_check = QCheckBox("Log scale")
        self.log_scale_check.setToolTip(LOG_SCALE_TOOLTIP)
        self.scale_note = QLabel()
        self.scale_note.setWordWrap(True)
        self.scale_note.setStyleSheet("color: #555;")
        self.scale_note.setToolTip("Why the loss axis is logarithmic.")

        header = QHBoxLayout()
        header.addWidget(self.log_scale_check)
        header.addWidget(self.scale_note, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.plot_widget, 1)

        self.log_scale_check.toggled.connect(self._on_log_scale_toggled)
        self.log_scale_check.clicked.connect(self._on_log_scale_clicked)
        self._plot.vb.sigResized.connect(self._on_view_resized)
        self._plot.vb.sigRangeChangedManually.connect(self._on_range_changed_by_user)

    # -- public interface --------------------------------------------------------------------------
    def start(self, num_epochs: float, x_label: str = "epoch") -> None:
        """Remove every curve and marker, and show ``num_epochs`` epochs on the x axis, named
        ``x_label`` (full-batch runs take one step an epoch: their axis counts iterations)."""
        self._plot.setLabel("bottom", x_label)
        for item in [*self._curves.values(), *self._markers.values()]:
            self._plot.removeItem(item)
        self._legend.clear()
        self._labels, self._rows = {}, {}
        self._curves, self._points = {}, {}
        self._markers, self._diverged = {}, set()
        self._log_scale_chosen_by_user = False
        self.scale_note.setText("")
        self._epoch_axis_end = float(num_epochs)
        self._x_range_is_ours = True
        self._apply_x_range()

    def add_run(self, run_index: int, label: str, row: int) -> None:
        """Name run ``run_index`` ``label`` and draw it in the colour of table row ``row`` (its curve
        appears with the run's first loss, or at once with :meth:`curve`)."""
        self._labels[run_index] = label
        self._rows[run_index] = row

    def curve(self, run_index: int) -> pg.PlotDataItem:
        """The run's curve, created (with its legend entry) the first time it is needed."""
        if run_index not in self._curves:
            colour = RUN_COLOURS[self._rows.get(run_index, len(self._curves)) % len(RUN_COLOURS)]
            curve = pg.PlotDataItem()
            # Every batch's loss, drawn as the monitor draws it, but strong: it is the run's only curve.
            style_series(curve, "batch", colour, "alone")
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            self._plot.addItem(curve)
            self._legend.addItem(curve, self._run_label(run_index))
            self._curves[run_index] = curve
            self._points[run_index] = ([], [])
        return self._curves[run_index]

    def add_steps(self, run_index: int, steps: Iterable[StepResult]) -> None:
        """Append the steps' losses to the run's curve; a NaN or infinite loss marks the run diverged."""
        curve = self.curve(run_index)
        positions, losses = self._points[run_index]
        for step in steps:
            if math.isfinite(step.loss):
                positions.append(step.epoch + (step.batch + 1) / max(step.num_batches, 1))
                losses.append(float(step.loss))
            elif run_index not in self._diverged:
                # Where the loss broke: its last finite value so far (none when it broke at once).
                self.mark_diverged(run_index)
        set_line_data(curve, np.asarray(positions), np.asarray(losses))

    def add_outcome(self, outcome: RunOutcome) -> None:
        """Draw a run from its outcome's losses when no progress drew it, mark it if it diverged, and
        choose the scale again."""
        positions, _ = self._points.get(outcome.run.index, ([], []))
        if not positions and outcome.losses:
            self._curve_from_losses(outcome)
        if outcome.diverged and outcome.run.index not in self._diverged:
            self.mark_diverged(outcome.run.index)
        self.choose_log_scale()

    def mark_diverged(self, run_index: int) -> None:
        """Mark the run's last finite loss with a cross and "diverged", and say so in the legend."""
        self._diverged.add(run_index)
        curve = self.curve(run_index)
        positions, losses = self._points[run_index]
        marker = self._markers.get(run_index)
        if marker is None:
            colour = RUN_COLOURS[self._rows.get(run_index, len(self._curves)) % len(RUN_COLOURS)]
            marker = DivergenceMarker(colour)
            self._plot.addItem(marker)
            self._markers[run_index] = marker
        marker.place(*(divergence_point(positions, losses, diverged=True) or (None, None)))
        note = "diverged" if marker.position() is not None else "diverged before any finite loss"
        self._legend.set_label(curve, f"{self._run_label(run_index)} ({note})")

    def choose_log_scale(self) -> None:
        """Turn the log scale on when one run's losses would flatten another's, and say why."""
        if self._log_scale_chosen_by_user:
            return
        reason = log_scale_reason(np.asarray(losses, dtype=float) for _, losses in self._points.values())
        self.scale_note.setText(reason or "")
        self.log_scale_check.setChecked(reason is not None)

    def has_curves(self) -> bool:
        """Whether any run has a curve (there is a figure to export)."""
        return bool(self._curves)

    def curve_data(self, run_index: int) -> tuple[np.ndarray, np.ndarray]:
        """The plotted ``(x, y)`` of run ``run_index``: fractional epochs and losses."""
        positions, losses = self._points.get(run_index, ([], []))
        return np.asarray(positions, dtype=float), np.asarray(losses, dtype=float)

    def curve_items(self) -> dict[int, pg.PlotDataItem]:
        """The plot item of every run, by run index."""
        return dict(self._curves)

    def legend(self) -> LegendStrip:
        """The plot's legend (a strip under the x axis)."""
        return self._legend

    def divergence_positions(self) -> dict[int, tuple[float, float] | None]:
        """Where each diverged run's loss broke, by run index: its last finite point, or ``None`` when
        it had none."""
        return {index: self._markers[index].position() if index in self._markers else None
                for index in sorted(self._diverged)}

    # -- drawing -----------------------------------------------------------------------------------
    def _curve_from_losses(self, outcome: RunOutcome) -> None:
        """Draw a run's curve from its outcome's losses, spread evenly over its epochs."""
        losses = np.asarray(outcome.losses, dtype=float)
        epochs = outcome.run.config.training.expected_epochs()
        positions = (np.arange(len(losses)) + 1.0) * epochs / max(len(losses), 1)
        finite = np.isfinite(losses)
        self.curve(outcome.run.index)
        self._points[outcome.run.index] = (positions[finite].tolist(), losses[finite].tolist())
        set_line_data(self._curves[outcome.run.index], positions[finite], losses[finite])

    def _run_label(self, run_index: int) -> str:
        return self._labels.get(run_index, f"run {run_index + 1}")

    def _apply_x_range(self) -> None:
        """Every run's epochs on the x axis, with room for the markers at either end."""
        if self._epoch_axis_end is not None:
            self._plot.enableAutoRange(x=False)
            pad_x_range(self._plot.vb, 0.0, self._epoch_axis_end)

    # -- slots -------------------------------------------------------------------------------------
    def _on_log_scale_toggled(self, checked: bool) -> None:
        self._plot.setLogMode(y=checked)
        self._plot.enableAutoRange(y=True)
        if not checked:
            self.scale_note.setText("")

    def _on_log_scale_clicked(self) -> None:
        self._log_scale_chosen_by_user = True
        self.scale_note.setText("")

    def _on_view_resized(self, view_box) -> None:
        # The markers' room is counted in pixels, so a resized view needs its padding redone.
        if self._x_range_is_ours:
            self._apply_x_range()

    def _on_range_changed_by_user(self, *args) -> None:
        self._x_range_is_ours = False
