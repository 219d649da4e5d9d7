"""A training-only fusion of a convolution with the max pooling that follows it.

Max pooling commutes with a per-channel bias and with any non-decreasing
activation: ``pool(f(z + b)) == f(pool(z + b))``. So the block pools the raw
convolution output (bias included) and applies the activation to the four-times
smaller pooled map. When the pooling windows do not overlap, the receptive fields
are gathered grouped by their offset inside the pooling window, so the raw
output comes out as ``(ph, pw, n, oh, ow, c)``: pooling is then a maximum over
contiguous blocks. The forward pass notes which offset won each window, so the
backward pass needs neither the raw map nor a comparison with it: it spreads the
gradient into one share per offset, and a single matrix product of the receptive
fields with the shares gives the kernel's gradient — and the bias's, from a column
of ones appended to the fields (which also adds the bias in the forward product).
Positions no window covers are never computed.

For ReLU and linear activations the gradients equal the unfused layers' (a ReLU
window that ties at zero has zero gradient either way), which the tests check. One
rounding corner remains: the product adds the bias in another order than the plain
layers, so two raw values within one float32 step of each other may tie in one and
not in the other, and the block may route that window's gradient to the other of
the two; training alone uses the block. The layers' own parameters and gradient
dictionaries are used, so optimizers and introspection see no difference;
inspection always runs the plain layers.
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
from cnnviz.engines.numpy_engine.workspace import Workspace, scratch

FUSABLE_ACTIVATIONS = ("relu", "linear")
RUN_LENGTH = functional.RUN_LENGTH


def can_fuse(first: Layer, second: Layer) -> bool:
    """Whether ``first`` (a convolution) and ``second`` (max pooling) may run as one block."""
    return (isinstance(first, Conv2DLayer) and isinstance(second, MaxPooling2DLayer)
            and first.spec.activation in FUSABLE_ACTIVATIONS
            and tuple(second.strides) == tuple(second.pool_size))


class _ForwardCache(NamedTuple):
    """What the block's forward pass keeps for its backward pass."""

    columns: np.ndarray  # receptive fields and a column of ones, (ph * pw, n * oh * ow, kh * kw * c + 1)
    padded_shape: tuple[int, ...]
    pads: tuple[int, int, int, int]  # top, bottom, left, right
    pooled_size: tuple[int, int]
    winner: np.ndarray  # the window offset that won each pooled value, (n * oh * ow, filters)
    output: np.ndarray  # the activated pooled map, (n * oh * ow, filters)


class ConvMaxPoolBlock:
    """Conv2D followed by non-overlapping MaxPooling2D, run as one step in training.

    The arrays it computes with come from the convolution layer's :attr:`Layer.workspace` when it
    has one (a network's training replicas do), so a training step allocates nothing here.
    """

    def __init__(self, conv: Conv2DLayer, pool: MaxPooling2DLayer):
        self.conv, self.pool = conv, pool
        self._cache: _ForwardCache | None = None

    @property
    def name(self) -> str:
        return self.conv.name

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

    def _pad(self, inputs: np.ndarray, pads: tuple[int, int, int, int], workspace: Workspace | None) -> np.ndarray:
        """The input with zero borders, in the workspace (the input itself when there is no padding)."""
        if not any(pads):
            return inputs
        top, bottom, left, right = pads
        num_images, height, width, channels = inputs.shape
        padded = scratch(workspace, "padded", (num_images, height + top + bottom, width + left + right, channels),
                         inputs.dtype)
        padded[:, :top] = 0
        padded[:, top + height:] = 0
        padded[:, :, :left] = 0
        padded[:, :, left + width:] = 0
        padded[:, top:top + height, left:left + width] = inputs
        return padded

    def _gather(self, padded: np.ndarray, pooled_size: tuple[int, int], dtype: np.dtype,
                workspace: Workspace | None) -> np.ndarray:
        """Receptive fields: rows ordered ``(ph, pw, n, oh, ow)``, columns ``(kh, kw, c)`` and then a
        column of ones (the bias's input, so one matrix product adds the bias and gives its gradient).

        Returns
        -------
        ndarray, shape (ph * pw, n * oh * ow, kh * kw * c + 1)
        """
        num_images, _, _, channels = padded.shape
        shape = self._field_shape(num_images, pooled_size, channels)
        window = shape[0] * shape[1]
        depth = shape[-3] * shape[-2] * shape[-1]
        columns = scratch(workspace, "columns", (window, num_images * pooled_size[0] * pooled_size[1], depth + 1),
                          dtype)
        fields = columns[:, :, :depth]
        if shape[-2] * channels < RUN_LENGTH:
            # Few channels: one copy per kernel and window offset moves runs along the output width.
            fields.shape = shape  # a view (assigning the shape never copies)
            for py, px, dy, dx, rows, cols in self._field_slices(pooled_size):
                fields[py, px, :, :, :, dy, dx, :] = padded[:, rows, cols, :]
        else:
            # A kernel row of a receptive field is kw * c consecutive values of the (contiguous) input,
            # so one strided view reads every field and one copy moves them in runs of kw * c values.
            pool_height, pool_width, _, output_height, output_width, kernel_height, kernel_width, _ = shape
            fields.shape = (pool_height, pool_width, num_images, output_height, output_width, kernel_height,
                            kernel_width * channels)
            padded = np.ascontiguousarray(padded)
            # Strides from the shape: a contiguous array's size-1 axes may carry any stride.
            value = padded.itemsize
            pixel = value * channels
            row = pixel * padded.shape[2]
            stride_y, stride_x = self.conv.spec.strides
            np.copyto(fields, np.lib.stride_tricks.as_strided(
                padded, fields.shape,
                (stride_y * row, stride_x * pixel, row * padded.shape[1], pool_height * stride_y * row,
                 pool_width * stride_x * pixel, row, value), writeable=False), casting="same_kind")
        columns[:, :, depth] = 1
        return columns

    def _input_gradient(self, shares: np.ndarray, padded_shape: tuple, pooled_size: tuple[int, int],
                        workspace: Workspace | None) -> np.ndarray:
        """The gradient with respect to the padded input, from the gradient with respect to the raw
        output ``(window, rows, filters)``: the adjoint of :meth:`_gather` and the forward product.

        One kernel offset at a time, the product of the shares with that offset's ``(filters, c)``
        slice of the kernel is a contiguous ``(window, n, oh, ow, c)`` array. Its values are added
        onto an input split into phases, ``(sy, sx, n, rows / sy, columns / sx, c)`` for steps
        ``sy, sx`` between neighbouring pooled positions, where each add is a contiguous block of
        ``ow * c`` values per row instead of ``ow`` runs of ``c`` (a single product for every offset
        followed by strided adds ran several times slower).
        """
        num_images, padded_height, padded_width, channels = padded_shape
        window, rows, filters = shares.shape
        kernel = self.conv.params["kernel"]
        stride_y, stride_x = self.conv.spec.strides
        pool_height, pool_width = self.pool.pool_size
        step_y, step_x = stride_y * pool_height, stride_x * pool_width
        output_height, output_width = pooled_size
        phases = scratch(workspace, "phase_gradient", (step_y, step_x, num_images, -(-padded_height // step_y),
                                                       -(-padded_width // step_x), channels), shares.dtype)
        phases.fill(0)
        part = scratch(workspace, "offset_gradient", (window, rows, channels), shares.dtype)
        parts = part.reshape(pool_height, pool_width, num_images, output_height, output_width, channels)
        flat_shares = shares.reshape(window * rows, filters)
        kernel_height, kernel_width = self.conv.spec.kernel_size
        for dy in range(kernel_height):
            for dx in range(kernel_width):
                np.matmul(flat_shares, kernel[dy, dx].T, out=part.reshape(window * rows, channels))
                for py in range(pool_height):
                    top = py * stride_y + dy
                    phase_y, first_y = top % step_y, top // step_y
                    for px in range(pool_width):
                        left = px * stride_x + dx
                        phase_x, first_x = left % step_x, left // step_x
                        phases[phase_y, phase_x, :, first_y:first_y + output_height,
                               first_x:first_x + output_width] += parts[py, px]
        height_phases, width_phases = phases.shape[3], phases.shape[4]
        result = scratch(workspace, "padded_gradient",
                         (num_images, height_phases, step_y, width_phases, step_x, channels), shares.dtype)
        np.copyto(result, phases.transpose(2, 3, 0, 4, 1, 5))
        return result.reshape(num_images, height_phases * step_y, width_phases * step_x,
                              channels)[:, :padded_height, :padded_width]

    def _pool(self, raw: np.ndarray, workspace: Workspace | None) -> tuple[np.ndarray, np.ndarray]:
        """The maximum over the window offsets, ``(rows, filters)``, and the offset that won each
        window: the first to reach the maximum (TensorFlow's rule on ties), so the backward pass
        needs neither the raw map nor a comparison with it."""
        window, rows, filters = raw.shape
        pooled = scratch(workspace, "pooled", (rows, filters), raw.dtype)
        winner = scratch(workspace, "winner", (rows, filters), np.uint8 if window < 256 else np.int32)
        greater = scratch(workspace, "greater", (rows, filters), bool)
        candidate = scratch(workspace, "candidate", (rows, filters), winner.dtype)
        np.copyto(pooled, raw[0])
        winner.fill(0)
        for offset in range(1, window):
            np.greater(raw[offset], pooled, out=greater)
            np.maximum(pooled, raw[offset], out=pooled)
            # Offsets only grow, so "this offset where it is greater" is a maximum (a masked copy is
            # twenty times slower).
            np.maximum(winner, np.multiply(greater, winner.dtype.type(offset), out=candidate), out=winner)
        return pooled, winner

    def _route(self, gradient: np.ndarray, winner: np.ndarray, window: int,
               workspace: Workspace | None) -> np.ndarray:
        """Each window's gradient, ``(rows, filters)``, sent to the offset that won it: one share per
        offset, zero elsewhere, ``(window, rows, filters)``."""
        hits = scratch(workspace, "hits", (window, *winner.shape), bool)
        np.equal(winner[None], np.arange(window, dtype=winner.dtype)[:, None, None], out=hits)
        return np.multiply(gradient[None], hits, out=scratch(workspace, "shares", hits.shape, gradient.dtype))

    def _linear(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple, tuple, tuple[int, int]]:
        """The convolution's linear output (bias included) by pooling window, ``(window, rows,
        filters)``, with the gathered columns, the padded input's shape, the pads and the pooled size."""
        spec, workspace = self.conv.spec, self.conv.workspace
        height, width = inputs.shape[1:3]
        conv_height, conv_width, pads = functional.conv_geometry(height, width, spec.kernel_size, spec.strides,
                                                                 spec.padding)
        pooled_size = (conv_height // self.pool.pool_size[0], conv_width // self.pool.pool_size[1])
        kernel, bias = self.conv.params["kernel"], self.conv.params["bias"]
        dtype = np.result_type(inputs.dtype, kernel.dtype)
        padded = self._pad(inputs, pads, workspace)
        columns = self._gather(padded, pooled_size, dtype, workspace)
        window, rows, depth = columns.shape[0], columns.shape[1], columns.shape[2] - 1
        filters = kernel.shape[-1]
        weights = scratch(workspace, "kernel_and_bias", (depth + 1, filters), dtype)
        weights[:depth] = kernel.reshape(depth, filters)
        weights[depth] = bias
        raw = np.matmul(columns, weights, out=scratch(workspace, "raw", (window, rows, filters), dtype))
        return raw, columns, padded.shape, pads, pooled_size

    def forward(self, inputs: np.ndarray, training: bool = False) -> np.ndarray:
        raw, columns, padded_shape, pads, pooled_size = self._linear(inputs)
        pooled, winner = self._pool(raw, self.conv.workspace)
        output = activate(pooled, self.conv.spec.activation)
        self._cache = _ForwardCache(columns, padded_shape, pads, pooled_size, winner, output)
        return output.reshape(len(inputs), *pooled_size, raw.shape[-1])

    @overload
    def backward(self, gradient: np.ndarray, need_input_gradient: Literal[True] = True) -> np.ndarray: ...

    @overload
    def backward(self, gradient: np.ndarray, need_input_gradient: bool) -> np.ndarray | None: ...

    def backward(self, gradient: np.ndarray, need_input_gradient: bool = True) -> np.ndarray | None:
        columns, padded_shape, pads, pooled_size, winner, output = cached(self._cache, self.conv.name)
        spec, workspace = self.conv.spec, self.conv.workspace
        window, rows = columns.shape[0], columns.shape[1]
        filters = output.shape[-1]
        gradient = activation_backward(gradient.reshape(rows, filters), output, spec.activation, workspace)
        shares = self._route(gradient, winner, window, workspace)
        return self._conv_backward(shares, need_input_gradient)

    def _conv_backward(self, raw_gradient: np.ndarray, need_input_gradient: bool) -> np.ndarray | None:
        """The convolution's part of the backward pass, from the gradient with respect to its raw
        output ``(window, rows, filters)``: fills its kernel and bias gradients and returns the input
        gradient (None when not needed)."""
        columns, padded_shape, pads, pooled_size, _, _ = cached(self._cache, self.conv.name)
        workspace = self.conv.workspace
        window, rows, filters = raw_gradient.shape
        depth = columns.shape[2] - 1
        kernel = self.conv.params["kernel"]
        # One product gives the kernel's gradient and, from the column of ones, the bias's (computed
        # transposed: BLAS runs this long, thin product faster with the filters first).
        both = np.matmul(raw_gradient.reshape(window * rows, filters).T, columns.reshape(window * rows, depth + 1),
                         out=scratch(workspace, "kernel_and_bias_gradient", (filters, depth + 1), raw_gradient.dtype))
        self.conv.gradients = {"kernel": both[:, :depth].T.reshape(kernel.shape), "bias": both[:, depth]}
        if not need_input_gradient:
            return None
        padded = self._input_gradient(raw_gradient, padded_shape, pooled_size, workspace)
        top, bottom, left, right = pads
        return padded[:, top:padded.shape[1] - bottom, left:padded.shape[2] - right, :]


def training_plan(layers: list[Layer]) -> list[Layer | ConvMaxPoolBlock]:
    """The layers as training runs them: each fusable (conv, max pooling) pair becomes one block, and
    so does each (linear conv, batch normalization, activation, max pooling) run (see :mod:`.fused_norm`)."""
    from cnnviz.engines.numpy_engine.fused_norm import norm_block_at  # it builds on this module

    plan: list[Layer | ConvMaxPoolBlock] = []
    index = 0
    while index < len(layers):
        norm_block = norm_block_at(layers, index)
        if norm_block is not None:
            plan.append(norm_block)
            index += norm_block.size
            continue
        first, second = layers[index], layers[index + 1] if index + 1 < len(layers) else None
        if isinstance(first, Conv2DLayer) and isinstance(second, MaxPooling2DLayer) and can_fuse(first, second):
            plan.append(ConvMaxPoolBlock(first, second))
            index += 2
        else:
            plan.append(layers[index])
            index += 1
    return plan
