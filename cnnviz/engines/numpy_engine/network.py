"""A sequential network of NumPy layers: forward, backward, and the softmax cross-entropy loss."""

from __future__ import annotations

import numpy as np

from cnnviz.core.config import Conv2D, ModelConfig
from cnnviz.core.validation import output_shapes
from cnnviz.engines.numpy_engine import initializers, parallel
from cnnviz.engines.numpy_engine.fused import training_plan
from cnnviz.engines.numpy_engine.layers import DenseLayer, Layer, build_layers, cached
from cnnviz.engines.numpy_engine.losses import cross_entropy, cross_entropy_gradient
from cnnviz.engines.numpy_engine.normalization import BatchNormalizationLayer
from cnnviz.engines.numpy_engine.workspace import Workspace

MAX_KEPT_BATCH = 16
"""Inference passes of at most this many images are kept for :meth:`Network.last_inference` (an
inspection's; evaluation batches are not worth a copy)."""
MIN_CHUNK_IMAGES = 64
"""A training batch is split into chunks of at least this many images. Smaller chunks lose more
than the second core gives: each chunk reads every weight matrix once per product, and products
with few rows run far below the processor's speed."""


class _LastInference:
    """What the last inference forward pass computed, and for which input and weights."""

    def __init__(self, images: np.ndarray, weights_key: tuple, probabilities: np.ndarray,
                 outputs: list[np.ndarray] | None):
        self.images = images
        self.weights_key = weights_key
        self.probabilities = probabilities
        self.outputs = outputs


class Network:
    """The layers of a validated configuration, run in order.

    Parameters
    ----------
    config : ModelConfig
        A configuration that passed :func:`cnnviz.core.validation.validate`.
    seed : int
        Seeds the initial weights and the dropout masks.
    """

    def __init__(self, config: ModelConfig, seed: int = 0):
        self.config = config
        self.rng = np.random.default_rng(seed)
        # Each training chunk has its own dropout stream, so results do not depend on the cores.
        chunk_rngs = [np.random.default_rng([seed, 1, chunk]) for chunk in range(parallel.NUM_CHUNKS)]
        self.dropout_rngs = chunk_rngs
        self.layers: list[Layer] = build_layers(config, chunk_rngs[0])
        for layer in self.layers:
            if "kernel" in layer.params:
                layer.params["kernel"][...] = initializers.initial_kernel(
                    config.initializer, layer.params["kernel"].shape, self.rng)
                layer.params["bias"][...] = initializers.initial_bias(
                    config.initializer, layer.params["bias"].shape)
        self.output_layer = _output_layer(self.layers)
        # One copy of the layers per training chunk: own caches and gradients, shared parameters.
        self.replicas = [self.layers]
        for rng in chunk_rngs[1:]:
            replica = build_layers(config, rng)
            for mine, primary in zip(replica, self.layers):
                mine.params = primary.params
                mine.state = primary.state
            self.replicas.append(replica)
        # Batch normalization needs the statistics of the whole batch, so such a network trains it in
        # one piece.
        self.num_chunks = 1 if any(isinstance(layer, BatchNormalizationLayer) for layer in self.layers) else len(
            self.replicas)
        # Training reuses its arrays from batch to batch (see .workspace); inference allocates.
        for layers in self.replicas:
            for layer in layers:
                layer.workspace = Workspace()
        self.replica_outputs = [_output_layer(layers) for layers in self.replicas]
        self.min_chunk_images = MIN_CHUNK_IMAGES
        self.training_plans = [training_plan(layers) for layers in self.replicas]
        self.weights_version = 0
        """Counts the changes of the weights made by :meth:`train_step` and :meth:`weights_changed`."""
        self._last_inference: _LastInference | None = None
        self._largest_values: int | None = None

    def largest_values_per_image(self) -> int:
        """The most values one image takes in any array an inference pass makes: the input, a
        layer's output, or a convolution's im2col columns (each output pixel's patch)."""
        if self._largest_values is None:
            shape = tuple(self.config.input_shape)
            largest = int(np.prod(shape))
            for spec, output in zip(self.config.layers, output_shapes(self.config)):
                largest = max(largest, int(np.prod(output)))
                if isinstance(spec, Conv2D):
                    kernel_height, kernel_width = spec.kernel_size
                    largest = max(largest, int(np.prod(output[:-1])) * kernel_height * kernel_width * shape[-1])
                shape = tuple(output)
            self._largest_values = largest
        return self._largest_values

    def weights_changed(self) -> None:
        """Say that the parameters or the state were changed in place (new weights were loaded):
        a result kept from an earlier forward pass no longer holds."""
        self.weights_version += 1
        self._last_inference = None

    def _weights_key(self) -> tuple:
        # The version catches in-place changes made through train_step and weights_changed; the
        # arrays' identities catch parameters replaced by new arrays.
        return (self.weights_version, *(id(value) for layer in self.layers
                                        for value in (*layer.params.values(), *layer.state.values())))

    def last_inference(self, images: np.ndarray, need_outputs: bool = False) -> _LastInference | None:
        """The last forward pass's results, when it was an inference pass of exactly ``images`` with
        the present weights (every layer still holds what its backward pass needs for it); else None.

        The inspection of one input asks for its feature maps, its gradients and its probabilities
        one after the other: one forward pass serves the three.
        """
        last = self._last_inference
        # Equal bytes, not np.array_equal: a tenth of its cost for one image (0.6 us, not 5; an
        # inspection asks two or three times), and the same input bit for bit.
        if last is None or (need_outputs and last.outputs is None) or last.images.shape != images.shape \
                or last.images.dtype != images.dtype or last.weights_key != self._weights_key() \
                or last.images.tobytes() != images.tobytes():
            return None
        return last

    def forward(self, images: np.ndarray, training: bool = False,
                keep_outputs: bool = False) -> tuple[np.ndarray, list[np.ndarray]]:
        """Run the network.

        Parameters
        ----------
        images : ndarray, shape (n, h, w, c), float32
        training : bool
            Dropout is active, and batch normalization uses (and updates) batch statistics, only in
            training.
        keep_outputs : bool
            Also return every layer's output.

        Returns
        -------
        probabilities : ndarray, shape (n, classes)
        outputs : list of ndarray
            Each layer's output, in order (empty unless ``keep_outputs``).
        """
        self._last_inference = None
        values = images
        outputs = []
        for layer in self.layers:
            values = layer.forward(values, training)
            if keep_outputs:
                outputs.append(values)
        if not training and len(images) <= MAX_KEPT_BATCH:
            self._last_inference = _LastInference(images.copy(), self._weights_key(), values,
                                                  outputs if keep_outputs else None)
        return values, outputs

    @property
    def logits(self) -> np.ndarray:
        """Logits of the last forward pass, shape (n, classes)."""
        return cached(self.output_layer.logits, self.output_layer.name)

    def backward(self, logit_gradient: np.ndarray,
                 keep_gradients: bool = False) -> tuple[np.ndarray, list[np.ndarray]]:
        """Backpropagate the gradient with respect to the logits through every layer, down to the input.

        (Training backpropagates through :meth:`train_step`'s fused plan and needs no input gradient.)

        Returns
        -------
        input_gradient : ndarray, shape (n, h, w, c)
        layer_gradients : list of ndarray
            Gradient with respect to each layer's output (the logits for the output layer);
            empty unless ``keep_gradients``.
        """
        gradient = logit_gradient
        layer_gradients = [gradient] if keep_gradients else []
        for layer in reversed(self.layers[1:]):
            gradient = layer.backward(gradient)
            if keep_gradients:
                layer_gradients.append(gradient)
        layer_gradients.reverse()
        return self.layers[0].backward(gradient), layer_gradients

    def forward_to(self, images: np.ndarray, last: int, logits: bool = False) -> np.ndarray:
        """Run layers ``0..last`` in inference mode and return layer ``last``'s output (with ``logits``,
        the output layer's logits instead of its probabilities); every layer run keeps what its
        backward pass needs."""
        self._last_inference = None
        values = images
        for layer in self.layers[:last + 1]:
            values = layer.forward(values, False)
        return self.logits if logits and self.layers[last] is self.output_layer else values

    def backward_from(self, last: int, gradient: np.ndarray) -> np.ndarray:
        """Backpropagate a gradient with respect to layer ``last``'s output (its logits for the output
        layer) down to the input, after :meth:`forward_to` of the same ``last``."""
        for layer in reversed(self.layers[:last + 1]):
            gradient = layer.backward(gradient)
        return gradient

    def _train_chunk(self, chunk: int, images: np.ndarray, labels: np.ndarray,
                     total: int) -> tuple[float, int]:
        """Forward and backward for one chunk of a batch; returns (loss sum, correct count)."""
        plan = self.training_plans[chunk]
        values = images
        for step in plan:
            values = step.forward(values, True)
        output_layer = self.replica_outputs[chunk]
        logits = cached(output_layer.logits, output_layer.name)
        loss = cross_entropy(logits, labels) * len(labels)
        correct = int((values.argmax(axis=1) == labels).sum())
        # Scale so the chunks' gradients add up to the gradient of the mean over the whole batch.
        gradient = cross_entropy_gradient(values, labels)
        gradient *= np.float32(len(labels) / total)
        for step in reversed(plan[1:]):
            gradient = step.backward(gradient)
        plan[0].backward(gradient, need_input_gradient=False)
        return loss, correct

    def chunk_count(self, batch_size: int) -> int:
        """How many chunks a batch of ``batch_size`` images trains in: :data:`parallel.NUM_CHUNKS`
        when each gets at least :data:`MIN_CHUNK_IMAGES`, else one (always one with batch
        normalization). It depends on the batch size alone, never on the machine."""
        if self.num_chunks == 1:
            return 1
        return max(1, min(self.num_chunks, batch_size // self.min_chunk_images))

    def train_step(self, images: np.ndarray, labels: np.ndarray, optimizer) -> tuple[float, float]:
        """Forward, loss, backward and one optimizer update; returns the batch's (loss, accuracy).

        A large batch is split into chunks that run side by side, BLAS held to one thread each; a
        small one (or one with batch normalization) runs in one piece, its optimizer update still
        sliced over the cores. A convolution and the max pooling after it run fused (see
        :mod:`.fused`).
        """
        # The layers' caches and the weights change: no earlier inference pass holds any more.
        self.weights_changed()
        total = len(labels)
        count = self.chunk_count(total)
        bounds = [total * chunk // count for chunk in range(count + 1)]
        tasks = [
            (lambda chunk=chunk: self._train_chunk(chunk, images[bounds[chunk]:bounds[chunk + 1]],
                                                   labels[bounds[chunk]:bounds[chunk + 1]], total))
            for chunk in range(count)
        ]
        # BLAS on one thread even for one chunk: its threads hand off every product, and on a busy
        # machine a product then waits for a descheduled thread (tens of times slower in a test).
        with parallel.single_threaded_blas():
            results = parallel.run_all(tasks)
            optimizer.apply(*self._parameters_and_gradients(count))
        loss = sum(result[0] for result in results) / total
        accuracy = sum(result[1] for result in results) / total
        return float(loss), float(accuracy)

    def _parameters_and_gradients(self, count: int) -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
        """Every parameter, and its gradient's parts from the first ``count`` chunks."""
        parameters, gradients = [], []
        for index, layer in enumerate(self.layers):
            for name, value in layer.params.items():
                parameters.append(value)
                gradients.append([self.replicas[chunk][index].gradients[name] for chunk in range(count)])
        return parameters, gradients


def _output_layer(layers: list[Layer]) -> DenseLayer:
    """The last layer, after checking that it is the dense softmax layer the loss is computed on."""
    last = layers[-1]
    if not (isinstance(last, DenseLayer) and last.spec.activation == "softmax"):
        raise ValueError("The last layer must be a dense softmax layer.")
    return last
