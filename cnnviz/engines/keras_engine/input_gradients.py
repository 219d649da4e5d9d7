"""The Keras engine's input gradients beyond the contract: guided backpropagation (attribution) and the
gradient of any unit's activation (feature visualization), each traced once per model on first use."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import tensorflow as tf

from cnnviz.core.checks import require_index
from cnnviz.core.results import frozen
from cnnviz.engines.base import as_batch
from cnnviz.engines.keras_engine.guided import guided_input_gradient


class InputGradientMembers:
    """Mixed into :class:`~cnnviz.engines.keras_engine.engine.KerasEngine`, which provides the forward
    pass (``_run``), the layer names, the input shape and the number of classes."""

    input_shape: tuple[int, int, int]
    _guided_fn: Any
    _unit_fns: dict[int, Callable]

    @property
    def num_classes(self) -> int:
        raise NotImplementedError

    def layer_names(self) -> list[str]:
        raise NotImplementedError

    def _run(self, images, training: bool, wrap=None):
        raise NotImplementedError

    def guided_gradients(self, images: np.ndarray, class_index: int) -> np.ndarray:
        """Guided backpropagation of the logit of class ``class_index`` with respect to each image, shape
        (n, h, w, c): an optional member beyond the contract (see :mod:`.guided`)."""
        images = as_batch(images, self.input_shape)
        class_index = require_index(class_index, self.num_classes, "class_index")
        if self._guided_fn is None:
            self._guided_fn = tf.function(
                partial(guided_input_gradient, partial(self._run, training=False)),
                input_signature=[tf.TensorSpec((None, *self.input_shape), tf.float32), tf.TensorSpec((), tf.int32)])
        return frozen(self._guided_fn(images, tf.constant(class_index, tf.int32)).numpy())

    def unit_gradients(self, images: np.ndarray, layer: str,
                       direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A layer's output (the logits for the output layer) and the gradient of
        ``sum(direction * output)`` with respect to the input; an optional member beyond the contract,
        as in the NumPy engine."""
        images = as_batch(images, self.input_shape)
        names = self.layer_names()
        if layer not in names:
            raise ValueError(f"This model has no layer {layer!r}; its layers are {', '.join(names)}.")
        index = names.index(layer)
        function = self._unit_fns.get(index)
        if function is None:
            function = self._unit_fns[index] = tf.function(lambda batch, weights: self._unit_graph(
                batch, weights, index))
        output, gradient = function(tf.constant(images), tf.constant(np.asarray(direction, np.float32)))
        return frozen(output.numpy()), frozen(gradient.numpy())

    def _unit_graph(self, images, direction, index: int):
        with tf.GradientTape() as tape:
            tape.watch(images)
            outputs, logits = self._run(images, training=False)
            output = logits if index == len(outputs) - 1 else outputs[index]
            target = tf.reduce_sum(output * direction)
        return output, tape.gradient(target, images, unconnected_gradients=tf.UnconnectedGradients.ZERO)
