"""One run of the report-network preset against one run of the report preset, side by side: run with
`PYTHONPATH=. python benchmarks/report_network.py [--repeats N] [--quick]`.

The report-network preset trains the report's 784-100-10 network by gradient descent on the full
batch of the first 5,000 sample images for 1,500 iterations; the report preset trains the reference
CNN on the same images for ten epochs of 32-image batches (SGD at 0.05 for both). Each repeat times
100 of the network's iterations and one of the CNN's epochs, alternating, and prints the processor
and wall-clock time of a whole run of each, scaled from those, as the network's multiple of the CNN's.
"""

from __future__ import annotations

import argparse
import sys
import time

from cnnviz.core.config import ModelConfig
from cnnviz.core.experiments import PRESETS
from cnnviz.core.training_data import prepare_training_data
from cnnviz.engines.registry import create_engine
from cnnviz.service.runner import train_run


def timed(config: ModelConfig) -> tuple[float, float]:
    """Processor and wall-clock seconds ``config`` takes to train on the NumPy engine."""
    data = prepare_training_data(config.training, input_shape=config.input_shape, num_outputs=10)
    engine = create_engine("numpy", config)
    processor, wall = time.process_time(), time.perf_counter()
    for _ in train_run(engine, data, None, epochs=config.training.epochs, batch_size=config.training.batch_size,
                       seed=0):
        pass
    return time.process_time() - processor, time.perf_counter() - wall


def main(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10 iterations against one epoch, once")
    args = parser.parse_args(arguments)
    iterations, repeats = (10, 1) if args.quick else (100, args.repeats)
    network = PRESETS["report network: learning rate"].base.with_training(iterations=iterations)
    cnn = PRESETS["learning rate"].base.with_training(epochs=1)
    network_scale = PRESETS["report network: learning rate"].base.training.iterations / iterations
    cnn_scale = PRESETS["learning rate"].base.training.epochs
    for repeat in range(repeats):
        network_times = [seconds * network_scale for seconds in timed(network)]
        cnn_times = [seconds * cnn_scale for seconds in timed(cnn)]
        print(f"repeat {repeat + 1}: a run of the network {network_times[0]:.0f} s processor / "
              f"{network_times[1]:.0f} s wall, of the CNN {cnn_times[0]:.0f} s / {cnn_times[1]:.0f} s; network ÷ CNN: "
              f"{network_times[0] / cnn_times[0]:.2f} (processor), {network_times[1] / cnn_times[1]:.2f} (wall)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
