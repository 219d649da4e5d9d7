"""The model service: one worker thread owns the engine and runs every job on it.

Commands are methods called from the interface thread; each becomes a frozen request
(:mod:`cnnviz.service.commands`) on a queue that only the worker
(:mod:`cnnviz.service.worker`) reads, and returns at once with the job's id. Only the worker
changes :attr:`ModelService.state`; reading it gives the state the worker published last. Results
come back as Qt signals carrying immutable payloads (:mod:`cnnviz.service.payloads`), delivered to
receivers in their own thread. Training is a generator consumed on the worker: between batches the
worker honours pause, stop and step, and serves the newest inspection request (older ones are
dropped unanswered). Progress is throttled to about 30 signals a second, each carrying every step
since the previous one. A job that raises becomes an error signal naming the job's kind and id;
the service returns to idle with the last good weights. :meth:`ModelService.shutdown` stops the
worker within a bounded time.
"""

from __future__ import annotations

import itertools
import queue
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType

import numpy as np
from PySide6.QtCore import QObject, Signal

from cnnviz.core.config import ModelConfig, TrainingConfig
from cnnviz.core.experiments import ExperimentRun
from cnnviz.core.results import frozen
from cnnviz.core.training_data import prepare_training_data
from cnnviz.engines.base import Engine
from cnnviz.service import payloads as p
from cnnviz.service.attribution_commands import AttributionCommands
from cnnviz.service.commands import (
    BuildRequest,
    Command,
    ConvertRequest,
    EvaluateRequest,
    ExperimentRequest,
    InspectionRequest,
    Job,
    LoadRequest,
    Pause,
    ReplayRequest,
    Resume,
    SaveRequest,
    ScienceRequest,
    SetLearningRate,
    Shutdown,
    Step,
    StepUnit,
    Stop,
    TrainRequest,
)
from cnnviz.service.feature_vis_commands import FeatureVisCommands
from cnnviz.service.history_commands import HistoryCommands
from cnnviz.service.latest_request import LatestRequest
from cnnviz.service.worker import DataProvider, EngineFactory, Loader, Worker, WorkerOptions

TRAINING_STATES = (p.TRAINING, p.PAUSED, p.STOPPING)
"""States in which a training job (or an experiment) runs."""


def _default_engine_factory(name: str, config: ModelConfig) -> Engine:
    from cnnviz.engines.registry import create_engine

    return create_engine(name, config)


def _default_loader(path: str) -> Engine:
    from cnnviz.engines.registry import load_engine

    return load_engine(path)


class ModelService(QObject):
    """Runs one engine on a worker thread; see the module docstring.

    Parameters
    ----------
    engine_factory : callable(name, config) -> engine, optional
    loader : callable(path) -> engine, optional
    data_provider : callable(training_config, data_dir, *, input_shape, num_outputs) -> TrainingData, optional
        By default :func:`~cnnviz.core.training_data.prepare_training_data`.
    run_root : path, optional
        Where run folders go (default: the user data folder's ``runs/``); ``False`` records none.
    progress_interval : float
        Seconds between progress signals while training.
    engine_workers : int or None
        How many threads the NumPy engine may compute a batch on; None (the default) uses every
        core, as ``cnnviz train`` does. The window keeps the core it needs by priority instead:
        the worker and the engine's threads that work for it run at a lower one (nice 10), so the
        interface thread is scheduled first whenever it has work. (1 runs a batch's chunks one
        after the other and leaves BLAS its own threads, which hand off inside every product;
        ``cnnviz bench app`` compares the window's training with the command line's.)
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

    def __init__(self, parent: QObject | None = None, *, engine_factory: EngineFactory | None = None,
                 loader: Loader | None = None, data_provider: DataProvider | None = None,
                 run_root: str | Path | bool | None = None, progress_interval: float = 1 / 30,
                 engine_workers: int | None = None):
        super().__init__(parent)
        self._commands: queue.Queue[Command] = queue.Queue()
        self._inspections: LatestRequest[InspectionRequest] = LatestRequest()
        self._replays: LatestRequest[ReplayRequest] = LatestRequest()
        self._job_ids = itertools.count(1)
        options = WorkerOptions(engine_factory or _default_engine_factory, loader or _default_loader,
                                data_provider or prepare_training_data, run_root, progress_interval, engine_workers)
        self._worker = Worker(self, self._commands, self._inspections, self._replays, options)
        self.attribution = AttributionCommands(self, self._commands, self._next_id, self._worker)
        """Attribution maps and their sanity checks (:mod:`cnnviz.service.attribution_commands`)."""
        self.feature_vis = FeatureVisCommands(self, self._commands, self._next_id, self._worker)
        """Feature visualization and top images (:mod:`cnnviz.service.feature_vis_commands`)."""
        self.history = HistoryCommands(self, self._commands, self._next_id, self._worker)
        """Epochs of saved runs compared in the projector (:mod:`cnnviz.service.history_commands`)."""
        self._worker.start()

    # -- state, readable from any thread ----------------------------------------------------------
    @property
    def state(self) -> str:
        """The state the worker published last (``payloads.IDLE``, ``TRAINING``, ``PAUSED`` ...)."""
        return self._worker.state

    @property
    def runs_folder(self) -> Path | None:
        """The folder the window's training runs are written under (``None``: the user data folder's
        ``runs/``, or no runs are recorded)."""
        run_root = self._worker.options.run_root
        return Path(run_root) if isinstance(run_root, (str, Path)) and str(run_root) else None

    @property
    def is_running(self) -> bool:
        """Whether the worker thread is alive."""
        return self._worker.is_alive()

    # -- jobs: each returns its id, which an error about it carries ----------------------------------
    def build(self, config: ModelConfig, engine: str = "numpy") -> int:
        """Build a new model (replacing the current one) from a configuration."""
        return self._submit(BuildRequest(self._next_id(), config, engine), "build a new model")

    def convert(self, engine: str) -> int:
        """Move the current model to another engine, keeping its weights (both engines share one layout).

        The model must have a cnnviz configuration; the optimizer's state starts afresh.
        """
        return self._submit(ConvertRequest(self._next_id(), engine), "switch engines")

    def load(self, path: str | Path) -> int:
        """Open a model file (``.npz`` or ``.keras``)."""
        return self._submit(LoadRequest(self._next_id(), str(path)), "open another model")

    def save(self, path: str | Path) -> int:
        """Write the current model to ``path`` (also while training runs: between two batches)."""
        return self._submit(SaveRequest(self._next_id(), str(path)))

    def train(self, epochs: int | None = None, data_dir: str | None = None,
              training: TrainingConfig | None = None) -> int:
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
        return self._submit(TrainRequest(self._next_id(), epochs, data_dir, training), "start another training run")

    def resume_run(self, run_path: str | Path, epochs: int | None = None, data_dir: str | None = None) -> int:
        """Continue the training run in ``run_path`` from its last complete epoch, in the window.

        The run's model (its configuration, on its engine) replaces the current one, with the weights,
        optimizer state and data order of that epoch; training writes into the same folder, which is
        locked meanwhile. ``epochs`` is the total the run should reach (default: what it planned).
        """
        return self._submit(TrainRequest(self._next_id(), epochs, data_dir, resume_dir=str(run_path)),
                            "continue a run")

    def step(self, unit: StepUnit = "batch", training: TrainingConfig | None = None) -> int | None:
        """Run one more batch (``"batch"``) or the rest of the epoch (``"epoch"``), then pause.

        While idle this starts training (with ``training`` settings, if given) and pauses after that
        step, returning the new job's id; while training runs it continues for one step (None).
        """
        if unit not in ("batch", "epoch"):
            raise ValueError(f"unit must be 'batch' or 'epoch', received {unit!r}.")
        if self.state in TRAINING_STATES:
            self._commands.put(Step(unit))
            return None
        return self._submit(TrainRequest(self._next_id(), training=training, step_unit=unit))

    def evaluate(self, data_dir: str | None = None) -> int:
        """Evaluate the current model on its dataset's test split."""
        return self._submit(EvaluateRequest(self._next_id(), data_dir), "evaluate")

    def run_experiment(self, runs: list[ExperimentRun], engine: str = "numpy") -> int:
        """Train each :class:`ExperimentRun` in turn on the worker; :meth:`stop` cancels."""
        return self._submit(ExperimentRequest(self._next_id(), tuple(runs), engine), "run an experiment")

    def run_science(self, kind: str, **params: object) -> int:
        """Run one of :mod:`cnnviz.science`'s analyses on the current model; returns the
        job's id, which its :class:`ScienceResult` carries. Analyses that change the weights
        (pruning) bump the model version."""
        request = ScienceRequest(self._next_id(), kind, MappingProxyType(dict(params)))
        return self._submit(request, "run this analysis")

    def inspect(self, image: np.ndarray, label: int | None = None, class_index: int | None = None,
                parts: Iterable[str] = p.ALL_PARTS, spectra_layers: Iterable[str] | None = None) -> int:
        """Ask for an inspection of one image with the optional ``parts`` (default: all of
        :data:`~cnnviz.service.payloads.ALL_PARTS`); returns the request's id. ``spectra_layers``:
        the layers whose feature-map spectra are wanted at once, the others' are made when first read
        (default: as many as fit a budget).

        Only the newest request is answered; older pending ones are dropped. Raises ValueError for
        an unknown part.
        """
        request = InspectionRequest(self._next_id(), frozen(np.array(image, dtype=np.float32)), label, class_index,
                                    p.inspection_parts(parts),
                                    None if spectra_layers is None else tuple(str(name) for name in spectra_layers))
        self._inspections.offer(request)
        self._commands.put(request)
        return request.job_id

    def replay(self, run_path: str | Path, epoch: int, image: np.ndarray) -> int:
        """Inspect ``image`` with the checkpoint saved after ``epoch`` of a run (the current model is
        kept). Only the newest replay request is answered. Returns the request id."""
        request = ReplayRequest(self._next_id(), str(run_path), int(epoch), frozen(np.array(image, np.float32)))
        self._replays.offer(request)
        self._commands.put(request)
        return request.job_id

    # -- controls: they steer the training job that runs, and do nothing when none runs ----------------
    def pause(self) -> None:
        """Pause training after the current batch."""
        self._commands.put(Pause())

    def resume(self) -> None:
        """Resume a paused training run."""
        self._commands.put(Resume())

    def stop(self) -> None:
        """Stop training (or cancel an experiment) after the current batch."""
        self._commands.put(Stop())

    def set_learning_rate(self, value: float) -> None:
        """Change the learning rate, effective from the next batch of the training that runs."""
        if not (np.isfinite(value) and value > 0):
            self._emit_error(p.JobKind.LEARNING_RATE, self._next_id(), p.ERROR_TITLES[p.JobKind.LEARNING_RATE],
                             f"The learning rate must be a positive number, received {value}.")
            return
        self._commands.put(SetLearningRate(float(value)))

    def shutdown(self, timeout: float = 5.0) -> bool:
        """Stop the running job at its next batch, drop queued ones and end the worker thread; returns
        whether it ended within ``timeout`` s."""
        self._worker.shutdown_requested.set()
        self._commands.put(Shutdown())
        return self._worker.join(timeout)

    # -- internals ------------------------------------------------------------------------------------
    def _next_id(self) -> int:
        return next(self._job_ids)

    def _submit(self, job: Job, refused_while_training: str | None = None) -> int:
        """Queue ``job``, or refuse it (an error signal) when it cannot run beside training."""
        if refused_while_training is not None and self.state in TRAINING_STATES:
            self._emit_error(job.kind, job.job_id, "Training is running",
                             f"Cannot {refused_while_training} while training runs. Stop training first "
                             "(Stop), then try again.")
        else:
            self._commands.put(job)
        return job.job_id

    def _emit_error(self, kind: p.JobKind, job_id: int, title: str, message: str) -> None:
        self.sig_error_raised.emit(p.ServiceError(kind, job_id, title, message))
