"""Stroke to visible viewer redrawn, per viewer tab and stage by stage (part of ``cnnviz bench ui``).

For each viewer tab, strokes are drawn on the canvas as the mouse draws them; each is timed from
the stroke to the last pixel of the visible viewer painted (the canvas's wait for the pen to pause
included), and split into stages by :class:`~cnnviz.bench.ui_stages.StageClock`. Run on the
reference model and on a 64×64×3 colour model (:data:`COLOUR_MODEL`).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable

import numpy as np

from cnnviz.bench.ui_stages import STAGES, StageClock
from cnnviz.core import config as cfg

COLOUR_MODEL = cfg.ModelConfig(input_shape=(64, 64, 3), layers=(
    cfg.Conv2D(16, (3, 3), padding="same", activation="linear"), cfg.BatchNormalization(), cfg.Activation("relu"),
    cfg.Conv2D(16, (3, 3), padding="same"), cfg.MaxPooling2D(),
    cfg.Conv2D(32, (3, 3), padding="same"), cfg.Conv2D(32, (3, 3), padding="same"), cfg.MaxPooling2D(),
    cfg.GlobalAveragePooling2D(), cfg.Dense(3, "softmax")), training=cfg.TrainingConfig(dataset="shapes-colour"))
"""A 64×64×3 colour model: four 3×3 convolutions (16, 16, 32, 32 filters), as in
``benchmarks/bench_colour_inspection.py``, trained on coloured shapes."""

STROKES_PER_DRAWING = 5
"""Strokes drawn on a canvas before it is cleared (a digit takes a few)."""

MODELS = {"reference 28×28×1": cfg.reference_config(), "colour 64×64×3": COLOUR_MODEL}
VIEWER_TABS = ("Feature maps", "Overview", "Kernels", "Spectra", "Gradients", "Science")


def open_window(folder: str, config: cfg.ModelConfig):
    """A main window sized as a laptop screen, showing ``config``'s model (built anew unless it is
    the reference model, which the window loads trained) with a first inspection shown."""
    from cnnviz.bench.ui import _wait, _window

    app, window = _window(folder)
    _wait(app, lambda: window.last_result() is not None)
    if config != cfg.reference_config():
        window.config_panel.set_config(config)
        window.service.build(config)
        _wait(app, lambda: window.model_info() is not None and window.model_info().config is not None
              and window.model_info().config.input_shape == config.input_shape
              and window.canvas.current_input() is not None
              and window.canvas.current_input().shape[1:] == config.input_shape)
    window.resize(1366, 768)
    return app, window


def machine_speed(repeats: int = 60) -> float:
    """The machine's speed at this moment, as milliseconds: the median of ``repeats`` inspections
    (feature maps, probabilities, gradients) of the reference model on new random inputs, outside
    any window. A shared machine runs the same work at different speeds from one hour to the next
    (this one from 1.0 to 1.75 ms within an hour); printed with each run so that runs can be compared."""
    from cnnviz.engines.numpy_engine import NumpyEngine
    from cnnviz.service.inspection import InspectionCache, run_inspection
    from cnnviz.service.payloads import GRADIENTS

    config = cfg.reference_config()
    engine, cache = NumpyEngine(config), InspectionCache()
    rng = np.random.default_rng(0)
    times = []
    for _ in range(repeats):
        image = rng.random((1, *config.input_shape), dtype=np.float32)
        start = time.perf_counter()
        run_inspection(engine, image, parts={GRADIENTS}, cache=cache, model_version=1)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def stroke_latency(out: Callable[[str], None], config: cfg.ModelConfig, name: str, strokes: int = 20) -> dict:
    """Stroke to visible viewer redrawn, per tab: median and p95, and the median of each stage."""
    from cnnviz.bench.ui import _wait

    speed = machine_speed()

    clock = StageClock()
    clock.install()
    per_tab: dict[str, dict] = {}
    try:
        with tempfile.TemporaryDirectory() as folder:
            app, window = open_window(folder, config)
            rng = np.random.default_rng(0)
            for tab in range(window.tabs.count()):
                label = window.tabs.tabText(tab)
                if label not in VIEWER_TABS:
                    continue
                window.tabs.setCurrentIndex(tab)
                _wait(app, lambda: False, timeout=0.3)
                totals, stages, cpu_ms = [], [], []
                cpu_seconds = wall_seconds = 0.0
                previous_input, repeated = None, 0
                for index in range(strokes + 2):
                    if index % STROKES_PER_DRAWING == 0:
                        # A fresh drawing every few strokes, as a person draws a digit and clears it:
                        # strokes on a canvas filled with ink would all make the same input, which
                        # the worker answers from its cache.
                        window.canvas.clear()
                        _wait(app, lambda: False, timeout=0.05)
                    shown: list = []
                    window.sig_inspection_shown.connect(shown.append)
                    x0, y0, x1, y1 = rng.uniform(40, 240, 4)
                    cpu_start = time.thread_time()   # the interface thread's own CPU, whatever the load
                    start, process_start = clock.start(), time.process_time()
                    window.canvas.stroke([(x0, y0), (x1, y1)])
                    _wait(app, lambda shown=shown: bool(shown), timeout=10)
                    app.processEvents()   # paint the updated view
                    end = clock.marks.get("painted", time.perf_counter())
                    window.sig_inspection_shown.disconnect(shown.append)
                    stroke = clock.finish(start, max(end, clock.marks.get("shown", end)))
                    model_input = window.canvas.current_input()
                    # A stroke that left the input as it was is answered from the worker's cache: not timed.
                    unchanged = previous_input is not None and np.array_equal(model_input, previous_input)
                    previous_input = None if model_input is None else np.array(model_input)
                    repeated += unchanged
                    if index >= 2 and not unchanged:       # the first strokes on a tab warm its caches
                        # The process's CPU time over the stroke's wall time (all its threads): on a
                        # loaded machine, a share well under 1 says the stroke waited for a core.
                        cpu_seconds += time.process_time() - process_start
                        wall_seconds += time.perf_counter() - start
                        totals.append(stroke.total_ms)
                        cpu_ms.append((time.thread_time() - cpu_start) * 1000)
                        stages.append(dict(stroke.stages))
                    _wait(app, lambda: False, timeout=0.05)   # the pen lifts between strokes
                per_tab[label] = {
                    "median_ms": statistics.median(totals), "p95_ms": float(np.percentile(totals, 95)),
                    "strokes": len(totals), "unchanged_inputs": repeated,
                    "interface_cpu_ms": statistics.median(cpu_ms),
                    "cpu_share": cpu_seconds / wall_seconds if wall_seconds else float("nan"),
                    "stages_median_ms": {stage: statistics.median(s.get(stage, 0.0) for s in stages)
                                         for stage, _ in STAGES}}
            window.close()
    finally:
        clock.restore()
    out(f"the machine's speed now: a reference inspection with gradients, outside the window, {speed:.2f} ms "
        "(median of 60)")
    out(f"stroke to visible viewer redrawn, {name} ({strokes} strokes per tab, a fresh drawing every "
        f"{STROKES_PER_DRAWING}; median / 95th percentile; "
        "the interface thread's CPU time per stroke, median; the process's CPU time as a share of the "
        "strokes' wall time):")
    for label, figures in per_tab.items():
        out(f"  {label:<13} {figures['median_ms']:6.1f} / {figures['p95_ms']:6.1f} ms   "
            f"CPU {figures['interface_cpu_ms']:6.1f} ms   CPU share {figures['cpu_share']:.2f}"
            + (f"   ({figures['unchanged_inputs']} strokes left the input unchanged, not timed)"
               if figures["unchanged_inputs"] else ""))
    out("  stage medians (ms), " + " | ".join(per_tab) + ":")
    for stage, description in STAGES:
        out(f"    {description:<62} " + " ".join(f"{per_tab[label]['stages_median_ms'][stage]:6.1f}"
                                                  for label in per_tab))
    return per_tab
