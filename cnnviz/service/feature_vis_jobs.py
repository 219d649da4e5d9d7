"""The worker's feature-visualization and top-image jobs: each runs on its own, reports progress
(at most every :data:`PROGRESS_INTERVAL` seconds), stops between two steps when cancelled, and keeps
its answer in a cache per model: asking again for the same layer and settings of the same model
version answers at once.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import numpy as np

from cnnviz.core.results import frozen
from cnnviz.service import payloads as p
from cnnviz.service.feature_vis_payloads import (
    FeatureVisAnswer,
    FeatureVisProgress,
    FeatureVisRequest,
    TopImagesAnswer,
    TopImagesProgress,
    TopImagesRequest,
)

if TYPE_CHECKING:
    from cnnviz.service.worker import Worker

PROGRESS_INTERVAL = 1 / 30
"""Seconds between two progress signals (about the screen's pace)."""


class FeatureVisSlots:
    """The jobs cancelled and the answers kept for the current model version. Thread-safe: the interface
    cancels, the worker checks; only the worker reads and writes the cache."""

    def __init__(self) -> None:
        self._cancelled: set[int] = set()
        self._lock = threading.Lock()
        self.cache: dict[tuple, object] = {}
        self.cache_version = -1

    def cancel(self, job_id: int) -> None:
        with self._lock:
            self._cancelled.add(job_id)

    def is_cancelled(self, job_id: int) -> bool:
        with self._lock:
            return job_id in self._cancelled

    def cached(self, version: int, key: tuple) -> object | None:
        if version != self.cache_version:
            self.cache, self.cache_version = {}, version
        return self.cache.get(key)


def spectra_of(images: np.ndarray) -> np.ndarray:
    """Each image's centred ``log(1 + |DFT|)``, averaged over its channels, shape (n, h, w), float32."""
    from cnnviz.core.spectra import magnitude_spectrum

    return frozen(np.stack([magnitude_spectrum(image, log=True).mean(axis=-1) for image in images]))


def visualize(worker: Worker, request: FeatureVisRequest) -> None:
    """Run a visualization, reporting the images as they evolve."""
    from cnnviz.science.feature_vis import FeatureVisResult, visualize_steps

    engine = worker.require_engine()
    signals = worker.signals.feature_vis
    slots = worker.feature_vis
    key = ("visualize", request.layer, request.units, request.settings)
    kept = slots.cached(worker.version, key)
    if isinstance(kept, FeatureVisAnswer):
        signals.sig_visualization_finished.emit(FeatureVisAnswer(request.job_id, worker.version, kept.result,
                                                                 kept.spectra, cached=True))
        return
    worker.publish(p.BUSY)
    last = 0.0
    try:
        for event in visualize_steps(engine, request.layer, request.units, request.settings):
            if slots.is_cancelled(request.job_id) or worker.shutdown_requested.is_set():
                signals.sig_visualization_finished.emit(FeatureVisAnswer(
                    request.job_id, worker.version, None, None, cancelled=True, message="Cancelled."))
                return
            if isinstance(event, FeatureVisResult):
                answer = FeatureVisAnswer(request.job_id, worker.version, event, spectra_of(event.images))
                slots.cache[key] = answer
                signals.sig_visualization_finished.emit(answer)
            elif time.perf_counter() - last >= PROGRESS_INTERVAL or event.step == event.num_steps:
                last = time.perf_counter()
                signals.sig_visualization_progress.emit(FeatureVisProgress(
                    request.job_id, event.step, event.num_steps, event.images, event.values,
                    spectra_of(event.images)))
    except ValueError as error:
        signals.sig_visualization_finished.emit(FeatureVisAnswer(request.job_id, worker.version, None, None,
                                                                 message=str(error)))


def top(worker: Worker, request: TopImagesRequest) -> None:
    """Search the model's training images for each unit's top images, reporting progress."""
    from cnnviz.science.feature_vis.top_images import TopImages, load_images, top_images_steps

    engine = worker.require_engine()
    signals = worker.signals.feature_vis
    slots = worker.feature_vis
    key = ("top", request.layer, request.count)
    kept = slots.cached(worker.version, key)
    if isinstance(kept, TopImagesAnswer):
        signals.sig_top_images_finished.emit(TopImagesAnswer(request.job_id, worker.version, kept.result,
                                                             cached=True))
        return
    worker.publish(p.BUSY)
    last = 0.0
    try:
        images = load_images(engine, "train")
        for event in top_images_steps(engine, images, request.layer, request.count):
            if slots.is_cancelled(request.job_id) or worker.shutdown_requested.is_set():
                signals.sig_top_images_finished.emit(TopImagesAnswer(
                    request.job_id, worker.version, None, cancelled=True, message="Cancelled."))
                return
            if isinstance(event, TopImages):
                answer = TopImagesAnswer(request.job_id, worker.version, event)
                slots.cache[key] = answer
                signals.sig_top_images_finished.emit(answer)
            elif time.perf_counter() - last >= PROGRESS_INTERVAL or event[0] == event[1]:
                last = time.perf_counter()
                signals.sig_top_images_progress.emit(TopImagesProgress(request.job_id, *event))
    except ValueError as error:
        signals.sig_top_images_finished.emit(TopImagesAnswer(request.job_id, worker.version, None,
                                                             message=str(error)))
