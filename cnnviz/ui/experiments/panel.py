"""The experiments panel: sweep one or two settings, train every combination, compare the runs.

A view over :mod:`cnnviz.core.experiments`. The user picks one of the report's §3.2.1
presets or writes up to two sweeps in the :class:`~cnnviz.ui.experiments.setup_form.ExperimentSetup`
beside the plot; Run expands them into one :class:`ExperimentRun` per combination, checked before
anything trains, and asks for them to be trained through :attr:`ExperimentsPanel.sig_run_requested`.
The main window forwards the model service's experiment signals to
:meth:`ExperimentsPanel.add_progress`, :meth:`ExperimentsPanel.add_outcome` and
:meth:`ExperimentsPanel.finish`: every run gets a loss curve (x: fractional epoch) in the
:class:`~cnnviz.ui.experiments.loss_plot.ExperimentLossPlot` and a row in the
:class:`~cnnviz.ui.experiments.results_table.ResultsTable`, beside the report's own numbers when a
preset runs.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSplitter, QVBoxLayout, QWidget

from cnnviz.core import config as cfg
from cnnviz.core.experiments import (
    REPORT_NUMBERS,
    ExperimentRun,
    ExperimentSpec,
    RunOutcome,
    expand,
    outcomes_csv,
    report_markdown,
)
from cnnviz.service.payloads import ExperimentFinished, ExperimentProgress
from cnnviz.ui.experiments.loss_plot import ExperimentLossPlot
from cnnviz.ui.experiments.outcome_text import custom_report_markdown, loss_text, percent_text
from cnnviz.ui.experiments.results_table import BASE_COLUMNS, REPORT_COLUMNS, ResultsTable
from cnnviz.ui.experiments.setup_form import ExperimentSetup, SweepRow
from cnnviz.ui.export import ExportError, render_widget, write_text
from cnnviz.ui.plots.legend_strip import LegendStrip
from cnnviz.ui.save_folder import ask_save_path
from cnnviz.ui.wording import counted


class ExperimentsPanel(QWidget):
    """Sweep settings, train every combination and compare the runs' curves and accuracies.

    Parameters
    ----------
    parent : QWidget, optional
    """

    sig_run_requested = Signal(object, str)
    """Train these runs (a list of :class:`ExperimentRun`) one after another with this engine."""
    sig_cancel_requested = Signal()
    """Stop the experiment after the current batch."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._busy = False
        self._runs: list[ExperimentRun] = []
        self._run_rows: dict[int, int] = {}
        self._runs_started: set[int] = set()  # runs whose training began (progress arrived)
        self._outcomes: list[RunOutcome] = []
        self._spec_name = ""
        self._active_preset: str | None = None
        self._build_widgets()

    # -- construction ------------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.setup = ExperimentSetup()
        # The form's controls, under the names the window and the tests have always used.
        setup = self.setup
        self.preset_combo, self.description_label = setup.preset_combo, setup.description_label
        self.engine_combo, self.epochs_spin, self.subset_spin = setup.engine_combo, setup.epochs_spin, setup.subset_spin
        self.plan_label, self.status_label = setup.plan_label, setup.status_label
        self.length_label = setup.length_label
        self.run_button, self.cancel_button = setup.run_button, setup.cancel_button

        self.loss_plot = ExperimentLossPlot()
        self.plot_widget = self.loss_plot.plot_widget
        self.log_scale_check, self.scale_note = self.loss_plot.log_scale_check, self.loss_plot.scale_note

        self.table = ResultsTable()
        self.export_csv_button = QPushButton("Export CSV…")
        self.export_csv_button.setToolTip("Write the results table as CSV (settings, accuracies, loss, time).")
        self.export_figure_button = QPushButton("Export figure…")
        self.export_figure_button.setToolTip("Write the loss curves as PNG, SVG or PDF.")
        self.save_report_button = QPushButton("Save report…")
        self.save_report_button.setToolTip("Write a Markdown report: our table, beside the report's "
                                           "numbers when a preset ran.")
        exports = QHBoxLayout()
        exports.addStretch(1)
        exports.addWidget(self.export_csv_button)
        exports.addWidget(self.export_figure_button)
        exports.addWidget(self.save_report_button)
        table_area = QWidget()
        table_layout = QVBoxLayout(table_area)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.table, 1)
        table_layout.addLayout(exports)

        # The settings beside the curves, and the results table under both with the page's whole
        # width, so every run's label and numbers show at once on a laptop screen.
        top = QSplitter(Qt.Orientation.Horizontal)
        top.setChildrenCollapsible(False)
        top.addWidget(self.setup)
        top.addWidget(self.loss_plot)
        top.setStretchFactor(0, 0)
        top.setStretchFactor(1, 1)
        top.setSizes([280, 700])
        body = QSplitter(Qt.Orientation.Vertical)
        body.setChildrenCollapsible(False)
        body.addWidget(top)
        body.addWidget(table_area)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 1)
        body.setSizes([420, 170])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(body)

        self.run_button.clicked.connect(self._on_run_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.export_csv_button.clicked.connect(self._on_export_csv_clicked)
        self.export_figure_button.clicked.connect(self._on_export_figure_clicked)
        self.save_report_button.clicked.connect(self._on_save_report_clicked)
        self._update_buttons()

    # -- public interface: the experiment's settings -----------------------------------------------
    def set_base_config(self, config: cfg.ModelConfig) -> None:
        """Start custom sweeps from ``config`` (the model panel's configuration)."""
        self.setup.set_base_config(config)

    def base_config(self) -> cfg.ModelConfig:
        """The configuration custom sweeps start from."""
        return self.setup.base_config()

    def preset_name(self) -> str | None:
        """The chosen preset's name, or ``None`` for custom sweeps."""
        return self.setup.preset_name()

    def set_preset(self, name: str | None) -> None:
        """Choose a preset by name (``None`` for custom sweeps); see :meth:`ExperimentSetup.set_preset`."""
        self.setup.set_preset(name)

    def sweep_row(self, index: int) -> SweepRow:
        """Sweep row ``index`` (0 or 1): its setting box and values line."""
        return self.setup.sweep_row(index)

    def set_sweep(self, row: int, setting: str, values: str) -> None:
        """Write sweep ``row`` (0 or 1): a setting such as ``training.learning_rate`` and its values."""
        self.setup.set_sweep(row, setting, values)

    def set_engine(self, name: str) -> None:
        """Choose the engine (``"numpy"`` or ``"keras"``)."""
        self.setup.set_engine(name)

    def spec(self) -> ExperimentSpec:
        """The experiment the controls describe; see :meth:`ExperimentSetup.spec`."""
        return self.setup.spec()

    def is_busy(self) -> bool:
        """Whether an experiment is running (Run disabled, Cancel enabled)."""
        return self._busy

    # -- public interface: the runs ----------------------------------------------------------------
    def add_progress(self, progress: ExperimentProgress) -> None:
        """Append the steps' losses to the curve of run ``progress.run_index`` (non-finite ones skipped)."""
        if not progress.steps:
            return
        self.loss_plot.add_steps(progress.run_index, progress.steps)
        self._runs_started.add(progress.run_index)
        last = progress.steps[-1]
        run = self._run_by_index(progress.run_index)
        total = len(self._runs) or "?"
        label = f" ({run.label})" if run is not None else ""
        training = run.config.training if run is not None else None
        if training is not None and training.full_batch and training.iterations is not None:
            where = f"iteration {last.epoch + 1:,} of {training.iterations:,} (full batch)"
        else:
            where = f"epoch {last.epoch + 1}, batch {last.batch + 1}/{last.num_batches}"
        self._set_status(f"Run {self._position_of(progress.run_index)} of {total}{label}: {where}, "
                         f"loss {last.loss:.4g}.")

    def add_outcome(self, outcome: RunOutcome) -> None:
        """Fill the run's row of the results table (and its curve, if no progress drew it)."""
        self._outcomes = [item for item in self._outcomes if item.run.index != outcome.run.index]
        self._outcomes.append(outcome)
        self._outcomes.sort(key=lambda item: item.run.index)
        if outcome.run.index not in self._run_rows:
            self._add_run(outcome.run)
        self.loss_plot.add_outcome(outcome)
        values = [outcome.run.label, percent_text(outcome.train_accuracy), percent_text(outcome.test_accuracy),
                  loss_text(outcome.final_loss), f"{outcome.seconds:.1f}", "yes" if outcome.diverged else "no"]
        if self._active_preset is not None:
            theirs = self._report_numbers(outcome.run)
            values += [f"{theirs[0]:.2f}", f"{theirs[1]:.1f}"] if theirs else ["—", "—"]
        tooltip = (f"{outcome.run.label}: {outcome.message}" if outcome.message
                   else f"{outcome.run.label}: finished in {outcome.seconds:.1f} s.")
        self.table.fill_row(self._run_rows[outcome.run.index], values, outcome.diverged, tooltip)
        self._update_buttons()

    def finish(self, finished: ExperimentFinished) -> None:
        """The experiment ended: record any outcome not seen yet and return to idle."""
        for outcome in finished.outcomes:
            if all(item.run.index != outcome.run.index for item in self._outcomes):
                self.add_outcome(outcome)
        self._mark_unfinished("cancelled" if finished.cancelled else "not run")
        runs = counted(len(finished.outcomes), "run")
        diverged = sum(1 for outcome in finished.outcomes if outcome.diverged)
        self.loss_plot.choose_log_scale()
        if finished.cancelled:
            text = f"cancelled after {runs}" if finished.outcomes else "cancelled before any run finished"
        else:
            text = f"{runs} finished"
        if diverged:
            text += f" ({diverged} diverged)"
        self._set_busy(False)
        self._set_status(text[0].upper() + text[1:] + ".")

    def show_error(self, message: str) -> None:
        """The experiment failed (e.g. its dataset is missing): show ``message`` and return to idle."""
        if self._busy:
            self._mark_unfinished("failed")
        self._set_busy(False)
        self._set_status(message, error=True)

    def outcomes(self) -> list[RunOutcome]:
        """Every finished run's outcome, in run order."""
        return list(self._outcomes)

    def runs(self) -> list[ExperimentRun]:
        """The runs of the last experiment started."""
        return list(self._runs)

    def curve_data(self, run_index: int) -> tuple[np.ndarray, np.ndarray]:
        """The plotted ``(x, y)`` of run ``run_index``: fractional epochs and losses."""
        return self.loss_plot.curve_data(run_index)

    def curve_items(self) -> dict[int, pg.PlotDataItem]:
        """The plot item of every run, by run index."""
        return self.loss_plot.curve_items()

    def legend_labels(self) -> list[str]:
        """The legend's entries, in order."""
        return self.loss_plot.legend().labels()

    def legend(self) -> LegendStrip:
        """The plot's legend (a strip under the x axis)."""
        return self.loss_plot.legend()

    def divergence_positions(self) -> dict[int, tuple[float, float] | None]:
        """Where each diverged run's loss broke, by run index: its last finite point, or ``None`` when
        it had none."""
        return self.loss_plot.divergence_positions()

    def scale_note_text(self) -> str:
        """Why the loss axis is logarithmic (empty when it is not, or when the user chose)."""
        return self.scale_note.text()

    def status_text(self) -> str:
        """The status line."""
        return self.status_label.text()

    def status_is_error(self) -> bool:
        """Whether the status line shows an error."""
        return self.setup.status_is_error()

    def table_rows(self) -> list[list[str]]:
        """The results table's text, row by row."""
        return self.table.rows()

    def table_headers(self) -> list[str]:
        """The results table's column names."""
        return self.table.headers()

    def run_experiment(self) -> bool:
        """What Run does: expand the spec and ask for its runs, or show why it cannot run.

        Returns
        -------
        bool
            Whether the runs were requested.
        """
        if self._busy or self.setup.check_plan() is not None:
            return False
        spec = self.spec()
        runs = expand(spec)
        self._start(spec, runs)
        self.sig_run_requested.emit(runs, spec.engine)
        return True

    # -- public interface: exports -----------------------------------------------------------------
    def export_csv(self, path) -> None:
        """Write the results table as CSV.

        Raises
        ------
        ExportError
            When the file cannot be written.
        """
        write_text(path, outcomes_csv(self._outcomes))

    def export_figure(self, path) -> None:
        """Render the loss curves to a PNG, SVG or PDF file (chosen by the suffix)."""
        render_widget(self.plot_widget, path, title=f"Experiment: {self._spec_name}" if self._spec_name else None)

    def save_report(self, path) -> None:
        """Write a Markdown report: for a preset, our table beside the report's numbers."""
        if self._active_preset is not None:
            text = report_markdown({self._active_preset: self._outcomes})
        else:
            text = custom_report_markdown(self._spec_name or "experiment", self._outcomes)
        write_text(path, text)

    # -- state -------------------------------------------------------------------------------------
    def _start(self, spec: ExperimentSpec, runs: list[ExperimentRun]) -> None:
        """Clear the previous experiment's curves and table and lay out the new runs."""
        full_batch = bool(runs) and all(run.config.training.full_batch for run in runs)
        self.loss_plot.start(max((run.config.training.expected_epochs() for run in runs), default=1),
                             "iteration (full batch)" if full_batch else "epoch")
        self._runs, self._run_rows = [], {}
        self._runs_started = set()
        self._outcomes = []
        self._spec_name = spec.name
        self._active_preset = self.preset_name()
        self.table.set_columns(BASE_COLUMNS + (REPORT_COLUMNS if self._active_preset else ()))
        self.table.setRowCount(0)
        self.table.clearSpans()
        for run in runs:
            self._add_run(run)
            self.loss_plot.curve(run.index)
        self._set_busy(True)
        self._set_status(f"Starting {counted(len(runs), 'run')} with the "
                         f"{self.engine_combo.currentText()} engine…")

    def _mark_unfinished(self, stopped: str) -> None:
        """Mark the rows of runs without an outcome: the run that was training as ``stopped``
        ("cancelled", "failed"), the runs that never started as "not run"."""
        finished = {outcome.run.index for outcome in self._outcomes}
        for run in self._runs:
            if run.index in finished:
                continue
            started = run.index in self._runs_started
            state = stopped if started else "not run"
            tooltip = (f"{run.label}: {stopped} while it trained; it has no results." if started
                       else f"{run.label}: not run; the experiment ended before it started.")
            self.table.mark_unfinished(self._run_rows[run.index], state, tooltip)

    def _add_run(self, run: ExperimentRun) -> None:
        """A row in the table for ``run``, and its name and colour for the plot."""
        self._runs.append(run)
        row = self.table.add_run(run)
        self._run_rows[run.index] = row
        self.loss_plot.add_run(run.index, run.label, row)

    def _run_by_index(self, run_index: int) -> ExperimentRun | None:
        return next((run for run in self._runs if run.index == run_index), None)

    def _position_of(self, run_index: int) -> int:
        return self._run_rows.get(run_index, run_index) + 1

    def _report_numbers(self, run: ExperimentRun) -> tuple[float, float] | None:
        numbers = REPORT_NUMBERS.get(self._active_preset or "", {})
        for setting, value in run.settings.items():
            theirs = numbers.get(setting, {}).get(value)
            if theirs is not None:
                return theirs
        return None

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.setup.set_busy(busy)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_results = bool(self._outcomes)
        self.export_csv_button.setEnabled(has_results)
        self.save_report_button.setEnabled(has_results)
        self.export_figure_button.setEnabled(self.loss_plot.has_curves())

    def _set_status(self, text: str, error: bool = False) -> None:
        self.setup.set_status(text, error)

    # -- slots -------------------------------------------------------------------------------------
    def _on_run_clicked(self) -> None:
        self.run_experiment()

    def _on_cancel_clicked(self) -> None:
        self._set_status("Cancelling after the current batch…")
        self.cancel_button.setEnabled(False)
        self.sig_cancel_requested.emit()

    def _on_export_csv_clicked(self) -> None:
        path = ask_save_path(self, "Export table", "experiment_results.csv", "CSV files (*.csv)")
        if path:
            self._export(self.export_csv, path)

    def _on_export_figure_clicked(self) -> None:
        # A short title (a long one is cut off in the title bar); the file name carries the detail.
        path = ask_save_path(self, "Export figure", "experiment_loss-curves.png",
                             "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)")
        if path:
            self._export(self.export_figure, path)

    def _on_save_report_clicked(self) -> None:
        path = ask_save_path(self, "Save report", "experiment_report.md", "Markdown files (*.md)")
        if path:
            self._export(self.save_report, path)

    def _export(self, write, path: str) -> None:
        try:
            write(path)
        except ExportError as error:
            self._set_status(str(error), error=True)
            return
        self._set_status(f"Wrote {path}.")
