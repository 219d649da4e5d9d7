"""Event-loop gaps while training from the window, and what ran in each (part of ``cnnviz bench ui``).

A 5 ms timer probe on the interface thread records every gap between its ticks while the window
trains one epoch, started as a user starts it (the toolbar's Train). The work the interface thread
does meanwhile is timed by wrapping its usual suspects (:data:`SUSPECTS`: the training monitor's
redraw, the inspection slot and the viewers, painting, the progress flush), so each gap over
16 ms is reported with the work that filled it, and with the CPU time the whole process used in it
(much less than the gap: the machine ran other processes; about the gap with no interface work: the
worker held the interpreter).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable

import numpy as np

from cnnviz.bench.method_timers import MethodTimers, active
from cnnviz.core import config as cfg

FRAME_MS = 16.0
"""A gap longer than this is a dropped frame at 60 Hz."""


def _suspects() -> list[tuple[object, str]]:
    import pyqtgraph as pg
    from pyqtgraph.util.garbage_collector import GarbageCollector

    from cnnviz.ui.training.monitor import TrainingMonitor
    from cnnviz.ui.viewers import feature_maps, gradients, kernels, spectra
    from cnnviz.ui.window.inspection import InspectionController
    from cnnviz.ui.window.training import TrainingController

    return [(TrainingController, "_flush_progress"), (TrainingController, "_on_epoch_finished"),
            (TrainingMonitor, "add_progress"), (TrainingMonitor, "add_epoch"),
            (InspectionController, "_on_inspection_finished"), (InspectionController, "request"),
            (feature_maps.FeatureMapsView, "show_inspection"), (kernels.KernelsView, "show_inspection"),
            (spectra.SpectraView, "show_inspection"), (gradients.GradientsView, "show_inspection"),
            (pg.GraphicsView, "paintEvent"), (pg.PlotCurveItem, "paint"),
            (GarbageCollector, "check")]


class WorkLog:
    """Intervals of interface-thread work, ``(start, end, name)`` in ``perf_counter`` seconds."""

    def __init__(self):
        self.intervals: list[tuple[float, float, str]] = []
        self._timers = MethodTimers("work log")

    def install(self) -> None:
        """Wrap the suspects (before the window is made: slots connect to bound methods then)."""
        self._timers.activate(self)
        for owner, name in _suspects():
            self._timers.wrap(owner, name, lambda original, owner=owner, name=name: _timed(
                original, f"{getattr(owner, '__name__', owner)}.{name}", name == "paintEvent"))

    def restore(self) -> None:
        """Take the wrappers off again."""
        self._timers.restore()

    def within(self, start: float, end: float) -> dict[str, float]:
        """Milliseconds of each suspect's work inside ``start .. end`` (nested work counts in each)."""
        spent: dict[str, float] = {}
        for begin, finish, label in self.intervals:
            overlap = min(finish, end) - max(begin, start)
            if overlap > 0:
                spent[label] = spent.get(label, 0.0) + overlap * 1000
        return spent


def _timed(original: Callable, label: str, painting: bool) -> Callable:
    """``original`` wrapped to add its interval to the active :class:`WorkLog`."""

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            log = active("work log")
            if log is not None:
                name = label
                if painting and args:
                    # Which view painted: its own class and the widget holding it.
                    name = f"{label}[{type(args[0]).__name__} in {type(args[0].parentWidget()).__name__}]"
                log.intervals.append((start, time.perf_counter(), name))

    return timed


def stalls(out: Callable[[str], None], config: cfg.ModelConfig, name: str, epochs: int = 1) -> dict:
    """The event-loop gaps while the window trains ``config``'s model for ``epochs``: longest, p99,
    count over 50 ms, and for each gap over :data:`FRAME_MS` the work that filled it."""
    from PySide6.QtCore import QTimer

    from cnnviz.bench.ui import _wait
    from cnnviz.bench.ui_strokes import open_window

    log = WorkLog()
    log.install()
    ticks: list[float] = []
    cpu: list[float] = []   # the process's CPU time at each tick: a gap it ran through was its own work
    try:
        with tempfile.TemporaryDirectory() as folder:
            app, window = open_window(folder, config)
            timer = QTimer(interval=5)
            timer.timeout.connect(lambda: (ticks.append(time.perf_counter()), cpu.append(time.process_time())))
            finished: list = []
            window.service.sig_training_finished.connect(finished.append)
            window.service.sig_error_raised.connect(finished.append)  # a run that cannot start ends the wait
            window.config_panel.set_config(config.with_training(epochs=epochs))
            window.config_panel.train_button.click()  # as a user starts training
            _wait(app, lambda: window.service.state == "training" or bool(finished))
            if finished and not hasattr(finished[0], "reason"):
                raise RuntimeError(f"Training {name} from the window failed: {finished[0].message}")
            ticks.append(time.perf_counter())
            cpu.append(time.process_time())
            interface_cpu = time.thread_time()
            timer.start()
            _wait(app, lambda: bool(finished), timeout=900)
            timer.stop()
            interface_cpu = time.thread_time() - interface_cpu
            window.close()
    finally:
        log.restore()
    gaps_ms = np.diff(np.array(ticks)) * 1000 if len(ticks) > 1 else np.zeros(1)
    cpu_ms = np.diff(np.array(cpu)) * 1000 if len(cpu) > 1 else np.zeros(1)
    # A gap the process ran through (its CPU time at least half the gap) is its own; in the others
    # the machine ran other processes, which a loaded machine does for seconds at a time.
    own = cpu_ms >= 0.5 * gaps_ms
    own_gaps = np.where(own, gaps_ms, 0.0)
    result = {"max_gap_ms": float(gaps_ms.max()), "p99_gap_ms": float(np.percentile(gaps_ms, 99)),
              "median_gap_ms": float(np.median(gaps_ms)), "over_50_ms": int((gaps_ms > 50).sum()),
              "over_16_ms": int((gaps_ms > FRAME_MS).sum()), "probes": len(gaps_ms),
              "own_max_gap_ms": float(own_gaps.max()), "own_over_50_ms": int((own_gaps > 50).sum()),
              "own_over_16_ms": int((own_gaps > FRAME_MS).sum()),
              # The interface thread's CPU time per second of training (its own work, whatever the load).
              "interface_cpu_ms_per_s": interface_cpu * 1000 / max(ticks[-1] - ticks[0], 1e-9)}
    out(f"event loop while training, {name} ({epochs} epoch, {len(gaps_ms)} probes every 5 ms): longest gap "
        f"{result['max_gap_ms']:.1f} ms, 99th percentile {result['p99_gap_ms']:.1f} ms, "
        f"{result['over_50_ms']} over 50 ms, {result['over_16_ms']} over {FRAME_MS:.0f} ms; of the gaps the "
        f"process ran through: longest {result['own_max_gap_ms']:.1f} ms, {result['own_over_50_ms']} over "
        f"50 ms, {result['own_over_16_ms']} over {FRAME_MS:.0f} ms; the interface thread's CPU "
        f"{result['interface_cpu_ms_per_s']:.1f} ms per second of training")
    for index in np.argsort(own_gaps)[::-1][:5]:
        if own_gaps[index] <= FRAME_MS:
            break
        spent = log.within(ticks[index], ticks[index + 1])
        filled = ", ".join(f"{label} {ms:.0f}" for label, ms in sorted(spent.items(), key=lambda kv: -kv[1])[:4])
        out(f"  gap {gaps_ms[index]:.0f} ms (the process ran {cpu_ms[index]:.0f} ms of CPU in it): "
            f"{filled or 'none of the timed interface work (the worker held the interpreter)'}")
    return result
