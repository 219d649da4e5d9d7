"""Feature visualization and top images through the model service: computed on the worker with
progress, equal to the science functions, cached per model version, cancellable, errors as messages."""

import threading

import numpy as np
import pytest

from cnnviz.core.config import Conv2D, Dense, Flatten, MaxPooling2D, ModelConfig
from cnnviz.science.feature_vis import Settings, visualize
from cnnviz.science.feature_vis.top_images import load_images, top_images
from cnnviz.service.model_service import ModelService

TIMEOUT = 60_000


def tiny_config():
    return ModelConfig(input_shape=(10, 9, 1), layers=(
        Conv2D(filters=3, kernel_size=(3, 3), activation="relu"),
        MaxPooling2D(pool_size=(2, 2)),
        Flatten(),
        Dense(units=10, activation="softmax"),
    ))


@pytest.fixture
def service(qtbot):
    service = ModelService(run_root=False)
    with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT):
        service.build(tiny_config(), "numpy")
    yield service
    service.shutdown(timeout=10)


def test_a_visualization_reports_progress_on_the_worker_and_is_then_cached(qtbot, service):
    progress, threads = [], []
    service.feature_vis.sig_visualization_progress.connect(progress.append)
    settings = Settings(steps=12)
    with qtbot.waitSignal(service.feature_vis.sig_visualization_finished, timeout=TIMEOUT) as blocker:
        job = service.feature_vis.visualize("conv2d", [0, 2], settings)
    answer = blocker.args[0]
    assert answer.job_id == job and answer.message == "" and not answer.cached
    expected = visualize(service._worker.engine, "conv2d", [0, 2], settings)
    np.testing.assert_allclose(answer.result.images, expected.images, rtol=1e-5, atol=1e-6)
    assert answer.spectra.shape == (2, 10, 9)
    qtbot.waitUntil(lambda: bool(progress))
    assert progress[-1].step == 12 and progress[-1].images.shape == (2, 10, 9, 1)
    service.feature_vis.sig_visualization_finished.connect(lambda _: threads.append(threading.current_thread()))
    with qtbot.waitSignal(service.feature_vis.sig_visualization_finished, timeout=TIMEOUT) as blocker:
        service.feature_vis.visualize("conv2d", [0, 2], settings)
    assert blocker.args[0].cached and blocker.args[0].result is answer.result
    assert threads == [threading.main_thread()]


def test_a_new_model_version_is_not_served_from_the_cache(qtbot, service):
    settings = Settings(steps=4)
    with qtbot.waitSignal(service.feature_vis.sig_visualization_finished, timeout=TIMEOUT):
        service.feature_vis.visualize("dense", [1], settings)
    with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT):
        service.build(tiny_config(), "numpy")
    with qtbot.waitSignal(service.feature_vis.sig_visualization_finished, timeout=TIMEOUT) as blocker:
        service.feature_vis.visualize("dense", [1], settings)
    assert not blocker.args[0].cached and blocker.args[0].result is not None


def test_a_bad_unit_comes_back_as_a_message(qtbot, service):
    with qtbot.waitSignal(service.feature_vis.sig_visualization_finished, timeout=TIMEOUT) as blocker:
        service.feature_vis.visualize("conv2d", [7])
    assert blocker.args[0].result is None and "numbered 0 to 2" in blocker.args[0].message


def test_cancelling_stops_a_visualization(qtbot, service):
    def cancel_at_first_step(progress):
        service.feature_vis.cancel(progress.job_id)

    service.feature_vis.sig_visualization_progress.connect(cancel_at_first_step)
    with qtbot.waitSignal(service.feature_vis.sig_visualization_finished, timeout=TIMEOUT) as blocker:
        service.feature_vis.visualize("conv2d", [0], Settings(steps=100_000))
    assert blocker.args[0].cancelled and blocker.args[0].result is None


def test_top_images_come_back_with_progress_and_equal_the_search(qtbot, service):
    progress = []
    service.feature_vis.sig_top_images_progress.connect(progress.append)
    with qtbot.waitSignal(service.feature_vis.sig_top_images_finished, timeout=TIMEOUT) as blocker:
        service.feature_vis.find_top_images("conv2d", 4)
    answer = blocker.args[0]
    engine = service._worker.engine
    expected = top_images(engine, load_images(engine, "train"), "conv2d", 4)
    np.testing.assert_allclose(answer.result.activations, expected.activations, rtol=1e-5)
    qtbot.waitUntil(lambda: bool(progress))
    assert progress[-1].done == progress[-1].total == 8000
    with qtbot.waitSignal(service.feature_vis.sig_top_images_finished, timeout=TIMEOUT) as blocker:
        service.feature_vis.find_top_images("conv2d", 4)
    assert blocker.args[0].cached


def test_the_keras_engine_serves_both_jobs(qtbot):
    pytest.importorskip("tensorflow")
    service = ModelService(run_root=False)
    try:
        with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT):
            service.build(tiny_config(), "keras")
        settings = Settings(steps=6)
        with qtbot.waitSignal(service.feature_vis.sig_visualization_finished, timeout=TIMEOUT) as blocker:
            service.feature_vis.visualize("conv2d", [0, 1], settings)
        expected = visualize(service._worker.engine, "conv2d", [0, 1], settings)
        np.testing.assert_allclose(blocker.args[0].result.images, expected.images, rtol=1e-4, atol=1e-5)
        with qtbot.waitSignal(service.feature_vis.sig_top_images_finished, timeout=TIMEOUT) as blocker:
            service.feature_vis.find_top_images("dense", 2)
        assert blocker.args[0].result.indices.shape == (10, 2)
    finally:
        service.shutdown(timeout=10)
