"""Inspection time of a 64×64×3 colour model against the 28×28×1 reference model, NumPy engine:
run with `python benchmarks/bench_colour_inspection.py [--repeats N] [--quick]`.

Both models are inspected alternately in one process (the machine may be shared and noisy, so only
the ratio of the same run means much): the engine's part of an inspection (every feature map, the
kernels, gradients with respect to the input, every layer and every parameter) and the whole of it
as the model service runs it (``run_inspection``: the same plus spectra and flip checks). Prints the
median and 95th percentile of each and the colour model's time as a multiple of the reference's.

The colour model: four 3×3 convolutions (16, 16, 32, 32 filters, "same" padding), max pooling after
every second one, a batch normalization after the first, global average pooling and a 10-way output.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from cnnviz.core import config as cfg
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.service.inspection import run_inspection

COLOUR = cfg.ModelConfig(input_shape=(64, 64, 3), layers=(
    cfg.Conv2D(16, (3, 3), padding="same", activation="linear"), cfg.BatchNormalization(), cfg.Activation("relu"),
    cfg.Conv2D(16, (3, 3), padding="same"), cfg.MaxPooling2D(),
    cfg.Conv2D(32, (3, 3), padding="same"), cfg.Conv2D(32, (3, 3), padding="same"), cfg.MaxPooling2D(),
    cfg.GlobalAveragePooling2D(), cfg.Dense(10, "softmax")))
MODELS = {"reference 28×28×1": cfg.reference_config(), "colour 64×64×3": COLOUR}


def engine_inspection(engine: NumpyEngine, image: np.ndarray) -> None:
    """The engine's part of an inspection (as ``cnnviz.bench.engines.full_inspection``)."""
    engine.feature_maps(image)
    engine.kernels()
    engine.gradients(image)


def service_inspection(engine: NumpyEngine, image: np.ndarray) -> None:
    """The whole inspection as the model service's worker runs it."""
    run_inspection(engine, image)


def measure(repeats: int) -> dict[str, dict[str, list[float]]]:
    """Milliseconds per inspection, ``{model: {"engine": [...], "service": [...]}}``, alternating models."""
    rng = np.random.default_rng(0)
    engines = {name: NumpyEngine(config) for name, config in MODELS.items()}
    # A new input every time, as each stroke on the canvas is: nothing computed for one input serves the next.
    images = {name: rng.random((2 * repeats + 3, 1, *config.input_shape), dtype=np.float32)
              for name, config in MODELS.items()}
    samples: dict[str, dict[str, list[float]]] = {name: {"engine": [], "service": []} for name in MODELS}
    for name, engine in engines.items():  # warm-up: caches, allocations, thread pools
        for index in range(3):
            service_inspection(engine, images[name][2 * repeats + index])
    for repeat in range(repeats):
        for name, engine in engines.items():
            for offset, (part, function) in enumerate((("engine", engine_inspection),
                                                       ("service", service_inspection))):
                image = images[name][2 * repeat + offset]
                start = time.perf_counter()
                function(engine, image)
                samples[name][part].append((time.perf_counter() - start) * 1000)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50, help="inspections per model and part (default 50)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (5 repeats)")
    args = parser.parse_args(argv)
    repeats = 5 if args.quick else args.repeats
    if repeats < 1:
        parser.error(f"--repeats must be at least 1, received {repeats}.")
    print(f"colour inspection: NumPy engine, one input, {repeats} repeats per model, alternating "
          f"({os.cpu_count()} cores)")
    samples = measure(repeats)
    reference, colour = MODELS
    for part in ("engine", "service"):
        medians = {name: float(np.median(samples[name][part])) for name in MODELS}
        for name in MODELS:
            p95 = float(np.percentile(samples[name][part], 95))
            print(f"  {part:<7} {name:<18} median {medians[name]:8.2f} ms   p95 {p95:8.2f} ms")
        print(f"  {part:<7} colour / reference: {medians[colour] / medians[reference]:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
