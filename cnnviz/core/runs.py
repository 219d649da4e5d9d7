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

import csv
import io
import json
import os
import time
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np

from cnnviz.core.config import ModelConfig
from cnnviz.core.results import EpochResult, StepResult

STEP_FIELDS = [item.name for item in fields(StepResult)]
EPOCH_FIELDS = [item.name for item in fields(EpochResult)]


def user_data_dir() -> Path:
    """cnnviz's folder for user data: ``$CNNVIZ_HOME``, else ``$XDG_DATA_HOME/cnnviz``, else
    ``~/.local/share/cnnviz`` (the folder Qt's ``QStandardPaths`` names on Linux)."""
    if os.environ.get("CNNVIZ_HOME"):
        return Path(os.environ["CNNVIZ_HOME"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cnnviz"


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


def _csv_bytes(field_names: list[str], rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=field_names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


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
        self.steps: list[dict] = []
        self.epochs: list[dict] = []
        self.info: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S")}

    @classmethod
    def create(cls, root: str | Path | None, engine: str, dataset: str) -> "RunDirectory":
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
        self.steps.append(asdict(step))

    def record_epoch(self, epoch: EpochResult) -> None:
        """Keep an epoch's result and write both histories."""
        self.epochs.append(asdict(epoch))
        self.flush()

    def flush(self) -> None:
        """Write both history files."""
        write_atomically(self.path / "history_steps.csv", _csv_bytes(STEP_FIELDS, self.steps))
        write_atomically(self.path / "history_epochs.csv", _csv_bytes(EPOCH_FIELDS, self.epochs))

    def checkpoint_path(self, epoch: int, suffix: str = ".npz") -> Path:
        """Where the weights after ``epoch`` (0-based; -1: before training) are kept."""
        return self.path / "checkpoints" / f"epoch-{epoch + 1:04d}{suffix}"

    def save_kernels(self, epoch: int, kernels: dict[str, np.ndarray]) -> Path:
        """Write every convolution kernel after ``epoch`` (-1: before training), for replaying how they
        changed."""
        path = self.path / "kernels" / f"epoch-{epoch + 1:04d}.npz"
        buffer = io.BytesIO()
        np.savez(buffer, **kernels)
        write_atomically(path, buffer.getvalue())
        return path


def read_history(path: str | Path) -> list[dict]:
    """Rows of a history CSV with numbers parsed (empty cells become None)."""
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows.append({key: (None if value in ("", "None") else float(value)) for key, value in row.items()})
    return rows


class RunInfo:
    """What a run folder holds, read without loading any weights."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.info = json.loads((self.path / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.info = {}
        # epoch-0000 holds the weights before training; epoch-0001 those after the first epoch ...
        snapshots = sorted((self.path / "checkpoints").glob("epoch-*.*"))
        self.has_initial = any(path.stem == "epoch-0000" for path in snapshots)
        self.checkpoints = [path for path in snapshots if path.stem != "epoch-0000"]
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
        path = self.path / "kernels" / f"epoch-{epoch + 1:04d}.npz"
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}


def list_runs(root: str | Path | None = None) -> list[RunInfo]:
    """Every run folder under ``root`` (default: the user data folder's ``runs/``), newest first."""
    root = Path(root) if root is not None else user_data_dir() / "runs"
    if not root.is_dir():
        return []
    runs = [RunInfo(path) for path in root.iterdir() if path.is_dir() and (path / "config.json").is_file()]
    return sorted(runs, key=lambda run: run.name, reverse=True)
