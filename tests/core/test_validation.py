"""Every impossible configuration is refused, with a message naming the layer and the fix."""

import pytest

from cnnviz.core.config import (
    AveragePooling2D,
    ConfigError,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    Initializer,
    MaxPooling2D,
    ModelConfig,
    deep_config,
    reference_config,
)
from cnnviz.core.validation import find_problems, output_shapes, validate

OUTPUT = Dense(units=10, activation="softmax")


def model(*layers, **training):
    config = ModelConfig(layers=tuple(layers))
    return config.with_training(**training) if training else config


def test_reference_and_deep_models_are_valid():
    assert validate(reference_config()) == reference_config()
    assert find_problems(deep_config()) == []


@pytest.mark.parametrize("config, layer_index, setting, match", [
    (model(Conv2D(kernel_size=(30, 3)), Flatten(), OUTPUT), 0, "kernel_size",
     r"conv2d: kernel_size \[30, 3\] is larger than its 28x28 input.*padding 'same'"),
    (model(Conv2D(kernel_size=(5, 5)), MaxPooling2D(), MaxPooling2D(), MaxPooling2D(), MaxPooling2D(),
           MaxPooling2D(), Flatten(), OUTPUT), 5, "pool_size",
     r"max_pooling2d_4: pool_size \[2, 2\] is larger than its 1x1 input"),
    (model(AveragePooling2D(pool_size=(29, 29)), Flatten(), OUTPUT), 0, "pool_size", "larger than"),
    (model(Flatten(), Dropout(rate=1.0), OUTPUT), 1, "rate", r"rate must be in \[0, 1\), received 1.0"),
    (model(Flatten(), Dropout(rate=-0.1), OUTPUT), 1, "rate", r"rate must be in \[0, 1\)"),
    (model(Conv2D(filters=0), Flatten(), OUTPUT), 0, "filters", "filters must be a positive integer"),
    (model(Conv2D(kernel_size=(0, 3)), Flatten(), OUTPUT), 0, "kernel_size", "kernel_size must be positive"),
    (model(Conv2D(strides=(1, -1)), Flatten(), OUTPUT), 0, "strides", "strides must be positive"),
    (model(MaxPooling2D(strides=(0, 0)), Flatten(), OUTPUT), 0, "strides", "strides must be positive"),
    (model(Flatten(), Dense(units=0), OUTPUT), 1, "units", "units must be a positive integer"),
    (model(Conv2D(activation="gelu"), Flatten(), OUTPUT), 0, "activation", "unknown activation 'gelu'"),
    (model(Conv2D(padding="full"), Flatten(), OUTPUT), 0, "padding", "unknown padding 'full'"),
    (model(Flatten(), Dense(activation="softmax"), OUTPUT), 1, "activation",
     "softmax belongs to the output layer"),
    (model(Conv2D(), Flatten(), Dense(units=10, activation="relu")), 2, "activation",
     "no output layer.*Add Dense"),
    (model(Conv2D(), Flatten()), 1, "activation", "no output layer"),
    (model(Conv2D(), OUTPUT), 1, "type", r"dense needs a flat input.*Add a flatten layer"),
    (model(Flatten(), Conv2D(), Flatten(), OUTPUT), 1, "type", "needs an image-shaped input"),
    (model(Flatten(), Dense(units=3, activation="softmax")), 1, "units",
     "has 3 units but dataset 'mnist-sample' has 10 classes"),
    (model(Flatten(), OUTPUT, dataset="shapes"), 1, "units", "dataset 'shapes' has 3 classes"),
    (model(Conv2D(kernel_size=(3, 3), strides=(30, 30), padding="valid"), Flatten(), OUTPUT), None, None,
     None),
])
def test_impossible_layers_are_named(config, layer_index, setting, match):
    problems = find_problems(config)
    if match is None:  # a legal corner case: stride larger than the map still gives a 1x1 output
        assert problems == []
        assert output_shapes(config)[0] == (1, 1, 32)
        return
    assert problems, "the configuration should have been refused"
    assert problems[0].layer_index == layer_index
    assert problems[0].setting == setting
    with pytest.raises(ConfigError, match=match):
        validate(config)


def test_empty_model_is_refused():
    with pytest.raises(ConfigError, match="no layers"):
        validate(ModelConfig())


def test_every_problem_is_listed_not_only_the_first():
    config = model(Conv2D(filters=-1, activation="bogus"), Flatten(), Dropout(rate=2), OUTPUT)
    settings = [(problem.layer_index, problem.setting) for problem in find_problems(config)]
    assert (0, "filters") in settings and (0, "activation") in settings and (2, "rate") in settings


@pytest.mark.parametrize("training, setting", [
    ({"optimizer": "rmsprop"}, "optimizer"),
    ({"learning_rate": 0.0}, "learning_rate"),
    ({"learning_rate": float("nan")}, "learning_rate"),
    ({"momentum": 1.0}, "momentum"),
    ({"batch_size": 0}, "batch_size"),
    ({"epochs": 0}, "epochs"),
    ({"seed": -1}, "seed"),
    ({"dataset": "imagenet"}, "dataset"),
    ({"train_subset": 0}, "train_subset"),
    ({"validation_split": 1.0}, "validation_split"),
])
def test_impossible_training_settings(training, setting):
    config = reference_config().with_training(**training)
    problems = find_problems(config)
    assert [problem.setting for problem in problems] == [setting]
    assert str(training[setting]) in problems[0].message


@pytest.mark.parametrize("initializer, setting", [
    (Initializer(name="zeros"), "initializer"),
    (Initializer(name="normal", scale=0.0), "scale"),
])
def test_impossible_initializers(initializer, setting):
    config = ModelConfig(layers=reference_config().layers, initializer=initializer)
    assert [problem.setting for problem in find_problems(config)] == [setting]


def test_input_shape_must_match_dataset_and_be_positive():
    config = ModelConfig(input_shape=(32, 32, 3), layers=reference_config().layers)
    assert "dataset 'mnist-sample' has [28, 28, 1] images" in find_problems(config)[0].message
    config = ModelConfig(input_shape=(0, 28, 1), layers=reference_config().layers)
    assert "input_shape must be positive" in find_problems(config)[0].message


def test_a_huge_model_is_refused():
    config = model(Flatten(), Dense(units=65_536), OUTPUT)
    with pytest.raises(ConfigError, match="52,101,130 parameters"):
        validate(config)


def test_a_dataset_is_a_built_in_name_with_its_shape_and_classes_or_an_image_folder(tmp_path):
    cifar = find_problems(reference_config().with_training(dataset="cifar10"))
    assert [problem.setting for problem in cifar] == ["input_shape"]
    assert "dataset 'cifar10' has [32, 32, 3] images. Set input_shape to [32, 32, 3]" in cifar[0].message
    colour = find_problems(reference_config().with_training(dataset="shapes-colour"))
    assert [problem.setting for problem in colour] == ["units"]  # made at any shape, but it has 3 classes
    assert find_problems(reference_config().with_training(dataset=str(tmp_path))) == []
    missing = find_problems(reference_config().with_training(dataset=str(tmp_path / "nowhere")))
    assert [problem.setting for problem in missing] == ["dataset"]
    assert "or the path of an image folder" in missing[0].message
