"""The Keras engine's training step on one device against MirroredStrategy, alternating, in one process.

Without GPUs the CPU is split into logical devices (``--devices N``, default 2) before TensorFlow
starts, so the strategy's own cost is what shows: both replicas share the same cores. With GPUs, N
of them are mirrored. Prints the median step time of each and their ratio (run with
``PYTHONPATH=.`` from the repository root).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", default="2", help="the device request of the mirrored engine")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of --steps steps")
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    os.environ["CNNVIZ_DEVICES"] = args.devices

    import numpy as np

    from cnnviz.core.config import reference_config
    from cnnviz.engines.keras_engine import KerasEngine

    config = reference_config().with_training(batch_size=args.batch_size)
    mirrored = KerasEngine(config)
    single = KerasEngine(config, devices="cpu" if mirrored.device_plan.logical_cpus else 1)
    rng = np.random.default_rng(0)
    images = rng.random((args.batch_size, *config.input_shape), dtype=np.float32)
    labels = rng.integers(0, 10, args.batch_size)
    times: dict[str, list[float]] = {mirrored.device: [], single.device: []}
    for engine in (mirrored, single):  # trace both steps first
        engine.train_step(images, labels)
    for _ in range(args.rounds):
        for engine in (single, mirrored):
            start = time.perf_counter()
            for _ in range(args.steps):
                engine.train_step(images, labels)
            times[engine.device].append((time.perf_counter() - start) / args.steps)
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, value in medians.items():
        print(f"{name:45s} {1000 * value:8.1f} ms per step of {args.batch_size}")
    print(f"mirrored / one device: {medians[mirrored.device] / medians[single.device]:.2f}")


if __name__ == "__main__":
    main()
