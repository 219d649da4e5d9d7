"""Interface benchmarks (``cnnviz bench ui``): start-up, event-loop stalls while training, stroke latency.

- start-up: a fresh process from launch to the main window shown, and to the first inspection
  on screen, next to a baseline process that only imports Qt's widgets (same run, alternating);
  also checks that TensorFlow was not imported.
- strokes (:mod:`cnnviz.bench.ui_strokes`): per viewer tab, from a stroke drawn on the canvas to
  the last pixel of the visible viewer painted, median and p95, and where the time goes
  (:mod:`cnnviz.bench.ui_stages`); on the reference model and on a 64×64×3 colour model.
- stalls (:mod:`cnnviz.bench.ui_gaps`): a 5 ms timer probe measures the gaps in the interface's
  event loop while the window trains one epoch (longest, p99, count over 50 ms), and names the work
  that filled each gap over 16 ms; on both models.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

_STARTUP_SCRIPT = r"""
import os, sys, time
start = time.perf_counter()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from cnnviz.service.model_service import ModelService
from cnnviz.ui.main_window import MainWindow
app = QApplication([])
window = MainWindow(ModelService(run_root=False), settings=QSettings(sys.argv[1], QSettings.IniFormat))
window.show()
app.processEvents()
shown = time.perf_counter() - start
first = []
window.sig_inspection_shown.connect(lambda result: first.append(time.perf_counter() - start))
while not first and time.perf_counter() - start < 60:
    app.processEvents()
    time.sleep(0.001)
app.processEvents()
print(shown, first[0] if first else float("nan"), "tensorflow" in sys.modules)
window.close()
"""

_BASELINE_SCRIPT = r"""
import os, time
start = time.perf_counter()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.show()
app.processEvents()
print(time.perf_counter() - start)
"""


def startup(out: Callable[[str], None], repeats: int = 3) -> dict:
    """Process start to window shown and to first inspection, beside a bare Qt window."""
    shown, first, baseline, tensorflow = [], [], [], False
    with tempfile.TemporaryDirectory() as folder:
        environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CNNVIZ_HOME": folder}
        for index in range(repeats):
            settings = os.path.join(folder, f"settings-{index}.ini")
            # Interpreter start-up counts too: time the whole child process from outside.
            begin = time.perf_counter()
            result = subprocess.run([sys.executable, "-c", _STARTUP_SCRIPT, settings], capture_output=True,
                                    text=True, check=True, env=environment)
            launch_overhead = time.perf_counter() - begin
            values = result.stdout.split()
            in_process_shown, in_process_first = float(values[0]), float(values[1])
            tensorflow = tensorflow or values[2] == "True"
            interpreter = max(launch_overhead - in_process_first, 0.0)
            shown.append(in_process_shown + interpreter)
            first.append(in_process_first + interpreter)
            begin = time.perf_counter()
            subprocess.run([sys.executable, "-c", _BASELINE_SCRIPT], capture_output=True, text=True, check=True,
                           env=environment)
            baseline.append(time.perf_counter() - begin)
    result = {"window_shown_s": statistics.median(shown), "first_inspection_s": statistics.median(first),
              "bare_qt_window_s": statistics.median(baseline), "tensorflow_imported": tensorflow}
    result["ratio_to_bare_qt"] = result["window_shown_s"] / result["bare_qt_window_s"]
    out(f"start-up ({repeats} alternating launches, medians):")
    out(f"  window shown       {result['window_shown_s']:.2f} s")
    out(f"  first inspection   {result['first_inspection_s']:.2f} s")
    out(f"  bare Qt window     {result['bare_qt_window_s']:.2f} s   (ratio {result['ratio_to_bare_qt']:.2f})")
    out(f"  TensorFlow imported at start-up: {tensorflow}")
    return result


def _window(settings_folder: str):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from cnnviz.service.model_service import ModelService
    from cnnviz.ui.app import collect_garbage_on_this_thread
    from cnnviz.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    collect_garbage_on_this_thread(app)   # as the application collects garbage: on a timer, on this thread
    window = MainWindow(ModelService(run_root=False), track_session=False,
                        settings=QSettings(os.path.join(settings_folder, "s.ini"), QSettings.IniFormat))
    window.resize(1500, 950)
    window.show()
    return app, window


def _wait(app, condition, timeout: float = 60.0) -> None:
    """Run the event loop until ``condition()`` holds or ``timeout`` seconds pass.

    The loop sleeps until an event arrives, as the application's own loop does, so a result
    posted by the worker is handled as soon as it is posted (polling with sleeps added up to a
    millisecond to every hand-off measured). A 10 ms timer wakes it to look at conditions that no
    event announces, and at the deadline.
    """
    from PySide6.QtCore import QEventLoop, QTimer

    end = time.perf_counter() + timeout
    wake = QTimer()
    wake.start(10)
    try:
        while not condition() and time.perf_counter() < end:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents | QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    finally:
        wake.stop()


def run(out: Callable[[str], None] = print, quick: bool = False) -> dict:
    """All interface benchmarks: start-up, then on the reference model and on a 64×64×3 colour model,
    stroke to visible viewer redrawn per viewer tab (with its stages) and the event-loop gaps while
    the window trains one epoch."""
    from cnnviz.bench import ui_gaps, ui_strokes

    results: dict = {"startup": startup(out, repeats=1 if quick else 3)}
    for name, config in ui_strokes.MODELS.items():
        results[f"strokes {name}"] = ui_strokes.stroke_latency(out, config, name, strokes=4 if quick else 20)
    for name, config in ui_strokes.MODELS.items():
        # One epoch: the bundled sample for the reference model, 2,000 shapes for the colour one.
        subset = 256 if quick else (None if config == ui_strokes.MODELS["reference 28×28×1"] else 2_000)
        results[f"stalls {name}"] = ui_gaps.stalls(out, config.with_training(train_subset=subset), name)
    return results
