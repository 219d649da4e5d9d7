"""Any input shape and the new layers (batch normalization, global pooling, activation) in both
engines: same weights give the same outputs and gradients, both train, inspect, save, load and
convert into each other keeping batch normalization's moving statistics."""

import numpy as np
import pytest

from cnnviz.core import config as cfg
from cnnviz.core.summary import summarize
from cnnviz.engines.keras_engine import KerasEngine
from cnnviz.engines.numpy_engine import NumpyEngine

from ..twins import relative_difference

TOLERANCE = 1e-5
TRAINING = cfg.TrainingConfig(optimizer="sgd", learning_rate=0.05)
COLOUR = cfg.ModelConfig(input_shape=(32, 32, 3), training=TRAINING, layers=(
    cfg.Conv2D(6, (3, 3), activation="linear"), cfg.BatchNormalization(momentum=0.9), cfg.Activation("relu"),
    cfg.MaxPooling2D(), cfg.Conv2D(8, (3, 3)), cfg.GlobalAveragePooling2D(), cfg.Dense(10, "softmax")))
NON_SQUARE = cfg.ModelConfig(input_shape=(40, 24, 1), training=TRAINING, layers=(
    cfg.Conv2D(4, (5, 3)), cfg.BatchNormalization(epsilon=0.01), cfg.MaxPooling2D((2, 2)),
    cfg.Conv2D(6, (3, 3), padding="same"), cfg.GlobalMaxPooling2D(), cfg.Dense(10, "softmax")))
CONFIGS = {"32x32x3": COLOUR, "40x24x1": NON_SQUARE}


def batch(config, count=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((count, *config.input_shape), dtype=np.float32), rng.integers(0, 10, count)


def twins(config):
    """A NumPy and a Keras engine holding the same weights, batch normalization's made non-trivial."""
    numpy_engine = NumpyEngine(config, seed=1)
    weights = numpy_engine.get_weights()
    rng = np.random.default_rng(7)
    for name, arrays in weights.items():
        if name.startswith("batch_normalization"):
            channels = arrays["gamma"].shape
            arrays.update(gamma=(1 + 0.3 * rng.standard_normal(channels)).astype(np.float32),
                          beta=(0.2 * rng.standard_normal(channels)).astype(np.float32),
                          moving_mean=(0.1 * rng.standard_normal(channels)).astype(np.float32),
                          moving_variance=(0.5 + rng.random(channels)).astype(np.float32))
    numpy_engine.set_weights(weights)
    keras_engine = KerasEngine(config)
    keras_engine.set_weights(numpy_engine.get_weights())
    return numpy_engine, keras_engine


@pytest.fixture(scope="module", params=list(CONFIGS))
def engines(request):
    return CONFIGS[request.param], *twins(CONFIGS[request.param])


def assert_weights_equal(first, second):
    assert list(first) == list(second)
    for layer in first:
        assert list(first[layer]) == list(second[layer]), layer
        for name in first[layer]:
            np.testing.assert_array_equal(first[layer][name], second[layer][name], err_msg=f"{layer}/{name}")


def test_summary_counts_and_shapes_equal_keras(engines):
    config, numpy_engine, keras_engine = engines
    summary = summarize(config)
    model = keras_engine.model
    assert [layer.count_params() for layer in model.layers] == [row.num_parameters for row in summary.rows]
    assert [tuple(layer.output.shape) for layer in model.layers] == [row.output_shape for row in summary.rows]
    trainable = sum(int(np.prod(weight.shape)) for weight in model.trainable_weights)
    assert summary.trainable_parameters == trainable
    assert summary.non_trainable_parameters == summary.total_parameters - trainable
    channels = summary.rows[1].output_shape[-1]
    assert (summary.rows[1].num_parameters, summary.rows[1].trainable_parameters) == (4 * channels, 2 * channels)
    assert f"Non-trainable params: {2 * channels:,}" in summary.to_text()


def test_feature_maps_follow_the_shape_and_agree_in_inference(engines):
    config, numpy_engine, keras_engine = engines
    images, _ = batch(config)
    ours, theirs = numpy_engine.feature_maps(images), keras_engine.feature_maps(images)
    expected = [row.output_shape[1:] for row in summarize(config).rows]
    assert [value.shape[1:] for value in ours.values()] == expected
    assert [value.shape[1:] for value in theirs.values()] == expected
    for layer in ours:
        assert relative_difference(ours[layer], theirs[layer]) <= TOLERANCE, layer
    assert relative_difference(numpy_engine.predict(images), keras_engine.predict(images)) <= TOLERANCE


@pytest.mark.parametrize("class_index", [None, 4])
def test_gradients_agree(engines, class_index):
    config, numpy_engine, keras_engine = engines
    images, labels = batch(config, seed=1)
    labels = None if class_index is not None else labels
    ours = numpy_engine.gradients(images, labels=labels, class_index=class_index)
    theirs = keras_engine.gradients(images, labels=labels, class_index=class_index)
    assert ours.input.shape == (len(images), *config.input_shape)
    assert relative_difference(ours.input, theirs.input) <= 1e-4
    for layer in ours.layers:
        assert relative_difference(ours.layers[layer], theirs.layers[layer]) <= 1e-4, layer
    assert {layer: list(params) for layer, params in ours.parameters.items()} == \
        {layer: list(params) for layer, params in theirs.parameters.items()}
    assert list(ours.parameters["batch_normalization"]) == ["gamma", "beta"]
    for layer, params in ours.parameters.items():
        for name, value in params.items():
            assert relative_difference(value, theirs.parameters[layer][name]) <= 1e-4, (layer, name)


def test_a_training_forward_of_batch_normalization_agrees_and_moves_the_same_statistics(engines):
    config, numpy_engine, keras_engine = engines
    numpy_engine, keras_engine = twins(config)  # this test changes the moving statistics
    images, _ = batch(config, seed=2)
    first_output = numpy_engine.feature_maps(images)[numpy_engine.layer_names()[0]]
    numpy_layer, keras_layer = numpy_engine.network.layers[1], keras_engine.layers[1]
    ours = numpy_layer.forward(np.array(first_output), training=True)
    theirs = keras_layer(first_output, training=True).numpy()
    # The batch statistics in float64: the NumPy engine sums them so and stays within float32 rounding of
    # the exact value; Keras reduces in float32 and strays up to ~1e-5 of the largest value (measured
    # 6.7e-6 and 3.8e-5 absolute here, at outputs up to 4.1), hence the wider bound against Keras.
    values = np.asarray(first_output, np.float64)
    axes = (0, 1, 2)
    exact = (values - values.mean(axis=axes)) / np.sqrt(values.var(axis=axes) + numpy_layer.epsilon) \
        * numpy_layer.params["gamma"] + numpy_layer.params["beta"]
    assert relative_difference(ours, exact) <= 1e-6
    assert relative_difference(ours, theirs) <= 1e-4
    ours, theirs = numpy_engine.get_weights()["batch_normalization"], keras_engine.get_weights()["batch_normalization"]
    for name in ("moving_mean", "moving_variance"):
        assert relative_difference(ours[name], theirs[name]) <= TOLERANCE, name


def test_both_engines_train_and_their_first_steps_agree(engines):
    config, _, _ = engines
    numpy_engine, keras_engine = twins(config)
    images, labels = batch(config, count=16, seed=3)
    numpy_losses = [numpy_engine.train_step(images, labels)[0] for _ in range(6)]
    keras_losses = [keras_engine.train_step(images, labels)[0] for _ in range(6)]
    assert numpy_losses[0] == pytest.approx(keras_losses[0], rel=1e-5)
    assert numpy_losses[1] == pytest.approx(keras_losses[1], rel=1e-3)
    assert numpy_losses[-1] < numpy_losses[0]
    assert keras_losses[-1] < keras_losses[0]
    ours, theirs = numpy_engine.get_weights(), keras_engine.get_weights()
    for name in ("moving_mean", "moving_variance"):
        assert relative_difference(ours["batch_normalization"][name], theirs["batch_normalization"][name]) <= 1e-3


def test_save_load_and_conversion_keep_every_weight_and_the_moving_statistics(engines, tmp_path):
    config, numpy_engine, keras_engine = engines
    images, _ = batch(config, seed=4)
    loaded = NumpyEngine.load(numpy_engine.save(tmp_path / "model.npz"))
    assert loaded.config == config and loaded.input_shape == config.input_shape
    assert_weights_equal(loaded.get_weights(), numpy_engine.get_weights())
    np.testing.assert_array_equal(loaded.predict(images), numpy_engine.predict(images))

    reopened = KerasEngine.load(keras_engine.save(tmp_path / "model.keras"))
    # Read back from the Keras layers: the same network (pooling strides come back explicit).
    assert reopened.config is not None and summarize(reopened.config) == summarize(config)
    assert [layer for layer in reopened.config.layers if not isinstance(layer, cfg.MaxPooling2D)] == \
        [layer for layer in config.layers if not isinstance(layer, cfg.MaxPooling2D)]
    assert reopened.input_shape == config.input_shape
    assert_weights_equal(reopened.get_weights(), keras_engine.get_weights())

    # NumPy -> Keras -> NumPy: the weights come back bit for bit, moving statistics included.
    converted = NumpyEngine(config, seed=99)
    converted.set_weights(reopened.get_weights())
    assert_weights_equal(converted.get_weights(), numpy_engine.get_weights())
    assert relative_difference(converted.predict(images), reopened.predict(images)) <= TOLERANCE
