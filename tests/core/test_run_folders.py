"""Run folders are owned while written, never shared, never silently replaced, and tell the truth."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from cnnviz.core.config import reference_config
from cnnviz.core.run_lock import RunInUseError, is_locked
from cnnviz.core.runs import RunDirectory, RunFolderError, RunInfo


def test_a_second_writer_is_refused_naming_the_run_and_the_holder(tmp_path):
    first = RunDirectory(tmp_path / "run", command="cnnviz train")
    with pytest.raises(RunInUseError) as refused:
        RunDirectory(tmp_path / "run", mode="overwrite")
    message = str(refused.value)
    assert str(tmp_path / "run") in message and f"process {os.getpid()}" in message and "cnnviz train" in message
    first.close()
    assert not is_locked(tmp_path / "run")
    RunDirectory(tmp_path / "run", mode="overwrite").close()  # free again once the first let go


def test_an_existing_run_is_refused_unless_overwritten_and_overwrite_clears_it(tmp_path):
    run = RunDirectory(tmp_path / "run")
    run.write_config(reference_config())
    run.update_info(status="finished", epochs_completed=3)
    for epoch in range(-1, 3):
        run.checkpoint_path(epoch).write_bytes(b"old")
    run.close()
    with pytest.raises(RunFolderError, match=r"not empty \(a finished run.*--resume.*--overwrite"):
        RunDirectory(tmp_path / "run")
    assert (tmp_path / "run" / "checkpoints" / "epoch-0003.npz").read_bytes() == b"old"  # untouched
    fresh = RunDirectory(tmp_path / "run", mode="overwrite")
    assert not (tmp_path / "run" / "checkpoints" / "epoch-0003.npz").exists()
    assert not (tmp_path / "run" / "run.json").exists() and not (tmp_path / "run" / "config.json").exists()
    fresh.close()


def test_a_folder_taken_while_its_name_is_chosen_is_not_shared(tmp_path, monkeypatch):
    """Another process makes the folder between the choice of a name and its creation."""
    real_mkdir = Path.mkdir
    raced = []

    def racing_mkdir(self, *args, **kwargs):
        if self.parent == tmp_path and not raced:
            raced.append(self)
            real_mkdir(self)  # the other process wins the name
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", racing_mkdir)
    run = RunDirectory.create(tmp_path, "numpy", "shapes")
    assert raced and run.path != raced[0] and run.path.parent == tmp_path
    run.close()


def test_each_writer_probes_the_folder_with_a_file_of_its_own(tmp_path, monkeypatch):
    written = []
    real_write = Path.write_bytes

    def spy(self, data):
        written.append(self.name)
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", spy)
    RunDirectory(tmp_path / "a").close()
    RunDirectory(tmp_path / "b").close()
    probes = [name for name in written if name.startswith(".write-test")]
    assert len(probes) == 2 and len(set(probes)) == 2 and all(str(os.getpid()) in name for name in probes)


def test_a_running_run_whose_lock_is_free_reads_as_interrupted(tmp_path):
    run = RunDirectory(tmp_path / "run")
    run.write_config(reference_config())
    run.update_info(status="running", epochs_completed=0)
    assert RunInfo(run.path).status == "running"  # its writer holds the lock
    run.lock.release()  # as the system does when the writer is killed
    assert RunInfo(run.path).status == "interrupted"
    assert RunInfo(run.path).recorded_status == "running"


def test_only_epochs_whose_files_were_all_written_count(tmp_path):
    """A kill after epoch 2's checkpoint was renamed but before the epoch was recorded: no phantom."""
    run = RunDirectory(tmp_path / "run")
    run.write_config(reference_config())
    run.update_info(status="running", epochs_completed=1)
    for epoch in (-1, 0, 1):
        run.checkpoint_path(epoch).write_bytes(b"weights")
    run.save_kernels(-1, {"conv2d": np.zeros((3, 3, 1, 2), np.float32)})
    run.save_kernels(0, {"conv2d": np.zeros((3, 3, 1, 2), np.float32)})
    (run.path / "checkpoints" / "epoch-0003.npz.tmp").write_bytes(b"half")
    run.lock.release()
    info = RunInfo(run.path)
    assert info.num_epochs == 1 and info.checkpoint_at(1) is None and info.checkpoint_at(0) is not None
    assert len(info.kernel_snapshots) == 2


def test_resume_needs_a_run_and_its_training_state(tmp_path):
    with pytest.raises(RunFolderError, match="no run to resume"):
        RunDirectory(tmp_path / "nothing", mode="resume")
    run = RunDirectory(tmp_path / "old")
    run.write_config(reference_config())
    run.update_info(status="finished")
    run.close()
    with pytest.raises(RunFolderError, match="cannot be continued"):
        RunDirectory(tmp_path / "old", mode="resume")
    assert not is_locked(tmp_path / "old")  # a refusal gives the folder back
    assert json.loads((tmp_path / "old" / "run.json").read_text())["status"] == "finished"


def test_a_diverged_run_is_not_resumed_since_its_own_settings_would_diverge_again(tmp_path):
    run = RunDirectory(tmp_path / "nan")
    run.write_config(reference_config())
    run.update_info(status="diverged", epochs_completed=0)
    run.close(status="diverged")
    info = RunInfo(tmp_path / "nan")
    assert not info.resumable and "diverged" in info.resume_problem
    with pytest.raises(RunFolderError, match="diverged.*smaller --learning-rate"):
        RunDirectory(tmp_path / "nan", mode="resume")
    assert not is_locked(tmp_path / "nan")
    assert json.loads((tmp_path / "nan" / "run.json").read_text())["status"] == "diverged"
