"""Where a stroke's time goes in the window, stage by stage (part of ``cnnviz bench ui``).

:class:`StageClock` wraps the methods a stroke passes through — the canvas's preprocessing, the
service's hand-off, the worker's inspection, the window's slot, the viewer's update, pyqtgraph's
image conversion and painting — with timers, for a benchmark only (the wrappers are taken off
again by :meth:`StageClock.restore`). Each stroke is one :class:`StrokeStages`: the milliseconds
of every stage, from the mouse event to the last pixel of the visible viewer painted.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from cnnviz.bench.method_timers import MethodTimers, active

STAGES = (
    ("debounce", "wait for the pen to pause (the canvas's debounce)"),
    ("preprocessing", "canvas picture to model input"),
    ("request", "request hand-off (interface thread to worker)"),
    ("inspection", "inspection on the worker (the parts the visible tab shows)"),
    ("inspection_cpu", "  of which the worker thread's own CPU time"),
    ("result", "result hand-off (worker to interface thread)"),
    ("viewer", "viewer update in Python (arrays to items, levels, titles)"),
    ("other_slots", "probability bars, status line"),
    ("image_conversion", "image conversion (colour lookup, QImage)"),
    ("image_drawing", "image drawing (QPainter.drawImage)"),
    ("axes_and_colour_bars", "axes and colour bars (ticks, labels)"),
    ("paint_rest", "rest of painting (text, borders, widgets)"),
)
"""Stage names and what each covers, in the order a stroke passes them."""


@dataclass
class StrokeStages:
    """One stroke's time per stage, milliseconds."""

    stages: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    total_ms: float = 0.0


class StageClock:
    """Times the stages of each stroke by wrapping the methods they run (see the module docstring)."""

    def __init__(self):
        self._timers = MethodTimers("stage clock")
        self._lock = threading.Lock()
        self.current = StrokeStages()
        self.marks: dict[str, float] = {}

    # -- wrapping ----------------------------------------------------------------------------------
    def _wrap(self, owner: object, name: str, stage: str | None, before: str | None = None,
              after: str | None = None, cpu_stage: str | None = None) -> None:
        """Time ``owner.name`` into ``stage`` (and its thread's CPU time into ``cpu_stage``) of the
        active clock's stroke, marking its start as ``before`` and its end as ``after``."""

        def make(original):
            def timed(*args, **kwargs):
                clock = active("stage clock")
                if clock is None:
                    return original(*args, **kwargs)
                start, cpu_start = time.perf_counter(), time.thread_time()
                if before is not None:
                    clock.marks[before] = start
                try:
                    return original(*args, **kwargs)
                finally:
                    end = time.perf_counter()
                    with clock._lock:
                        if stage is not None:
                            clock.current.stages[stage] += (end - start) * 1000
                        if cpu_stage is not None:
                            clock.current.stages[cpu_stage] += (time.thread_time() - cpu_start) * 1000
                    if after is not None:
                        clock.marks[after] = end

            return timed

        self._timers.wrap(owner, name, make)

    def install(self) -> None:
        """Wrap the methods (before the window is made: signals connect to bound methods then)."""
        import pyqtgraph as pg

        from cnnviz.service import jobs
        from cnnviz.service.model_service import ModelService
        from cnnviz.ui.drawing.canvas_input import CanvasInput
        from cnnviz.ui.viewers import feature_maps, gradients, kernels, spectra
        from cnnviz.ui.window.inspection import InspectionController

        self._timers.activate(self)
        self._wrap(CanvasInput, "update_now", "preprocessing", before="update")
        self._wrap(ModelService, "inspect", None, before="request")
        self._wrap(jobs, "run_inspection", "inspection", before="worker_start", after="worker_end",
                   cpu_stage="inspection_cpu")
        self._wrap(InspectionController, "_on_inspection_finished", None, before="slot", after="shown")
        from cnnviz.ui.overview.view import OverviewCanvas, OverviewView

        for view in (feature_maps.FeatureMapsView, kernels.KernelsView, spectra.SpectraView,
                     gradients.GradientsView, OverviewView):
            self._wrap(view, "show_inspection", "viewer")
        # The overview draws in a plain QGraphicsView (one pixmap, one path), not a pyqtgraph view.
        self._wrap(OverviewCanvas, "paintEvent", "paint_total", after="painted")
        self._wrap(pg.ImageItem, "render", "image_conversion")
        self._wrap(pg.AxisItem, "paint", "axes_and_colour_bars")
        self._wrap(pg.GraphicsView, "paintEvent", "paint_total", after="painted")
        from PySide6.QtGui import QPainter  # noqa: F401  (drawImage is timed through ImageItem.paint)

        self._wrap(pg.ImageItem, "paint", "image_paint")

    def restore(self) -> None:
        """Take the wrappers off again."""
        self._timers.restore()

    # -- one stroke --------------------------------------------------------------------------------
    def start(self) -> float:
        """Begin a stroke; returns its start time."""
        self.current = StrokeStages()
        self.marks.clear()
        return time.perf_counter()

    def finish(self, start: float, end: float) -> StrokeStages:
        """Close the stroke begun at ``start`` whose last pixel was painted at ``end``: derive the
        hand-offs and the rest of painting from the marks."""
        stroke, marks, stages = self.current, self.marks, self.current.stages
        stroke.total_ms = (end - start) * 1000
        stages["debounce"] = (marks.get("update", start) - start) * 1000
        if "worker_start" in marks and "request" in marks:
            stages["request"] = (marks["worker_start"] - marks["request"]) * 1000
        if "slot" in marks and "worker_end" in marks:
            stages["result"] = (marks["slot"] - marks["worker_end"]) * 1000
        if "shown" in marks and "slot" in marks:
            stages["other_slots"] = max((marks["shown"] - marks["slot"]) * 1000 - stages["viewer"], 0.0)
        image_paint = stages.pop("image_paint", 0.0)
        stages["image_drawing"] = max(image_paint - stages["image_conversion"], 0.0)
        # ImageItem.render runs inside ImageItem.paint, which runs inside the view's paintEvent.
        paint_total = stages.pop("paint_total", 0.0)
        stages["paint_rest"] = max(paint_total - image_paint - stages["axes_and_colour_bars"], 0.0)
        return stroke
