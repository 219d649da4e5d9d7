"""Run directories: where a training run keeps its configuration, history, weights and snapshots.

Layout of a run directory::

    config.json            the model and training configuration
    run.json               engine, dataset, start time, final metrics (rewritten as it goes)
    history_steps.csv      one row per batch
    history_epochs.csv     one row per epoch
    model.npz / model.keras    the latest weights
    checkpoints/epoch-0000.npz ...   weights before training, then after every epoch
    kernels/epoch-0000.npz ...       convolution kernels before training, then after every epoch
    histograms/epoch-0000.npz ...    histograms of parameters and activations (:mod:`cnnviz.core.histograms`)
    state/epoch-0000.npz ...         what continuing the run needs (:mod:`cnnviz.core.checkpoints`)
    .lock, .lock.pid                 held by the process writing the run (:mod:`cnnviz.core.run_lock`)

Every file is written to a temporary name and renamed into place (:mod:`cnnviz.core.run_files`),
so a crash never leaves a half-written file and the previous version stays readable. An epoch
counts once all its files are written: ``run.json``'s ``epochs_completed`` is raised last, and
readers ignore any checkpoint beyond it (a process killed mid-epoch leaves no phantom epoch).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from cnnviz.core.checkpoints import CheckpointError, TrainingState, read_training_state
from cnnviz.core.config import ModelConfig
from cnnviz.core.histograms import Histogram, histograms_npz
from cnnviz.core.history import EPOCH_FIELDS, STEP_FIELDS, epoch_history_csv, read_history, step_history_csv
from cnnviz.core.results import EpochResult, StepResult
from cnnviz.core.run_files import RunWriteError, remove_temporaries, write_atomically, writing
from cnnviz.core.run_info import MODEL_SUFFIXES, RunInfo, snapshot_name
from cnnviz.core.run_lock import HOLDER_NAME, LOCK_NAME, RunLock
from cnnviz.core.run_status import DIVERGED

__all__ = ["MODEL_SUFFIXES", "RunDirectory", "RunFolderError", "RunInfo", "RunWriteError", "list_runs",
           "read_history", "snapshot_name", "user_data_dir", "write_atomically"]


def user_data_dir() -> Path:
    """cnnviz's folder for user data (run folders, sessions, the crash log).

    ``$CNNVIZ_HOME`` when set (tests and portable installs use it); otherwise the folder each
    system keeps per-user application data in, as :mod:`platformdirs` names it:
    ``$XDG_DATA_HOME/cnnviz`` or ``~/.local/share/cnnviz`` on Linux (where Qt's
    ``QStandardPaths`` looks too), ``~/Library/Application Support/cnnviz`` on macOS and
    ``%LOCALAPPDATA%\\cnnviz`` on Windows.
    """
    if os.environ.get("CNNVIZ_HOME"):
        return Path(os.environ["CNNVIZ_HOME"])
    # Imported only when needed: with $CNNVIZ_HOME set nothing else is read.
    import platformdirs

    return Path(platformdirs.user_data_dir("cnnviz", appauthor=False))


SNAPSHOT_FOLDERS = ("checkpoints", "kernels", "state", "histograms")
"""The sub-folders holding one file per epoch."""
_KEPT_NAMES = frozenset({LOCK_NAME, HOLDER_NAME})
"""What a folder holds that is not part of a run (its lock)."""


class RunFolderError(ValueError):
    """A run folder that cannot be used as asked (it holds another run, or nothing to resume)."""


class RunDirectory:
    """A training run's folder, owned (locked) from construction until :meth:`close`.

    Parameters
    ----------
    path : Path
        The folder; created if missing.
    mode : {"new", "overwrite", "resume"}
        ``"new"`` refuses a folder that already holds files; ``"overwrite"`` deletes them first;
        ``"resume"`` continues the run there from its last complete epoch (:attr:`resume_point`).
    command : str
        Who writes, as the lock's holder file names it for anyone refused.

    Raises
    ------
    RunInUseError
        When another process writes the folder.
    RunFolderError
        When the folder holds another run (``"new"``) or nothing to continue (``"resume"``).
    OSError
        If the folder cannot be created or written (the message names it).
    """

    def __init__(self, path: str | Path, mode: str = "new", command: str = "cnnviz"):
        if mode not in ("new", "overwrite", "resume"):
            raise ValueError(f"mode must be 'new', 'overwrite' or 'resume', received {mode!r}.")
        self.path = Path(path)
        if mode == "resume" and not (self.path / "config.json").is_file():
            raise RunFolderError(f"There is no run to resume in {self.path} (it has no config.json). Give the "
                                 "folder of a run that cnnviz train or the window wrote; cnnviz runs lists them.")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OSError(error.errno, f"Cannot write the run folder {self.path}: {error.strerror or error}. "
                          "Choose another folder (--out DIR) or free some space.") from None
        self.lock = RunLock(self.path)
        try:
            self.lock.acquire(command)
        except OSError as error:
            raise OSError(error.errno, f"Cannot write the run folder {self.path}: {error.strerror or error}. "
                          "Choose another folder (--out DIR) or free some space.") from None
        try:
            self._prepare(mode)
        except BaseException:
            self.lock.release()
            raise

    def _prepare(self, mode: str) -> None:
        # Empty snapshot folders are what a run refused before it wrote anything leaves: not a run.
        leftovers = sorted(entry.name for entry in self.path.iterdir() if entry.name not in _KEPT_NAMES
                           and not (entry.name in SNAPSHOT_FOLDERS and entry.is_dir() and not any(entry.iterdir())))
        if leftovers and mode == "new":
            raise RunFolderError(
                f"The folder {self.path} is not empty ({describe_contents(self.path, leftovers)}). "
                "Continue that run with --resume, replace it with --overwrite, or choose another folder.")
        if leftovers and mode == "overwrite":
            for name in leftovers:
                entry = self.path / name
                with writing(entry):
                    shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
        remove_temporaries(self.path)
        try:
            for folder in SNAPSHOT_FOLDERS:
                (self.path / folder).mkdir(exist_ok=True)
            # A name of its own, so writers that start together never delete each other's probe.
            probe = self.path / f".write-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            raise OSError(error.errno, f"Cannot write the run folder {self.path}: {error.strerror or error}. "
                          "Choose another folder (--out DIR) or free some space.") from None
        self.steps: list[StepResult] = []
        self.epochs: list[EpochResult] = []
        self.info: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S")}
        self.resume_point: TrainingState | None = None
        if mode == "resume":
            self._load_for_resume()

    def _load_for_resume(self) -> None:
        """Read the run back up to its last complete epoch and forget anything after it."""
        run = RunInfo(self.path)
        self.info = dict(run.info)
        if run.recorded_status == DIVERGED:
            raise RunFolderError(f"The run {self.path} cannot be continued: {run.resume_problem}. Start it again "
                                 "with --overwrite and a smaller --learning-rate.")
        if not isinstance(run.info.get("epochs_completed"), int) or run.info["epochs_completed"] < 0:
            raise RunFolderError(f"The run {self.path} cannot be continued: it holds no complete training state "
                                 "(it was written by an older cnnviz, or stopped before its first save). Start it "
                                 "again with --overwrite.")
        state = None
        for epochs_completed in range(run.num_epochs, -1, -1):
            path = self.state_path(epochs_completed - 1)
            if path.is_file():
                try:
                    state = read_training_state(path)
                except CheckpointError:
                    continue
                break
        if state is None:
            raise RunFolderError(f"The run {self.path} cannot be continued: it holds no readable training state "
                                 "(it was written by an older cnnviz, or was stopped before its first save).")
        done = state.epochs_completed
        for folder in SNAPSHOT_FOLDERS:
            for path in (self.path / folder).glob("epoch-*"):
                match = re.match(r"epoch-(\d{4})", path.name)
                if match and int(match.group(1)) > done:
                    with writing(path):
                        path.unlink()
        self.epochs = [_result(EpochResult, EPOCH_FIELDS, row) for row in run.epoch_history()
                       if row["epoch"] is not None and row["epoch"] < done]
        self.steps = [_result(StepResult, STEP_FIELDS, row) for row in run.step_history()
                      if row["epoch"] is not None and row["epoch"] < done]
        self.info["epochs_completed"] = done
        self.resume_point = state

    @classmethod
    def create(cls, root: str | Path | None, engine: str, dataset: str, command: str = "cnnviz") -> RunDirectory:
        """A new, uniquely named run folder under ``root`` (default: ``<user data>/runs``).

        The folder is made with an exclusive ``mkdir``, so processes that start in the same second
        never share one: each that finds its name taken tries the next.
        """
        root = Path(root) if root is not None else user_data_dir() / "runs"
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OSError(error.errno, f"Cannot write the run folder {root}: {error.strerror or error}. "
                          "Choose another folder (--out DIR) or free some space.") from None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for attempt in range(1000):
            name = f"{stamp}-{engine}-{dataset}" + (f"-{attempt}" if attempt else "")
            try:
                (root / name).mkdir()
            except FileExistsError:
                continue
            except OSError as error:
                raise OSError(error.errno, f"Cannot write the run folder {root / name}: "
                              f"{error.strerror or error}. Choose another folder or free some space.") from None
            return cls(root / name, command=command)
        raise OSError(f"Cannot find a free run folder name under {root}.")

    # -- ownership ---------------------------------------------------------------------------------
    def close(self, status: str | None = None) -> None:
        """Record ``status`` (if given, writable, and the run got as far as its ``run.json``) and give
        the folder up for others to write."""
        try:
            if status is not None and (self.path / "run.json").is_file():
                with contextlib.suppress(OSError):
                    self.update_info(status=status)
            if not (self.path / "run.json").is_file():
                # Refused before it began (its data, say): leave no empty snapshot folders behind.
                for folder in SNAPSHOT_FOLDERS:
                    with contextlib.suppress(OSError):
                        (self.path / folder).rmdir()
        finally:
            self.lock.release()

    def __enter__(self) -> RunDirectory:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------------------
    def write_config(self, config: ModelConfig) -> None:
        write_atomically(self.path / "config.json", (config.to_json() + "\n").encode("utf-8"))

    def update_info(self, **values) -> None:
        """Merge values into ``run.json`` and rewrite it."""
        self.info.update(values)
        write_atomically(self.path / "run.json", (json.dumps(self.info, indent=2) + "\n").encode("utf-8"))

    def record_step(self, step: StepResult) -> None:
        """Keep a batch's result (written with the next epoch or :meth:`flush`)."""
        self.steps.append(step)

    def record_epoch(self, epoch: EpochResult) -> None:
        """Keep an epoch's result, write both histories, then count the epoch as complete in
        ``run.json`` (call it after the epoch's checkpoint, state and kernels are written)."""
        self.epochs.append(epoch)
        self.flush()
        self.update_info(epochs_completed=epoch.epoch + 1)

    def keep_epoch(self, epoch: EpochResult) -> None:
        """Keep an epoch's result without writing it (it is written with the next :meth:`record_epoch`
        or :meth:`flush`): a long run counts epochs complete only where it saves a snapshot."""
        self.epochs.append(epoch)

    def flush(self) -> None:
        """Write both history files."""
        write_atomically(self.path / "history_steps.csv", step_history_csv(self.steps).encode("utf-8"))
        write_atomically(self.path / "history_epochs.csv", epoch_history_csv(self.epochs).encode("utf-8"))

    def checkpoint_path(self, epoch: int, suffix: str = ".npz") -> Path:
        """Where the weights after ``epoch`` (0-based; -1: before training) are kept."""
        return self.path / "checkpoints" / snapshot_name(epoch, suffix)

    def state_path(self, epoch: int) -> Path:
        """Where the training state after ``epoch`` (0-based; -1: before training) is kept."""
        return self.path / "state" / snapshot_name(epoch, ".npz")

    def save_state(self, state: TrainingState) -> Path:
        """Write what continuing the run after ``state.epochs_completed`` epochs needs."""
        path = self.state_path(state.epochs_completed - 1)
        write_atomically(path, state.to_bytes())
        return path

    def save_kernels(self, epoch: int, kernels: dict[str, np.ndarray]) -> Path:
        """Write every convolution kernel after ``epoch`` (-1: before training), for replaying how they
        changed."""
        path = self.path / "kernels" / snapshot_name(epoch, ".npz")
        buffer = io.BytesIO()
        # Any: NumPy's stubs type savez's keywords like its allow_pickle flag; here each is an array.
        arrays: dict[str, Any] = dict(kernels)
        np.savez(buffer, **arrays)
        write_atomically(path, buffer.getvalue())
        return path

    def save_histograms(self, epoch: int, histograms: Mapping[str, Histogram]) -> Path:
        """Write the histograms of parameters and activations after ``epoch`` (-1: before training)."""
        path = self.path / "histograms" / snapshot_name(epoch, ".npz")
        write_atomically(path, histograms_npz(histograms))
        return path

    def remove_temporaries(self) -> list[Path]:
        """Delete what an interrupted or failed write left behind."""
        return remove_temporaries(self.path)


def _result(result_type, names: tuple[str, ...], row: dict):
    """A history row read back as ``result_type`` (whole-number fields as int)."""
    integers = {"epoch", "batch", "num_batches", "num_epochs", "samples_seen"}
    return result_type(*[(int(row[name]) if name in integers and row.get(name) is not None else row.get(name))
                         for name in names])


def describe_contents(path: Path, names: list[str]) -> str:
    """A few words on what a non-empty folder holds (``"a finished run, 3 epochs"``)."""
    if "config.json" in names:
        run = RunInfo(path)
        return f"a {run.status} run, {run.num_epochs} epoch{'s' if run.num_epochs != 1 else ''}"
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"it holds {shown}"

def list_runs(root: str | Path | None = None) -> list[RunInfo]:
    """Every run folder under ``root`` (default: the user data folder's ``runs/``), newest first."""
    root = Path(root) if root is not None else user_data_dir() / "runs"
    if not root.is_dir():
        return []
    # A run recorded from a Keras script whose model cnnviz cannot describe has no config.json.
    runs = [RunInfo(path) for path in root.iterdir()
            if path.is_dir() and ((path / "config.json").is_file() or (path / "run.json").is_file())]
    return sorted(runs, key=lambda run: run.name, reverse=True)
