"""Every backward pass of the NumPy engine against central finite differences in float64.

Each layer is given float64 parameters and inputs (the layer maths is dtype-generic), the
scalar ``sum(output * W)`` with a fixed random ``W`` is differentiated numerically, and the
layer's own backward pass (fed ``W``) must agree entry by entry.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core import config as cfg
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.engines.numpy_engine.layers import (
    AveragePooling2DLayer,
    DropoutLayer,
    FlattenLayer,
    MaxPooling2DLayer,
    softmax,
)
from cnnviz.engines.numpy_engine.losses import cross_entropy, cross_entropy_gradient, log_softmax

from .helpers import assert_gradient, conv_layer, dense_layer, numeric_gradient, sample_indices


def check_layer(layer, inputs: np.ndarray, training: bool = False, seed: int = 1) -> None:
    """Finite-difference check of a layer's input and parameter gradients (every entry)."""
    rng = np.random.default_rng(seed)
    output = layer.forward(inputs, training)
    weights = rng.standard_normal(output.shape)

    def loss() -> float:
        return float(np.sum(layer.forward(inputs, training) * weights))

    layer.forward(inputs, training)
    input_gradient = layer.backward(weights.copy())
    parameter_gradients = {name: np.array(value) for name, value in layer.gradients.items()}
    assert set(parameter_gradients) == set(layer.params)
    assert input_gradient.dtype == np.float64
    assert_gradient(input_gradient, loss, inputs, what=f"{layer.name} input")
    for name, value in layer.params.items():
        assert parameter_gradients[name].dtype == np.float64
        assert_gradient(parameter_gradients[name], loss, value, what=f"{layer.name} {name}")


CONV_CASES = [
    # (input shape, spec)
    ((2, 7, 6, 3), cfg.Conv2D(4, (3, 3), (1, 1), "valid", "tanh")),
    ((2, 7, 6, 3), cfg.Conv2D(4, (3, 3), (1, 1), "same", "tanh")),
    ((2, 6, 7, 3), cfg.Conv2D(3, (2, 3), (1, 1), "same", "sigmoid")),
    ((2, 8, 7, 3), cfg.Conv2D(4, (3, 3), (2, 2), "valid", "linear")),  # last row/column never read
    ((2, 7, 8, 3), cfg.Conv2D(4, (3, 3), (2, 2), "same", "relu")),
    ((2, 7, 6, 3), cfg.Conv2D(2, (2, 4), (2, 1), "same", "tanh")),
    ((2, 9, 7, 3), cfg.Conv2D(3, (4, 2), (2, 1), "valid", "sigmoid")),
    ((1, 6, 9, 3), cfg.Conv2D(2, (4, 2), (1, 3), "valid", "linear")),
    ((2, 6, 6, 2), cfg.Conv2D(3, (4, 4), (1, 1), "same", "relu")),  # padding 1 before, 2 after
    ((2, 5, 4, 3), cfg.Conv2D(5, (1, 1), (1, 1), "valid", "tanh")),
    ((2, 5, 5, 3), cfg.Conv2D(2, (3, 3), (3, 3), "same", "linear")),
]


@pytest.mark.parametrize("shape, spec", CONV_CASES,
                         ids=[f"{s.padding}-k{s.kernel_size}-s{s.strides}-{s.activation}" for _, s in CONV_CASES])
def test_conv2d_gradients(shape, spec):
    rng = np.random.default_rng(0)
    layer = conv_layer(spec, shape[-1], rng)
    check_layer(layer, rng.standard_normal(shape))


def test_conv2d_without_input_gradient_still_fills_parameter_gradients():
    rng = np.random.default_rng(3)
    layer = conv_layer(cfg.Conv2D(3, (3, 3), (1, 1), "same", "tanh"), 2, rng)
    inputs = rng.standard_normal((2, 5, 5, 2))
    output = layer.forward(inputs)
    weights = rng.standard_normal(output.shape)
    full = layer.backward(weights)
    expected = {name: value.copy() for name, value in layer.gradients.items()}
    layer.forward(inputs)
    assert layer.backward(weights, need_input_gradient=False) is None
    assert full is not None
    for name in expected:
        np.testing.assert_array_equal(layer.gradients[name], expected[name])


POOL_CASES = [
    # (input shape, pool size, strides)
    ((2, 6, 6, 3), (2, 2), None),
    ((2, 6, 7, 2), (3, 3), (1, 1)),   # overlapping windows
    ((2, 7, 8, 2), (2, 3), None),     # last row and last two columns cropped
    ((2, 7, 7, 2), (3, 3), (2, 2)),   # overlapping, stride 2
    ((2, 8, 8, 2), (2, 2), (3, 3)),   # gaps between windows
    ((2, 5, 6, 1), (3, 2), (1, 2)),
]
POOL_IDS = [f"p{p}-s{s}" for _, p, s in POOL_CASES]


@pytest.mark.parametrize("shape, pool_size, strides", POOL_CASES, ids=POOL_IDS)
def test_max_pooling_gradients(shape, pool_size, strides):
    rng = np.random.default_rng(0)
    layer = MaxPooling2DLayer("max_pooling2d", cfg.MaxPooling2D(pool_size, strides))
    inputs = rng.standard_normal(shape)
    assert len(np.unique(inputs)) == inputs.size  # no ties
    check_layer(layer, inputs)


def naive_max_pool_backward(gradient, inputs, pool_size, strides):
    """One window at a time: all of a window's gradient to its first maximum in row-major order."""
    result = np.zeros_like(inputs)
    for image in range(gradient.shape[0]):
        for row in range(gradient.shape[1]):
            for column in range(gradient.shape[2]):
                top, left = row * strides[0], column * strides[1]
                for channel in range(gradient.shape[3]):
                    window = inputs[image, top:top + pool_size[0], left:left + pool_size[1], channel]
                    dy, dx = np.unravel_index(np.argmax(window), window.shape)
                    result[image, top + dy, left + dx, channel] += gradient[image, row, column, channel]
    return result


@pytest.mark.parametrize("shape, pool_size, strides", POOL_CASES, ids=POOL_IDS)
def test_max_pooling_ties_go_to_the_first_maximum_of_each_window(shape, pool_size, strides):
    rng = np.random.default_rng(2)
    layer = MaxPooling2DLayer("max_pooling2d", cfg.MaxPooling2D(pool_size, strides))
    # Three values, and windows of zeros as after a ReLU: most windows tie, many three or more ways.
    inputs = np.maximum(rng.integers(-2, 2, size=shape), 0).astype(np.float32)
    gradient = rng.standard_normal(layer.forward(inputs).shape).astype(np.float32)
    expected = naive_max_pool_backward(gradient, inputs, pool_size, strides or pool_size)
    # Overlapping windows add several shares to one position, in another order than the loop.
    np.testing.assert_allclose(layer.backward(gradient), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("shape, pool_size, strides", POOL_CASES, ids=POOL_IDS)
def test_average_pooling_gradients(shape, pool_size, strides):
    rng = np.random.default_rng(0)
    layer = AveragePooling2DLayer("average_pooling2d", cfg.AveragePooling2D(pool_size, strides))
    check_layer(layer, rng.standard_normal(shape))


def test_dropout_with_a_fixed_mask():
    rng = np.random.default_rng(0)
    layer = DropoutLayer("dropout", cfg.Dropout(rate=0.5), np.random.default_rng(0))
    inputs = rng.standard_normal((3, 4, 5, 2))
    mask = rng.random(inputs.shape) >= 0.5
    assert 0 < mask.sum() < mask.size
    layer.fixed_mask = mask
    np.testing.assert_array_equal(layer.forward(inputs, training=True), inputs * mask * 2.0)
    check_layer(layer, inputs, training=True)
    # The gradient is exactly the mask scaled by 1 / (1 - rate) = 2.
    layer.forward(inputs, training=True)
    ones = np.ones(inputs.shape)
    np.testing.assert_array_equal(layer.backward(ones), mask * 2.0)


def test_dropout_is_the_identity_outside_training():
    layer = DropoutLayer("dropout", cfg.Dropout(rate=0.5), np.random.default_rng(0))
    inputs = np.random.default_rng(1).standard_normal((2, 3))
    np.testing.assert_array_equal(layer.forward(inputs, training=False), inputs)
    gradient = np.random.default_rng(2).standard_normal((2, 3))
    np.testing.assert_array_equal(layer.backward(gradient), gradient)


def test_dropout_random_mask_drops_about_rate_and_scales_the_rest():
    layer = DropoutLayer("dropout", cfg.Dropout(rate=0.3), np.random.default_rng(0))
    inputs = np.ones((200, 100), np.float32)
    output = layer.forward(inputs, training=True)
    assert output.dtype == np.float32
    assert set(np.unique(output)) == {np.float32(0.0), np.float32(1 / 0.7)}
    assert abs((output == 0).mean() - 0.3) < 0.01
    np.testing.assert_array_equal(layer.backward(inputs), output)


def test_flatten_gradients_and_nhwc_order():
    rng = np.random.default_rng(0)
    layer = FlattenLayer("flatten")
    inputs = rng.standard_normal((2, 3, 4, 5))
    output = layer.forward(inputs)
    assert output.shape == (2, 60)
    # Keras flattens NHWC row-major: channel fastest.
    np.testing.assert_array_equal(output[1, :5], inputs[1, 0, 0, :])
    np.testing.assert_array_equal(output[1], inputs[1].ravel())
    check_layer(layer, inputs)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_dense_gradients(activation):
    rng = np.random.default_rng(0)
    layer = dense_layer(cfg.Dense(5, activation), 7, rng)
    check_layer(layer, rng.standard_normal((3, 7)))


def test_dense_activations_forward():
    rng = np.random.default_rng(0)
    inputs = rng.standard_normal((4, 6))
    for activation, function in [("relu", lambda z: np.maximum(z, 0)), ("tanh", np.tanh),
                                 ("sigmoid", lambda z: 1 / (1 + np.exp(-z))), ("linear", lambda z: z)]:
        layer = dense_layer(cfg.Dense(3, activation), 6, np.random.default_rng(1))
        expected = function(inputs @ layer.params["kernel"] + layer.params["bias"])
        np.testing.assert_allclose(layer.forward(inputs), expected, rtol=1e-12, atol=1e-12)


def test_softmax_cross_entropy_gradient_wrt_logits():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((5, 4)) * 3
    labels = np.array([0, 3, 1, 1, 2])
    analytic = cross_entropy_gradient(softmax(logits), labels)
    indices = sample_indices(logits.shape, None, rng)
    numeric = numeric_gradient(lambda: cross_entropy(logits, labels), logits, indices)
    np.testing.assert_allclose([analytic[i] for i in indices], numeric, rtol=1e-5, atol=1e-8)


def test_cross_entropy_value_and_stability():
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    labels = np.array([2, 1])
    expected = -(np.log(np.exp(3) / np.exp([1, 2, 3]).sum()) + np.log(1 / 3)) / 2
    assert cross_entropy(logits, labels) == pytest.approx(expected, rel=1e-12)
    # Huge logits: no overflow, exact limits.
    big = np.array([[1000.0, 0.0], [0.0, 1000.0]], np.float32)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        assert cross_entropy(big, np.array([0, 1])) == pytest.approx(0.0, abs=1e-6)
        assert cross_entropy(big, np.array([1, 0])) == pytest.approx(1000.0, rel=1e-6)
        probabilities = softmax(big.copy())
    np.testing.assert_array_equal(probabilities, [[1, 0], [0, 1]])
    np.testing.assert_allclose(np.exp(log_softmax(logits)).sum(axis=1), 1.0)


def test_dense_softmax_with_cross_entropy():
    """The output layer's backward takes the logit gradient; check it against FD of the loss."""
    rng = np.random.default_rng(0)
    layer = dense_layer(cfg.Dense(4, "softmax"), 6, rng)
    inputs = rng.standard_normal((5, 6))
    labels = np.array([0, 3, 1, 2, 3])

    def loss() -> float:
        layer.forward(inputs)
        return cross_entropy(layer.logits, labels)

    probabilities = layer.forward(inputs)
    np.testing.assert_allclose(probabilities, softmax(inputs @ layer.params["kernel"] + layer.params["bias"]))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    input_gradient = layer.backward(cross_entropy_gradient(probabilities, labels))
    gradients = {name: value.copy() for name, value in layer.gradients.items()}
    assert_gradient(input_gradient, loss, inputs, what="input")
    for name, value in layer.params.items():
        assert_gradient(gradients[name], loss, value, what=name)


# --------------------------------------------------------------------------- the whole network

SMALL_MODEL = cfg.ModelConfig(
    input_shape=(28, 28, 1),
    layers=(
        cfg.Conv2D(4, (3, 3), padding="same", activation="tanh"),
        cfg.AveragePooling2D((2, 2)),
        cfg.Conv2D(6, (3, 3), strides=(2, 2), activation="tanh"),
        cfg.MaxPooling2D((2, 2)),
        cfg.Dropout(0.3),
        cfg.Flatten(),
        cfg.Dense(16, "tanh"),
        cfg.Dense(10, "softmax"),
    ),
    initializer=cfg.Initializer("glorot_uniform"),
)


@pytest.fixture(scope="module")
def float64_engine():
    engine = NumpyEngine(SMALL_MODEL, seed=3)
    rng = np.random.default_rng(5)
    for layer in engine.network.layers:
        for name, value in layer.params.items():
            # Non-zero biases, so their gradients and the tanh slopes are not trivial.
            scale = 0.3 if name == "bias" else 1.0
            layer.params[name] = (value + scale * rng.standard_normal(value.shape)
                                  if name == "bias" else value).astype(np.float64)
    # Inputs representable in float32: the engine casts its input to float32.
    images = rng.random((3, 28, 28, 1)).astype(np.float32).astype(np.float64)
    return engine, images


@pytest.mark.parametrize("class_index", [None, 7])
def test_network_gradients_against_finite_differences(float64_engine, class_index):
    engine, images = float64_engine
    labels = np.array([3, 0, 9])
    result = engine.gradients(images, labels=None if class_index is not None else labels,
                              class_index=class_index)

    def target() -> float:
        engine.network.forward(images)
        logits = engine.network.logits
        assert logits.dtype == np.float64
        if class_index is None:
            return cross_entropy(logits, labels)
        return float(logits[:, class_index].sum())

    assert result.target == ("loss" if class_index is None else f"class:{class_index}")
    assert result.value == pytest.approx(target(), rel=1e-12)
    rng = np.random.default_rng(11)
    assert_gradient(result.input, target, images, count=20, rng=rng, what="input")
    assert sorted(result.parameters) == ["conv2d", "conv2d_1", "dense", "dense_1"]
    for layer in engine.network.layers:
        for name, value in layer.params.items():
            assert_gradient(np.asarray(result.parameters[layer.name][name]), target, value,
                            count=20, rng=rng, what=f"{layer.name}/{name}")


def test_network_layer_output_gradients_against_finite_differences(float64_engine):
    """``GradientResult.layers[name]`` is the gradient with respect to that layer's output."""
    engine, images = float64_engine
    labels = np.array([1, 2, 3])
    result = engine.gradients(images, labels=labels)
    layers = engine.network.layers
    rng = np.random.default_rng(12)
    assert list(result.layers) == engine.layer_names()
    for position, layer in enumerate(layers[:-1]):
        _, outputs = engine.network.forward(images, keep_outputs=True)
        output = outputs[position].copy()

        def rest(output=output, position=position) -> float:
            values = output
            for later in layers[position + 1:]:
                values = later.forward(values)
            return cross_entropy(engine.network.logits, labels)

        assert_gradient(np.asarray(result.layers[layer.name]), rest, output, count=20, rng=rng,
                        what=f"output of {layer.name}")
    # The output layer's entry is the gradient with respect to its logits.
    engine.network.forward(images)
    np.testing.assert_allclose(result.layers["dense_1"],
                               cross_entropy_gradient(softmax(engine.network.logits), labels),
                               rtol=1e-10, atol=1e-12)


OFFSET_PRODUCT_CASES = [
    ((1, 32, 32, 4), cfg.Conv2D(3, (3, 3), (1, 1), "same", "tanh")),
    ((1, 64, 48, 3), cfg.Conv2D(2, (3, 2), (2, 1), "same", "relu")),
    ((2, 40, 40, 16), cfg.Conv2D(5, (5, 5), (3, 2), "valid", "linear")),
]


@pytest.mark.parametrize("shape, spec", OFFSET_PRODUCT_CASES,
                         ids=[f"{s.padding}-k{s.kernel_size}-s{s.strides}" for _, s in OFFSET_PRODUCT_CASES])
def test_conv2d_input_gradient_made_one_kernel_offset_at_a_time(shape, spec):
    """Maps with few channels and many values take the input gradient one kernel offset at a time (the
    small cases above take col2im): it agrees with finite differences at sampled entries, and with
    col2im after one product to float64 rounding."""
    from cnnviz.engines.numpy_engine import functional

    rng = np.random.default_rng(5)
    layer = conv_layer(spec, shape[-1], rng)
    inputs = rng.standard_normal(shape)
    output = layer.forward(inputs)
    rows, channels = output.shape[0] * output.shape[1] * output.shape[2], shape[-1]
    assert channels <= functional.MAX_OFFSET_PRODUCT_CHANNELS
    assert rows * channels >= functional.MIN_OFFSET_PRODUCT_VALUES   # the per-offset branch
    weights = rng.standard_normal(output.shape)

    def loss() -> float:
        return float(np.sum(layer.forward(inputs) * weights))

    layer.forward(inputs)
    input_gradient = layer.backward(weights.copy())
    assert_gradient(input_gradient, loss, inputs, count=300, rng=rng, what="per-offset input gradient")
    _, padded_shape, _, _ = layer._cache
    kernel = layer.params["kernel"]
    flat = weights.reshape(rows, -1) * (1.0 - output.reshape(rows, -1) ** 2 if spec.activation == "tanh" else
                                        (output.reshape(rows, -1) > 0) if spec.activation == "relu" else 1.0)
    by_offsets = functional.conv_input_gradient(flat, kernel, padded_shape, spec.strides, output.shape[1:3])
    by_columns = functional.col2im(flat @ kernel.reshape(-1, kernel.shape[-1]).T, padded_shape, spec.kernel_size,
                                   spec.strides, output.shape[1:3])
    np.testing.assert_allclose(by_offsets, by_columns, rtol=1e-12, atol=1e-12)
