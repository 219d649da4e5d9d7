"""The NumPy engine behind the engine contract: training steps, introspection, weights, files.

A model file is one ``.npz`` archive holding every parameter as ``"<layer>/<param>"``
and the configuration as UTF-8 JSON bytes under ``"config.json"``; it is read with
``allow_pickle=False`` and checked against the configuration before any weight
is replaced.
"""

from __future__ import annotations

import contextlib
import math
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from cnnviz.core.checkpoints import from_json_array, json_array
from cnnviz.core.checks import require_index
from cnnviz.core.config import ConfigError, ModelConfig, TrainingConfig
from cnnviz.core.layer_graph import LayerGraph, config_graph
from cnnviz.core.results import GradientResult, Weights, frozen
from cnnviz.core.safe_json import MAX_JSON_BYTES
from cnnviz.core.safe_npz import NpzFileError, SafeNpz
from cnnviz.core.safe_zip import MIB, format_bytes
from cnnviz.core.validation import MAX_PARAMETERS, check_seed, validate
from cnnviz.core.weights import check_weights, parameter_shapes
from cnnviz.engines.base import as_batch, check_batch_size, check_labels
from cnnviz.engines.numpy_engine import parallel
from cnnviz.engines.numpy_engine.losses import cross_entropy, cross_entropy_gradient
from cnnviz.engines.numpy_engine.network import Network
from cnnviz.engines.numpy_engine.optimizers import make_optimizer

CONFIG_KEY = "config.json"
MAX_MODEL_FILE_BYTES = 4 * MAX_PARAMETERS + MAX_JSON_BYTES
"""The most bytes a model file's arrays may declare: the largest model allowed, in float32, and its
configuration."""


MAX_SMALL_UNIT_BATCH = 64
"""Batches of :meth:`NumpyEngine.unit_gradients` up to this many images use one BLAS thread."""


class ModelFileError(ValueError):
    """A model file that cannot be read: says which file, what is wrong and what to do."""


INFERENCE_PIECE_BYTES = 16 * MIB
"""The largest array one inference pass may make. Larger ones are new memory from the system every
time (the C library maps allocations over 32 MiB afresh): evaluating 512 colour images 64x64x3 in
passes of 256 took 3.2 s, of 6 to 16 images 0.65 s, and while a pass of 256 made its 600 MB of
im2col columns the window's thread stalled up to 100 ms (``benchmarks/bench_inference_pieces.py``)."""

ATTRIBUTION_BATCH = 1
"""The batch size the BLAS thread rule (:func:`.parallel.blas_for_batch`) is told for an attribution's
backward passes: an attribution sends at most a few hundred images of a small model (SmoothGrad's noisy
copies, Integrated Gradients' path points), whose products are too small to share between BLAS threads —
on a busy machine the threads' hand-offs cost more than the products."""


class NumpyEngine:
    """A from-scratch NumPy implementation of a :class:`ModelConfig` network.

    Parameters
    ----------
    config : ModelConfig
        Validated on construction.
    seed : int or None
        Seeds initial weights and dropout; defaults to ``config.training.seed``.
    """

    name = "numpy"

    def __init__(self, config: ModelConfig, seed: int | None = None):
        self.config = validate(config)
        self.network = Network(config, check_seed(config.training.seed if seed is None else seed))
        training = config.training
        self.optimizer = make_optimizer(training.optimizer, training.learning_rate, training.momentum)
        self._layer_graph: tuple[ModelConfig, LayerGraph] | None = None

    # -- description ---------------------------------------------------------------------------
    def layer_names(self) -> list[str]:
        """Layer names in order, as in the configuration."""
        return [layer.name for layer in self.network.layers]

    def layer_graph(self) -> LayerGraph:
        """The chain of layers from the configuration (each layer feeds the next)."""
        cached = self._layer_graph
        if cached is None or cached[0] is not self.config:
            cached = self._layer_graph = (self.config, config_graph(self.config))
        return cached[1]

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """``(height, width, channels)`` of one input image, from the configuration."""
        return self.config.input_shape

    @property
    def device(self) -> str:
        """``"CPU, N thread(s)"``: how many chunks of a batch the calling thread trains side by side
        (:func:`.parallel.num_workers`)."""
        threads = parallel.num_workers()
        return f"CPU, {threads} thread{'s' if threads != 1 else ''}"

    @property
    def learning_rate(self) -> float:
        return self.optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"The learning rate must be a positive number, received {value}.")
        self.optimizer.learning_rate = float(value)

    def set_training(self, training: TrainingConfig) -> None:
        """Use other training settings from now on; the weights are kept. A new optimizer kind or
        momentum starts a fresh optimizer state; a new learning rate alone keeps it."""
        previous = self.config.training
        self.config = validate(replace(self.config, training=training), check_memory=False)
        if (training.optimizer, training.momentum) != (previous.optimizer, previous.momentum):
            self.optimizer = make_optimizer(training.optimizer, training.learning_rate, training.momentum)
        else:
            self.learning_rate = training.learning_rate

    # -- training and inference ---------------------------------------------------------------
    @property
    def num_classes(self) -> int:
        return self.network.output_layer.spec.units

    def train_step(self, images: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        """One optimizer step on a batch; returns its (loss, accuracy) with dropout active."""
        images = as_batch(images, self.config.input_shape)
        labels = check_labels(labels, len(images), self.num_classes)
        return self.network.train_step(images, labels, self.optimizer)

    def predict(self, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Class probabilities, shape (n, classes), computed in pieces of at most ``batch_size``
        images (fewer for large inputs: :meth:`inference_piece`)."""
        images = as_batch(images, self.config.input_shape)
        check_batch_size(batch_size)
        last = self.network.last_inference(images) if len(images) <= batch_size else None
        if last is not None:
            return last.probabilities.copy()
        piece = self.inference_piece(batch_size)
        with parallel.blas_for_batch(min(len(images), piece)):
            parts = [self.network.forward(images[start:start + piece])[0].copy()
                     for start in range(0, len(images), piece)]
        return np.concatenate(parts) if parts else np.zeros((0, self.num_classes), np.float32)

    def evaluate(self, images: np.ndarray, labels: np.ndarray, batch_size: int = 256) -> tuple[float, float]:
        """Mean cross-entropy and accuracy over a dataset, computed in pieces of at most
        ``batch_size`` images (fewer for large inputs: :meth:`inference_piece`)."""
        images = as_batch(images, self.config.input_shape)
        labels = check_labels(labels, len(images), self.num_classes)
        check_batch_size(batch_size)
        piece = self.inference_piece(batch_size)
        loss_sum = correct = 0.0
        with parallel.blas_for_batch(min(len(images), piece)):
            for start in range(0, len(images), piece):
                batch_labels = labels[start:start + piece]
                probabilities, _ = self.network.forward(images[start:start + piece])
                loss_sum += cross_entropy(self.network.logits, batch_labels) * len(batch_labels)
                correct += float((probabilities.argmax(axis=1) == batch_labels).sum())
        count = max(len(images), 1)
        return loss_sum / count, correct / count

    def inference_piece(self, batch_size: int) -> int:
        """How many images one inference pass takes at most: ``batch_size``, or fewer so that no
        array a pass makes (a convolution's im2col columns, a layer's output) is over
        :data:`INFERENCE_PIECE_BYTES`."""
        return max(1, min(int(batch_size), INFERENCE_PIECE_BYTES // self.network.largest_values_per_image() // 4))

    # -- introspection --------------------------------------------------------------------------
    def feature_maps(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """Every layer's output for a batch (inference mode), keyed by layer name."""
        images = as_batch(images, self.config.input_shape)
        last = self.network.last_inference(images, need_outputs=True)
        if last is not None and last.outputs is not None:
            outputs = last.outputs
        else:
            with parallel.blas_for_batch(len(images)):
                _, outputs = self.network.forward(images, keep_outputs=True)
        return {name: frozen(output.copy()) for name, output in zip(self.layer_names(), outputs)}

    def kernels(self) -> dict[str, np.ndarray]:
        """Each convolution layer's kernel, shape (kh, kw, in, out), keyed by layer name."""
        return {layer.name: frozen(layer.params["kernel"].copy()) for layer in self.network.layers
                if "kernel" in layer.params and layer.params["kernel"].ndim == 4}

    def gradients(self, images: np.ndarray, labels: np.ndarray | None = None,
                  class_index: int | None = None) -> GradientResult:
        """Gradients of the loss, or of one class's score, for a batch.

        Parameters
        ----------
        images : ndarray, shape (n, h, w, c)
        labels : ndarray, shape (n,), optional
            Labels for the loss; defaults to the predicted classes.
        class_index : int, optional
            If given, the target is the sum over the batch of that class's logit instead of the loss.
        """
        images = as_batch(images, self.config.input_shape)
        with parallel.blas_for_batch(len(images)):
            return self._gradients(images, labels, class_index)

    def _gradients(self, images: np.ndarray, labels: np.ndarray | None, class_index: int | None) -> GradientResult:
        last = self.network.last_inference(images)
        # The forward pass keeps every layer's output: the inspection asks for the feature maps of the
        # same input next, and they then cost a copy instead of a second pass.
        probabilities = last.probabilities if last is not None else self.network.forward(
            images, keep_outputs=True)[0]
        logits = self.network.logits
        num_classes = logits.shape[1]
        if class_index is not None:
            class_index = require_index(class_index, num_classes, "class_index")
            target, value = f"class:{class_index}", float(logits[:, class_index].sum())
            logit_gradient = np.zeros_like(logits)
            logit_gradient[:, class_index] = 1.0
        else:
            labels = probabilities.argmax(axis=1) if labels is None else check_labels(
                labels, len(images), num_classes)
            target, value = "loss", cross_entropy(logits, labels)
            logit_gradient = cross_entropy_gradient(probabilities, labels)
        input_gradient, layer_gradients = self.network.backward(logit_gradient, keep_gradients=True)
        # An inference pass's parameter gradients are new arrays (a dense kernel's is megabytes): one
        # that owns its memory, or is the whole transpose of one, is handed over as it is; any other
        # view is copied.
        parameters = {layer.name: {name: frozen(grad if _owns_whole(grad) else grad.copy())
                                   for name, grad in layer.gradients.items()}
                      for layer in self.network.layers if layer.params}
        return GradientResult(
            target=target, value=value, input=frozen(input_gradient.copy()),
            layers={name: frozen(np.array(grad)) for name, grad in zip(self.layer_names(), layer_gradients)},
            parameters=parameters,
        )

    def guided_gradients(self, images: np.ndarray, class_index: int) -> np.ndarray:
        """Guided backpropagation of class ``class_index``'s logit to the input, shape (n, h, w, c);
        an optional member beyond the contract (see :mod:`.guided`)."""
        from cnnviz.engines.numpy_engine.guided import guided_backward

        images = as_batch(images, self.config.input_shape)
        class_index = require_index(class_index, self.num_classes, "class_index")
        with parallel.blas_for_batch(ATTRIBUTION_BATCH):
            return frozen(guided_backward(self.network, images, class_index)[0].copy())

    def logit_gradients(self, images: np.ndarray, class_index: int) -> GradientResult:
        """:meth:`gradients` of class ``class_index``'s logit without the parameters' gradients (empty
        ``parameters``): what an attribution map needs, faster; an optional member beyond the contract
        (see :mod:`.guided`)."""
        from cnnviz.engines.numpy_engine.guided import logit_backward

        images = as_batch(images, self.config.input_shape)
        class_index = require_index(class_index, self.num_classes, "class_index")
        with parallel.blas_for_batch(ATTRIBUTION_BATCH):
            input_gradient, layer_gradients = logit_backward(self.network, images, class_index)
            value = float(self.network.logits[:, class_index].sum())
        return GradientResult(
            target=f"class:{class_index}", value=value, input=frozen(input_gradient),
            layers={name: frozen(np.array(grad)) for name, grad in zip(self.layer_names(), layer_gradients)},
            parameters={})

    def layer_output(self, images: np.ndarray, layer: str) -> np.ndarray:
        """One layer's output for a batch (inference mode), running only the layers up to it; an
        optional member beyond the contract (the search for a filter's top images reads many batches)."""
        images = as_batch(images, self.config.input_shape)
        names = self.layer_names()
        if layer not in names:
            raise ValueError(f"This model has no layer {layer!r}; its layers are {', '.join(names)}.")
        last = names.index(layer)
        with parallel.blas_for_batch(len(images)):
            return frozen(np.array(self.network.forward_to(images, last)))

    def unit_gradients(self, images: np.ndarray, layer: str,
                       direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A layer's output and the gradient of ``sum(direction * output)`` with respect to the input;
        an optional member beyond the contract (feature visualization maximizes a unit with it).

        Only the layers up to ``layer`` run. For the output layer, ``output`` is its logits.

        Parameters
        ----------
        images : ndarray, shape (n, h, w, c)
        layer : str
        direction : ndarray, the layer's output shape (n, ...)

        Returns
        -------
        output : ndarray, the layer's output
        input_gradient : ndarray, shape (n, h, w, c)
        """
        images = as_batch(images, self.config.input_shape)
        names = self.layer_names()
        if layer not in names:
            raise ValueError(f"This model has no layer {layer!r}; its layers are {', '.join(names)}.")
        last = names.index(layer)
        # A visualization's batch is one image per unit, its products small: one BLAS thread up to a
        # few dozen units (BLAS's hand-offs on a busy machine cost more than such products).
        with parallel.blas_for_batch(1 if len(images) <= MAX_SMALL_UNIT_BATCH else len(images)):
            output = self.network.forward_to(images, last, logits=True)
            direction = np.asarray(direction, dtype=np.float32)
            if direction.shape != output.shape:
                raise ValueError(f"The direction must have the layer's output shape {output.shape}, "
                                 f"received {direction.shape}.")
            gradient = self.network.backward_from(last, direction)
        return frozen(np.array(output)), frozen(np.array(gradient))

    # -- weights and files ----------------------------------------------------------------------
    def get_weights(self) -> Weights:
        """A copy of every parameter in the exchange form ``{layer: {"kernel", "bias"}}`` (batch
        normalization: ``gamma``, ``beta``, ``moving_mean``, ``moving_variance``)."""
        return {layer.name: {name: value.copy() for name, value in {**layer.params, **layer.state}.items()}
                for layer in self.network.layers if layer.params or layer.state}

    def set_weights(self, weights: Weights) -> None:
        """Replace every parameter; all are checked before any is changed.

        Raises
        ------
        ValueError
            Naming the missing, unexpected or wrongly shaped array.
        """
        check_weights(weights, self.get_weights())
        for layer in self.network.layers:
            for name, value in {**layer.params, **layer.state}.items():
                value[...] = np.asarray(weights[layer.name][name], dtype=np.float32)
        self.network.weights_changed()

    def training_state(self) -> dict[str, np.ndarray]:
        """The optimizer's step count, learning rate and moments (``optimizer/...``) and the dropout
        streams' states (``dropout``, JSON bytes): with the weights, what continuing training exactly
        where it stopped needs."""
        state = {f"optimizer/{key}": value for key, value in self.optimizer.state().items()}
        state["optimizer_kind"] = json_array(self.config.training.optimizer)
        state["dropout"] = json_array([rng.bit_generator.state for rng in self.network.dropout_rngs])
        return state

    def set_training_state(self, state: dict[str, np.ndarray]) -> None:
        """Take back what :meth:`training_state` returned (ValueError when it does not fit this model)."""
        try:
            kind = from_json_array(state["optimizer_kind"])
            if kind != self.config.training.optimizer:
                raise ValueError(f"The saved optimizer state is for {kind}, but this model trains with "
                                 f"{self.config.training.optimizer}.")
            dropout = from_json_array(state["dropout"])
            if len(dropout) != len(self.network.dropout_rngs):
                raise ValueError("The saved dropout streams do not fit this engine.")
            parameters = [value for layer in self.network.layers for value in layer.params.values()]
            self.optimizer.set_state({key[len("optimizer/"):]: value for key, value in state.items()
                                      if key.startswith("optimizer/")}, parameters)
        except KeyError as error:
            raise ValueError(f"The saved training state lacks {error.args[0]!r}; it was not written by "
                             "this engine.") from None
        for rng, saved in zip(self.network.dropout_rngs, dropout):
            rng.bit_generator.state = saved

    def save(self, path: str | Path) -> Path:
        """Write the configuration and weights to one ``.npz`` (via a temporary file flushed to the
        disk; a failed write removes it and leaves ``path`` as it was)."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_name(path.name + ".npz")
        # Any: NumPy's stubs type savez's keywords like its allow_pickle flag; here each is an array.
        arrays: dict[str, Any] = {f"{layer}/{name}": value for layer, params in self.get_weights().items()
                                  for name, value in params.items()}
        arrays[CONFIG_KEY] = np.frombuffer(self.config.to_json().encode("utf-8"), dtype=np.uint8)
        temporary = path.with_name(path.name + ".tmp")
        try:
            with open(temporary, "wb") as handle:
                np.savez(handle, **arrays)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        finally:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
        return path

    @classmethod
    def load(cls, path: str | Path) -> NumpyEngine:
        """Read a model file written by :meth:`save`; never unpickles anything."""
        config, weights = read_model_file(path)
        engine = cls(config)
        try:
            engine.set_weights(weights)
        except ValueError as error:
            raise ModelFileError(f"{Path(path).name}: {error}") from None
        return engine


def read_model_file(path: str | Path) -> tuple[ModelConfig, Weights]:
    """Read the configuration and weights of a ``.npz`` model file, checking everything.

    The file is read through :class:`~cnnviz.core.safe_npz.SafeNpz`: the archive's declared sizes and
    every array's header are checked first, then the configuration is read and validated, then every
    array's declared shape is compared with the one the configuration builds; only then are the weights
    read. A small file that declares gigabytes is refused having read nothing but headers.

    Raises
    ------
    ModelFileError
        For an unreadable, truncated, hostile or foreign file, a missing configuration or array,
        or an array whose shape does not fit the configuration.
    """
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"There is no model file at {path}.")
    try:
        with SafeNpz(path, "cnnviz model file", max_bytes=MAX_MODEL_FILE_BYTES) as archive:
            config = _read_configuration(archive)
            expected = parameter_shapes(config)
            for key, header in archive.headers.items():
                layer, _, name = key.partition("/")
                wanted = expected.get(layer, {}).get(name)
                if wanted is not None and header.shape != wanted:
                    raise ModelFileError(f"{path.name}: Array {key} has shape {header.shape}, but the model "
                                         f"expects {wanted}.")
            needed = sum(4 * math.prod(shape) for params in expected.values() for shape in params.values())
            declared = sum(header.data_bytes for key, header in archive.headers.items() if key != CONFIG_KEY)
            if declared > 2 * needed + MIB:  # float64 weights are accepted, and converted
                raise ModelFileError(
                    f"{path.name}: its arrays declare {format_bytes(declared)}, but its configuration needs "
                    f"{format_bytes(needed)} of weights; it was not written by cnnviz, or it is damaged.")
            arrays = {key: archive.read(key) for key in archive.files if key != CONFIG_KEY}
    except NpzFileError as error:
        detail = str(error)
        if not detail.startswith(f"{path.name} is not"):
            detail = f"{path.name} is not a readable cnnviz model file: {detail.removeprefix(path.name + ': ')}"
        raise ModelFileError(f"{detail} Open a .npz written by cnnviz, or retrain and save the model.") from None
    weights: Weights = {}
    for key, value in arrays.items():
        layer, _, name = key.partition("/")
        if not name:
            raise ModelFileError(f"{path.name} holds an unexpected array {key!r}.")
        weights.setdefault(layer, {})[name] = value
    return config, weights


def _read_configuration(archive: SafeNpz) -> ModelConfig:
    """The validated configuration stored in a model archive, read before any weight."""
    name = archive.name
    if CONFIG_KEY not in archive.headers:
        raise ModelFileError(f"{name} holds no model configuration ({CONFIG_KEY!r}); it was not "
                             "written by cnnviz.")
    header = archive.headers[CONFIG_KEY]
    if header.dtype != np.uint8 or len(header.shape) != 1:
        raise ModelFileError(f"{name} stores its configuration in an unexpected form; it was not "
                             "written by cnnviz.")
    if header.data_bytes > MAX_JSON_BYTES:
        raise ModelFileError(f"{name}: its configuration declares {format_bytes(header.data_bytes)}, more than "
                             f"the limit of {format_bytes(MAX_JSON_BYTES)}; it was not written by cnnviz.")
    stored = archive.read(CONFIG_KEY)
    try:
        config = ModelConfig.from_json(stored.tobytes().decode("utf-8"))
        validate(config)
    except (ConfigError, UnicodeDecodeError) as error:
        raise ModelFileError(f"{name} has an invalid configuration: {error}") from None
    return config


def _owns_whole(array: np.ndarray) -> bool:
    """Whether ``array`` owns its memory or is a transpose of all of an array that does (the dense
    layer's one-image kernel gradient), so handing it out shares nothing with the network."""
    base = array.base
    return base is None or (isinstance(base, np.ndarray) and base.base is None and base.flags.owndata
                            and base.size == array.size and array.flags.f_contiguous
                            and not array.flags.c_contiguous)
