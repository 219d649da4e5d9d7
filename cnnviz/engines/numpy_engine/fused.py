"""A training-only fusion of a convolution with the max pooling that follows it.

Max pooling commutes with a per-channel bias and with any non-decreasing
activation: ``pool(f(z + b)) == f(pool(z) + b)``. So the block pools the raw
convolution output first and applies bias and activation to the four-times
smaller pooled map. When the pooling windows do not overlap, the receptive fields
are gathered grouped by their offset inside the pooling window, so the raw
output comes out as ``(ph, pw, n, oh, ow, c)``: pooling is then a maximum over
contiguous blocks, and the backward pass needs no full-size gradient map — the
kernel gradient is one small matrix multiply per window offset. Positions no
window covers are never computed.

For ReLU and linear activations the gradients equal the unfused layers' (a ReLU
window that ties at zero has zero gradient either way), which the tests check. One
rounding corner remains: two raw values closer than one float32 step of the bias
tie after the plain layers add it, but not before, so the block may route that
window's gradient to the other of the two; training alone uses the block.
The layers' own parameters and gradient dictionaries are used, so optimizers and
introspection see no difference; inspection always runs the plain layers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, NamedTuple, overload

import numpy as np

from cnnviz.engines.numpy_engine import functional
from cnnviz.engines.numpy_engine.layers import (
    Conv2DLayer,
    Layer,
    MaxPooling2DLayer,
    activate,
    activation_backward,
    cached,
)

FUSABLE_ACTIVATIONS = ("relu", "linear")


def can_fuse(first: Layer, second: Layer) -> bool:
    """Whether ``first`` (a convolution) and ``second`` (max pooling) may run as one block."""
    return (isinstance(first, Conv2DLayer) and isinstance(second, MaxPooling2DLayer)
            and first.spec.activation in FUSABLE_ACTIVATIONS
            and tuple(second.strides) == tuple(second.pool_size))


class _ForwardCache(NamedTuple):
    """What the block's forward pass keeps for its backward pass."""

    columns: np.ndarray  # receptive fields, (ph * pw, n * oh * ow, kh * kw * c)
    padded_shape: tuple[int, ...]
    pads: tuple[int, int, int, int]  # top, bottom, left, right
    pooled_size: tuple[int, int]
    raw: np.ndarray  # the convolution before bias and activation, (ph * pw, n * oh * ow, filters)
    raw_pooled: np.ndarray  # its maximum over each window, (n * oh * ow, filters)
    output: np.ndarray  # bias and activation applied, (n * oh * ow, filters)


class ConvMaxPoolBlock:
    """Conv2D followed by non-overlapping MaxPooling2D, run as one step in training."""

    def __init__(self, conv: Conv2DLayer, pool: MaxPooling2DLayer):
        self.conv, self.pool = conv, pool
        self._cache: _ForwardCache | None = None

    def _field_slices(self, pooled_size: tuple[int, int]) -> Iterator[tuple[int, int, int, int, slice, slice]]:
        """Yield ``(py, px, dy, dx, rows, cols)``: for window offset (py, px) and kernel offset
        (dy, dx), the padded-input slices that every pooled position reads."""
        pool_height, pool_width = self.pool.pool_size
        kernel_height, kernel_width = self.conv.spec.kernel_size
        stride_y, stride_x = self.conv.spec.strides
        output_height, output_width = pooled_size
        step_y, step_x = stride_y * pool_height, stride_x * pool_width
        for py in range(pool_height):
            for px in range(pool_width):
                for dy in range(kernel_height):
                    top = py * stride_y + dy
                    rows = slice(top, top + step_y * (output_height - 1) + 1, step_y)
                    for dx in range(kernel_width):
                        left = px * stride_x + dx
                        cols = slice(left, left + step_x * (output_width - 1) + 1, step_x)
                        yield py, px, dy, dx, rows, cols

    def _field_shape(self, num_images: int, pooled_size: tuple[int, int], channels: int) -> tuple:
        return (*self.pool.pool_size, num_images, *pooled_size, *self.conv.spec.kernel_size, channels)

    def _gather(self, padded: np.ndarray, pooled_size: tuple[int, int]) -> np.ndarray:
        """Receptive fields: rows ordered ``(ph, pw, n, oh, ow)``, columns ``(kh, kw, c)``.

        Returns
        -------
        ndarray, shape (ph * pw, n * oh * ow, kh * kw * c)
        """
        num_images, _, _, channels = padded.shape
        columns = np.empty(self._field_shape(num_images, pooled_size, channels), dtype=padded.dtype)
        for py, px, dy, dx, rows, cols in self._field_slices(pooled_size):
            columns[py, px, :, :, :, dy, dx, :] = padded[:, rows, cols, :]
        window = self.pool.pool_size[0] * self.pool.pool_size[1]
        return columns.reshape(window, num_images * pooled_size[0] * pooled_size[1], -1)

    def _scatter(self, columns: np.ndarray, padded_shape: tuple, pooled_size: tuple[int, int]) -> np.ndarray:
        """Adjoint of :meth:`_gather`: add each receptive field's values back onto the padded input."""
        num_images, _, _, channels = padded_shape
        columns = columns.reshape(self._field_shape(num_images, pooled_size, channels))
        result = np.zeros(padded_shape, np.float32)
        for py, px, dy, dx, rows, cols in self._field_slices(pooled_size):
            result[:, rows, cols, :] += columns[py, px, :, :, :, dy, dx, :]
        return result

    def forward(self, inputs: np.ndarray, training: bool = False) -> np.ndarray:
        spec = self.conv.spec
        num_images, height, width, _ = inputs.shape
        conv_height, conv_width, pads = functional.conv_geometry(height, width, spec.kernel_size, spec.strides,
                                                        spec.padding)
        pooled_size = (conv_height // self.pool.pool_size[0], conv_width // self.pool.pool_size[1])
        padded = functional.pad_images(inputs, pads)
        columns = self._gather(padded, pooled_size)
        kernel = self.conv.params["kernel"].reshape(columns.shape[-1], -1)
        raw = columns @ kernel  # (windows offsets, n * oh * ow, filters)
        raw_pooled = raw[0].copy()
        for offset in range(1, len(raw)):
            np.maximum(raw_pooled, raw[offset], out=raw_pooled)
        output = activate(raw_pooled + self.conv.params["bias"], spec.activation)
        self._cache = _ForwardCache(columns, padded.shape, pads, pooled_size, raw, raw_pooled, output)
        return output.reshape(num_images, *pooled_size, -1)

    @overload
    def backward(self, gradient: np.ndarray, need_input_gradient: Literal[True] = True) -> np.ndarray: ...

    @overload
    def backward(self, gradient: np.ndarray, need_input_gradient: bool) -> np.ndarray | None: ...

    def backward(self, gradient: np.ndarray, need_input_gradient: bool = True) -> np.ndarray | None:
        columns, padded_shape, pads, pooled_size, raw, raw_pooled, output = cached(self._cache, self.conv.name)
        spec = self.conv.spec
        filters = raw.shape[-1]
        gradient = activation_backward(gradient.reshape(-1, filters), output, spec.activation)
        kernel = self.conv.params["kernel"]
        kernel_gradient = np.zeros((columns.shape[-1], filters), np.float32)
        taken = np.zeros(raw_pooled.shape, dtype=bool)
        hit = np.empty(raw_pooled.shape, dtype=bool)
        routed = np.empty((len(raw), *raw_pooled.shape), np.float32) if need_input_gradient else None
        for offset in range(len(raw)):
            # The first offset that reaches the window's maximum wins it (TensorFlow's rule on ties).
            np.equal(raw[offset], raw_pooled, out=hit)
            hit &= ~taken
            taken |= hit
            share = np.multiply(gradient, hit, out=routed[offset] if routed is not None else None)
            kernel_gradient += columns[offset].T @ share
        self.conv.gradients = {
            "kernel": kernel_gradient.reshape(kernel.shape),
            "bias": gradient.sum(axis=0),
        }
        if not need_input_gradient:
            return None
        padded = self._scatter(routed @ kernel.reshape(-1, filters).T, padded_shape, pooled_size)
        top, bottom, left, right = pads
        return padded[:, top:padded.shape[1] - bottom, left:padded.shape[2] - right, :]


def training_plan(layers: list[Layer]) -> list[Layer | ConvMaxPoolBlock]:
    """The layers as training runs them: each fusable (conv, max pooling) pair becomes one block."""
    plan: list[Layer | ConvMaxPoolBlock] = []
    index = 0
    while index < len(layers):
        first, second = layers[index], layers[index + 1] if index + 1 < len(layers) else None
        if isinstance(first, Conv2DLayer) and isinstance(second, MaxPooling2DLayer) and can_fuse(first, second):
            plan.append(ConvMaxPoolBlock(first, second))
            index += 2
        else:
            plan.append(layers[index])
            index += 1
    return plan
