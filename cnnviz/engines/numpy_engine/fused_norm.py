"""A training-only fusion of convolution, batch normalization, activation and max pooling.

``Conv2D (linear) -> BatchNormalization -> [Activation (relu or linear)] -> MaxPooling2D`` runs as
one block built on :class:`.ConvMaxPoolBlock`: the convolution's raw output comes out grouped by
pooling-window offset, ``(window, rows, filters)``, where batch normalization's per-channel
statistics, scale and shift need no reshaping, and pooling is a maximum over contiguous blocks.
Normalization is one scale and one shift per channel, ``y = a * raw + b`` with
``a = gamma / sqrt(variance + epsilon)`` and ``b = beta - a * mean``, so the forward pass makes
five passes over the raw map (two sums, a centred square, the scale and the shift) before
pooling, and the activation runs on the four-times smaller pooled map (it commutes with the
maximum, see :mod:`.fused`).

The backward pass needs the normalized values only at the winning offsets for ``gamma``'s
gradient, and writes the gradient with respect to the raw output in three passes:
``a * routed - a * mean(dy) - a * normalized * mean(dy * normalized)`` is
``k2 * raw + k1 + routed(a * dy)`` with per-channel ``k1`` and ``k2``. One matrix product then
gives the kernel's and bias's gradients, as in :class:`.ConvMaxPoolBlock`.

Batch statistics must cover every output of the convolution, so the block runs fused only when
the pooling windows tile the convolution's output exactly; otherwise it runs the plain layers one
after the other (same results, plain speed).
"""

from __future__ import annotations

from typing import Literal, overload

import numpy as np

from cnnviz.engines.numpy_engine import functional
from cnnviz.engines.numpy_engine.fused import ConvMaxPoolBlock, _ForwardCache, can_fuse
from cnnviz.engines.numpy_engine.layers import (
    ActivationLayer,
    Conv2DLayer,
    Layer,
    MaxPooling2DLayer,
    activate,
    activation_backward,
    cached,
)
from cnnviz.engines.numpy_engine.normalization import (
    BatchNormalizationLayer,
    batch_statistics,
    channel_sum,
    move_statistics,
)
from cnnviz.engines.numpy_engine.workspace import Workspace, scratch

NORMALIZED_ACTIVATIONS = ("relu", "linear")


def norm_block_at(layers: list[Layer], index: int) -> ConvNormPoolBlock | None:
    """The block starting at ``layers[index]`` when the layers there are a linear convolution, batch
    normalization, an optional relu or linear activation and tiling max pooling; else None."""
    conv, norm = layers[index], layers[index + 1] if index + 1 < len(layers) else None
    if not (isinstance(conv, Conv2DLayer) and conv.spec.activation == "linear"
            and isinstance(norm, BatchNormalizationLayer)):
        return None
    activation = layers[index + 2] if index + 2 < len(layers) else None
    if isinstance(activation, ActivationLayer):
        if activation.activation not in NORMALIZED_ACTIVATIONS:
            return None
        pool_index = index + 3
    else:
        activation, pool_index = None, index + 2
    pool = layers[pool_index] if pool_index < len(layers) else None
    if not (isinstance(pool, MaxPooling2DLayer) and can_fuse(conv, pool)):
        return None
    return ConvNormPoolBlock(conv, norm, activation, pool)


class ConvNormPoolBlock(ConvMaxPoolBlock):
    """Conv2D, BatchNormalization, an optional Activation and MaxPooling2D as one training step.

    ``size`` is how many layers of the plan it stands for (3 or 4).
    """

    def __init__(self, conv: Conv2DLayer, norm: BatchNormalizationLayer, activation: ActivationLayer | None,
                 pool: MaxPooling2DLayer):
        super().__init__(conv, pool)
        self.norm, self.activation = norm, activation
        self.layers: list[Layer] = [layer for layer in (conv, norm, activation, pool) if layer is not None]
        self.size = len(self.layers)
        self._plain = False
        # (raw conv output, batch mean, 1 / sqrt(variance + epsilon), scale a), in training dtype
        self._norm_cache: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def activation_name(self) -> str:
        return self.activation.activation if self.activation is not None else "linear"

    def _tiles(self, height: int, width: int) -> bool:
        """Whether the pooling windows cover every output of the convolution exactly once."""
        spec = self.conv.spec
        conv_height, conv_width, _ = functional.conv_geometry(height, width, spec.kernel_size, spec.strides,
                                                              spec.padding)
        return conv_height % self.pool.pool_size[0] == 0 and conv_width % self.pool.pool_size[1] == 0

    def forward(self, inputs: np.ndarray, training: bool = False) -> np.ndarray:
        self._plain = not (training and self._tiles(inputs.shape[1], inputs.shape[2]))
        if self._plain:
            values = inputs
            for layer in self.layers:
                values = layer.forward(values, training)
            return values
        workspace = self.conv.workspace
        raw, columns, padded_shape, pads, pooled_size = self._linear(inputs)
        dtype = raw.dtype
        mean, variance = batch_statistics(raw, workspace)
        move_statistics(self.norm, mean, variance)
        mean, variance = mean.astype(dtype), variance.astype(dtype)
        inverse_std = (1.0 / np.sqrt(variance + dtype.type(self.norm.epsilon))).astype(dtype)
        scale = (self.norm.params["gamma"] * inverse_std).astype(dtype)
        shift = (self.norm.params["beta"] - mean * scale).astype(dtype)
        normalized = np.multiply(raw, scale, out=scratch(workspace, "scaled", raw.shape, dtype))
        normalized += shift
        pooled, winner = self._pool(normalized, workspace)
        output = activate(pooled, self.activation_name)
        self._cache = _ForwardCache(columns, padded_shape, pads, pooled_size, winner, output)
        self._norm_cache = (raw, mean, inverse_std, scale)
        return output.reshape(len(inputs), *pooled_size, raw.shape[-1])

    @overload
    def backward(self, gradient: np.ndarray, need_input_gradient: Literal[True] = True) -> np.ndarray: ...

    @overload
    def backward(self, gradient: np.ndarray, need_input_gradient: bool) -> np.ndarray | None: ...

    def backward(self, gradient: np.ndarray, need_input_gradient: bool = True) -> np.ndarray | None:
        if self._plain:
            for layer in reversed(self.layers[1:]):
                gradient = layer.backward(gradient)
            return self.conv.backward(gradient, need_input_gradient)
        columns, padded_shape, pads, pooled_size, winner, output = cached(self._cache, self.conv.name)
        raw, mean, inverse_std, scale = cached(self._norm_cache, self.norm.name)
        workspace = self.conv.workspace
        window, rows = columns.shape[0], columns.shape[1]
        filters = output.shape[-1]
        dtype = raw.dtype
        gradient = activation_backward(gradient.reshape(rows, filters), output, self.activation_name, workspace)
        # Normalized values at the winning offsets: gamma's gradient needs no others.
        at_winner = _at_winner(raw, winner, workspace)
        at_winner -= mean
        at_winner *= gradient
        count = window * rows
        beta_gradient = channel_sum(gradient, np.float64)
        gamma_gradient = channel_sum(at_winner, np.float64) * inverse_std
        self.norm.gradients = {"gamma": gamma_gradient.astype(self.norm.params["gamma"].dtype),
                               "beta": beta_gradient.astype(self.norm.params["beta"].dtype)}
        # d raw = a * dy - a * mean(dy) - a * n * mean(dy * n), with n = (raw - mean) * inverse_std.
        raw_factor = (-scale * inverse_std * gamma_gradient / count).astype(dtype)
        constant = (-scale * beta_gradient / count - raw_factor * mean).astype(dtype)
        raw_gradient = np.multiply(raw, raw_factor, out=scratch(workspace, "raw_gradient", raw.shape, dtype))
        raw_gradient += constant
        scaled_gradient = np.multiply(gradient, scale, out=scratch(workspace, "scaled_gradient", gradient.shape,
                                                                    dtype))
        raw_gradient += self._route(scaled_gradient, winner, window, workspace)
        return self._conv_backward(raw_gradient, need_input_gradient)


def _at_winner(raw: np.ndarray, winner: np.ndarray, workspace: Workspace | None) -> np.ndarray:
    """``raw[winner[i, j], i, j]`` for every ``(i, j)``: one flat take (twice as fast as
    ``take_along_axis``, which builds its index arrays anew)."""
    window, rows, filters = raw.shape
    index = scratch(workspace, "winner_index", winner.shape, np.intp)
    np.multiply(winner, np.intp(rows * filters), out=index, casting="unsafe")
    index += np.arange(rows * filters, dtype=np.intp).reshape(rows, filters)
    return np.take(raw.reshape(-1), index, out=scratch(workspace, "at_winner", winner.shape, raw.dtype))
