"""Every impossible configuration is refused, with a message naming the layer and the fix."""

import pytest

from cnnviz.core.config import (
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
    (model(Conv2D(), BatchNormalization(momentum=1.0), Flatten(), OUTPUT), 1, "momentum",
     r"batch_normalization: momentum must be in \(0, 1\), received 1.0.*Keras uses 0.99"),
    (model(Conv2D(), BatchNormalization(momentum=0.0), Flatten(), OUTPUT), 1, "momentum", r"in \(0, 1\)"),
    (model(Conv2D(), BatchNormalization(epsilon=0.0), Flatten(), OUTPUT), 1, "epsilon",
     "epsilon must be a positive number, received 0.0.*Keras uses 0.001"),
    (model(Conv2D(), BatchNormalization(epsilon=float("nan")), Flatten(), OUTPUT), 1, "epsilon", "positive"),
    (model(Flatten(), GlobalAveragePooling2D(), OUTPUT), 1, "type",
     r"global_average_pooling2d needs an image-shaped input.*Move it before the flatten layer"),
    (model(Conv2D(), GlobalMaxPooling2D(), GlobalMaxPooling2D(), OUTPUT), 2, "type",
     "global_max_pooling2d_1 needs an image-shaped input"),
    (model(Conv2D(), GlobalMaxPooling2D(), Activation("softmax"), OUTPUT), 2, "activation",
     "softmax belongs to the output layer"),
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


@pytest.mark.parametrize("input_shape, match", [
    ((28, 28, 2), r"input_shape \[28, 28, 2\] has 2 channels; a model takes 1 \(grey\) or 3 \(RGB colour\) "
                  r"channels. Use \[28, 28, 1\] or \[28, 28, 3\]"),
    ((28, 28, 4), "has 4 channels"),
    ((4, 28, 1), r"is 4×28 pixels; height and width must each be at least 8. Use e.g. \[28, 28, 1\]"),
    ((32, 7, 3), r"is 32×7 pixels.*at least 8. Use e.g. \[32, 28, 3\]"),
    ((0, 28, 1), "at least 8"),
])
def test_impossible_input_shapes_say_what_is_wrong_and_what_to_use(input_shape, match):
    problems = find_problems(ModelConfig(input_shape=input_shape, layers=(Flatten(), OUTPUT)))
    assert len(problems) == 1 and problems[0].setting == "input_shape" and problems[0].layer_index is None
    with pytest.raises(ConfigError, match=match):
        validate(ModelConfig(input_shape=input_shape, layers=(Flatten(), OUTPUT)))


@pytest.mark.parametrize("input_shape", [(8, 8, 1), (32, 32, 3), (40, 24, 1), (24, 40, 3), (100, 9, 1)])
def test_any_input_shape_of_grey_or_colour_images_is_valid_with_any_dataset(input_shape):
    # Dataset images are fitted to the input shape when training (TrainingData.fitted).
    config = ModelConfig(input_shape=input_shape, layers=(Conv2D(4, (3, 3)), Flatten(), OUTPUT))
    assert find_problems(config) == []
    assert output_shapes(config)[0] == (input_shape[0] - 2, input_shape[1] - 2, 4)


def test_a_huge_model_is_refused():
    config = model(Flatten(), Dense(units=65_536), OUTPUT)
    with pytest.raises(ConfigError, match="52,101,130 parameters"):
        validate(config)


def test_a_dataset_is_a_built_in_name_with_its_classes_or_an_image_folder_of_any_shape(tmp_path):
    # Images of another shape are fitted to the model's input, so only the classes must match.
    assert find_problems(reference_config().with_training(dataset="cifar10")) == []
    colour = find_problems(reference_config().with_training(dataset="shapes-colour"))
    assert [problem.setting for problem in colour] == ["units"]  # made at any shape, but it has 3 classes
    assert find_problems(reference_config().with_training(dataset=str(tmp_path))) == []
    missing = find_problems(reference_config().with_training(dataset=str(tmp_path / "nowhere")))
    assert [problem.setting for problem in missing] == ["dataset"]
    assert "or the path of an image folder" in missing[0].message


def test_new_layers_give_shapes_and_parameter_counts():
    from cnnviz.core.summary import summarize
    config = ModelConfig(input_shape=(32, 32, 3), layers=(
        Conv2D(8, (3, 3), activation="linear"), BatchNormalization(), Activation("relu"), MaxPooling2D(),
        Conv2D(16, (3, 3)), GlobalAveragePooling2D(), OUTPUT))
    summary = summarize(config)
    assert [row.output_shape for row in summary.rows] == [
        (None, 30, 30, 8), (None, 30, 30, 8), (None, 30, 30, 8), (None, 15, 15, 8), (None, 13, 13, 16),
        (None, 16), (None, 10)]
    assert [row.num_parameters for row in summary.rows] == [224, 32, 0, 0, 1168, 0, 170]
    assert summary.rows[1].trainable_parameters == 16
    assert (summary.total_parameters, summary.trainable_parameters, summary.non_trainable_parameters) == \
        (1594, 1578, 16)
    assert summary.to_dict()["non_trainable_parameters"] == 16
    assert output_shapes(config.with_layers([Conv2D(4), GlobalMaxPooling2D(), OUTPUT]))[1] == (4,)
