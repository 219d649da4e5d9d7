"""A training run outside the window: engine + data + run directory, step by step.

Used by the command line (and by anything that trains without the model service).
It records every step and epoch in the run directory, checkpoints the weights and
kernels after each epoch, and stops with a readable :class:`TrainingDiverged` error
when the loss stops being a finite number, restoring the last epoch's weights.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from cnnviz.core.results import EpochResult, StepResult
from cnnviz.core.runs import RunDirectory
from cnnviz.core.training_data import TrainingData
from cnnviz.engines.base import train_epochs

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


def divergence(engine, step: StepResult, restored_from: str) -> TrainingDiverged:
    """A :class:`TrainingDiverged` for ``step`` with a diagnosis and a suggested fix."""
    initializer = engine.config.initializer.name if engine.config is not None else ""
    suggestion = {"learning_rate": step.learning_rate / 10}
    causes = [f"the learning rate ({step.learning_rate:g}) is too high for this model"]
    if initializer == "ones":
        suggestion["initializer"] = "glorot_uniform"
        causes.insert(0, "every weight starts at one, so all units compute the same thing and the "
                         "logits grow without bound")
    elif initializer == "normal" and engine.config.initializer.scale >= 0.5:
        suggestion["initializer"] = "glorot_uniform"
        causes.insert(0, f"the weights start large (normal, scale {engine.config.initializer.scale:g})")
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


def model_file_name(engine) -> str:
    return "model.keras" if engine.name == "keras" else "model.npz"


def train_run(engine, data: TrainingData, run: RunDirectory | None, *, epochs: int, batch_size: int,
              seed: int) -> Iterator[StepResult | EpochResult | RecordingStopped]:
    """Train ``engine`` on ``data``, recording into ``run``; yields every step and epoch result.

    Every :data:`SNAPSHOT_EVERY` batches and at every epoch's end the weights are kept in memory;
    when the loss diverges (NaN, infinite or above :data:`EXPLODING_LOSS`) the newest of them is
    restored and :class:`TrainingDiverged` is raised. If the run folder stops being writable a
    :class:`RecordingStopped` is yielded once and training continues unrecorded.
    """
    last_good, restored_from = engine.get_weights(), "from before training"
    recording = run is not None

    def record(action) -> RecordingStopped | None:
        nonlocal recording
        if not recording:
            return None
        try:
            action()
        except OSError as error:
            recording = False
            return RecordingStopped(f"The run folder {run.path} could not be written ({error.strerror or error}); "
                                    "training goes on without recording. Free some space or choose another "
                                    "folder for the next run; what was written before is intact.")
        return None

    suffix = ".keras" if engine.name == "keras" else ".npz"
    stopped = record(lambda: (run.write_config(engine.config), run.update_info(
        engine=engine.name, dataset=data.dataset, source=data.source, num_train=len(data.train_labels),
        num_validation=len(data.val_labels), num_test=len(data.test_labels), status="running"),
        # The starting point, so a replay can show how training changed the weights.
        engine.save(run.checkpoint_path(-1, suffix)), run.save_kernels(-1, dict(engine.kernels()))))
    if stopped:
        yield stopped
    for result in train_epochs(engine, data.train_images, data.train_labels, data.validation,
                               epochs=epochs, batch_size=batch_size, seed=seed):
        if isinstance(result, StepResult):
            if not math.isfinite(result.loss) or result.loss > EXPLODING_LOSS:
                engine.set_weights(last_good)
                if recording:
                    run.record_step(result)
                    record(lambda: (run.flush(), run.update_info(status="diverged")))
                raise divergence(engine, result, restored_from)
            if recording:
                run.record_step(result)
            if (result.batch + 1) % SNAPSHOT_EVERY == 0:
                last_good = engine.get_weights()
                restored_from = f"from epoch {result.epoch + 1}, batch {result.batch + 1}"
        else:
            last_good, restored_from = engine.get_weights(), f"from the end of epoch {result.epoch + 1}"
            if recording:
                stopped = record(lambda result=result: (
                    run.record_epoch(result),
                    engine.save(run.checkpoint_path(result.epoch, suffix)),
                    run.save_kernels(result.epoch, dict(engine.kernels())),
                    engine.save(run.path / model_file_name(engine))))
                if stopped:
                    yield stopped
        yield result


@dataclass(frozen=True)
class ExperimentStep:
    """A training step of run ``run_index`` of an experiment."""

    run_index: int
    step: StepResult


def run_experiment(runs, engine_factory, data_provider, run_root=None) -> Iterator:
    """Train every run of an experiment in turn, yielding :class:`ExperimentStep` for every batch
    and a :class:`~cnnviz.core.experiments.RunOutcome` when a run ends.

    A run whose loss stops being finite is marked diverged; its accuracies are measured with the
    weights of its last finished epoch (or the initial ones). Datasets are loaded once and shared by
    runs with the same data settings. Stop by closing the generator (between batches).
    """
    import time

    from cnnviz.core.experiments import RunOutcome

    cache = {}
    for run in runs:
        training = run.config.training
        key = (training.dataset, training.train_subset, training.validation_split, training.seed)
        if key not in cache:
            cache[key] = data_provider(training)
        data = cache[key]
        engine = engine_factory(run.config)
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
