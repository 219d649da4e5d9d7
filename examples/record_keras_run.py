"""Train a colour CNN with Keras under ``tf.distribute.MirroredStrategy`` while cnnviz records the run.

Open cnnviz's History (or ``cnnviz runs``) while it trains to watch the curves and kernels grow::

    python3 examples/record_keras_run.py --epochs 10
    python3 examples/record_keras_run.py --out /tmp/colour-run --epochs 3 --samples 2000

With several GPUs the strategy mirrors the model on each; on a machine with one CPU and no GPU,
``--logical-cpus 2`` splits the CPU into two logical devices so the mirrored path runs anyway.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="the run folder (default: a new folder where cnnviz's History looks)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--samples", type=int, default=4000, help="training images to generate")
    parser.add_argument("--batch-size", type=int, default=64, help="the global batch, split over the devices")
    parser.add_argument("--size", default="32x40", help="image height x width (the model adapts to it)")
    parser.add_argument("--logical-cpus", type=int, default=0,
                        help="split the CPU into this many logical devices when there is no GPU (e.g. 2)")
    parser.add_argument("--overwrite", action="store_true", help="replace what --out holds")
    parser.add_argument("--checkpoint-every", default="auto",
                        help="save a checkpoint every N epochs (1: every epoch, so a watching window can open each)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    try:
        height, width = (int(part) for part in args.size.lower().split("x"))
    except ValueError:
        print(f"--size takes HEIGHTxWIDTH such as 32x40, received {args.size!r}.", file=sys.stderr)
        return 2
    import numpy as np
    import tensorflow as tf

    # Logical devices must be set before TensorFlow initializes its devices.
    if args.logical_cpus > 1 and not tf.config.list_physical_devices("GPU"):
        tf.config.set_logical_device_configuration(
            tf.config.list_physical_devices("CPU")[0],
            [tf.config.LogicalDeviceConfiguration() for _ in range(args.logical_cpus)])
    import keras

    from cnnviz.core.datasets.shapes import SHAPE_CLASSES
    from cnnviz.core.datasets.shapes_colour import generate_colour_shapes
    from cnnviz.keras import RunRecorder

    images, labels = generate_colour_shapes(args.samples, seed=0, height=height, width=width)
    x = images.astype(np.float32) / 255.0
    y = labels.astype(np.int64)
    gpus = tf.config.list_logical_devices("GPU")
    devices = [device.name for device in gpus or tf.config.list_logical_devices("CPU")]
    strategy = tf.distribute.MirroredStrategy(devices)
    print(f"training on {strategy.num_replicas_in_sync} device(s): {', '.join(devices)}")
    with strategy.scope():
        model = keras.Sequential([
            keras.Input((height, width, 3)),
            keras.layers.Conv2D(16, (3, 3), activation="relu", name="conv2d"),
            keras.layers.MaxPooling2D((2, 2), name="max_pooling2d"),
            keras.layers.Conv2D(32, (3, 3), activation="relu", name="conv2d_1"),
            keras.layers.MaxPooling2D((2, 2), name="max_pooling2d_1"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(64, activation="relu", name="dense"),
            keras.layers.Dense(len(SHAPE_CLASSES), activation="softmax", name="dense_1"),
        ])
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    every = args.checkpoint_every if args.checkpoint_every == "auto" else int(args.checkpoint_every)
    recorder = RunRecorder(args.out, dataset="shapes-colour", batch_size=args.batch_size, inputs=x[:16],
                           labels=y[:16], overwrite=args.overwrite, checkpoint_every=every)
    model.fit(x, y, epochs=args.epochs, batch_size=args.batch_size, validation_split=0.2, verbose=2,
              callbacks=[recorder])
    print(f"recorded the run in {recorder.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
