"""A Keras run continued from its checkpoint: the optimizer's state and dropout streams come back."""

import numpy as np

from cnnviz.core.config import reference_config
from cnnviz.core.runs import RunDirectory, RunInfo
from cnnviz.core.training_data import prepare_training_data
from cnnviz.engines.keras_engine import KerasEngine
from cnnviz.service.runner import train_run


def test_a_resumed_keras_run_continues_from_the_saved_epoch_with_its_optimizer_state(tmp_path):
    config = reference_config().with_training(train_subset=64, batch_size=32, epochs=2, validation_split=0.0,
                                              optimizer="adam", seed=4)
    data = prepare_training_data(config.training)
    straight = KerasEngine(config)
    with RunDirectory(tmp_path / "straight") as run:
        list(train_run(straight, data, run, epochs=2, batch_size=32, seed=4))
    with RunDirectory(tmp_path / "resumed") as run:
        list(train_run(KerasEngine(config), data, run, epochs=1, batch_size=32, seed=4))
    with RunDirectory(tmp_path / "resumed", mode="resume") as run:
        assert run.resume_point is not None and run.resume_point.epochs_completed == 1
        resumed = KerasEngine(config.with_training(seed=99))  # other initial weights: all must be restored
        results = list(train_run(resumed, data, run, epochs=2, batch_size=32, seed=4))
    assert [result.epoch for result in results if type(result).__name__ == "EpochResult"] == [1]
    assert int(resumed.optimizer.iterations.numpy()) == int(straight.optimizer.iterations.numpy()) == 4
    for layer, params in straight.get_weights().items():
        for name, value in params.items():
            np.testing.assert_allclose(resumed.get_weights()[layer][name], value, rtol=1e-4, atol=1e-5)
    info = RunInfo(tmp_path / "resumed")
    assert info.num_epochs == 2 and [row["epoch"] for row in info.epoch_history()] == [0, 1]
    assert (tmp_path / "resumed" / "checkpoints" / "epoch-0002.keras").is_file()
