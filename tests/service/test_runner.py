"""The training runner: a cancelled experiment run is recorded as stopped; divergence suggests a fix."""

import numpy as np
import pytest

from cnnviz.core.config import reference_config
from cnnviz.core.experiments import ExperimentRun
from cnnviz.core.results import StepResult
from cnnviz.core.runs import RunInfo
from cnnviz.engines.registry import create_engine
from cnnviz.service.runner import divergence, run_experiment
from tests.service.fakes import FakeEngine, fake_data


def test_a_cancelled_experiment_run_is_recorded_as_stopped(tmp_path):
    config = reference_config().with_training(epochs=3, batch_size=8)
    runs = [ExperimentRun(0, "learning_rate=0.001", {}, config), ExperimentRun(1, "learning_rate=0.01", {}, config)]
    events = run_experiment(runs, lambda run_config: FakeEngine(run_config),
                            lambda training, *_model: fake_data(training), run_root=tmp_path)
    for _ in range(3):
        next(events)  # three batches of the first run
    events.close()  # Cancel, between two batches
    [folder] = [path for path in tmp_path.iterdir() if path.is_dir()]
    assert RunInfo(folder).status == "stopped"


def test_adam_divergence_suggests_its_usual_rate_not_a_tenth():
    engine = create_engine("numpy", reference_config().with_training(optimizer="adam", learning_rate=5.0))
    step = StepResult(epoch=0, batch=3, num_batches=10, loss=float("nan"), accuracy=0.1, samples_seen=128,
                      elapsed=1.0, learning_rate=5.0)
    assert divergence(engine, step, "of epoch 0").suggestion["learning_rate"] == 0.001
    engine = create_engine("numpy", reference_config().with_training(optimizer="sgd", learning_rate=0.7))
    step = StepResult(epoch=0, batch=3, num_batches=10, loss=np.inf, accuracy=0.1, samples_seen=128, elapsed=1.0,
                      learning_rate=0.7)
    assert divergence(engine, step, "of epoch 0").suggestion["learning_rate"] == pytest.approx(0.07)
