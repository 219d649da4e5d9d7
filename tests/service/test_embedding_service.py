"""The embedding projector runs on the model service's worker, never on the interface thread, and its
failures come back as readable error signals."""

import threading

import numpy as np

from cnnviz import science
from cnnviz.science.embedding import Embedding
from cnnviz.service.model_service import ModelService
from tests.science.helpers import REFERENCE, reference_engine

TIMEOUT = 30_000


class ThreadRecording:
    """The reference engine, noting which threads computed activations."""

    def __init__(self, engine):
        self._engine = engine
        self.threads = set()

    def __getattr__(self, name):
        return getattr(self._engine, name)

    def feature_maps(self, images):
        self.threads.add(threading.current_thread().name)
        return self._engine.feature_maps(images)


def test_the_embedding_is_computed_on_the_worker_and_handed_back(qtbot):
    engine = ThreadRecording(reference_engine())
    service = ModelService(run_root=False, loader=lambda path: engine)
    try:
        with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT):
            service.load(REFERENCE)
        with qtbot.waitSignal(service.sig_science_finished, timeout=TIMEOUT) as finished:
            request_id = service.run_science("embedding", layer="dense", samples=64)
        answer = finished.args[0]
        assert answer.request_id == request_id and answer.kind == "embedding"
        assert isinstance(answer.value, Embedding) and answer.value.layer == "dense"
        assert answer.value.points.shape == (64, 2) and not answer.value.images.flags.writeable
        expected = science.run("embedding", reference_engine(), layer="dense", samples=64)
        np.testing.assert_allclose(answer.value.points, expected.points, atol=1e-6)
        assert engine.threads == {"cnnviz-model-service"}
        with qtbot.waitSignal(service.sig_error_raised, timeout=TIMEOUT) as failed:
            job = service.run_science("embedding", layer="dense_9")
        assert failed.args[0].job_id == job and "no layer 'dense_9'; choose one of" in failed.args[0].message
    finally:
        assert service.shutdown(timeout=10)
