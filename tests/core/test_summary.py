"""Summaries computed from the configuration equal Keras's own shapes and parameter counts."""

import keras
import pytest

from cnnviz.core.config import (
    AveragePooling2D,
    ConfigError,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPooling2D,
    ModelConfig,
    deep_config,
    reference_config,
)
from cnnviz.core.summary import summarize


def keras_model(config: ModelConfig):
    """The same network built directly with Keras (no cnnviz engine involved)."""
    layers = keras.layers
    built = [layers.Input(shape=config.input_shape)]
    for spec, name in zip(config.layers, config.layer_names()):
        if isinstance(spec, Conv2D):
            built.append(layers.Conv2D(spec.filters, spec.kernel_size, strides=spec.strides,
                                       padding=spec.padding, activation=spec.activation, name=name))
        elif isinstance(spec, MaxPooling2D):
            built.append(layers.MaxPooling2D(spec.pool_size, strides=spec.strides, name=name))
        elif isinstance(spec, AveragePooling2D):
            built.append(layers.AveragePooling2D(spec.pool_size, strides=spec.strides, name=name))
        elif isinstance(spec, Dropout):
            built.append(layers.Dropout(spec.rate, name=name))
        elif isinstance(spec, Flatten):
            built.append(layers.Flatten(name=name))
        elif isinstance(spec, Dense):
            built.append(layers.Dense(spec.units, activation=spec.activation, name=name))
    return keras.Sequential(built)


ODD_MODEL = ModelConfig(layers=(
    Conv2D(filters=6, kernel_size=(5, 3), strides=(2, 3), padding="same", activation="tanh"),
    Conv2D(filters=4, kernel_size=(3, 2), strides=(1, 2), padding="valid", activation="sigmoid"),
    AveragePooling2D(pool_size=(3, 2), strides=(1, 1)),
    MaxPooling2D(pool_size=(2, 2), strides=(2, 1)),
    Flatten(), Dense(units=17, activation="linear"), Dropout(rate=0.5),
    Dense(units=10, activation="softmax"),
))


def test_reference_summary_is_the_reports_figure_2():
    summary = summarize(reference_config())
    assert [(row.name, row.label, row.output_shape, row.num_parameters) for row in summary.rows] == [
        ("conv2d", "Conv2D", (None, 26, 26, 28), 280),
        ("max_pooling2d", "MaxPooling2D", (None, 13, 13, 28), 0),
        ("dropout", "Dropout", (None, 13, 13, 28), 0),
        ("flatten", "Flatten", (None, 4732), 0),
        ("dense", "Dense", (None, 128), 605_824),
        ("dropout_1", "Dropout", (None, 128), 0),
        ("dense_1", "Dense", (None, 10), 1_290),
    ]
    assert summary.total_parameters == 607_394
    assert "Total params: 607,394" in summary.to_text()


@pytest.mark.parametrize("config", [reference_config(), deep_config(), ODD_MODEL],
                         ids=["reference", "deep", "odd"])
def test_summary_matches_keras(config):
    model = keras_model(config)
    summary = summarize(config)
    assert [layer.name for layer in model.layers] == [row.name for row in summary.rows]
    assert [tuple(layer.output.shape) for layer in model.layers] == [row.output_shape for row in summary.rows]
    assert [layer.count_params() for layer in model.layers] == [row.num_parameters for row in summary.rows]
    assert model.count_params() == summary.total_parameters


def test_summary_refuses_an_invalid_model():
    with pytest.raises(ConfigError):
        summarize(ModelConfig(layers=(Flatten(),)))


def test_summary_json_form():
    data = summarize(reference_config()).to_dict()
    assert data["total_parameters"] == 607_394
    assert data["layers"][0] == {"name": "conv2d", "type": "Conv2D", "output_shape": [None, 26, 26, 28],
                                 "parameters": 280}
