"""Training by iterations and on the full batch through the runner: the steps taken, the epochs they
fill, and a long run's folder keeping a bounded number of snapshots."""

import numpy as np

from cnnviz.core.config import Dense, Flatten, ModelConfig, TrainingConfig
from cnnviz.core.results import EpochResult, StepResult
from cnnviz.core.runs import RunDirectory, RunInfo
from cnnviz.core.training_data import TrainingData
from cnnviz.engines.registry import create_engine
from cnnviz.service import runner
from cnnviz.service.runner import train_run


def network(**training) -> ModelConfig:
    """A small fully connected network, trained by plain SGD."""
    return ModelConfig(input_shape=(9, 8, 1), layers=(Flatten(), Dense(units=8, activation="relu"),
                                                      Dense(units=10, activation="softmax")),
                       training=TrainingConfig(optimizer="sgd", learning_rate=0.1, validation_split=0.0, **training))


def data(num_train=40) -> TrainingData:
    rng = np.random.default_rng(3)
    images = rng.random((num_train, 9, 8, 1), dtype=np.float32)
    labels = rng.integers(0, 10, num_train)
    return TrainingData("random", "memory", tuple("0123456789"), images, labels, images[:0], labels[:0],
                        images[:8], labels[:8])


def results(config, run=None):
    engine = create_engine("numpy", config)
    items = list(train_run(engine, data(), run, epochs=config.training.epochs,
                           batch_size=config.training.batch_size, seed=0))
    return [item for item in items if isinstance(item, StepResult)], [item for item in items if
                                                                      isinstance(item, EpochResult)]


def test_full_batch_iterations_take_one_step_of_every_image_per_epoch():
    steps, epochs = results(network(batch_size=16, full_batch=True, iterations=7))
    assert len(steps) == 7 and len(epochs) == 7
    assert all(step.num_batches == 1 and step.batch == 0 for step in steps)
    assert [step.samples_seen for step in steps] == [40 * (index + 1) for index in range(7)]
    # Gradient descent on a fixed batch: the loss falls step after step at this small rate.
    assert all(later < earlier for earlier, later in zip([s.loss for s in steps], [s.loss for s in steps[1:]]))


def test_iterations_stop_inside_an_epoch():
    steps, epochs = results(network(batch_size=16, epochs=50, iterations=7))
    # 40 images in batches of 16 are 3 batches an epoch: 7 steps are two epochs and one batch.
    assert len(steps) == 7
    assert [(step.epoch, step.batch) for step in steps][-3:] == [(1, 1), (1, 2), (2, 0)]
    assert [epoch.epoch for epoch in epochs] == [0, 1, 2]
    assert epochs[-1].loss == steps[-1].loss  # the partial epoch averages the one batch it took


def test_a_long_run_keeps_a_bounded_number_of_snapshots(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "MAX_EPOCH_SNAPSHOTS", 3)
    run = RunDirectory.create(tmp_path, "numpy", "random")
    try:
        steps, epochs = results(network(full_batch=True, iterations=7), run)
    finally:
        run.close()
    info = RunInfo(run.path)
    # Every third epoch and the last, besides the weights before training.
    assert [path.stem for path in info.checkpoints] == ["epoch-0003", "epoch-0006", "epoch-0007"]
    assert info.has_initial
    assert len(info.epoch_history()) == 7 and len(info.step_history()) == 7
    assert info.info["epochs_completed"] == 7


def test_a_run_counted_in_epochs_keeps_every_epoch(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "MAX_EPOCH_SNAPSHOTS", 3)
    run = RunDirectory.create(tmp_path, "numpy", "random")
    try:
        results(network(full_batch=True, epochs=7), run)
    finally:
        run.close()
    info = RunInfo(run.path)
    assert [path.stem for path in info.checkpoints] == [f"epoch-{epoch:04d}" for epoch in range(1, 8)]
    assert info.num_epochs == 7 and info.resume_problem is None
