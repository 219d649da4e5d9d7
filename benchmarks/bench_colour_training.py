"""Training speed on 32×32×3 colour shapes, NumPy engine against Keras engine on the same model:
run with `python benchmarks/bench_colour_training.py [--images N] [--rounds N] [--quick]`.

Both engines train the same configuration on the same shuffled batches of the ``shapes-colour``
dataset, one epoch each, alternating in one process (the machine may be shared and noisy, so only
ratios from the same run mean much). Prints images per second of each engine and the NumPy engine's
time per image as a multiple of Keras's (at most 1: the NumPy engine is no slower).

Models: ``reference`` (the report's model, at 32×32×3 with three outputs) and ``colour`` (three
"same" 3×3 convolutions of 16, 32 and 32 filters, max pooling after each, a batch normalization after
the first, global average pooling, three outputs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from dataclasses import replace

from cnnviz.bench.engines import run_epoch
from cnnviz.core import config as cfg
from cnnviz.core.training_data import prepare_training_data
from cnnviz.engines.registry import create_engine

SHAPE = (32, 32, 3)


def models() -> dict[str, cfg.ModelConfig]:
    reference = cfg.reference_config()
    reference = replace(reference, input_shape=SHAPE,
                        layers=(*reference.layers[:-1], cfg.Dense(3, "softmax")))
    colour = cfg.ModelConfig(input_shape=SHAPE, layers=(
        cfg.Conv2D(16, (3, 3), padding="same", activation="linear"), cfg.BatchNormalization(), cfg.Activation("relu"),
        cfg.MaxPooling2D(), cfg.Conv2D(32, (3, 3), padding="same"), cfg.MaxPooling2D(),
        cfg.Conv2D(32, (3, 3), padding="same"), cfg.MaxPooling2D(), cfg.GlobalAveragePooling2D(),
        cfg.Dense(3, "softmax")))
    return {"reference": reference, "colour": colour}


def measure(name: str, config: cfg.ModelConfig, num_images: int, batch_size: int, rounds: int,
            out=print) -> dict[str, float]:
    """Images per second of each engine (medians over alternating rounds) and the time ratio."""
    config = config.with_training(dataset="shapes-colour", train_subset=num_images, batch_size=batch_size,
                                  validation_split=0.0, optimizer="adam", learning_rate=1e-3)
    data = prepare_training_data(config.training, input_shape=config.input_shape, num_outputs=3)
    images, labels = data.train_images, data.train_labels
    engines = {engine: create_engine(engine, config) for engine in ("numpy", "keras")}
    for engine in engines.values():   # warm-up: TensorFlow traces its step, caches fill
        run_epoch(engine, images[:4 * batch_size], labels[:4 * batch_size], batch_size)
    seconds: dict[str, list[float]] = {engine: [] for engine in engines}
    for round_index in range(rounds):
        for engine_name, engine in engines.items():
            seconds[engine_name].append(run_epoch(engine, images, labels, batch_size, seed=round_index))
    rates = {engine: len(images) / statistics.median(values) for engine, values in seconds.items()}
    ratio = rates["keras"] / rates["numpy"]
    out(f"  {name:<9} numpy {rates['numpy']:8,.0f} images/s   keras {rates['keras']:8,.0f} images/s   "
        f"numpy time / keras time per image: {ratio:.2f}")
    return {"numpy": rates["numpy"], "keras": rates["keras"], "ratio": ratio}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2048, help="training images per epoch (default 2048)")
    parser.add_argument("--batch-size", type=int, default=32, help="batch size (default 32)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating epochs per engine (default 3)")
    parser.add_argument("--model", choices=("reference", "colour", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (256 images, 1 round)")
    args = parser.parse_args(argv)
    if args.quick:
        args.images, args.rounds = 256, 1
    if min(args.images, args.batch_size, args.rounds) < 1:
        parser.error("--images, --batch-size and --rounds must be at least 1.")
    print(f"colour training: shapes-colour 32×32×3, {args.images:,} images, batch {args.batch_size}, "
          f"{args.rounds} alternating epoch(s) per engine ({os.cpu_count()} cores)")
    for name, config in models().items():
        if args.model in (name, "both"):
            measure(name, config, args.images, args.batch_size, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
