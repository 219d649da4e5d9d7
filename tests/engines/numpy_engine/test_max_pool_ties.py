"""Max pooling with tied maxima: the whole gradient goes to the first maximum in row-major order
within the window (TensorFlow's rule), in the plain layer and in the fused conv + pool block."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core import config as cfg
from cnnviz.engines.numpy_engine.fused import ConvMaxPoolBlock
from cnnviz.engines.numpy_engine.layers import Conv2DLayer, MaxPooling2DLayer

# Windows of 2x2: [1 3; 3 3] -> (0, 1); [2 2; 2 0] -> (0, 2); [5 4; 5 5] -> (2, 0); all 7 -> (2, 2).
TIED = np.array([
    [1, 3, 2, 2],
    [3, 3, 2, 0],
    [5, 4, 7, 7],
    [5, 5, 7, 7],
], np.float32)
# Second channel: [-1 -1; -1 -1] -> (0, 0); [-1 0; 2 2] -> (1, 2); all 0 -> (2, 0); [4 9; 9 9] -> (2, 3).
TIED_2 = np.array([
    [-1, -1, -1, 0],
    [-1, -1, 2, 2],
    [0, 0, 4, 9],
    [0, 0, 9, 9],
], np.float32)
GRADIENT = np.array([[10, 20], [30, 40]], np.float32)
EXPECTED = np.array([
    [0, 10, 20, 0],
    [0, 0, 0, 0],
    [30, 0, 40, 0],
    [0, 0, 0, 0],
], np.float32)
EXPECTED_2 = np.array([
    [10, 0, 0, 0],
    [0, 0, 20, 0],
    [30, 0, 0, 40],
    [0, 0, 0, 0],
], np.float32)


def tied_batch() -> np.ndarray:
    return np.stack([TIED, TIED_2], axis=-1)[None]  # (1, 4, 4, 2)


def test_max_pooling_layer_routes_ties_to_the_first_maximum():
    layer = MaxPooling2DLayer("max_pooling2d", cfg.MaxPooling2D((2, 2)))
    output = layer.forward(tied_batch(), training=True)
    np.testing.assert_array_equal(output[0, :, :, 0], [[3, 2], [5, 7]])
    np.testing.assert_array_equal(output[0, :, :, 1], [[-1, 2], [0, 9]])
    gradient = np.stack([GRADIENT, GRADIENT], axis=-1)[None]
    result = layer.backward(gradient)
    np.testing.assert_array_equal(result[0, :, :, 0], EXPECTED)
    np.testing.assert_array_equal(result[0, :, :, 1], EXPECTED_2)


def first_max_reference(images, gradient, pool_size, strides):
    """Explicit loops: each window gives its gradient to ``argmax`` of the flattened window."""
    result = np.zeros(images.shape, np.float64)
    _, out_h, out_w, _ = gradient.shape
    for n in range(images.shape[0]):
        for y in range(out_h):
            for x in range(out_w):
                for c in range(images.shape[3]):
                    window = images[n, y * strides[0]:y * strides[0] + pool_size[0],
                                    x * strides[1]:x * strides[1] + pool_size[1], c]
                    dy, dx = np.unravel_index(np.argmax(window), window.shape)
                    result[n, y * strides[0] + dy, x * strides[1] + dx, c] += gradient[n, y, x, c]
    return result


@pytest.mark.parametrize("pool_size, strides", [((2, 2), (1, 1)), ((3, 3), (1, 1)), ((2, 3), (2, 1)),
                                                ((3, 2), (3, 2)), ((2, 2), (3, 3))])
def test_ties_with_other_geometries(pool_size, strides):
    rng = np.random.default_rng(0)
    # Few distinct values: almost every window has tied maxima.
    images = rng.integers(0, 3, (2, 7, 8, 3)).astype(np.float32)
    layer = MaxPooling2DLayer("max_pooling2d", cfg.MaxPooling2D(pool_size, strides))
    output = layer.forward(images)
    gradient = rng.integers(1, 100, output.shape).astype(np.float32)
    np.testing.assert_array_equal(layer.backward(gradient),
                                  first_max_reference(images, gradient, pool_size, strides))


def identity_conv(channels: int, activation: str, bias: float = 0.0) -> Conv2DLayer:
    """A 1x1 convolution that copies its input (plus a bias): ties in the input stay ties."""
    layer = Conv2DLayer("conv2d", cfg.Conv2D(channels, (1, 1), activation=activation), channels)
    layer.params["kernel"][0, 0] = np.eye(channels, dtype=np.float32)
    layer.params["bias"][:] = bias
    return layer


@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_fused_block_routes_ties_to_the_first_maximum(activation):
    conv = identity_conv(2, activation)
    block = ConvMaxPoolBlock(conv, MaxPooling2DLayer("max_pooling2d", cfg.MaxPooling2D((2, 2))))
    output = block.forward(tied_batch(), training=True)
    expected_output = np.array([[[3, -1], [2, 2]], [[5, 0], [7, 9]]], np.float32)
    if activation == "relu":
        expected_output = np.maximum(expected_output, 0)
    np.testing.assert_array_equal(output[0], expected_output)
    gradient = np.stack([GRADIENT, GRADIENT], axis=-1)[None]
    result = block.backward(gradient)
    np.testing.assert_array_equal(result[0, :, :, 0], EXPECTED)
    expected_2 = EXPECTED_2.copy()
    if activation == "relu":
        # Channel 1's windows of all -1 and all 0 output ReLU(..) = 0, where ReLU's gradient is 0.
        expected_2[0, 0] = expected_2[2, 0] = 0
    np.testing.assert_array_equal(result[0, :, :, 1], expected_2)
    np.testing.assert_array_equal(conv.gradients["bias"], [100, expected_2.sum()])
    # With an identity kernel the input gradient is the pre-activation gradient of the
    # convolution output, so kernel[0, 0, i, o] = sum(input[..., i] * input_gradient[..., o]).
    images = tied_batch()[0]
    expected_kernel = np.einsum("hwi,hwo->io", images, result[0])
    np.testing.assert_array_equal(conv.gradients["kernel"][0, 0], expected_kernel)
    assert expected_kernel[0, 0] == 10 * 3 + 20 * 2 + 30 * 5 + 40 * 7


@pytest.mark.parametrize("activation", ["relu", "linear"])
@pytest.mark.parametrize("pool_size", [(2, 2), (3, 2), (2, 3)])
def test_fused_and_plain_layers_agree_on_ties(activation, pool_size):
    rng = np.random.default_rng(1)
    images = rng.integers(-1, 3, (2, 9, 8, 3)).astype(np.float32)
    conv = identity_conv(3, activation, bias=0.5)
    pool = MaxPooling2DLayer("max_pooling2d", cfg.MaxPooling2D(pool_size))
    plain_output = pool.forward(conv.forward(images, True), True)
    gradient = rng.integers(1, 50, plain_output.shape).astype(np.float32)
    plain_input_gradient = conv.backward(pool.backward(gradient))
    plain = {name: value.copy() for name, value in conv.gradients.items()}
    block = ConvMaxPoolBlock(conv, pool)
    np.testing.assert_array_equal(block.forward(images, True), plain_output)
    np.testing.assert_array_equal(block.backward(gradient), plain_input_gradient)
    for name in plain:
        np.testing.assert_array_equal(conv.gradients[name], plain[name])
