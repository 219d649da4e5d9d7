"""Run folders: where the user data lives, snapshot names, histories and checkpoints."""

import importlib.util
import sys

import pytest

from cnnviz.core.config import reference_config
from cnnviz.core.history import read_history
from cnnviz.core.results import EpochResult, StepResult
from cnnviz.core.runs import RunDirectory, RunInfo, snapshot_name, user_data_dir


def test_cnnviz_home_comes_first(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNVIZ_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert user_data_dir() == tmp_path / "home"


@pytest.mark.skipif(importlib.util.find_spec("platformdirs") is None, reason="platformdirs is not installed")
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG folders are Linux's")
def test_without_cnnviz_home_the_system_data_folder_is_used(tmp_path, monkeypatch):
    monkeypatch.delenv("CNNVIZ_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert user_data_dir() == tmp_path / "xdg" / "cnnviz"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert user_data_dir() == tmp_path / "user" / ".local" / "share" / "cnnviz"


def test_snapshot_names_count_the_weights_before_training_as_epoch_zero():
    assert snapshot_name(-1) == "epoch-0000"
    assert snapshot_name(0, ".npz") == "epoch-0001.npz"
    assert snapshot_name(41, ".keras") == "epoch-0042.keras"


def test_a_run_finds_its_checkpoints_by_epoch(tmp_path):
    run = RunDirectory(tmp_path / "run")
    run.write_config(reference_config())
    for epoch, suffix in ((-1, ".npz"), (0, ".npz"), (1, ".keras")):
        run.checkpoint_path(epoch, suffix).write_bytes(b"weights")
    # A temporary file left by an interrupted save is no checkpoint.
    (run.path / "checkpoints" / "epoch-0003.tmp.keras").write_bytes(b"partial")
    (run.path / "checkpoints" / "epoch-0003.npz.tmp").write_bytes(b"partial")
    info = RunInfo(run.path)
    assert info.has_initial and info.num_epochs == 2
    assert info.checkpoint_at(-1) == run.path / "checkpoints" / "epoch-0000.npz"
    assert info.checkpoint_at(1) == run.path / "checkpoints" / "epoch-0002.keras"
    assert info.checkpoint_at(2) is None and info.checkpoint_at(7) is None


def test_a_run_writes_both_histories(tmp_path):
    run = RunDirectory(tmp_path / "run")
    run.record_step(StepResult(0, 0, 2, 1.5, 0.25, 16, 0.1, 0.01))
    run.record_step(StepResult(0, 1, 2, 1.25, 0.5, 32, 0.2, 0.01))
    run.record_epoch(EpochResult(0, 1, 1.375, 0.375, None, None, 32, 0.25))
    steps = read_history(run.path / "history_steps.csv")
    assert [row["loss"] for row in steps] == [1.5, 1.25] and steps[1]["samples_seen"] == 32
    assert (run.path / "history_steps.csv").read_text().splitlines()[2] == "0,1,2,1.25,0.5,32,0.2,0.01"
    epochs = RunInfo(run.path).epoch_history()
    assert epochs == [{"epoch": 0.0, "num_epochs": 1.0, "loss": 1.375, "accuracy": 0.375, "val_loss": None,
                       "val_accuracy": None, "samples_seen": 32.0, "elapsed": 0.25}]
