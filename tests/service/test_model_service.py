"""The model service, driven through its commands and observed through its signals."""

import threading
import time

import numpy as np
import pytest

from cnnviz.core.config import reference_config
from cnnviz.service import payloads as p
from cnnviz.service.model_service import ModelService
from tests.service.fakes import FakeEngine, fake_data, wait_until_idle

TIMEOUT = 10_000


@pytest.fixture
def make_service(qtbot):
    services = []

    def make(**options):
        engines = []

        def factory(name, config):
            engine = FakeEngine(config, **options)
            engines.append(engine)
            return engine

        service = ModelService(engine_factory=factory, data_provider=fake_data, run_root=False)
        service.engines = engines
        services.append(service)
        return service

    yield make
    for service in services:
        assert service.shutdown(timeout=5)


def build(qtbot, service, batch_size=8, epochs=2):
    config = reference_config().with_training(batch_size=batch_size, epochs=epochs)
    with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT) as blocker:
        service.build(config, "numpy")
    return blocker.args[0]


def collect(signal):
    received = []
    signal.connect(received.append)
    return received


def test_train_to_completion_reports_every_step(qtbot, make_service):
    service = make_service()
    info = build(qtbot, service)
    assert info.layer_names == ("dense",) and info.summary.total_parameters == 607_394
    progress, epochs, states = collect(service.sig_training_progress), collect(service.sig_epoch_finished), \
        collect(service.sig_state_changed)
    with qtbot.waitSignal(service.sig_training_finished, timeout=TIMEOUT) as blocker:
        service.train()
    finished = blocker.args[0]
    assert finished.reason == "completed" and finished.test_accuracy == 0.75
    # The worker sets its state before the queued signal that announces it arrives here: wait for the
    # announcement, which is what the window acts on.
    qtbot.waitUntil(lambda: states and states[-1] == p.IDLE, timeout=TIMEOUT)
    assert service.state == p.IDLE
    steps = [step for payload in progress for step in payload.steps]
    assert [(step.epoch, step.batch) for step in steps] == [(e, b) for e in range(2) for b in range(8)]
    assert [epoch.epoch for epoch in epochs] == [0, 1]
    assert p.TRAINING in states


def test_progress_is_throttled_but_loses_no_step(qtbot, make_service):
    service = make_service(step_seconds=0.002)
    build(qtbot, service, batch_size=1, epochs=1)  # 64 steps in about 0.15 s
    progress = collect(service.sig_training_progress)
    with qtbot.waitSignal(service.sig_training_finished, timeout=TIMEOUT):
        service.train()
    qtbot.wait(50)
    assert sum(len(payload.steps) for payload in progress) == 64
    assert len(progress) < 64 / 2, "progress should be batched, not one signal per step"


def test_stop_in_mid_epoch_takes_effect_within_one_batch(qtbot, make_service):
    service = make_service(step_seconds=0.02)
    build(qtbot, service, batch_size=1, epochs=5)
    with qtbot.waitSignal(service.sig_training_progress, timeout=TIMEOUT):
        service.train()
    with qtbot.waitSignal(service.sig_training_finished, timeout=TIMEOUT) as blocker:
        steps_at_stop = service.engines[-1].steps
        service.stop()
    assert blocker.args[0].reason == "stopped"
    assert service.engines[-1].steps <= steps_at_stop + 1
    wait_until_idle(qtbot, service)


def test_pause_and_resume(qtbot, make_service):
    service = make_service(step_seconds=0.01)
    build(qtbot, service, batch_size=4, epochs=1)
    with qtbot.waitSignal(service.sig_training_progress, timeout=TIMEOUT):
        service.train()
    with qtbot.waitSignal(service.sig_state_changed, timeout=TIMEOUT,
                          check_params_cb=lambda state: state == p.PAUSED):
        service.pause()
    steps = service.engines[-1].steps
    qtbot.wait(200)
    assert service.engines[-1].steps == steps, "no batch may run while paused"
    with qtbot.waitSignal(service.sig_training_finished, timeout=TIMEOUT) as blocker:
        service.resume()
    assert blocker.args[0].reason == "completed"
    assert service.engines[-1].steps == 16


def test_inspection_while_paused_and_learning_rate_change(qtbot, make_service):
    service = make_service(step_seconds=0.01)
    build(qtbot, service, batch_size=4, epochs=1)
    with qtbot.waitSignal(service.sig_training_progress, timeout=TIMEOUT):
        service.train()
    service.pause()
    qtbot.waitUntil(lambda: service.state == p.PAUSED, timeout=TIMEOUT)
    with qtbot.waitSignal(service.sig_inspection_finished, timeout=TIMEOUT) as blocker:
        request_id = service.inspect(np.ones((1, 28, 28, 1)))
    assert blocker.args[0].request_id == request_id
    service.set_learning_rate(0.5)
    with qtbot.waitSignal(service.sig_training_finished, timeout=TIMEOUT):
        service.resume()
    assert service.engines[-1].learning_rates[-1] == 0.5


def test_two_quick_inspections_deliver_only_the_latest(qtbot, make_service):
    service = make_service(inspect_seconds=0.1)
    build(qtbot, service)
    results = collect(service.sig_inspection_finished)
    service.inspect(np.zeros((1, 28, 28, 1)))
    time.sleep(0.02)  # the first is now being computed
    latest = service.inspect(np.ones((1, 28, 28, 1)))
    qtbot.waitUntil(lambda: len(results) >= 1, timeout=TIMEOUT)
    qtbot.wait(300)
    assert [result.request_id for result in results] == [latest]
    assert float(results[0].image.sum()) == 28 * 28
    assert not results[0].image.flags.writeable


def test_engine_exception_becomes_an_error_and_keeps_the_model(qtbot, make_service):
    service = make_service(fail_at_step=11)  # in the second epoch of 8 batches
    build(qtbot, service)
    finished = collect(service.sig_training_finished)
    with qtbot.waitSignal(service.sig_error_raised, timeout=TIMEOUT) as blocker:
        service.train()
    error = blocker.args[0]
    assert error.title == "Training failed"
    assert "the fake engine failed on purpose" in error.message
    assert "Traceback" in error.details
    wait_until_idle(qtbot, service)
    engine = service.engines[-1]
    # The weights of the last finished epoch (8 steps) were restored; the model still works.
    assert float(engine.weights["dense"]["kernel"][0, 0]) == 8.0
    assert finished and finished[-1].reason == "failed"
    with qtbot.waitSignal(service.sig_inspection_finished, timeout=TIMEOUT):
        service.inspect(np.zeros((1, 28, 28, 1)))


def test_commands_that_need_a_model_say_so(qtbot, make_service):
    service = make_service()
    with qtbot.waitSignal(service.sig_error_raised, timeout=TIMEOUT) as blocker:
        service.train()
    assert "Build a model or open a model file first" in blocker.args[0].message


def test_building_during_training_is_refused(qtbot, make_service):
    service = make_service(step_seconds=0.02)
    build(qtbot, service, batch_size=1)
    with qtbot.waitSignal(service.sig_training_progress, timeout=TIMEOUT):
        service.train()
    with qtbot.waitSignal(service.sig_error_raised, timeout=TIMEOUT) as blocker:
        service.build(reference_config())
    assert "Stop training first" in blocker.args[0].message
    with qtbot.waitSignal(service.sig_training_finished, timeout=TIMEOUT):
        service.stop()


def test_shutdown_during_training_leaves_no_thread(qtbot, make_service):
    service = make_service(step_seconds=0.02)
    build(qtbot, service, batch_size=1, epochs=50)
    with qtbot.waitSignal(service.sig_training_progress, timeout=TIMEOUT):
        service.train()
    start = time.perf_counter()
    assert service.shutdown(timeout=5)
    assert time.perf_counter() - start < 2
    assert not service.is_running
    assert "cnnviz-model-service" not in [thread.name for thread in threading.enumerate()]


def test_shutdown_drops_queued_jobs_instead_of_running_them(qtbot):
    """Closing the window with slow jobs queued must not wait for them all (a random-interaction run
    queued several jobs, and the window's close timed out with the worker still busy)."""
    built = []

    def slow_factory(name, config):
        time.sleep(0.4)
        built.append(name)
        return FakeEngine(config)

    service = ModelService(engine_factory=slow_factory, data_provider=fake_data, run_root=False)
    for _ in range(10):
        service.build(reference_config())
    time.sleep(0.1)  # the first build is under way
    start = time.perf_counter()
    assert service.shutdown(timeout=5)
    assert time.perf_counter() - start < 1.5
    assert len(built) <= 2


def test_real_numpy_engine_trains_inspects_and_stops(qtbot, tmp_path):
    service = ModelService(run_root=tmp_path / "runs")
    try:
        config = reference_config().with_training(train_subset=640, batch_size=32, epochs=1,
                                                  validation_split=0.1)
        with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT) as blocker:
            service.build(config, "numpy")
        assert blocker.args[0].engine == "numpy"
        image = np.zeros((1, 28, 28, 1), np.float32)
        image[0, 8:20, 12:16, 0] = 1.0
        with qtbot.waitSignal(service.sig_inspection_finished, timeout=TIMEOUT) as blocker:
            service.inspect(image)
        result = blocker.args[0]
        assert result.feature_maps["conv2d"].shape == (1, 26, 26, 28)
        assert result.kernels["conv2d"].shape == (3, 3, 1, 28)
        assert result.gradients.input.shape == (1, 28, 28, 1)
        assert result.probabilities.shape == (10,) and abs(float(result.probabilities.sum()) - 1) < 1e-5
        epochs = collect(service.sig_epoch_finished)
        with qtbot.waitSignal(service.sig_training_finished, timeout=60_000) as blocker:
            service.train()
        finished = blocker.args[0]
        assert finished.reason == "completed" and finished.test_accuracy > 0.5
        assert epochs[0].val_accuracy is not None
        run_dirs = list((tmp_path / "runs").iterdir())
        assert len(run_dirs) == 1 and (run_dirs[0] / "model.npz").is_file()
        assert (run_dirs[0] / "checkpoints" / "epoch-0001.npz").is_file()
    finally:
        assert service.shutdown(timeout=5)


def test_step_runs_one_batch_then_pauses(qtbot, make_service):
    service = make_service(step_seconds=0.005)
    build(qtbot, service, batch_size=4, epochs=1)
    with qtbot.waitSignal(service.sig_state_changed, timeout=TIMEOUT,
                          check_params_cb=lambda state: state == p.PAUSED):
        service.step("batch")
    assert service.engines[-1].steps == 1
    with qtbot.waitSignal(service.sig_state_changed, timeout=TIMEOUT,
                          check_params_cb=lambda state: state == p.PAUSED):
        service.step("batch")
    assert service.engines[-1].steps == 2
    with qtbot.waitSignal(service.sig_epoch_finished, timeout=TIMEOUT):
        service.step("epoch")
    assert service.engines[-1].steps == 16
    with qtbot.waitSignal(service.sig_training_finished, timeout=TIMEOUT):
        service.stop()


def test_experiment_runs_queue_and_cancel(qtbot, make_service):
    from cnnviz.core.experiments import ExperimentSpec, Sweep, expand

    service = make_service(step_seconds=0.002)
    base = reference_config().with_training(batch_size=8, epochs=1)
    runs = expand(ExperimentSpec("lr", base, (Sweep("training.learning_rate", (0.1, 0.01, 0.001)),)))
    outcomes, progress = collect(service.sig_experiment_run_finished), collect(service.sig_experiment_progress)
    with qtbot.waitSignal(service.sig_experiment_finished, timeout=TIMEOUT) as blocker:
        service.run_experiment(runs)
    finished = blocker.args[0]
    assert not finished.cancelled and len(finished.outcomes) == 3
    assert [outcome.run.settings["training.learning_rate"] for outcome in outcomes] == [0.1, 0.01, 0.001]
    assert [engine.learning_rate for engine in service.engines] == [0.1, 0.01, 0.001]
    assert {payload.run_index for payload in progress} == {0, 1, 2}
    assert all(outcome.test_accuracy == 0.75 and not outcome.diverged for outcome in outcomes)
    wait_until_idle(qtbot, service)
    slow = make_service(step_seconds=0.02)
    with qtbot.waitSignal(slow.sig_experiment_progress, timeout=TIMEOUT):
        slow.run_experiment(runs)
    with qtbot.waitSignal(slow.sig_experiment_finished, timeout=TIMEOUT) as blocker:
        slow.stop()
    assert blocker.args[0].cancelled and len(blocker.args[0].outcomes) < 3


def test_evaluation_of_the_real_model(qtbot, tmp_path):
    from cnnviz.core.resources import resource_path

    service = ModelService(run_root=False)
    try:
        with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT):
            service.load(resource_path("reference_model.npz"))
        with qtbot.waitSignal(service.sig_evaluation_finished, timeout=60_000) as blocker:
            service.evaluate()
        evaluation = blocker.args[0]
        assert evaluation.confusion.shape == (10, 10) and evaluation.confusion.sum() == 2000
        assert evaluation.accuracy == pytest.approx(np.trace(evaluation.confusion) / 2000)
        assert evaluation.accuracy > 0.95
        mistakes = evaluation.misclassified()
        assert len(mistakes) == 2000 - np.trace(evaluation.confusion)
        assert all(evaluation.labels[index] != evaluation.predictions[index] for index in mistakes)
    finally:
        assert service.shutdown(timeout=5)


def test_replay_inspects_a_checkpoint_without_replacing_the_model(qtbot, tmp_path):
    service = ModelService(run_root=tmp_path / "runs")
    try:
        config = reference_config().with_training(train_subset=256, batch_size=64, epochs=2, validation_split=0.0)
        with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT):
            service.build(config)
        with qtbot.waitSignal(service.sig_training_finished, timeout=60_000):
            service.train()
        run = next((tmp_path / "runs").iterdir())
        image = np.zeros((1, 28, 28, 1), np.float32)
        image[0, 5:20, 10:14] = 1
        first = collect(service.sig_replay_finished)
        with qtbot.waitSignal(service.sig_replay_finished, timeout=TIMEOUT):
            service.replay(run, 0, image)
        with qtbot.waitSignal(service.sig_replay_finished, timeout=TIMEOUT):
            service.replay(run, 1, image)
        assert [result.epoch for result in first] == [0, 1]
        from cnnviz.core.runs import RunInfo
        kernels = RunInfo(run).kernels_at(0)
        np.testing.assert_array_equal(first[0].inspection.kernels["conv2d"], kernels["conv2d"])
        assert not np.array_equal(first[0].inspection.kernels["conv2d"], first[1].inspection.kernels["conv2d"])
        with qtbot.waitSignal(service.sig_replay_finished, timeout=TIMEOUT) as blocker:
            service.replay(run, -1, image)  # the weights before training
        np.testing.assert_array_equal(blocker.args[0].inspection.kernels["conv2d"],
                                      RunInfo(run).kernels_at(-1)["conv2d"])
        with qtbot.waitSignal(service.sig_error_raised, timeout=TIMEOUT) as blocker:
            service.replay(run, 7, image)
        assert "no checkpoint for epoch 8" in blocker.args[0].message
    finally:
        assert service.shutdown(timeout=5)
