"""The model service's worker: the one thread that holds the engine and owns the service's state.

The worker reads commands from a queue, in order. Between two commands it is idle; a job runs to
its end before the next command is read, except that a training job (or an experiment) reads the
queue between two batches: it applies controls (pause, resume, stop, step, learning rate), runs
saves, serves the newest inspection and replay, and keeps any other job for when it ends. Only the
worker changes :attr:`Worker.state`; the interface reads the last value published. A control read
while no job runs is dropped, so a late Stop cannot leave the service stopping.
"""

from __future__ import annotations

import queue
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cnnviz.core.config import ModelConfig, TrainingConfig
from cnnviz.core.training_data import TrainingData
from cnnviz.engines.base import Engine
from cnnviz.service import attribution_jobs, feature_vis_jobs, history_jobs, jobs, training_jobs
from cnnviz.service import payloads as p
from cnnviz.service.attribution_payloads import AttributionRequest, SanityRequest
from cnnviz.service.commands import (
    BuildRequest,
    Command,
    ConvertRequest,
    EvaluateRequest,
    ExperimentRequest,
    InspectionRequest,
    Job,
    LoadRequest,
    Pause,
    ReplayRequest,
    Resume,
    RunControls,
    SaveRequest,
    ScienceRequest,
    SetLearningRate,
    Shutdown,
    Step,
    Stop,
    TrainRequest,
)
from cnnviz.service.feature_vis_payloads import FeatureVisRequest, TopImagesRequest
from cnnviz.service.history_jobs import CompareEpochsRequest
from cnnviz.service.inspection import InspectionCache
from cnnviz.service.latest_request import LatestRequest

if TYPE_CHECKING:
    from cnnviz.service.model_service import ModelService

EngineFactory = Callable[[str, ModelConfig], Engine]
Loader = Callable[[str], Engine]

SWITCH_INTERVAL_S = 0.001
"""The interpreter's thread switch interval while the worker runs (see :meth:`Worker.start`)."""


class DataProvider(Protocol):
    """What prepares a training run's data: :func:`~cnnviz.core.training_data.prepare_training_data` or a
    stand-in; given the model's input shape and output units it makes the dataset at that shape or fits
    it to it, and refuses one whose classes do not fit (what it returns is fitted again in any case)."""

    def __call__(self, training: TrainingConfig, data_dir: str | None, *,
                 input_shape: tuple[int, int, int] | None = None, num_outputs: int | None = None) -> TrainingData:
        ...


WORKER_NICENESS = 10

_HANDLERS: dict[type, Callable[[Worker, Any], None]] = {
    BuildRequest: jobs.build, ConvertRequest: jobs.convert, LoadRequest: jobs.load, SaveRequest: jobs.save,
    EvaluateRequest: jobs.evaluate, ScienceRequest: jobs.science, TrainRequest: training_jobs.train,
    ExperimentRequest: training_jobs.experiment,
    SanityRequest: attribution_jobs.sanity,
    FeatureVisRequest: feature_vis_jobs.visualize, TopImagesRequest: feature_vis_jobs.top,
    CompareEpochsRequest: history_jobs.compare_epochs,
}
"""The job that runs each request (inspections and replays are served from their slots instead)."""
_OWN_JOBS = (BuildRequest, ConvertRequest, LoadRequest, EvaluateRequest, ScienceRequest, TrainRequest,
             ExperimentRequest, SanityRequest, FeatureVisRequest, TopImagesRequest, CompareEpochsRequest)
"""Jobs that run on their own, never inside another (saves may)."""


@dataclass(frozen=True)
class WorkerOptions:
    """How the service was configured (see :class:`~cnnviz.service.model_service.ModelService`)."""

    engine_factory: EngineFactory
    loader: Loader
    data_provider: DataProvider
    run_root: str | Path | bool | None
    progress_interval: float
    engine_workers: int | None


class Worker:
    """The worker thread's side of the model service; see the module docstring.

    Parameters
    ----------
    signals : ModelService
        Whose signals the worker emits.
    commands : queue of commands
        What the interface sends; read only here.
    inspections, replays : LatestRequest
        The newest inspection and replay requests (the queue only says that one waits).
    options : WorkerOptions
    """

    def __init__(self, signals: ModelService, commands: queue.Queue[Command],
                 inspections: LatestRequest[InspectionRequest], replays: LatestRequest[ReplayRequest],
                 options: WorkerOptions):
        self.signals = signals
        self.options = options
        self.inspections = inspections
        self.replays = replays
        self.engine: Engine | None = None
        self.version = 0
        self.replaced_input_shape: tuple[int, ...] | None = None
        """The input shape of the model the current one replaced (see jobs.replace_model)."""
        self.source = ""
        self.replay_engines: dict[str, Engine] = {}
        self.inspection_cache = InspectionCache()
        self.attributions = attribution_jobs.AttributionSlots()  # served like inspections
        self.feature_vis = feature_vis_jobs.FeatureVisSlots()
        self._commands = commands
        self._deferred: deque[Job] = deque()
        self._shutting_down = False
        # Set by the interface when the window closes: jobs still queued are dropped, the running one
        # stops at its next batch, so closing never waits for work nobody will see.
        self.shutdown_requested = threading.Event()
        self._state = p.IDLE
        self._state_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="cnnviz-model-service", daemon=True)

    # -- any thread --------------------------------------------------------------------------------
    def start(self) -> None:
        # The worker and the interface share one interpreter lock. A thread that wants it waits up to
        # the switch interval (5 ms by default) for the other to let go, and the interface takes it
        # again for every Python call a repaint makes: while the worker trains, one repaint could
        # wait tens of milliseconds. A 1 ms interval bounds each wait at a millisecond.
        if sys.getswitchinterval() > SWITCH_INTERVAL_S:
            sys.setswitchinterval(SWITCH_INTERVAL_S)
        self._thread.start()

    def join(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for the thread to end; returns whether it did."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def state(self) -> str:
        """The state the worker published last."""
        with self._state_lock:
            return self._state

    # -- the worker thread only ----------------------------------------------------------------------
    def publish(self, state: str) -> None:
        """Enter ``state`` and say so (``sig_state_changed``) if it is new."""
        if threading.current_thread() is not self._thread:
            raise RuntimeError("Only the model service's worker thread may change its state.")
        with self._state_lock:
            changed, self._state = state != self._state, state
        if changed:
            self.signals.sig_state_changed.emit(state)

    def require_engine(self) -> Engine:
        if self.engine is None:
            raise RuntimeError("There is no model yet. Build a model or open a model file first.")
        return self.engine

    def model_info(self, source: str) -> p.ModelInfo:
        """Describe the current model (which came from ``source``) to the interface."""
        from cnnviz.core.summary import graph_summary, summarize
        from cnnviz.service.inspection import describe_layers

        self.source = source
        engine = self.require_engine()
        graph = describe_layers(engine)
        summary = (summarize(engine.config) if engine.config is not None
                   else graph_summary(graph, engine.input_shape) if graph else None)
        return p.ModelInfo(engine.name, tuple(engine.layer_names()), engine.config, summary, source, self.version,
                           graph, engine.input_shape, engine.device)

    def report(self, job: Job, error: Exception) -> None:
        """Turn ``error``, raised by ``job``, into an error signal."""
        self.report_message(job, p.ERROR_TITLES[job.kind], _readable(error), traceback.format_exc())

    def report_message(self, job: Job, title: str, message: str, details: str = "") -> None:
        self.signals.sig_error_raised.emit(p.ServiceError(job.kind, job.job_id, title, message, details))

    def between_batches(self, controls: RunControls, *, training: bool,
                        before_pause: Callable[[], None] = lambda: None) -> None:
        """Read what the interface sent since the last batch and act on it; while paused, wait
        here (serving inspections, replays and saves) until resumed or stopped.

        ``training`` is False for an experiment, which pauses, steps and changes its learning rate
        for nobody. ``before_pause`` runs before the state turns paused (to deliver progress).
        """
        self._take_waiting(controls, training)
        if self.shutdown_requested.is_set():
            controls.stopping, controls.paused, self._shutting_down = True, False, True
        self._serve_between(controls)
        if controls.paused and not controls.stopping:
            before_pause()
            self.publish(p.PAUSED)
            while controls.paused and not controls.stopping:
                self._apply(self._commands.get(), controls, training)  # every command wakes the worker
                self._serve_between(controls)
            if not controls.stopping:
                self.publish(p.TRAINING)
        if controls.stopping:
            self.publish(p.STOPPING)

    # -- internals ------------------------------------------------------------------------------------
    def _run(self) -> None:
        from cnnviz.engines.numpy_engine import parallel

        _lower_priority()
        parallel.set_worker_limit(self.options.engine_workers)  # for this worker thread only
        warmed = served = False
        while not self._shutting_down:
            if served and not warmed and not self._deferred and self._commands.empty():
                _warm_up()   # once the first request is answered and nothing waits
                warmed = True
            command = self._deferred.popleft() if self._deferred else self._commands.get()
            served = True
            if isinstance(command, Shutdown) or self.shutdown_requested.is_set():
                break
            if isinstance(command, (InspectionRequest, ReplayRequest, AttributionRequest)):
                self._serve_latest()
            elif isinstance(command, (*_OWN_JOBS, SaveRequest)):
                self._run_job(command)
            # Anything else is a control for a job that has ended (or never began): nothing to steer.
        self.publish(p.SHUT_DOWN)

    def _run_job(self, job: Job) -> None:
        try:
            _HANDLERS[type(job)](self, job)
        except Exception as error:  # noqa: BLE001 - every failure becomes an error signal
            self.report(job, error)
        finally:
            self.inspection_cache.clear()  # the job may have changed the weights, even for a while
            self.publish(p.IDLE)
        self._serve_latest()  # a request whose wake-up the job read from the queue as it ended

    def _take_waiting(self, controls: RunControls, training: bool) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            self._apply(command, controls, training)

    def _apply(self, command: Command, controls: RunControls, training: bool) -> None:
        """Act on one command read while a job runs (``training``: a training job, not an experiment)."""
        if isinstance(command, (Stop, Shutdown)):
            controls.stopping, controls.paused = True, False
            self._shutting_down = self._shutting_down or isinstance(command, Shutdown)
        elif isinstance(command, SaveRequest):
            self._run_nested(jobs.save, command)
        elif isinstance(command, (InspectionRequest, ReplayRequest, AttributionRequest)):
            pass  # their slots hold the newest request, served right after
        elif isinstance(command, _OWN_JOBS):
            self._deferred.append(command)  # runs when this job ends
        elif not training:
            pass  # an experiment neither pauses nor steps, and has a learning rate per run
        elif isinstance(command, Pause):
            controls.paused = True
        elif isinstance(command, Resume):
            controls.paused = False
        elif isinstance(command, Step):
            controls.step_unit, controls.paused = command.unit, False
        elif isinstance(command, SetLearningRate):
            controls.learning_rate = command.value

    def _serve_between(self, controls: RunControls) -> None:
        self._serve_latest()
        if controls.learning_rate is not None and self.engine is not None:
            self.engine.learning_rate, controls.learning_rate = controls.learning_rate, None

    def _serve_latest(self) -> None:
        inspection = self.inspections.take()
        if inspection is not None:
            self._run_nested(jobs.inspect, inspection)
        replay = self.replays.take()
        if replay is not None:
            self._run_nested(jobs.replay, replay)
        attribution_jobs.serve_latest(self)

    def _run_nested(self, handler: Callable[[Worker, Any], None], job: Job) -> None:
        """Run a short job inside another (or while idle); a failure is reported and the rest goes on."""
        try:
            handler(self, job)
        except Exception as error:  # noqa: BLE001 - reported; the job around it continues
            self.report(job, error)


def _warm_up() -> None:
    """Import what NumPy loads on first use, here rather than on the interface thread, and start the
    engine's pool threads.

    The first ``np.median`` imports ``numpy.ma`` (about 50 ms of Python): the canvas's first stroke
    and the training monitor's scale choice at the end of the first run would pay it on the
    interface thread, stalling the window.
    """
    import numpy.ma  # noqa: F401

    from cnnviz.engines.numpy_engine import parallel

    parallel.start_pool()   # the engine's chunk threads, started before the first batch needs them


def _lower_priority() -> None:
    """Run the worker below the interface's priority, so training never starves the window.

    On Linux each thread has its own nice value; the NumPy engine's chunk threads that work for
    the worker run at the same one. Elsewhere, or when not permitted, nothing changes.
    """
    from cnnviz.engines.numpy_engine import parallel

    parallel.lower_thread_priority(WORKER_NICENESS)


def _readable(error: Exception) -> str:
    """A one-paragraph message for the user; library errors keep their own words."""
    if isinstance(error, (ValueError, RuntimeError, OSError)) and str(error):
        return str(error)
    return f"{type(error).__name__}: {error}"
