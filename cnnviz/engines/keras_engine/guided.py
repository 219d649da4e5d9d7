"""Guided backpropagation (Springenberg et al. 2015) through a Keras model's graph.

The forward pass is the model's own, run step by step over its layer graph (:mod:`.graph`), so
branches and merges (``Add``, ``Concatenate``, ...) and nested models are followed as they are.
After every step that ends in a ReLU — a ``ReLU`` layer, an ``Activation('relu')``, or a layer with a
fused ``activation='relu'`` (``Conv2D``, ``Dense``, ...) — an identity is inserted whose gradient is
clamped at zero. The layer's own backward pass then masks by its input ``> 0``, so the gradient
reaching the ReLU's input is ``g · [x > 0] · [g > 0]``: the guided rule, exactly as the NumPy engine
applies it (:mod:`cnnviz.engines.numpy_engine.guided`). ``relu6`` (a ``ReLU(max_value=6)``, as in
MobileNetV2) counts as a ReLU here: its gradient passes where ``0 < x < 6`` and the incoming gradient
is positive. Leaky or thresholded ReLUs and every other layer backpropagate as usual.
"""

from __future__ import annotations

import keras
import tensorflow as tf

RELU_ACTIVATIONS = frozenset({"relu", "relu6"})


def ends_in_relu(layer) -> bool:
    """Whether ``layer``'s output is a ReLU of what came before (its own activation or the layer itself)."""
    if isinstance(layer, keras.layers.ReLU):
        return float(layer.negative_slope) == 0.0 and float(layer.threshold) == 0.0
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", None) in RELU_ACTIVATIONS


@tf.custom_gradient
def positive_gradient(values):
    """The identity, whose gradient lets only positive values through."""

    def backward(gradient):
        return tf.nn.relu(gradient)

    return tf.identity(values), backward


def guide(step, output):
    """The wrap :func:`.graph.run_graph` applies after each step: the positive-gradient identity after a
    step ending in a ReLU, the output itself otherwise."""
    return positive_gradient(output) if ends_in_relu(step.layer) else output


def guided_input_gradient(run, images, class_index):
    """The guided gradient of the logit of class ``class_index`` (summed over the batch, so each image
    gets its own) with respect to ``images``.

    Parameters
    ----------
    run : callable
        ``run(images, wrap)`` returning ``(outputs, logits)`` with ``wrap`` applied after every step
        (the engine's graph pass).
    images : tensor, shape (n, h, w, c)
    class_index : int tensor
    """
    with tf.GradientTape() as tape:
        tape.watch(images)
        _, logits = run(images, wrap=guide)
        target = tf.reduce_sum(tf.gather(logits, class_index, axis=1))
    return tape.gradient(target, images, unconnected_gradients=tf.UnconnectedGradients.ZERO)
