"""Backprop through a convolution = full convolution with the 180°-flipped kernel (report §4.3).

Checked against central finite differences of a plain NumPy convolution written here
(tests/science/test_flip_identity.py checks it against the NumPy engine's own backpropagation).
"""

import numpy as np
import pytest

from cnnviz.core.backprop import (
    convolution_geometry,
    dilate,
    flip_kernel,
    input_gradient_by_flipped_convolution,
    pre_activation_gradient,
)


def convolve(images: np.ndarray, kernel: np.ndarray, strides, padding: str) -> np.ndarray:
    """Keras's convolution (a cross-correlation), float64, one window at a time."""
    (output_height, output_width), (top, bottom, left, right) = convolution_geometry(
        images.shape[1:3], kernel.shape[:2], strides, padding)
    padded = np.pad(images, ((0, 0), (top, bottom), (left, right), (0, 0)))
    kernel_height, kernel_width = kernel.shape[:2]
    output = np.zeros((len(images), output_height, output_width, kernel.shape[3]))
    for y in range(output_height):
        for x in range(output_width):
            window = padded[:, y * strides[0]:y * strides[0] + kernel_height,
                            x * strides[1]:x * strides[1] + kernel_width, :]
            output[:, y, x, :] = np.tensordot(window, kernel, axes=([1, 2, 3], [0, 1, 2]))
    return output


def finite_difference_input_gradient(images, kernel, weights, strides, padding, step=1e-6):
    """Gradient of ``sum(convolve(images) * weights)`` by central differences."""
    gradient = np.zeros_like(images)
    for index in np.ndindex(images.shape):
        plus, minus = images.copy(), images.copy()
        plus[index] += step
        minus[index] -= step
        gradient[index] = (np.sum(convolve(plus, kernel, strides, padding) * weights)
                           - np.sum(convolve(minus, kernel, strides, padding) * weights)) / (2 * step)
    return gradient


CASES = [
    ((7, 6), (3, 3), (1, 1), "valid"),
    ((7, 6), (3, 3), (1, 1), "same"),
    ((8, 7), (3, 3), (2, 2), "valid"),
    ((8, 7), (3, 3), (2, 2), "same"),
    ((9, 8), (5, 3), (2, 3), "same"),
    ((9, 8), (5, 3), (3, 1), "valid"),
    ((6, 6), (2, 2), (1, 1), "same"),
]


@pytest.mark.parametrize("size, kernel_size, strides, padding", CASES)
def test_flipped_full_convolution_matches_finite_differences(size, kernel_size, strides, padding):
    rng = np.random.default_rng(0)
    images = rng.standard_normal((1, *size, 2))
    kernel = rng.standard_normal((*kernel_size, 2, 3))
    weights = rng.standard_normal(convolve(images, kernel, strides, padding).shape)
    expected = finite_difference_input_gradient(images, kernel, weights, strides, padding)
    computed = input_gradient_by_flipped_convolution(weights, kernel, size, strides, padding)
    assert computed.shape == images.shape and computed.dtype == np.float64
    np.testing.assert_allclose(computed, expected, atol=1e-7)


def test_the_flip_is_what_makes_it_right():
    rng = np.random.default_rng(1)
    images = rng.standard_normal((1, 6, 6, 1))
    kernel = rng.standard_normal((3, 3, 1, 1))
    weights = rng.standard_normal((1, 4, 4, 1))
    expected = finite_difference_input_gradient(images, kernel, weights, (1, 1), "valid")
    # Feeding the flipped kernel undoes the flip inside: the unflipped correlation is wrong.
    unflipped = input_gradient_by_flipped_convolution(weights, flip_kernel(kernel), (6, 6))
    assert np.abs(unflipped - expected).max() > 0.1
    np.testing.assert_allclose(input_gradient_by_flipped_convolution(weights, kernel, (6, 6)), expected,
                               atol=1e-7)


def test_flip_kernel_rotates_each_slice_by_180_degrees():
    kernel = np.arange(2 * 3 * 2 * 2).reshape(2, 3, 2, 2)
    flipped = flip_kernel(kernel)
    for i in range(2):
        for j in range(3):
            np.testing.assert_array_equal(flipped[i, j], kernel[1 - i, 2 - j])
    np.testing.assert_array_equal(flip_kernel(np.arange(4).reshape(2, 2)), [[3, 2], [1, 0]])
    flipped[0, 0, 0, 0] = -1
    assert kernel.min() == 0  # a copy
    with pytest.raises(ValueError, match="kh, kw"):
        flip_kernel(np.zeros((3, 3, 1)))


def test_dilate_puts_stride_minus_one_zeros_between_pixels():
    gradient = np.arange(1, 7, dtype=float).reshape(1, 2, 3, 1)
    dilated = dilate(gradient, (2, 3))
    assert dilated.shape == (1, 3, 7, 1)
    expected = np.zeros((3, 7))
    expected[::2, ::3] = [[1, 2, 3], [4, 5, 6]]
    np.testing.assert_array_equal(dilated[0, :, :, 0], expected)
    np.testing.assert_array_equal(dilate(gradient, 1), gradient)
    with pytest.raises(ValueError, match="strides"):
        dilate(gradient, (0, 1))


@pytest.mark.parametrize("activation, function", [
    ("relu", lambda z: np.maximum(z, 0)),
    ("tanh", np.tanh),
    ("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
    ("linear", lambda z: z),
])
def test_pre_activation_gradient_is_the_chain_rule(activation, function):
    rng = np.random.default_rng(2)
    pre = rng.standard_normal((2, 3, 3, 2))
    upstream = rng.standard_normal(pre.shape)
    step = 1e-6
    derivative = (function(pre + step) - function(pre - step)) / (2 * step)
    np.testing.assert_allclose(pre_activation_gradient(upstream, function(pre), activation),
                               upstream * derivative, atol=1e-6)


def test_pre_activation_gradient_refuses_bad_input():
    with pytest.raises(ValueError, match="activation"):
        pre_activation_gradient(np.ones((1, 2)), np.ones((1, 2)), "softmax")
    with pytest.raises(ValueError, match="same shape"):
        pre_activation_gradient(np.ones((1, 2)), np.ones((1, 3)), "relu")


def test_mismatched_gradient_shape_names_the_expected_output():
    with pytest.raises(ValueError, match=r"\(n, 4, 4, 2\)"):
        input_gradient_by_flipped_convolution(np.ones((1, 5, 5, 2)), np.ones((3, 3, 1, 2)), (6, 6))
    with pytest.raises(ValueError, match="padding"):
        input_gradient_by_flipped_convolution(np.ones((1, 4, 4, 2)), np.ones((3, 3, 1, 2)), (6, 6),
                                              padding="full")
