"""Each Keras layer's :class:`~cnnviz.core.layer_graph.LayerWindow`: how its output units map onto its
input's, for receptive fields (:mod:`cnnviz.core.graph_receptive_field`).

Convolutions (plain, depthwise, separable; dilation counted as the effective kernel ``d (k - 1) + 1``)
and 2-D pooling are windows; ``ZeroPadding2D`` and ``Cropping2D`` shift the grid; layers acting on each
position alone (activations, normalization, dropout, noise, rescaling, and merges along the channel
axis) are pointwise; a layer whose output is not a map sees the whole input. Any other layer giving a
map (an upsampling, a transposed convolution, a custom layer) is not known: no field is claimed for it.
"""

from __future__ import annotations

import keras

from cnnviz.core.layer_graph import POINTWISE, WHOLE, LayerWindow

_POINTWISE = tuple(getattr(keras.layers, name) for name in (
    "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "BatchNormalization", "LayerNormalization",
    "Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout", "Rescaling",
    "Normalization", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Identity",
) if hasattr(keras.layers, name))
_POOLING = (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)
_CONVOLUTIONS = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.SeparableConv2D)


def _pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, int) else (int(value[0]), int(value[1]))


def layer_window(layer, output_rank: int) -> LayerWindow | None:
    """The window of ``layer`` whose output has ``output_rank`` axes (batch included); None if not known."""
    if output_rank != 4:
        return WHOLE
    if isinstance(layer, _CONVOLUTIONS) and not isinstance(layer, keras.layers.Conv2DTranspose):
        kernel, dilation = _pair(layer.kernel_size), _pair(layer.dilation_rate)
        effective = (dilation[0] * (kernel[0] - 1) + 1, dilation[1] * (kernel[1] - 1) + 1)
        return LayerWindow("window", effective, _pair(layer.strides), layer.padding, dilation=dilation)
    if isinstance(layer, _POOLING):
        return LayerWindow("window", _pair(layer.pool_size), _pair(layer.strides), layer.padding)
    if isinstance(layer, keras.layers.ZeroPadding2D):
        (top, _), (left, _) = layer.padding
        return LayerWindow("window", pad=(int(top), int(left)))
    if isinstance(layer, keras.layers.Cropping2D):
        (top, _), (left, _) = layer.cropping
        return LayerWindow("window", pad=(-int(top), -int(left)))
    if isinstance(layer, keras.layers.Concatenate):
        return POINTWISE if layer.axis in (-1, 3) else None
    if isinstance(layer, _POINTWISE):
        return POINTWISE
    return None
