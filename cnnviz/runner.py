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


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the message says where and what to change."""


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
              seed: int) -> Iterator[StepResult | EpochResult]:
    """Train ``engine`` on ``data``, recording into ``run``; yields every step and epoch result.

    Raises
    ------
    TrainingDiverged
        When a batch's loss is not finite; the weights of the last finished epoch are restored.
    """
    last_good = engine.get_weights()
    if run is not None:
        run.write_config(engine.config)
        run.update_info(engine=engine.name, dataset=data.dataset, source=data.source,
                        num_train=len(data.train_labels), num_validation=len(data.val_labels),
                        num_test=len(data.test_labels))
    for result in train_epochs(engine, data.train_images, data.train_labels, data.validation,
                               epochs=epochs, batch_size=batch_size, seed=seed):
        if isinstance(result, StepResult):
            if not math.isfinite(result.loss):
                engine.set_weights(last_good)
                if run is not None:
                    run.record_step(result)
                    run.flush()
                    run.update_info(status="diverged")
                raise TrainingDiverged(
                    f"The loss became {result.loss} at epoch {result.epoch + 1}, batch {result.batch + 1}: "
                    f"training diverged. The learning rate ({result.learning_rate:g}) is probably too "
                    "high for this initialization; try a learning rate ten times smaller, or the "
                    "glorot_uniform or he_normal initializer. The weights of the last finished epoch "
                    "were kept.")
            if run is not None:
                run.record_step(result)
        else:
            last_good = engine.get_weights()
            if run is not None:
                run.record_epoch(result)
                engine.save(run.checkpoint_path(result.epoch, ".keras" if engine.name == "keras" else ".npz"))
                run.save_kernels(result.epoch, dict(engine.kernels()))
                engine.save(run.path / model_file_name(engine))
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
        yield RunOutcome(run, train_accuracy, test_accuracy, finite[-1] if finite else None,
                         time.perf_counter() - start, diverged, message, tuple(losses))
