"""A training run outside the window: engine + data + run directory, step by step.

Used by the command line (and by anything that trains without the model service).
It records every step and epoch in the run directory, checkpoints the weights, the
training state (to continue the run later) and the kernels after each epoch, and stops
with a readable :class:`TrainingDiverged` error when the loss stops being a finite
number, restoring the last epoch's weights.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnviz.core.checkpoints import TrainingState
from cnnviz.core.config import ModelConfig, TrainingConfig
from cnnviz.core.datasets.registry import dataset_label
from cnnviz.core.experiments import ExperimentRun, RunOutcome
from cnnviz.core.histograms import ACTIVATION_SAMPLES, parameter_histograms, probe_histograms
from cnnviz.core.results import EpochResult, StepResult
from cnnviz.core.run_files import write_failure, writing
from cnnviz.core.runs import RunDirectory
from cnnviz.core.training_data import TrainingData, output_units
from cnnviz.engines.base import Engine, train_epochs

EXPLODING_LOSS = 100.0
"""A batch cross-entropy above this (the true class given probability below e^-100) is divergence."""
SNAPSHOT_EVERY = 50
"""Batches between snapshots of the weights to fall back on when training diverges."""
MAX_EPOCH_SNAPSHOTS = 100
"""A run counted in iterations keeps at most about this many epochs' checkpoints, states and kernels:
a longer one (full-batch gradient descent makes every iteration an epoch) keeps every k-th epoch's and
the last. A run counted in epochs keeps every epoch's, which History, replay and resume count on."""


def snapshot_interval(epochs: int) -> int:
    """Epochs between two saved snapshots of a run of ``epochs`` epochs (1: every epoch)."""
    return max(-(-int(epochs) // MAX_EPOCH_SNAPSHOTS), 1)


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
              seed: int) -> Generator[StepResult | EpochResult, None, None]:
    """Train ``engine`` on ``data``, recording into ``run``; yields every step and epoch result.

    The configuration's ``full_batch`` and ``iterations`` (:class:`~cnnviz.core.config.TrainingConfig`)
    take precedence over ``batch_size`` and ``epochs``: a full batch is every training image, and a
    run of ``iterations`` steps stops after that many batches, in as many epochs as they need.

    ``epochs`` is the number of epochs the run reaches: a run folder opened to resume
    (:attr:`RunDirectory.resume_point`) continues from its last complete epoch, with its weights,
    optimizer state, dropout streams and data order, and trains the rest.

    Every :data:`SNAPSHOT_EVERY` batches and at every epoch's end the weights are kept in memory;
    when the loss diverges (NaN, infinite or above :data:`EXPLODING_LOSS`) the newest of them is
    restored and :class:`TrainingDiverged` is raised. A file of the run that cannot be written ends
    the run with :class:`~cnnviz.core.run_files.RunWriteError` (naming the file and the cause);
    the temporary files are removed and every epoch written before stays intact.
    """
    config = engine.config
    if config is None:
        raise ValueError("This model has no cnnviz configuration (it was opened from a file with layers cnnviz "
                         "cannot rebuild), so it can be inspected but not trained.")
    num_train = len(data.train_labels)
    batch_size = config.training.batch_size_for(num_train) if config.training.full_batch else batch_size
    if config.training.iterations is not None:
        epochs = config.training.epochs_for(num_train)
    shuffling = np.random.default_rng(seed)
    resume = run.resume_point if run is not None else None
    first_epoch = 0
    if resume is not None and run is not None:
        if resume.engine_name != engine.name:
            raise ValueError(f"The run {run.path} was trained with the {resume.engine_name} engine; continue it "
                             f"with that engine (--engine {resume.engine_name}).")
        first_epoch = resume.epochs_completed
        if epochs <= first_epoch:
            raise ValueError(f"The run {run.path} already has {first_epoch} epoch(s); ask for more to continue "
                             f"it (--epochs N with N > {first_epoch} is the total it should reach).")
        engine.set_weights(resume.weights)
        engine.set_training_state(resume.engine_state)
        shuffling.bit_generator.state = resume.data_order
    # A continued run counts samples and time on from where it stopped, as its history does.
    earlier = run.epochs[-1] if run is not None and resume is not None and run.epochs else None
    samples_before, seconds_before = (earlier.samples_seen, earlier.elapsed) if earlier else (0, 0.0)
    last_good, restored_from = engine.get_weights(), "from before training"
    suffix = ".keras" if engine.name == "keras" else ".npz"

    def save_model(path: Path) -> None:
        with writing(path):
            engine.save(path)

    def save_state(directory: RunDirectory, epochs_completed: int) -> None:
        directory.save_state(TrainingState(epochs_completed, engine.name, engine.get_weights(),
                                           engine.training_state(), dict(shuffling.bit_generator.state)))

    # The fixed inputs whose layer outputs and loss gradients each epoch's histograms describe (a
    # few: they stay cheap).
    probe_split = (data.val_images, data.val_labels) if len(data.val_images) else (data.train_images,
                                                                                    data.train_labels)
    probe, probe_labels = (array[:ACTIVATION_SAMPLES] for array in probe_split)

    def save_histograms(directory: RunDirectory, epoch: int) -> None:
        found = parameter_histograms(engine.get_weights())
        if len(probe):
            found.update(probe_histograms(engine, probe, probe_labels))
        directory.save_histograms(epoch, found)

    def start(directory: RunDirectory) -> None:
        if resume is not None:
            directory.update_info(status="running", epochs_planned=epochs, device=engine.device,
                                  resumed=[*directory.info.get("resumed", []), time.strftime("%Y-%m-%dT%H:%M:%S")])
            return
        directory.write_config(config)
        directory.update_info(engine=engine.name, device=engine.device, dataset=data.dataset, source=data.source,
                              num_train=len(data.train_labels), num_validation=len(data.val_labels),
                              num_test=len(data.test_labels), status="running", epochs_planned=epochs,
                              batch_size=batch_size, seed=seed, epochs_completed=-1)
        # The starting point, so a replay can show how training changed the weights and a run
        # killed in its first epoch can start again from it.
        save_model(directory.checkpoint_path(-1, suffix))
        save_state(directory, 0)
        directory.save_kernels(-1, dict(engine.kernels()))
        save_histograms(directory, -1)
        directory.update_info(epochs_completed=0)

    def end_epoch(directory: RunDirectory, epoch: EpochResult) -> None:
        # Everything of the epoch first; record_epoch counts it complete last.
        save_model(directory.checkpoint_path(epoch.epoch, suffix))
        save_state(directory, epoch.epoch + 1)
        directory.save_kernels(epoch.epoch, dict(engine.kernels()))
        save_histograms(directory, epoch.epoch)
        save_model(directory.path / model_file_name(engine))
        directory.record_epoch(epoch)

    max_steps = None
    if config.training.iterations is not None:
        max_steps = config.training.iterations - first_epoch * max(-(-num_train // max(batch_size, 1)), 1)
    every = snapshot_interval(epochs) if config.training.iterations is not None else 1
    record = _Recorder(run)
    record(start)
    for result in train_epochs(engine, data.train_images, data.train_labels, data.validation,
                               epochs=epochs - first_epoch, batch_size=batch_size, seed=seed,
                               first_epoch=first_epoch, rng=shuffling, max_steps=max_steps):
        if earlier is not None:
            result = dataclasses.replace(result, samples_seen=result.samples_seen + samples_before,
                                         elapsed=result.elapsed + seconds_before)
        if isinstance(result, StepResult):
            if not math.isfinite(result.loss) or result.loss > EXPLODING_LOSS:
                engine.set_weights(last_good)
                if run is not None:
                    run.record_step(result)
                    record(_mark_diverged)
                raise divergence(engine, result, restored_from)
            if run is not None:
                run.record_step(result)
            if (result.batch + 1) % SNAPSHOT_EVERY == 0:
                last_good = engine.get_weights()
                restored_from = f"from epoch {result.epoch + 1}, batch {result.batch + 1}"
        else:
            last_good, restored_from = engine.get_weights(), f"from the end of epoch {result.epoch + 1}"
            if (result.epoch + 1) % every == 0 or result.epoch + 1 >= epochs:
                record(functools.partial(end_epoch, epoch=result))
            elif run is not None:
                run.keep_epoch(result)
        yield result


def _mark_diverged(directory: RunDirectory) -> None:
    directory.flush()
    directory.update_info(status="diverged")


class _Recorder:
    """Writes to a run folder; a write that fails ends the run with a :class:`RunWriteError` after
    removing temporary files and, where the disk still allows, marking the run ``failed``."""

    def __init__(self, directory: RunDirectory | None):
        self.directory = directory

    def __call__(self, action: Callable[[RunDirectory], object]) -> None:
        if self.directory is None:
            return
        try:
            action(self.directory)
        except OSError as error:
            failure = write_failure(self.directory.path, error)
            self.directory.remove_temporaries()
            with contextlib.suppress(OSError):
                self.directory.update_info(status="failed", error=str(failure))
            raise failure from None


@dataclass(frozen=True)
class ExperimentStep:
    """A training step of run ``run_index`` of an experiment."""

    run_index: int
    step: StepResult


def run_experiment(runs: Iterable[ExperimentRun], engine_factory: Callable[[ModelConfig], Engine],
                   data_provider: Callable[[TrainingConfig, tuple[int, int, int], int | None], TrainingData],
                   run_root: str | Path | None = None) -> Generator[ExperimentStep | RunOutcome, None, None]:
    """Train every run of an experiment in turn, yielding :class:`ExperimentStep` for every batch
    and a :class:`~cnnviz.core.experiments.RunOutcome` when a run ends.

    ``data_provider(training, input_shape, num_outputs)`` prepares a run's data at its model's input
    shape (:func:`~cnnviz.core.training_data.prepare_training_data`); what it hands back is fitted to
    that shape in any case. A run whose loss stops being finite is marked diverged; its accuracies are
    measured with the weights of its last finished epoch (or the initial ones). Datasets are loaded once
    and shared by runs with the same data settings and input shape. Stop by closing the generator
    (between batches).
    """
    cache: dict[tuple, TrainingData] = {}
    for run in runs:
        training = run.config.training
        engine = engine_factory(run.config)
        num_outputs = output_units(run.config)
        key = (training.dataset, training.train_subset, training.validation_split, training.seed,
               engine.input_shape, num_outputs)
        if key not in cache:
            cache[key] = data_provider(training, engine.input_shape, num_outputs).fitted(engine.input_shape)
        data = cache[key]
        directory = None
        if run_root is not None:
            directory = RunDirectory.create(run_root, engine.name, dataset_label(training.dataset))
        try:
            yield from _experiment_run(run, engine, data, directory)
        finally:
            if directory is not None:
                directory.close()


def _experiment_run(run: ExperimentRun, engine: Engine, data: TrainingData,
                    directory: RunDirectory | None) -> Generator[ExperimentStep | RunOutcome, None, None]:
    """One run of an experiment (see :func:`run_experiment`)."""
    training = run.config.training
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
        directory.update_info(status="diverged" if diverged else "finished", test_accuracy=test_accuracy,
                              train_accuracy=train_accuracy, experiment_run=run.label)
    yield RunOutcome(run, train_accuracy, test_accuracy, finite[-1] if finite else None,
                     time.perf_counter() - start, diverged, message, tuple(losses))
