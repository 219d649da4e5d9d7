"""A part of the model service that sends its own kind of request to the worker (``service.attribution``,
``service.feature_vis``): what every such part holds."""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from cnnviz.service.worker import Worker


class CommandGroup(QObject):
    """Requests of one kind to the model service's worker; answers come back as the subclass's signals.

    Parameters
    ----------
    parent : ModelService
    commands : queue
        The service's command queue (read only by the worker).
    next_id : callable
        Gives the service's next job id.
    worker : Worker
    """

    def __init__(self, parent: QObject, commands: queue.Queue, next_id: Callable[[], int], worker: Worker):
        super().__init__(parent)
        self._commands = commands
        self._next_id = next_id
        self._worker = worker
