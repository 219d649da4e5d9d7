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
