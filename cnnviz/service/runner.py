"""A training run outside the window: engine + data + run directory, step by step.

Used by the command line (and by anything that trains without the model service).
It records every step and epoch in the run directory, checkpoints the weights and
kernels after each epoch, and stops with a readable :class:`TrainingDiverged` error
when the loss stops being a finite number, restoring the last epoch's weights.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from pathlib import Path

from cnnviz.core.config import ModelConfig, TrainingConfig
from cnnviz.core.experiments import ExperimentRun, RunOutcome
from cnnviz.core.results import EpochResult, StepResult
from cnnviz.core.runs import RunDirectory
from cnnviz.core.training_data import TrainingData
from cnnviz.engines.base import Engine, train_epochs

EXPLODING_LOSS = 100.0
"""A batch cross-entropy above this (the true class given probability below e^-100) is divergence."""
SNAPSHOT_EVERY = 50
"""Batches between snapshots of the weights to fall back on when training diverges."""


class TrainingDiverged(RuntimeError):
    """The loss became NaN, infinite or exploded; the message says where, why and what to change.

    Attributes
    ----------
    loss, learning_rate : float
    epoch, batch : int
        Where it happened (0-based).
    restored_from : str
        Which weights were put back.
    suggestion : dict
        Training settings that most likely fix it: ``learning_rate`` (ten times smaller) and,
        when the weights started as all ones, ``initializer``.
    """

    def __init__(self, message: str, *, loss: float, learning_rate: float, epoch: int, batch: int,
                 restored_from: str, suggestion: dict):
        super().__init__(message)
        self.loss, self.learning_rate, self.epoch, self.batch = loss, learning_rate, epoch, batch
        self.restored_from, self.suggestion = restored_from, suggestion


@dataclass(frozen=True)
class RecordingStopped:
    """The run folder could not be written (disk full, folder removed ...); training goes on
    without recording, and nothing already written is lost."""

    message: str


ADAM_SAFE_LEARNING_RATE = 0.001


def divergence(engine: Engine, step: StepResult, restored_from: str) -> TrainingDiverged:
    """A :class:`TrainingDiverged` for ``step`` with a diagnosis and a suggested fix."""
    initialization = engine.config.initializer if engine.config is not None else None
    initializer = initialization.name if initialization is not None else ""
    rate = step.learning_rate / 10
    optimizer = engine.config.training.optimizer if engine.config is not None else ""
    if optimizer == "adam":
        # Adam's steps hardly scale with the gradient: a tenth of 5 (0.5) still diverges, while
        # its usual rate, 0.001, trains the report's networks.
        rate = min(rate, ADAM_SAFE_LEARNING_RATE)
    suggestion: dict[str, float | str] = {"learning_rate": rate}
    causes = [f"the learning rate ({step.learning_rate:g}) is too high for this model"]
    if initializer == "ones":
        suggestion["initializer"] = "glorot_uniform"
        causes.insert(0, "every weight starts at one, so all units compute the same thing and the "
                         "logits grow without bound")
    elif initialization is not None and initializer == "normal" and initialization.scale >= 0.5:
        suggestion["initializer"] = "glorot_uniform"
        causes.insert(0, f"the weights start large (normal, scale {initialization.scale:g})")
    what = "not a number" if math.isnan(step.loss) else ("infinite" if math.isinf(step.loss) else
                                                          f"{step.loss:.3g}, far above any sensible value")
    fix = f"a learning rate of {suggestion['learning_rate']:g}"
    if "initializer" in suggestion:
        fix += " and the glorot_uniform initializer"
    return TrainingDiverged(
        f"Training diverged at epoch {step.epoch + 1}, batch {step.batch + 1}: the loss became {what}. "
        f"Most likely {' and '.join(causes)}. Try {fix}. The weights {restored_from} were put back.",
        loss=step.loss, learning_rate=step.learning_rate, epoch=step.epoch, batch=step.batch,
        restored_from=restored_from, suggestion=suggestion)


@dataclass(frozen=True)
class RunResult:
    """What a finished run reports."""

    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    epochs: int
    seconds: float


def model_file_name(engine: Engine) -> str:
    return "model.keras" if engine.name == "keras" else "model.npz"


def train_run(engine: Engine, data: TrainingData, run: RunDirectory | None, *, epochs: int, batch_size: int,
              seed: int) -> Generator[StepResult | EpochResult | RecordingStopped, None, None]:
    """Train ``engine`` on ``data``, recording into ``run``; yields every step and epoch result.

    Every :data:`SNAPSHOT_EVERY` batches and at every epoch's end the weights are kept in memory;
    when the loss diverges (NaN, infinite or above :data:`EXPLODING_LOSS`) the newest of them is
    restored and :class:`TrainingDiverged` is raised. If the run folder stops being writable a
    :class:`RecordingStopped` is yielded once and training continues unrecorded.
    """
    config = engine.config
    if config is None:
        raise ValueError("This model has no cnnviz configuration (it was opened from a file with layers cnnviz "
                         "cannot rebuild), so it can be inspected but not trained.")
    last_good, restored_from = engine.get_weights(), "from before training"
    record = _Recorder(run)
    suffix = ".keras" if engine.name == "keras" else ".npz"

    def start(directory: RunDirectory) -> None:
        directory.write_config(config)
        directory.update_info(engine=engine.name, dataset=data.dataset, source=data.source,
                              num_train=len(data.train_labels), num_validation=len(data.val_labels),
                              num_test=len(data.test_labels), status="running")
        # The starting point, so a replay can show how training changed the weights.
        engine.save(directory.checkpoint_path(-1, suffix))
        directory.save_kernels(-1, dict(engine.kernels()))

    def diverged(directory: RunDirectory) -> None:
        directory.flush()
        directory.update_info(status="diverged")

    def end_epoch(directory: RunDirectory, epoch: EpochResult) -> None:
        directory.record_epoch(epoch)
        engine.save(directory.checkpoint_path(epoch.epoch, suffix))
        directory.save_kernels(epoch.epoch, dict(engine.kernels()))
        engine.save(directory.path / model_file_name(engine))

    stopped = record(start)
    if stopped:
        yield stopped
    for result in train_epochs(engine, data.train_images, data.train_labels, data.validation,
                               epochs=epochs, batch_size=batch_size, seed=seed):
        if isinstance(result, StepResult):
            if not math.isfinite(result.loss) or result.loss > EXPLODING_LOSS:
                engine.set_weights(last_good)
                if record.directory is not None:
                    record.directory.record_step(result)
                    record(diverged)
                raise divergence(engine, result, restored_from)
            if record.directory is not None:
                record.directory.record_step(result)
            if (result.batch + 1) % SNAPSHOT_EVERY == 0:
                last_good = engine.get_weights()
                restored_from = f"from epoch {result.epoch + 1}, batch {result.batch + 1}"
        else:
            last_good, restored_from = engine.get_weights(), f"from the end of epoch {result.epoch + 1}"
            stopped = record(functools.partial(end_epoch, epoch=result))
            if stopped:
                yield stopped
        yield result


class _Recorder:
    """Writes to a run folder (``directory``) until a write fails; from then on it is None, and
    training goes on unrecorded."""

    def __init__(self, directory: RunDirectory | None):
        self.directory = directory

    def __call__(self, action: Callable[[RunDirectory], object]) -> RecordingStopped | None:
        """Run ``action`` on the folder; say (once) when the folder could not be written."""
        if self.directory is None:
            return None
        try:
            action(self.directory)
        except OSError as error:
            path, self.directory = self.directory.path, None
            return RecordingStopped(f"The run folder {path} could not be written ({error.strerror or error}); "
                                    "training goes on without recording. Free some space or choose another "
                                    "folder for the next run; what was written before is intact.")
        return None


@dataclass(frozen=True)
class ExperimentStep:
    """A training step of run ``run_index`` of an experiment."""

    run_index: int
    step: StepResult


def run_experiment(runs: Iterable[ExperimentRun], engine_factory: Callable[[ModelConfig], Engine],
                   data_provider: Callable[[TrainingConfig], TrainingData],
                   run_root: str | Path | None = None) -> Generator[ExperimentStep | RunOutcome, None, None]:
    """Train every run of an experiment in turn, yielding :class:`ExperimentStep` for every batch
    and a :class:`~cnnviz.core.experiments.RunOutcome` when a run ends.

    A run whose loss stops being finite is marked diverged; its accuracies are measured with the
    weights of its last finished epoch (or the initial ones). Datasets are loaded once and shared by
    runs with the same data settings. Stop by closing the generator (between batches).
    """
    cache: dict[tuple, TrainingData] = {}
    for run in runs:
        training = run.config.training
        key = (training.dataset, training.train_subset, training.validation_split, training.seed)
        if key not in cache:
            cache[key] = data_provider(training)
        engine = engine_factory(run.config)
        data = cache[key].fitted(engine.input_shape)
        directory = None
        if run_root is not None:
            directory = RunDirectory.create(run_root, engine.name, training.dataset)
        start = time.perf_counter()
        losses: list[float] = []
        diverged, message = False, ""
        try:
            for result in train_run(engine, data, directory, epochs=training.epochs,
                                    batch_size=training.batch_size, seed=training.seed):
                if isinstance(result, StepResult):
                    losses.append(result.loss)
                    yield ExperimentStep(run.index, result)
        except TrainingDiverged as error:
            diverged, message = True, str(error)
            losses.append(float("nan"))
        except GeneratorExit:
            # Cancelled between two batches: the run's folder says so, instead of "running" forever.
            if directory is not None:
                try:
                    directory.flush()
                    directory.update_info(status="stopped", experiment_run=run.label)
                except OSError:
                    pass
            raise
        train_loss, train_accuracy = engine.evaluate(data.train_images, data.train_labels)
        test_accuracy = engine.evaluate(data.test_images, data.test_labels)[1] if len(data.test_labels) else None
        finite = [loss for loss in losses if math.isfinite(loss)]
        if directory is not None:
            try:
                directory.update_info(status="diverged" if diverged else "finished", test_accuracy=test_accuracy,
                                      train_accuracy=train_accuracy, experiment_run=run.label)
            except OSError:
                pass  # the outcome below still reaches the caller; the folder was already reported
        yield RunOutcome(run, train_accuracy, test_accuracy, finite[-1] if finite else None,
                         time.perf_counter() - start, diverged, message, tuple(losses))
