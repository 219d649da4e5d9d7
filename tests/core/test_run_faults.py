"""Fault injection into a run's writes: every kind of file, a full disk and a read-only one.

Each write of a run goes to a temporary file renamed into place with ``os.replace``; the fault
replaces that rename for one kind of file (the temporary file then exists, half the job done) and
raises the system's error. The run must end with an error naming the file and the cause, leave no
temporary file, keep every epoch counted before loadable, and be resumable to the end.
"""

import errno
import os
from pathlib import Path

import numpy as np
import pytest

from cnnviz.core.checkpoints import read_training_state
from cnnviz.core.config import reference_config
from cnnviz.core.run_files import RunWriteError
from cnnviz.core.runs import RunDirectory, RunInfo
from cnnviz.core.training_data import prepare_training_data
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.service.runner import train_run

EPOCHS = 3


@pytest.fixture(scope="module")
def tiny():
    config = reference_config().with_training(train_subset=96, batch_size=32, epochs=EPOCHS, validation_split=0.0,
                                              optimizer="adam", seed=3)
    return config, prepare_training_data(config.training)


def train(config, data, run):
    return list(train_run(NumpyEngine(config), data, run, epochs=EPOCHS, batch_size=32, seed=3))


def assert_consistent(path: Path) -> RunInfo:
    """No temporary file; every counted checkpoint, kernel snapshot and training state loads."""
    leftovers = [item.name for item in path.rglob("*") if ".tmp" in item.name or ".write-test" in item.name]
    assert leftovers == []
    run = RunInfo(path)
    for epoch in range(-1 if run.has_initial else 0, run.num_epochs):
        NumpyEngine.load(run.checkpoint_at(epoch))
        run.kernels_at(epoch)
    if run.info.get("epochs_completed", -1) >= 0:
        assert read_training_state(path / "state" / f"epoch-{run.num_epochs:04d}.npz").epochs_completed == \
            run.num_epochs
    assert len(run.epoch_history()) >= run.num_epochs
    return run


class FailingRename:
    """``os.replace`` that fails for the ``occurrence``-th file whose name matches ``pattern``."""

    def __init__(self, pattern: str, occurrence: int, code: int):
        self.pattern, self.occurrence, self.code = pattern, occurrence, code
        self.seen = 0
        self.failed: str | None = None
        self.real = os.replace

    def __call__(self, source, target, *args, **kwargs):
        if Path(target).match(self.pattern) and self.failed is None:
            self.seen += 1
            if self.seen == self.occurrence:
                self.failed = str(target)
                raise OSError(self.code, os.strerror(self.code))
        return self.real(source, target, *args, **kwargs)


# (file pattern, which occurrence fails): every kind of file a run writes, at the start and mid-run.
WRITES = [
    ("config.json", 1), ("run.json", 1), ("run.json", 4), ("history_epochs.csv", 2), ("history_steps.csv", 1),
    ("checkpoints/epoch-0000.npz", 1), ("checkpoints/epoch-0002.npz", 1), ("state/epoch-0000.npz", 1),
    ("state/epoch-0002.npz", 1), ("kernels/epoch-0001.npz", 1), ("model.npz", 2),
]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS], ids=["disk-full", "read-only"])
@pytest.mark.parametrize("pattern, occurrence", WRITES, ids=[f"{name}#{n}" for name, n in WRITES])
def test_a_failed_write_ends_the_run_honestly_and_it_resumes(tiny, tmp_path, monkeypatch, pattern, occurrence, code):
    config, data = tiny
    fault = FailingRename(pattern, occurrence, code)
    monkeypatch.setattr(os, "replace", fault)
    run = RunDirectory(tmp_path / "run")
    with pytest.raises(RunWriteError) as caught:
        train(config, data, run)
    run.close()
    monkeypatch.setattr(os, "replace", fault.real)
    message = str(caught.value)
    assert fault.failed is not None and fault.failed in message and os.strerror(code) in message
    info = assert_consistent(run.path)
    assert info.status in ("failed", "interrupted")  # "failed" where the disk still took run.json
    if info.info.get("epochs_completed", -1) < 0:
        assert not info.resumable and info.num_epochs == 0 and not info.has_initial
        return  # it failed before it had anything to continue from
    resumed = RunDirectory(run.path, mode="resume")
    train(config, data, resumed)
    resumed.close()
    final = assert_consistent(run.path)
    assert final.num_epochs == EPOCHS and len(final.epoch_history()) == EPOCHS


def test_resuming_after_two_epochs_gives_the_weights_of_a_straight_run(tiny, tmp_path):
    """Adam's moments, the dropout streams and the data order all continue: identical weights."""
    config, data = tiny
    straight = NumpyEngine(config)
    run = RunDirectory(tmp_path / "straight")
    list(train_run(straight, data, run, epochs=EPOCHS, batch_size=32, seed=3))
    run.close()
    first = RunDirectory(tmp_path / "resumed")
    list(train_run(NumpyEngine(config), data, first, epochs=2, batch_size=32, seed=3))
    first.close()
    second = RunDirectory(tmp_path / "resumed", mode="resume")
    assert second.resume_point is not None and second.resume_point.epochs_completed == 2
    resumed = NumpyEngine(config)  # fresh weights: all of them must come from the checkpoint
    results = list(train_run(resumed, data, second, epochs=EPOCHS, batch_size=32, seed=3))
    second.close()
    assert [result.epoch for result in results if type(result).__name__ == "EpochResult"] == [2]
    for layer, params in straight.get_weights().items():
        for name, value in params.items():
            assert np.array_equal(resumed.get_weights()[layer][name], value), f"{layer}/{name} differs"
    assert resumed.optimizer.iterations == straight.optimizer.iterations == EPOCHS * 3
    history = RunInfo(tmp_path / "resumed").epoch_history()
    assert [row["epoch"] for row in history] == [0, 1, 2]
    assert history[-1]["samples_seen"] == RunInfo(tmp_path / "straight").epoch_history()[-1]["samples_seen"]
