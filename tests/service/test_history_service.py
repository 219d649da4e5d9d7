"""History's epoch comparison runs on the model service's worker, with the run's own checkpoints, and a
request the run cannot answer comes back with a readable message."""

import threading

import pytest

from cnnviz.core.config import reference_config
from cnnviz.core.runs import RunDirectory
from cnnviz.core.training_data import prepare_training_data
from cnnviz.engines.registry import create_engine, load_engine
from cnnviz.service.model_service import ModelService
from cnnviz.service.runner import train_run

TIMEOUT = 60_000


@pytest.fixture(scope="module")
def run_path(tmp_path_factory):
    config = reference_config().with_training(train_subset=64, batch_size=32, epochs=1, validation_split=0.25)
    run = RunDirectory(tmp_path_factory.mktemp("runs") / "run")
    for _ in train_run(create_engine("numpy", config), prepare_training_data(config.training), run, epochs=1,
                       batch_size=32, seed=0):
        pass
    run.close(status="finished")
    return run.path


def test_two_epochs_are_projected_on_the_worker_from_the_runs_checkpoints(qtbot, run_path):
    loaded = []

    def loader(path):
        loaded.append((path, threading.current_thread().name))
        return load_engine(path)

    service = ModelService(run_root=False, loader=loader)
    try:
        with qtbot.waitSignal(service.history.sig_epochs_compared, timeout=TIMEOUT) as answered:
            job = service.history.compare_epochs(run_path, -1, 0, samples=40)
        answer = answered.args[0]
        assert answer.job_id == job and answer.message == "" and answer.epochs == (-1, 0)
        comparison = answer.comparison
        assert comparison.epochs == (-1, 0) and comparison.first.points.shape == (40, 2)
        assert [path.rsplit("/", 1)[-1] for path, _ in loaded] == ["epoch-0000.npz", "epoch-0001.npz"]
        assert {thread for _, thread in loaded} == {"cnnviz-model-service"}

        with qtbot.waitSignal(service.history.sig_epochs_compared, timeout=TIMEOUT) as answered:
            service.history.compare_epochs(run_path, 0, 4, samples=40)
        answer = answered.args[0]
        assert answer.comparison is None and "no checkpoint for epoch 5" in answer.message
    finally:
        assert service.shutdown()
