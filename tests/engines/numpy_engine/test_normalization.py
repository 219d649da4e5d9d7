"""Batch normalization, global pooling and the activation layer of the NumPy engine: central finite
differences in float64 (every entry), naive loops for the forward passes, and the moving statistics."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core import config as cfg
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.engines.numpy_engine.layers import ActivationLayer
from cnnviz.engines.numpy_engine.normalization import (
    BatchNormalizationLayer,
    GlobalAveragePooling2DLayer,
    GlobalMaxPooling2DLayer,
)

from .test_gradients import check_layer


def batch_normalization(shape, rng, momentum=0.9, epsilon=1e-3) -> BatchNormalizationLayer:
    """A float64 layer with random gamma, beta and moving statistics (variances positive)."""
    channels = shape[-1]
    layer = BatchNormalizationLayer("batch_normalization", cfg.BatchNormalization(momentum, epsilon), channels)
    layer.params = {"gamma": rng.standard_normal(channels) + 1.0, "beta": rng.standard_normal(channels)}
    layer.state = {"moving_mean": rng.standard_normal(channels), "moving_variance": rng.random(channels) + 0.5}
    return layer


BN_SHAPES = [(4, 5, 3, 2), (3, 4, 6, 3), (6, 5)]  # maps, a non-square map, flat features


@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("training", [True, False], ids=["batch-statistics", "moving-statistics"])
def test_batch_normalization_gradients(shape, training):
    rng = np.random.default_rng(0)
    layer = batch_normalization(shape, rng)
    check_layer(layer, rng.standard_normal(shape) * 2.0 + 0.5, training=training)


def test_batch_normalization_forward_equals_the_formula_and_updates_the_moving_statistics():
    rng = np.random.default_rng(1)
    inputs = rng.standard_normal((5, 4, 3, 2)) * 3.0 + 1.0
    layer = batch_normalization(inputs.shape, rng, momentum=0.8, epsilon=1e-2)
    gamma, beta = layer.params["gamma"], layer.params["beta"]
    moving_mean, moving_variance = layer.state["moving_mean"].copy(), layer.state["moving_variance"].copy()

    # Inference: the moving statistics, and nothing changes.
    expected = gamma * (inputs - moving_mean) / np.sqrt(moving_variance + 1e-2) + beta
    np.testing.assert_allclose(layer.forward(inputs, training=False), expected, rtol=1e-12)
    np.testing.assert_array_equal(layer.state["moving_mean"], moving_mean)

    # Training: the batch's mean and biased variance over (n, h, w), one per channel.
    flat = inputs.reshape(-1, 2)
    mean, variance = flat.mean(axis=0), flat.var(axis=0)
    expected = gamma * (inputs - mean) / np.sqrt(variance + 1e-2) + beta
    np.testing.assert_allclose(layer.forward(inputs, training=True), expected, rtol=1e-12)
    np.testing.assert_allclose(layer.state["moving_mean"], 0.8 * moving_mean + 0.2 * mean, rtol=1e-12)
    np.testing.assert_allclose(layer.state["moving_variance"], 0.8 * moving_variance + 0.2 * variance, rtol=1e-12)


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 5, 2, 1)])
def test_global_average_pooling_gradients_and_forward(shape):
    rng = np.random.default_rng(2)
    inputs = rng.standard_normal(shape)
    layer = GlobalAveragePooling2DLayer("global_average_pooling2d")
    naive = np.array([[inputs[n, :, :, c].sum() / (shape[1] * shape[2]) for c in range(shape[3])]
                      for n in range(shape[0])])
    np.testing.assert_allclose(layer.forward(inputs), naive, rtol=1e-12)
    check_layer(layer, inputs)


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 5, 2, 1)])
def test_global_max_pooling_gradients_and_forward(shape):
    rng = np.random.default_rng(3)
    inputs = rng.standard_normal(shape)
    assert len(np.unique(inputs)) == inputs.size  # no ties
    layer = GlobalMaxPooling2DLayer("global_max_pooling2d")
    naive = np.array([[max(inputs[n, i, j, c] for i in range(shape[1]) for j in range(shape[2]))
                       for c in range(shape[3])] for n in range(shape[0])])
    np.testing.assert_array_equal(layer.forward(inputs), naive)
    check_layer(layer, inputs)


def test_global_max_pooling_sends_a_tie_to_its_first_position():
    layer = GlobalMaxPooling2DLayer("global_max_pooling2d")
    inputs = np.zeros((1, 2, 2, 1))
    inputs[0, 0, 1, 0] = inputs[0, 1, 0, 0] = 1.0
    layer.forward(inputs)
    gradient = layer.backward(np.ones((1, 1)))
    assert gradient[0, :, :, 0].tolist() == [[0.0, 1.0], [0.0, 0.0]]


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_activation_layer_gradients(activation):
    rng = np.random.default_rng(4)
    inputs = rng.standard_normal((2, 3, 4, 2))
    layer = ActivationLayer("activation", cfg.Activation(activation))
    check_layer(layer, inputs)
    assert layer.forward(inputs) is not inputs  # never activates its input in place


def small_model(input_shape=(12, 10, 3)):
    return cfg.ModelConfig(input_shape=input_shape, layers=(
        cfg.Conv2D(4, (3, 3), activation="linear"), cfg.BatchNormalization(momentum=0.5), cfg.Activation("relu"),
        cfg.Conv2D(3, (3, 3), padding="same"), cfg.GlobalMaxPooling2D(), cfg.Dense(3, "softmax")),
        training=cfg.TrainingConfig(dataset="shapes", optimizer="sgd", learning_rate=0.1))


def test_a_network_with_batch_normalization_trains_on_whole_batches_and_moves_its_statistics():
    engine = NumpyEngine(small_model())
    rng = np.random.default_rng(5)
    images, labels = rng.random((8, 12, 10, 3), dtype=np.float32), rng.integers(0, 3, 8)
    assert engine.network.num_chunks == 1  # one batch's statistics, not each chunk's
    before = engine.get_weights()["batch_normalization"]
    conv_outputs = engine.feature_maps(images)["conv2d"]
    engine.train_step(images, labels)
    after = engine.get_weights()["batch_normalization"]
    flat = np.asarray(conv_outputs, np.float64).reshape(-1, 4)
    np.testing.assert_allclose(after["moving_mean"], 0.5 * before["moving_mean"] + 0.5 * flat.mean(axis=0),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(after["moving_variance"], 0.5 * before["moving_variance"] + 0.5 * flat.var(axis=0),
                               rtol=1e-5, atol=1e-6)
    assert not np.array_equal(after["gamma"], before["gamma"])
    # Inference uses the moving statistics and changes nothing.
    engine.predict(images)
    np.testing.assert_array_equal(engine.get_weights()["batch_normalization"]["moving_mean"], after["moving_mean"])


def test_gradients_of_the_whole_network_with_new_layers_match_finite_differences():
    """The engine's input gradient (inference mode: moving statistics) against central differences in
    float64, through convolution, batch normalization, activation, global pooling and dense."""
    engine = NumpyEngine(small_model((9, 8, 1)))
    rng = np.random.default_rng(6)
    for layer in engine.network.layers:
        for store in (layer.params, layer.state):
            for name, value in store.items():
                store[name] = value.astype(np.float64) + (0.5 if name == "moving_variance" else 0.0) + \
                    0.1 * rng.standard_normal(value.shape)
    images = rng.random((2, 9, 8, 1))
    labels = np.array([0, 2])
    from cnnviz.engines.numpy_engine.losses import cross_entropy, cross_entropy_gradient

    def loss() -> float:
        engine.network.forward(images)
        return cross_entropy(engine.network.logits, labels)

    probabilities, _ = engine.network.forward(images)
    analytic, _ = engine.network.backward(cross_entropy_gradient(probabilities, labels))
    from .helpers import assert_gradient

    assert_gradient(analytic, loss, images, what="network input")
