"""Run directories: where a training run keeps its configuration, history, weights and snapshots.

Layout of a run directory::

    config.json            the model and training configuration
    run.json               engine, dataset, start time, final metrics (rewritten as it goes)
    history_steps.csv      one row per batch
    history_epochs.csv     one row per epoch
    model.npz / model.keras    the latest weights
    checkpoints/epoch-0000.npz ...   weights before training, then after every epoch
    kernels/epoch-0000.npz ...       convolution kernels before training, then after every epoch

Every file is written to a temporary name and renamed into place, so a crash never
leaves a half-written file and the previous version stays readable.
"""

from __future__ import annotations

import io
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import numpy as np

from cnnviz.core.config import ModelConfig
from cnnviz.core.history import epoch_history_csv, read_history, step_history_csv
from cnnviz.core.results import EpochResult, StepResult
from cnnviz.core.safe_json import read_json_file
from cnnviz.core.safe_npz import read_npz
from cnnviz.core.validation import MAX_PARAMETERS


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


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    finally:
        if temporary.exists():
            temporary.unlink()


def snapshot_name(epoch: int, suffix: str = "") -> str:
    """The file name of what a run keeps after ``epoch`` (0-based; -1: before training).

    ``snapshot_name(-1, ".npz")`` is ``"epoch-0000.npz"``, the weights before training;
    ``snapshot_name(0, ".keras")`` is ``"epoch-0001.keras"``, those after the first epoch. Weight
    checkpoints (``checkpoints/``) and kernel snapshots (``kernels/``) share the names.
    """
    return f"epoch-{epoch + 1:04d}{suffix}"


class RunDirectory:
    """A training run's folder, created on construction.

    Parameters
    ----------
    path : Path
        The folder; created if missing.

    Raises
    ------
    OSError
        If the folder cannot be created or written (the message names it).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            (self.path / "checkpoints").mkdir(parents=True, exist_ok=True)
            (self.path / "kernels").mkdir(exist_ok=True)
            probe = self.path / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            raise OSError(f"Cannot write the run folder {self.path}: {error.strerror or error}. "
                          "Choose another folder (--out DIR) or free some space.") from None
        self.steps: list[StepResult] = []
        self.epochs: list[EpochResult] = []
        self.info: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S")}

    @classmethod
    def create(cls, root: str | Path | None, engine: str, dataset: str) -> RunDirectory:
        """A new, uniquely named run folder under ``root`` (default: ``<user data>/runs``)."""
        root = Path(root) if root is not None else user_data_dir() / "runs"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for attempt in range(1000):
            name = f"{stamp}-{engine}-{dataset}" + (f"-{attempt}" if attempt else "")
            if not (root / name).exists():
                return cls(root / name)
        raise OSError(f"Cannot find a free run folder name under {root}.")

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
        """Keep an epoch's result and write both histories."""
        self.epochs.append(epoch)
        self.flush()

    def flush(self) -> None:
        """Write both history files."""
        write_atomically(self.path / "history_steps.csv", step_history_csv(self.steps).encode("utf-8"))
        write_atomically(self.path / "history_epochs.csv", epoch_history_csv(self.epochs).encode("utf-8"))

    def checkpoint_path(self, epoch: int, suffix: str = ".npz") -> Path:
        """Where the weights after ``epoch`` (0-based; -1: before training) are kept."""
        return self.path / "checkpoints" / snapshot_name(epoch, suffix)

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


MODEL_SUFFIXES = (".npz", ".keras")
"""The suffixes of model files, one per engine."""


def _checkpoints(run_path: Path) -> list[Path]:
    """The run's weight checkpoints in epoch order; temporary files of an interrupted save (such as
    ``epoch-0003.tmp.keras`` or ``epoch-0003.npz.tmp``) are left out."""
    return sorted(path for path in (run_path / "checkpoints").glob("epoch-*.*")
                  if path.suffix in MODEL_SUFFIXES and re.fullmatch(r"epoch-\d{4}", path.stem))


class RunInfo:
    """What a run folder holds, read without loading any weights."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.info = read_json_file(self.path / "run.json", what="run description")
        except (OSError, ValueError):
            self.info = {}
        snapshots = _checkpoints(self.path)
        self.has_initial = any(path.stem == snapshot_name(-1) for path in snapshots)
        self.checkpoints = [path for path in snapshots if path.stem != snapshot_name(-1)]
        self.kernel_snapshots = sorted((self.path / "kernels").glob("epoch-*.npz"))

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def engine(self) -> str:
        return str(self.info.get("engine", "?"))

    @property
    def dataset(self) -> str:
        return str(self.info.get("dataset", "?"))

    @property
    def status(self) -> str:
        return str(self.info.get("status", "unfinished"))

    @property
    def test_accuracy(self) -> float | None:
        value = self.info.get("test_accuracy")
        return float(value) if isinstance(value, (int, float)) else None

    @property
    def num_epochs(self) -> int:
        return len(self.checkpoints)

    def checkpoint_at(self, epoch: int) -> Path | None:
        """The weights saved after ``epoch`` (0-based; -1: before training), or None when the run
        kept none for it."""
        return next((path for path in _checkpoints(self.path) if path.stem == snapshot_name(epoch)), None)

    def config(self) -> ModelConfig | None:
        try:
            return ModelConfig.load(self.path / "config.json")
        except (OSError, ValueError):
            return None

    def epoch_history(self) -> list[dict]:
        path = self.path / "history_epochs.csv"
        return read_history(path) if path.is_file() else []

    def step_history(self) -> list[dict]:
        path = self.path / "history_steps.csv"
        return read_history(path) if path.is_file() else []

    def kernels_at(self, epoch: int) -> dict[str, np.ndarray]:
        """The convolution kernels saved after ``epoch`` (0-based; -1: before training)."""
        path = self.path / "kernels" / snapshot_name(epoch, ".npz")
        return read_npz(path, "kernel snapshot", max_bytes=4 * MAX_PARAMETERS)


def list_runs(root: str | Path | None = None) -> list[RunInfo]:
    """Every run folder under ``root`` (default: the user data folder's ``runs/``), newest first."""
    root = Path(root) if root is not None else user_data_dir() / "runs"
    if not root.is_dir():
        return []
    runs = [RunInfo(path) for path in root.iterdir() if path.is_dir() and (path / "config.json").is_file()]
    return sorted(runs, key=lambda run: run.name, reverse=True)
