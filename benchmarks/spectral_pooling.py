"""Max pooling against spectral pooling on the reference model: run with
`python benchmarks/spectral_pooling.py [--epochs N] [--engine numpy|keras] [--quick]`.

Trains the report's reference model twice on the bundled MNIST sample (8,000 train /
2,000 test; Adam 1e-3, batch 32, seed 0, no validation split): once as it is
(MaxPooling2D 2x2, 26x26 -> 13x13) and once with SpectralPooling2D((13, 13)) in its
place, so both give the same 13x13x28 maps and the same 607,394 parameters. The two
runs share the initial weights (the same seed and the same parameter shapes) and the
batch order. Prints, after every epoch, the mean training loss over the epoch's
batches (dropout active, as the training monitor reports it), the test accuracy and
the test loss, and the seconds the epoch took.
"""

from __future__ import annotations

import argparse
import sys
import time

from cnnviz.core.config import MaxPooling2D, ModelConfig, SpectralPooling2D, reference_config
from cnnviz.core.results import EpochResult
from cnnviz.core.training_data import prepare_training_data
from cnnviz.engines.base import train_epochs
from cnnviz.engines.registry import create_engine


def configs() -> dict[str, ModelConfig]:
    """The reference model with max pooling, and with spectral pooling to the same 13x13 size."""
    reference = reference_config().with_training(optimizer="adam", learning_rate=1e-3, batch_size=32,
                                                  seed=0, validation_split=0.0)
    spectral = reference.with_layers([SpectralPooling2D((13, 13)) if isinstance(layer, MaxPooling2D)
                                      else layer for layer in reference.layers])
    return {"max pooling 2x2": reference, "spectral pooling 13x13": spectral}


def run(engine_name: str, epochs: int, train_subset: int | None) -> dict[str, list[dict]]:
    """Train each model and return, per model, one record per epoch."""
    results = {}
    for label, config in configs().items():
        config = config.with_training(epochs=epochs, train_subset=train_subset)
        data = prepare_training_data(config.training)
        engine = create_engine(engine_name, config)
        records = []
        started = time.perf_counter()
        for result in train_epochs(engine, data.train_images, data.train_labels, None, epochs=epochs,
                                   batch_size=config.training.batch_size, seed=config.training.seed):
            if isinstance(result, EpochResult):
                seconds = time.perf_counter() - started
                test_loss, test_accuracy = engine.evaluate(data.test_images, data.test_labels)
                records.append({"epoch": result.epoch + 1, "train_loss": result.loss,
                                "test_loss": test_loss, "test_accuracy": test_accuracy, "seconds": seconds})
                print(f"  {label:<24} epoch {result.epoch + 1}: train loss {result.loss:.4f}, "
                      f"test accuracy {test_accuracy:.4f}, test loss {test_loss:.4f} ({seconds:.1f} s)",
                      flush=True)
                started = time.perf_counter()
        results[label] = records
    return results


def table(results: dict[str, list[dict]]) -> str:
    """A Markdown table: one row per epoch, both models side by side."""
    labels = list(results)
    header = "| epoch | " + " | ".join(f"{label}: train loss | {label}: test accuracy" for label in labels) + " |"
    rule = "|---|" + "---|---|" * len(labels)
    rows = []
    for index in range(len(results[labels[0]])):
        cells = [str(index + 1)]
        for label in labels:
            record = results[label][index]
            cells += [f"{record['train_loss']:.4f}", f"{record['test_accuracy']:.4f}"]
        rows.append("| " + " | ".join(cells) + " |")
    seconds = " | ".join(f"{label}: {sum(r['seconds'] for r in results[label]) / len(results[label]):.1f} s"
                         for label in labels)
    return "\n".join([header, rule, *rows, "", f"Mean seconds per epoch (training only): {seconds}"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--engine", choices=("numpy", "keras"), default="numpy")
    parser.add_argument("--quick", action="store_true", help="1 epoch on 1,000 images (a smoke run)")
    arguments = parser.parse_args(argv)
    epochs, subset = (1, 1000) if arguments.quick else (arguments.epochs, None)
    print(f"spectral pooling vs max pooling: reference model, bundled MNIST sample, {arguments.engine} engine, "
          f"Adam 1e-3, batch 32, seed 0, {epochs} epoch(s)" + (", 1,000 images" if subset else ""), flush=True)
    results = run(arguments.engine, epochs, subset)
    print()
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
