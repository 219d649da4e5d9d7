"""Array kernels of the NumPy engine: convolution via batched im2col, pooling, their gradients.

Every function works on a whole batch at once, NHWC ``float32``, kernels
``(kh, kw, in_channels, out_channels)`` as Keras stores them. The only Python
loops run over kernel or window offsets (``kh * kw`` iterations), never over
images, channels or pixels; each convolution is one matrix multiply.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

RUN_LENGTH = 8
"""Receptive fields whose kernel rows hold at least this many values (kernel width times channels)
are gathered with one strided copy in runs of a kernel row; narrower ones with a copy per kernel
offset, in runs along the output width (numpy's copies pay per run, not per value)."""
MAX_OFFSET_PRODUCT_CHANNELS = 32
MIN_OFFSET_PRODUCT_VALUES = 4096
"""A convolution's input gradient is made one kernel offset at a time (:func:`conv_input_gradient`)
for inputs of at most this many channels whose maps hold at least this many values; measured on
64×64 and 32×32 maps of 3-32 channels (0.3-0.8 of :func:`col2im`'s time), and slower than it for
small maps of many channels (8×8×128) or one small channel (28×28×1)."""

def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """Padding before and after along one axis for ``padding='same'``, as TensorFlow pads.

    TensorFlow puts the extra row or column, when the total is odd, after the data.
    """
    output = -(-size // stride)
    total = max((output - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def conv_geometry(height: int, width: int, kernel_size: tuple[int, int], strides: tuple[int, int],
                  padding: str) -> tuple[int, int, tuple[int, int, int, int]]:
    """Output height, width and the padding ``(top, bottom, left, right)`` of a convolution."""
    kernel_height, kernel_width = kernel_size
    if padding == "same":
        top, bottom = same_padding(height, kernel_height, strides[0])
        left, right = same_padding(width, kernel_width, strides[1])
    else:
        top = bottom = left = right = 0
    output_height = (height + top + bottom - kernel_height) // strides[0] + 1
    output_width = (width + left + right - kernel_width) // strides[1] + 1
    return output_height, output_width, (top, bottom, left, right)


def pad_images(images: np.ndarray, pads: tuple[int, int, int, int]) -> np.ndarray:
    """Zero-pad the two spatial axes of an NHWC batch (no copy when there is no padding)."""
    top, bottom, left, right = pads
    if not any(pads):
        return images
    return np.pad(images, ((0, 0), (top, bottom), (left, right), (0, 0)))


def im2col(images: np.ndarray, kernel_size: tuple[int, int], strides: tuple[int, int],
           output_size: tuple[int, int]) -> np.ndarray:
    """Gather every receptive field of an already padded batch into rows.

    Parameters
    ----------
    images : ndarray, shape (n, h, w, c)
    kernel_size, strides : (int, int)
    output_size : (int, int)
        Output height and width.

    Returns
    -------
    ndarray, shape (n * oh * ow, kh * kw * c)
        Columns ordered ``(kh, kw, c)``, matching ``kernel.reshape(-1, out_channels)``.
    """
    num_images, _, _, channels = images.shape
    kernel_height, kernel_width = kernel_size
    stride_y, stride_x = strides
    output_height, output_width = output_size
    if kernel_width * channels < RUN_LENGTH:
        # Few channels: one copy per kernel offset moves runs along the output width.
        columns = np.empty((num_images, output_height, output_width, kernel_height, kernel_width, channels),
                           dtype=images.dtype)
        for dy in range(kernel_height):
            rows = slice(dy, dy + stride_y * (output_height - 1) + 1, stride_y)
            for dx in range(kernel_width):
                cols = slice(dx, dx + stride_x * (output_width - 1) + 1, stride_x)
                columns[:, :, :, dy, dx, :] = images[:, rows, cols, :]
        return columns.reshape(num_images * output_height * output_width, -1)
    # A kernel row of a receptive field is kw * c consecutive values of the contiguous batch: one
    # strided view reads every field, and one copy moves them in runs of kw * c values.
    columns = np.empty((num_images, output_height, output_width, kernel_height, kernel_width * channels),
                       dtype=images.dtype)
    images = np.ascontiguousarray(images)
    # Strides from the shape: a contiguous array's size-1 axes may carry any stride.
    value = images.itemsize
    pixel = value * channels
    row = pixel * images.shape[2]
    np.copyto(columns, np.lib.stride_tricks.as_strided(
        images, columns.shape, (row * images.shape[1], stride_y * row, stride_x * pixel, row, value),
        writeable=False))
    return columns.reshape(num_images * output_height * output_width, -1)


def col2im(columns: np.ndarray, padded_shape: tuple[int, ...], kernel_size: tuple[int, int],
           strides: tuple[int, int], output_size: tuple[int, int]) -> np.ndarray:
    """Scatter-add rows of receptive fields back onto a padded batch (the adjoint of :func:`im2col`).

    Parameters
    ----------
    columns : ndarray, shape (n * oh * ow, kh * kw * c)
    padded_shape : (n, hp, wp, c)

    Returns
    -------
    ndarray, shape ``padded_shape``
    """
    num_images, _, _, channels = padded_shape
    kernel_height, kernel_width = kernel_size
    stride_y, stride_x = strides
    output_height, output_width = output_size
    columns = columns.reshape(num_images, output_height, output_width, kernel_height, kernel_width, channels)
    result = np.zeros(padded_shape, dtype=columns.dtype)
    for dy in range(kernel_height):
        rows = slice(dy, dy + stride_y * (output_height - 1) + 1, stride_y)
        for dx in range(kernel_width):
            cols = slice(dx, dx + stride_x * (output_width - 1) + 1, stride_x)
            result[:, rows, cols, :] += columns[:, :, :, dy, dx, :]
    return result


def conv_input_gradient(gradient: np.ndarray, kernel: np.ndarray, padded_shape: tuple[int, ...],
                        strides: tuple[int, int], output_size: tuple[int, int]) -> np.ndarray:
    """The gradient with respect to a convolution's padded input, from the gradient with respect to
    its output, ``(n * oh * ow, filters)``: the adjoint of :func:`im2col` and the forward product.

    A convolution with few input channels takes one product per kernel offset, each a contiguous
    ``(n, oh, ow, c)`` block added onto the input at that offset (at stride 1, runs of ``ow * c``
    values); :func:`col2im` after one product for every offset adds runs of ``c`` values, several
    times slower for a colour input's three channels or sixteen filters' maps. Others (many channels,
    small maps: few values per offset) keep the one product and :func:`col2im`.

    Returns
    -------
    ndarray, shape ``padded_shape``
    """
    num_images, _, _, channels = padded_shape
    kernel_height, kernel_width = kernel.shape[:2]
    if channels > MAX_OFFSET_PRODUCT_CHANNELS or len(gradient) * channels < MIN_OFFSET_PRODUCT_VALUES:
        columns = gradient @ kernel.reshape(-1, kernel.shape[-1]).T
        return col2im(columns, padded_shape, (kernel_height, kernel_width), strides, output_size)
    stride_y, stride_x = strides
    output_height, output_width = output_size
    result = np.zeros(padded_shape, dtype=gradient.dtype)
    part = np.empty((num_images, output_height, output_width, channels), dtype=gradient.dtype)
    for dy in range(kernel_height):
        rows = slice(dy, dy + stride_y * (output_height - 1) + 1, stride_y)
        for dx in range(kernel_width):
            cols = slice(dx, dx + stride_x * (output_width - 1) + 1, stride_x)
            np.matmul(gradient, kernel[dy, dx].T, out=part.reshape(-1, channels))
            result[:, rows, cols, :] += part
    return result


def pool_windows(images: np.ndarray, pool_size: tuple[int, int],
                 strides: tuple[int, int]) -> Iterator[tuple[int, slice, slice]]:
    """Yield ``(offset_index, rows, cols)`` slices selecting each window offset's values.

    Each yielded pair of slices picks, from an NHWC batch, the value at one offset of
    every pooling window (``valid`` pooling), shaped ``(n, oh, ow, c)``.
    """
    height, width = images.shape[1:3]
    output_height = (height - pool_size[0]) // strides[0] + 1
    output_width = (width - pool_size[1]) // strides[1] + 1
    index = 0
    for dy in range(pool_size[0]):
        rows = slice(dy, dy + strides[0] * (output_height - 1) + 1, strides[0])
        for dx in range(pool_size[1]):
            cols = slice(dx, dx + strides[1] * (output_width - 1) + 1, strides[1])
            yield index, rows, cols
            index += 1


def max_pool(images: np.ndarray, pool_size: tuple[int, int], strides: tuple[int, int]) -> np.ndarray:
    """Max pooling (``valid``): ``(n, h, w, c) -> (n, oh, ow, c)``."""
    windows = pool_windows(images, pool_size, strides)
    _, rows, cols = next(windows)  # a window has at least one offset
    pooled = images[:, rows, cols, :].copy()
    for _, rows, cols in windows:
        np.maximum(pooled, images[:, rows, cols, :], out=pooled)
    return pooled


def max_pool_backward(gradient: np.ndarray, images: np.ndarray, pooled: np.ndarray,
                      pool_size: tuple[int, int], strides: tuple[int, int]) -> np.ndarray:
    """Route each window's gradient to the one position that won it.

    Ties go to the first winning offset in row-major order, as TensorFlow's gradient does.

    Parameters
    ----------
    gradient : ndarray, shape (n, oh, ow, c)
    images : ndarray, shape (n, h, w, c)
        The pooling layer's input.
    pooled : ndarray, shape (n, oh, ow, c)
        Its output, from :func:`max_pool`.
    """
    overlapping = strides[0] < pool_size[0] or strides[1] < pool_size[1]
    tiled = (strides == pool_size and images.shape[1] == pooled.shape[1] * pool_size[0]
             and images.shape[2] == pooled.shape[2] * pool_size[1])
    # Windows that tile the input write every position exactly once below.
    result = (np.empty if tiled else np.zeros)(images.shape, dtype=gradient.dtype)
    taken = np.empty(pooled.shape, dtype=bool)
    hit = np.empty(pooled.shape, dtype=bool)
    # Few calls per offset (each costs microseconds on one image's maps): the first offset wins
    # wherever it reaches the maximum; a later one where it does and no earlier one did (hit > taken).
    last = pool_size[0] * pool_size[1] - 1
    for index, rows, cols in pool_windows(images, pool_size, strides):
        won = taken if index == 0 else hit
        np.equal(images[:, rows, cols, :], pooled, out=won)
        if index > 0:
            np.greater(hit, taken, out=hit)
            if index < last:
                taken |= hit
        if overlapping:
            result[:, rows, cols, :] += gradient * won
        else:
            np.multiply(gradient, won, out=result[:, rows, cols, :])
    return result


def average_pool(images: np.ndarray, pool_size: tuple[int, int], strides: tuple[int, int]) -> np.ndarray:
    """Average pooling (``valid``): ``(n, h, w, c) -> (n, oh, ow, c)``."""
    total = None
    for _, rows, cols in pool_windows(images, pool_size, strides):
        window = images[:, rows, cols, :]
        total = window.copy() if total is None else np.add(total, window, out=total)
    total *= np.float32(1.0 / (pool_size[0] * pool_size[1]))
    return total


def average_pool_backward(gradient: np.ndarray, input_shape: tuple[int, ...], pool_size: tuple[int, int],
                          strides: tuple[int, int]) -> np.ndarray:
    """Spread each window's gradient evenly over its positions."""
    result = np.zeros(input_shape, dtype=gradient.dtype)
    share = gradient * np.float32(1.0 / (pool_size[0] * pool_size[1]))
    for _, rows, cols in pool_windows(result, pool_size, strides):
        result[:, rows, cols, :] += share
    return result
