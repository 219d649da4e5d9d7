"""Layers of the NumPy engine, each with a forward and a backward pass.

A layer caches what its backward pass needs during ``forward``; ``backward``
takes the gradient of the loss with respect to the layer's output and returns
the gradient with respect to its input (or ``None`` when not asked for), filling
``gradients`` with the gradient of every parameter. Parameters are named as
Keras names them: ``kernel`` and ``bias`` (``gamma`` and ``beta`` for batch normalization, whose
``moving_mean`` and ``moving_variance`` are untrained state; see :mod:`.normalization`).

Conv2D and Dense apply their activation themselves, as Keras layers do; the
softmax of the output layer is handled together with the loss (see
:mod:`cnnviz.engines.numpy_engine.losses`) so its gradient is exact and stable.
"""

from __future__ import annotations

from typing import Literal, TypeVar, overload

import numpy as np

from cnnviz.core import config as cfg
from cnnviz.engines.numpy_engine import functional, spectral
from cnnviz.engines.numpy_engine.workspace import Workspace, scratch


def activate(values: np.ndarray, activation: str) -> np.ndarray:
    """Apply an activation in place where possible; returns the activated array."""
    if activation == "relu":
        return np.maximum(values, 0, out=values)
    if activation == "tanh":
        return np.tanh(values, out=values)
    if activation == "sigmoid":
        # 1 / (1 + exp(-x)) written to avoid overflow warnings for large negative inputs.
        np.negative(values, out=values)
        np.clip(values, -88.0, 88.0, out=values)
        np.exp(values, out=values)
        values += 1.0
        return np.reciprocal(values, out=values)
    if activation in ("linear", "softmax"):
        return values
    raise ValueError(f"Unknown activation {activation!r}; expected relu, tanh, sigmoid or linear.")


def activation_backward(gradient: np.ndarray, output: np.ndarray, activation: str,
                        workspace: Workspace | None = None) -> np.ndarray:
    """Gradient with respect to the pre-activation, from the activated ``output`` (computed in
    ``workspace`` when given; ``gradient`` itself is never changed)."""
    if activation in ("linear", "softmax"):
        return gradient
    result = scratch(workspace, "pre_activation_gradient", gradient.shape, gradient.dtype)
    if activation == "relu":
        # Multiplying by the boolean mask is several times faster than np.where here.
        positive = np.greater(output, 0, out=scratch(workspace, "positive", output.shape, bool))
        return np.multiply(gradient, positive, out=result)
    if activation == "tanh":
        np.multiply(output, output, out=result)
        np.subtract(1.0, result, out=result)
    else:  # sigmoid
        np.subtract(1.0, output, out=result)
        result *= output
    result *= gradient
    return result


_Cached = TypeVar("_Cached")


def cached(value: _Cached | None, name: str) -> _Cached:
    """What layer ``name``'s forward pass kept (for its backward pass, or its logits); a readable
    error when it has run none."""
    if value is None:
        raise RuntimeError(f"Layer {name} has run no forward pass yet; its backward pass and logits "
                           "come from the last forward pass.")
    return value


class Layer:
    """Base class: a named layer with parameters (possibly none) and their gradients.

    ``params`` are trained; ``state`` holds arrays saved and exchanged with the weights that no
    optimizer changes (batch normalization's moving statistics). ``workspace``, set on a network's
    training layers, holds the arrays a training pass reuses from batch to batch (see
    :mod:`.workspace`); a layer without one, or a pass not in training, allocates its results.
    """

    trainable = False

    def __init__(self, name: str):
        self.name = name
        self.params: dict[str, np.ndarray] = {}
        self.state: dict[str, np.ndarray] = {}
        self.gradients: dict[str, np.ndarray] = {}
        self.workspace: Workspace | None = None

    def training_workspace(self, training: bool) -> Workspace | None:
        """The workspace to compute a pass in: the layer's own in training, none otherwise."""
        return self.workspace if training else None

    def forward(self, inputs: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    @overload
    def backward(self, gradient: np.ndarray, need_input_gradient: Literal[True] = True) -> np.ndarray: ...

    @overload
    def backward(self, gradient: np.ndarray, need_input_gradient: bool) -> np.ndarray | None: ...

    def backward(self, gradient: np.ndarray, need_input_gradient: bool = True) -> np.ndarray | None:
        """The gradient with respect to the input (None when not needed), from the gradient with
        respect to the output; fills :attr:`gradients`."""
        raise NotImplementedError


class Conv2DLayer(Layer):
    """2-D convolution, kernel ``(kh, kw, in, out)``, computed as im2col and one matrix multiply."""

    trainable = True

    def __init__(self, name: str, spec: cfg.Conv2D, in_channels: int):
        super().__init__(name)
        self.spec = spec
        kernel_height, kernel_width = spec.kernel_size
        self.params = {
            "kernel": np.zeros((kernel_height, kernel_width, in_channels, spec.filters), np.float32),
            "bias": np.zeros((spec.filters,), np.float32),
        }
        # (im2col columns, padded input shape, pads (top, bottom, left, right), activated output)
        self._cache: tuple[np.ndarray, tuple[int, ...], tuple[int, int, int, int], np.ndarray] | None = None

    def forward(self, inputs, training=False):
        spec = self.spec
        num_images, height, width, _ = inputs.shape
        output_height, output_width, pads = functional.conv_geometry(height, width, spec.kernel_size, spec.strides,
                                                            spec.padding)
        padded = functional.pad_images(inputs, pads)
        columns = functional.im2col(padded, spec.kernel_size, spec.strides, (output_height, output_width))
        kernel = self.params["kernel"]
        output = columns @ kernel.reshape(-1, kernel.shape[-1])
        output += self.params["bias"]
        output = activate(output, spec.activation).reshape(num_images, output_height, output_width, -1)
        self._cache = (columns, padded.shape, pads, output)
        return output

    def backward(self, gradient, need_input_gradient=True):
        columns, padded_shape, pads, output = cached(self._cache, self.name)
        spec = self.spec
        gradient = activation_backward(gradient, output, spec.activation)
        kernel = self.params["kernel"]
        flat = gradient.reshape(-1, kernel.shape[-1])
        self.gradients = {
            "kernel": (columns.T @ flat).reshape(kernel.shape),
            # A product with ones: numpy sums a column-wise reduction one short row at a time, four
            # times slower for one image (26 x 26 rows of 28 filters) and twelve for sixty-four.
            "bias": np.ones(len(flat), flat.dtype) @ flat,
        }
        if not need_input_gradient:
            return None
        padded = functional.conv_input_gradient(flat, kernel, padded_shape, spec.strides, output.shape[1:3])
        top, bottom, left, right = pads
        return padded[:, top:padded.shape[1] - bottom, left:padded.shape[2] - right, :]


class MaxPooling2DLayer(Layer):
    """Max pooling; the gradient goes to one position per window, the first on ties."""

    def __init__(self, name: str, spec: cfg.MaxPooling2D):
        super().__init__(name)
        self.pool_size = spec.pool_size
        self.strides = spec.strides or spec.pool_size
        self._cache: tuple[np.ndarray, np.ndarray] | None = None  # (inputs, pooled)

    def forward(self, inputs, training=False):
        pooled = functional.max_pool(inputs, self.pool_size, self.strides)
        self._cache = (inputs, pooled)
        return pooled

    def backward(self, gradient, need_input_gradient=True):
        inputs, pooled = cached(self._cache, self.name)
        return functional.max_pool_backward(gradient, inputs, pooled, self.pool_size, self.strides)


class AveragePooling2DLayer(Layer):
    """Average pooling over each window."""

    def __init__(self, name: str, spec: cfg.AveragePooling2D):
        super().__init__(name)
        self.pool_size = spec.pool_size
        self.strides = spec.strides or spec.pool_size
        self._shape: tuple[int, ...] | None = None

    def forward(self, inputs, training=False):
        self._shape = inputs.shape
        return functional.average_pool(inputs, self.pool_size, self.strides)

    def backward(self, gradient, need_input_gradient=True):
        return functional.average_pool_backward(gradient, cached(self._shape, self.name), self.pool_size, self.strides)


class SpectralPooling2DLayer(Layer):
    """Spectral pooling: keep the ``output_size`` lowest frequencies of each map's 2-D DFT.

    ``(n, h, w, c) -> (n, oh, ow, c)``; a fixed linear map whose backward pass is its exact
    transpose (see :mod:`cnnviz.engines.numpy_engine.spectral`).
    """

    def __init__(self, name: str, spec: cfg.SpectralPooling2D):
        super().__init__(name)
        self.output_size = (int(spec.output_size[0]), int(spec.output_size[1]))
        self._input_size: tuple[int, int] | None = None

    def forward(self, inputs, training=False):
        self._input_size = (inputs.shape[1], inputs.shape[2])
        return spectral.spectral_pool(inputs, self.output_size)

    def backward(self, gradient, need_input_gradient=True):
        if not need_input_gradient:
            return None
        return spectral.spectral_pool_backward(gradient, cached(self._input_size, self.name))


class DropoutLayer(Layer):
    """Inverted dropout: in training, zero each value with probability ``rate`` and scale the rest
    by ``1 / (1 - rate)``; at inference, the identity.

    Each value is dropped when a 16-bit draw from the layer's generator falls below
    ``round(rate * 65536)``: four draws per 64-bit word of the generator, so the masks cost a
    quarter of float draws, and the rate is kept to within 1/65536. ``fixed_mask`` (tests) replaces
    the random mask with a given one.
    """

    def __init__(self, name: str, spec: cfg.Dropout, rng: np.random.Generator):
        super().__init__(name)
        self.rate = spec.rate
        self.rng = rng
        self.fixed_mask: np.ndarray | None = None
        self._mask: np.ndarray | None = None  # None: the identity (inference, or a rate of 0)
        self._workspace: Workspace | None = None

    @property
    def threshold(self) -> int:
        """A value is dropped when its 16-bit draw is below this."""
        return round(self.rate * 65536)

    def forward(self, inputs, training=False):
        if not training or self.rate == 0.0:
            self._mask = None
            return inputs
        workspace = self._workspace = self.training_workspace(training)
        dtype = inputs.dtype if inputs.dtype.kind == "f" else np.dtype(np.float32)
        mask = scratch(workspace, "mask", inputs.shape, dtype)
        if self.fixed_mask is not None:
            np.copyto(mask, self.fixed_mask)
        else:
            draws = self.rng.bit_generator.random_raw(-(-inputs.size // 4)).view(np.uint16)[:inputs.size]
            np.greater_equal(draws.reshape(inputs.shape), self.threshold, out=mask, casting="unsafe")
        mask *= dtype.type(1.0 / (1.0 - self.rate))
        self._mask = mask
        return np.multiply(inputs, mask, out=scratch(workspace, "output", inputs.shape, dtype))

    def backward(self, gradient, need_input_gradient=True):
        if self._mask is None:
            return gradient
        return np.multiply(gradient, self._mask,
                           out=scratch(self._workspace, "input_gradient", gradient.shape, gradient.dtype))


class FlattenLayer(Layer):
    """``(n, h, w, c) -> (n, h * w * c)`` in NHWC (Keras's) order."""

    def __init__(self, name: str):
        super().__init__(name)
        self._shape: tuple[int, ...] | None = None

    def forward(self, inputs, training=False):
        self._shape = inputs.shape
        return inputs.reshape(inputs.shape[0], -1)

    def backward(self, gradient, need_input_gradient=True):
        return gradient.reshape(cached(self._shape, self.name))


class DenseLayer(Layer):
    """Fully connected layer ``inputs @ kernel + bias`` with kernel ``(in, units)``.

    With a softmax activation the layer returns probabilities and keeps its logits
    in ``logits``; its backward pass then expects the gradient with respect to the
    logits.
    """

    trainable = True

    def __init__(self, name: str, spec: cfg.Dense, in_features: int):
        super().__init__(name)
        self.spec = spec
        self.params = {
            "kernel": np.zeros((in_features, spec.units), np.float32),
            "bias": np.zeros((spec.units,), np.float32),
        }
        self.logits: np.ndarray | None = None
        self._cache: tuple[np.ndarray, np.ndarray] | None = None  # (inputs, output)
        self._workspace: Workspace | None = None

    def forward(self, inputs, training=False):
        kernel = self.params["kernel"]
        workspace = self._workspace = self.training_workspace(training)
        output = np.matmul(inputs, kernel, out=scratch(workspace, "output", (len(inputs), kernel.shape[1]),
                                                       np.result_type(inputs.dtype, kernel.dtype)))
        output += self.params["bias"]
        if self.spec.activation == "softmax":
            self.logits = output
            output = softmax(output)
        else:
            output = activate(output, self.spec.activation)
        self._cache = (inputs, output)
        return output

    def backward(self, gradient, need_input_gradient=True):
        inputs, output = cached(self._cache, self.name)
        workspace = self._workspace
        if self.spec.activation != "softmax":
            gradient = activation_backward(gradient, output, self.spec.activation, workspace)
        kernel = self.params["kernel"]
        dtype = np.result_type(inputs.dtype, gradient.dtype)
        if len(inputs) == 1 and workspace is None:
            # The previous inspection's gradients are let go of first: when its caller has dropped them
            # too, the allocator hands their megabytes straight back, still in the cache, instead of a
            # second block that the product must pull in (the reference model's product: about 0.12 ms
            # instead of 0.2 in the latency benchmark's loop). Nothing handed out is written again.
            self.gradients = {}
            # One image (an inspection): an outer product, which BLAS runs as a product over an inner
            # dimension of one several times slower than an element-wise multiply. Computed as
            # (units, in) rows of thousands of values and handed out transposed (Fortran order): rows
            # of ``units`` values cost numpy's loop four times as much.
            kernel_gradient = np.multiply(gradient[0][:, None], inputs[0].astype(dtype, copy=False)).T
        else:
            kernel_gradient = np.matmul(inputs.T, gradient, out=scratch(workspace, "kernel_gradient", kernel.shape,
                                                                         dtype))
        self.gradients = {
            "kernel": kernel_gradient,
            "bias": np.sum(gradient, axis=0, out=scratch(workspace, "bias_gradient", (kernel.shape[1],),
                                                          gradient.dtype)),
        }
        if not need_input_gradient:
            return None
        return np.matmul(gradient, kernel.T, out=scratch(workspace, "input_gradient", inputs.shape,
                                                         np.result_type(gradient.dtype, kernel.dtype)))


class ActivationLayer(Layer):
    """An activation on its own (relu, tanh, sigmoid or linear), elementwise."""

    def __init__(self, name: str, spec: cfg.Activation):
        super().__init__(name)
        self.activation = spec.activation
        self._output: np.ndarray | None = None

    def forward(self, inputs, training=False):
        self._output = activate(inputs.copy(), self.activation)
        return self._output

    def backward(self, gradient, need_input_gradient=True):
        return activation_backward(gradient, cached(self._output, self.name), self.activation)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum for stability: ``(n, k) -> (n, k)``."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=1, keepdims=True)
    return shifted


def build_layers(config: cfg.ModelConfig, rng: np.random.Generator) -> list[Layer]:
    """Instantiate the layers of a validated configuration (parameters zero until initialized)."""
    from cnnviz.core.validation import layer_output_shape

    # Imported here: those layers build on this module's Layer.
    from cnnviz.engines.numpy_engine.normalization import (
        BatchNormalizationLayer,
        GlobalAveragePooling2DLayer,
        GlobalMaxPooling2DLayer,
    )

    shape = tuple(config.input_shape)
    layers: list[Layer] = []
    for spec, name in zip(config.layers, config.layer_names()):
        if isinstance(spec, cfg.Conv2D):
            layers.append(Conv2DLayer(name, spec, shape[-1]))
        elif isinstance(spec, cfg.MaxPooling2D):
            layers.append(MaxPooling2DLayer(name, spec))
        elif isinstance(spec, cfg.AveragePooling2D):
            layers.append(AveragePooling2DLayer(name, spec))
        elif isinstance(spec, cfg.SpectralPooling2D):
            layers.append(SpectralPooling2DLayer(name, spec))
        elif isinstance(spec, cfg.Dropout):
            layers.append(DropoutLayer(name, spec, rng))
        elif isinstance(spec, cfg.Flatten):
            layers.append(FlattenLayer(name))
        elif isinstance(spec, cfg.Dense):
            layers.append(DenseLayer(name, spec, shape[-1]))
        elif isinstance(spec, cfg.BatchNormalization):
            layers.append(BatchNormalizationLayer(name, spec, shape[-1]))
        elif isinstance(spec, cfg.Activation):
            layers.append(ActivationLayer(name, spec))
        elif isinstance(spec, cfg.GlobalAveragePooling2D):
            layers.append(GlobalAveragePooling2DLayer(name))
        elif isinstance(spec, cfg.GlobalMaxPooling2D):
            layers.append(GlobalMaxPooling2DLayer(name))
        else:
            raise ValueError(f"The NumPy engine cannot build layer {name} of type {spec.kind!r}.")
        shape = layer_output_shape(spec, shape)
    return layers
