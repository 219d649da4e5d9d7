"""The model service's attribution commands and signals, as one part of the service
(``service.attribution``): ask for a map of the current input, run or cancel a sanity check.

Requests go to the worker like the service's other commands (:mod:`cnnviz.service.attribution_jobs`
serves them); answers come back as the signals below, carrying
:mod:`cnnviz.service.attribution_payloads`.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

import numpy as np
from PySide6.QtCore import Signal

from cnnviz.core.results import frozen
from cnnviz.service import payloads as p
from cnnviz.service.attribution_payloads import AttributionRequest, SanityRequest, SanityResult
from cnnviz.service.command_group import CommandGroup

TRAINING_STATES = (p.TRAINING, p.PAUSED, p.STOPPING)


class AttributionCommands(CommandGroup):
    """Attribution requests to the model service's worker; see the module docstring
    and :class:`~cnnviz.service.command_group.CommandGroup` for the parameters."""

    sig_attribution_finished = Signal(object)
    """The newest attribution request was answered (:class:`AttributionResult`)."""
    sig_sanity_progress = Signal(object)
    """A sanity check made a step (:class:`SanityProgress`)."""
    sig_sanity_finished = Signal(object)
    """A sanity check ended, done, cancelled or refused (:class:`SanityResult`)."""

    def explain(self, image: np.ndarray, method: str, class_index: int | None = None, **settings) -> int:
        """Ask for ``method``'s map of ``image`` ``(1, h, w, c)``; returns the request's id. Only the
        newest request is answered; older pending ones are dropped."""
        request = AttributionRequest(self._next_id(), frozen(np.array(image, dtype=np.float32)), str(method),
                                     None if class_index is None else int(class_index),
                                     MappingProxyType(dict(settings)))
        self._worker.attributions.latest.offer(request)
        self._commands.put(request)
        return request.job_id

    def check_sanity(self, image: np.ndarray, methods: Sequence[str], labels: bool = False, epochs: int = 1,
                     num_train: int = 256, **settings) -> int:
        """Run the cascading randomization (and with ``labels`` the label randomization) of ``methods``
        on ``image``; returns the job's id. Refused (a :class:`SanityResult` with a message) while
        training runs, since the check changes the weights for a while."""
        request = SanityRequest(self._next_id(), frozen(np.array(image, dtype=np.float32)), tuple(methods),
                                bool(labels), MappingProxyType(dict(settings)), int(epochs), int(num_train))
        if self._worker.state in TRAINING_STATES:
            self.sig_sanity_finished.emit(SanityResult(
                request.job_id, (), False, "A sanity check changes the model's weights for a while, so it cannot "
                "run beside training. Stop training first, then run it again."))
        else:
            self._commands.put(request)
        return request.job_id

    def cancel_sanity(self, job_id: int) -> None:
        """Stop sanity check ``job_id`` at its next step; the model's weights are restored."""
        self._worker.attributions.cancel(job_id)
