"""A Keras layer's kernels in the viewers' layout, and its parameters by exchange-form name.

The viewers understand kernels ``(kh, kw, in, out)``: output channel ``o`` is a stack of ``in``
single-channel kernels. Keras keeps a depthwise convolution's kernel as ``(kh, kw, C, m)``
(``m`` the depth multiplier): output channel ``c * m + j`` filters input channel ``c`` alone with
``kernel[:, :, c, j]``. It is given as ``(kh, kw, 1, C * m)`` — each output channel one
single-channel kernel, in Keras's output order. A separable convolution is a depthwise
convolution followed by a 1×1 one; its kernels are given under two names, ``<layer>:depthwise``
(``(kh, kw, 1, C * m)``) and ``<layer>:pointwise`` (``(1, 1, C * m, out)``).
"""

from __future__ import annotations

import keras
import numpy as np

from cnnviz.core.layer_graph import KERNEL_PART_SEPARATOR
from cnnviz.core.results import frozen


def depthwise_as_kernels(kernel: np.ndarray) -> np.ndarray:
    """A depthwise kernel ``(kh, kw, C, m)`` as ``(kh, kw, 1, C * m)``, output channels in Keras's order."""
    kernel = np.asarray(kernel)
    height, width, channels, multiplier = kernel.shape
    return kernel.reshape(height, width, 1, channels * multiplier)


def layer_kernels(name: str, layer) -> dict[str, np.ndarray]:
    """The 2-D convolution kernels of ``layer`` (named ``name``) in the ``(kh, kw, in, out)`` layout;
    empty for any other layer (transposed convolutions included: their layout is another)."""
    if isinstance(layer, keras.layers.SeparableConv2D):
        return {f"{name}{KERNEL_PART_SEPARATOR}depthwise": frozen(depthwise_as_kernels(layer.depthwise_kernel.numpy())),
                f"{name}{KERNEL_PART_SEPARATOR}pointwise": frozen(layer.pointwise_kernel.numpy())}
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        return {name: frozen(depthwise_as_kernels(_depthwise_kernel(layer).numpy()))}
    if isinstance(layer, (keras.layers.Conv2DTranspose, keras.layers.Conv1D, keras.layers.Conv3D)):
        return {}
    kernel = getattr(layer, "kernel", None)
    if kernel is not None and len(kernel.shape) == 4:
        return {name: frozen(kernel.numpy())}
    return {}


def _depthwise_kernel(layer):
    kernel = getattr(layer, "kernel", None)
    return kernel if kernel is not None else layer.depthwise_kernel


def layer_parameters(layer) -> dict:
    """The layer's trained variables by exchange-form name, in Keras's order.

    Dense and convolution layers: ``kernel`` and ``bias``; depthwise convolutions:
    ``depthwise_kernel`` (Keras's own ``(kh, kw, C, m)`` layout, not a viewer's) and ``bias``;
    separable convolutions: ``depthwise_kernel``, ``pointwise_kernel``, ``bias``; batch
    normalization: ``gamma`` and ``beta``; other layers: their trainable variables. A frozen
    layer's (``trainable=False``) kernels are parameters too.
    """
    if isinstance(layer, keras.layers.SeparableConv2D):
        params = {"depthwise_kernel": layer.depthwise_kernel, "pointwise_kernel": layer.pointwise_kernel}
        if layer.bias is not None:
            params["bias"] = layer.bias
        return params
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        params = {"depthwise_kernel": _depthwise_kernel(layer)}
        if layer.bias is not None:
            params["bias"] = layer.bias
        return params
    if getattr(layer, "kernel", None) is not None and hasattr(layer, "bias"):
        params = {"kernel": layer.kernel}
        if layer.bias is not None:
            params["bias"] = layer.bias
        return params
    if isinstance(layer, keras.layers.BatchNormalization):
        return {name: getattr(layer, name) for name in ("gamma", "beta") if getattr(layer, name) is not None}
    if isinstance(layer, keras.Model) or not getattr(layer, "weights", None):
        return {}
    return {variable.name: variable for variable in layer.trainable_weights}
