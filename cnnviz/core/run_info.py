"""What a run folder holds, read without loading weights and without writing anything: the run's
status (corrected by its lock, :mod:`cnnviz.core.run_status`), its complete epochs, histories,
checkpoints and kernel snapshots. The folder's layout is described in :mod:`cnnviz.core.runs`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from cnnviz.core.config import ModelConfig
from cnnviz.core.history import read_history
from cnnviz.core.run_status import DIVERGED, RUNNING, effective_status
from cnnviz.core.safe_json import read_json_file
from cnnviz.core.safe_npz import read_npz
from cnnviz.core.validation import MAX_PARAMETERS


def snapshot_name(epoch: int, suffix: str = "") -> str:
    """The file name of what a run keeps after ``epoch`` (0-based; -1: before training).

    ``snapshot_name(-1, ".npz")`` is ``"epoch-0000.npz"``, the weights before training;
    ``snapshot_name(0, ".keras")`` is ``"epoch-0001.keras"``, those after the first epoch. Weight
    checkpoints (``checkpoints/``), kernel snapshots (``kernels/``) and training states
    (``state/``) share the names.
    """
    return f"epoch-{epoch + 1:04d}{suffix}"


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
        completed = self.info.get("epochs_completed")
        if isinstance(completed, int):
            # Only epochs whose every file was written count; a checkpoint beyond them belongs to an
            # epoch whose writer was killed before it finished saving.
            snapshots = [path for path in snapshots if int(path.stem[len("epoch-"):]) <= completed]
        self.has_initial = any(path.stem == snapshot_name(-1) for path in snapshots)
        self.checkpoints = [path for path in snapshots if path.stem != snapshot_name(-1)]
        self._snapshots = snapshots
        self.kernel_snapshots = sorted(path for path in (self.path / "kernels").glob("epoch-*.npz")
                                       if not isinstance(completed, int)
                                       or int(path.stem[len("epoch-"):]) <= completed)

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
    def recorded_status(self) -> str | None:
        """What ``run.json`` says, without looking at the lock."""
        status = self.info.get("status")
        return str(status) if status else None

    @property
    def status(self) -> str:
        """The true status: ``running`` only while a writer holds the folder, ``interrupted`` for a run
        whose writer died, else what ``run.json`` says (``unfinished`` without one)."""
        return effective_status(self.path, self.recorded_status)

    @property
    def resumable(self) -> bool:
        """Whether the run can be continued (:attr:`resume_problem` is None)."""
        return self.resume_problem is None

    @property
    def resume_problem(self) -> str | None:
        """Why the run cannot be continued, in words (``"it diverged ..."``), or None when it can: it
        holds the training state of its last complete epoch, nobody writes it now, and it did not
        diverge (continuing with its own settings would diverge again)."""
        status = self.status
        if status == RUNNING:
            return "it is being written now"
        if status == DIVERGED:
            return ("it diverged (its loss became NaN or infinite), and continuing with the same settings would "
                    "diverge again: train anew with a smaller learning rate")
        completed = self.info.get("epochs_completed")
        if not (isinstance(completed, int) and completed >= 0
                and (self.path / "state" / snapshot_name(self.num_epochs - 1, ".npz")).is_file()):
            return ("it holds no training state to continue from (written by an older cnnviz, or stopped before "
                    "its first save)")
        return None

    @property
    def best_accuracy(self) -> float | None:
        """The best validation accuracy of an epoch (the training accuracy without validation)."""
        try:
            rows = self.epoch_history()
        except (OSError, ValueError):
            return None  # an unreadable history has no best epoch to report
        values = [float(value) for row in rows
                  if (value := row["val_accuracy"] if row.get("val_accuracy") is not None else row.get("accuracy"))
                  is not None]
        return max(values) if values else None

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
        return next((path for path in self._snapshots if path.stem == snapshot_name(epoch)), None)

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
