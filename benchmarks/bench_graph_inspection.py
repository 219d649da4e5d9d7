"""Inspection of a Keras graph model (MobileNetV2, 96×96×3, random weights), Keras engine:
run with `python benchmarks/bench_graph_inspection.py [--repeats N] [--alpha A]`.

Two measurements in one process:

1. The whole inspection as the model service's worker runs it (``run_inspection``: every layer's
   feature maps, kernels, gradients with respect to the input, every layer and every parameter,
   spectra and flip checks), alternating with a reference on the same input — Keras's own
   ``model.predict`` and a plain call ``model(image)`` — so that the ratio, not the absolute time,
   carries the result on a shared, noisy machine. Prints medians and 95th percentiles.
2. The interface's event loop while the model service inspects on its worker thread: a 5 ms timer
   probe records the longest gap between its ticks (as ``cnnviz bench ui`` does while training).

Target: a median inspection of at most 500 ms, and no event-loop gap over 50 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np


def build(folder: Path, alpha: float) -> Path:
    import keras

    keras.utils.set_random_seed(0)
    model = keras.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3), classes=10, alpha=alpha)
    path = folder / "mobilenetv2.keras"
    model.save(path)
    return path


def percentile(values: list[float], share: float) -> float:
    return float(np.percentile(values, share))


def inspection_times(path: Path, repeats: int) -> dict[str, list[float]]:
    """Milliseconds per inspection and per reference call, alternating, each on a fresh input."""
    from cnnviz.engines.keras_engine import KerasEngine
    from cnnviz.service.inspection import run_inspection

    engine = KerasEngine.load(path)
    model = engine.model
    rng = np.random.default_rng(0)
    for _ in range(2):  # warm-up: traces the engine's graphs and Keras's predict function
        image = rng.random((1, 96, 96, 3), dtype=np.float32)
        run_inspection(engine, image)
        model.predict(image, verbose=0)
        model(image, training=False)
    times: dict[str, list[float]] = {"inspection": [], "predict": [], "call": []}
    for _ in range(repeats):
        image = rng.random((1, 96, 96, 3), dtype=np.float32)
        for name, function in (("inspection", partial(run_inspection, engine, image)),
                               ("predict", partial(model.predict, image, verbose=0)),
                               ("call", partial(model, image, training=False))):
            start = time.perf_counter()
            function()
            times[name].append((time.perf_counter() - start) * 1000)
    return times


def event_loop_gaps(path: Path, inspections: int) -> list[float]:
    """Gaps (ms) between 5 ms timer ticks on the interface thread while the service inspects."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from cnnviz.service.model_service import ModelService

    app = QApplication.instance() or QApplication([])
    service = ModelService(run_root=False)
    results, models = [], []
    service.sig_inspection_finished.connect(results.append)
    service.sig_model_changed.connect(models.append)

    def wait(condition, timeout=300.0):
        end = time.perf_counter() + timeout
        while not condition() and time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.001)

    try:
        service.load(path)
        wait(lambda: bool(models))
        rng = np.random.default_rng(1)
        service.inspect(rng.random((1, 96, 96, 3), dtype=np.float32))  # warm-up (traces)
        wait(lambda: len(results) == 1)
        gaps: list[float] = []
        last = [time.perf_counter()]

        def probe() -> None:
            now = time.perf_counter()
            gaps.append((now - last[0]) * 1000)
            last[0] = now

        timer = QTimer(interval=5)
        timer.timeout.connect(probe)
        last[0] = time.perf_counter()
        timer.start()
        for count in range(inspections):
            service.inspect(rng.random((1, 96, 96, 3), dtype=np.float32))
            wait(lambda count=count: len(results) == count + 2)
        timer.stop()
        return gaps
    finally:
        service.shutdown(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="inspections measured (default 15)")
    parser.add_argument("--alpha", type=float, default=1.0, help="MobileNetV2 width multiplier (default 1.0)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = build(Path(folder), args.alpha)
        times = inspection_times(path, args.repeats)
        for name, values in times.items():
            print(f"{name:>10}: median {statistics.median(values):7.1f} ms, 95th percentile "
                  f"{percentile(values, 95):7.1f} ms ({len(values)} runs)")
        ratio = statistics.median(times["inspection"]) / statistics.median(times["predict"])
        print(f"inspection / model.predict: {ratio:.2f}× (same run, same inputs); "
              f"inspection / model(image): "
              f"{statistics.median(times['inspection']) / statistics.median(times['call']):.2f}×")
        gaps = event_loop_gaps(path, max(5, args.repeats // 2))
        print(f"event loop while the service inspects ({len(gaps)} probes every 5 ms): longest gap "
              f"{max(gaps):.1f} ms, 99th percentile {percentile(gaps, 99):.1f} ms, "
              f"median {statistics.median(gaps):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
