"""The backward pass of one class's logit through the NumPy network, for attribution maps: plain, or
guided backpropagation (Springenberg et al. 2015).

The forward pass is the network's own (inference mode; the last one is reused when it was of the same
images, as an inspection of the input has usually just run it), and so is every layer's backward pass,
with two changes:

- **Guided** (``guided=True``): at each ReLU the gradient passes only where both the unit's input and
  the incoming gradient are positive, ``g_in = g_out · [x > 0] · [g_out > 0]``. A layer applying a
  ReLU itself (Conv2D, Dense, Activation) masks by its activated output ``> 0``, which is the same set
  as its input ``> 0``; so clamping the incoming gradient at zero before the layer's own backward pass
  gives exactly the guided rule, and every other layer (pooling, flatten, dropout, batch normalization,
  tanh and sigmoid units) backpropagates as usual.
- **No kernel gradient for dense layers**: an attribution needs the gradient with respect to the input
  and the layers' outputs only, and a dense layer's kernel gradient is an outer product as large as its
  kernel (the largest array of a small CNN) — most of the pass's time. Its input gradient is computed
  from the layer's cached output as its own backward pass does.
"""

from __future__ import annotations

import numpy as np

from cnnviz.engines.numpy_engine.layers import DenseLayer, Layer, activation_backward, cached
from cnnviz.engines.numpy_engine.network import Network


def applies_relu(layer: Layer) -> bool:
    """Whether ``layer`` ends in a ReLU (its own activation, or an Activation layer's)."""
    activation = getattr(getattr(layer, "spec", None), "activation", None) or getattr(layer, "activation", None)
    return activation == "relu"


def _input_gradient(layer: Layer, gradient: np.ndarray) -> np.ndarray:
    """The gradient with respect to ``layer``'s input; a dense layer's kernel gradient is skipped."""
    if isinstance(layer, DenseLayer):
        _, output = cached(layer._cache, layer.name)
        if layer.spec.activation != "softmax":
            gradient = activation_backward(gradient, output, layer.spec.activation)
        return gradient @ layer.params["kernel"].T
    return layer.backward(gradient)


def logit_backward(network: Network, images: np.ndarray, class_index: int,
                   guided: bool = False) -> tuple[np.ndarray, list[np.ndarray]]:
    """Gradients of the logit of class ``class_index`` (summed over the batch, so each image gets its
    own), plain or guided.

    Parameters
    ----------
    network : Network
    images : ndarray, shape (n, h, w, c), float32
    class_index : int
        A valid class index (checked by the caller).
    guided : bool
        Apply guided backpropagation's rule at every ReLU.

    Returns
    -------
    input_gradient : ndarray, shape (n, h, w, c)
    layer_gradients : list of ndarray
        The gradient with respect to each layer's output, in network order (the logits for the
        output layer).
    """
    if network.last_inference(images) is None:
        network.forward(images)
    logits = network.logits
    gradient = np.zeros_like(logits)
    gradient[:, class_index] = 1.0
    layer_gradients = []
    for layer in reversed(network.layers):
        layer_gradients.append(gradient)
        if guided and applies_relu(layer):
            gradient = np.maximum(gradient, 0.0)
        gradient = _input_gradient(layer, gradient)
    layer_gradients.reverse()
    return gradient, layer_gradients


def guided_backward(network: Network, images: np.ndarray, class_index: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Guided gradients of the logit of class ``class_index`` (:func:`logit_backward` with ``guided``)."""
    return logit_backward(network, images, class_index, guided=True)
