"""The model configuration: JSON round trips through text and files, defaults, parsing errors."""

import json

import pytest

from cnnviz.core.config import (
    AveragePooling2D,
    ConfigError,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    Initializer,
    ModelConfig,
    TrainingConfig,
    deep_config,
    reference_config,
)


@pytest.mark.parametrize("config", [reference_config(), deep_config(), ModelConfig()])
def test_json_round_trip(config):
    text = config.to_json()
    assert ModelConfig.from_json(text) == config
    assert json.loads(text) == config.to_dict()


def test_round_trip_keeps_every_setting(tmp_path):
    config = ModelConfig(
        input_shape=(28, 28, 1),
        layers=(Conv2D(filters=5, kernel_size=(5, 3), strides=(2, 1), padding="same", activation="sigmoid"),
                AveragePooling2D(pool_size=(3, 3), strides=(1, 2)),
                Dropout(rate=0.35), Flatten(), Dense(units=7, activation="linear"),
                Dense(units=10, activation="softmax")),
        initializer=Initializer(name="normal", scale=0.3),
        training=TrainingConfig(optimizer="momentum", learning_rate=0.05, momentum=0.8, batch_size=64,
                                epochs=3, seed=11, dataset="fashion-mnist", train_subset=5000,
                                validation_split=0.2),
    )
    path = tmp_path / "model.json"
    config.save(path)
    assert ModelConfig.load(path) == config
    assert not (tmp_path / "model.json.tmp").exists()


def test_missing_sections_take_defaults():
    config = ModelConfig.from_dict({"layers": []})
    assert config.training == TrainingConfig()
    assert config.initializer == Initializer()
    assert config.input_shape == (28, 28, 1)


@pytest.mark.parametrize("document, match, layer_index, setting", [
    ({"layers": [{"type": "convolution"}]}, "unknown type 'convolution'.*conv2d", 0, "type"),
    ({"layers": [{"type": "dense", "unit": 3}]}, "unknown setting 'unit'.*units", 0, "unit"),
    ({"layers": [{"type": "flatten"}, {"type": "dense", "units": "ten"}]}, "units.*integer.*'ten'", 1,
     "units"),
    ({"layers": [{"type": "conv2d", "kernel_size": [3, 3, 3]}]}, "pair of integers", 0, "kernel_size"),
    ({"layers": [{"type": "dropout", "rate": "half"}]}, "rate.*number", 0, "rate"),
    ({"layers": [{"type": "conv2d", "padding": 1}]}, "padding.*string", 0, "padding"),
    ({"layers": ["dense"]}, "must be an object", 0, None),
    ({"input_shape": [28, 28]}, "three integers", None, "input_shape"),
    ({"training": {"epoch": 3}}, "Unknown training setting 'epoch'", None, "epoch"),
    ({"training": {"batch_size": 3.5}}, "batch_size.*int", None, "batch_size"),
    ({"initializer": {"name": 3}}, "name.*str", None, "name"),
    ({"layer": []}, "Unknown configuration section", None, None),
])
def test_malformed_documents_are_refused(document, match, layer_index, setting):
    with pytest.raises(ConfigError, match=match) as caught:
        ModelConfig.from_dict(document)
    assert caught.value.layer_index == layer_index
    assert caught.value.setting == setting


def test_invalid_json_reports_position():
    with pytest.raises(ConfigError, match="line 1, column"):
        ModelConfig.from_json('{"layers": [}')


def test_unreadable_file_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="Cannot read configuration file"):
        ModelConfig.load(tmp_path / "missing.json")
