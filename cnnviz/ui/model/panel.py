"""The Model panel: engine, data, input shape, architecture, training settings, summary, commands.

A view over :class:`cnnviz.core.config.ModelConfig`: every edit produces a new
configuration, checked by :func:`cnnviz.core.validation.find_problems`; problems
are shown beside the offending layer (its settings: :mod:`~cnnviz.ui.model.layer_form`),
and the summary table (the report's Figure 2, :mod:`~cnnviz.ui.model.summary_box`) follows
every valid change; the input shape is :mod:`~cnnviz.ui.model.input_form` (with a note on how the
chosen dataset's images will be fitted to it); the training settings are
:mod:`~cnnviz.ui.model.training_form`.
Build, Train, Pause, Resume and Stop are forwarded as signals; their enabled states follow
the model service's state.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cnnviz.core import config as cfg
from cnnviz.core.summary import summarize
from cnnviz.core.training_data import fitting_note
from cnnviz.core.validation import find_problems
from cnnviz.service import payloads as p
from cnnviz.ui.model.input_form import InputForm
from cnnviz.ui.model.layer_catalog import ENGINES, NEW_LAYERS, describe_layer
from cnnviz.ui.model.layer_form import ERROR_COLOR, LayerForm
from cnnviz.ui.model.summary_box import SummaryBox
from cnnviz.ui.model.training_form import TrainingForm, select_data


class ConfigPanel(QWidget):
    """Edit a model configuration and send Build / Train / Pause / Resume / Stop."""

    sig_build_requested = Signal(object, str)
    """Build this configuration with this engine (``"numpy"`` or ``"keras"``)."""
    sig_train_requested = Signal()
    """Train the built model."""
    sig_pause_requested = Signal()
    """Pause training."""
    sig_resume_requested = Signal()
    """Resume training."""
    sig_stop_requested = Signal()
    """Stop training."""
    sig_config_changed = Signal(object)
    """The edited configuration changed (valid or not)."""
    sig_engine_chosen = Signal(str)
    """The person chose another engine (``"numpy"`` or ``"keras"``)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._config = cfg.reference_config()
        self._problems: list[cfg.ConfigError] = []
        self._state = p.IDLE
        self._has_model = False
        self._updating = False
        self._build_widgets()
        self.set_config(self._config)

    # -- construction ------------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.setMinimumWidth(250)

        # Problems go first, where they are seen without scrolling, in a box of constant height
        # (three lines) so that the controls below never move when a problem appears.
        self.problem_label = QLabel()
        self.problem_label.setObjectName("problem_label")
        self.problem_label.setWordWrap(True)
        self.problem_label.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self.problem_label.setFixedHeight(self.problem_label.fontMetrics().lineSpacing() * 3 + 4)
        self.problem_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        layout.addWidget(self.problem_label)

        setup = QGroupBox("Engine and data")
        form = QFormLayout(setup)
        self.engine_combo = QComboBox()
        for name, label in ENGINES:
            self.engine_combo.addItem(label, name)
        self.engine_combo.setToolTip("Which engine builds and trains the model. Both give the same results; "
                                     "the NumPy engine is ours, from scratch.")
        self.dataset_combo = QComboBox()
        self.dataset_combo.setToolTip("The data to train on. Unavailable datasets say why in their tooltip.")
        form.addRow("Engine", self.engine_combo)
        form.addRow("Dataset", self.dataset_combo)
        layout.addWidget(setup)

        self.input_form = InputForm()
        self.input_form.sig_shape_edited.connect(self._on_input_edited)
        layout.addWidget(self.input_form)

        architecture = QGroupBox("Architecture")
        arch_layout = QVBoxLayout(architecture)
        self.layer_list = QListWidget()
        self.layer_list.setSelectionMode(QAbstractItemView.SingleSelection)
        self.layer_list.setToolTip("The layers in order. Select one to edit its settings.")
        self.layer_list.setMinimumHeight(120)
        self.layer_list.setTextElideMode(Qt.ElideRight)
        self.layer_list.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        arch_layout.addWidget(self.layer_list)
        buttons = QHBoxLayout()
        self.add_button = QToolButton(text="Add ▾")
        self.add_button.setToolTip("Insert a new layer after the selected one")
        self.add_button.setPopupMode(QToolButton.InstantPopup)
        menu = QMenu(self.add_button)
        for kind, layer in NEW_LAYERS.items():
            action = menu.addAction(layer.label)
            action.setData(kind)
        menu.triggered.connect(self._on_add_layer)
        self.add_button.setMenu(menu)
        self.remove_button = QToolButton(text="Remove")
        self.remove_button.setToolTip("Remove the selected layer")
        self.up_button = QToolButton(text="▲")
        self.up_button.setToolTip("Move the selected layer up")
        self.down_button = QToolButton(text="▼")
        self.down_button.setToolTip("Move the selected layer down")
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        arch_layout.addLayout(buttons)
        self.layer_editor = LayerForm()
        self.layer_editor.sig_layer_edited.connect(self._on_layer_edited)
        arch_layout.addWidget(self.layer_editor)
        layout.addWidget(architecture)

        self.training_form = TrainingForm()
        self.training_form.sig_edited.connect(self._on_settings_edited)
        # The form's controls under the names the window and its tests know them by.
        form = self.training_form
        self.initializer_combo, self.scale_spin = form.initializer_combo, form.scale_spin
        self.optimizer_combo, self.learning_rate_spin = form.optimizer_combo, form.learning_rate_spin
        self.batch_spin, self.epochs_spin, self.subset_spin = form.batch_spin, form.epochs_spin, form.subset_spin
        self.validation_spin, self.seed_spin = form.validation_spin, form.seed_spin
        layout.addWidget(self.training_form)

        self.summary_box = SummaryBox()
        layout.addWidget(self.summary_box)

        commands = QHBoxLayout()
        self.build_button = QPushButton("Build")
        self.build_button.setToolTip("Build a fresh model from this configuration (Ctrl+B)")
        self.train_button = QPushButton("Train")
        self.train_button.setToolTip("Train the built model (Ctrl+T)")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause after the current batch")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue a paused run")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after the current batch (the weights so far are kept)")
        for button in (self.build_button, self.train_button, self.pause_button, self.resume_button,
                       self.stop_button):
            commands.addWidget(button)
        layout.addLayout(commands)
        layout.addStretch(1)

        self.engine_combo.currentIndexChanged.connect(self._on_engine_changed)
        self.dataset_combo.currentIndexChanged.connect(self._on_settings_edited)
        self.layer_list.currentRowChanged.connect(self._on_layer_selected)
        self.remove_button.clicked.connect(self._on_remove_layer)
        self.up_button.clicked.connect(self._on_move_up)
        self.down_button.clicked.connect(self._on_move_down)
        self.build_button.clicked.connect(self._on_build_clicked)
        self.train_button.clicked.connect(self.sig_train_requested)
        self.pause_button.clicked.connect(self.sig_pause_requested)
        self.resume_button.clicked.connect(self.sig_resume_requested)
        self.stop_button.clicked.connect(self.sig_stop_requested)

    # -- public API ---------------------------------------------------------------------------------
    def config(self) -> cfg.ModelConfig:
        """The configuration as edited now (possibly invalid; see :meth:`problems`)."""
        return self._config

    def engine_name(self) -> str:
        return self.engine_combo.currentData()

    def problems(self) -> list[cfg.ConfigError]:
        return list(self._problems)

    def set_engine(self, name: str) -> None:
        """Show ``name`` as the chosen engine (without announcing it as the person's choice)."""
        index = self.engine_combo.findData(name)
        if index >= 0:
            with QSignalBlocker(self.engine_combo):
                self.engine_combo.setCurrentIndex(index)

    def set_learning_rate(self, value: float) -> None:
        """Set the training learning rate (as if typed into its field)."""
        self.learning_rate_spin.setValue(value)

    def set_datasets(self, infos) -> None:
        """Fill the dataset list from :func:`cnnviz.core.datasets.list_datasets` results."""
        self._updating = True
        self.dataset_combo.clear()
        for info in infos:
            label = info.name if info.available else f"{info.name} (not found)"
            self.dataset_combo.addItem(label, info.name)
            index = self.dataset_combo.count() - 1
            self.dataset_combo.setItemData(index, f"{info.description}\n{info.source}", Qt.ToolTipRole)
            if not info.available:
                self.dataset_combo.model().item(index).setEnabled(False)
        self._updating = False
        select_data(self.dataset_combo, self._config.training.dataset)

    def set_config(self, config: cfg.ModelConfig) -> None:
        """Show ``config`` in every control."""
        self._config = config
        self._updating = True
        training = config.training
        if self.dataset_combo.findData(training.dataset) < 0:
            self.dataset_combo.addItem(training.dataset, training.dataset)
        select_data(self.dataset_combo, training.dataset)
        self.input_form.show_shape(config.input_shape)
        self.training_form.show_config(config)
        self._updating = False
        self._refresh(select=self.layer_list.currentRow())

    def set_service_state(self, state: str, has_model: bool | None = None) -> None:
        """Enable the commands that make sense in ``state``."""
        self._state = state
        if has_model is not None:
            self._has_model = has_model
        self._update_buttons()

    # -- internals ----------------------------------------------------------------------------------
    def _update_buttons(self) -> None:
        idle = self._state == p.IDLE
        running = self._state in (p.TRAINING, p.PAUSED)
        self.build_button.setEnabled(idle and not self._problems)
        self.engine_combo.setEnabled(idle)
        self.train_button.setEnabled(idle and self._has_model and not self._problems)
        self.pause_button.setEnabled(self._state == p.TRAINING)
        self.resume_button.setEnabled(self._state == p.PAUSED)
        self.stop_button.setEnabled(running)

    def _on_engine_changed(self) -> None:
        self.sig_engine_chosen.emit(self.engine_name())

    def _on_settings_edited(self) -> None:
        if self._updating:
            return
        training = self.training_form.training(
            self._config.training, self.dataset_combo.currentData() or self._config.training.dataset)
        self._config = replace(self._config, training=training, initializer=self.training_form.initializer())
        self._refresh(select=self.layer_list.currentRow(), rebuild_form=False)

    def _set_layers(self, layers: list, select: int) -> None:
        self._config = self._config.with_layers(layers)
        self._refresh(select=select)

    def _refresh(self, select: int = -1, rebuild_form: bool = True) -> None:
        """Recheck the configuration; update the layer list, the problems and the summary.

        With ``rebuild_form`` false the layer form keeps its editors (an edit made in one of them
        is being applied); only its problem markers change.
        """
        config = self._config
        self._problems = find_problems(config)
        self.training_form.follow_initializer(config.initializer.name)
        self._refresh_layer_list(select)
        select = self.layer_list.currentRow()
        if rebuild_form:
            self._show_layer_form(select)
        else:
            self.layer_editor.set_problems([problem for problem in self._problems if problem.layer_index == select])
        self._show_problems()
        input_problem = next((problem for problem in self._problems
                              if problem.layer_index is None and problem.setting == "input_shape"), None)
        self.input_form.set_problem(input_problem)
        self.input_form.set_fit_note("" if input_problem else fitting_note(config.training.dataset, config.input_shape))
        self.summary_box.show_summary(None if self._problems else config)
        self._update_buttons()
        self.sig_config_changed.emit(config)

    def _refresh_layer_list(self, select: int) -> None:
        """One line per layer, updated in place; the selection moves to ``select``."""
        config = self._config
        by_layer = {problem.layer_index: problem for problem in reversed(self._problems)
                    if problem.layer_index is not None}
        names = config.layer_names()
        with QSignalBlocker(self.layer_list):
            while self.layer_list.count() > len(config.layers):
                self.layer_list.takeItem(self.layer_list.count() - 1)
            while self.layer_list.count() < len(config.layers):
                self.layer_list.addItem(QListWidgetItem())
            for index, (layer, name) in enumerate(zip(config.layers, names)):
                item = self.layer_list.item(index)
                text = describe_layer(layer, name)
                problem = by_layer.get(index)
                item.setText(f"⚠ {text}" if problem else text)
                item.setForeground(ERROR_COLOR if problem else self.layer_list.palette().text().color())
                # The full line and the problem, for entries the list's width cuts short.
                item.setToolTip(f"{text}\n\n⚠ {problem.message}" if problem else text)
            select = min(select, len(config.layers) - 1)
            if select < 0 and config.layers:
                select = 0
            self.layer_list.setCurrentRow(select)

    def _show_problems(self) -> None:
        """The problems, in a box of constant height so the panel never shifts under the pointer."""
        problems = self._problems
        if not problems:
            summary = summarize(self._config)
            shape = "×".join(str(size) for size in self._config.input_shape)
            self.problem_label.setText(f"✓ The configuration is valid: {len(self._config.layers)} layers, "
                                       f"{summary.total_parameters:,} parameters, {shape} input.")
            self.problem_label.setStyleSheet("color: #2e7d32;")
            self.problem_label.setToolTip("")
            return
        more = f" (and {len(problems) - 1} more: hover to read them)" if len(problems) > 1 else ""
        self.problem_label.setText(f"⚠ {problems[0].message}{more}")
        self.problem_label.setStyleSheet(f"color: {ERROR_COLOR.name()};")
        self.problem_label.setToolTip("\n".join(f"⚠ {problem.message}" for problem in problems))

    def _on_layer_selected(self, row: int) -> None:
        self._show_layer_form(row)

    def _show_layer_form(self, row: int) -> None:
        layers = self._config.layers
        if not 0 <= row < len(layers):
            self.layer_editor.show_layer(None)
            return
        problems = [problem for problem in self._problems if problem.layer_index == row]
        self.layer_editor.show_layer(layers[row], self._config.layer_names()[row], row == len(layers) - 1, problems)

    def _on_layer_edited(self, layer) -> None:
        """An editor of the layer form committed a value: the form stays, everything else follows."""
        row = self.layer_list.currentRow()
        if not 0 <= row < len(self._config.layers):
            return
        layers = list(self._config.layers)
        layers[row] = layer
        self._config = self._config.with_layers(layers)
        self._refresh(select=row, rebuild_form=False)

    def _on_input_edited(self, shape: tuple[int, int, int]) -> None:
        """The input form committed a shape: the forms stay, the summary and problems follow."""
        self._config = replace(self._config, input_shape=tuple(shape))
        self._refresh(select=self.layer_list.currentRow(), rebuild_form=False)

    def _on_add_layer(self, action) -> None:
        row = self.layer_list.currentRow()
        layers = list(self._config.layers)
        position = row + 1 if row >= 0 else len(layers)
        layers.insert(position, NEW_LAYERS[action.data()])
        self._set_layers(layers, position)

    def _on_remove_layer(self) -> None:
        row = self.layer_list.currentRow()
        if row < 0:
            return
        layers = list(self._config.layers)
        del layers[row]
        self._set_layers(layers, min(row, len(layers) - 1))

    def _move(self, offset: int) -> None:
        row = self.layer_list.currentRow()
        target = row + offset
        layers = list(self._config.layers)
        if row < 0 or not 0 <= target < len(layers):
            return
        layers[row], layers[target] = layers[target], layers[row]
        self._set_layers(layers, target)

    def _on_move_up(self) -> None:
        self._move(-1)

    def _on_move_down(self) -> None:
        self._move(1)

    def _on_build_clicked(self) -> None:
        if not self._problems:
            self.sig_build_requested.emit(self._config, self.engine_name())
