"""The cost of the per-epoch histograms (parameters, activations and gradients) in the app's training.

One process, one model (the reference MNIST network on the bundled sample, NumPy engine): it trains
``--epochs`` epochs with a run folder and, after each epoch, times the histogram step exactly as
:func:`cnnviz.service.runner.train_run` takes it (parameters, the probe's activations and gradients,
written to the run folder) a few times on the same weights. Prints the median epoch time, the median
histogram time and their ratio, all measured side by side in one run. Run from the repository root::

    PYTHONPATH=. python3 benchmarks/bench_histograms.py             # 3 epochs of 4,000 images
    PYTHONPATH=. python3 benchmarks/bench_histograms.py --quick     # 2 epochs of 1,000 images
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--epochs", type=int, default=None, help="epochs (default 3, quick 2)")
    parser.add_argument("--samples", type=int, default=None, help="training images (default 4000, quick 1000)")
    parser.add_argument("--engine", default="numpy", help="numpy or keras")
    args = parser.parse_args(argv)
    epochs = args.epochs or (2 if args.quick else 3)
    samples = args.samples or (1000 if args.quick else 4000)

    from cnnviz.core.config import reference_config
    from cnnviz.core.histograms import ACTIVATION_SAMPLES, parameter_histograms, probe_histograms
    from cnnviz.core.results import EpochResult
    from cnnviz.core.runs import RunDirectory
    from cnnviz.core.training_data import prepare_training_data
    from cnnviz.engines.registry import create_engine
    from cnnviz.service.runner import train_run

    config = reference_config().with_training(dataset="mnist-sample", train_subset=samples, batch_size=64,
                                              epochs=epochs, validation_split=0.1)
    data = prepare_training_data(config.training)
    engine = create_engine(args.engine, config)
    run = RunDirectory(Path(tempfile.mkdtemp(prefix="cnnviz-bench-histograms-")) / "run")
    probe, labels = data.val_images[:ACTIVATION_SAMPLES], data.val_labels[:ACTIVATION_SAMPLES]

    def histogram_step(epoch: int) -> float:
        start = time.perf_counter()
        found = parameter_histograms(engine.get_weights())
        found.update(probe_histograms(engine, probe, labels))
        run.save_histograms(epoch, found)
        return time.perf_counter() - start

    epoch_seconds, histogram_seconds = [], []
    previous = 0.0
    for result in train_run(engine, data, run, epochs=epochs, batch_size=64, seed=0):
        if isinstance(result, EpochResult):
            epoch_seconds.append(result.elapsed - previous)
            previous = result.elapsed
            histogram_seconds.extend(histogram_step(result.epoch) for _ in range(3))
    run.close(status="finished")
    epoch_time, histogram_time = statistics.median(epoch_seconds), statistics.median(histogram_seconds)
    print(f"{args.engine} engine, {len(data.train_labels)} training images, {epochs} epochs, "
          f"{ACTIVATION_SAMPLES} probe images")
    print(f"median epoch {epoch_time:.3f} s, median histogram step {histogram_time * 1000:.1f} ms: "
          f"{100 * histogram_time / epoch_time:.2f} % of an epoch")
    return 0


if __name__ == "__main__":
    sys.exit(main())
