"""The model service: one worker thread owns the engine and runs every job on it.

Commands are methods called from the interface thread; they queue a job or set a
flag and return at once. Results come back as Qt signals carrying immutable
payloads (:mod:`cnnviz.service.payloads`), delivered to receivers in their own
thread. Training is a generator consumed on the worker: between batches the
worker honours pause and stop, and serves the newest inspection request (older
ones are dropped unanswered). Progress is throttled to about 30 signals a second,
each carrying every step since the previous one. A job that raises becomes an
error signal with a readable message; the service returns to idle with the last
good weights. :meth:`ModelService.shutdown` stops the worker within a bounded time.
"""

from __future__ import annotations

import itertools
import os
import queue
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from cnnviz.core.config import ModelConfig
from cnnviz.core.results import EpochResult, StepResult, frozen
from cnnviz.core.runs import RunDirectory
from cnnviz.core.summary import summarize
from cnnviz.core.training_data import prepare_training_data
from cnnviz.service import payloads as p
from cnnviz.service.inspection import run_inspection

_SHUTDOWN = "shutdown"


def _default_engine_factory(name: str, config: ModelConfig):
    from cnnviz.engines.registry import create_engine

    return create_engine(name, config)


def _default_loader(path: str):
    from cnnviz.engines.registry import load_engine

    return load_engine(path)


class ModelService(QObject):
    """Runs one engine on a worker thread; see the module docstring.

    Parameters
    ----------
    engine_factory : callable(name, config) -> engine, optional
    loader : callable(path) -> engine, optional
    data_provider : callable(training_config, data_dir) -> TrainingData, optional
    run_root : path, optional
        Where run folders go (default: the user data folder's ``runs/``); ``False`` records none.
    progress_interval : float
        Seconds between progress signals while training.
    engine_workers : int or None
        How many threads the NumPy engine may compute a batch on. The default, 1, keeps a core
        for the window: measured here, that cut the longest event-loop stall while training
        from about 50 to about 35 ms for about 8 % more training time. None uses every core.
    """

    sig_state_changed = Signal(str)
    """The service entered a new state (``payloads.IDLE``, ``TRAINING``, ``PAUSED`` ...)."""
    sig_model_changed = Signal(object)
    """A model was built or opened (:class:`ModelInfo`)."""
    sig_training_progress = Signal(object)
    """Training steps since the last signal (:class:`TrainingProgress`)."""
    sig_epoch_finished = Signal(object)
    """An epoch ended (:class:`EpochResult`)."""
    sig_training_finished = Signal(object)
    """A training job ended (:class:`TrainingFinished`)."""
    sig_inspection_finished = Signal(object)
    """The newest inspection request was answered (:class:`InspectionResult`)."""
    sig_model_saved = Signal(str)
    """The model was written to this path."""
    sig_error_raised = Signal(object)
    """A job failed (:class:`ServiceError`); the service is idle again."""
    sig_evaluation_finished = Signal(object)
    """The model was evaluated on a test set (:class:`cnnviz.core.evaluation.Evaluation`)."""
    sig_experiment_progress = Signal(object)
    """Steps of an experiment run (:class:`ExperimentProgress`)."""
    sig_experiment_run_finished = Signal(object)
    """One experiment run ended (:class:`cnnviz.core.experiments.RunOutcome`)."""
    sig_experiment_finished = Signal(object)
    """The experiment ended (:class:`ExperimentFinished`)."""
    sig_replay_finished = Signal(object)
    """An inspection with a saved checkpoint (:class:`ReplayResult`)."""
    sig_science_finished = Signal(object)
    """A science analysis finished (:class:`ScienceResult`)."""

    def __init__(self, parent: QObject | None = None, *, engine_factory: Callable | None = None,
                 loader: Callable | None = None, data_provider: Callable | None = None,
                 run_root: str | Path | bool | None = None, progress_interval: float = 1 / 30,
                 engine_workers: int | None = 1):
        super().__init__(parent)
        self._engine_workers = engine_workers
        self._engine_factory = engine_factory or _default_engine_factory
        self._loader = loader or _default_loader
        self._data_provider = data_provider or prepare_training_data
        self._run_root = run_root
        self._progress_interval = progress_interval
        self._commands: queue.Queue = queue.Queue()
        self._paused = threading.Event()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._pending_inspection: p.InspectionRequest | None = None
        self._request_ids = itertools.count(1)
        self._learning_rate: float | None = None
        self._step_unit: str | None = None
        self._pending_replay = None
        self._replay_engines: dict = {}
        self._engine = None
        self._source = ""
        self._version = 0
        self._state = p.IDLE
        self._thread = threading.Thread(target=self._run, name="cnnviz-model-service", daemon=True)
        self._thread.start()

    # -- commands, called from the interface thread ----------------------------------------------
    @property
    def state(self) -> str:
        return self._state

    @property
    def is_running(self) -> bool:
        """Whether the worker thread is alive."""
        return self._thread.is_alive()

    def build(self, config: ModelConfig, engine: str = "numpy") -> None:
        """Build a new model (replacing the current one) from a configuration."""
        if self._refuse_while_training("build a new model"):
            return
        self._commands.put(("build", (config, engine)))

    def convert(self, engine: str) -> None:
        """Move the current model to another engine, keeping its weights (both engines share one layout).

        The model must have a cnnviz configuration; the optimizer's state starts afresh.
        """
        if self._refuse_while_training("switch engines"):
            return
        self._commands.put(("convert", (engine,)))

    def load(self, path: str | Path) -> None:
        """Open a model file (``.npz`` or ``.keras``)."""
        if self._refuse_while_training("open another model"):
            return
        self._commands.put(("load", (str(path),)))

    def save(self, path: str | Path) -> None:
        """Write the current model to ``path`` (also allowed while paused)."""
        self._commands.put(("save", (str(path),)))
        self._wake.set()

    def train(self, epochs: int | None = None, data_dir: str | None = None, training=None) -> None:
        """Train the current model.

        Parameters
        ----------
        epochs : int, optional
            Overrides the number of epochs.
        data_dir : str, optional
            Folder with MNIST or Fashion-MNIST IDX files.
        training : TrainingConfig, optional
            New training settings (optimizer, learning rate, batch size, data ...) for this run
            and the next; the weights are kept.
        """
        if self._refuse_while_training("start another training run"):
            return
        self._stop.clear()
        self._paused.clear()
        self._commands.put(("train", (epochs, data_dir, training)))

    def step(self, unit: str = "batch", training=None) -> None:
        """Run one more batch (``"batch"``) or the rest of the epoch (``"epoch"``), then pause.

        While idle this starts training (with ``training`` settings, if given) and pauses after that
        step; while paused it continues for one step.
        """
        if unit not in ("batch", "epoch"):
            raise ValueError(f"unit must be 'batch' or 'epoch', received {unit!r}.")
        self._step_unit = unit
        if self._state in (p.TRAINING, p.PAUSED, p.STOPPING):
            self._paused.clear()
            self._wake.set()
        else:
            self.train(training=training)

    def evaluate(self, data_dir: str | None = None) -> None:
        """Evaluate the current model on its dataset's test split."""
        if self._refuse_while_training("evaluate"):
            return
        self._commands.put(("evaluate", (data_dir,)))

    def run_experiment(self, runs: list, engine: str = "numpy") -> None:
        """Train each :class:`ExperimentRun` in turn on the worker; :meth:`stop` cancels."""
        if self._refuse_while_training("run an experiment"):
            return
        self._stop.clear()
        self._paused.clear()
        self._commands.put(("experiment", (tuple(runs), engine)))

    def replay(self, run_path: str | Path, epoch: int, image: np.ndarray) -> int:
        """Inspect ``image`` with the checkpoint saved after ``epoch`` of a run (the current model is
        kept). Only the newest replay request is answered. Returns the request id."""
        request = (next(self._request_ids), str(run_path), int(epoch), frozen(np.array(image, np.float32)))
        with self._lock:
            self._pending_replay = request
        self._commands.put(("replay", ()))
        self._wake.set()
        return request[0]

    def run_science(self, kind: str, **params) -> int:
        """Run one of :mod:`cnnviz.service.science`'s analyses on the current model; returns the
        request id. Analyses that change the weights (pruning) bump the model version."""
        if self._refuse_while_training("run this analysis"):
            return -1
        request_id = next(self._request_ids)
        self._commands.put(("science", (request_id, kind, dict(params))))
        return request_id

    def pause(self) -> None:
        """Pause training after the current batch."""
        self._paused.set()

    def resume(self) -> None:
        """Resume a paused training run."""
        self._paused.clear()
        self._wake.set()

    def stop(self) -> None:
        """Stop training after the current batch."""
        if self._state in (p.TRAINING, p.PAUSED):
            self._set_state(p.STOPPING)
        self._stop.set()
        self._paused.clear()
        self._wake.set()

    def set_learning_rate(self, value: float) -> None:
        """Change the learning rate, effective from the next batch (also during training)."""
        if not (np.isfinite(value) and value > 0):
            self._emit_error("Invalid learning rate", f"The learning rate must be a positive number, "
                             f"received {value}.")
            return
        self._learning_rate = float(value)

    def inspect(self, image: np.ndarray, label: int | None = None, class_index: int | None = None) -> int:
        """Ask for a full inspection of one image; returns the request's id.

        Only the newest request is answered; older pending ones are dropped.
        """
        request = p.InspectionRequest(next(self._request_ids), frozen(np.array(image, dtype=np.float32)),
                                      label, class_index)
        with self._lock:
            self._pending_inspection = request
        self._commands.put(("inspect", ()))
        self._wake.set()
        return request.request_id

    def shutdown(self, timeout: float = 5.0) -> bool:
        """Stop any job and end the worker thread; returns whether it ended within ``timeout`` s."""
        self._stop.set()
        self._paused.clear()
        self._commands.put((_SHUTDOWN, ()))
        self._wake.set()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # -- worker ------------------------------------------------------------------------------------
    def _refuse_while_training(self, action: str) -> bool:
        if self._state in (p.TRAINING, p.PAUSED, p.STOPPING):
            self._emit_error("Training is running", f"Cannot {action} while training runs. Stop "
                             "training first (Stop), then try again.")
            return True
        return False

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.sig_state_changed.emit(state)

    def _emit_error(self, title: str, message: str, details: str = "") -> None:
        self.sig_error_raised.emit(p.ServiceError(title, message, details))

    def _run(self) -> None:
        from cnnviz.engines.numpy_engine import parallel

        _lower_priority()
        parallel.set_worker_limit(self._engine_workers)  # for this worker thread only
        while True:
            command, arguments = self._commands.get()
            if command == _SHUTDOWN:
                self._set_state(p.SHUT_DOWN)
                return
            try:
                getattr(self, f"_do_{command}")(*arguments)
            except Exception as error:  # noqa: BLE001 - every failure becomes an error signal
                self._emit_error(_titles.get(command, "Error"), _readable(error), traceback.format_exc())
            finally:
                if self._state != p.SHUT_DOWN:
                    self._set_state(p.IDLE)

    def _model_info(self, source: str) -> p.ModelInfo:
        self._source = source
        engine = self._engine
        summary = summarize(engine.config) if engine.config is not None else None
        return p.ModelInfo(engine.name, tuple(engine.layer_names()), engine.config, summary, source,
                           self._version)

    def _do_build(self, config: ModelConfig, engine_name: str) -> None:
        self._set_state(p.BUSY)
        engine = self._engine_factory(engine_name, config)
        self._engine, self._version = engine, self._version + 1
        self.sig_model_changed.emit(self._model_info(f"new {engine_name} model"))

    def _do_convert(self, engine_name: str) -> None:
        engine = self._require_engine()
        if engine.name == engine_name:
            return
        if engine.config is None:
            raise RuntimeError(f"This model was opened from a file with layers cnnviz cannot rebuild, so it "
                               f"runs on the {engine.name} engine only. Build a model from the Model panel to use "
                               f"the {engine_name} engine.")
        self._set_state(p.BUSY)
        converted = self._engine_factory(engine_name, engine.config)
        converted.set_weights(engine.get_weights())
        self._engine, self._version = converted, self._version + 1
        # The model is the same one, on another engine: it keeps the name of where it came from.
        self.sig_model_changed.emit(self._model_info(self._source))

    def _do_load(self, path: str) -> None:
        self._set_state(p.BUSY)
        engine = self._loader(path)
        self._engine, self._version = engine, self._version + 1
        self.sig_model_changed.emit(self._model_info(path))

    def _do_save(self, path: str) -> None:
        engine = self._require_engine()
        previous = self._state
        self._set_state(p.BUSY)
        saved = engine.save(path)
        self.sig_model_saved.emit(str(saved))
        self._set_state(previous)

    def _require_engine(self):
        if self._engine is None:
            raise RuntimeError("There is no model yet. Build a model or open a model file first.")
        return self._engine

    def _do_inspect(self) -> None:
        with self._lock:
            request, self._pending_inspection = self._pending_inspection, None
        if request is None or self._engine is None:
            return
        result = run_inspection(self._engine, request.image, request.label, request.class_index,
                                request.request_id, self._version)
        with self._lock:
            superseded = self._pending_inspection is not None
        if not superseded:
            self.sig_inspection_finished.emit(result)

    def _serve_between_batches(self) -> None:
        """What the worker does between two batches: inspections, replays and saves.

        A failure here is reported and training goes on.
        """
        for pending, job, command in ((self._pending_inspection, self._do_inspect, "inspect"),
                                      (self._pending_replay, self._do_replay, "replay")):
            if pending is not None:
                try:
                    job()
                except Exception as error:  # noqa: BLE001 - reported; training continues
                    self._emit_error(_titles[command], _readable(error), traceback.format_exc())
        if self._learning_rate is not None:
            self._engine.learning_rate, self._learning_rate = self._learning_rate, None
        if not self._commands.empty():
            self._drain_saves()

    def _do_train(self, epochs: int | None, data_dir: str | None, training=None) -> None:
        from cnnviz.runner import RecordingStopped, TrainingDiverged, train_run

        engine = self._require_engine()
        if engine.config is None:
            raise RuntimeError("This model has no cnnviz configuration (it was opened from a file with "
                               "layers cnnviz cannot rebuild), so it can be inspected but not trained here.")
        if training is not None and training != engine.config.training:
            engine.set_training(training)
        training = engine.config.training
        epochs = epochs or training.epochs
        self._set_state(p.BUSY)
        data = self._data_provider(training, data_dir)
        run = None
        if self._run_root is not False:
            run = RunDirectory.create(self._run_root, engine.name, training.dataset)
        last_good = engine.get_weights()
        self._set_state(p.TRAINING)
        pending: list[StepResult] = []
        last_emit = 0.0
        last_epoch: EpochResult | None = None
        reason, message = "completed", "Training finished."
        suggestion = None
        steps = train_run(engine, data, run, epochs=epochs, batch_size=training.batch_size, seed=training.seed)
        try:
            for result in steps:
                if isinstance(result, RecordingStopped):
                    self._emit_error("Training is no longer recorded", result.message)
                    continue
                if isinstance(result, StepResult):
                    pending.append(result)
                    self._version += 1
                    if time.perf_counter() - last_emit >= self._progress_interval:
                        self.sig_training_progress.emit(p.TrainingProgress(tuple(pending), epochs))
                        pending, last_emit = [], time.perf_counter()
                    if self._step_unit == "batch":
                        self._step_unit = None
                        self._paused.set()
                else:
                    if pending:
                        self.sig_training_progress.emit(p.TrainingProgress(tuple(pending), epochs))
                        pending = []
                    last_epoch, last_good = result, engine.get_weights()
                    self.sig_epoch_finished.emit(result)
                    if self._step_unit == "epoch":
                        self._step_unit = None
                        self._paused.set()
                self._serve_between_batches()
                if self._paused.is_set() and not self._stop.is_set():
                    self._wait_while_paused(pending, epochs)
                    pending = []
                if self._stop.is_set():
                    reason, message = "stopped", "Training stopped."
                    break
        except TrainingDiverged as error:
            reason, message, suggestion = "diverged", str(error), error.suggestion
        except Exception:
            engine.set_weights(last_good)
            self._version += 1
            self.sig_training_finished.emit(p.TrainingFinished("failed", "Training failed; the weights of "
                                                               "the last finished epoch were kept.", last_epoch))
            raise
        finally:
            steps.close()
        if pending:
            self.sig_training_progress.emit(p.TrainingProgress(tuple(pending), epochs))
        test_accuracy = None
        if reason == "completed" and len(data.test_labels):
            test_accuracy = engine.evaluate(data.test_images, data.test_labels)[1]
            if run is not None:
                run.update_info(status="finished", test_accuracy=test_accuracy)
        elif run is not None and reason == "stopped":
            run.flush()
            run.update_info(status="stopped")
        self._version += 1
        self.sig_training_finished.emit(p.TrainingFinished(reason, message, last_epoch, test_accuracy, suggestion))

    def _do_evaluate(self, data_dir: str | None) -> None:
        from cnnviz.core.datasets import load_dataset
        from cnnviz.core.preprocessing import preprocess_batch
        from cnnviz.science.evaluation import evaluate

        engine = self._require_engine()
        self._set_state(p.BUSY)
        dataset = engine.config.training.dataset if engine.config is not None else "mnist-sample"
        test = load_dataset(dataset, "test", data_dir=data_dir)
        result = evaluate(engine, preprocess_batch(test.images), test.labels, dataset, test.class_names)
        self.sig_evaluation_finished.emit(result)

    def _do_experiment(self, runs: tuple, engine_name: str) -> None:
        from cnnviz.runner import ExperimentStep, run_experiment

        self._set_state(p.TRAINING)
        outcomes = []
        pending: list[StepResult] = []
        current, last_emit = None, 0.0
        events = run_experiment(runs, lambda config: self._engine_factory(engine_name, config),
                                lambda training: self._data_provider(training, None),
                                run_root=None if self._run_root is False else (self._run_root or _default_runs()))
        cancelled = False
        try:
            for event in events:
                if isinstance(event, ExperimentStep):
                    if current is not None and event.run_index != current and pending:
                        self.sig_experiment_progress.emit(p.ExperimentProgress(current, tuple(pending)))
                        pending = []
                    current = event.run_index
                    pending.append(event.step)
                    if time.perf_counter() - last_emit >= self._progress_interval:
                        self.sig_experiment_progress.emit(p.ExperimentProgress(current, tuple(pending)))
                        pending, last_emit = [], time.perf_counter()
                else:
                    if pending:
                        self.sig_experiment_progress.emit(p.ExperimentProgress(current, tuple(pending)))
                        pending = []
                    outcomes.append(event)
                    self.sig_experiment_run_finished.emit(event)
                if self._stop.is_set():
                    cancelled = True
                    break
        finally:
            events.close()
        self.sig_experiment_finished.emit(p.ExperimentFinished(tuple(outcomes), cancelled))

    def _do_science(self, request_id: int, kind: str, params: dict) -> None:
        from cnnviz import science

        engine = self._require_engine()
        self._set_state(p.BUSY)
        value = science.run(kind, engine, **params)
        if science.CHANGES_WEIGHTS.get(kind, False) and params.get("keep", False):
            self._version += 1
        self.sig_science_finished.emit(p.ScienceResult(request_id, kind, dict(params), value))

    def _do_replay(self) -> None:
        with self._lock:
            request, self._pending_replay = self._pending_replay, None
        if request is None:
            return
        request_id, run_path, epoch, image = request
        from cnnviz.core.runs import RunInfo

        info = RunInfo(Path(run_path))
        snapshots = sorted((info.path / "checkpoints").glob("epoch-*.*"))
        matches = [path for path in snapshots if path.stem == f"epoch-{epoch + 1:04d}"]
        if not matches:
            which = "from before training" if epoch < 0 else f"for epoch {epoch + 1}"
            raise RuntimeError(f"The run {info.name} has no checkpoint {which}.")
        key = str(matches[0])
        if key not in self._replay_engines:
            self._replay_engines = {key: self._loader(key)}  # keep one: checkpoints can be large
        result = run_inspection(self._replay_engines[key], image, request_id=request_id, model_version=-1)
        with self._lock:
            superseded = self._pending_replay is not None
        if not superseded:
            self.sig_replay_finished.emit(p.ReplayResult(request_id, run_path, epoch, result))

    def _wait_while_paused(self, pending: list[StepResult], epochs: int) -> None:
        if pending:
            self.sig_training_progress.emit(p.TrainingProgress(tuple(pending), epochs))
        self._set_state(p.PAUSED)
        while self._paused.is_set() and not self._stop.is_set():
            self._wake.wait(0.1)
            self._wake.clear()
            self._serve_between_batches()
        if not self._stop.is_set():
            self._set_state(p.TRAINING)

    def _drain_saves(self) -> None:
        """Run queued saves while paused (other commands wait for the training job to end)."""
        kept = []
        while True:
            try:
                command, arguments = self._commands.get_nowait()
            except queue.Empty:
                break
            if command == "save":
                try:
                    self._do_save(*arguments)
                except Exception as error:  # noqa: BLE001
                    self._emit_error("Could not save the model", _readable(error), traceback.format_exc())
            else:
                kept.append((command, arguments))
        for item in kept:
            self._commands.put(item)


WORKER_NICENESS = 10


def _lower_priority() -> None:
    """Run the worker below the interface's priority, so training never starves the window.

    On Linux each thread has its own nice value, and threads it starts inherit it (the NumPy
    engine's chunk thread included). Elsewhere, or when not permitted, nothing changes.
    """
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)
    except (AttributeError, OSError):
        pass


def _default_runs():
    from cnnviz.core.runs import user_data_dir

    return user_data_dir() / "runs"


_titles = {"science": "The analysis failed", "evaluate": "Could not evaluate the model", "experiment": "The experiment failed",
           "replay": "Could not replay the checkpoint", "build": "Could not build the model",
           "convert": "Could not switch engines", "load": "Could not open the model",
           "save": "Could not save the model", "train": "Training failed",
           "inspect": "Could not inspect the input"}


def _readable(error: Exception) -> str:
    """A one-paragraph message for the user; library errors keep their own words."""
    if isinstance(error, (ValueError, RuntimeError, OSError)) and str(error):
        return str(error)
    return f"{type(error).__name__}: {error}"
