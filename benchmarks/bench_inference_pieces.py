"""Evaluation in pieces sized by memory against passes of the whole ``batch_size``, NumPy engine:
run with `python benchmarks/bench_inference_pieces.py [--images N] [--repeats N]`.

For the reference model and a 64×64×3 colour model, ``evaluate`` on the same images is run with
the engine's pieces (:meth:`NumpyEngine.inference_piece`: no array over ``INFERENCE_PIECE_BYTES``)
and with every pass forced to 256 images (the old rule), alternately in one process (the machine
is shared and noisy: only the ratio of one run means much). While each runs on a second thread,
as the model service's worker runs it, a probe on the main thread wakes every millisecond, as the
window's event loop would: the longest time it waited is printed too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench_colour_inspection import MODELS  # noqa: E402  (the same two models)

from cnnviz.engines.numpy_engine import NumpyEngine  # noqa: E402


def timed_with_probe(work) -> tuple[float, float]:
    """(seconds ``work`` took on a second thread, longest wait of a 1 ms probe on this one, ms)."""
    done = threading.Event()
    thread = threading.Thread(target=lambda: (work(), done.set()))
    ticks = [time.perf_counter()]
    thread.start()
    while not done.is_set():
        time.sleep(0.001)
        ticks.append(time.perf_counter())
    thread.join()
    return ticks[-1] - ticks[0], float(np.diff(ticks).max() * 1000)


def evaluate_once(engine: NumpyEngine, images: np.ndarray, labels: np.ndarray,
                  whole_batches: bool) -> tuple[float, float]:
    """:func:`timed_with_probe` of one ``evaluate`` in passes of 256, in the engine's pieces unless
    ``whole_batches`` (every pass then takes all 256, the old rule)."""
    rule = NumpyEngine.inference_piece
    if whole_batches:
        NumpyEngine.inference_piece = lambda self, batch_size: batch_size
    try:
        return timed_with_probe(lambda: engine.evaluate(images, labels, batch_size=256))
    finally:
        NumpyEngine.inference_piece = rule


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    for name, config in MODELS.items():
        engine = NumpyEngine(config, seed=0)
        images = rng.random((args.images, *config.input_shape), dtype=np.float32)
        labels = rng.integers(0, engine.num_classes, args.images)
        engine.evaluate(images[:16], labels[:16])   # warm up
        piece = engine.inference_piece(256)
        times: dict[str, list[float]] = {"pieces": [], "256": []}
        waits: dict[str, list[float]] = {"pieces": [], "256": []}
        for _ in range(args.repeats):
            for rule in ("pieces", "256"):
                seconds, wait = evaluate_once(engine, images, labels, whole_batches=rule == "256")
                times[rule].append(seconds)
                waits[rule].append(wait)
        pieces, whole = statistics.median(times["pieces"]), statistics.median(times["256"])
        print(f"{name}: evaluate {args.images} images, pieces of {piece}: {pieces * 1000:.0f} ms "
              f"(probe's longest wait {max(waits['pieces']):.1f} ms); passes of 256: {whole * 1000:.0f} ms "
              f"(longest wait {max(waits['256']):.1f} ms); 256 / pieces = {whole / pieces:.2f}")


if __name__ == "__main__":
    main()
