"""The cost of cnnviz.keras.RunRecorder at its defaults: ``model.fit`` of a colour CNN with and without it.

One process, one model; fits of a few epochs alternate (without, with, with, without ...) after a
warm-up of each, so both see the same machine; each fit with the recorder writes a new run folder, as
a training script would. Prints the median fit time of each and their ratio (the recorder's budget: at
most 2 % more), and, less sensitive to a shared machine's noise, the time spent inside the recorder's
callbacks as a share of each fit it recorded. Run from the repository root::

    PYTHONPATH=. python3 benchmarks/bench_recorder.py            # 4 pairs of 5-epoch fits, 4,000 images
    PYTHONPATH=. python3 benchmarks/bench_recorder.py --quick    # 2 pairs of 4-epoch fits, 1,000 images
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--pairs", type=int, default=None, help="timed pairs of fits (default 4, quick 2)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs per fit (default 5, quick 4)")
    parser.add_argument("--samples", type=int, default=None, help="images per epoch (default 4000, quick 1000)")
    args = parser.parse_args(argv)
    pairs = args.pairs or (2 if args.quick else 4)
    epochs = args.epochs or (4 if args.quick else 5)
    samples = args.samples or (1000 if args.quick else 4000)

    import keras
    import numpy as np

    from cnnviz.core.datasets.shapes_colour import generate_colour_shapes
    from cnnviz.keras import RunRecorder

    images, labels = generate_colour_shapes(samples, seed=0, height=32, width=40)
    x, y = images.astype(np.float32) / 255.0, labels.astype(np.int64)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((32, 40, 3)), keras.layers.Conv2D(16, 3, activation="relu"), keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    folder = Path(tempfile.mkdtemp(prefix="cnnviz-bench-recorder-"))
    inside: dict[str, float] = {}
    timing = threading.Lock()

    def timed(method):
        def call(self, *args, **kwargs):
            start = time.perf_counter()
            try:
                return method(self, *args, **kwargs)
            finally:
                with timing:
                    inside[method.__name__] = inside.get(method.__name__, 0.0) + time.perf_counter() - start
        return call

    class TimedRecorder(RunRecorder):
        on_train_begin = timed(RunRecorder.on_train_begin)
        on_epoch_begin = timed(RunRecorder.on_epoch_begin)
        on_train_batch_end = timed(RunRecorder.on_train_batch_end)
        on_epoch_end = timed(RunRecorder.on_epoch_end)
        on_train_end = timed(RunRecorder.on_train_end)

    shares: list[float] = []
    parts: list[dict[str, float]] = []
    times: dict[str, list[float]] = {"without": [], "with": []}

    def fit(kind: str, index: int, num_epochs: int) -> float:
        callbacks = [TimedRecorder(folder / f"{kind}-{index}", batch_size=64)] if kind == "with" else []
        inside.clear()
        start = time.perf_counter()
        model.fit(x, y, epochs=num_epochs, batch_size=64, verbose=0, callbacks=callbacks)
        seconds = time.perf_counter() - start
        if callbacks and index >= 0:
            shares.append(sum(inside.values()) / seconds)
            parts.append(dict(inside))
        return seconds

    fit("without", -1, 1), fit("with", -1, 1)  # warm-up: tracing, first saves
    for index in range(pairs):
        for kind in ("without", "with") if index % 2 == 0 else ("with", "without"):
            times[kind].append(fit(kind, index, epochs))
    without, with_recorder = statistics.median(times["without"]), statistics.median(times["with"])
    batches = -(-samples // 64)
    print(f"colour CNN 32x40x3, {samples} images, batch 64 ({batches} batches), {epochs} epochs per fit, "
          f"{pairs} alternating pairs")
    print(f"fit without recorder: median {without:.3f} s  ({', '.join(f'{t:.2f}' for t in times['without'])})")
    print(f"fit with recorder:    median {with_recorder:.3f} s  "
          f"({', '.join(f'{t:.2f}' for t in times['with'])})")
    print(f"ratio with/without: {with_recorder / without:.4f}  (overhead {100 * (with_recorder / without - 1):+.2f} %)")
    print(f"time inside the recorder's callbacks: {', '.join(f'{100 * share:.2f} %' for share in shares)} of each "
          f"recorded fit (median {100 * statistics.median(shares):.2f} %)")
    for name in ("on_train_begin", "on_train_batch_end", "on_epoch_end", "on_train_end"):
        seconds = statistics.median(part.get(name, 0.0) for part in parts)
        per = f", {1000 * seconds / epochs:.1f} ms per epoch" if name == "on_epoch_end" else ""
        per = f", {1e6 * seconds / (epochs * batches):.0f} µs per batch" if name == "on_train_batch_end" else per
        print(f"  {name:<20} median {1000 * seconds:8.1f} ms per fit{per}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
