"""The Keras engine behind the engine contract.

Training runs one compiled ``tf.function`` step per batch (so the shared loop can
stream, pause and stop between batches). Introspection runs the model's layers one
by one inside a ``tf.GradientTape``, which gives every layer's output and the
gradient of the loss — or of one class's logit — with respect to the input, each
layer's output and every parameter, in the same form as the NumPy engine.

Models trained elsewhere open with ``safe_mode=True`` (Keras then refuses to
deserialize Lambda layers, so no code from the file runs), and are accepted when
they are a chain of layers over one image input — what the viewers can show.
"""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from cnnviz.core.checkpoints import from_json_array, json_array
from cnnviz.core.checks import require_index
from cnnviz.core.config import ModelConfig, TrainingConfig
from cnnviz.core.results import GradientResult, Weights, frozen
from cnnviz.core.safe_zip import ArchiveError, check_keras_archive
from cnnviz.core.validation import check_seed, validate
from cnnviz.core.weights import check_weights
from cnnviz.engines.base import as_batch, check_batch_size, check_labels
from cnnviz.engines.keras_engine.builder import build_model, chain_layers, config_from_model, make_optimizer


class KerasModelError(ValueError):
    """A ``.keras`` file that cannot be opened or that the viewers cannot serve, and why."""


class KerasEngine:
    """A Keras (TensorFlow) model built from a :class:`ModelConfig`, or opened from a ``.keras`` file.

    Parameters
    ----------
    config : ModelConfig or None
        Validated on construction; None only together with ``model``.
    seed : int or None
        Seeds initial weights and dropout; defaults to ``config.training.seed``.
    model : keras.Model, optional
        An existing model (see :meth:`load`).
    """

    name = "keras"

    def __init__(self, config: ModelConfig | None = None, seed: int | None = None, *,
                 model: keras.Model | None = None):
        if model is None:
            if config is None:
                raise ValueError("KerasEngine needs a configuration or a model.")
            validate(config)
            seed = check_seed(config.training.seed if seed is None else seed)
            keras.utils.set_random_seed(seed)
            model = build_model(config, seed)
        self.model = model
        self.config = config
        self.layers = chain_layers(model)
        # (height, width, channels): from_model accepts only models over one such image input.
        height, width, channels = (int(size) for size in model.inputs[0].shape[1:])
        self.input_shape = (height, width, channels)
        last = self.layers[-1]
        self._output_is_softmax = (isinstance(last, keras.layers.Dense)
                                   and last.get_config()["activation"] == "softmax")
        # A separate softmax layer at the end: the layer before it gives the logits.
        self._softmax_layer_last = len(self.layers) > 1 and (
            isinstance(last, keras.layers.Softmax)
            or (isinstance(last, keras.layers.Activation) and last.get_config()["activation"] == "softmax"))
        self.optimizer = make_optimizer(config.training) if config is not None else keras.optimizers.Adam()
        self.optimizer.build(self.model.trainable_variables)
        signature = [tf.TensorSpec((None, *self.input_shape), tf.float32)]
        self._train_fn = tf.function(self._train_graph, input_signature=[*signature, tf.TensorSpec((None,), tf.int64)])
        self._predict_fn = tf.function(self._predict_graph, input_signature=signature)
        self._inspect_fn = tf.function(self._inspect_graph, input_signature=[
            *signature, tf.TensorSpec((None,), tf.int64), tf.TensorSpec((), tf.int32)])

    # -- description ---------------------------------------------------------------------------
    def layer_names(self) -> list[str]:
        return [layer.name for layer in self.layers]

    @property
    def learning_rate(self) -> float:
        return float(self.optimizer.learning_rate.numpy())

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"The learning rate must be a positive number, received {value}.")
        self.optimizer.learning_rate.assign(float(value))

    def set_training(self, training: TrainingConfig) -> None:
        """Use other training settings from now on; the weights are kept. A new optimizer kind or
        momentum starts a fresh optimizer (and retraces the training step)."""
        if self.config is None:
            raise RuntimeError("This model has no cnnviz configuration, so it cannot be trained here.")
        previous = self.config.training
        self.config = validate(replace(self.config, training=training), check_memory=False)
        if (training.optimizer, training.momentum) != (previous.optimizer, previous.momentum):
            self.optimizer = make_optimizer(training)
            self.optimizer.build(self.model.trainable_variables)
            signature = [tf.TensorSpec((None, *self.input_shape), tf.float32), tf.TensorSpec((None,), tf.int64)]
            self._train_fn = tf.function(self._train_graph, input_signature=signature)
        else:
            self.learning_rate = training.learning_rate

    # -- graphs -----------------------------------------------------------------------------------
    def _chain(self, images, training: bool):
        """Run the layers in order; returns (outputs, logits).

        The last entry of ``outputs`` is the class probabilities. ``logits`` come from the output
        layer's kernel and bias when it is a dense softmax layer, from the layer before a final
        softmax layer, and otherwise are the last layer's output itself.
        """
        values = images
        outputs = []
        for layer in self.layers[:-1]:
            values = layer(values, training=training)
            outputs.append(values)
        last = self.layers[-1]
        if self._output_is_softmax:
            logits = tf.matmul(values, last.kernel) + last.bias
            outputs.append(tf.nn.softmax(logits))
        elif self._softmax_layer_last:
            logits = values
            outputs.append(tf.nn.softmax(logits))
        else:
            logits = last(values, training=training)
            outputs.append(logits)
        return outputs, logits

    def _train_graph(self, images, labels):
        with tf.GradientTape() as tape:
            outputs, logits = self._chain(images, training=True)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        variables = self.model.trainable_variables
        gradients = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(gradients, variables))
        correct = tf.equal(tf.argmax(logits, axis=1), labels)
        return loss, tf.reduce_mean(tf.cast(correct, tf.float32))

    def _predict_graph(self, images):
        outputs, logits = self._chain(images, training=False)
        return tf.nn.softmax(logits)

    def _inspect_graph(self, images, labels, class_index):
        with tf.GradientTape(persistent=False) as tape:
            tape.watch(images)
            outputs, logits = self._chain(images, training=False)
            if_class = tf.reduce_sum(tf.gather(logits, tf.maximum(class_index, 0), axis=1))
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
            target = tf.where(class_index >= 0, if_class, loss)
        watched = [images, *outputs[:-1], logits]
        variables = [weight for layer in self.layers for weight in self._params(layer).values()]
        gradients = tape.gradient(target, watched + variables,
                                  unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return target, outputs, gradients[:len(watched)], gradients[len(watched):], tf.nn.softmax(logits)

    @staticmethod
    def _params(layer) -> dict:
        """The layer's trained variables by exchange-form name."""
        params = {}
        if getattr(layer, "kernel", None) is not None and hasattr(layer, "bias"):
            params["kernel"] = layer.kernel
            if layer.bias is not None:
                params["bias"] = layer.bias
        elif isinstance(layer, keras.layers.BatchNormalization):
            params = {name: getattr(layer, name) for name in ("gamma", "beta") if getattr(layer, name) is not None}
        return params

    @classmethod
    def _arrays(cls, layer) -> dict:
        """Every variable of the exchange form: the trained ones, then batch normalization's moving
        statistics (Keras's own order)."""
        arrays = cls._params(layer)
        if isinstance(layer, keras.layers.BatchNormalization):
            arrays.update(moving_mean=layer.moving_mean, moving_variance=layer.moving_variance)
        return arrays

    # -- training and inference ---------------------------------------------------------------
    def train_step(self, images: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        """One optimizer step on a batch; returns its (loss, accuracy) with dropout active."""
        images = as_batch(images, self.input_shape)
        labels = check_labels(labels, len(images), self.num_classes)
        loss, accuracy = self._train_fn(images, labels)
        return float(loss), float(accuracy)

    @property
    def num_classes(self) -> int:
        return int(self.model.outputs[0].shape[-1])

    def predict(self, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
        images = as_batch(images, self.input_shape)
        check_batch_size(batch_size)
        parts = [self._predict_fn(images[start:start + batch_size]).numpy()
                 for start in range(0, len(images), batch_size)]
        return np.concatenate(parts) if parts else np.zeros((0, self.model.outputs[0].shape[-1]), np.float32)

    def evaluate(self, images: np.ndarray, labels: np.ndarray, batch_size: int = 256) -> tuple[float, float]:
        probabilities = self.predict(images, batch_size)
        labels = check_labels(labels, len(probabilities), self.num_classes)
        picked = probabilities[np.arange(len(labels)), labels].astype(np.float64)
        loss = float(-np.log(np.maximum(picked, 1e-30)).mean()) if len(labels) else 0.0
        accuracy = float((probabilities.argmax(axis=1) == labels).mean()) if len(labels) else 0.0
        return loss, accuracy

    # -- introspection --------------------------------------------------------------------------
    def feature_maps(self, images: np.ndarray) -> dict[str, np.ndarray]:
        images = as_batch(images, self.input_shape)
        outputs, _ = self._chain(tf.constant(images), training=False)
        return {layer.name: frozen(output.numpy()) for layer, output in zip(self.layers, outputs)}

    def kernels(self) -> dict[str, np.ndarray]:
        return {layer.name: frozen(layer.kernel.numpy()) for layer in self.layers
                if getattr(layer, "kernel", None) is not None and len(layer.kernel.shape) == 4}

    def gradients(self, images: np.ndarray, labels: np.ndarray | None = None,
                  class_index: int | None = None) -> GradientResult:
        images = as_batch(images, self.input_shape)
        num_classes = self.num_classes
        if class_index is not None:
            class_index = require_index(class_index, num_classes, "class_index")
        if labels is None:
            labels = self.predict(images).argmax(axis=1)
        labels = check_labels(labels, len(images), num_classes)
        target, _, watched, parameter_gradients, _ = self._inspect_fn(
            images, labels, tf.constant(-1 if class_index is None else class_index, tf.int32))
        names = self.layer_names()
        parameters: Weights = {}
        flat = iter(parameter_gradients)
        for layer in self.layers:
            params = self._params(layer)
            if params:
                parameters[layer.name] = {name: frozen(next(flat).numpy()) for name in params}
        return GradientResult(
            target="loss" if class_index is None else f"class:{class_index}",
            value=float(target), input=frozen(watched[0].numpy()),
            layers={name: frozen(gradient.numpy()) for name, gradient in zip(names, watched[1:])},
            parameters=parameters,
        )

    # -- weights and files ----------------------------------------------------------------------
    def get_weights(self) -> Weights:
        return {layer.name: {name: variable.numpy().copy() for name, variable in self._arrays(layer).items()}
                for layer in self.layers if self._arrays(layer)}

    def set_weights(self, weights: Weights) -> None:
        check_weights(weights, self.get_weights())
        for layer in self.layers:
            for name, variable in self._arrays(layer).items():
                variable.assign(np.asarray(weights[layer.name][name], dtype=np.float32))

    def _seed_generators(self) -> dict[str, object]:
        """The random streams of the layers that draw them (dropout), by layer name."""
        return {layer.name: layer.seed_generator for layer in self.layers
                if getattr(layer, "seed_generator", None) is not None}

    def training_state(self) -> dict[str, np.ndarray]:
        """Every optimizer variable (step count, learning rate, moments: ``optimizer/NNN``) and every
        dropout layer's random stream (``seed/<layer>``): with the weights, what continuing training
        where it stopped needs."""
        state = {f"optimizer/{index:03d}": np.array(variable.numpy())
                 for index, variable in enumerate(self.optimizer.variables)}
        state["optimizer_kind"] = json_array(type(self.optimizer).__name__)
        state.update({f"seed/{name}": np.array(generator.state.numpy())  # type: ignore[attr-defined]
                      for name, generator in self._seed_generators().items()})
        return state

    def set_training_state(self, state: dict[str, np.ndarray]) -> None:
        """Take back what :meth:`training_state` returned; everything is checked before anything changes
        (ValueError naming what does not fit)."""
        variables = list(self.optimizer.variables)
        saved = sorted(key for key in state if key.startswith("optimizer/"))
        kind = from_json_array(state["optimizer_kind"]) if "optimizer_kind" in state else None
        if kind != type(self.optimizer).__name__ or len(saved) != len(variables):
            raise ValueError(f"The saved optimizer state ({kind}, {len(saved)} variables) does not fit this "
                             f"model's {type(self.optimizer).__name__} ({len(variables)} variables).")
        for key, variable in zip(saved, variables):
            if tuple(state[key].shape) != tuple(variable.shape):
                raise ValueError(f"The saved optimizer variable {key} has shape {state[key].shape}, "
                                 f"expected {tuple(variable.shape)}.")
        for key, variable in zip(saved, variables):
            variable.assign(state[key])
        for name, generator in self._seed_generators().items():
            if f"seed/{name}" in state:
                generator.state.assign(state[f"seed/{name}"])  # type: ignore[attr-defined]

    def save(self, path: str | Path) -> Path:
        """Write the model as ``.keras`` (through a temporary file renamed into place)."""
        path = Path(path)
        if path.suffix != ".keras":
            path = path.with_name(path.name + ".keras")
        temporary = path.with_name(path.stem + ".tmp.keras")
        try:
            self.model.save(temporary)
            temporary.replace(path)
        finally:
            temporary.unlink(missing_ok=True)
        return path

    @classmethod
    def load(cls, path: str | Path) -> KerasEngine:
        """Open a ``.keras`` file in safe mode and check the viewers can serve it.

        Raises
        ------
        KerasModelError
            For an unreadable file, a Lambda or unknown custom layer, several inputs, a non-image
            input, or layers that do not form a chain.
        """
        path = Path(path)
        if not path.is_file():
            raise KerasModelError(f"There is no model file at {path}.")
        if not zipfile.is_zipfile(path):
            raise KerasModelError(f"{path.name} is not a .keras model archive (corrupt, truncated or "
                                  "another format).")
        try:
            check_keras_archive(path)
        except ArchiveError as error:
            raise KerasModelError(str(error)) from None
        try:
            model = keras.models.load_model(path, safe_mode=True, compile=False)
        except Exception as error:  # noqa: BLE001 - Keras raises many types; all mean "cannot open"
            raise KerasModelError(_load_failure_message(path, error)) from None
        return cls.from_model(model, source=path.name)

    @classmethod
    def from_model(cls, model: keras.Model, source: str = "the model") -> KerasEngine:
        """Wrap an existing Keras model after checking that it is a chain over one image input."""
        if len(model.inputs) != 1:
            raise KerasModelError(f"{source} has {len(model.inputs)} inputs; cnnviz inspects models "
                                  "with one image input.")
        shape = tuple(model.inputs[0].shape[1:])
        if len(shape) != 3 or any(size is None for size in shape):
            raise KerasModelError(f"{source} takes inputs of shape {shape}; cnnviz inspects models whose "
                                  "input is one image (height, width, channels) of a fixed size.")
        if len(model.outputs) != 1 or len(model.outputs[0].shape) != 2:
            raise KerasModelError(f"{source} must have one output of class scores (batch, classes).")
        for layer in chain_layers(model):
            if isinstance(layer, keras.layers.Lambda):
                raise KerasModelError(f"{source} contains the Lambda layer {layer.name!r}; it would run "
                                      "arbitrary code, so cnnviz refuses it.")
        engine = cls(config_from_model(model), model=model)
        probe = np.random.default_rng(0).random((2, *shape), dtype=np.float32)
        expected = model(probe, training=False).numpy()
        try:
            outputs, _ = engine._chain(tf.constant(probe), training=False)
            chained = outputs[-1].numpy()
        except (ValueError, TypeError, tf.errors.InvalidArgumentError):
            chained = None
        if chained is None or chained.shape != expected.shape or not np.allclose(
                chained, expected, rtol=1e-4, atol=1e-5):
            raise KerasModelError(f"{source} is not a simple chain of layers (it branches or merges); "
                                  "cnnviz inspects models whose layers run one after another.")
        return engine


def _load_failure_message(path: Path, error: Exception) -> str:
    text = str(error)
    if "lambda" in text.lower() or "safe_mode" in text:
        return (f"{path.name} contains a Lambda layer (code stored in the file). cnnviz opens models in "
                "safe mode and never runs such code; rebuild the model without Lambda layers.")
    if "Could not locate" in text or "custom" in text.lower():
        return (f"{path.name} uses a custom layer or object that cnnviz does not know ({text.splitlines()[0]}). "
                "Only models made of Keras's built-in layers can be opened.")
    return f"{path.name} could not be opened as a Keras model: {text.splitlines()[0] if text else error!r}"
