"""The JSON form of a layer: pairs given as one integer, and a round trip of every kind."""

import pytest

from cnnviz.core.config import (
    AveragePooling2D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPooling2D,
    ModelConfig,
    SpectralPooling2D,
    layer_from_dict,
    layer_to_dict,
)


def test_kernel_size_accepts_a_single_integer():
    config = ModelConfig.from_dict({"layers": [{"type": "conv2d", "kernel_size": 5, "strides": 2}]})
    assert config.layers[0].kernel_size == (5, 5)
    assert config.layers[0].strides == (2, 2)


@pytest.mark.parametrize("layer", [
    Conv2D(filters=5, kernel_size=(5, 3), strides=(2, 1), padding="same", activation="sigmoid"),
    MaxPooling2D(pool_size=(3, 3), strides=(1, 2)), MaxPooling2D(), AveragePooling2D(strides=(2, 1)),
    SpectralPooling2D((9, 7)), Dropout(rate=0.35), Flatten(), Dense(units=7, activation="linear"),
], ids=lambda layer: layer.kind)
def test_every_layer_kind_round_trips_through_its_json_form(layer):
    data = layer_to_dict(layer)
    assert data["type"] == layer.kind
    assert layer_from_dict(data) == layer
