"""The model service's History commands and signals, as one part of the service (``service.history``):
the embedding projector at two epochs of a saved run, computed on the worker
(:mod:`cnnviz.service.history_jobs`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal

from cnnviz.science.embedding import DEFAULT_SAMPLES
from cnnviz.service.command_group import CommandGroup
from cnnviz.service.history_jobs import CompareEpochsRequest


class HistoryCommands(CommandGroup):
    """History requests to the model service's worker; see the module docstring and
    :class:`~cnnviz.service.command_group.CommandGroup` for the parameters."""

    sig_epochs_compared = Signal(object)
    """Two epochs of a run were projected, or could not be (:class:`EpochComparisonAnswer`)."""

    def compare_epochs(self, run_path: str | Path, first: int, second: int, samples: int = DEFAULT_SAMPLES,
                       layer: str | None = None) -> int:
        """Project ``samples`` test images with the run's checkpoints after epochs ``first`` and
        ``second`` (0-based; -1: before training), the second aligned to the first; returns the job's id."""
        request = CompareEpochsRequest(self._next_id(), str(run_path), (int(first), int(second)), int(samples), layer)
        self._commands.put(request)
        return request.job_id
