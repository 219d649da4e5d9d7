"""Interface benchmarks (``cnnviz bench ui``): start-up, event-loop stalls while training, stroke latency.

- start-up: a fresh process from launch to the main window shown, and to the first inspection
  on screen, next to a baseline process that only imports Qt's widgets (same run, alternating);
  also checks that TensorFlow was not imported.
- stalls: a 5 ms timer probe measures the longest gap in the interface's event loop while the
  model service trains the reference model for one epoch on the bundled sample.
- stroke latency: from a stroke drawn on the canvas to every visible viewer updated.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np

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
    from cnnviz.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(ModelService(run_root=False),
                        settings=QSettings(os.path.join(settings_folder, "s.ini"), QSettings.IniFormat))
    window.resize(1500, 950)
    window.show()
    return app, window


def _wait(app, condition, timeout: float = 60.0) -> None:
    end = time.perf_counter() + timeout
    while not condition() and time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def stalls(out: Callable[[str], None], epochs: int = 1) -> dict:
    """Longest event-loop gap while the service trains the reference model on the bundled sample."""
    from PySide6.QtCore import QTimer

    from cnnviz.core.config import reference_config

    with tempfile.TemporaryDirectory() as folder:
        app, window = _window(folder)
        _wait(app, lambda: window.last_result() is not None)
        gaps: list[float] = []
        last = [time.perf_counter()]

        def probe() -> None:
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

        timer = QTimer(interval=5)
        timer.timeout.connect(probe)
        finished = []
        window.service.sig_training_finished.connect(finished.append)
        window.config_panel.set_config(reference_config().with_training(epochs=epochs))
        window.config_panel.train_button.click()  # as a user starts training
        _wait(app, lambda: window.service.state == "training")
        last[0] = time.perf_counter()
        timer.start()
        _wait(app, lambda: bool(finished), timeout=600)
        timer.stop()
        window.close()
    gaps_ms = np.array(gaps) * 1000
    result = {"max_gap_ms": float(gaps_ms.max()), "p99_gap_ms": float(np.percentile(gaps_ms, 99)),
              "median_gap_ms": float(np.median(gaps_ms)), "probes": len(gaps)}
    out(f"event loop while training ({epochs} epoch, {len(gaps)} probes every 5 ms): longest gap "
        f"{result['max_gap_ms']:.1f} ms, 99th percentile {result['p99_gap_ms']:.1f} ms, median "
        f"{result['median_gap_ms']:.1f} ms")
    return result


def stroke_latency(out: Callable[[str], None], strokes: int = 40) -> dict:
    """From a stroke on the canvas to every visible viewer updated (debounce included)."""
    with tempfile.TemporaryDirectory() as folder:
        app, window = _window(folder)
        _wait(app, lambda: window.last_result() is not None)
        rng = np.random.default_rng(0)
        latencies = []
        per_tab = {}
        for tab in range(window.tabs.count()):
            window.tabs.setCurrentIndex(tab)
            tab_latencies = []
            for _ in range(strokes // window.tabs.count()):
                window.canvas.clear()
                _wait(app, lambda: window.canvas.current_input() is None, timeout=5)
                shown = []
                window.sig_inspection_shown.connect(shown.append)
                start = time.perf_counter()
                x0, y0, x1, y1 = rng.uniform(40, 240, 4)
                window.canvas.stroke([(x0, y0), (x1, y1)])
                _wait(app, lambda shown=shown: bool(shown), timeout=10)
                app.processEvents()  # paint the updated views
                window.sig_inspection_shown.disconnect(shown.append)
                tab_latencies.append((time.perf_counter() - start) * 1000)
            per_tab[window.tabs.tabText(tab)] = statistics.median(tab_latencies)
            latencies += tab_latencies
        window.close()
    result = {"median_ms": statistics.median(latencies), "p95_ms": float(np.percentile(latencies, 95)),
              "median_by_tab_ms": per_tab}
    out(f"stroke to viewers updated ({len(latencies)} strokes): median {result['median_ms']:.0f} ms, "
        f"95th percentile {result['p95_ms']:.0f} ms; by tab: "
        + ", ".join(f"{name} {value:.0f} ms" for name, value in per_tab.items()))
    return result


def run(out: Callable[[str], None] = print, quick: bool = False) -> dict:
    """All interface benchmarks."""
    return {"startup": startup(out, repeats=1 if quick else 3),
            "stalls": stalls(out),
            "stroke_latency": stroke_latency(out, strokes=8 if quick else 40)}
