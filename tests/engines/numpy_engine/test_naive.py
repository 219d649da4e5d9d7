"""Forward passes against explicit loops written from the definitions (Keras / TensorFlow semantics)."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core import config as cfg
from cnnviz.core.validation import layer_output_shape
from cnnviz.engines.numpy_engine import functional
from cnnviz.engines.numpy_engine.layers import AveragePooling2DLayer, Conv2DLayer, MaxPooling2DLayer

ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "linear": lambda z: z,
}


def tf_same_pads(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'SAME': output ceil(size / stride); any odd extra pixel of padding goes after."""
    output = (size + stride - 1) // stride
    total = max((output - 1) * stride + kernel - size, 0)
    before = total // 2
    return before, total - before


def naive_conv(images, kernel, bias, strides, padding, activation):
    n, h, w, c = images.shape
    kh, kw, _, filters = kernel.shape
    sy, sx = strides
    if padding == "same":
        top, bottom = tf_same_pads(h, kh, sy)
        left, right = tf_same_pads(w, kw, sx)
    else:
        top = bottom = left = right = 0
    padded = np.zeros((n, h + top + bottom, w + left + right, c))
    padded[:, top:top + h, left:left + w, :] = images
    out_h = (padded.shape[1] - kh) // sy + 1
    out_w = (padded.shape[2] - kw) // sx + 1
    output = np.zeros((n, out_h, out_w, filters))
    for i in range(n):
        for y in range(out_h):
            for x in range(out_w):
                field = padded[i, y * sy:y * sy + kh, x * sx:x * sx + kw, :]
                for f in range(filters):
                    output[i, y, x, f] = np.sum(field * kernel[:, :, :, f]) + bias[f]
    return ACTIVATIONS[activation](output)


def naive_pool(images, pool_size, strides, reduce):
    n, h, w, c = images.shape
    ph, pw = pool_size
    sy, sx = strides
    out_h, out_w = (h - ph) // sy + 1, (w - pw) // sx + 1
    output = np.zeros((n, out_h, out_w, c))
    for i in range(n):
        for y in range(out_h):
            for x in range(out_w):
                for k in range(c):
                    output[i, y, x, k] = reduce(images[i, y * sy:y * sy + ph, x * sx:x * sx + pw, k])
    return output


CONV_CASES = [
    # (input shape, filters, kernel, strides, padding, activation)
    ((2, 9, 8, 1), 3, (3, 3), (1, 1), "valid", "linear"),
    ((2, 9, 8, 3), 4, (3, 3), (1, 1), "same", "relu"),
    ((2, 9, 8, 3), 4, (3, 3), (2, 2), "valid", "tanh"),
    ((2, 9, 8, 3), 4, (3, 3), (2, 2), "same", "sigmoid"),
    ((1, 10, 7, 2), 2, (2, 4), (2, 1), "same", "relu"),
    ((1, 10, 7, 2), 2, (5, 3), (3, 2), "valid", "linear"),
    ((2, 6, 6, 3), 3, (4, 4), (1, 1), "same", "linear"),     # even kernel: 1 before, 2 after
    ((2, 6, 6, 3), 3, (2, 2), (2, 2), "same", "linear"),     # no padding needed
    ((1, 7, 7, 2), 3, (3, 3), (3, 3), "same", "tanh"),       # 3 outputs, total pad 2
    ((1, 8, 5, 3), 5, (1, 1), (2, 2), "valid", "linear"),
    ((2, 5, 5, 1), 2, (5, 5), (1, 1), "valid", "relu"),       # a single output position
    ((1, 4, 4, 2), 2, (7, 7), (1, 1), "same", "linear"),     # kernel larger than the image
]


@pytest.mark.parametrize("shape, filters, kernel_size, strides, padding, activation", CONV_CASES,
                         ids=[f"{c[4]}-in{c[0][1:]}-k{c[2]}-s{c[3]}-{c[5]}" for c in CONV_CASES])
def test_conv2d_matches_explicit_loops(shape, filters, kernel_size, strides, padding, activation):
    rng = np.random.default_rng(0)
    spec = cfg.Conv2D(filters, kernel_size, strides, padding, activation)
    layer = Conv2DLayer("conv2d", spec, shape[-1])
    layer.params["kernel"][...] = rng.standard_normal(layer.params["kernel"].shape)
    layer.params["bias"][...] = rng.standard_normal(filters)
    images = rng.standard_normal(shape).astype(np.float32)
    output = layer.forward(images)
    expected = naive_conv(images.astype(np.float64), layer.params["kernel"].astype(np.float64),
                          layer.params["bias"].astype(np.float64), strides, padding, activation)
    assert output.dtype == np.float32
    assert output.shape == expected.shape == (shape[0], *layer_output_shape(spec, shape[1:]))
    np.testing.assert_allclose(output, expected, rtol=1e-5, atol=1e-5)


def test_same_padding_puts_the_extra_pixel_after():
    """A 2x2 all-ones kernel over a 2x2 image with 'same' padding: TensorFlow pads only after,
    so output[y, x] sums the window starting at (y, x)."""
    layer = Conv2DLayer("conv2d", cfg.Conv2D(1, (2, 2), padding="same", activation="linear"), 1)
    layer.params["kernel"][...] = 1.0
    images = np.array([[1.0, 2.0], [4.0, 8.0]], np.float32)[None, :, :, None]
    np.testing.assert_array_equal(layer.forward(images)[0, :, :, 0], [[15.0, 10.0], [12.0, 8.0]])


def test_same_padding_with_stride_two_on_an_even_image():
    """28 wide, kernel 3, stride 2: 14 outputs, one pixel of padding, after (none before)."""
    assert functional.same_padding(28, 3, 2) == (0, 1)
    assert functional.same_padding(5, 4, 1) == (1, 2)
    assert functional.same_padding(7, 3, 3) == (1, 1)
    assert functional.same_padding(6, 2, 2) == (0, 0)
    assert functional.same_padding(4, 7, 1) == (3, 3)
    assert functional.conv_geometry(28, 27, (3, 3), (2, 2), "same") == (14, 14, (0, 1, 1, 1))
    assert functional.conv_geometry(9, 8, (3, 2), (2, 3), "valid") == (4, 3, (0, 0, 0, 0))
    # A 3x3 kernel reading only the top-left weight shows where the image sits after padding.
    layer = Conv2DLayer("conv2d", cfg.Conv2D(1, (3, 3), (2, 2), "same", "linear"), 1)
    layer.params["kernel"][0, 0, 0, 0] = 1.0
    images = np.arange(1, 17, dtype=np.float32).reshape(1, 4, 4, 1)
    # Total padding 1 per axis, all after: windows start at rows/cols 0 and 2 of the image.
    np.testing.assert_array_equal(layer.forward(images)[0, :, :, 0], [[1, 3], [9, 11]])


@pytest.mark.parametrize("size, kernel, stride", [(s, k, st) for s in range(1, 9) for k in range(1, 6)
                                                  for st in range(1, 4)])
def test_same_padding_formula(size, kernel, stride):
    assert functional.same_padding(size, kernel, stride) == tf_same_pads(size, kernel, stride)


POOL_CASES = [
    ((2, 6, 6, 3), (2, 2), None),
    ((2, 7, 9, 2), (2, 2), None),       # cropped
    ((2, 7, 8, 2), (3, 3), (1, 1)),
    ((2, 7, 8, 2), (2, 3), None),
    ((1, 9, 9, 1), (3, 3), (2, 2)),
    ((1, 8, 9, 2), (2, 2), (3, 4)),     # gaps between windows
    ((1, 6, 7, 2), (3, 2), (1, 2)),
    ((1, 3, 3, 1), (3, 3), None),       # one window
]
POOL_IDS = [f"in{c[0][1:]}-p{c[1]}-s{c[2]}" for c in POOL_CASES]


@pytest.mark.parametrize("shape, pool_size, strides", POOL_CASES, ids=POOL_IDS)
def test_max_pooling_matches_explicit_loops(shape, pool_size, strides):
    images = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    spec = cfg.MaxPooling2D(pool_size, strides)
    output = MaxPooling2DLayer("max_pooling2d", spec).forward(images)
    expected = naive_pool(images, pool_size, strides or pool_size, np.max)
    assert output.dtype == np.float32
    assert output.shape == (shape[0], *layer_output_shape(spec, shape[1:]))
    np.testing.assert_array_equal(output, expected)


@pytest.mark.parametrize("shape, pool_size, strides", POOL_CASES, ids=POOL_IDS)
def test_average_pooling_matches_explicit_loops(shape, pool_size, strides):
    images = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    spec = cfg.AveragePooling2D(pool_size, strides)
    output = AveragePooling2DLayer("average_pooling2d", spec).forward(images)
    expected = naive_pool(images.astype(np.float64), pool_size, strides or pool_size, np.mean)
    assert output.dtype == np.float32
    assert output.shape == (shape[0], *layer_output_shape(spec, shape[1:]))
    np.testing.assert_allclose(output, expected, rtol=1e-6, atol=1e-6)


def test_pooling_does_not_modify_its_input():
    images = np.random.default_rng(0).standard_normal((1, 6, 6, 2)).astype(np.float32)
    kept = images.copy()
    MaxPooling2DLayer("m", cfg.MaxPooling2D((2, 2))).forward(images)
    AveragePooling2DLayer("a", cfg.AveragePooling2D((3, 3), (1, 1))).forward(images)
    np.testing.assert_array_equal(images, kept)


def test_im2col_and_col2im_are_adjoint():
    """<im2col(x), y> == <x, col2im(y)> for random x, y: col2im is the exact transpose."""
    rng = np.random.default_rng(0)
    padded_shape, kernel_size, strides = (2, 9, 8, 3), (3, 2), (2, 3)
    output_size = ((9 - 3) // 2 + 1, (8 - 2) // 3 + 1)
    x = rng.standard_normal(padded_shape)
    columns = functional.im2col(x, kernel_size, strides, output_size)
    assert columns.shape == (2 * output_size[0] * output_size[1], 3 * 2 * 3)
    y = rng.standard_normal(columns.shape)
    back = functional.col2im(y, padded_shape, kernel_size, strides, output_size)
    assert np.sum(columns * y) == pytest.approx(np.sum(x * back), rel=1e-12)
    # Column order (kh, kw, c): row 0 is the first receptive field, flattened row-major.
    np.testing.assert_array_equal(columns[0], x[0, 0:3, 0:2, :].ravel())
