"""Reading run folders that another process is writing: only whole files, only complete epochs, and a
look that catches a file half-written tries again instead of failing."""

import json
import os
import socket
import time

from cnnviz.core.results import EpochResult, StepResult
from cnnviz.core.run_files import write_atomically
from cnnviz.core.run_lock import HOLDER_NAME
from cnnviz.core.run_status import INTERRUPTED, RUNNING
from cnnviz.core.run_watch import fingerprint, read_live_history, scan_runs
from cnnviz.core.runs import RunDirectory


def write_run(path, epochs=2, completed=None, status="running"):
    run = RunDirectory(path, command="test")
    run.steps = [StepResult(epoch, batch, 2, 1.0 / (epoch + 1), 0.5, 32, 0.0, 0.01)
                 for epoch in range(epochs) for batch in range(2)]
    run.epochs = [EpochResult(epoch, epochs, 1.0 / (epoch + 1), 0.5, None, None, 64, 0.0) for epoch in range(epochs)]
    run.flush()
    for epoch in range(-1, epochs):
        (run.checkpoint_path(epoch)).write_bytes(b"weights")
    run.update_info(engine="numpy", dataset="test", status=status, epochs_planned=5,
                    epochs_completed=epochs if completed is None else completed)
    run.close()
    return path


def test_runs_of_several_folders_are_listed_with_changes_noticed(tmp_path):
    first = write_run(tmp_path / "a" / "20250101-100000")
    second = write_run(tmp_path / "b" / "20250102-100000")
    (tmp_path / "b" / "20250103-100000.tmp").mkdir()  # a folder being copied in under a temporary name
    (tmp_path / "b" / "20250103-100000.tmp" / "run.json").write_text("{}")
    scan = scan_runs([tmp_path / "a", tmp_path / "b", tmp_path / "missing"])
    assert [run.path for run in scan.runs] == [second, first]
    assert scan.changed == {first, second} and scan.settled

    again = scan_runs([tmp_path / "a", tmp_path / "b"], scan)
    assert again.changed == frozenset() and again.runs[0] is scan.runs[0]  # unchanged runs are not read again
    time.sleep(0.01)
    info = json.loads((first / "run.json").read_text())
    write_atomically(first / "run.json", json.dumps({**info, "status": "finished"}).encode())
    later = scan_runs([tmp_path / "a", tmp_path / "b"], again)
    assert later.changed == {first}
    assert next(run for run in later.runs if run.path == first).recorded_status == "finished"

    without_b = scan_runs([tmp_path / "a"], later)
    assert [run.path for run in without_b.runs] == [first] and second in without_b.changed


def test_a_run_json_caught_half_written_keeps_the_previous_reading(tmp_path):
    path = write_run(tmp_path / "runs" / "20250101-100000")
    scan = scan_runs([tmp_path / "runs"])
    text = (path / "run.json").read_text()
    (path / "run.json").write_text(text[: len(text) // 2])  # written in place, not renamed: cut short
    caught = scan_runs([tmp_path / "runs"], scan)
    assert not caught.settled
    assert caught.runs == scan.runs  # the previous reading, not an empty one
    assert scan_runs([tmp_path / "runs"]).runs == ()  # never read before: left out until whole
    (path / "run.json").write_text(text)
    assert scan_runs([tmp_path / "runs"], caught).settled


def test_the_live_history_holds_only_complete_epochs_and_whole_lines(tmp_path):
    path = write_run(tmp_path / "run", epochs=3, completed=2)
    history = read_live_history(path)
    assert [epoch.epoch for epoch in history.epochs] == [0, 1]  # the third is not counted complete yet
    assert len(history.steps) == 6 and history.planned == 5 and history.epochs_completed == 2

    with open(path / "history_steps.csv", "a", encoding="utf-8") as handle:
        handle.write("3,0,2,0.2")  # a row still being written, in place
    assert len(read_live_history(path).steps) == 6
    with open(path / "history_steps.csv", "a", encoding="utf-8") as handle:
        handle.write("5,0.5,32,0.0,0.01\n")
    assert len(read_live_history(path).steps) == 7

    (path / "history_epochs.csv").write_text("epoch,num_epochs\n,3\n")  # a row without its epoch
    assert read_live_history(path) is None  # tried again on the next look, never raised


def test_temporary_checkpoints_and_their_folders_are_never_counted(tmp_path):
    path = write_run(tmp_path / "runs" / "20250101-100000", epochs=2)
    (path / "checkpoints" / "epoch-0003.npz.tmp").write_bytes(b"half")
    (path / "checkpoints" / "epoch-0003.npz").write_bytes(b"not yet counted")  # epochs_completed is 2
    (run,) = scan_runs([tmp_path / "runs"]).runs
    assert run.num_epochs == 2


def test_the_fingerprint_changes_with_the_files_a_writer_renames(tmp_path):
    path = write_run(tmp_path / "runs" / "20250101-100000")
    before = fingerprint([tmp_path / "runs"])
    assert fingerprint([tmp_path / "runs"]) == before
    (path / "checkpoints" / "epoch-0009.npz").write_bytes(b"new")
    os.utime(path / "checkpoints", ns=(0, 1))  # a coarse clock: the folder's time alone may not move
    assert fingerprint([tmp_path / "runs"]) != before


def test_a_run_held_by_another_host_counts_as_running_while_it_changes(tmp_path):
    path = write_run(tmp_path / "run")  # says running; no local process holds its lock
    assert scan_runs([tmp_path]).runs[0].status == INTERRUPTED
    (path / HOLDER_NAME).write_text(json.dumps({"pid": 1, "host": socket.gethostname() + "-elsewhere"}))
    assert scan_runs([tmp_path]).runs[0].status == RUNNING
    old = time.time() - 3600
    for name in (HOLDER_NAME, "run.json", "history_steps.csv"):
        os.utime(path / name, (old, old))
    assert scan_runs([tmp_path]).runs[0].status == INTERRUPTED  # no change for an hour: it died
