"""The worker's attribution jobs: one map for the current input (served like an inspection, newest
request wins, also between two training batches) and the sanity checks (a job of its own, with
progress, cancelled between two steps).

Both run on the model service's worker thread and turn the failures a person can act on into
answers with a message (:mod:`cnnviz.service.attribution_payloads`); anything else is raised, and
the worker reports it as usual.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from cnnviz.core.results import frozen
from cnnviz.service import payloads as p
from cnnviz.service.attribution_payloads import (
    AttributionRequest,
    AttributionResult,
    SanityProgress,
    SanityRequest,
    SanityResult,
)
from cnnviz.service.latest_request import LatestRequest

if TYPE_CHECKING:
    from cnnviz.service.commands import Job
    from cnnviz.service.worker import Worker


class SanityCancelled(Exception):
    """Raised inside a sanity check's progress report to stop it between two steps."""


class AttributionSlots:
    """The worker's attribution state: the newest map request and the sanity checks cancelled.
    Thread-safe; the interface offers and cancels, the worker takes and checks."""

    def __init__(self) -> None:
        self.latest: LatestRequest[AttributionRequest] = LatestRequest()
        self._cancelled: set[int] = set()
        self._lock = threading.Lock()

    def cancel(self, job_id: int) -> None:
        """Stop sanity check ``job_id`` at its next step (or before it starts)."""
        with self._lock:
            self._cancelled.add(job_id)

    def is_cancelled(self, job_id: int) -> bool:
        with self._lock:
            return job_id in self._cancelled


def serve_latest(worker: Worker) -> None:
    """Answer the newest attribution request, if one waits (the worker calls this wherever it serves
    inspections)."""
    request = worker.attributions.latest.take()
    if request is None:
        return
    try:
        explain(worker, request)
    except Exception as error:  # noqa: BLE001 - reported; a training job around it continues
        worker.report(cast("Job", request), error)  # reported as the inspection it stands beside


def explain(worker: Worker, request: AttributionRequest) -> None:
    """Compute the request's map; the answer is dropped if a newer request waits by then."""
    from cnnviz.science.attribution import AttributionUnavailable
    from cnnviz.science.attribution import explain as explain_map

    engine = worker.engine
    if engine is None:
        return
    start = time.perf_counter()
    attribution, message, unavailable, predicted = None, "", False, None
    try:
        predicted = int(np.argmax(engine.predict(request.image)[0]))
        attribution = explain_map(engine, request.image, request.method, request.class_index,
                                  **dict(request.settings))
    except AttributionUnavailable as error:
        message, unavailable = str(error), True
    except ValueError as error:
        message = str(error)
    if worker.attributions.latest.has_waiting():
        return
    result = AttributionResult(request.job_id, worker.version, request.image, request.method, attribution,
                               predicted, (time.perf_counter() - start) * 1000, message, unavailable)
    worker.signals.attribution.sig_attribution_finished.emit(result)


def sanity(worker: Worker, request: SanityRequest) -> None:
    """Run the request's sanity checks, reporting progress; the weights are restored afterwards
    (also when cancelled), and the answer says what was done."""
    from cnnviz.science.attribution import cascading_randomization, label_randomization

    engine = worker.require_engine()
    signals = worker.signals.attribution
    worker.publish(p.BUSY)
    settings: dict[str, Any] = dict(request.settings)
    tables = []

    def reporter(check: str):
        def report(done: int, total: int, text: str) -> None:
            if worker.attributions.is_cancelled(request.job_id) or worker.shutdown_requested.is_set():
                raise SanityCancelled
            signals.sig_sanity_progress.emit(SanityProgress(request.job_id, check, done, total, text))
        return report

    try:
        reporter("cascading")(0, 1, "starting")
        tables.append(cascading_randomization(engine, request.image, request.methods,
                                              progress=reporter("cascading"), **settings))
        if request.labels:
            images, labels = _training_sample(worker, request.num_train)
            tables.append(label_randomization(engine, request.image, images, labels, request.methods,
                                              epochs=request.epochs, progress=reporter("labels"), **settings))
    except SanityCancelled:
        signals.sig_sanity_finished.emit(SanityResult(request.job_id, tuple(tables), True,
                                                      "The sanity check was cancelled; the model is as it was."))
        return
    except ValueError as error:
        signals.sig_sanity_finished.emit(SanityResult(request.job_id, tuple(tables), False, str(error)))
        return
    signals.sig_sanity_finished.emit(SanityResult(request.job_id, tuple(tables)))


def _training_sample(worker: Worker, num_train: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``num_train`` training images and labels of the model's dataset, at its input shape."""
    from cnnviz.core.training_data import output_units

    engine = worker.require_engine()
    config = engine.config
    if config is None:
        raise ValueError("The label randomization trains a copy of the model, which needs the model's cnnviz "
                         "configuration; this model was opened without one. Untick it to run the cascading "
                         "check alone.")
    data = worker.options.data_provider(config.training, None, input_shape=engine.input_shape,
                                        num_outputs=output_units(config))
    count = min(int(num_train), len(data.train_images))
    return frozen(np.array(data.train_images[:count])), frozen(np.array(data.train_labels[:count]))
