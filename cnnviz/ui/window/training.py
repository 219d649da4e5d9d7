"""Building, switching engines and training, as the window asks the service for them.

Build, Train, Step, Pause and the learning rate go to the model service from here. Nothing that
would lose trained weights happens without asking: Build (fresh random weights) and opening another
model (when training results are unsaved) offer to save first. Choosing the other engine with an
unchanged architecture moves the model there with its weights. Progress is batched into a few
redraws a second; a diverged run is explained with its fix one click away.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from cnnviz.core.config import ModelConfig
from cnnviz.core.durations import format_duration
from cnnviz.service import payloads as p

if TYPE_CHECKING:
    from cnnviz.ui.main_window import MainWindow

ENGINE_LABELS = {"numpy": "NumPy", "keras": "Keras"}
# Plots redraw at most this often while training (four times a second: the window then costs training
# least, `cnnviz bench app`); progress in between is batched.
MONITOR_REDRAW_INTERVAL_MS = 250
# The progress bar's resolution during an experiment (its runs one after another).
PROGRESS_STEPS = 1000


class TrainingController(QObject):
    """Build, train and engine commands of ``window``; see the module docstring."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self._converting = False
        self._weights_trained = False
        self._unsaved_training = False
        self._applied_learning_rate: float | None = None
        self._train_after_build = False
        self._weights_trained_before_run = False
        self._divergence_suggestion: dict = {}
        self._pending_steps: list = []
        self._pending_total_epochs = 0
        self._experiment_epochs: dict[int, int] = {}  # run index -> its epochs, in the order they train
        self._redraw_timer = QTimer(self, interval=MONITOR_REDRAW_INTERVAL_MS, singleShot=True)
        self._redraw_timer.timeout.connect(self._flush_progress)
        service, panel = window.service, window.config_panel
        service.sig_training_progress.connect(self._on_training_progress)
        service.sig_epoch_finished.connect(self._on_epoch_finished)
        service.sig_training_finished.connect(self._on_training_finished)
        service.sig_experiment_progress.connect(self._on_experiment_progress)
        service.sig_model_saved.connect(self._on_model_saved)
        panel.sig_build_requested.connect(self.build)
        panel.sig_engine_chosen.connect(self._on_engine_chosen)
        panel.sig_train_requested.connect(self.train)
        panel.sig_pause_requested.connect(service.pause)
        panel.sig_resume_requested.connect(service.resume)
        panel.sig_stop_requested.connect(service.stop)
        panel.sig_config_changed.connect(self._on_config_edited)

    # -- commands -----------------------------------------------------------------------------------
    def build(self, config: ModelConfig, engine: str) -> None:
        """Build ``config`` on ``engine``, asking first when trained weights would be lost."""
        if self.window.model_info() is None or not self._weights_trained:
            self.window.service.build(config, engine)
            return
        self._confirm_discard(
            "confirm_build_dialog", "Replace the trained model?",
            "Build makes a new model with fresh random weights. The current model's trained weights will be lost "
            "unless you save them first.", "Discard and build", lambda: self.window.service.build(config, engine))

    def open_model(self, path: str | Path) -> None:
        """Open a model file, asking first when training results of the current model are not saved."""
        if not self._unsaved_training:
            self.window.service.load(path)
            return
        self._confirm_discard(
            "confirm_open_dialog", "Open another model?",
            f"Opening {Path(path).name} replaces the current model, whose trained weights are not saved.",
            "Discard and open", lambda: self.window.service.load(path))

    def train(self) -> None:
        """Train the model with the Model panel's settings (building it first if its layers were edited)."""
        window = self.window
        config = window.config_panel.config()
        problems = window.config_panel.problems()
        if problems:
            window.inform("The configuration has a problem", problems[0].message, QMessageBox.Warning)
            return
        info = window.model_info()
        if info is not None and info.config is not None and (
                info.config.layers != config.layers or info.config.initializer != config.initializer):
            box = QMessageBox(QMessageBox.Question, "Build the edited model?",
                              "The architecture or initializer was edited since the model was built. Build the "
                              "edited model (fresh weights) and train it?", QMessageBox.Yes | QMessageBox.Cancel,
                              window)
            box.setObjectName("confirm_train_dialog")

            def answered(result: int) -> None:
                if result == QMessageBox.Yes:
                    # Training starts once the new model exists; if the build fails, nothing trains.
                    self._train_after_build = True
                    window.service.build(config, window.config_panel.engine_name())

            box.finished.connect(answered)
            window.confirm_train_dialog = box
            box.open()
            return
        self.start_run_label()
        window.service.train(training=config.training)

    def resume_run(self, run_path: str, epochs: int) -> None:
        """Continue the run in ``run_path`` until it has ``epochs`` epochs, replacing the current model
        (asking first when its training results are not saved)."""
        window = self.window

        def resume() -> None:
            self._weights_trained_before_run = self._weights_trained
            window.monitor.start_run(f"{Path(run_path).name} · resumed · {time.strftime('%H:%M:%S')}")
            self.settle_layout_for_training()
            window.statusBar().showMessage(f"Continuing the run {Path(run_path).name} to epoch {epochs}…", 8000)
            window.service.resume_run(run_path, epochs)

        if not self._unsaved_training:
            resume()
            return
        self._confirm_discard(
            "confirm_resume_dialog", "Continue the earlier run?",
            f"Resuming {Path(run_path).name} replaces the current model, whose trained weights are not saved.",
            "Discard and resume", resume)

    def can_step(self) -> bool:
        """Whether Step batch / Step epoch make sense now: a run to step, or a model that matches a
        valid configuration to start one with."""
        window = self.window
        if window.service.state in (p.TRAINING, p.PAUSED):
            return not window.experiment_running()
        return (window.service.state == p.IDLE and window.model_info() is not None
                and not window.config_panel.problems() and not self.architecture_edited())

    def architecture_edited(self) -> bool:
        """Whether the Model panel's layers or initializer differ from the model's (Build to use them)."""
        info, config = self.window.model_info(), self.window.config_panel.config()
        return info is not None and info.config is not None and (
            info.config.input_shape != config.input_shape or info.config.layers != config.layers
            or info.config.initializer != config.initializer)

    def step(self, unit: str) -> None:
        """Train one ``"batch"`` or to the end of the ``"epoch"``, then pause (starting a run if none)."""
        window = self.window
        if not self.can_step():
            if window.service.state == p.IDLE and window.model_info() is not None:
                window.statusBar().showMessage("The Model panel's configuration is not the model's: Build it (or "
                                               "fix its problem) before stepping.", 8000)
            return
        if window.service.state == p.IDLE:
            self.start_run_label()
        window.service.step(unit, training=window.config_panel.config().training)

    def toggle_pause(self) -> None:
        service = self.window.service
        if service.state == p.TRAINING:
            service.pause()
        elif service.state == p.PAUSED:
            service.resume()

    def start_run_label(self) -> None:
        """Name the run about to start in the training monitor."""
        window = self.window
        config = window.config_panel.config()
        training = config.training
        self._applied_learning_rate = training.learning_rate
        self._weights_trained_before_run = self._weights_trained
        # The previous run's "Training finished · test accuracy …" must not stand beside a new run,
        # nor its full progress bar.
        window.statusBar().clearMessage()
        self.reset_progress()
        window.monitor.start_run(f"{window.config_panel.engine_name()} · {training.optimizer} "
                                 f"lr={training.learning_rate:g} · {config.initializer.name} · "
                                 f"{time.strftime('%H:%M:%S')}", validation=training.validation_split > 0)
        self.settle_layout_for_training()

    def settle_layout_for_training(self) -> None:
        """Give the monitor its room now, laid out and painted before the worker starts: done as
        training began, the window's one big relayout (every view resized) ran while the worker held
        the interpreter half the time, stalling the window for over 100 ms. Only the first run grows
        it; later ones have nothing to lay out."""
        window = self.window
        if window.layout_keeper.grow_monitor():
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            window.repaint()

    def reset_progress(self, experiment_runs: list | None = None) -> None:
        """Empty the status bar's progress bar for a new training run, or for an experiment of
        ``experiment_runs`` (its progress then counts every run's batches, run after run)."""
        window = self.window
        self._experiment_epochs = {run.index: run.config.training.expected_epochs() for run in experiment_runs or ()}
        window.progress_bar.setRange(0, PROGRESS_STEPS)
        window.progress_bar.setValue(0)
        count = len(self._experiment_epochs)
        window.progress_bar.setFormat(f"run 1/{count} · %p%" if count else "%p%")
        window.progress_bar.setToolTip("How much of the experiment's runs has trained." if count
                                       else "How much of the training run is done.")
        window.eta_label.clear()

    def start_experiment(self, runs: list) -> None:
        """An experiment of ``runs`` (:class:`~cnnviz.core.experiments.ExperimentRun`) starts: the
        progress bar follows its runs."""
        self.reset_progress(runs)

    def apply_divergence_fix(self) -> None:
        """Use the suggested settings and train again: from the weights put back after the divergence
        when only the learning rate changes, or from a fresh build (asking first if trained weights
        would be lost) when the initializer changes."""
        window = self.window
        suggestion = self._divergence_suggestion
        config = window.config_panel.config()
        config = config.with_training(learning_rate=suggestion.get("learning_rate", config.training.learning_rate))
        if "initializer" not in suggestion:
            window.config_panel.set_config(config)
            self.start_run_label()
            window.service.train(training=config.training)
            return
        config = replace(config, initializer=replace(config.initializer, name=suggestion["initializer"]))
        window.config_panel.set_config(config)
        self._train_after_build = True
        self.build(config, window.config_panel.engine_name())

    # -- what the window tells it -------------------------------------------------------------------
    def model_changed(self, info: p.ModelInfo) -> None:
        """A model was built, opened or moved to another engine."""
        if self._converting:
            self._converting = False
            self.window.statusBar().showMessage(
                f"The model now runs on the {ENGINE_LABELS.get(info.engine, info.engine)} engine"
                + (f" ({info.device})" if info.device else "") + ", with the same weights.", 8000)
        else:
            self._weights_trained = not info.source.startswith("new ")
            self._unsaved_training = False
        self.show_model_label()
        if self._train_after_build:
            self._train_after_build = False
            self.start_run_label()
            self.window.service.train(training=self.window.config_panel.config().training)

    def job_failed(self, error: p.ServiceError) -> None:
        """A job failed: nothing trains after it, and a failed engine switch is undone in the panel."""
        self._train_after_build = False
        if error.kind is p.JobKind.CONVERT:
            self._converting = False
            info = self.window.model_info()
            if info is not None:
                self.window.config_panel.set_engine(info.engine)
            self.show_model_label()

    def show_model_label(self) -> None:
        """The model's engine and source in the status bar, and the chosen engine when it differs."""
        window = self.window
        info = window.model_info()
        chosen = window.config_panel.engine_name()
        chosen_label = ENGINE_LABELS.get(chosen, chosen)
        if info is None:
            window.model_label.setText(f"no model · {chosen_label} engine chosen")
            return
        parameters = f", {info.summary.total_parameters:,} parameters" if info.summary else ""
        device = f" on {info.device}" if info.device else ""
        text = f"{ENGINE_LABELS.get(info.engine, info.engine)} engine{device} · {Path(info.source).name}{parameters}"
        if self.architecture_edited() and chosen != info.engine:
            text += f" · the Model panel's layers were edited and {chosen_label} chosen: Build to use them"
        elif self.architecture_edited():
            text += " · the Model panel's layers were edited: Build to use them"
        elif chosen != info.engine:
            text += f" · {chosen_label} chosen: Build to use it"
        window.model_label.setText(text)

    # -- events -------------------------------------------------------------------------------------
    def _on_engine_chosen(self, engine: str) -> None:
        """Move the model to the chosen engine when its architecture is unchanged (weights kept)."""
        window = self.window
        info = window.model_info()
        config = window.config_panel.config()
        if (info is not None and info.engine != engine and info.config is not None
                and window.service.state == p.IDLE and info.config.input_shape == config.input_shape
                and info.config.layers == config.layers):
            self._converting = True
            window.statusBar().showMessage(f"Moving the model to the {ENGINE_LABELS.get(engine, engine)} engine "
                                           "(weights kept)…")
            window.service.convert(engine)
        self.show_model_label()

    def _on_config_edited(self, config: ModelConfig) -> None:
        window = self.window
        rate = config.training.learning_rate
        if window.live_learning_rate.value() != rate:
            with QSignalBlocker(window.live_learning_rate):
                window.live_learning_rate.setValue(rate)
        if window.service.state in (p.TRAINING, p.PAUSED) and rate != self._applied_learning_rate:
            self._applied_learning_rate = rate
            window.service.set_learning_rate(rate)
            window.statusBar().showMessage(f"Learning rate {rate:g} from the next batch", 5000)
        self.show_model_label()

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
        window = self.window
        progress = p.TrainingProgress(tuple(self._pending_steps), self._pending_total_epochs)
        self._pending_steps = []
        window.monitor.add_progress(progress)
        step = progress.steps[-1]
        done = step.epoch * step.num_batches + step.batch + 1
        total = progress.total_epochs * step.num_batches
        bar = window.progress_bar
        if bar.maximum() != total or bar.minimum() != 0:
            bar.setRange(0, total)
        # A progress bar showing its percentage repaints itself at once when its value moves a pixel;
        # with updates off for the change it is painted with the rest of the frame instead.
        bar.setUpdatesEnabled(False)
        bar.setValue(done)
        bar.setUpdatesEnabled(True)
        remaining = step.elapsed / done * (total - done) if done else 0.0
        eta = f"epoch {step.epoch + 1}/{progress.total_epochs} · ETA {format_duration(remaining)}"
        if window.eta_label.text() != eta:
            window.eta_label.setText(eta)

    def _on_experiment_progress(self, progress: p.ExperimentProgress) -> None:
        """The experiment's progress: the runs done and the batches of the run that trains."""
        order = list(self._experiment_epochs)
        if not progress.steps or progress.run_index not in self._experiment_epochs:
            return
        position = order.index(progress.run_index)
        step = progress.steps[-1]
        epochs = self._experiment_epochs[progress.run_index]
        fraction = (step.epoch * step.num_batches + step.batch + 1) / max(epochs * step.num_batches, 1)
        window = self.window
        window.progress_bar.setFormat(f"run {position + 1}/{len(order)} · %p%")
        window.progress_bar.setValue(round(PROGRESS_STEPS * (position + min(fraction, 1.0)) / len(order)))
        window.eta_label.setText(f"run {position + 1}/{len(order)}: epoch {step.epoch + 1}/{epochs}")

    def _on_epoch_finished(self, epoch) -> None:
        self._flush_progress()
        self.window.monitor.add_epoch(epoch)

    def _on_training_finished(self, finished: p.TrainingFinished) -> None:
        window = self.window
        self._redraw_timer.stop()
        self._flush_progress()
        window.monitor.finish_run(finished)
        window.inspection.follow_training(False)
        window.history_panel.refresh()
        window.inspection.request()
        if finished.reason == "diverged":
            if finished.last_epoch is None:
                # No epoch ended: the weights put back are those from before the run.
                self._weights_trained = self._weights_trained_before_run
            self._offer_divergence_fix(finished)
        accuracy = f" · test accuracy {finished.test_accuracy:.2%}" if finished.test_accuracy is not None else ""
        window.statusBar().showMessage(f"{finished.message}{accuracy}", 15000)

    def _on_model_saved(self, path: str) -> None:
        self._unsaved_training = False
        self.window.statusBar().showMessage(f"Model saved to {path}", 8000)

    # -- dialogs ------------------------------------------------------------------------------------
    def _offer_divergence_fix(self, finished: p.TrainingFinished) -> None:
        window = self.window
        box = QMessageBox(QMessageBox.Warning, "Training diverged", finished.message, QMessageBox.Close, window)
        box.setObjectName("divergence_dialog")
        window.divergence_fix_button = None
        if finished.suggestion:
            changes = [f"learning rate {finished.suggestion['learning_rate']:g}"]
            if "initializer" in finished.suggestion:
                changes.append(f"{finished.suggestion['initializer']} initializer")
            box.setInformativeText(f"Apply the fix ({' and '.join(changes)}), rebuild the model and train again?")
            button = box.addButton("Apply fix and retrain", QMessageBox.AcceptRole)
            self._divergence_suggestion = dict(finished.suggestion)
            button.clicked.connect(self.apply_divergence_fix)
            window.divergence_fix_button = button
        window.divergence_dialog = box
        box.open()

    def _confirm_discard(self, name: str, title: str, text: str, proceed_text: str,
                         proceed: Callable[[], None]) -> None:
        """Ask before trained weights are lost: save first, go ahead, or cancel (a window-modal box)."""
        window = self.window
        box = QMessageBox(QMessageBox.Question, title, text, QMessageBox.NoButton, window)
        box.setObjectName(name)
        save = box.addButton("Save first…", QMessageBox.ActionRole)
        go_ahead = box.addButton(proceed_text, QMessageBox.DestructiveRole)
        box.addButton(QMessageBox.Cancel)
        box.setDefaultButton(QMessageBox.Cancel)

        def answered(_result: int) -> None:
            clicked = box.clickedButton()
            if clicked is go_ahead:
                proceed()
                return
            self._train_after_build = False
            if clicked is save:
                window.files.save_model()

        box.finished.connect(answered)
        setattr(window, name, box)
        box.open()
