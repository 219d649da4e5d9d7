"""Batch normalization and global pooling layers of the NumPy engine.

:class:`BatchNormalizationLayer` follows Keras's ``BatchNormalization`` over the last axis: in
training it normalizes with the batch's mean and biased variance (over every axis but the channels)
and moves its stored statistics towards them; at inference it uses the stored statistics. ``gamma``
and ``beta`` are trained (:attr:`Layer.params`); ``moving_mean`` and ``moving_variance`` are state
(:attr:`Layer.state`): saved and exchanged with the weights, never given to the optimizer.

The global poolings reduce each channel over the whole map, ``(n, h, w, c) -> (n, c)``. Every
layer here is dtype-generic (float32 in the engine, float64 in the gradient checks).
"""

from __future__ import annotations

import numpy as np

from cnnviz.core import config as cfg
from cnnviz.engines.numpy_engine.layers import Layer, cached
from cnnviz.engines.numpy_engine.workspace import Workspace, scratch


def channel_sum(values: np.ndarray, dtype: type | None = None) -> np.ndarray:
    """The sum over every axis but the last: ``(..., c) -> (c,)``.

    Rows of ``c`` values are first folded into rows of up to 1,024 (numpy reduces along the first axis
    one row at a time, so short rows are several times slower), and the folds are added at the end.
    """
    channels = values.shape[-1]
    flat = values.reshape(-1, channels)
    fold = 1
    while flat.shape[0] % (2 * fold) == 0 and 2 * fold * channels <= 1024:
        fold *= 2
    return flat.reshape(-1, fold * channels).sum(axis=0, dtype=dtype).reshape(fold, channels).sum(axis=0)


def batch_statistics(values: np.ndarray, workspace: Workspace | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The mean and biased variance of each channel (the last axis) over every other axis, float64
    ``(c,)`` each; the centred squares are computed in ``workspace`` when given.

    Summed in float64: a float32 running sum over a large batch loses digits.
    """
    count = values.size // values.shape[-1]
    mean = channel_sum(values, np.float64) / count
    centered = np.subtract(values, mean.astype(values.dtype),
                           out=scratch(workspace, "centered", values.shape, values.dtype))
    np.square(centered, out=centered)
    return mean, channel_sum(centered, np.float64) / count


def move_statistics(layer: BatchNormalizationLayer, mean: np.ndarray, variance: np.ndarray) -> None:
    """Move ``layer``'s moving statistics towards a batch's: ``moving * momentum + batch * (1 - momentum)``."""
    for moving, batch in ((layer.state["moving_mean"], mean), (layer.state["moving_variance"], variance)):
        moving *= moving.dtype.type(layer.momentum)
        moving += (batch * (1.0 - layer.momentum)).astype(moving.dtype)


class BatchNormalizationLayer(Layer):
    """``gamma * (x - mean) / sqrt(variance + epsilon) + beta`` per channel (the last axis).

    Training uses the batch's statistics and updates the moving ones,
    ``moving = moving * momentum + batch * (1 - momentum)``; inference uses the moving ones, so
    its backward pass is a per-channel scale.
    """

    trainable = True

    def __init__(self, name: str, spec: cfg.BatchNormalization, channels: int):
        super().__init__(name)
        self.momentum = float(spec.momentum)
        self.epsilon = float(spec.epsilon)
        self.params = {"gamma": np.ones((channels,), np.float32), "beta": np.zeros((channels,), np.float32)}
        self.state = {"moving_mean": np.zeros((channels,), np.float32),
                      "moving_variance": np.ones((channels,), np.float32)}
        # (normalized input, 1 / sqrt(variance + epsilon), whether batch statistics were used)
        self._cache: tuple[np.ndarray, np.ndarray, bool] | None = None

    def forward(self, inputs, training=False):
        dtype = np.result_type(inputs.dtype, self.params["gamma"].dtype)
        workspace = self.training_workspace(training)
        if training:
            mean, variance = batch_statistics(inputs, workspace)
            move_statistics(self, mean, variance)
            mean, variance = mean.astype(dtype), variance.astype(dtype)
        else:
            mean = self.state["moving_mean"].astype(dtype, copy=False)
            variance = self.state["moving_variance"].astype(dtype, copy=False)
        inverse_std = (1.0 / np.sqrt(variance + dtype.type(self.epsilon))).astype(dtype)
        normalized = np.subtract(inputs, mean, out=scratch(workspace, "normalized", inputs.shape, dtype))
        normalized *= inverse_std
        self._cache = (normalized, inverse_std, bool(training))
        output = np.multiply(normalized, self.params["gamma"], out=scratch(workspace, "output", inputs.shape, dtype))
        output += self.params["beta"]
        return output

    def backward(self, gradient, need_input_gradient=True):
        normalized, inverse_std, used_batch = cached(self._cache, self.name)
        workspace = self.workspace if used_batch else None
        product = np.multiply(gradient, normalized, out=scratch(workspace, "product", gradient.shape,
                                                                 normalized.dtype))
        self.gradients = {"gamma": channel_sum(product), "beta": channel_sum(gradient)}
        if not need_input_gradient:
            return None
        scaled = np.multiply(gradient, self.params["gamma"] * inverse_std,
                             out=scratch(workspace, "input_gradient", gradient.shape, product.dtype))
        if not used_batch:
            return scaled
        # The batch mean and variance depend on every input: subtract their share of the gradient.
        count = gradient.size // gradient.shape[-1]
        mean_share = channel_sum(scaled) / count
        variance_share = channel_sum(np.multiply(scaled, normalized, out=product)) / count
        scaled -= mean_share
        scaled -= np.multiply(normalized, variance_share, out=product)
        return scaled


class GlobalAveragePooling2DLayer(Layer):
    """The mean of each channel over the map: ``(n, h, w, c) -> (n, c)``."""

    def __init__(self, name: str):
        super().__init__(name)
        self._shape: tuple[int, ...] | None = None

    def forward(self, inputs, training=False):
        self._shape = inputs.shape
        return inputs.mean(axis=(1, 2))

    def backward(self, gradient, need_input_gradient=True):
        num_images, height, width, channels = cached(self._shape, self.name)
        share = gradient / gradient.dtype.type(height * width)
        return np.broadcast_to(share[:, None, None, :], (num_images, height, width, channels)).copy()


class GlobalMaxPooling2DLayer(Layer):
    """The maximum of each channel over the map: ``(n, h, w, c) -> (n, c)``; the gradient goes to one
    position per channel, the first (in row-major order) on ties."""

    def __init__(self, name: str):
        super().__init__(name)
        self._cache: tuple[tuple[int, ...], np.ndarray] | None = None  # (input shape, flat argmax (n, c))

    def forward(self, inputs, training=False):
        num_images, height, width, channels = inputs.shape
        flat = inputs.reshape(num_images, height * width, channels)
        positions = flat.argmax(axis=1)
        self._cache = (inputs.shape, positions)
        return np.take_along_axis(flat, positions[:, None, :], axis=1)[:, 0, :]

    def backward(self, gradient, need_input_gradient=True):
        shape, positions = cached(self._cache, self.name)
        num_images, height, width, channels = shape
        result = np.zeros((num_images, height * width, channels), gradient.dtype)
        np.put_along_axis(result, positions[:, None, :], gradient[:, None, :], axis=1)
        return result.reshape(shape)
