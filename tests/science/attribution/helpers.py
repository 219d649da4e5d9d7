"""What the attribution tests share: small seeded models (non-square, colour) and inputs."""

import numpy as np

from cnnviz.core.config import Activation, Conv2D, Dense, Flatten, MaxPooling2D, ModelConfig
from cnnviz.engines.registry import create_engine


def colour_config() -> ModelConfig:
    """A small colour model on non-square input with a separate ReLU layer and pooling."""
    return ModelConfig(input_shape=(12, 10, 3), layers=(
        Conv2D(filters=4, kernel_size=(3, 3), activation="linear"),
        Activation(activation="relu"),
        Conv2D(filters=5, kernel_size=(3, 3), padding="same", activation="relu"),
        MaxPooling2D(pool_size=(2, 2)),
        Flatten(),
        Dense(units=8, activation="relu"),
        Dense(units=10, activation="softmax"),
    ))


def colour_engine(name: str = "numpy", seed: int = 3):
    return create_engine(name, colour_config(), seed=seed)


def random_images(count: int, shape, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((count, *shape), dtype=np.float32)
