"""The experiments panel: sweep one or two settings, train every combination, compare the runs.

A view over :mod:`cnnviz.core.experiments`. The user picks one of the report's §3.2.1
presets or writes up to two sweeps (a setting such as ``training.learning_rate`` and its
values ``0.005, 0.05, 0.7``); Run expands them into one :class:`ExperimentRun` per
combination, checked before anything trains, and asks for them to be trained through
:attr:`ExperimentsPanel.sig_run_requested`. The main window forwards the model service's
experiment signals to :meth:`ExperimentsPanel.add_progress`, :meth:`ExperimentsPanel.add_outcome`
and :meth:`ExperimentsPanel.finish`: every run gets a loss curve (x: fractional epoch) and a
row in the results table, beside the report's own numbers when a preset runs. A run that
diverged is marked at its last finite loss, and the loss axis turns logarithmic when a diverged
run's losses would flatten the others'.
"""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

import cnnviz.ui  # noqa: F401  (configures pyqtgraph before any plot item exists)
from cnnviz.core import config as cfg
from cnnviz.core.experiments import (
    PRESETS,
    REPORT_NUMBERS,
    ExperimentRun,
    ExperimentSpec,
    RunOutcome,
    Sweep,
    expand,
    outcomes_csv,
    parse_sweep,
    report_markdown,
)
from cnnviz.service.payloads import ExperimentFinished, ExperimentProgress
from cnnviz.ui.export import ExportError, render_widget, write_text
from cnnviz.ui.plots.axes import LOG_SCALE_TOOLTIP, log_scale_reason, pad_x_range
from cnnviz.ui.plots.divergence import DivergenceMarker, divergence_point
from cnnviz.ui.plots.legend_strip import LegendStrip
from cnnviz.ui.wording import counted

CUSTOM = "(custom)"
"""The preset combo's first entry: sweeps written by hand."""

ENGINES = (("numpy", "NumPy (from scratch)"), ("keras", "Keras / TensorFlow"))
NUM_SWEEP_ROWS = 2
ERROR_STYLE = "color: #c62828;"
NORMAL_STYLE = "color: #333;"

# Tableau's ten colours, as the training monitor uses them: distinct on white.
RUN_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
               "#7f7f7f", "#bcbd22", "#17becf")

BASE_COLUMNS = ("run", "train %", "test %", "final loss", "time (s)", "diverged")
REPORT_COLUMNS = ("report: train %", "report: test %")
COLUMN_TOOLTIPS = {
    "run": "The run's swept values.",
    "train %": "Accuracy on the training images after the last epoch (dropout off).",
    "test %": "Accuracy on the dataset's test split after the last epoch.",
    "final loss": "The loss of the last batch whose loss was a finite number.",
    "time (s)": "Wall-clock time the run took, evaluation included.",
    "diverged": "Whether the loss became NaN or infinite (accuracies then use the last good weights).",
    "report: train %": "The report's training accuracy for this setting (§3.2.1).",
    "report: test %": "The report's test accuracy for this setting (§3.2.1).",
}


def setting_suggestions(config: cfg.ModelConfig) -> list[str]:
    """The settings offered in the sweep boxes for ``config``.

    Training settings, the initializer, and for each layer the field worth sweeping: conv
    filters, hidden dense units (the output layer's units are fixed by the classes) and
    dropout rates.
    """
    suggestions = ["training.learning_rate", "training.optimizer", "training.batch_size", "training.epochs",
                   "training.train_subset", "training.momentum", "training.seed", "initializer",
                   "initializer.scale"]
    names = config.layer_names()
    dense_names = [name for name, layer in zip(names, config.layers) if isinstance(layer, cfg.Dense)]
    for name, layer in zip(names, config.layers):
        if isinstance(layer, cfg.Conv2D):
            suggestions.append(f"layers.{name}.filters")
        elif isinstance(layer, cfg.Dense) and name != (dense_names[-1] if dense_names else None):
            suggestions.append(f"layers.{name}.units")
        elif isinstance(layer, cfg.Dropout):
            suggestions.append(f"layers.{name}.rate")
    return suggestions


def _current_value(config: cfg.ModelConfig, setting: str):
    """The value ``setting`` has in ``config``, or ``None`` when it cannot be told (the sweep's own
    checks then report the unknown setting)."""
    parts = setting.split(".")
    if parts[0] == "training" and len(parts) == 2:
        return getattr(config.training, parts[1], None)
    if parts == ["initializer"]:
        return config.initializer.name
    if parts == ["initializer", "scale"]:
        return config.initializer.scale
    if parts[0] == "layers" and len(parts) == 3:
        names = config.layer_names()
        if parts[1] in names:
            layer = config.layers[names.index(parts[1])]
            if parts[2] in {item.name for item in fields(layer)}:
                return getattr(layer, parts[2])
    return None


def _type_problem(config: cfg.ModelConfig, sweep: Sweep) -> str | None:
    """A readable complaint when a sweep's values are of the wrong kind for its setting."""
    current = _current_value(config, sweep.setting)
    if current is None and sweep.setting != "training.train_subset":
        return None
    is_number = all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in sweep.values)
    if isinstance(current, tuple):
        return (f"{sweep.setting} takes a pair of numbers such as (3, 3) and cannot be swept here; "
                "sweep a single-valued setting instead.")
    if isinstance(current, bool) or isinstance(current, str):
        if is_number and sweep.setting != "initializer":
            return f"{sweep.setting} takes names, received {', '.join(map(str, sweep.values))}."
        return None
    if isinstance(current, int) or sweep.setting == "training.train_subset":
        if not all(isinstance(value, int) for value in sweep.values):
            return (f"{sweep.setting} takes whole numbers, received "
                    f"{', '.join(map(str, sweep.values))}; write them without decimals, e.g. 32, 64.")
        return None
    if isinstance(current, float) and not is_number:
        return f"{sweep.setting} takes numbers, received {', '.join(map(str, sweep.values))}."
    return None


def custom_report_markdown(name: str, outcomes: list[RunOutcome]) -> str:
    """A Markdown report of a hand-written experiment: its settings and the results table."""
    settings = list(dict.fromkeys(key for outcome in outcomes for key in outcome.run.settings))
    lines = [f"# cnnviz experiment: {name}", "",
             f"Swept: {', '.join(settings) or '—'}. Accuracies in %; every other setting as in the "
             "base configuration.", "",
             "| run | train | test | final loss | seconds | diverged |", "|---|---|---|---|---|---|"]
    for outcome in outcomes:
        lines.append("| {} | {} | {} | {} | {:.1f} | {} |".format(
            outcome.run.label, _percent_text(outcome.train_accuracy), _percent_text(outcome.test_accuracy),
            _loss_text(outcome.final_loss), outcome.seconds, "yes" if outcome.diverged else "no"))
    lines.append("")
    return "\n".join(lines)


def _percent_text(value: float | None) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value * 100:.2f}"


def _loss_text(value: float | None) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.4g}"


class _SweepRow:
    """One sweep: an editable setting box and a values line."""

    def __init__(self, number: int):
        self.setting_combo = QComboBox()
        self.setting_combo.setEditable(True)
        self.setting_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setting_combo.setMinimumContentsLength(14)
        self.setting_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setting_combo.setToolTip(
            f"Setting {number} to sweep: training.<name>, initializer (a name, or normal:<scale>), "
            "initializer.scale or layers.<layer>.<name>. Pick one or type it.")
        self.values_edit = QLineEdit()
        self.values_edit.setPlaceholderText("values, e.g. 0.005, 0.05, 0.7" if number == 1
                                            else "optional second sweep")
        self.values_edit.setToolTip(f"The values setting {number} takes, separated by commas. With two "
                                    "sweeps every combination of their values is one run.")
        self.values_edit.setClearButtonEnabled(True)

    def set_suggestions(self, suggestions: list[str]) -> None:
        text = self.setting_combo.currentText()
        self.setting_combo.blockSignals(True)
        self.setting_combo.clear()
        self.setting_combo.addItems(suggestions)
        self.setting_combo.setEditText(text)
        self.setting_combo.blockSignals(False)

    def text(self) -> tuple[str, str]:
        return self.setting_combo.currentText().strip(), self.values_edit.text().strip()

    def set_text(self, setting: str, values: str) -> None:
        self.setting_combo.setEditText(setting)
        self.values_edit.setText(values)

    def set_enabled(self, enabled: bool) -> None:
        self.setting_combo.setEnabled(enabled)
        self.values_edit.setEnabled(enabled)


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
        self._base_config = cfg.reference_config()
        # Learning rates that suit the model panel's default optimizer (Adam); the report's SGD
        # values are in the "learning rate" preset.
        self._custom_text = [("training.learning_rate", "0.0001, 0.001, 0.01"), ("", "")]
        self._busy = False
        self._runs: list[ExperimentRun] = []
        self._run_rows: dict[int, int] = {}
        self._outcomes: list[RunOutcome] = []
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
        self._spec_name = ""
        self._active_preset: str | None = None
        self._previous_preset: str | None = None
        self._build_widgets()
        self._on_preset_changed()

    # -- construction ------------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.preset_combo = QComboBox()
        self.preset_combo.addItem(CUSTOM, "")
        self.preset_combo.setItemData(0, "Write your own sweeps of one or two settings.", Qt.ItemDataRole.ToolTipRole)
        for name, spec in PRESETS.items():
            self.preset_combo.addItem(name, name)
            self.preset_combo.setItemData(self.preset_combo.count() - 1, spec.description,
                                          Qt.ItemDataRole.ToolTipRole)
        self.preset_combo.setToolTip("One of the report's §3.2.1 experiments (its own base settings: SGD at "
                                     "0.05, batch 32, 5,000 images, no dropout change), or your own sweeps "
                                     "of the model panel's configuration.")
        self.description_label = QLabel()
        self.description_label.setWordWrap(True)
        self.description_label.setStyleSheet("color: #555;")
        self.description_label.setToolTip("What the chosen experiment varies and what it starts from.")

        self._sweep_rows = [_SweepRow(number + 1) for number in range(NUM_SWEEP_ROWS)]
        self.engine_combo = QComboBox()
        for name, label in ENGINES:
            self.engine_combo.addItem(label, name)
        self.engine_combo.setToolTip("The engine every run trains with.")
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, 1000)
        self.epochs_spin.setToolTip("Epochs per run (overrides the configuration's; a sweep of "
                                    "training.epochs overrides this).")
        self.subset_spin = QSpinBox()
        self.subset_spin.setRange(0, 1_000_000)
        self.subset_spin.setSingleStep(500)
        self.subset_spin.setSpecialValueText("all images")
        self.subset_spin.setSuffix(" images")
        self.subset_spin.setToolTip("Train on the first N training images (0: all of them). Smaller "
                                    "is faster; the report used 5,000.")

        self.plan_label = QLabel()
        self.plan_label.setWordWrap(True)
        self.plan_label.setStyleSheet("color: #555;")
        self.plan_label.setToolTip("How many runs Run will train, and on how much data.")
        self.run_button = QPushButton("Run")
        self.run_button.setToolTip("Check every combination and train them one after another.")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop after the current batch; finished runs keep their results.")
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label.setToolTip("What the experiment is doing, or why it cannot run.")
        self.status_label.setMinimumHeight(36)
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        setup = QGroupBox("Experiment")
        form = QFormLayout(setup)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Preset", self.preset_combo)
        form.addRow(self.description_label)
        for number, row in enumerate(self._sweep_rows, start=1):
            form.addRow(f"Setting {number}", row.setting_combo)
            form.addRow(f"Values {number}", row.values_edit)
        form.addRow("Engine", self.engine_combo)
        form.addRow("Epochs", self.epochs_spin)
        form.addRow("Training set", self.subset_spin)

        settings = QWidget()
        settings_layout = QVBoxLayout(settings)
        settings_layout.setContentsMargins(0, 0, 0, 0)
        settings_layout.addWidget(setup)
        settings_layout.addStretch(1)
        # The settings scroll on their own, so their height never makes the plot and the table
        # scroll off a laptop screen; the plan, Run and the status stay in view under them.
        settings_scroll = QScrollArea()
        settings_scroll.setWidgetResizable(True)
        settings_scroll.setFrameShape(QFrame.Shape.NoFrame)
        settings_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        settings_scroll.setWidget(settings)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        controls = QWidget()
        controls_layout = QVBoxLayout(controls)
        controls_layout.setContentsMargins(0, 0, 0, 0)
        controls_layout.addWidget(settings_scroll)
        controls_layout.addWidget(self.plan_label)
        controls_layout.addLayout(buttons)
        controls_layout.addWidget(self.status_label)
        controls_layout.addStretch(1)
        controls.setMinimumWidth(250)
        controls.setMaximumWidth(400)

        self.plot_widget = pg.PlotWidget()
        self.plot_widget.setMinimumSize(300, 190)
        self.plot_widget.setToolTip("Every batch's training loss of each run against the epoch "
                                    "(batch b of epoch e at e + (b + 1) / batches).")
        self._plot = self.plot_widget.getPlotItem()
        self._plot.setTitle("Training loss per run")
        self._plot.setLabel("bottom", "epoch")
        self._plot.setLabel("left", "cross-entropy")
        self._plot.showGrid(x=True, y=True, alpha=0.25)
        for side in ("left", "bottom"):
            self._plot.getAxis(side).setStyle(maxTickLevel=1)  # fewer, clearer grid lines
            self._plot.getAxis(side).enableAutoSIPrefix(False)  # "0.2", not "200 (x0.001)"
        # Under the x axis, the legend covers none of the curves.
        self._legend = LegendStrip.below(self._plot)
        self.log_scale_check = QCheckBox("Log scale")
        self.log_scale_check.setToolTip(LOG_SCALE_TOOLTIP)
        self.scale_note = QLabel()
        self.scale_note.setWordWrap(True)
        self.scale_note.setStyleSheet("color: #555;")
        self.scale_note.setToolTip("Why the loss axis is logarithmic.")

        self.table = QTableWidget(0, len(BASE_COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setToolTip("One row per run: its accuracies, final loss and time; with a preset, the "
                              "report's numbers beside ours.")
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setMinimumHeight(100)
        self._set_columns(BASE_COLUMNS)

        self.export_csv_button = QPushButton("Export CSV…")
        self.export_csv_button.setToolTip("Write the results table as CSV (settings, accuracies, loss, time).")
        self.export_figure_button = QPushButton("Export figure…")
        self.export_figure_button.setToolTip("Write the loss curves as PNG, SVG or PDF.")
        self.save_report_button = QPushButton("Save report…")
        self.save_report_button.setToolTip("Write a Markdown report: our table, beside the report's "
                                           "numbers when a preset ran.")

        plot_header = QHBoxLayout()
        plot_header.addWidget(self.log_scale_check)
        plot_header.addWidget(self.scale_note, 1)
        plot_area = QWidget()
        plot_layout = QVBoxLayout(plot_area)
        plot_layout.setContentsMargins(0, 0, 0, 0)
        plot_layout.addLayout(plot_header)
        plot_layout.addWidget(self.plot_widget, 1)
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
        top.addWidget(controls)
        top.addWidget(plot_area)
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

        self.preset_combo.currentIndexChanged.connect(self._on_preset_changed)
        for row in self._sweep_rows:
            row.setting_combo.editTextChanged.connect(self._on_plan_edited)
            row.values_edit.textChanged.connect(self._on_plan_edited)
        self.epochs_spin.valueChanged.connect(self._on_plan_edited)
        self.subset_spin.valueChanged.connect(self._on_plan_edited)
        self.run_button.clicked.connect(self._on_run_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.log_scale_check.toggled.connect(self._on_log_scale_toggled)
        self.log_scale_check.clicked.connect(self._on_log_scale_clicked)
        self._plot.vb.sigResized.connect(self._on_view_resized)
        self._plot.vb.sigRangeChangedManually.connect(self._on_range_changed_by_user)
        self.export_csv_button.clicked.connect(self._on_export_csv_clicked)
        self.export_figure_button.clicked.connect(self._on_export_figure_clicked)
        self.save_report_button.clicked.connect(self._on_save_report_clicked)
        self._update_buttons()

    def _set_columns(self, names: tuple[str, ...]) -> None:
        self.table.setColumnCount(len(names))
        self.table.setHorizontalHeaderLabels(list(names))
        for column, name in enumerate(names):
            self.table.horizontalHeaderItem(column).setToolTip(COLUMN_TOOLTIPS[name])
        header = self.table.horizontalHeader()
        # Numbers always show whole; the run's label takes the rest of the width (shortened in
        # the middle, whole in its tooltip, when the table is narrow).
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(48)
        header.setStretchLastSection(False)

    # -- public interface --------------------------------------------------------------------------
    def set_base_config(self, config: cfg.ModelConfig) -> None:
        """Start custom sweeps from ``config`` (the model panel's configuration)."""
        self._base_config = config
        for row in self._sweep_rows:
            row.set_suggestions(setting_suggestions(config))
        if self.preset_name() is None:
            self._load_spins(config)
        self._on_plan_edited()

    def base_config(self) -> cfg.ModelConfig:
        """The configuration custom sweeps start from."""
        return self._base_config

    def preset_name(self) -> str | None:
        """The chosen preset's name, or ``None`` for custom sweeps."""
        return self.preset_combo.currentData() or None

    def set_preset(self, name: str | None) -> None:
        """Choose a preset by name (``None`` for custom sweeps).

        Raises
        ------
        ValueError
            For a name that is not in :data:`PRESETS`.
        """
        if name is not None and name not in PRESETS:
            raise ValueError(f"Unknown preset {name!r}; the presets are {', '.join(PRESETS)}.")
        self.preset_combo.setCurrentIndex(self.preset_combo.findData(name or ""))

    def set_sweep(self, row: int, setting: str, values: str) -> None:
        """Write sweep ``row`` (0 or 1): a setting such as ``training.learning_rate`` and its values."""
        self._sweep_rows[row].set_text(setting, values)

    def set_engine(self, name: str) -> None:
        """Choose the engine (``"numpy"`` or ``"keras"``)."""
        index = self.engine_combo.findData(name)
        if index < 0:
            raise ValueError(f"Unknown engine {name!r}; expected numpy or keras.")
        self.engine_combo.setCurrentIndex(index)

    def spec(self) -> ExperimentSpec:
        """The experiment the controls describe, epochs and training-set size applied to its base.

        Raises
        ------
        ConfigError
            When a sweep is incomplete or its values do not suit its setting.
        """
        subset = self.subset_spin.value() or None
        preset = self.preset_name()
        if preset is not None:
            spec = PRESETS[preset]
            base, sweeps, name, description = spec.base, spec.sweeps, spec.name, spec.description
        else:
            base, sweeps, description = self._base_config, self._custom_sweeps(), ""
            name = " × ".join(sweep.setting for sweep in sweeps)
        base = base.with_training(epochs=self.epochs_spin.value(), train_subset=subset)
        for sweep in sweeps:
            problem = _type_problem(base, sweep)
            if problem:
                raise cfg.ConfigError(problem)
        return ExperimentSpec(name, base, tuple(sweeps), self.engine_combo.currentData(), description)

    def is_busy(self) -> bool:
        """Whether an experiment is running (Run disabled, Cancel enabled)."""
        return self._busy

    def add_progress(self, progress: ExperimentProgress) -> None:
        """Append the steps' losses to the curve of run ``progress.run_index`` (non-finite ones skipped)."""
        if not progress.steps:
            return
        curve = self._curve(progress.run_index)
        positions, losses = self._points[progress.run_index]
        for step in progress.steps:
            if math.isfinite(step.loss):
                positions.append(step.epoch + (step.batch + 1) / max(step.num_batches, 1))
                losses.append(float(step.loss))
            elif progress.run_index not in self._diverged:
                # Where the loss broke: its last finite value so far (none when it broke at once).
                self._mark_diverged(progress.run_index)
        curve.setData(np.asarray(positions), np.asarray(losses))
        last = progress.steps[-1]
        run = self._run_by_index(progress.run_index)
        total = len(self._runs) or "?"
        label = f" ({run.label})" if run is not None else ""
        self._set_status(f"Run {self._position_of(progress.run_index)} of {total}{label}: epoch {last.epoch + 1}, "
                         f"batch {last.batch + 1}/{last.num_batches}, loss {last.loss:.4g}.")

    def add_outcome(self, outcome: RunOutcome) -> None:
        """Fill the run's row of the results table (and its curve, if no progress drew it)."""
        self._outcomes = [item for item in self._outcomes if item.run.index != outcome.run.index]
        self._outcomes.append(outcome)
        self._outcomes.sort(key=lambda item: item.run.index)
        if outcome.run.index not in self._run_rows:
            self._runs.append(outcome.run)
            self._add_row(outcome.run)
        positions, _ = self._points.get(outcome.run.index, ([], []))
        if not positions and outcome.losses:
            self._curve_from_losses(outcome)
        if outcome.diverged and outcome.run.index not in self._diverged:
            self._mark_diverged(outcome.run.index)
        self._choose_log_scale()
        row = self._run_rows[outcome.run.index]
        values = [outcome.run.label, _percent_text(outcome.train_accuracy), _percent_text(outcome.test_accuracy),
                  _loss_text(outcome.final_loss), f"{outcome.seconds:.1f}", "yes" if outcome.diverged else "no"]
        if self._active_preset is not None:
            theirs = self._report_numbers(outcome.run)
            values += [f"{theirs[0]:.2f}", f"{theirs[1]:.1f}"] if theirs else ["—", "—"]
        for column, text in enumerate(values):
            item = self._item(row, column)
            item.setText(text)
            if column and outcome.diverged:
                item.setForeground(QBrush(QColor("#c62828")))
        tooltip = (f"{outcome.run.label}: {outcome.message}" if outcome.message
                   else f"{outcome.run.label}: finished in {outcome.seconds:.1f} s.")
        self._item(row, 0).setToolTip(tooltip)
        self._update_buttons()

    def finish(self, finished: ExperimentFinished) -> None:
        """The experiment ended: record any outcome not seen yet and return to idle."""
        for outcome in finished.outcomes:
            if all(item.run.index != outcome.run.index for item in self._outcomes):
                self.add_outcome(outcome)
        runs = counted(len(finished.outcomes), "run")
        diverged = sum(1 for outcome in finished.outcomes if outcome.diverged)
        self._choose_log_scale()
        text = f"cancelled after {runs}" if finished.cancelled else f"{runs} finished"
        if diverged:
            text += f" ({diverged} diverged)"
        self._set_busy(False)
        self._set_status(text[0].upper() + text[1:] + ".")

    def show_error(self, message: str) -> None:
        """The experiment failed (e.g. its dataset is missing): show ``message`` and return to idle."""
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
        positions, losses = self._points.get(run_index, ([], []))
        return np.asarray(positions, dtype=float), np.asarray(losses, dtype=float)

    def curve_items(self) -> dict[int, pg.PlotDataItem]:
        """The plot item of every run, by run index."""
        return dict(self._curves)

    def legend_labels(self) -> list[str]:
        """The legend's entries, in order."""
        return self._legend.labels()

    def legend(self) -> LegendStrip:
        """The plot's legend (a strip under the x axis)."""
        return self._legend

    def divergence_positions(self) -> dict[int, tuple[float, float] | None]:
        """Where each diverged run's loss broke, by run index: its last finite point, or ``None`` when
        it had none."""
        return {index: self._markers[index].position() if index in self._markers else None
                for index in sorted(self._diverged)}

    def scale_note_text(self) -> str:
        """Why the loss axis is logarithmic (empty when it is not, or when the user chose)."""
        return self.scale_note.text()

    def status_text(self) -> str:
        """The status line."""
        return self.status_label.text()

    def status_is_error(self) -> bool:
        """Whether the status line shows an error."""
        return self.status_label.styleSheet() == ERROR_STYLE

    def table_rows(self) -> list[list[str]]:
        """The results table's text, row by row."""
        return [[self._item(row, column).text() for column in range(self.table.columnCount())]
                for row in range(self.table.rowCount())]

    def table_headers(self) -> list[str]:
        """The results table's column names."""
        return [self.table.horizontalHeaderItem(column).text() for column in range(self.table.columnCount())]

    def run_experiment(self) -> bool:
        """What Run does: expand the spec and ask for its runs, or show why it cannot run.

        Returns
        -------
        bool
            Whether the runs were requested.
        """
        if self._busy:
            return False
        try:
            spec = self.spec()
            runs = expand(spec)
        except (cfg.ConfigError, ValueError, TypeError) as error:
            message = error.message if isinstance(error, cfg.ConfigError) else str(error)
            self._set_status(f"Cannot run: {message}", error=True)
            return False
        self._start(spec, runs)
        self.sig_run_requested.emit(runs, spec.engine)
        return True

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
    def _custom_sweeps(self) -> list[Sweep]:
        sweeps = []
        for number, row in enumerate(self._sweep_rows, start=1):
            setting, values = row.text()
            if not setting and not values:
                continue
            if not values:
                if number > 1:
                    continue  # a setting picked without values: the second sweep is left unused
                raise cfg.ConfigError(f"Write the values of setting {number} ({setting}), separated by "
                                      "commas, e.g. 0.005, 0.05, 0.7.")
            if not setting:
                raise cfg.ConfigError(f"Choose the setting that values {number} ({values}) are for, e.g. "
                                      "training.learning_rate.")
            sweeps.append(parse_sweep(f"{setting}={values}"))
        if not sweeps:
            raise cfg.ConfigError("Write at least one sweep: a setting such as training.learning_rate and "
                                  "its values, e.g. 0.005, 0.05, 0.7.")
        if len(sweeps) == 2 and sweeps[0].setting == sweeps[1].setting:
            raise cfg.ConfigError(f"Both sweeps change {sweeps[0].setting}; sweep two different settings, "
                                  "or put every value in the first.")
        return sweeps

    def _start(self, spec: ExperimentSpec, runs: list[ExperimentRun]) -> None:
        """Clear the previous experiment's curves and table and lay out the new runs."""
        for item in [*self._curves.values(), *self._markers.values()]:
            self._plot.removeItem(item)
        self._legend.clear()
        self._curves, self._points, self._outcomes = {}, {}, []
        self._markers, self._diverged = {}, set()
        self._log_scale_chosen_by_user = False
        self.scale_note.setText("")
        self._epoch_axis_end = float(max((run.config.training.epochs for run in runs), default=1))
        self._x_range_is_ours = True
        self._apply_x_range()
        self._runs, self._run_rows = [], {}
        self._spec_name = spec.name
        self._active_preset = self.preset_name()
        self._set_columns(BASE_COLUMNS + (REPORT_COLUMNS if self._active_preset else ()))
        self.table.setRowCount(0)
        for run in runs:
            self._runs.append(run)
            self._add_row(run)
            self._curve(run.index)
        self._set_busy(True)
        self._set_status(f"Starting {counted(len(runs), 'run')} with the "
                         f"{self.engine_combo.currentText()} engine…")

    def _add_row(self, run: ExperimentRun) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self._run_rows[run.index] = row
        for column in range(self.table.columnCount()):
            item = QTableWidgetItem("…" if column else run.label)
            if column:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, column, item)
        self._item(row, 0).setToolTip(f"{run.label}: waiting to run.")
        self._item(row, 0).setForeground(QBrush(QColor(RUN_COLOURS[row % len(RUN_COLOURS)])))

    def _item(self, row: int, column: int) -> QTableWidgetItem:
        item = self.table.item(row, column)
        if item is None:
            item = QTableWidgetItem("")
            self.table.setItem(row, column, item)
        return item

    def _curve(self, run_index: int) -> pg.PlotDataItem:
        """The run's curve, created (with its legend entry) the first time it is needed."""
        if run_index not in self._curves:
            colour = RUN_COLOURS[self._run_rows.get(run_index, len(self._curves)) % len(RUN_COLOURS)]
            curve = pg.PlotDataItem(pen=pg.mkPen(colour, width=1.5))
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            self._plot.addItem(curve)
            self._legend.addItem(curve, self._run_label(run_index))
            self._curves[run_index] = curve
            self._points[run_index] = ([], [])
        return self._curves[run_index]

    def _curve_from_losses(self, outcome: RunOutcome) -> None:
        """Draw a run's curve from its outcome's losses, spread evenly over its epochs."""
        losses = np.asarray(outcome.losses, dtype=float)
        epochs = outcome.run.config.training.epochs
        positions = (np.arange(len(losses)) + 1.0) * epochs / max(len(losses), 1)
        finite = np.isfinite(losses)
        self._curve(outcome.run.index)
        self._points[outcome.run.index] = (positions[finite].tolist(), losses[finite].tolist())
        self._curves[outcome.run.index].setData(positions[finite], losses[finite])

    def _run_label(self, run_index: int) -> str:
        run = self._run_by_index(run_index)
        return run.label if run is not None else f"run {run_index + 1}"

    def _mark_diverged(self, run_index: int) -> None:
        """Mark the run's last finite loss with a cross and "diverged", and say so in the legend."""
        self._diverged.add(run_index)
        curve = self._curve(run_index)
        positions, losses = self._points[run_index]
        marker = self._markers.get(run_index)
        if marker is None:
            colour = RUN_COLOURS[self._run_rows.get(run_index, len(self._curves)) % len(RUN_COLOURS)]
            marker = DivergenceMarker(colour)
            self._plot.addItem(marker)
            self._markers[run_index] = marker
        marker.place(*(divergence_point(positions, losses, diverged=True) or (None, None)))
        note = "diverged" if marker.position() is not None else "diverged before any finite loss"
        self._legend.set_label(curve, f"{self._run_label(run_index)} ({note})")

    def _choose_log_scale(self) -> None:
        """Turn the log scale on when one run's losses would flatten another's, and say why."""
        if self._log_scale_chosen_by_user:
            return
        reason = log_scale_reason(np.asarray(losses, dtype=float) for _, losses in self._points.values())
        self.scale_note.setText(reason or "")
        self.log_scale_check.setChecked(reason is not None)

    def _apply_x_range(self) -> None:
        """Every run's epochs on the x axis, with room for the markers at either end."""
        if self._epoch_axis_end is not None:
            self._plot.enableAutoRange(x=False)
            pad_x_range(self._plot.vb, 0.0, self._epoch_axis_end)

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
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self._busy
        self.run_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        for widget in (self.preset_combo, self.engine_combo, self.epochs_spin, self.subset_spin):
            widget.setEnabled(not busy)
        custom = self.preset_name() is None
        for row in self._sweep_rows:
            row.set_enabled(custom and not busy)
        has_results = bool(self._outcomes)
        self.export_csv_button.setEnabled(has_results)
        self.save_report_button.setEnabled(has_results)
        self.export_figure_button.setEnabled(bool(self._curves))

    def _set_status(self, text: str, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(ERROR_STYLE if error else NORMAL_STYLE)

    def _load_spins(self, config: cfg.ModelConfig) -> None:
        self.epochs_spin.setValue(config.training.epochs)
        self.subset_spin.setValue(config.training.train_subset or 0)

    # -- slots -------------------------------------------------------------------------------------
    def _on_preset_changed(self) -> None:
        preset = self.preset_name()
        if preset is None:
            for row, (setting, values) in zip(self._sweep_rows, self._custom_text):
                row.set_text(setting, values)
            self.description_label.setText("Sweep one or two settings of the model panel's configuration; "
                                           "every combination of values is one run.")
            self._load_spins(self._base_config)
            for row in self._sweep_rows:
                row.set_suggestions(setting_suggestions(self._base_config))
        else:
            if self._previous_preset is None:
                self._custom_text = [row.text() for row in self._sweep_rows]
            spec = PRESETS[preset]
            for index, row in enumerate(self._sweep_rows):
                sweep = spec.sweeps[index] if index < len(spec.sweeps) else None
                row.set_text(sweep.setting if sweep else "",
                             ", ".join(map(str, sweep.values)) if sweep else "")
            training = spec.base.training
            self.description_label.setText(
                f"{spec.description} Base: {training.optimizer.upper()} at {training.learning_rate:g}, "
                f"batch {training.batch_size}, initializer {spec.base.initializer.name}.")
            self._load_spins(spec.base)
            self.engine_combo.setCurrentIndex(max(self.engine_combo.findData(spec.engine), 0))
        self._previous_preset = preset
        self.preset_combo.setToolTip(self.preset_combo.currentData(Qt.ItemDataRole.ToolTipRole) or "")
        if not self._busy:
            self._set_status("")
        self._update_buttons()
        self._on_plan_edited()

    def _on_plan_edited(self) -> None:
        try:
            runs = expand(self.spec())
        except (cfg.ConfigError, ValueError, TypeError):
            self.plan_label.setText("")
            return
        subset = self.subset_spin.value()
        data = f"the first {subset:,} training images" if subset else "every training image"
        epochs = self.epochs_spin.value()
        training = runs[0].config.training
        swept = {sweep.setting for sweep in self.spec().sweeps}
        optimizer = "" if "training.optimizer" in swept else f" with {training.optimizer}"
        rate = "" if "training.learning_rate" in swept else f" at {training.learning_rate:g}"
        self.plan_label.setText(f"{counted(len(runs), 'run')} × {counted(epochs, 'epoch')}{optimizer}{rate}, "
                                f"each on {data}.")

    def _on_run_clicked(self) -> None:
        self.run_experiment()

    def _on_cancel_clicked(self) -> None:
        self._set_status("Cancelling after the current batch…")
        self.cancel_button.setEnabled(False)
        self.sig_cancel_requested.emit()

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

    def _on_export_csv_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the results table", "experiment.csv",
                                              "CSV files (*.csv)")
        if path:
            self._export(self.export_csv, path)

    def _on_export_figure_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the loss curves", "experiment.png",
                                              "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)")
        if path:
            self._export(self.export_figure, path)

    def _on_save_report_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the experiment report", "experiment.md",
                                              "Markdown files (*.md)")
        if path:
            self._export(self.save_report, path)

    def _export(self, write, path: str) -> None:
        try:
            write(path)
        except ExportError as error:
            self._set_status(str(error), error=True)
            return
        self._set_status(f"Wrote {path}.")
