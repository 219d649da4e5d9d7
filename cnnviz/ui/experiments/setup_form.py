"""The Experiments tab's left column: what to sweep, with which engine, on how much data, and Run.

The user picks one of the report's §3.2.1 presets or writes up to two sweeps (a setting such as
``training.learning_rate`` and its values ``0.005, 0.05, 0.7``); :meth:`ExperimentSetup.spec`
turns the controls into an :class:`~cnnviz.core.experiments.ExperimentSpec`, checked before
anything trains, and a line under them says how many runs Run will train. The status line
under Run and Cancel says what the experiment is doing, or why it cannot run.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cnnviz.core import config as cfg
from cnnviz.core.experiments import PRESETS, ExperimentSpec, Sweep, expand, parse_sweep, with_data
from cnnviz.ui.experiments.sweep_settings import setting_suggestions, type_problem
from cnnviz.ui.wording import counted

CUSTOM = "(custom)"
"""The preset combo's first entry: sweeps written by hand."""

ENGINES = (("numpy", "NumPy (from scratch)"), ("keras", "Keras / TensorFlow"))
NUM_SWEEP_ROWS = 2
MAX_EPOCHS = 1000
MAX_ITERATIONS = 100_000
ERROR_STYLE = "color: #c62828;"
NORMAL_STYLE = "color: #333;"


class SweepRow:
    """One sweep: an editable setting box and a values line.

    Parameters
    ----------
    number : int
        The sweep's number as the form shows it (1 or 2).
    """

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
        """Offer ``suggestions`` in the setting box, keeping what it holds."""
        text = self.setting_combo.currentText()
        self.setting_combo.blockSignals(True)
        self.setting_combo.clear()
        self.setting_combo.addItems(suggestions)
        self.setting_combo.setEditText(text)
        self.setting_combo.blockSignals(False)

    def text(self) -> tuple[str, str]:
        """The setting and the values as written, without surrounding spaces."""
        return self.setting_combo.currentText().strip(), self.values_edit.text().strip()

    def set_text(self, setting: str, values: str) -> None:
        """Write ``setting`` and ``values`` into the row."""
        self.setting_combo.setEditText(setting)
        self.values_edit.setText(values)

    def set_enabled(self, enabled: bool) -> None:
        """Let the row be edited, or not."""
        self.setting_combo.setEnabled(enabled)
        self.values_edit.setEnabled(enabled)


class ExperimentSetup(QWidget):
    """The experiment's settings, the plan they make, Run and Cancel, and the status line.

    Run and Cancel are :attr:`run_button` and :attr:`cancel_button`; the panel that holds the form
    connects them.

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._base_config = cfg.reference_config()
        # Learning rates that suit the model panel's default optimizer (Adam); the report's SGD
        # values are in the "learning rate" preset.
        self._custom_text = [("training.learning_rate", "0.0001, 0.001, 0.01"), ("", "")]
        self._busy = False
        self._previous_preset: str | None = None
        # Why the plan cannot run (None: it can), and whether the status line shows it (it is
        # cleared there once the plan is fixed).
        self._plan_problem: str | None = None
        self._showing_plan_problem = False
        self._build_widgets()
        self._on_preset_changed()

    def _build_widgets(self) -> None:
        self.preset_combo = QComboBox()
        self.preset_combo.addItem(CUSTOM, "")
        self.preset_combo.setItemData(0, "Write your own sweeps of one or two settings.", Qt.ItemDataRole.ToolTipRole)
        for name, spec in PRESETS.items():
            self.preset_combo.addItem(name, name)
            self.preset_combo.setItemData(self.preset_combo.count() - 1, spec.description,
                                          Qt.ItemDataRole.ToolTipRole)
        self.preset_combo.setToolTip("One of the report's §3.2.1 experiments, on the reference CNN (SGD at "
                                     "0.05, batch 32, 5,000 images) or, as \"report network: ...\", on the "
                                     "report's own 784-100-10 network (gradient descent on the full batch of "
                                     "5,000 images, 1,500 iterations), at the model panel's input shape; or "
                                     "your own sweeps of the model panel's configuration.")
        self.description_label = QLabel()
        self.description_label.setWordWrap(True)
        self.description_label.setStyleSheet("color: #555;")
        self.description_label.setToolTip("What the chosen experiment varies and what it starts from.")

        self._sweep_rows = [SweepRow(number + 1) for number in range(NUM_SWEEP_ROWS)]
        self.engine_combo = QComboBox()
        for name, label in ENGINES:
            self.engine_combo.addItem(label, name)
        self.engine_combo.setToolTip("The engine every run trains with.")
        # Epochs per run, or iterations for a configuration that trains by iterations (the report
        # network's full-batch gradient descent): the label and the range follow the base.
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setGroupSeparatorShown(True)
        self.length_label = QLabel("Epochs")
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
        form.addRow(self.length_label, self.epochs_spin)
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(settings_scroll)
        layout.addWidget(self.plan_label)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)
        layout.addStretch(1)
        self.setMinimumWidth(250)
        self.setMaximumWidth(400)

        self.preset_combo.currentIndexChanged.connect(self._on_preset_changed)
        for row in self._sweep_rows:
            row.setting_combo.editTextChanged.connect(self._on_plan_edited)
            row.values_edit.textChanged.connect(self._on_plan_edited)
        self.epochs_spin.valueChanged.connect(self._on_plan_edited)
        self.subset_spin.valueChanged.connect(self._on_plan_edited)

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
            For a name that is not in :data:`~cnnviz.core.experiments.PRESETS`.
        """
        if name is not None and name not in PRESETS:
            raise ValueError(f"Unknown preset {name!r}; the presets are {', '.join(PRESETS)}.")
        self.preset_combo.setCurrentIndex(self.preset_combo.findData(name or ""))

    def sweep_row(self, index: int) -> SweepRow:
        """Sweep row ``index`` (0 or 1): its setting box and values line."""
        return self._sweep_rows[index]

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
            # The report's settings, at the input shape of the model panel (its dataset fitted to it).
            spec = with_data(PRESETS[preset], input_shape=self._base_config.input_shape)
            base, sweeps, name, description = spec.base, spec.sweeps, spec.name, spec.description
        else:
            base, sweeps, description = self._base_config, self._custom_sweeps(), ""
            name = " × ".join(sweep.setting for sweep in sweeps)
        length = "iterations" if base.training.iterations is not None else "epochs"
        base = base.with_training(**{length: self.epochs_spin.value()}, train_subset=subset)
        for sweep in sweeps:
            problem = type_problem(base, sweep)
            if problem:
                raise cfg.ConfigError(problem)
        return ExperimentSpec(name, base, tuple(sweeps), self.engine_combo.currentData(), description)

    def plan_problem(self) -> str | None:
        """Why the experiment the controls describe cannot run (what was written, what is expected),
        or ``None`` when it can."""
        try:
            expand(self.spec())
        except cfg.ConfigError as error:
            return error.message
        except (ValueError, TypeError) as error:
            return str(error)
        return None

    def set_busy(self, busy: bool) -> None:
        """While an experiment runs, Run and every setting are disabled and Cancel enabled."""
        self._busy = busy
        self._update_controls()

    def set_status(self, text: str, error: bool = False) -> None:
        """Show ``text`` in the status line, in red when it is an ``error``."""
        self._showing_plan_problem = False
        self.status_label.setText(text)
        self.status_label.setStyleSheet(ERROR_STYLE if error else NORMAL_STYLE)

    def status_is_error(self) -> bool:
        """Whether the status line shows an error."""
        return self.status_label.styleSheet() == ERROR_STYLE

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

    def _update_controls(self) -> None:
        busy = self._busy
        self.run_button.setEnabled(not busy and self._plan_problem is None)
        self.cancel_button.setEnabled(busy)
        for widget in (self.preset_combo, self.engine_combo, self.epochs_spin, self.subset_spin):
            widget.setEnabled(not busy)
        custom = self.preset_name() is None
        for row in self._sweep_rows:
            row.set_enabled(custom and not busy)

    def _load_spins(self, config: cfg.ModelConfig) -> None:
        training = config.training
        by_iterations = training.iterations is not None
        self.length_label.setText("Iterations" if by_iterations else "Epochs")
        self.epochs_spin.setRange(1, MAX_ITERATIONS if by_iterations else MAX_EPOCHS)
        self.epochs_spin.setToolTip(
            ("Steps per run" + (", each on every training image (full-batch gradient descent)"
                                if training.full_batch else "") + "; overrides the configuration's.")
            if by_iterations else
            "Epochs per run (overrides the configuration's; a sweep of training.epochs overrides this).")
        self.epochs_spin.setValue(training.iterations if training.iterations is not None else training.epochs)
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
            batch = "the full batch (gradient descent)" if training.full_batch else f"batch {training.batch_size}"
            self.description_label.setText(
                f"{spec.description} Base: {training.optimizer.upper()} at {training.learning_rate:g}, "
                f"{batch}, initializer {spec.base.initializer.name}.")
            self._load_spins(spec.base)
            self.engine_combo.setCurrentIndex(max(self.engine_combo.findData(spec.engine), 0))
        self._previous_preset = preset
        self.preset_combo.setToolTip(self.preset_combo.currentData(Qt.ItemDataRole.ToolTipRole) or "")
        if not self._busy:
            self.set_status("")
        self._update_controls()
        self._on_plan_edited()

    def _on_plan_edited(self) -> None:
        self.check_plan()

    def check_plan(self) -> str | None:
        """Check the plan (the controls are checked this way as the person types): show the number of
        runs when it can run, else what is wrong (in the status line, in red, with Run disabled until
        it is fixed). Returns the problem, or ``None``."""
        problem = self._plan_problem = self.plan_problem()
        if problem is not None:
            self.plan_label.setText("")
            if not self._busy:
                self.set_status(f"Cannot run: {problem}", error=True)
                self._showing_plan_problem = True
            self._update_controls()
            return problem
        if self._showing_plan_problem and not self._busy:
            self.set_status("")
        self._showing_plan_problem = False
        self._update_controls()
        runs = expand(self.spec())
        subset = self.subset_spin.value()
        data = f"the first {subset:,} training images" if subset else "every training image"
        training = runs[0].config.training
        if training.iterations is not None:
            length = counted(training.iterations, "iteration") + (" of the full batch" if training.full_batch else "")
        else:
            length = counted(self.epochs_spin.value(), "epoch")
        swept = {sweep.setting for sweep in self.spec().sweeps}
        optimizer = "" if "training.optimizer" in swept else f" with {training.optimizer}"
        rate = "" if "training.learning_rate" in swept else f" at {training.learning_rate:g}"
        self.plan_label.setText(f"{counted(len(runs), 'run')} × {length}{optimizer}{rate}, "
                                f"each on {data}.")
        return None
