"""Ready-made models: the report's reference model and a deeper one."""

from __future__ import annotations

from cnnviz.core.config.layers import AveragePooling2D, Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from cnnviz.core.config.model import ModelConfig


def reference_config() -> ModelConfig:
    """The report's reference model (its Figure 2), 607,394 parameters on 28x28x1 input."""
    return ModelConfig(
        input_shape=(28, 28, 1),
        layers=(
            Conv2D(filters=28, kernel_size=(3, 3), activation="relu"),
            MaxPooling2D(pool_size=(2, 2)),
            Dropout(rate=0.2),
            Flatten(),
            Dense(units=128, activation="relu"),
            Dropout(rate=0.2),
            Dense(units=10, activation="softmax"),
        ),
    )


def deep_config() -> ModelConfig:
    """A deeper model: two conv blocks, same padding, stride 2, average pooling, tanh."""
    return ModelConfig(
        input_shape=(28, 28, 1),
        layers=(
            Conv2D(filters=8, kernel_size=(3, 3), padding="same", activation="tanh"),
            AveragePooling2D(pool_size=(2, 2)),
            Conv2D(filters=16, kernel_size=(3, 3), strides=(2, 2), padding="same", activation="tanh"),
            MaxPooling2D(pool_size=(2, 2)),
            Flatten(),
            Dense(units=32, activation="tanh"),
            Dense(units=10, activation="softmax"),
        ),
    )
