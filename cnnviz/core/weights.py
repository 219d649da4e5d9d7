"""The weight-exchange form both engines read and write: ``{layer: {"kernel": array, "bias": array}}``,
and ``{layer: {"gamma", "beta", "moving_mean", "moving_variance"}}`` for batch normalization (Keras's
names and order), so converting a model between engines keeps its moving statistics."""

from __future__ import annotations

import numpy as np

from cnnviz.core.config import BatchNormalization, Conv2D, Dense, ModelConfig
from cnnviz.core.results import Weights
from cnnviz.core.validation import layer_output_shape

BATCH_NORMALIZATION_ARRAYS = ("gamma", "beta", "moving_mean", "moving_variance")
"""A batch normalization layer's arrays in Keras's order: two trained, then the two moving statistics."""


def check_weights(weights: Weights, expected: Weights) -> None:
    """Raise ``ValueError`` naming the first array of ``weights`` that does not fit ``expected``.

    Every expected layer and array must be present with the same shape, hold floats and be
    finite; no other layer may be named.
    """
    if not isinstance(weights, dict):
        raise ValueError(f"Weights must be a dictionary of layers, received {type(weights).__name__}.")
    for layer, params in expected.items():
        if layer not in weights:
            raise ValueError(f"The weights have no entry for layer {layer!r}.")
        extra = sorted(set(weights[layer]) - set(params))
        if extra:
            raise ValueError(f"The weights of layer {layer!r} hold arrays the layer does not have: {extra}.")
        for name, value in params.items():
            if name not in weights[layer]:
                raise ValueError(f"The weights of layer {layer!r} have no {name!r} array.")
            received = np.asarray(weights[layer][name])
            if received.shape != value.shape:
                raise ValueError(f"Array {layer}/{name} has shape {received.shape}, but the model "
                                 f"expects {value.shape}.")
            if not np.issubdtype(received.dtype, np.floating):
                raise ValueError(f"Array {layer}/{name} has dtype {received.dtype}; expected floats.")
            if not np.isfinite(received).all():
                raise ValueError(f"Array {layer}/{name} contains NaN or infinite values.")
    unexpected = sorted(set(weights) - set(expected))
    if unexpected:
        raise ValueError(f"The weights name layers the model does not have: {unexpected}.")


def parameter_shapes(config: ModelConfig) -> dict[str, dict[str, tuple[int, ...]]]:
    """The shape of every parameter a valid ``config`` builds, in the exchange form's layout.

    Convolution kernels are ``(kh, kw, in_channels, filters)`` with a ``(filters,)`` bias; dense
    kernels ``(in, units)`` with a ``(units,)`` bias; batch normalization has four ``(channels,)``
    arrays (:data:`BATCH_NORMALIZATION_ARRAYS`). Layers without parameters are left out.
    """
    shapes: dict[str, dict[str, tuple[int, ...]]] = {}
    shape: tuple[int, ...] = tuple(config.input_shape)
    for layer, name in zip(config.layers, config.layer_names()):
        if isinstance(layer, Conv2D):
            shapes[name] = {"kernel": (*layer.kernel_size, shape[-1], layer.filters), "bias": (layer.filters,)}
        elif isinstance(layer, Dense):
            shapes[name] = {"kernel": (shape[-1], layer.units), "bias": (layer.units,)}
        elif isinstance(layer, BatchNormalization):
            shapes[name] = {array: (shape[-1],) for array in BATCH_NORMALIZATION_ARRAYS}
        shape = layer_output_shape(layer, shape)
    return shapes
