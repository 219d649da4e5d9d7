"""The History tab's "Compare two runs" page: two runs' per-epoch loss and accuracy on the same axes.

Run A is drawn in blue, run B in orange, each series as the training monitor draws it: each
run's epoch means (dots), its every batch's loss (thin line) and its validation accuracy (squares,
dashed). A run that diverged is marked
where its loss broke, and the loss axis turns logarithmic when one run's losses would flatten the
other's (until the user chooses the scale themselves, for this pair of runs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

import cnnviz.ui  # noqa: F401  (configures pyqtgraph before any plot item exists)
from cnnviz.core.runs import RunInfo
from cnnviz.ui.history.run_curves import METRICS, run_curves
from cnnviz.ui.history.run_summary import short_name
from cnnviz.ui.plots.axes import LOG_SCALE_TOOLTIP, log_scale_reason, pad_x_range, style_axes
from cnnviz.ui.plots.colours import RUN_COLOURS
from cnnviz.ui.plots.divergence import DivergenceMarker
from cnnviz.ui.plots.legend_strip import LegendStrip
from cnnviz.ui.plots.series_style import SERIES_LEGEND, set_line_data, style_series
from cnnviz.ui.plots.view_box import ACCURACY_BOUNDS, LOSS_BOUNDS, MetricViewBox

COMPARE_HINT = f"{SERIES_LEGEND[0].upper()}{SERIES_LEGEND[1:]}; ✕: diverged."

_SLOT_COLOURS = {"A": RUN_COLOURS[0], "B": RUN_COLOURS[1]}
# The series (see cnnviz.ui.plots.series_style) each metric is drawn as.
_SERIES = {"batch loss": "batch", "loss": "epoch", "validation accuracy": "validation",
           "training accuracy": "epoch"}


class ComparisonView(QWidget):
    """Two run boxes, a "Log scale" box, the loss and accuracy plots side by side, and a hint.

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._runs: list[RunInfo] = []
        self._comparison: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._compared_paths: tuple[Path | None, Path | None] = (None, None)
        self._log_scale_chosen_by_user = False
        self._scale_note = ""
        self._epoch_axis_end: float | None = None
        # Whether the x range is ours (both runs' epochs, padded for the markers) rather than a zoom
        # the user chose; only ours is redone when the plots are resized.
        self._x_range_is_ours = True
        # The run the person picked in each box; a box without one follows the run list's selection.
        self._picked: dict[str, Path | None] = {"A": None, "B": None}
        self._build_widgets()

    def _build_widgets(self) -> None:
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

        # Views whose automatic ranges keep to what a loss and an accuracy can be.
        self.loss_widget = pg.PlotWidget(viewBox=MetricViewBox(LOSS_BOUNDS))
        self.accuracy_widget = pg.PlotWidget(viewBox=MetricViewBox(ACCURACY_BOUNDS))
        self.loss_widget.setToolTip("Mean training loss of each epoch (dots) and every batch's loss "
                                    "(thin line) of both runs; a cross and \"diverged\" mark the last "
                                    "finite loss of a run that diverged.")
        self.accuracy_widget.setToolTip("Training accuracy of each epoch (dots) and validation accuracy "
                                        "(squares, dashed) of both runs.")
        self._loss_plot = self.loss_widget.getPlotItem()
        self._accuracy_plot = self.accuracy_widget.getPlotItem()
        # No titles: the axes say what is plotted, and a laptop screen needs the height for the data.
        for plot, label in ((self._loss_plot, "loss"), (self._accuracy_plot, "accuracy")):
            style_axes(plot, "epoch", label)
            # Under the x axis, the legend covers no curve and no final-epoch marker.
            LegendStrip.below(plot)
            plot.vb.sigResized.connect(self._on_view_resized)
            plot.vb.sigRangeChangedManually.connect(self._on_range_changed_by_user)
        # Each metric in the style the training monitor draws it in (one style per series).
        self._items: dict[tuple[str, str], pg.PlotDataItem] = {}
        for slot, colour in _SLOT_COLOURS.items():
            for metric, plot in (("batch loss", self._loss_plot), ("loss", self._loss_plot),
                                 ("validation accuracy", self._accuracy_plot),
                                 ("training accuracy", self._accuracy_plot)):
                item = pg.PlotDataItem()
                style_series(item, _SERIES[metric], colour)
                plot.addItem(item)
                self._items[slot, metric] = item
        for (slot, metric), item in self._items.items():
            item.setObjectName(f"{slot} {metric}")
        self._items["A", "batch loss"].setDownsampling(auto=True, method="peak")
        self._items["B", "batch loss"].setDownsampling(auto=True, method="peak")
        self._divergence_markers = {slot: DivergenceMarker(colour) for slot, colour in _SLOT_COLOURS.items()}
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(selectors)
        layout.addWidget(plots, 1)
        layout.addWidget(self.compare_hint)
        self.run_a_combo.currentIndexChanged.connect(self._on_comparison_changed)
        self.run_b_combo.currentIndexChanged.connect(self._on_comparison_changed)
        # "activated" comes from the person only (a click or a key), never from the code.
        self.run_a_combo.activated.connect(self._on_run_a_picked)
        self.run_b_combo.activated.connect(self._on_run_b_picked)
        self.log_scale_check.toggled.connect(self._on_log_scale_toggled)
        self.log_scale_check.clicked.connect(self._on_log_scale_clicked)

    # -- public interface --------------------------------------------------------------------------
    def set_runs(self, runs: list[RunInfo], selected: int | None = None) -> None:
        """Offer ``runs`` (newest first) in both boxes and draw.

        A box keeps the run the person picked in it while that run is listed; otherwise it follows
        the run list (see :meth:`follow_selection`), ``selected`` being the run selected there.
        """
        self._runs = list(runs)
        for combo in (self.run_a_combo, self.run_b_combo):
            combo.blockSignals(True)
            combo.clear()
            for run in self._runs:
                combo.addItem(f"{short_name(run)} — {run.engine}, {run.dataset}", str(run.path))
                combo.setItemData(combo.count() - 1, str(run.path), Qt.ItemDataRole.ToolTipRole)
            combo.blockSignals(False)
        self.follow_selection(selected)

    def follow_selection(self, selected: int | None) -> None:
        """Show run ``selected`` of the list (the run list's selection; ``None``: the newest run) as run A,
        and the newest other run as run B, in each box the person has not picked a run in; then draw."""
        paths = [run.path for run in self._runs]
        picked = {slot: self._picked[slot] if self._picked[slot] in paths else None for slot in self._picked}
        self._picked = picked
        a_index = paths.index(picked["A"]) if picked["A"] is not None else (
            selected if selected is not None and 0 <= selected < len(paths) else 0)
        others = [index for index in range(len(paths)) if index != a_index]
        b_index = paths.index(picked["B"]) if picked["B"] is not None else (others[0] if others else 0)
        for combo, index in ((self.run_a_combo, a_index), (self.run_b_combo, b_index)):
            combo.blockSignals(True)
            combo.setCurrentIndex(index if paths else -1)
            combo.blockSignals(False)
        self._draw()

    def update_run(self, index: int, run: RunInfo) -> None:
        """Use ``run``, read afresh, for run ``index`` of the list the next time it is drawn."""
        self._runs[index] = run

    def compare(self, index_a: int, index_b: int) -> None:
        """Plot runs ``index_a`` and ``index_b`` of the list given to :meth:`set_runs` (as if the person
        picked them: the boxes no longer follow the run list)."""
        for slot, combo, index in (("A", self.run_a_combo, index_a), ("B", self.run_b_combo, index_b)):
            combo.blockSignals(True)
            combo.setCurrentIndex(index)
            combo.blockSignals(False)
            self._picked[slot] = self._runs[index].path
        self._draw()

    def picked_runs(self) -> dict[str, Path | None]:
        """The run the person picked in each box (``"A"``, ``"B"``), or ``None`` where the box follows
        the run list."""
        return dict(self._picked)

    def curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The curves drawn: ``"A: <short run name> — <metric>"`` → (x, y), metric one of ``loss``,
        ``batch loss``, ``validation accuracy``, ``training accuracy``; empty ones left out."""
        return dict(self._comparison)

    def legend(self, plot: str = "loss") -> list[str]:
        """The entries of the ``"loss"`` or ``"accuracy"`` legend."""
        return (self._loss_plot if plot == "loss" else self._accuracy_plot).legend.labels()

    def divergence_positions(self) -> dict[str, tuple[float, float]]:
        """Where each compared run diverged (``"A"``/``"B"`` → its last finite loss), for runs that did."""
        return {slot: position for slot, marker in self._divergence_markers.items()
                if (position := marker.position()) is not None}

    def scale_note_text(self) -> str:
        """Why the loss axis was made logarithmic (empty when it was not)."""
        return self._scale_note

    # -- drawing -----------------------------------------------------------------------------------
    @staticmethod
    def _combo_path(combo: QComboBox) -> Path | None:
        data = combo.currentData()
        return Path(data) if data else None

    def _draw(self) -> None:
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
            curves, divergence = run_curves(run) if run is not None else ({}, None)
            # A run without a finished epoch has only its batch line: drawn stronger, it is not lost.
            style_series(self._items[slot, "batch loss"], "batch", _SLOT_COLOURS[slot],
                         "current" if "loss" in curves else "alone")
            for metric in METRICS:
                x, y = curves.get(metric, (np.zeros(0), np.zeros(0)))
                if _SERIES[metric] == "batch":
                    set_line_data(self._items[slot, metric], x, y)
                else:
                    self._items[slot, metric].setData(x, y)
                if len(x) and run is not None:
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
                    self._accuracy_plot.legend.addItem(self._items[slot, metric], f"{slot}: {short}")
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
        self._loss_plot.legend.addItem(self._items[slot, metric], name)

    def _apply_x_range(self) -> None:
        """Both plots show every epoch of both runs, with room for the markers at the ends."""
        if self._epoch_axis_end is None:
            for plot in (self._loss_plot, self._accuracy_plot):
                plot.enableAutoRange(x=True)
            return
        for plot in (self._loss_plot, self._accuracy_plot):
            plot.enableAutoRange(x=False)
            pad_x_range(plot.vb, 0.0, self._epoch_axis_end)

    # -- slots -------------------------------------------------------------------------------------
    def _on_comparison_changed(self) -> None:
        self._draw()

    def _on_run_a_picked(self, index: int) -> None:
        self._pick("A", index)

    def _on_run_b_picked(self, index: int) -> None:
        self._pick("B", index)

    def _pick(self, slot: str, index: int) -> None:
        if 0 <= index < len(self._runs):
            self._picked[slot] = self._runs[index].path

    def _on_log_scale_toggled(self, checked: bool) -> None:
        self._loss_plot.setLogMode(y=checked)
        self._loss_plot.enableAutoRange(y=True)
        if not checked and not self._log_scale_chosen_by_user:
            self._scale_note = ""

    def _on_log_scale_clicked(self) -> None:
        self._log_scale_chosen_by_user = True
        self._scale_note = ""
        self._draw()

    def _on_view_resized(self, view_box) -> None:
        # The markers' room is counted in pixels, so a resized view needs its padding redone.
        if self._x_range_is_ours:
            self._apply_x_range()

    def _on_range_changed_by_user(self, *args) -> None:
        self._x_range_is_ours = False
