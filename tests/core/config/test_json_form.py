"""The JSON form of a layer: pairs given as one integer, and a round trip of every kind."""

import pytest

from cnnviz.core.config import (
    LAYER_CLASSES,
    Activation,
    AveragePooling2D,
    BatchNormalization,
    ConfigError,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
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
    BatchNormalization(momentum=0.9, epsilon=1e-5), Activation("tanh"), GlobalAveragePooling2D(),
    GlobalMaxPooling2D(),
], ids=lambda layer: layer.kind)
def test_every_layer_kind_round_trips_through_its_json_form(layer):
    data = layer_to_dict(layer)
    assert data["type"] == layer.kind
    assert layer_from_dict(data) == layer


def test_every_layer_kind_is_covered_by_the_round_trip():
    assert set(LAYER_CLASSES) == {"conv2d", "max_pooling2d", "average_pooling2d", "spectral_pooling2d", "dropout",
                                  "flatten", "dense", "batch_normalization", "activation",
                                  "global_average_pooling2d", "global_max_pooling2d"}


def test_batch_normalization_settings_read_as_numbers():
    layer = layer_from_dict({"type": "batch_normalization", "momentum": 1, "epsilon": 0.01})
    assert layer == BatchNormalization(momentum=1.0, epsilon=0.01) and isinstance(layer.momentum, float)
    with pytest.raises(ConfigError, match=r"setting 'epsilon' must be a number greater than 0, received 'small'"):
        layer_from_dict({"type": "batch_normalization", "epsilon": "small"})
    with pytest.raises(ConfigError, match=r"setting 'momentum' must be a number in \(0, 1\)"):
        layer_from_dict({"type": "batch_normalization", "momentum": True})
