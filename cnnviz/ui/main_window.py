"""The main window: docks for the model, the input and training, tabs for the layer viewers.

It builds the views and wires them to the model service; it never touches an engine. Its work is
done by small parts in :mod:`cnnviz.ui.window`: the dock layout, the menus and toolbar, the
inspection of the current input, building and training, file actions, and the session draft.
"""

from __future__ import annotations

import json
import os
import traceback
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtWidgets import QDockWidget, QInputDialog, QMainWindow, QMessageBox, QTabWidget, QWidget

from cnnviz.core.config import ConfigError, ModelConfig
from cnnviz.core.crashlog import write_crash_log
from cnnviz.core.datasets import CLASS_NAMES, list_datasets
from cnnviz.core.resources import resource_path
from cnnviz.service import payloads as p
from cnnviz.ui.drawing.panel import DrawingCanvas
from cnnviz.ui.embedding.panel import EmbeddingPanel
from cnnviz.ui.evaluation.panel import EvaluationPanel
from cnnviz.ui.experiments.panel import ExperimentsPanel
from cnnviz.ui.explain.controller import ExplainController
from cnnviz.ui.explain.panel import ExplainPanel
from cnnviz.ui.features.controller import FeaturesController
from cnnviz.ui.features.panel import FeaturesPanel
from cnnviz.ui.history.panel import HistoryPanel
from cnnviz.ui.model.panel import ConfigPanel
from cnnviz.ui.overview.view import OverviewView
from cnnviz.ui.range_hint import install_range_hint
from cnnviz.ui.science.panel import SciencePanel
from cnnviz.ui.training.monitor import TrainingMonitor
from cnnviz.ui.viewers.feature_maps import FeatureMapsView
from cnnviz.ui.viewers.gradients import GradientsView
from cnnviz.ui.viewers.kernels import KernelsView
from cnnviz.ui.viewers.spectra import SpectraView
from cnnviz.ui.wheel_guard import install_wheel_guard
from cnnviz.ui.window.files import FileActions
from cnnviz.ui.window.image_folder import ImageFolderChooser
from cnnviz.ui.window.inspection import InspectionController
from cnnviz.ui.window.layout import DockLayout, scrolling
from cnnviz.ui.window.live_follow import LiveFollow
from cnnviz.ui.window.menus import build_menus, build_status_bar, build_training_toolbar
from cnnviz.ui.window.session_offer import SessionKeeper
from cnnviz.ui.window.training import TrainingController

DEFAULT_MODEL = resource_path("reference_model.npz")
DOCK_AREAS = {"Model": Qt.LeftDockWidgetArea, "Input": Qt.RightDockWidgetArea, "Training": Qt.BottomDockWidgetArea}


def default_settings() -> QSettings:
    """The person's settings: in ``$CNNVIZ_HOME/settings.ini`` when that is set (with the rest of
    cnnviz's data), else where Qt keeps an application's settings on this system."""
    home = os.environ.get("CNNVIZ_HOME")
    if home:
        return QSettings(str(Path(home) / "settings.ini"), QSettings.IniFormat)
    return QSettings("cnnviz", "cnnviz")


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
    """An inspection result reached the views (for tests and benchmarks)."""

    def __init__(self, service, settings: QSettings | None = None, load_default_model: bool = True,
                 track_session: bool = True):
        super().__init__()
        install_wheel_guard()
        install_range_hint()
        self.service = service
        self.settings = settings or default_settings()
        self.setWindowTitle("cnnviz — look inside a convolutional network")
        # Docks move without animation: an animated layout made a property animation for each dock
        # every time a label in one changed size (several a second while training), all on this thread.
        self.setAnimated(False)
        self._model_info: p.ModelInfo | None = None
        self._experiment_running = False
        self._remembered_config: ModelConfig | None = None
        self._close_confirmed = False
        self._build_views()
        self.layout_keeper = DockLayout(self, (self.config_dock, self.canvas_dock), self.monitor_dock)
        self.layout_keeper.fit_to_screen()
        self.files = FileActions(self)
        self.image_folders = ImageFolderChooser(self)
        self.training = TrainingController(self)
        self.inspection = InspectionController(self)
        self.inspection.sig_inspection_shown.connect(self.sig_inspection_shown)
        build_training_toolbar(self)  # first: the Model menu lists its Step actions too
        build_menus(self)
        build_status_bar(self)
        self._connect()
        self.explain = ExplainController(self, self.explain_panel)  # after _connect: it reads the model's names
        self.features = FeaturesController(self, self.features_panel)
        self.live_follow = LiveFollow(self)
        self._restore_settings()
        self._sync_toolbar()
        self.session = SessionKeeper(self) if track_session else None
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
        # The overview sits beside Feature maps, where a newcomer looks first; a click on it opens a filter there.
        self.overview_view = OverviewView()
        self.viewers.insert(1, self.overview_view)
        for view, label, tip in zip(self.viewers, ("Feature maps", "Overview", "Kernels", "Spectra", "Gradients"), (
                "Every filter's output for the current input", "Every layer of the network at a glance, "
                "for the current input", "The learned convolution kernels",
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
        self.embedding_panel = EmbeddingPanel()
        for panel, label, tip in ((self.experiments_panel, "Experiments", "Sweep settings and compare runs"),
                                  (self.evaluation_panel, "Evaluation", "Confusion matrix and mistakes"),
                                  (self.embedding_panel, "Embedding", "Test images placed by a layer's activations"),
                                  (self.history_panel, "History", "Earlier runs, replayed epoch by epoch")):
            self._add_tab(panel, label, tip)
        self.explain_panel = ExplainPanel()
        self._add_tab(self.explain_panel, "Explain", "Attribution maps of the current input, and their sanity checks")
        self.features_panel = FeaturesPanel()
        self._add_tab(self.features_panel, "Features", "What each filter responds to (feature visualization) and "
                      "the training images that excite it most")
        self.setCentralWidget(self.tabs)
        self.config_panel = ConfigPanel()
        self.config_panel.set_datasets(list_datasets())
        self.config_dock = self._dock("Model", scrolling(self.config_panel))
        self.canvas = DrawingCanvas()
        self.canvas_dock = self._dock("Input", scrolling(self.canvas, never_sideways=True))
        self.monitor = TrainingMonitor()
        self.monitor_dock = self._dock("Training", self.monitor)

    def _add_tab(self, page: QWidget, label: str, tip: str) -> int:
        """Add a tab whose page scrolls when the window is narrower than the page's controls."""
        index = self.tabs.addTab(scrolling(page), label)
        self.tabs.setTabToolTip(index, tip)
        self.tab_pages.append(page)
        return index

    def _dock(self, title: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower()}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable
                         | QDockWidget.DockWidgetClosable)
        self.addDockWidget(DOCK_AREAS[title], dock)
        return dock

    def _connect(self) -> None:
        service, panel = self.service, self.config_panel
        service.sig_state_changed.connect(self._on_state_changed)
        service.sig_model_changed.connect(self._on_model_changed)
        service.sig_error_raised.connect(self._on_error)
        panel.sig_config_changed.connect(self._on_config_edited)
        self.canvas.sig_model_requested.connect(self.training.open_model)
        experiments = self.experiments_panel
        experiments.sig_run_requested.connect(self._on_experiment_requested)
        experiments.sig_cancel_requested.connect(service.stop)
        service.sig_experiment_progress.connect(experiments.add_progress)
        service.sig_experiment_run_finished.connect(experiments.add_outcome)
        service.sig_experiment_finished.connect(self._on_experiment_finished)
        panel.sig_config_changed.connect(experiments.set_base_config)
        experiments.set_base_config(panel.config())
        evaluation = self.evaluation_panel
        evaluation.sig_evaluate_requested.connect(service.evaluate)
        evaluation.sig_example_chosen.connect(self._on_example_chosen)
        evaluation.sig_show_in_viewers_requested.connect(lambda: self.show_tab(self.feature_maps_view))
        service.sig_evaluation_finished.connect(evaluation.show_evaluation)
        self.embedding_panel.sig_embedding_requested.connect(self._on_embedding_requested)
        self.embedding_panel.sig_example_chosen.connect(self._on_embedding_point_chosen)
        self.history_panel.sig_replay_requested.connect(self._on_replay_requested)
        self.history_panel.sig_resume_requested.connect(self.training.resume_run)
        service.sig_replay_finished.connect(self.history_panel.show_replay)
        self.history_panel.sig_epochs_compare_requested.connect(self._on_epochs_compare_requested)
        service.history.sig_epochs_compared.connect(self.history_panel.show_epoch_comparison)
        self.history_panel.set_runs_root(service.runs_folder)
        self.overview_view.sig_filter_chosen.connect(self._on_overview_filter_chosen)
        science = self.science_panel
        science.sig_science_requested.connect(self._on_science_requested)
        science.sig_filters_marked.connect(self.kernels_view.set_marked)
        service.sig_science_finished.connect(self._on_science_finished)

    # -- what tests, tours and benchmarks read -------------------------------------------------------
    def model_info(self) -> p.ModelInfo | None:
        """The model the service holds now, as it last described it."""
        return self._model_info

    def last_result(self) -> p.InspectionResult | None:
        """The newest inspection shown."""
        return self.inspection.last_result()

    def current_view(self) -> QWidget:
        return self.tab_pages[self.tabs.currentIndex()]

    def show_tab(self, page: QWidget) -> None:
        """Bring the tab holding ``page`` to the front."""
        self.tabs.setCurrentIndex(self.tab_pages.index(page))

    def class_names(self) -> tuple[str, ...]:
        """The names of the model's classes (its dataset's, else class numbers)."""
        info = self._model_info
        if info is not None and info.config is not None:
            dataset = info.config.training.dataset
            names = CLASS_NAMES.get(dataset) or self.image_folders.class_names(dataset)
            if names and len(names) == info.config.layers[-1].units:
                return names
        result = self.inspection.last_result()
        if result is not None:
            return tuple(str(index) for index in range(len(result.probabilities)))
        return self.canvas.class_names()

    def export_all_to(self, folder: str, fmt: str = "png") -> Path | None:
        """Write every figure for the current input into ``folder``; errors are shown, not raised."""
        return self.files.export_all_to(folder, fmt)

    def settings_snapshot(self) -> dict:
        """What would be remembered now (for tests)."""
        return {"config": json.loads(self.config_panel.config().to_json()), "engine": self.config_panel.engine_name(),
                "tab": self.tabs.currentIndex()}

    # -- messages -----------------------------------------------------------------------------------
    def inform(self, title: str, text: str, icon=QMessageBox.Information) -> None:
        """A message the person reads and closes; it never blocks the window's event loop."""
        box = QMessageBox(icon, title, text, QMessageBox.Ok, self)
        box.setObjectName("message_dialog")
        self.message_dialog = box
        box.open()

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

    def ask_learning_rate(self) -> None:
        value, ok = QInputDialog.getDouble(self, "Learning rate", "New learning rate (while training runs, it "
                                           "applies from the next batch):", self.live_learning_rate.value(),
                                           0.00001, 10.0, 5)
        if ok:
            self.config_panel.set_learning_rate(value)

    def reset_layout(self) -> None:
        self.layout_keeper.reset({self.config_dock: Qt.LeftDockWidgetArea, self.canvas_dock: Qt.RightDockWidgetArea,
                                  self.monitor_dock: Qt.BottomDockWidgetArea})

    # -- settings and the window's life --------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.layout_keeper.restored = self.restoreState(state)
        text = self.settings.value("model/config")
        if isinstance(text, str) and text:
            try:
                self._remembered_config = ModelConfig.from_json(text)
                self.config_panel.set_config(self._remembered_config)
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
            self.files.export_folder = folder
        run_folders = self.settings.value("history/folders")
        if isinstance(run_folders, str) and run_folders:
            self.history_panel.set_extra_folders(run_folders.split("\n"))

    def _save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("model/config", self.config_panel.config().to_json())
        self.settings.setValue("model/engine", self.config_panel.engine_name())
        self.settings.setValue("view/tab", self.tabs.currentIndex())
        self.settings.setValue("export/folder", self.files.export_folder)
        self.settings.setValue("history/folders", "\n".join(map(str, self.history_panel.extra_folders())))
        self.settings.sync()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.layout_keeper.shown()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        # After the layout has settled: narrow the side panels if the viewers got too little room.
        self.layout_keeper.resized()

    def quit_now(self) -> None:
        """Close without asking (training, if any, stops): for tests and the confirmed close."""
        self._close_confirmed = True
        self.close()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if not self._close_confirmed and self.service.state in (p.TRAINING, p.PAUSED, p.STOPPING):
            # Closing would stop the run: ask first (its finished epochs are kept in History).
            event.ignore()
            box = QMessageBox(QMessageBox.Question, "Training is running",
                              "Closing cnnviz stops the training run. The epochs it has finished are kept in "
                              "History, with their checkpoints.", QMessageBox.NoButton, self)
            box.setObjectName("confirm_close_dialog")
            quit_button = box.addButton("Stop training and quit", QMessageBox.DestructiveRole)
            box.addButton(QMessageBox.Cancel)
            box.setDefaultButton(QMessageBox.Cancel)
            box.finished.connect(lambda _result: self.quit_now() if box.clickedButton() is quit_button else None)
            self.confirm_close_dialog = box
            box.open()
            return
        self.inspection.follow_training(False)
        self.image_folders.wait()
        self.history_panel.stop_watching()
        self._save_settings()
        if self.session is not None:
            self.session.close()
        self.service.shutdown(timeout=5.0)
        super().closeEvent(event)

    # -- service and panel events ---------------------------------------------------------------------
    def experiment_running(self) -> bool:
        """Whether an experiment (a queue of runs) trains now: it cannot be paused or stepped."""
        return self._experiment_running

    def _sync_toolbar(self) -> None:
        if self._experiment_running:
            for button in (self.config_panel.pause_button, self.config_panel.resume_button):
                button.setEnabled(False)
        for action, button in self.toolbar_commands:
            action.setEnabled(button.isEnabled())
        can_step = self.training.can_step()
        self.step_batch_action.setEnabled(can_step)
        self.step_epoch_action.setEnabled(can_step)

    def _on_state_changed(self, state: str) -> None:
        self.state_label.setText(state)
        self.config_panel.set_service_state(state, self._model_info is not None)
        self.science_panel.set_busy(state != p.IDLE)
        self._sync_toolbar()
        self.progress_bar.setVisible(state in (p.TRAINING, p.PAUSED, p.STOPPING))
        if state == p.TRAINING:
            self.inspection.follow_training(True)
            self.layout_keeper.grow_monitor()
        elif state == p.IDLE:
            self.training.reset_progress()  # the next run's bar starts empty, never at this one's end
            self.inspection.follow_training(False)

    def _on_model_changed(self, info: p.ModelInfo) -> None:
        self._model_info = info
        # The model opened at start-up does not overwrite the configuration remembered from last time
        # (the status bar says when its layers differ); every later model shows its own.
        remembered, self._remembered_config = self._remembered_config, None
        if remembered is None:
            if info.config is not None:
                self.config_panel.set_config(info.config)
            elif info.summary is not None:
                # A model no configuration describes: its own layers, not the configuration's.
                self.config_panel.summary_box.show_model_summary(info.summary)
            self.config_panel.set_engine(info.engine)
        self.config_panel.set_service_state(self.service.state, True)
        self._sync_toolbar()
        self.embedding_panel.set_layers(info.layer_names)
        names = self.class_names()
        self.gradients_view.set_class_names(names)
        self.feature_maps_view.set_class_names(names)
        # The canvas draws, samples and sizes its input for what the model knows.
        if info.config is None and info.input_shape is not None:
            # No configuration says what a model opened from a file takes; the service does.
            self.canvas.set_model(None, info.input_shape)
        else:
            self.canvas.set_model_info(info)
        self.science_panel.set_model(info)
        self.science_panel.set_class_names(names)
        if self.canvas.current_input() is None:
            self.canvas.load_sample(0)
        else:
            self.inspection.request()
        self.training.model_changed(info)
        self.inspection.settle_heap_soon()

    def _on_config_edited(self, _config: ModelConfig) -> None:
        self._sync_toolbar()

    def _on_error(self, error: p.ServiceError) -> None:
        self.training.job_failed(error)
        # Panels waiting for a job's answer learn that it failed (or was refused).
        kind = error.kind
        if kind is p.JobKind.SCIENCE:
            self.science_panel.set_busy(self.service.state != p.IDLE)
        elif kind is p.JobKind.EXPERIMENT:
            self._experiment_running = False
            self._sync_toolbar()
            self.experiments_panel.show_error(error.message)
        elif kind is p.JobKind.EVALUATE:
            self.evaluation_panel.show_error(error.message)
        if error.job_id == self.embedding_panel.pending_job:
            self.embedding_panel.show_error(error.message)
        if error.job_id == self.history_panel.epoch_projection.pending_job:
            self.history_panel.epoch_projection.show_error(error.message)
        self.show_error(error.title, error.message, error.details)

    def _on_science_requested(self, kind: str, params) -> None:
        self.service.run_science(kind, **params)

    def _on_embedding_requested(self, params) -> None:
        self.embedding_panel.set_pending(self.service.run_science("embedding", **params))

    def _on_embedding_point_chosen(self, image, label) -> None:
        self._on_example_chosen(image, label, "Embedding")

    def _on_science_finished(self, result) -> None:
        if result.kind == "embedding":
            self.embedding_panel.show_embedding(result.value)
            return
        self.science_panel.show_science(result)
        if result.kind == "prune" and getattr(result.value, "kept", False):
            self.inspection.request()  # every view shows the pruned weights

    def _on_experiment_requested(self, runs, engine: str) -> None:
        self._experiment_running = True
        self.training.start_experiment(runs)
        self.service.run_experiment(runs, engine)

    def _on_experiment_finished(self, finished) -> None:
        self._experiment_running = False
        self._sync_toolbar()
        self.experiments_panel.finish(finished)
        self.history_panel.refresh()

    def _on_example_chosen(self, image, label, tab: str = "Evaluation") -> None:
        picture = np.asarray(image)
        picture = picture[0] if picture.ndim == 4 else picture
        # The evaluation's images have the input shape of the model that was evaluated; a model built
        # since with another input gets them fitted by the canvas's stated rule instead.
        height, width, channels = self.canvas.input_shape()
        fits = picture.shape[:2] == (height, width) and (picture.ndim == 2 or picture.shape[2] in (1, channels))
        self.canvas.set_image(picture, label=label, preprocessed=fits)
        names = self.class_names()
        name = names[label] if 0 <= label < len(names) else str(label)
        self.canvas.show_message(f"A test image from the {tab} tab: true class '{name}'. "
                                 "Draw over it to change it.")
        # The user stays on the tab (to go through mistakes); the viewers are one click away.
        self.statusBar().showMessage(f"Test image (true class '{name}') loaded into the canvas; "
                                     "Show in viewers (or Ctrl+1) looks inside the model.", 10000)

    def _on_epochs_compare_requested(self, run_path: str, first: int, second: int, samples: int) -> None:
        self.history_panel.set_epoch_comparison_pending(
            self.service.history.compare_epochs(run_path, first, second, samples))

    def _on_overview_filter_chosen(self, layer: str, index: int) -> None:
        self.show_tab(self.feature_maps_view)
        self.feature_maps_view.show_filter(layer, index)

    def _on_replay_requested(self, run_path: str, epoch: int) -> None:
        image = self.canvas.current_input()
        if image is not None:
            self.service.replay(run_path, epoch, image)
