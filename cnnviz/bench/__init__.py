"""Benchmarks that compare the engines side by side in one process (``cnnviz bench``), and the
soak of the model service.

The machine may be shared and noisy, so every figure that matters is a ratio of
runs made in the same process, alternating between engines; absolute times are
printed for context only.

- ``speed``: one epoch of the reference model (Adam) on 60,000 images at batch 128 and at
  batch 32 with the NumPy engine, the Keras engine (our per-batch loop) and plain
  ``keras.Model.fit``, alternating, every round printed; samples per second, ratios, four
  consecutive NumPy epochs (the last against the first), and the NumPy run's peak memory
  (measured in a separate process so TensorFlow's memory does not count).
- ``accuracy``: both engines on the bundled sample (8,000 / 2,000, Adam 1e-3, batch 32,
  5 epochs, same seed), test accuracy after every epoch.
- ``fashion``: the NumPy engine on full Fashion-MNIST, 3 epochs at batch 128.
- ``latency``: from one 28x28 input to a complete inspection (every feature map, the
  kernels, gradients with respect to the input and every layer), median and 95th
  percentile per engine.
- ``ui``: start-up, event-loop stalls while training and stroke latency
  (:mod:`cnnviz.bench.ui`).
- ``app``: the window's training against the command line's, alternating, one epoch of 6,000
  Fashion-MNIST images at batch 128 and 32, wall and CPU time (:mod:`cnnviz.bench.app_training`).

:mod:`cnnviz.bench.soak` drives the model service through many train / pause / resume / stop
cycles for the robustness tests and ``benchmarks/soak.py``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

BENCHMARKS = ("speed", "accuracy", "fashion", "latency", "ui", "app")


def run(names: list[str], out: Callable[[str], None] = print, quick: bool = False) -> dict:
    """Run the named benchmarks; ``quick`` shrinks them to a smoke test."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Imported when run: the engines' benchmarks load TensorFlow, the interface's load Qt.
    from cnnviz.bench import engines

    results = {}
    for name in names:
        if name == "speed":
            results[name] = engines.speed(out, repeats=1 if quick else 3, num_samples=2_560 if quick else 60_000,
                                          drift_epochs=2 if quick else 4)
        elif name == "accuracy":
            results[name] = engines.accuracy(out, epochs=1 if quick else 5)
        elif name == "fashion":
            results[name] = engines.fashion(out, epochs=1 if quick else 3)
        elif name == "latency":
            results[name] = engines.latency(out, repeats=20 if quick else 200)
        elif name == "ui":
            from cnnviz.bench import ui

            results[name] = ui.run(out, quick=quick)
        elif name == "app":
            from cnnviz.bench import app_training

            results[name] = app_training.app_vs_cli(out, rounds=1 if quick else 3,
                                                    num_samples=640 if quick else 6_000)
        else:
            raise ValueError(f"Unknown benchmark {name!r}; expected one of {', '.join(BENCHMARKS)}.")
    return results


def main(argv: list[str] | None = None) -> int:
    """``python benchmarks/NAME.py``: run benchmarks by name, print them, optionally write JSON."""
    import argparse

    parser = argparse.ArgumentParser(description="Compare the engines' speed, accuracy and inspection latency, "
                                                 "and the interface's responsiveness.")
    parser.add_argument("names", nargs="*", default=list(BENCHMARKS))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    results = run(args.names, quick=args.quick)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2)
    return 0
