"""Attribution maps and sanity checks through the model service: the worker computes them, the newest
request wins, unavailable methods come back as messages, sanity checks report progress and cancel."""

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cnnviz.core.config import Conv2D, Dense, Flatten, MaxPooling2D, ModelConfig
from cnnviz.engines.registry import create_engine
from cnnviz.science.attribution import explain
from cnnviz.service.model_service import ModelService

TIMEOUT = 60_000


def tiny_config():
    return ModelConfig(input_shape=(10, 9, 1), layers=(
        Conv2D(filters=3, kernel_size=(3, 3), activation="relu"),
        MaxPooling2D(pool_size=(2, 2)),
        Flatten(),
        Dense(units=10, activation="softmax"),
    ))


class WithoutGuided:
    """An engine that offers only the contract (no guided gradients)."""

    def __init__(self, engine):
        self._engine = engine

    def __getattr__(self, name):
        if name == "guided_gradients":
            raise AttributeError(name)
        return getattr(self._engine, name)


def image():
    return np.random.default_rng(3).random((1, 10, 9, 1)).astype(np.float32)


@pytest.fixture
def service(qtbot):
    service = ModelService(run_root=False)
    with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT):
        service.build(tiny_config(), "numpy")
    yield service
    service.shutdown(timeout=10)


def engine_of(service):
    return service._worker.engine


@pytest.mark.parametrize("method, settings", [("gradient", {}), ("grad-cam++", {"layer": "conv2d"}),
                                              ("integrated-gradients", {"steps": 8, "baseline": "blurred"})])
def test_the_map_comes_back_as_explain_computes_it(qtbot, service, method, settings):
    with qtbot.waitSignal(service.attribution.sig_attribution_finished, timeout=TIMEOUT) as blocker:
        request = service.attribution.explain(image(), method, 2, **settings)
    result = blocker.args[0]
    assert result.request_id == request and result.message == ""
    expected = explain(engine_of(service), image(), method, 2, **settings)
    np.testing.assert_allclose(result.attribution.map, expected.map, rtol=1e-5, atol=1e-7)
    assert result.attribution.class_index == 2 and result.predicted == int(np.argmax(
        engine_of(service).predict(image())[0]))


def test_a_method_the_engine_lacks_comes_back_as_a_message(qtbot):
    service = ModelService(run_root=False, engine_factory=lambda name, config: WithoutGuided(
        create_engine("numpy", config)))
    try:
        with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT):
            service.build(tiny_config(), "numpy")
        errors = []
        service.sig_error_raised.connect(errors.append)
        with qtbot.waitSignal(service.attribution.sig_attribution_finished, timeout=TIMEOUT) as blocker:
            service.attribution.explain(image(), "guided-backprop")
        result = blocker.args[0]
        assert result.attribution is None and result.unavailable
        assert "guided" in result.message.lower() and not errors
    finally:
        service.shutdown(timeout=10)


def test_only_the_newest_of_two_quick_requests_is_answered(qtbot):
    release = threading.Event()

    def held_factory(name, config):
        release.wait(30)  # the worker is busy building while both requests arrive
        return create_engine("numpy", config)

    service = ModelService(run_root=False, engine_factory=held_factory)
    try:
        answers = []
        service.attribution.sig_attribution_finished.connect(answers.append)
        service.build(tiny_config(), "numpy")
        first = service.attribution.explain(image(), "gradient")
        second = service.attribution.explain(image() * 0.5, "gradient-x-input", 1)
        release.set()
        qtbot.waitUntil(lambda: len(answers) >= 1, timeout=TIMEOUT)
        with qtbot.assertNotEmitted(service.attribution.sig_attribution_finished, wait=200):
            pass
        assert [answer.request_id for answer in answers] == [second] and first != second
        assert answers[0].method == "gradient-x-input"
    finally:
        release.set()
        service.shutdown(timeout=10)


def test_a_sanity_check_reports_progress_and_fills_its_table(qtbot, service):
    before = engine_of(service).get_weights()
    progress = []
    service.attribution.sig_sanity_progress.connect(progress.append)
    with qtbot.waitSignal(service.attribution.sig_sanity_finished, timeout=TIMEOUT) as blocker:
        job = service.attribution.check_sanity(image(), ("gradient", "grad-cam"), labels=False)
    result = blocker.args[0]
    assert result.job_id == job and not result.cancelled and result.message == ""
    (table,) = result.tables
    assert table.methods == ("gradient", "grad-cam") and table.steps == ("dense", "dense…conv2d")
    assert np.isfinite(table.spearman).all() and [step.done for step in progress][-1] == 2
    after = engine_of(service).get_weights()
    np.testing.assert_array_equal(after["conv2d"]["kernel"], before["conv2d"]["kernel"])


def test_a_cancelled_sanity_check_stops_and_restores_the_weights(qtbot, service):
    before = engine_of(service).get_weights()

    def cancel(step):
        service.attribution.cancel_sanity(step.job_id)

    # Cancelled on the worker's own thread as its first step is reported, so the check cannot run to
    # its end before the cancellation arrives (a queued slot could, on a loaded machine).
    service.attribution.sig_sanity_progress.connect(cancel, Qt.ConnectionType.DirectConnection)
    with qtbot.waitSignal(service.attribution.sig_sanity_finished, timeout=TIMEOUT) as blocker:
        service.attribution.check_sanity(image(), ("gradient",), labels=True)
    result = blocker.args[0]
    assert result.cancelled and result.tables == () and "cancelled" in result.message
    after = engine_of(service).get_weights()
    np.testing.assert_array_equal(after["dense"]["kernel"], before["dense"]["kernel"])


def test_a_map_is_served_while_a_training_run_is_paused_between_batches(qtbot):
    from cnnviz.core.training_data import prepare_training_data
    from cnnviz.service import payloads as p

    def tiny_data(training, data_dir=None, **model):
        return prepare_training_data(training.__class__(**{**training.__dict__, "train_subset": 64}), **model)

    service = ModelService(run_root=False, data_provider=tiny_data)
    try:
        with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT):
            service.build(tiny_config(), "numpy")
        with qtbot.waitSignal(service.sig_state_changed, timeout=TIMEOUT,
                              check_params_cb=lambda state: state == p.PAUSED):
            service.step("batch")
        with qtbot.waitSignal(service.attribution.sig_attribution_finished, timeout=TIMEOUT) as blocker:
            service.attribution.explain(image(), "grad-cam", 1)
        assert blocker.args[0].attribution.class_index == 1 and service.state == p.PAUSED
        with qtbot.waitSignal(service.sig_training_finished, timeout=TIMEOUT):
            service.stop()
    finally:
        service.shutdown(timeout=10)
