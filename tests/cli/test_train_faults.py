"""``cnnviz train`` under faults: killed, interrupted, run twice into one folder, out of disk.

Each test reproduces a way runs lost or mixed data: two runs into one folder, a reused --out,
a full or read-only disk that still ended with exit 0, runs left "running" forever after a kill
or Ctrl-C, a phantom epoch after a kill mid-save. The run folder must stay consistent: every
counted checkpoint loads, the status is true, and the run resumes.
"""

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from cnnviz.cli import main
from cnnviz.core.runs import RunInfo
from cnnviz.engines.numpy_engine import NumpyEngine

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--train-subset", "96", "--batch-size", "32", "--validation-split", "0"]
WAIT_SECONDS = 120  # a deadline for a subprocess to get somewhere, never an assertion on speed


def cli(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "cnnviz", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(condition, process: subprocess.Popen) -> None:
    """Wait until ``condition()`` holds while ``process`` runs (fails if it ends first or never gets there)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert process.poll() is None, f"the run ended early: {process.communicate()}"
        assert time.monotonic() < deadline, "the run never got there"
        time.sleep(0.02)


def epochs_completed(path: Path) -> int:
    try:
        return int(json.loads((path / "run.json").read_text())["epochs_completed"])
    except (OSError, ValueError, KeyError):
        return -1


def assert_consistent(path: Path, killed: bool = False) -> RunInfo:
    """No temporary file (a writer killed mid-write may leave one, which nothing reads and the next
    writer removes); every counted checkpoint and kernel snapshot loads; the histories cover them."""
    temporaries = [item.name for item in path.rglob("*") if ".tmp" in item.name]
    assert len(temporaries) <= 1 if killed else temporaries == []
    run = RunInfo(path)
    for epoch in range(-1 if run.has_initial else 0, run.num_epochs):
        NumpyEngine.load(run.checkpoint_at(epoch))
        run.kernels_at(epoch)
    assert len(run.epoch_history()) >= run.num_epochs
    return run


def model_weights(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def test_two_runs_started_together_into_one_folder_never_mix(tmp_path):
    out = tmp_path / "run"
    runs = [cli("train", "--epochs", "3", "--seed", str(seed), *TINY, "--out", str(out)) for seed in (1, 2)]
    results = [(process.wait(timeout=WAIT_SECONDS), process.communicate()[1]) for process in runs]
    codes = [code for code, _ in results]
    assert sorted(code == 0 for code in codes) == [False, True], results
    winner = codes.index(0)
    refused = results[1 - winner][1]
    assert str(out) in refused and ("in use by process" in refused or "not empty" in refused)
    assert "Traceback" not in refused
    info = assert_consistent(out)
    assert info.status == "finished" and info.num_epochs == 3 and info.info["seed"] == winner + 1
    assert len(info.epoch_history()) == 3


def test_reusing_out_is_refused_and_overwrite_replaces_the_whole_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--epochs", "3", *TINY, "--out", str(out)]) == 0
    before = (out / "model.npz").read_bytes()
    capsys.readouterr()
    assert main(["train", "--epochs", "1", "--seed", "5", *TINY, "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert f"The folder {out} is not empty (a finished run, 3 epochs)" in error and "--resume" in error \
        and "--overwrite" in error
    assert (out / "model.npz").read_bytes() == before and RunInfo(out).num_epochs == 3
    assert main(["train", "--epochs", "1", "--seed", "5", *TINY, "--out", str(out), "--overwrite"]) == 0
    info = assert_consistent(out)
    assert info.num_epochs == 1 and len(info.epoch_history()) == 1 and info.info["epochs_planned"] == 1
    assert sorted(path.name for path in (out / "checkpoints").iterdir()) == ["epoch-0000.npz", "epoch-0001.npz"]


@pytest.mark.parametrize("target, code", [
    ("model.npz", errno.ENOSPC), ("epoch-0002.npz", errno.EROFS), ("history_epochs.csv", errno.ENOSPC),
    ("run.json", errno.EROFS),
])
def test_a_disk_that_fills_or_turns_read_only_ends_with_an_error_naming_the_file(tmp_path, capsys, monkeypatch,
                                                                                  target, code):
    out = tmp_path / "run"
    real_replace = os.replace
    failed = []

    def faulty_replace(source, destination, *args, **kwargs):
        # run.json fails at its last write (the "finished" record); the others as soon as they come.
        chosen = Path(destination).name == target and not failed
        if chosen and target == "run.json":
            chosen = json.loads(Path(source).read_text()).get("status") == "finished"
        if chosen:
            failed.append(str(destination))
            raise OSError(code, os.strerror(code))
        return real_replace(source, destination, *args, **kwargs)

    monkeypatch.setattr(os, "replace", faulty_replace)
    assert main(["train", "--epochs", "3", *TINY, "--out", str(out)]) == 2
    monkeypatch.setattr(os, "replace", real_replace)
    captured = capsys.readouterr()
    assert failed and f"Could not write {failed[0]}: {os.strerror(code)}" in captured.err
    assert "final training accuracy" not in captured.out and "Traceback" not in captured.err
    assert "[Errno" not in captured.err  # the message reads as words, not as an OSError's repr
    info = assert_consistent(out)
    assert info.status in ("failed", "interrupted") and info.resumable
    if info.num_epochs == 3:  # only the final record failed: every epoch is there, nothing to continue
        assert main(["train", "--resume", str(out)]) == 2
        assert "already has 3 epoch(s)" in capsys.readouterr().err
        return
    assert main(["train", "--resume", str(out)]) == 0
    assert RunInfo(out).status == "finished" and RunInfo(out).num_epochs == 3


def test_ctrl_c_marks_the_run_interrupted_and_resume_finishes_it(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    real_step = NumpyEngine.train_step
    calls = []

    def interrupted_step(self, images, labels):
        calls.append(1)
        if len(calls) == 5:  # in the second epoch (3 batches an epoch)
            raise KeyboardInterrupt
        return real_step(self, images, labels)

    monkeypatch.setattr(NumpyEngine, "train_step", interrupted_step)
    assert main(["train", "--epochs", "3", *TINY, "--out", str(out)]) == 130
    monkeypatch.setattr(NumpyEngine, "train_step", real_step)
    error = capsys.readouterr().err
    assert f"keeps 1 complete epoch(s). Continue it with: cnnviz train --resume {out}" in error
    info = assert_consistent(out)
    assert info.recorded_status == "interrupted" and info.num_epochs == 1 and info.resumable
    assert main(["runs", "--json", str(tmp_path)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(item["status"], item["epochs_completed"], item["resumable"]) for item in listed] == \
        [("interrupted", 1, True)]
    assert main(["train", "--resume", str(out)]) == 0
    info = assert_consistent(out)
    assert info.status == "finished" and info.num_epochs == 3 and len(info.epoch_history()) == 3


def test_three_epochs_straight_and_two_plus_a_resumed_third_give_identical_weights(tmp_path):
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    common = [*TINY, "--optimizer", "adam", "--seed", "7"]
    assert main(["train", "--epochs", "3", *common, "--out", str(straight)]) == 0
    assert main(["train", "--epochs", "2", *common, "--out", str(resumed)]) == 0
    assert main(["train", "--resume", str(resumed), "--epochs", "3"]) == 0
    a, b = model_weights(straight / "model.npz"), model_weights(resumed / "model.npz")
    assert a.keys() == b.keys() and all(np.array_equal(a[key], b[key]) for key in a)


def test_resume_refuses_other_training_settings_and_a_reached_target(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--epochs", "1", *TINY, "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(out), "--learning-rate", "0.5"]) == 2
    assert "--learning-rate cannot be given with it" in capsys.readouterr().err
    assert main(["train", "--resume", str(out)]) == 2
    assert "already has 1 epoch(s)" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path / "nothing")]) == 2
    assert "There is no run to resume" in capsys.readouterr().err


def test_killed_at_random_moments_the_run_stays_consistent_and_resumes(tmp_path, capsys):
    rng = np.random.default_rng(20260101)
    for attempt in range(3):
        out = tmp_path / f"run{attempt}"
        # Far more epochs than can pass before the kill, so the kill always lands mid-run.
        process = cli("train", "--epochs", "200", "--train-subset", "1024", "--batch-size", "32",
                      "--validation-split", "0", "--out", str(out))
        wait_for(lambda out=out: epochs_completed(out) >= 0, process)  # the folder has its starting point
        time.sleep(float(rng.uniform(0.0, 2.0)))  # somewhere in the epochs, mid-save included
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=WAIT_SECONDS)
        process.communicate()
        info = assert_consistent(out, killed=True)
        assert info.status == "interrupted" and info.recorded_status == "running" and info.resumable
        target = info.num_epochs + 1
        assert main(["train", "--resume", str(out), "--epochs", str(target)]) == 0
        info = assert_consistent(out)
        assert info.status == "finished" and info.num_epochs == target and len(info.epoch_history()) == target
    capsys.readouterr()


def test_sigterm_marks_the_run_interrupted(tmp_path):
    out = tmp_path / "run"
    process = cli("train", "--epochs", "50", "--train-subset", "512", "--batch-size", "32", "--validation-split", "0",
                  "--out", str(out))
    wait_for(lambda: epochs_completed(out) >= 1, process)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=WAIT_SECONDS) == 143
    error = process.communicate()[1]
    assert "terminated (SIGTERM)" in error and f"cnnviz train --resume {out}" in error
    info = assert_consistent(out)
    assert info.recorded_status == "interrupted" and info.status == "interrupted" and info.resumable


def test_pruned_model_on_a_full_disk_names_the_file_and_leaves_no_temporary(tmp_path, capsys, monkeypatch):
    target = tmp_path / "pruned.npz"
    real_replace = os.replace

    def full_disk(source, destination, *args, **kwargs):
        if Path(destination) == target:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_replace(source, destination, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full_disk)
    assert main(["dead", "--model", str(ROOT / "resources" / "reference_model.npz"), "--prune", "--samples", "50",
                 "--out", str(target)]) == 2
    error = capsys.readouterr().err
    assert f"Could not save the pruned model to {target}: No space left on device" in error
    assert list(tmp_path.iterdir()) == []


def test_inspect_refuses_a_folder_that_already_holds_files(tmp_path, capsys):
    out = tmp_path / "figures"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["inspect", "--model", str(ROOT / "resources" / "reference_model.npz"), "--sample", "0",
                 "--out", str(out)]) == 2
    assert f"The folder {out} is not empty" in capsys.readouterr().err
    assert [path.name for path in out.iterdir()] == ["notes.txt"]


def test_inspect_with_overwrite_counts_only_the_files_it_wrote(tmp_path, capsys):
    out = tmp_path / "figures"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["inspect", "--model", str(ROOT / "resources" / "reference_model.npz"), "--sample", "0",
                 "--out", str(out), "--overwrite"]) == 0
    written = len([path for path in out.iterdir() if path.name != "notes.txt"])
    assert f"wrote {written} files to {out}" in capsys.readouterr().out and (out / "notes.txt").read_text() == "mine"


def test_a_run_refused_for_its_data_leaves_the_folder_free_for_the_next_try(tmp_path, capsys):
    out = tmp_path / "run"
    # Full MNIST is not in an empty data folder: refused after the folder was taken, before training.
    assert main(["train", "--dataset", "mnist", "--data-dir", str(tmp_path / "no-data"), "--epochs", "1",
                 "--out", str(out)]) == 2
    assert "mnist" in capsys.readouterr().err
    assert not out.exists() or not [entry for entry in out.iterdir() if entry.name not in (".lock", ".lock.pid")]
    # The person fixes the dataset and runs the same command again: not refused as "not empty".
    assert main(["train", "--epochs", "1", *TINY, "--out", str(out)]) == 0
    assert (out / "run.json").is_file()
