"""The main window: docks for the model, the input and training, tabs for the layer viewers.

It wires views to the model service and back; it never touches an engine. The
newest inspection request wins: results for older requests are ignored, and
during training the current input is re-inspected a few times a second so every
view follows the learning weights.
"""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QTabWidget,
    QToolBar,
    QWidget,
)

from cnnviz import __version__
from cnnviz.core.config import ConfigError, ModelConfig
from cnnviz.core.crashlog import crash_log_path, write_crash_log
from cnnviz.core.datasets import CLASS_NAMES, list_datasets
from cnnviz.core.resources import resource_path
from cnnviz.core.sessions import Session, ended_sessions, forget
from cnnviz.progress import format_duration
from cnnviz.service import payloads as p
from cnnviz.ui.drawing_canvas import DrawingCanvas
from cnnviz.ui.evaluation_panel import EvaluationPanel
from cnnviz.ui.experiments_panel import ExperimentsPanel
from cnnviz.ui.export import ExportError, export_all, render_widget, write_text
from cnnviz.ui.history_panel import HistoryPanel
from cnnviz.ui.model.panel import ConfigPanel
from cnnviz.ui.science.panel import SciencePanel
from cnnviz.ui.training_monitor import TrainingMonitor
from cnnviz.ui.viewers.feature_maps import FeatureMapsView
from cnnviz.ui.viewers.gradients import GradientsView
from cnnviz.ui.viewers.kernels import KernelsView
from cnnviz.ui.viewers.spectra import SpectraView
from cnnviz.ui.wheel_guard import install_wheel_guard

DEFAULT_MODEL = resource_path("reference_model.npz")
ENGINE_LABELS = {"numpy": "NumPy", "keras": "Keras"}
# The configuration being edited is written to the session file this long after the last edit.
DRAFT_INTERVAL_MS = 500
# The side panels scroll below this width; the viewers keep at least this much.
MIN_SIDE_PANEL_WIDTH = 200
MIN_VIEWER_WIDTH = 320
LIVE_INSPECTION_INTERVAL_MS = 250
# Plots redraw at most this often while training; progress in between is batched.
MONITOR_REDRAW_INTERVAL_MS = 125
SHORTCUTS = [
    ("Ctrl+O", "Open a model (.npz or .keras)"), ("Ctrl+I", "Open an image"), ("Ctrl+S", "Save the model"),
    ("Ctrl+E", "Export the current view"), ("Ctrl+Shift+E", "Export everything for the current input"),
    ("Ctrl+B", "Build the configured model"), ("Ctrl+T", "Train"), ("Space", "Pause or resume training"),
    ("Ctrl+.", "Stop training"), ("Ctrl+R", "Random sample"), ("Ctrl+Z", "Undo the last stroke"),
    ("Delete", "Clear the canvas"), ("Ctrl+1 … Ctrl+4", "Feature maps, kernels, spectra, gradients"),
    ("Ctrl+Q", "Quit"),
]


class MainWindow(QMainWindow):
    """The cnnviz window. Give it a running :class:`ModelService`; it shuts the service down on close.

    Parameters
    ----------
    service : ModelService
    settings : QSettings, optional
        Where layout and last settings are remembered (default: the user's cnnviz settings).
    load_default_model : bool
        Open the bundled reference model and a sample digit at start-up.
    track_session : bool
        Keep a session file with the configuration being edited, and offer the draft of a session
        that ended unexpectedly (:mod:`cnnviz.core.sessions`).
    """

    sig_inspection_shown = Signal(object)
    """An inspection result reached every view (for tests and benchmarks)."""

    def __init__(self, service, settings: QSettings | None = None, load_default_model: bool = True,
                 track_session: bool = True):
        super().__init__()
        install_wheel_guard()
        self.service = service
        self.settings = settings or QSettings("cnnviz", "cnnviz")
        self.setWindowTitle("cnnviz — look inside a convolutional network")
        self._latest_request = 0
        self._label: int | None = None
        self._class_index: int | None = None
        self._model_info: p.ModelInfo | None = None
        self._last_result: p.InspectionResult | None = None
        self._last_export_folder = str(Path.home())
        self._stale_views: set[int] = set()
        self._converting = False
        self._session: Session | None = None
        self._docks_sized = False
        self._monitor_grown = False
        self._layout_restored = False
        self._widths_before_shrinking: dict = {}
        self._weights_trained = False
        self._unsaved_training = False
        self._applied_learning_rate: float | None = None
        self._train_after_build = False
        self._build_views()
        self._build_menus()
        self._build_training_toolbar()
        self._build_status_bar()
        self._connect()
        self._live_timer = QTimer(self, interval=LIVE_INSPECTION_INTERVAL_MS)
        self._live_timer.timeout.connect(self._on_live_tick)
        self._pending_steps: list = []
        self._pending_total_epochs = 0
        self._redraw_timer = QTimer(self, interval=MONITOR_REDRAW_INTERVAL_MS, singleShot=True)
        self._redraw_timer.timeout.connect(self._flush_progress)
        self._restore_settings()
        self._sync_toolbar()
        self._session = Session() if track_session else None
        self._draft_timer = QTimer(self, interval=DRAFT_INTERVAL_MS, singleShot=True)
        self._draft_timer.timeout.connect(self._save_draft)
        if track_session:
            QTimer.singleShot(0, self._offer_ended_session)
        if load_default_model and DEFAULT_MODEL.is_file():
            self.service.load(DEFAULT_MODEL)

    # -- construction ------------------------------------------------------------------------------
    def _build_views(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.feature_maps_view = FeatureMapsView()
        self.kernels_view = KernelsView()
        self.spectra_view = SpectraView()
        self.gradients_view = GradientsView()
        self.viewers = [self.feature_maps_view, self.kernels_view, self.spectra_view, self.gradients_view]
        self.tab_pages: list[QWidget] = []
        for view, label, tip in zip(self.viewers, ("Feature maps", "Kernels", "Spectra", "Gradients"), (
                "Every filter's output for the current input", "The learned convolution kernels",
                "2-D DFT magnitude of feature maps and kernels", "Gradients of the loss or a class score")):
            self._add_tab(view, label, tip)
        self.science_panel = SciencePanel()
        index = self._add_tab(self.science_panel, "Science", "The report's findings, checked: spectra similarity, "
                              "backprop as a flipped convolution, weight-space symmetries, dead filters")
        # Tabs whose view follows the current input's inspection, by tab index.
        self.inspection_views = {**dict(enumerate(self.viewers)), index: self.science_panel}
        self.experiments_panel = ExperimentsPanel()
        self.evaluation_panel = EvaluationPanel()
        self.history_panel = HistoryPanel()
        for panel, label, tip in ((self.experiments_panel, "Experiments", "Sweep settings and compare runs"),
                                  (self.evaluation_panel, "Evaluation", "Confusion matrix and mistakes"),
                                  (self.history_panel, "History", "Earlier runs, replayed epoch by epoch")):
            self._add_tab(panel, label, tip)
        self.setCentralWidget(self.tabs)

        self.config_panel = ConfigPanel()
        self.config_panel.set_datasets(list_datasets())
        self.config_dock = self._dock("Model", self._scrolling(self.config_panel), Qt.LeftDockWidgetArea)
        self.canvas = DrawingCanvas()
        self.canvas_dock = self._dock("Input", self._scrolling(self.canvas), Qt.RightDockWidgetArea)
        self.monitor = TrainingMonitor()
        self.monitor_dock = self._dock("Training", self.monitor, Qt.BottomDockWidgetArea)
        self.tabs.setMinimumWidth(MIN_VIEWER_WIDTH)
        self._fit_to_screen()

    @staticmethod
    def _scrolling(panel: QWidget) -> QScrollArea:
        """A side panel in a scroll area, so small screens scroll it instead of growing the window."""
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setWidget(panel)
        scroll.setMinimumWidth(MIN_SIDE_PANEL_WIDTH)
        return scroll

    def _fit_to_screen(self) -> None:
        """Open within the screen's available area; the viewers get most of it, the docks the rest."""
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        if screen is None:
            width, height = 1500, 900
        else:
            # A laptop's screen is used whole (less a frame's worth); a large one in part.
            share = 0.98 if screen.width() <= 1600 else 0.92
            width = min(int(screen.width() * share), 1800)
            height = min(int(screen.height() * share), 1050)
        self.resize(width, height)
        if screen is not None:
            self.move(screen.x() + (screen.width() - width) // 2, screen.y() + (screen.height() - height) // 2)

    def _size_docks(self) -> None:
        """The docks' first sizes: each side panel as wide as its content needs (so it does not scroll
        sideways) within a quarter of the window, the monitor small."""
        width, height = self.width(), self.height()
        widths = []
        for dock in (self.config_dock, self.canvas_dock):
            scroll = dock.widget()
            needed = (scroll.widget().minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width()
                      + 2 * scroll.frameWidth() + 12)
            widths.append(max(MIN_SIDE_PANEL_WIDTH, min(max(needed, int(width * 0.2)), int(width * 0.25))))
        self.resizeDocks([self.config_dock, self.canvas_dock], widths, Qt.Horizontal)
        # An idle training monitor is two lines high; it grows when training starts (_grow_monitor).
        monitor = (int(height * 0.3) if self.monitor.plots_shown()
                   else self.monitor.minimumSizeHint().height() + self.monitor_dock.titleBarWidget().height()
                   if self.monitor_dock.titleBarWidget() else self.monitor.minimumSizeHint().height() + 24)
        self.resizeDocks([self.monitor_dock], [monitor], Qt.Vertical)

    def _grow_monitor(self) -> None:
        """Training started: give the (small, empty-until-now) monitor room, once, if it has little."""
        if self._monitor_grown or self.monitor_dock.isFloating() or not self.monitor_dock.isVisible():
            return
        self._monitor_grown = True
        wanted = int(self.height() * 0.3)
        if self.monitor_dock.height() < wanted:
            self.resizeDocks([self.monitor_dock], [wanted], Qt.Vertical)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._docks_sized:
            self._docks_sized = True
            if not self._layout_restored:
                # Once the first layout has run: sizes set before it are overridden by size hints.
                QTimer.singleShot(0, self._size_docks)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        # After the layout has settled: narrow the side panels if the viewers got too little room.
        QTimer.singleShot(0, self._share_width)

    def _share_width(self) -> None:
        """Keep at least half of the width for the viewers: side panels shrink before the viewers do,
        and grow back to their earlier width when the window widens again."""
        docks = [dock for dock in (self.config_dock, self.canvas_dock)
                 if dock.isVisible() and not dock.isFloating()
                 and self.dockWidgetArea(dock) in (Qt.LeftDockWidgetArea, Qt.RightDockWidgetArea)]
        if not docks:
            return
        wanted = self.width() // 2
        central = self.centralWidget().width()
        widths = [dock.width() for dock in docks]
        if central < wanted:
            self._widths_before_shrinking = self._widths_before_shrinking or dict(zip(docks, widths))
            room = max(len(docks) * MIN_SIDE_PANEL_WIDTH, sum(widths) - (wanted - central))
            scale = room / sum(widths)
            self.resizeDocks(docks, [max(MIN_SIDE_PANEL_WIDTH, int(width * scale)) for width in widths],
                             Qt.Horizontal)
        elif self._widths_before_shrinking:
            earlier = [self._widths_before_shrinking.get(dock, width) for dock, width in zip(docks, widths)]
            spare = central - wanted
            growth = sum(earlier) - sum(widths)
            if growth <= 0:
                self._widths_before_shrinking = {}
                return
            share = min(1.0, spare / growth)
            self.resizeDocks(docks, [int(width + (old - width) * share) for width, old in zip(widths, earlier)],
                             Qt.Horizontal)
            if share >= 1.0:
                self._widths_before_shrinking = {}

    def _add_tab(self, page: QWidget, label: str, tip: str) -> int:
        """Add a tab whose page scrolls when the window is narrower than the page's controls."""
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setWidget(page)
        index = self.tabs.addTab(scroll, label)
        self.tabs.setTabToolTip(index, tip)
        self.tab_pages.append(page)
        return index

    def show_tab(self, page: QWidget) -> None:
        """Bring the tab holding ``page`` to the front."""
        self.tabs.setCurrentIndex(self.tab_pages.index(page))

    def _dock(self, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower()}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable
                         | QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip or text)
        # triggered(bool checked) would hand its flag to slots with an optional first parameter
        # (load_sample(index=None) got False, "sample 0"); the slots are called with no argument.
        action.triggered.connect(lambda _checked=False, slot=slot: slot())
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&Open model…", self._on_open_model, QKeySequence.Open,
                     "Open a cnnviz .npz model or a .keras model (safe mode)")
        self._action(file_menu, "Open &image…", self._on_open_image, "Ctrl+I", "Load an image as the input")
        self.save_action = self._action(file_menu, "&Save model…", self._on_save_model, QKeySequence.Save)
        file_menu.addSeparator()
        self._action(file_menu, "&Export figure…", self._on_export_figure, "Ctrl+E",
                     "Write the current view as PNG, SVG or PDF")
        self._action(file_menu, "Export &all…", self._on_export_all, "Ctrl+Shift+E",
                     "Write every layer's maps, kernels, spectra and gradients for this input")
        self._action(file_menu, "Export loss &history (CSV)…", self._on_export_history)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.Quit)

        train_menu = self.menuBar().addMenu("&Model")
        self._action(train_menu, "&Build", self.config_panel.build_button.click, "Ctrl+B")
        self._action(train_menu, "&Train", self.config_panel.train_button.click, "Ctrl+T")
        self._action(train_menu, "&Pause / resume", self._on_toggle_pause, "Space")
        self._action(train_menu, "&Stop", self.service.stop, "Ctrl+.")
        self._action(train_menu, "Set learning rate now…", self._on_set_learning_rate,
                     tip="Change the learning rate while training runs")

        view_menu = self.menuBar().addMenu("&View")
        for dock in (self.config_dock, self.canvas_dock, self.monitor_dock):
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        for index, name in enumerate(("Feature maps", "Kernels", "Spectra", "Gradients")):
            self._action(view_menu, name, lambda checked=False, index=index: self.tabs.setCurrentIndex(index),
                         f"Ctrl+{index + 1}")
        view_menu.addSeparator()
        self._action(view_menu, "Random sample", self.canvas.load_sample, "Ctrl+R")
        self._action(view_menu, "Clear canvas", self.canvas.clear, QKeySequence.Delete)
        self._action(view_menu, "Reset layout", self._on_reset_layout)

        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", self._on_show_shortcuts, "F1")
        self._action(help_menu, "&About cnnviz", self._on_about)

    def _build_training_toolbar(self) -> None:
        """Step through training and change the learning rate while it learns."""
        bar = QToolBar("Training controls", self)
        bar.setObjectName("toolbar_training")
        self.addToolBar(bar)
        # The model panel's commands, always in sight (the panel scrolls on small screens).
        self.toolbar_commands = []
        for button in (self.config_panel.build_button, self.config_panel.train_button,
                       self.config_panel.pause_button, self.config_panel.resume_button,
                       self.config_panel.stop_button):
            action = QAction(button.text(), self)
            action.setToolTip(button.toolTip())
            action.triggered.connect(button.click)
            bar.addAction(action)
            self.toolbar_commands.append((action, button))
        bar.addSeparator()
        self.step_batch_action = QAction("Step batch", self)
        self.step_batch_action.setShortcut(QKeySequence("Ctrl+Right"))
        self.step_batch_action.setToolTip("Train one batch, then pause (Ctrl+Right). When no training runs, "
                                          "this starts a new run with the model panel's settings.")
        self.step_batch_action.triggered.connect(self._on_step_batch)
        self.step_epoch_action = QAction("Step epoch", self)
        self.step_epoch_action.setShortcut(QKeySequence("Ctrl+Shift+Right"))
        self.step_epoch_action.setToolTip("Train to the end of the epoch, then pause (Ctrl+Shift+Right)")
        self.step_epoch_action.triggered.connect(self._on_step_epoch)
        bar.addAction(self.step_batch_action)
        bar.addAction(self.step_epoch_action)
        bar.addSeparator()
        bar.addWidget(QLabel(" Learning rate "))
        # One value with the Model panel's learning rate: editing either edits the configuration,
        # and while training runs the new rate applies from the next batch.
        self.live_learning_rate = QDoubleSpinBox(decimals=5, minimum=0.00001, maximum=10.0, singleStep=0.001)
        self.live_learning_rate.setObjectName("toolbar_learning_rate")
        self.live_learning_rate.setKeyboardTracking(False)
        self.live_learning_rate.setToolTip("The learning rate (the same as the Model panel's). While training "
                                           "runs, a new value applies from the next batch.")
        self.live_learning_rate.setValue(self.config_panel.config().training.learning_rate)
        self.live_learning_rate.valueChanged.connect(self.config_panel.set_learning_rate)
        bar.addWidget(self.live_learning_rate)

    def _sync_toolbar(self) -> None:
        for action, button in self.toolbar_commands:
            action.setEnabled(button.isEnabled())

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.state_label = QLabel("idle")
        self.state_label.setToolTip("What the model service is doing")
        self.model_label = QLabel("no model")
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setVisible(False)
        self.eta_label = QLabel()
        self.latency_label = QLabel()
        self.latency_label.setToolTip("Time the engine took for the last complete inspection")
        bar.addWidget(self.state_label)
        bar.addWidget(self.model_label, 1)
        bar.addPermanentWidget(self.latency_label)
        bar.addPermanentWidget(self.progress_bar)
        bar.addPermanentWidget(self.eta_label)

    def _connect(self) -> None:
        service = self.service
        service.sig_state_changed.connect(self._on_state_changed)
        service.sig_model_changed.connect(self._on_model_changed)
        service.sig_training_progress.connect(self._on_training_progress)
        service.sig_epoch_finished.connect(self._on_epoch_finished)
        service.sig_training_finished.connect(self._on_training_finished)
        service.sig_inspection_finished.connect(self._on_inspection_finished)
        service.sig_model_saved.connect(self._on_model_saved)
        service.sig_error_raised.connect(self._on_error)
        panel = self.config_panel
        panel.sig_build_requested.connect(self._on_build_requested)
        panel.sig_engine_chosen.connect(self._on_engine_chosen)
        panel.sig_train_requested.connect(self._on_train_requested)
        panel.sig_pause_requested.connect(service.pause)
        panel.sig_resume_requested.connect(service.resume)
        panel.sig_stop_requested.connect(service.stop)
        self.canvas.sig_input_changed.connect(self._on_input_changed)
        self.canvas.sig_input_cleared.connect(self._on_input_cleared)
        self.canvas.sig_label_changed.connect(self._on_label_changed)
        self.canvas.sig_model_requested.connect(self.open_model)
        self.gradients_view.sig_target_changed.connect(self._on_target_changed)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        experiments = self.experiments_panel
        experiments.sig_run_requested.connect(self._on_experiment_requested)
        experiments.sig_cancel_requested.connect(service.stop)
        service.sig_experiment_progress.connect(experiments.add_progress)
        service.sig_experiment_run_finished.connect(experiments.add_outcome)
        service.sig_experiment_finished.connect(self._on_experiment_finished)
        panel.sig_config_changed.connect(experiments.set_base_config)
        panel.sig_config_changed.connect(self._on_config_edited)
        experiments.set_base_config(panel.config())
        self.evaluation_panel.sig_evaluate_requested.connect(self._on_evaluate_requested)
        self.evaluation_panel.sig_example_chosen.connect(self._on_example_chosen)
        self.evaluation_panel.sig_show_in_viewers_requested.connect(self._on_show_in_viewers)
        service.sig_evaluation_finished.connect(self.evaluation_panel.show_evaluation)
        self.history_panel.sig_replay_requested.connect(self._on_replay_requested)
        service.sig_replay_finished.connect(self.history_panel.show_replay)
        self.history_panel.set_runs_root(None)
        science = self.science_panel
        science.sig_science_requested.connect(self._on_science_requested)
        science.sig_filters_marked.connect(self.kernels_view.set_marked)
        service.sig_science_finished.connect(self._on_science_finished)

    # -- settings ----------------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self._layout_restored = self.restoreState(state)
        text = self.settings.value("model/config")
        if isinstance(text, str) and text:
            try:
                self.config_panel.set_config(ModelConfig.from_json(text))
            except ConfigError:
                self.settings.remove("model/config")
        engine = self.settings.value("model/engine")
        if isinstance(engine, str):
            self.config_panel.set_engine(engine)
        tab = self.settings.value("view/tab")
        if tab is not None:
            self.tabs.setCurrentIndex(int(tab))
        folder = self.settings.value("export/folder")
        if isinstance(folder, str):
            self._last_export_folder = folder

    def _save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("model/config", self.config_panel.config().to_json())
        self.settings.setValue("model/engine", self.config_panel.engine_name())
        self.settings.setValue("view/tab", self.tabs.currentIndex())
        self.settings.setValue("export/folder", self._last_export_folder)
        self.settings.sync()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._live_timer.stop()
        self._save_settings()
        if self._session is not None:
            self._draft_timer.stop()
            self._session.close()
        self.service.shutdown(timeout=5.0)
        super().closeEvent(event)

    # -- sessions ----------------------------------------------------------------------------------
    def _save_draft(self) -> None:
        if self._session is not None:
            self._session.save_draft(self.config_panel.config().to_json())

    def _offer_ended_session(self) -> None:
        """The last session ended without closing (a crash, a kill): say so, offer its configuration."""
        ended = ended_sessions()
        if not ended:
            return
        latest = ended[0]
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(latest.started))
        write_crash_log("A session ended unexpectedly", f"The window started at {started} (process {latest.pid}) "
                        "closed without saving; a native crash, if any, is written above.")
        text = (f"cnnviz closed unexpectedly last time (the session started at {started}). What happened is "
                f"written in {crash_log_path()}.")
        draft = None
        if latest.draft:
            try:
                draft = ModelConfig.from_json(latest.draft)
            except (ConfigError, ValueError):
                draft = None
        box = QMessageBox(QMessageBox.Warning, "cnnviz closed unexpectedly", text, QMessageBox.NoButton, self)
        box.setObjectName("restore_dialog")
        restore = None
        if draft is not None and draft != self.config_panel.config():
            box.setInformativeText("Restore the model configuration you were editing?")
            restore = box.addButton("Restore the configuration", QMessageBox.AcceptRole)
            box.addButton("Discard it", QMessageBox.RejectRole)
        else:
            box.addButton(QMessageBox.Ok)

        def answered(_result: int) -> None:
            if restore is not None and box.clickedButton() is restore:
                self.config_panel.set_config(draft)
                self.statusBar().showMessage("The configuration of the last session was restored.", 8000)
            forget(ended)

        box.finished.connect(answered)
        self.restore_dialog = box
        box.open()

    # -- service events ----------------------------------------------------------------------------
    def _on_state_changed(self, state: str) -> None:
        self.state_label.setText(state)
        self.config_panel.set_service_state(state, self._model_info is not None)
        self.science_panel.set_busy(state != p.IDLE)
        self._sync_toolbar()
        training = state in (p.TRAINING, p.PAUSED, p.STOPPING)
        self.progress_bar.setVisible(training)
        if state == p.TRAINING:
            self._live_timer.start()
            self._grow_monitor()
        elif state == p.IDLE:
            self.eta_label.clear()
            self._live_timer.stop()

    def _on_model_changed(self, info: p.ModelInfo) -> None:
        self._model_info = info
        if info.config is not None:
            self.config_panel.set_config(info.config)
        self.config_panel.set_engine(info.engine)
        self.config_panel.set_service_state(self.service.state, True)
        self._sync_toolbar()
        if self._converting:
            self._converting = False
            self.statusBar().showMessage(f"The model now runs on the {ENGINE_LABELS.get(info.engine, info.engine)} "
                                         "engine, with the same weights.", 8000)
        else:
            self._weights_trained = not info.source.startswith("new ")
            self._unsaved_training = False
        self._show_model_label()
        names = self._class_names()
        self.gradients_view.set_class_names(names)
        self.feature_maps_view.set_class_names(names)
        # The canvas draws, samples and sizes its input for what the model knows.
        self.canvas.set_model_info(info)
        self.science_panel.set_model(info)
        self.science_panel.set_class_names(names)
        if self.canvas.current_input() is None:
            self.canvas.load_sample(0)
        else:
            self._request_inspection()
        if getattr(self, "_train_after_build", False):
            self._train_after_build = False
            self._start_run_label()
            self.service.train(training=self.config_panel.config().training)

    def _show_model_label(self) -> None:
        """The model's engine and source in the status bar, and the chosen engine when it differs."""
        info = self._model_info
        chosen = self.config_panel.engine_name()
        chosen_label = ENGINE_LABELS.get(chosen, chosen)
        if info is None:
            self.model_label.setText(f"no model · {chosen_label} engine chosen")
            return
        parameters = f", {info.summary.total_parameters:,} parameters" if info.summary else ""
        text = f"{ENGINE_LABELS.get(info.engine, info.engine)} engine · {Path(info.source).name}{parameters}"
        if chosen != info.engine:
            text += f" · {chosen_label} chosen: Build to use it"
        self.model_label.setText(text)

    def _on_engine_chosen(self, engine: str) -> None:
        """Move the model to the chosen engine when its architecture is unchanged (weights kept)."""
        info = self._model_info
        config = self.config_panel.config()
        if (info is not None and info.engine != engine and info.config is not None and self.service.state == p.IDLE
                and info.config.input_shape == config.input_shape and info.config.layers == config.layers):
            self._converting = True
            self.statusBar().showMessage(f"Moving the model to the {ENGINE_LABELS.get(engine, engine)} engine "
                                         "(weights kept)…")
            self.service.convert(engine)
        self._show_model_label()

    def _class_names(self) -> tuple[str, ...]:
        info = self._model_info
        if info is not None and info.config is not None:
            names = CLASS_NAMES.get(info.config.training.dataset)
            if names and len(names) == info.config.layers[-1].units:
                return names
        if self._last_result is not None:
            return tuple(str(index) for index in range(len(self._last_result.probabilities)))
        return self.canvas.class_names()

    def _on_training_progress(self, progress: p.TrainingProgress) -> None:
        self._weights_trained = self._unsaved_training = True
        # Drawing dominates the interface's time while training: batch the service's ~30
        # updates a second into a few redraws.
        self._pending_steps.extend(progress.steps)
        self._pending_total_epochs = progress.total_epochs
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def _flush_progress(self) -> None:
        if not self._pending_steps:
            return
        progress = p.TrainingProgress(tuple(self._pending_steps), self._pending_total_epochs)
        self._pending_steps = []
        self.monitor.add_progress(progress)
        step = progress.steps[-1]
        done = step.epoch * step.num_batches + step.batch + 1
        total = progress.total_epochs * step.num_batches
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)
        remaining = step.elapsed / done * (total - done) if done else 0.0
        self.eta_label.setText(f"epoch {step.epoch + 1}/{progress.total_epochs} · ETA {format_duration(remaining)}")

    def _on_epoch_finished(self, epoch) -> None:
        self._flush_progress()
        self.monitor.add_epoch(epoch)

    def _on_training_finished(self, finished: p.TrainingFinished) -> None:
        self._redraw_timer.stop()
        self._flush_progress()
        self.monitor.finish_run(finished)
        self._live_timer.stop()
        self.history_panel.refresh()
        self._request_inspection()
        if finished.reason == "diverged":
            self._offer_divergence_fix(finished)
        accuracy = f" · test accuracy {finished.test_accuracy:.2%}" if finished.test_accuracy is not None else ""
        self.statusBar().showMessage(f"{finished.message}{accuracy}", 15000)

    def _offer_divergence_fix(self, finished: p.TrainingFinished) -> None:
        box = QMessageBox(QMessageBox.Warning, "Training diverged", finished.message, QMessageBox.Close, self)
        box.setObjectName("divergence_dialog")
        self.divergence_fix_button = None
        if finished.suggestion:
            changes = [f"learning rate {finished.suggestion['learning_rate']:g}"]
            if "initializer" in finished.suggestion:
                changes.append(f"{finished.suggestion['initializer']} initializer")
            box.setInformativeText(f"Apply the fix ({' and '.join(changes)}), rebuild the model and train again?")
            self.divergence_fix_button = box.addButton("Apply fix and retrain", QMessageBox.AcceptRole)
            self._divergence_suggestion = finished.suggestion
            self.divergence_fix_button.clicked.connect(self.apply_divergence_fix)
        self.divergence_dialog = box
        box.open()

    def apply_divergence_fix(self) -> None:
        """Use the suggested settings, rebuild with fresh weights and train again."""
        suggestion = getattr(self, "_divergence_suggestion", None) or {}
        config = self.config_panel.config()
        config = config.with_training(learning_rate=suggestion.get("learning_rate", config.training.learning_rate))
        if "initializer" in suggestion:
            config = replace(config, initializer=replace(config.initializer, name=suggestion["initializer"]))
        self.config_panel.set_config(config)
        self._train_after_build = True
        self.service.build(config, self.config_panel.engine_name())

    def _on_inspection_finished(self, result: p.InspectionResult) -> None:
        if result.request_id != self._latest_request:
            return
        self._last_result = result
        # Only the visible viewer draws now; the others catch up when their tab is shown.
        current = self.tabs.currentIndex()
        if current in self.inspection_views:
            self.inspection_views[current].show_inspection(result)
        self._stale_views = {index for index in self.inspection_views if index != current}
        self.history_panel.set_input_available(True)
        self.canvas.show_probabilities(result.probabilities, self._class_names())
        self.latency_label.setText(f"inspection {result.elapsed_ms:.0f} ms")
        self.sig_inspection_shown.emit(result)

    def _on_tab_changed(self, index: int) -> None:
        if index in self._stale_views and self._last_result is not None:
            self.inspection_views[index].show_inspection(self._last_result)
            self._stale_views.discard(index)
        if self.tab_pages[index] is self.history_panel:
            self.history_panel.refresh()

    def _on_science_requested(self, kind: str, params) -> None:
        self.service.run_science(kind, **params)

    def _on_science_finished(self, result) -> None:
        self.science_panel.show_science(result)
        if result.kind == "prune" and getattr(result.value, "kept", False):
            self._request_inspection()  # every view shows the pruned weights

    def _on_config_edited(self, config) -> None:
        self._sync_toolbar()
        if self._session is not None:
            self._draft_timer.start()
        rate = config.training.learning_rate
        if self.live_learning_rate.value() != rate:
            with QSignalBlocker(self.live_learning_rate):
                self.live_learning_rate.setValue(rate)
        if self.service.state in (p.TRAINING, p.PAUSED) and rate != self._applied_learning_rate:
            self._applied_learning_rate = rate
            self.service.set_learning_rate(rate)
            self.statusBar().showMessage(f"Learning rate {rate:g} from the next batch", 5000)
        self._show_model_label()

    def _on_experiment_requested(self, runs, engine: str) -> None:
        self.service.run_experiment(runs, engine)

    def _on_experiment_finished(self, finished) -> None:
        self.experiments_panel.finish(finished)
        self.history_panel.refresh()

    def _on_evaluate_requested(self) -> None:
        self.service.evaluate()

    def _on_example_chosen(self, image, label) -> None:
        self.canvas.set_image(np.asarray(image), label=label, preprocessed=True)
        names = self._class_names()
        name = names[label] if 0 <= label < len(names) else str(label)
        self.canvas.show_message(f"A test image from the Evaluation tab: true class '{name}'. "
                                 "Draw over it to change it.")
        # The user stays on the Evaluation tab (to go through mistakes); the viewers are one click away.
        self.statusBar().showMessage(f"Test image (true class '{name}') loaded into the canvas; "
                                     "Show in viewers (or Ctrl+1) looks inside the model.", 10000)

    def _on_show_in_viewers(self) -> None:
        self.show_tab(self.feature_maps_view)

    def _on_replay_requested(self, run_path: str, epoch: int) -> None:
        image = self.canvas.current_input()
        if image is not None:
            self.service.replay(run_path, epoch, image)

    def _on_model_saved(self, path: str) -> None:
        self._unsaved_training = False
        self.statusBar().showMessage(f"Model saved to {path}", 8000)

    def _on_error(self, error: p.ServiceError) -> None:
        self._train_after_build = False
        kind = error.kind
        if kind is p.JobKind.CONVERT:
            self._converting = False
            if self._model_info is not None:
                self.config_panel.set_engine(self._model_info.engine)
            self._show_model_label()
        # Panels waiting for a job's answer learn that it failed (or was refused).
        elif kind is p.JobKind.SCIENCE:
            self.science_panel.set_busy(self.service.state != p.IDLE)
        elif kind is p.JobKind.EXPERIMENT:
            self.experiments_panel.show_error(error.message)
        elif kind is p.JobKind.EVALUATE:
            self.evaluation_panel.show_error(error.message)
        self.show_error(error.title, error.message, error.details)

    def show_error(self, title: str, message: str, details: str = "") -> None:
        """A readable message, the technical details behind "Show Details…", and a crash-log entry."""
        log = write_crash_log(title, message, details) if details else None
        box = QMessageBox(QMessageBox.Critical, title, message, QMessageBox.Ok, self)
        box.setObjectName("error_dialog")
        if details:
            box.setDetailedText(details)
            if log is not None:
                box.setInformativeText(f"The details were added to {log}.")
        self.error_dialog = box
        box.open()
        self.statusBar().showMessage(f"{title}: {message}", 10000)

    def report_unexpected(self, exc_type, exc_value, exc_traceback) -> None:
        """For ``sys.excepthook``: an error nobody caught becomes a dialog and a log entry."""
        details = "".join(traceback.format_exception(exc_type, exc_value, exc_traceback))
        self.show_error("Something went wrong", f"{exc_type.__name__}: {exc_value}. cnnviz keeps running; "
                        "if this repeats, save your model and restart.", details)

    # -- user actions --------------------------------------------------------------------------------
    def _request_inspection(self) -> None:
        image = self.canvas.current_input()
        if image is None or self._model_info is None:
            return
        shape = self._model_info.config.input_shape if self._model_info.config else None
        if shape is not None and tuple(image.shape[1:]) != tuple(shape):
            self.statusBar().showMessage(f"The model takes {tuple(shape)} inputs; the canvas made "
                                         f"{tuple(image.shape[1:])}.", 8000)
            return
        label = self._label if self._class_index is None else None
        self._latest_request = self.service.inspect(image, label=label, class_index=self._class_index)

    def _on_input_changed(self, image: np.ndarray) -> None:
        self._request_inspection()

    def _on_input_cleared(self) -> None:
        self._last_result = None
        self.history_panel.set_input_available(False)
        for view in self.viewers:
            view.show_inspection(None)
        self.canvas.clear_probabilities()
        self._stale_views.clear()

    def _on_label_changed(self, label) -> None:
        self._label = label

    def _on_target_changed(self, class_index) -> None:
        self._class_index = class_index
        self._request_inspection()

    def _on_live_tick(self) -> None:
        if self.service.state == p.TRAINING:
            self._request_inspection()

    def _on_build_requested(self, config: ModelConfig, engine: str) -> None:
        if self._model_info is None or not self._weights_trained:
            self.service.build(config, engine)
            return
        # Build replaces trained (or opened) weights with random ones: ask first.
        self._confirm_discard(
            "confirm_build_dialog", "Replace the trained model?",
            "Build makes a new model with fresh random weights. The current model's trained weights will be lost "
            "unless you save them first.", "Discard and build", lambda: self.service.build(config, engine))

    def open_model(self, path: str | Path) -> None:
        """Open a model file, asking first when training results of the current model are not saved."""
        if not self._unsaved_training:
            self.service.load(path)
            return
        self._confirm_discard(
            "confirm_open_dialog", "Open another model?",
            f"Opening {Path(path).name} replaces the current model, whose trained weights are not saved.",
            "Discard and open", lambda: self.service.load(path))

    def _confirm_discard(self, name: str, title: str, text: str, proceed_text: str, proceed) -> None:
        """Ask before trained weights are lost: save first, go ahead, or cancel (a window-modal box)."""
        box = QMessageBox(QMessageBox.Question, title, text, QMessageBox.NoButton, self)
        box.setObjectName(name)
        save = box.addButton("Save first…", QMessageBox.ActionRole)
        go_ahead = box.addButton(proceed_text, QMessageBox.DestructiveRole)
        box.addButton(QMessageBox.Cancel)
        box.setDefaultButton(QMessageBox.Cancel)

        def answered(_result: int) -> None:
            clicked = box.clickedButton()
            if clicked is save:
                self._train_after_build = False
                self._on_save_model()
            elif clicked is go_ahead:
                proceed()
            else:
                self._train_after_build = False

        box.finished.connect(answered)
        setattr(self, name, box)
        box.open()

    def _on_train_requested(self) -> None:
        config = self.config_panel.config()
        problems = self.config_panel.problems()
        if problems:
            self._inform("The configuration has a problem", problems[0].message, QMessageBox.Warning)
            return
        info = self._model_info
        if info is not None and info.config is not None and (
                info.config.layers != config.layers or info.config.initializer != config.initializer):
            box = QMessageBox(QMessageBox.Question, "Build the edited model?",
                              "The architecture or initializer was edited since the model was built. Build the "
                              "edited model (fresh weights) and train it?", QMessageBox.Yes | QMessageBox.Cancel, self)
            box.setObjectName("confirm_train_dialog")

            def answered(result: int) -> None:
                if result == QMessageBox.Yes:
                    # Training starts once the new model exists; if the build fails, nothing trains.
                    self._train_after_build = True
                    self.service.build(config, self.config_panel.engine_name())

            box.finished.connect(answered)
            self.confirm_train_dialog = box
            box.open()
            return
        self._start_run_label()
        self.service.train(training=config.training)

    def _inform(self, title: str, text: str, icon=QMessageBox.Information) -> None:
        """A message the person reads and closes; it never blocks the window's event loop."""
        box = QMessageBox(icon, title, text, QMessageBox.Ok, self)
        box.setObjectName("message_dialog")
        self.message_dialog = box
        box.open()

    def _start_run_label(self) -> None:
        config = self.config_panel.config()
        training = config.training
        self._applied_learning_rate = training.learning_rate
        # The previous run's "Training finished · test accuracy …" must not stand beside a new run.
        self.statusBar().clearMessage()
        self.monitor.start_run(f"{self.config_panel.engine_name()} · {training.optimizer} "
                               f"lr={training.learning_rate:g} · {config.initializer.name} · "
                               f"{time.strftime('%H:%M:%S')}")
        # The previous run's ending ("Training finished · test accuracy …") must not stay up.
        self.statusBar().clearMessage()

    def _on_step_batch(self) -> None:
        self._step("batch")

    def _on_step_epoch(self) -> None:
        self._step("epoch")

    def _step(self, unit: str) -> None:
        if self._model_info is None:
            return
        if self.service.state == p.IDLE:
            self._start_run_label()
        self.service.step(unit, training=self.config_panel.config().training)

    def _on_toggle_pause(self) -> None:
        if self.service.state == p.TRAINING:
            self.service.pause()
        elif self.service.state == p.PAUSED:
            self.service.resume()

    def _on_set_learning_rate(self) -> None:
        value, ok = QInputDialog.getDouble(self, "Learning rate", "New learning rate (while training runs, it "
                                           "applies from the next batch):", self.live_learning_rate.value(),
                                           0.00001, 10.0, 5)
        if ok:
            self.config_panel.set_learning_rate(value)

    def _on_open_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open model", str(Path.home()),
                                              "Models (*.npz *.keras);;cnnviz models (*.npz);;Keras models (*.keras)")
        if path:
            self.open_model(path)

    def _on_open_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open image", str(Path.home()),
                                              "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp)")
        if path:
            self.canvas.load_image_file(path)

    def _on_save_model(self) -> None:
        if self._model_info is None:
            return
        suffix = ".keras" if self._model_info.engine == "keras" else ".npz"
        path, _ = QFileDialog.getSaveFileName(self, "Save model", str(Path.home() / f"model{suffix}"),
                                              f"Model (*{suffix})")
        if path:
            self.service.save(path)

    def current_view(self):
        return self.tab_pages[self.tabs.currentIndex()]

    def _export_target(self):
        """(widget to render, figure title) for the visible tab."""
        view = self.current_view()
        if hasattr(view, "export_widget"):
            return view.export_widget(), view.title(), False  # the view draws its own title
        return view, self.tabs.tabText(self.tabs.currentIndex()), True

    def _on_export_figure(self) -> None:
        widget, title, add_title = self._export_target()
        default = Path(self._last_export_folder) / (title.split(" — ")[0].lower().replace(" ", "-") + ".png")
        path, _ = QFileDialog.getSaveFileName(self, "Export figure", str(default),
                                              "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)")
        if not path:
            return
        scale = 2.0
        if path.lower().endswith(".png"):
            scale, ok = QInputDialog.getDouble(self, "PNG resolution", "Scale (× the on-screen size):", 2.0,
                                               0.5, 8.0, 1)
            if not ok:
                return
        try:
            written = render_widget(widget, path, scale=scale, title=title if add_title else None)
        except ExportError as error:
            self._inform("Export failed", str(error), QMessageBox.Warning)
            return
        self._last_export_folder = str(written.parent)
        self.statusBar().showMessage(f"Figure written to {written}", 8000)

    def _on_export_all(self) -> None:
        if self._last_result is None:
            self._inform("Nothing to export", "Draw a digit or pick a sample first.")
            return
        folder = QFileDialog.getExistingDirectory(self, "Export everything into folder", self._last_export_folder)
        if folder:
            self.export_all_to(folder)

    def export_all_to(self, folder: str, fmt: str = "png") -> Path | None:
        """Write every figure for the current input into ``folder``; errors are shown, not raised."""
        try:
            index = export_all(self._last_result, folder, fmt, history_csv=self.monitor.history_csv() or None,
                               class_names=self._class_names())
        except ExportError as error:
            self._inform("Export failed", str(error), QMessageBox.Warning)
            return None
        self._last_export_folder = folder
        self.statusBar().showMessage(f"Exported to {index.parent} (open index.html)", 10000)
        return index

    def _on_export_history(self) -> None:
        text = self.monitor.history_csv()
        if not text:
            self._inform("No history", "Train a model first; its loss history is exported.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export loss history",
                                              str(Path(self._last_export_folder) / "loss-history.csv"), "CSV (*.csv)")
        if path:
            try:
                write_text(path, text)
            except ExportError as error:
                self._inform("Export failed", str(error), QMessageBox.Warning)

    def _on_reset_layout(self) -> None:
        for dock, area in ((self.config_dock, Qt.LeftDockWidgetArea), (self.canvas_dock, Qt.RightDockWidgetArea),
                           (self.monitor_dock, Qt.BottomDockWidgetArea)):
            dock.setFloating(False)
            dock.show()
            self.addDockWidget(area, dock)
        self._widths_before_shrinking = {}
        self._size_docks()

    def _on_show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{key}</b></td><td>&nbsp;&nbsp;{text}</td></tr>" for key, text in SHORTCUTS)
        self._inform("Keyboard shortcuts", f"<table>{rows}</table>")

    def _on_about(self) -> None:
        QMessageBox.about(self, "About cnnviz", (
            f"<h3>cnnviz {__version__}</h3><p>Build a small convolutional network, train it, draw a digit "
            "or a shape and see inside it: feature maps, kernels, their spectra and gradients.</p>"
            "<p>Two engines: a from-scratch NumPy engine and Keras/TensorFlow.</p>"
            "<p>Bundled data: 10,000 MNIST digits (LeCun, Cortes, Burges; CC BY-SA 3.0).</p>"))

    def settings_snapshot(self) -> dict:
        """What would be remembered now (for tests)."""
        return {"config": json.loads(self.config_panel.config().to_json()), "engine": self.config_panel.engine_name(),
                "tab": self.tabs.currentIndex()}
