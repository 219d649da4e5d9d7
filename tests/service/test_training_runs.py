"""The window's training runs: their folder is locked while they write it, their status is true,
a write failure reaches the training panel as an error, and History's Resume continues a run."""

import errno
import json
import os
from pathlib import Path

import pytest

from cnnviz.core.config import reference_config
from cnnviz.core.run_lock import is_locked
from cnnviz.core.runs import RunInfo, list_runs
from cnnviz.core.training_data import prepare_training_data
from cnnviz.service import payloads as p
from cnnviz.service.model_service import ModelService
from tests.service.fakes import wait_until_idle

TIMEOUT = 60_000
CONFIG = reference_config().with_training(train_subset=96, batch_size=32, epochs=2, validation_split=0.0, seed=2)


def tiny_data(training, data_dir=None, **model):
    return prepare_training_data(training, **model)


@pytest.fixture
def service(qtbot, tmp_path):
    service = ModelService(data_provider=tiny_data, run_root=tmp_path / "runs")
    yield service
    service.shutdown(timeout=10)


def build(qtbot, service, config=CONFIG):
    with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT):
        service.build(config, "numpy")


def only_run(tmp_path) -> RunInfo:
    runs = list_runs(tmp_path / "runs")
    assert len(runs) == 1
    return runs[0]


def test_a_run_is_locked_while_it_trains_and_finished_after(qtbot, service, tmp_path):
    build(qtbot, service)
    with qtbot.waitSignal(service.sig_state_changed, timeout=TIMEOUT, check_params_cb=lambda s: s == p.PAUSED):
        service.step("batch")
    run = only_run(tmp_path)
    assert is_locked(run.path) and run.status == "running"
    with qtbot.waitSignal(service.sig_training_finished, timeout=TIMEOUT) as finished:
        service.resume()
    assert finished.args[0].reason == "completed"
    wait_until_idle(qtbot, service)
    run = RunInfo(run.path)
    assert not is_locked(run.path) and run.status == "finished" and run.num_epochs == 2


def test_stop_marks_the_run_stopped_and_closing_marks_it_interrupted(qtbot, service, tmp_path):
    build(qtbot, service)
    with qtbot.waitSignal(service.sig_state_changed, timeout=TIMEOUT, check_params_cb=lambda s: s == p.PAUSED):
        service.step("batch")
    with qtbot.waitSignal(service.sig_training_finished, timeout=TIMEOUT):
        service.stop()
    wait_until_idle(qtbot, service)
    stopped = only_run(tmp_path)
    assert stopped.status == "stopped" and stopped.resumable
    stopped_path = stopped.path
    with qtbot.waitSignal(service.sig_state_changed, timeout=TIMEOUT, check_params_cb=lambda s: s == p.PAUSED):
        service.step("batch")
    [closed] = [run for run in list_runs(tmp_path / "runs") if run.path != stopped_path]
    assert service.shutdown(timeout=10)
    closed = RunInfo(closed.path)
    assert closed.recorded_status == "interrupted" and not is_locked(closed.path)


def test_a_full_disk_stops_training_with_an_error_for_the_training_panel(qtbot, service, tmp_path, monkeypatch):
    build(qtbot, service)
    real_replace = os.replace

    def full_disk(source, destination, *args, **kwargs):
        if Path(destination).name == "epoch-0002.npz":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_replace(source, destination, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full_disk)
    errors, finished = [], []
    service.sig_error_raised.connect(errors.append)
    service.sig_training_finished.connect(finished.append)
    with qtbot.waitSignal(service.sig_error_raised, timeout=TIMEOUT):
        service.train()
    wait_until_idle(qtbot, service)
    [error] = errors
    run = only_run(tmp_path)
    assert error.kind is p.JobKind.TRAIN
    assert f"Could not write {run.path / 'checkpoints' / 'epoch-0002.npz'}: No space left on device" in error.message
    assert [item.reason for item in finished] == ["failed"] and "No space left on device" in finished[0].message
    monkeypatch.setattr(os, "replace", real_replace)
    assert run.status == "failed" and not is_locked(run.path) and run.num_epochs == 1 and run.resumable
    assert [path.name for path in run.path.rglob("*.tmp")] == []


def test_resume_continues_a_run_in_the_same_folder(qtbot, service, tmp_path):
    build(qtbot, service, CONFIG.with_training(epochs=1))
    with qtbot.waitSignal(service.sig_training_finished, timeout=TIMEOUT):
        service.train()
    wait_until_idle(qtbot, service)
    run = only_run(tmp_path)
    assert run.num_epochs == 1
    build(qtbot, service, reference_config())  # another model: resuming brings the run's back
    models = []
    service.sig_model_changed.connect(models.append)
    epochs = []
    service.sig_epoch_finished.connect(epochs.append)
    with qtbot.waitSignal(service.sig_training_finished, timeout=TIMEOUT) as finished:
        service.resume_run(run.path, epochs=3)
    assert finished.args[0].reason == "completed"
    wait_until_idle(qtbot, service)
    assert models and models[0].config.training == CONFIG.with_training(epochs=1).training
    assert [epoch.epoch for epoch in epochs] == [1, 2]
    resumed = only_run(tmp_path)
    assert resumed.path == run.path and resumed.status == "finished" and resumed.num_epochs == 3
    assert json.loads((run.path / "run.json").read_text())["epochs_planned"] == 3
    assert [row["epoch"] for row in resumed.epoch_history()] == [0, 1, 2]
