"""The spectral pooling layer in the configuration: JSON, names, shapes, summary and refusals."""

import re

import pytest

from cnnviz.core.config import (
    LAYER_TYPES,
    ConfigError,
    Conv2D,
    Dense,
    Flatten,
    MaxPooling2D,
    ModelConfig,
    SpectralPooling2D,
    layer_from_dict,
    layer_to_dict,
    reference_config,
)
from cnnviz.core.summary import summarize
from cnnviz.core.validation import find_problems, layer_output_shape, layer_parameter_count, output_shapes

OUTPUT = Dense(units=10, activation="softmax")


def model(*layers):
    return ModelConfig(layers=tuple(layers))


def test_defaults_kind_and_label():
    layer = SpectralPooling2D()
    assert layer.output_size == (14, 14)
    assert (layer.kind, layer.label) == ("spectral_pooling2d", "SpectralPooling2D")
    assert "spectral_pooling2d" in LAYER_TYPES
    with pytest.raises(AttributeError):
        layer.output_size = (3, 3)  # frozen


def test_json_round_trip():
    config = model(Conv2D(filters=4, padding="same"), SpectralPooling2D((13, 9)), Flatten(), OUTPUT)
    data = config.to_dict()
    assert data["layers"][1] == {"type": "spectral_pooling2d", "output_size": [13, 9]}
    assert ModelConfig.from_json(config.to_json()) == config
    assert layer_from_dict(layer_to_dict(SpectralPooling2D((5, 7)))) == SpectralPooling2D((5, 7))


def test_output_size_forms():
    assert layer_from_dict({"type": "spectral_pooling2d", "output_size": 7}) == SpectralPooling2D((7, 7))
    assert layer_from_dict({"type": "spectral_pooling2d", "output_size": (3, 4)}) == SpectralPooling2D((3, 4))
    assert layer_from_dict({"type": "spectral_pooling2d"}) == SpectralPooling2D((14, 14))


@pytest.mark.parametrize("value", ["14", [14, 14, 1], [14.0, 14], True, None, [True, 3]])
def test_malformed_output_size_is_refused(value):
    with pytest.raises(ConfigError, match=r"Layer 2 \(spectral_pooling2d\) setting 'output_size' must be an "
                                          r"integer or a pair of integers") as caught:
        ModelConfig.from_dict({"layers": [{"type": "flatten"},
                                          {"type": "spectral_pooling2d", "output_size": value}]})
    assert (caught.value.layer_index, caught.value.setting) == (1, "output_size")


def test_unknown_setting_names_the_one_it_takes():
    with pytest.raises(ConfigError, match="spectral_pooling2d takes output_size") as caught:
        layer_from_dict({"type": "spectral_pooling2d", "pool_size": [2, 2]}, 3)
    assert (caught.value.layer_index, caught.value.setting) == (3, "pool_size")


def test_keras_style_names():
    config = model(SpectralPooling2D((20, 20)), Conv2D(), SpectralPooling2D((9, 9)), MaxPooling2D(),
                   Flatten(), OUTPUT)
    assert config.layer_names() == ["spectral_pooling2d", "conv2d", "spectral_pooling2d_1", "max_pooling2d",
                                    "flatten", "dense"]


def test_output_shape_and_parameters():
    layer = SpectralPooling2D((13, 7))
    assert layer_output_shape(layer, (26, 26, 28)) == (13, 7, 28)
    assert layer_parameter_count(layer, (26, 26, 28)) == 0
    assert layer_output_shape(SpectralPooling2D((26, 26)), (26, 26, 3)) == (26, 26, 3)  # identity allowed
    config = model(Conv2D(filters=5), SpectralPooling2D((26, 11)), Flatten(), OUTPUT)
    assert find_problems(config) == []
    assert output_shapes(config)[1:3] == [(26, 11, 5), (26 * 11 * 5,)]


def test_summary_of_the_reference_model_with_spectral_pooling():
    reference = reference_config()
    config = reference.with_layers([SpectralPooling2D((13, 13)) if isinstance(layer, MaxPooling2D) else layer
                                    for layer in reference.layers])
    summary = summarize(config)
    assert [(row.name, row.label, row.output_shape, row.num_parameters) for row in summary.rows[:2]] == [
        ("conv2d", "Conv2D", (None, 26, 26, 28), 280),
        ("spectral_pooling2d", "SpectralPooling2D", (None, 13, 13, 28), 0),
    ]
    assert summary.total_parameters == 607_394  # the same 13x13x28 maps as max pooling gives
    assert "spectral_pooling2d (SpectralPooling2D)" in summary.to_text()


@pytest.mark.parametrize("layers, layer_index, match", [
    ((SpectralPooling2D((0, 14)), Flatten(), OUTPUT), 0,
     r"Layer spectral_pooling2d: output_size must be positive, received \[0, 14\]\. Use at least \[1, 1\]"),
    ((SpectralPooling2D((5, -2)), Flatten(), OUTPUT), 0, r"output_size must be positive, received \[5, -2\]"),
    ((SpectralPooling2D((29, 14)), Flatten(), OUTPUT), 0,
     r"Layer spectral_pooling2d: output_size \[29, 14\] is larger than its 28x28 input\. Spectral pooling "
     r"keeps the lowest frequencies of each map, so it can only shrink it: use an output size of at most "
     r"28x28, or remove a pooling layer before it\."),
    ((Conv2D(), SpectralPooling2D((20, 20)), SpectralPooling2D((14, 21)), Flatten(), OUTPUT), 2,
     r"Layer spectral_pooling2d_1: output_size \[14, 21\] is larger than its 20x20 input.*at most 20x20"),
    ((Flatten(), SpectralPooling2D((4, 4)), OUTPUT), 1,
     r"Layer spectral_pooling2d needs an image-shaped input \(height, width, channels\) but receives the "
     r"flat shape \(784,\)\. Move it before the flatten layer\."),
])
def test_impossible_settings_are_named(layers, layer_index, match):
    problems = find_problems(model(*layers))
    assert problems, "the configuration should have been refused"
    assert problems[0].layer_index == layer_index
    assert problems[0].setting == ("type" if "image-shaped" in match else "output_size")
    assert re.search(match, problems[0].message), problems[0].message
    with pytest.raises(ConfigError):
        summarize(model(*layers))
