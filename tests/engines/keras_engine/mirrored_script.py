"""Run by test_devices.py in a process of its own (logical devices must be set before TensorFlow
starts): the same short training under MirroredStrategy over two logical CPU devices and on one
device, then the inspection paths, save and load under the strategy. Prints one JSON object."""

import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from cnnviz.core.config import Conv2D, Dense, Flatten, MaxPooling2D, ModelConfig, TrainingConfig
from cnnviz.engines.keras_engine import KerasEngine


def main(folder: Path) -> None:
    config = ModelConfig(input_shape=(20, 24, 3),
                         layers=(Conv2D(6, (3, 3), activation="relu"), MaxPooling2D((2, 2)), Flatten(),
                                 Dense(3, activation="softmax")),
                         training=TrainingConfig(optimizer="adam", learning_rate=0.01, batch_size=16, seed=3,
                                                 dataset="shapes-colour"))
    rng = np.random.default_rng(0)
    images = rng.random((48, 20, 24, 3), dtype=np.float32)
    labels = (images[:, :, :12].mean(axis=(1, 2, 3)) > images[:, :, 12:].mean(axis=(1, 2, 3))).astype(np.int64)
    labels += (images[..., 0].mean(axis=(1, 2)) > 0.5).astype(np.int64)
    # Whole batches, an odd one the replicas share unevenly, and one image: one replica gets none.
    batches = [slice(0, 16), slice(16, 32), slice(32, 47), slice(47, 48)] * 3
    mirrored = KerasEngine(config)  # the request comes from $CNNVIZ_DEVICES
    single = KerasEngine(config, devices="cpu")
    result = {"mirrored_device": mirrored.device, "single_device": single.device,
              "replicas": mirrored._strategy.num_replicas_in_sync}
    for name, engine in (("mirrored", mirrored), ("single", single)):
        result[name] = [engine.train_step(images[part], labels[part]) for part in batches]
    result["weights_gap"] = max(float(np.abs(value - single.get_weights()[layer][key]).max())
                                for layer, params in mirrored.get_weights().items() for key, value in params.items())
    single.set_weights(mirrored.get_weights())
    gradients = [engine.gradients(images[:4], class_index=1) for engine in (mirrored, single)]
    result["gradient_gap"] = max(float(np.abs(gradients[0].parameters[layer][key] - value).max())
                                 for layer, params in gradients[1].parameters.items() for key, value in params.items())
    result["input_gradient_gap"] = float(np.abs(gradients[0].input - gradients[1].input).max())
    maps = [engine.feature_maps(images[:4]) for engine in (mirrored, single)]
    result["maps_gap"] = max(float(np.abs(maps[0][name] - maps[1][name]).max()) for name in maps[1])
    guided = [engine.guided_gradients(images[:4], 2) for engine in (mirrored, single)]
    result["guided_gap"] = float(np.abs(guided[0] - guided[1]).max())
    direction = np.ones((4, 9, 11, 6), np.float32)
    units = [engine.unit_gradients(images[:4], "max_pooling2d", direction)[1] for engine in (mirrored, single)]
    result["unit_gap"] = float(np.abs(units[0] - units[1]).max())
    state = mirrored.training_state()
    path = mirrored.save(folder / "mirrored.keras")
    loaded = KerasEngine.load(path)
    loaded.set_training_state(state)
    result["loaded_device"] = loaded.device
    result["loaded_gap"] = float(np.abs(loaded.predict(images) - mirrored.predict(images)).max())
    result["loaded_step"] = loaded.train_step(images[:16], labels[:16])
    # Another optimizer makes a new training step; it must still run on every replica.
    for engine in (mirrored, single):
        engine.set_training(replace(engine.config.training, optimizer="momentum"))
    result["momentum"] = [engine.train_step(images[:15], labels[:15]) for engine in (mirrored, single)]
    print(json.dumps(result))


if __name__ == "__main__":
    assert os.environ.get("CNNVIZ_DEVICES") == "2"
    main(Path(sys.argv[1]))
