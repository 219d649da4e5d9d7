"""Guided backpropagation (Springenberg et al. 2015) through the NumPy network.

The forward pass is the network's own (inference mode), and so is every layer's backward pass, with one
change at each ReLU: the gradient passes only where both the unit's input and the incoming gradient
are positive, ``g_in = g_out · [x > 0] · [g_out > 0]``. A layer applying a ReLU itself (Conv2D, Dense,
Activation) masks by its activated output ``> 0``, which is the same set as its input ``> 0``; so
clamping the incoming gradient at zero before the layer's own backward pass gives exactly the guided
rule, and every other layer (pooling, flatten, dropout, batch normalization, tanh and sigmoid units)
backpropagates as usual.
"""

from __future__ import annotations

import numpy as np

from cnnviz.engines.numpy_engine.layers import Layer
from cnnviz.engines.numpy_engine.network import Network


def applies_relu(layer: Layer) -> bool:
    """Whether ``layer`` ends in a ReLU (its own activation, or an Activation layer's)."""
    activation = getattr(getattr(layer, "spec", None), "activation", None) or getattr(layer, "activation", None)
    return activation == "relu"


def guided_backward(network: Network, images: np.ndarray, class_index: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Guided gradients of the logit of class ``class_index`` (summed over the batch, so each image
    gets its own).

    Parameters
    ----------
    network : Network
    images : ndarray, shape (n, h, w, c), float32
    class_index : int
        A valid class index (checked by the caller).

    Returns
    -------
    input_gradient : ndarray, shape (n, h, w, c)
    layer_gradients : list of ndarray
        The guided gradient with respect to each layer's output, in network order (the logits for
        the output layer).
    """
    network.forward(images)
    logits = network.logits
    gradient = np.zeros_like(logits)
    gradient[:, class_index] = 1.0
    layer_gradients = []
    for layer in reversed(network.layers):
        layer_gradients.append(gradient)
        if applies_relu(layer):
            gradient = np.maximum(gradient, 0.0)
        gradient = layer.backward(gradient)
    layer_gradients.reverse()
    return gradient, layer_gradients
