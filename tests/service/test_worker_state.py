"""The worker owns the service's state: commands from the interface never change it, a Stop that
lands as a run ends is harmless, and every error names the job it belongs to."""

import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cnnviz.core.config import reference_config
from cnnviz.service import payloads as p
from cnnviz.service.model_service import ModelService
from tests.service.fakes import FakeEngine, fake_data, wait_until_idle

TIMEOUT = 10_000
SERVICE_CODE = str(Path(ModelService.__module__.replace(".", "/")).parent)


@pytest.fixture
def make_service(qtbot):
    services = []

    def make(factory=None, **options):
        engines = []

        def fake_factory(name, config):
            engine = FakeEngine(config, **options)
            engines.append(engine)
            return engine

        service = ModelService(engine_factory=factory or fake_factory, data_provider=fake_data, run_root=False)
        service.engines = engines
        services.append(service)
        return service

    yield make
    for service in services:
        assert service.shutdown(timeout=5)


def build(qtbot, service, batch_size=8, epochs=1):
    config = reference_config().with_training(batch_size=batch_size, epochs=epochs)
    with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT) as blocker:
        service.build(config, "numpy")
    return blocker.args[0]


class SlowInsideTheService:
    """A trace function that makes the calling thread sleep before every line of the service's own
    code, so the worker runs on between any two of them: the worst case for a command that reads
    and then writes state. ``entered`` is set when the traced call begins."""

    def __init__(self, seconds_per_line: float):
        self.seconds_per_line = seconds_per_line
        self.entered = threading.Event()

    def __call__(self, frame, event, argument):
        if SERVICE_CODE not in frame.f_code.co_filename.replace("\\", "/"):
            return None
        self.entered.set()
        return self._line

    def _line(self, frame, event, argument):
        if event == "line":
            time.sleep(self.seconds_per_line)
        return self._line


@pytest.mark.parametrize("delay_ms", [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0])
def test_a_stop_that_lands_as_the_run_ends_leaves_the_service_idle(qtbot, make_service, delay_ms):
    """The run ends while Stop is half-way through: the service must come back idle and build."""
    service = make_service()
    build(qtbot, service, batch_size=32)  # two batches of the fake data
    for _ in range(3):
        ending, slowed = threading.Event(), SlowInsideTheService(seconds_per_line=0.001)

        def hold_the_end(finished, slowed=slowed, ending=ending):
            # Runs on the worker, just before it goes idle: wait until Stop has begun, then let the
            # worker finish the run `delay_ms` later, sweeping the end across Stop's reads and writes.
            ending.set()
            slowed.entered.wait(5)
            time.sleep(delay_ms / 1000)

        service.sig_training_finished.connect(hold_the_end, Qt.DirectConnection)
        with qtbot.waitSignal(service.sig_training_finished, timeout=TIMEOUT):
            service.train()
            assert ending.wait(5)
            previous = sys.gettrace()  # a coverage tool's, say
            sys.settrace(slowed)
            try:
                service.stop()
            finally:
                sys.settrace(previous)
        service.sig_training_finished.disconnect(hold_the_end)
        wait_until_idle(qtbot, service, timeout=5_000)
        errors = []
        service.sig_error_raised.connect(errors.append)
        with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT):
            service.build(reference_config().with_training(batch_size=32, epochs=1))
        service.sig_error_raised.disconnect(errors.append)
        assert errors == [], "a build after the run was refused"


def test_only_the_worker_thread_changes_the_state(qtbot, make_service):
    service = make_service(step_seconds=0.005)
    emitted_on = []

    def record(state):
        emitted_on.append((state, threading.current_thread().name))

    service.sig_state_changed.connect(record, Qt.DirectConnection)  # runs in the emitting thread
    build(qtbot, service, batch_size=4, epochs=3)
    with qtbot.waitSignal(service.sig_training_progress, timeout=TIMEOUT):
        service.train()
    with qtbot.waitSignal(service.sig_state_changed, timeout=TIMEOUT, check_params_cb=lambda s: s == p.PAUSED):
        service.pause()
    service.set_learning_rate(0.25)
    with qtbot.waitSignal(service.sig_state_changed, timeout=TIMEOUT, check_params_cb=lambda s: s == p.PAUSED):
        service.step("batch")
    service.resume()
    with qtbot.waitSignal(service.sig_training_finished, timeout=TIMEOUT) as blocker:
        service.stop()
    assert blocker.args[0].reason == "stopped"
    wait_until_idle(qtbot, service)
    service.stop()  # after the run: nothing to stop
    service.pause()
    with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT):
        service.build(reference_config())
    qtbot.waitUntil(lambda: emitted_on[-1][0] == p.IDLE, timeout=TIMEOUT)
    states = [state for state, _ in emitted_on]
    assert p.PAUSED in states and p.STOPPING in states
    assert {thread for _, thread in emitted_on} == {"cnnviz-model-service"}
    assert service.engines[-2].learning_rates[-1] == 0.25


def test_a_stop_before_training_starts_stops_it_and_one_after_it_ended_does_nothing(qtbot, make_service):
    service = make_service(step_seconds=0.002)
    build(qtbot, service, batch_size=1, epochs=3)
    service.stop()  # idle: dropped, so it cannot stop the next run
    with qtbot.waitSignal(service.sig_training_finished, timeout=TIMEOUT) as blocker:
        service.train()
    assert blocker.args[0].reason == "completed"
    wait_until_idle(qtbot, service)
    with qtbot.waitSignal(service.sig_training_finished, timeout=TIMEOUT) as blocker:
        service.train()
        service.stop()  # queued behind the job: it stops that job before its second batch
    assert blocker.args[0].reason == "stopped"
    assert service.engines[-1].steps == 3 * 64 + 1


def _fail(message):
    def factory(name, config):
        raise ValueError(message)
    return factory


def test_errors_name_their_job_kind_and_id(qtbot, make_service, tmp_path):
    broken = make_service(factory=_fail("no engine today"))
    with qtbot.waitSignal(broken.sig_error_raised, timeout=TIMEOUT) as blocker:
        job = broken.build(reference_config())
    error = blocker.args[0]
    assert (error.kind, error.job_id, error.title) == (p.JobKind.BUILD, job, "Could not build the model")
    assert error.message == "no engine today" and "Traceback" in error.details

    service = make_service(fail_at_step=3)
    build(qtbot, service, batch_size=8)
    with qtbot.waitSignal(service.sig_error_raised, timeout=TIMEOUT) as blocker:
        job = service.train()
    assert (blocker.args[0].kind, blocker.args[0].job_id) == (p.JobKind.TRAIN, job)
    wait_until_idle(qtbot, service)

    with qtbot.waitSignal(service.sig_error_raised, timeout=TIMEOUT) as blocker:
        job = service.replay(tmp_path / "no-such-run", 0, np.zeros((1, 28, 28, 1)))
    assert (blocker.args[0].kind, blocker.args[0].job_id) == (p.JobKind.REPLAY, job)
    with qtbot.waitSignal(service.sig_error_raised, timeout=TIMEOUT) as blocker:
        job = service.run_science("no such analysis")
    assert (blocker.args[0].kind, blocker.args[0].job_id) == (p.JobKind.SCIENCE, job)
    with qtbot.waitSignal(service.sig_error_raised, timeout=TIMEOUT) as blocker:
        service.set_learning_rate(-1.0)
    assert blocker.args[0].kind is p.JobKind.LEARNING_RATE and "positive number" in blocker.args[0].message
    ids = {blocker.args[0].job_id, job}
    assert len(ids) == 2, "every command gets its own id"


def test_a_job_refused_while_training_runs_names_its_kind_and_id(qtbot, make_service):
    service = make_service(step_seconds=0.02)
    build(qtbot, service, batch_size=1, epochs=5)
    with qtbot.waitSignal(service.sig_training_progress, timeout=TIMEOUT):
        service.train()
    refused = []
    service.sig_error_raised.connect(refused.append)
    jobs = {p.JobKind.EXPERIMENT: service.run_experiment([]), p.JobKind.EVALUATE: service.evaluate(),
            p.JobKind.SCIENCE: service.run_science("spectra"), p.JobKind.BUILD: service.build(reference_config())}
    assert {(error.kind, error.job_id) for error in refused} == set(jobs.items())
    assert all(error.title == "Training is running" and "Stop training first" in error.message for error in refused)
    with qtbot.waitSignal(service.sig_training_finished, timeout=TIMEOUT):
        service.stop()


def test_inspections_between_batches_answer_only_the_newest(qtbot, make_service):
    service = make_service(step_seconds=0.01, inspect_seconds=0.02)
    build(qtbot, service, batch_size=1, epochs=1)
    answered = []
    service.sig_inspection_finished.connect(answered.append)
    with qtbot.waitSignal(service.sig_training_progress, timeout=TIMEOUT):
        service.train()
    requested = [service.inspect(np.full((1, 28, 28, 1), index, np.float32)) for index in range(20)]
    qtbot.waitUntil(lambda: bool(answered) and answered[-1].request_id == requested[-1], timeout=TIMEOUT)
    with qtbot.waitSignal(service.sig_training_finished, timeout=TIMEOUT):
        service.stop()
    ids = [result.request_id for result in answered]
    assert ids == sorted(ids) and len(ids) < len(requested)
