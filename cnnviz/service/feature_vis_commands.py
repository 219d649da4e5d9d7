"""The model service's feature-visualization commands and signals, as one part of the service
(``service.feature_vis``): visualize units of a layer, find each unit's top images, cancel either.

Requests go to the worker's queue and run as jobs of their own (:mod:`cnnviz.service.feature_vis_jobs`);
answers come back as the signals below, carrying :mod:`cnnviz.service.feature_vis_payloads`.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Signal

from cnnviz.science.feature_vis import Settings
from cnnviz.service.command_group import CommandGroup
from cnnviz.service.feature_vis_payloads import FeatureVisRequest, TopImagesRequest


class FeatureVisCommands(CommandGroup):
    """Feature-visualization requests to the model service's worker; see the module docstring
    and :class:`~cnnviz.service.command_group.CommandGroup` for the parameters."""

    sig_visualization_progress = Signal(object)
    """A visualization made steps (:class:`FeatureVisProgress`)."""
    sig_visualization_finished = Signal(object)
    """A visualization ended, done, cached, cancelled or refused (:class:`FeatureVisAnswer`)."""
    sig_top_images_progress = Signal(object)
    """The top-image search read another batch (:class:`TopImagesProgress`)."""
    sig_top_images_finished = Signal(object)
    """The top-image search ended (:class:`TopImagesAnswer`)."""

    def visualize(self, layer: str, units: Iterable[int], settings: Settings | None = None) -> int:
        """Visualize ``units`` of ``layer`` (default settings when None); returns the job's id."""
        request = FeatureVisRequest(self._next_id(), str(layer), tuple(int(unit) for unit in units),
                                    Settings() if settings is None else settings)
        self._commands.put(request)
        return request.job_id

    def find_top_images(self, layer: str, count: int = 9) -> int:
        """Find each unit's ``count`` top training images; returns the job's id."""
        request = TopImagesRequest(self._next_id(), str(layer), int(count))
        self._commands.put(request)
        return request.job_id

    def cancel(self, job_id: int) -> None:
        """Stop job ``job_id`` at its next step (or before it starts)."""
        self._worker.feature_vis.cancel(job_id)
