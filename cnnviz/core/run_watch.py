"""Watching run folders that another process (or another machine) writes: cheap change detection and
reading only what a writer has finished.

A run folder's files are renamed into place whole (:mod:`cnnviz.core.run_files`), so a reader never
sees half a file under its own name; it only has to ignore the temporary names and count an epoch
once ``run.json``'s ``epochs_completed`` says so. Files written some other way (copied over a network
share, say) may still be caught half-written: :func:`read_live_history` keeps only whole lines,
and a ``run.json`` that does not parse makes :func:`scan_runs` keep the run as it was last read and
try again on the next look.

:func:`fingerprint` is what a poll costs: one directory listing per folder and a ``stat`` of the few
files per run that change while it trains. Nothing here imports Qt: the History panel runs these
functions on a thread of its own.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cnnviz.core.history import EPOCH_FIELDS, STEP_FIELDS
from cnnviz.core.results import EpochResult, StepResult
from cnnviz.core.run_files import TEMPORARY_MARKERS
from cnnviz.core.run_info import RunInfo
from cnnviz.core.safe_json import read_json_file

WATCHED_FILES = ("run.json", "config.json", "history_epochs.csv", "history_steps.csv", ".lock.pid")
"""The files of a run whose changes a poll looks for (with the ``checkpoints`` folder)."""
MAX_LIVE_HISTORY_BYTES = 64 * 1024 * 1024
"""The most of a history file read at one look."""

Fingerprint = tuple
"""What :func:`fingerprint` returns: equal fingerprints mean nothing a reader shows has changed."""


def is_temporary(name: str) -> bool:
    """Whether ``name`` is a file a writer keeps only while it writes (never read)."""
    return any(marker in name for marker in TEMPORARY_MARKERS)


def run_folders(folder: Path) -> list[Path]:
    """The run folders directly under ``folder`` (those with a ``config.json`` or ``run.json``); an
    unreadable or vanished folder has none."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    found = []
    for entry in entries:
        try:
            if entry.is_dir() and not is_temporary(entry.name) and (
                    os.path.isfile(os.path.join(entry.path, "run.json"))
                    or os.path.isfile(os.path.join(entry.path, "config.json"))):
                found.append(Path(entry.path))
        except OSError:
            continue  # it vanished while being looked at: the next look sees it gone
    return found


def run_fingerprint(run: Path) -> tuple:
    """The size and modification time of each watched file of one run and of its ``checkpoints``
    folder (``None`` for a missing one)."""
    marks: list[tuple[int, int] | None] = []
    for name in (*WATCHED_FILES, "checkpoints"):
        try:
            status = os.stat(run / name)
        except OSError:
            marks.append(None)
            continue
        marks.append((status.st_size, status.st_mtime_ns))
    return tuple(marks)


def fingerprint(folders: Iterable[Path]) -> dict[Path, tuple]:
    """Every run folder under ``folders`` → its :func:`run_fingerprint`."""
    return {run: run_fingerprint(run) for folder in folders for run in run_folders(Path(folder))}


@dataclass(frozen=True)
class RunScan:
    """What one look at the watched folders found.

    ``runs``: every run, newest first (by folder name); ``changed``: the run folders whose files
    changed since the previous scan (all of them on the first); ``settled``: False when a file was
    caught unreadable (the caller looks again soon).
    """

    runs: tuple[RunInfo, ...]
    marks: Mapping[Path, tuple]
    changed: frozenset[Path]
    settled: bool = True
    watch: tuple[Path, ...] = ()
    """The folders to be told about: the watched folders, every folder in them (a run being made
    has no ``run.json`` yet) and each run's ``checkpoints``."""


def scan_runs(folders: Iterable[Path], previous: RunScan | None = None) -> RunScan:
    """Read the runs under ``folders``, reusing ``previous``'s reading of every run that did not change.

    A run whose ``run.json`` exists but does not parse (caught mid-copy) keeps its previous reading
    (or is left out until it parses) and marks the scan unsettled.
    """
    marks = fingerprint(folders)
    old_runs = {run.path: run for run in previous.runs} if previous is not None else {}
    old_marks = previous.marks if previous is not None else {}
    runs, changed, settled = [], set(), True
    kept_marks: dict[Path, tuple] = {}
    for path, mark in marks.items():
        if path in old_runs and old_marks.get(path) == mark:
            runs.append(old_runs[path])
            kept_marks[path] = mark
            continue
        if not _run_json_readable(path):
            settled = False
            if path in old_runs:
                runs.append(old_runs[path])  # the previous reading, until the file is whole again
            continue
        runs.append(RunInfo(path))
        kept_marks[path] = mark
        changed.add(path)
    changed |= set(old_runs) - set(marks)  # vanished runs changed too
    runs.sort(key=lambda run: (run.name, str(run.path)), reverse=True)
    return RunScan(tuple(runs), kept_marks, frozenset(changed), settled, _folders_to_watch(folders, marks))


def _folders_to_watch(folders: Iterable[Path], runs: Iterable[Path]) -> tuple[Path, ...]:
    watch: list[Path] = []
    for folder in map(Path, folders):
        try:
            entries = [Path(entry.path) for entry in os.scandir(folder) if entry.is_dir()
                       and not is_temporary(entry.name)]
        except OSError:
            continue
        watch += [folder, *entries]
    for run in runs:
        if os.path.isdir(run / "checkpoints"):
            watch.append(run / "checkpoints")
    return tuple(dict.fromkeys(watch))


def _run_json_readable(run: Path) -> bool:
    """Whether ``run.json`` is missing (a run with only a configuration) or whole."""
    path = run / "run.json"
    try:
        read_json_file(path, what="run description")
    except FileNotFoundError:
        return True
    except (OSError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class LiveHistory:
    """A run's history as far as its writer has finished it.

    ``steps``: every batch in the step history; ``epochs``: the complete epochs (those counted in
    ``run.json``); ``planned``: the epochs it means to train (``None`` when unknown); ``status``:
    its status now (:mod:`cnnviz.core.run_status`).
    """

    path: Path
    steps: tuple[StepResult, ...]
    epochs: tuple[EpochResult, ...]
    planned: int | None
    status: str
    epochs_completed: int


def read_live_history(run: Path) -> LiveHistory | None:
    """The history of the run in ``run`` as far as it is complete, or ``None`` when a file changed or
    vanished while it was read (look again later)."""
    run = Path(run)
    try:
        info = RunInfo(run)
        completed = info.info.get("epochs_completed")
        steps = [_row(StepResult, STEP_FIELDS, row) for row in _whole_rows(run / "history_steps.csv")]
        epochs = [_row(EpochResult, EPOCH_FIELDS, row) for row in _whole_rows(run / "history_epochs.csv")]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if isinstance(completed, int):
        epochs = [epoch for epoch in epochs if epoch.epoch < completed]
    planned = info.info.get("epochs_planned")
    return LiveHistory(run, tuple(steps), tuple(epochs), planned if isinstance(planned, int) else None,
                       info.status, completed if isinstance(completed, int) else len(epochs))


def _whole_rows(path: Path) -> list[dict[str, float | None]]:
    """The complete rows of a history CSV: a last line without its newline (a file caught while being
    written in place) is left out. A missing file has none."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_LIVE_HISTORY_BYTES + 1)
    except FileNotFoundError:
        return []
    if len(data) > MAX_LIVE_HISTORY_BYTES:
        raise ValueError(f"{path.name} is larger than cnnviz reads for a live history.")
    text = data.decode("utf-8")
    end = text.rfind("\n")
    text = text[:end + 1] if end >= 0 else ""
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        rows.append({key: (None if value in ("", "None") else float(value)) for key, value in row.items()})
    return rows


_INTEGERS = frozenset({"epoch", "batch", "num_batches", "num_epochs", "samples_seen"})
_REQUIRED = frozenset({"epoch", "batch", "num_batches"})


def _row(result_type, names: tuple[str, ...], row: Mapping[str, float | None]):
    """A history row as ``result_type`` (a missing loss or accuracy is NaN, a missing count 0); a row
    without its epoch or batch raises ValueError."""
    values: list[float | int | None] = []
    for name in names:
        value = row.get(name)
        if value is None and name in _REQUIRED:
            raise ValueError(f"a history row without its {name}")
        if name in _INTEGERS:
            values.append(int(value) if value is not None else 0)
        elif name in ("loss", "accuracy") and value is None:
            values.append(float("nan"))
        else:
            values.append(value)
    return result_type(*values)
