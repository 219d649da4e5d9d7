"""The Keras engine behind the engine contract.

Training runs one compiled ``tf.function`` step per batch (so the shared loop can
stream, pause and stop between batches). Introspection runs the model's layers one
by one inside a ``tf.GradientTape``, which gives every layer's output and the
gradient of the loss — or of one class's logit — with respect to the input, each
layer's output and every parameter, in the same form as the NumPy engine.

Models trained elsewhere open with ``safe_mode=True`` (Keras then refuses to
deserialize Lambda layers, so no code from the file runs), and are accepted when
they take one image and give class scores. Their graph may branch and merge and
hold nested models: :mod:`.graph` opens it up into one list of layer calls, so every
layer, nested ones included, has a feature map, a gradient and its kernels
(:mod:`.kernels`).
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from cnnviz.core.checkpoints import from_json_array, json_array
from cnnviz.core.checks import require_index
from cnnviz.core.config import ModelConfig, TrainingConfig
from cnnviz.core.layer_graph import LayerGraph, config_graph
from cnnviz.core.results import GradientResult, Weights, frozen
from cnnviz.core.safe_zip import ArchiveError, check_keras_archive
from cnnviz.core.validation import check_seed, validate
from cnnviz.core.weights import check_weights
from cnnviz.engines.base import as_batch, check_batch_size, check_labels
from cnnviz.engines.devices import DevicePlan
from cnnviz.engines.keras_engine.acceptance import KerasModelError, check_servable, load_failure_message
from cnnviz.engines.keras_engine.builder import build_model, chain_layers, config_from_model, make_optimizer
from cnnviz.engines.keras_engine.graph import call_step, describe_graph, plan_graph, run_graph
from cnnviz.engines.keras_engine.input_gradients import InputGradientMembers
from cnnviz.engines.keras_engine.kernels import layer_kernels, layer_parameters
from cnnviz.engines.keras_engine.strategy import default_plan, plan_and_strategy


class KerasEngine(InputGradientMembers):
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
                 model: keras.Model | None = None, devices: object = None,
                 placement: tuple[DevicePlan, tf.distribute.Strategy] | None = None):
        if model is None:
            if config is None:
                raise ValueError("KerasEngine needs a configuration or a model.")
            validate(config)
            seed = check_seed(config.training.seed if seed is None else seed)
            placement = plan_and_strategy(devices)
            keras.utils.set_random_seed(seed)
            with placement[1].scope():
                model = build_model(config, seed)
        elif placement is None:  # a model made outside any strategy lives where TensorFlow put it
            placement = (default_plan(), tf.distribute.get_strategy())
        self.device_plan, self._strategy = placement
        self.model = model
        self.config = config
        self.graph = plan_graph(model)
        self._is_chain = (self.graph.is_chain()
                          and [step.name for step in self.graph.steps] == [layer.name for layer in chain_layers(model)])
        self.steps = self.graph.steps
        self.layers = chain_layers(model) if self._is_chain else [step.layer for step in self.steps]
        self._owners = self.graph.owners()
        self._layer_graph: LayerGraph | None = None
        # A graph model's last inspection: (input digest, feature maps, probabilities), so the
        # feature maps and prediction asked for the same input next need no second pass.
        self._recent: tuple | None = None
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
        self._new_optimizer(config.training if config is not None else None)
        signature = [tf.TensorSpec((None, *self.input_shape), tf.float32)]
        self._predict_fn = tf.function(self._predict_graph, input_signature=signature)
        self._inspect_fn = tf.function(self._inspect_graph, input_signature=[
            *signature, tf.TensorSpec((None,), tf.int64), tf.TensorSpec((), tf.int32)])
        self._maps_fn = tf.function(self._maps_graph, input_signature=signature)
        self._guided_fn: Any = None  # traced on first use
        self._unit_fns: dict[int, Callable] = {}

    # -- description ---------------------------------------------------------------------------
    def layer_names(self) -> list[str]:
        """Every layer in graph order; a layer inside a nested model as ``model/layer``."""
        return [step.name for step in self.steps] if not self._is_chain else [layer.name for layer in self.layers]

    def layer_graph(self) -> LayerGraph:
        """The layers in :meth:`layer_names` order with their class, output shape, parameters, inputs
        and branch label (:mod:`cnnviz.core.layer_graph`)."""
        if self._layer_graph is None:
            self._layer_graph = (config_graph(self.config, self.graph.input_name)
                                 if self.config is not None else describe_graph(self.graph))
        return self._layer_graph

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
            self._new_optimizer(training)
        else:
            self.learning_rate = training.learning_rate

    @property
    def device(self) -> str:
        """Where the model trains, in words: ``"CPU"``, ``"1 × NVIDIA H200"``,
        ``"2 × GPU, MirroredStrategy"`` (:mod:`cnnviz.engines.devices`)."""
        return self.device_plan.description

    def _new_optimizer(self, training: TrainingConfig | None) -> None:
        """A fresh optimizer, its variables made under the strategy, and the training step that uses it."""
        with self._strategy.scope():
            self.optimizer = make_optimizer(training) if training is not None else keras.optimizers.Adam()
            self.optimizer.build(self.model.trainable_variables)
        signature = [tf.TensorSpec((None, *self.input_shape), tf.float32), tf.TensorSpec((None,), tf.int64)]
        if self.device_plan.strategy == "default":
            self._train_fn = tf.function(self._train_graph, input_signature=signature)
        else:
            self._train_fn = tf.function(self._distributed_train_graph, reduce_retracing=True)

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

    def _run(self, images, training: bool, wrap=None):
        """Every layer's output and the logits, as :meth:`_chain` gives them; a model that is not a
        chain, or a pass with ``wrap`` (see :func:`.graph.run_graph`), runs step by step over its graph."""
        if self._is_chain and wrap is None:
            return self._chain(images, training)
        outputs, values = run_graph(self.graph, images, training, until=len(self.steps) - 1, wrap=wrap)
        last = self.steps[-1]
        if self._output_is_softmax:
            logits = tf.matmul(values[last.input_keys[0]], last.layer.kernel)
            if last.layer.bias is not None:
                logits = logits + last.layer.bias
            outputs.append(tf.nn.softmax(logits))
        elif self._softmax_layer_last:
            logits = values[last.input_keys[0]]
            outputs.append(tf.nn.softmax(logits))
        else:
            logits = call_step(last, values, training)
            outputs.append(logits)
        return outputs, logits

    def _maps_graph(self, images):
        return self._run(images, training=False)[0]

    def _train_graph(self, images, labels):
        with tf.GradientTape() as tape:
            outputs, logits = self._run(images, training=True)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        variables = self.model.trainable_variables
        gradients = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(gradients, variables))
        correct = tf.equal(tf.argmax(logits, axis=1), labels)
        return loss, tf.reduce_mean(tf.cast(correct, tf.float32))

    def _replica_train_graph(self, images, labels, batch_size):
        """One replica's part of a step: the loss summed over its images divided by the whole batch's
        size, so the strategy's sum of the replicas' gradients is the whole batch's mean gradient."""
        with tf.GradientTape() as tape:
            outputs, logits = self._run(images, training=True)
            loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
            loss = loss / tf.cast(batch_size, tf.float32)
        variables = self.model.trainable_variables
        gradients = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(gradients, variables))
        correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(logits, axis=1), labels), tf.float32))
        return loss, correct

    def _distributed_train_graph(self, images, labels, batch_size):
        loss, correct = self._strategy.run(self._replica_train_graph, args=(images, labels, batch_size))
        total = self._strategy.reduce(tf.distribute.ReduceOp.SUM, loss, axis=None)
        correct = self._strategy.reduce(tf.distribute.ReduceOp.SUM, correct, axis=None)
        return total, correct / tf.cast(batch_size, tf.float32)

    def _distributed_step(self, images: np.ndarray, labels: np.ndarray):
        """Split the batch between the replicas (the configured batch is the global batch) and train."""
        parts = np.array_split(np.arange(len(images)), self._strategy.num_replicas_in_sync)

        def share(array: np.ndarray):
            return self._strategy.experimental_distribute_values_from_function(
                lambda context: tf.constant(array[parts[context.replica_id_in_sync_group]]))

        return self._train_fn(share(images), share(labels), tf.constant(len(images), tf.int32))

    def _predict_graph(self, images):
        outputs, logits = self._run(images, training=False)
        return tf.nn.softmax(logits)

    def _inspect_graph(self, images, labels, class_index):
        with tf.GradientTape(persistent=False) as tape:
            tape.watch(images)
            outputs, logits = self._run(images, training=False)
            if_class = tf.reduce_sum(tf.gather(logits, tf.maximum(class_index, 0), axis=1))
            # A negative label stands for the predicted class.
            labels = tf.where(labels >= 0, labels, tf.argmax(logits, axis=1))
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
            target = tf.where(class_index >= 0, if_class, loss)
        watched = [images, *outputs[:-1], logits]
        variables = [weight for _, layer in self._owners for weight in self._params(layer).values()]
        gradients = tape.gradient(target, watched + variables,
                                  unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return target, outputs, gradients[:len(watched)], gradients[len(watched):], tf.nn.softmax(logits)

    @staticmethod
    def _params(layer) -> dict:
        """The layer's trained variables by exchange-form name (:func:`.kernels.layer_parameters`)."""
        return layer_parameters(layer)

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
        self._recent = None
        if self.device_plan.strategy == "default":
            loss, accuracy = self._train_fn(images, labels)
        else:
            loss, accuracy = self._distributed_step(images, labels)
        return float(loss), float(accuracy)

    @property
    def num_classes(self) -> int:
        return int(self.model.outputs[0].shape[-1])

    def predict(self, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
        images = as_batch(images, self.input_shape)
        check_batch_size(batch_size)
        recent = self._recent_result(images)
        if recent is not None:
            return np.array(recent[1])
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
        recent = self._recent_result(images)
        if recent is not None:
            return dict(recent[0])
        if self._is_chain:
            outputs, _ = self._chain(tf.constant(images), training=False)
        else:
            outputs = self._maps_fn(images)
        return {name: frozen(output.numpy()) for name, output in zip(self.layer_names(), outputs)}

    def kernels(self) -> dict[str, np.ndarray]:
        """Each convolution's kernels ``(kh, kw, in, out)`` by layer name; a depthwise kernel as
        ``(kh, kw, 1, channels * multiplier)``, a separable convolution's two as ``<layer>:depthwise``
        and ``<layer>:pointwise`` (:func:`.kernels.layer_kernels`)."""
        kernels: dict[str, np.ndarray] = {}
        for name, layer in self._owners:
            kernels.update(layer_kernels(name, layer))
        return kernels

    def gradients(self, images: np.ndarray, labels: np.ndarray | None = None,
                  class_index: int | None = None) -> GradientResult:
        images = as_batch(images, self.input_shape)
        num_classes = self.num_classes
        if class_index is not None:
            class_index = require_index(class_index, num_classes, "class_index")
        if labels is None and not self._is_chain:
            labels = np.full(len(images), -1, np.int64)  # the predicted classes, found in the same pass
        else:
            if labels is None:
                labels = self.predict(images).argmax(axis=1)
            labels = check_labels(labels, len(images), num_classes)
        target, outputs, watched, parameter_gradients, probabilities = self._inspect_fn(
            images, labels, tf.constant(-1 if class_index is None else class_index, tf.int32))
        names = self.layer_names()
        if not self._is_chain:
            maps = {name: frozen(output.numpy()) for name, output in zip(names, outputs)}
            self._recent = (_digest(images), maps, frozen(probabilities.numpy()))
        parameters: Weights = {}
        flat = iter(parameter_gradients)
        for layer_name, layer in self._owners:
            params = self._params(layer)
            if params:
                parameters[layer_name] = {name: frozen(next(flat).numpy()) for name in params}
        return GradientResult(
            target="loss" if class_index is None else f"class:{class_index}",
            value=float(target), input=frozen(watched[0].numpy()),
            layers={name: frozen(gradient.numpy()) for name, gradient in zip(names, watched[1:])},
            parameters=parameters,
        )

    def _recent_result(self, images: np.ndarray) -> tuple | None:
        """(feature maps, probabilities) of the last inspection if it was of ``images``."""
        if self._recent is None or self._recent[0] != _digest(images):
            return None
        return self._recent[1:]

    # -- weights and files ----------------------------------------------------------------------
    def get_weights(self) -> Weights:
        return {name: {key: variable.numpy().copy() for key, variable in self._arrays(layer).items()}
                for name, layer in self._owners if self._arrays(layer)}

    def set_weights(self, weights: Weights) -> None:
        check_weights(weights, self.get_weights())
        self._recent = None
        for layer_name, layer in self._owners:
            for name, variable in self._arrays(layer).items():
                variable.assign(np.asarray(weights[layer_name][name], dtype=np.float32))

    def _seed_generators(self) -> dict[str, object]:
        """The random streams of the layers that draw them (dropout), by layer name."""
        return {name: layer.seed_generator for name, layer in self._owners
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
        placement = plan_and_strategy()
        try:
            with placement[1].scope():
                model = keras.models.load_model(path, safe_mode=True, compile=False)
        except Exception as error:  # noqa: BLE001 - Keras raises many types; all mean "cannot open"
            raise KerasModelError(load_failure_message(path, error)) from None
        return cls.from_model(model, source=path.name, placement=placement)

    @classmethod
    def from_model(cls, model: keras.Model, source: str = "the model", *,
                   placement: tuple[DevicePlan, tf.distribute.Strategy] | None = None) -> KerasEngine:
        """Wrap an existing Keras model after checking that the viewers can serve it: one image input
        (height, width, 1 or 3 channels), one output of class scores, built-in layers whose graph
        (branches, merges, nested models) runs layer by layer to the model's own result."""
        graph = check_servable(model, source)
        shape = tuple(model.inputs[0].shape[1:])
        config = config_from_model(model) if graph.is_chain() else None
        engine = cls(config, model=model, placement=placement)
        probe = np.random.default_rng(0).random((2, *shape), dtype=np.float32)
        expected = model(probe, training=False).numpy()
        try:
            outputs, _ = engine._run(tf.constant(probe), training=False)
            stepped = outputs[-1].numpy()
        except (ValueError, TypeError, tf.errors.InvalidArgumentError):
            stepped = None
        if stepped is None or stepped.shape != expected.shape or not np.allclose(
                stepped, expected, rtol=1e-4, atol=1e-5):
            raise KerasModelError(f"{source} does not give its own result when its layers run one by one "
                                  "(a layer's call depends on more than its inputs); cnnviz cannot inspect it.")
        return engine


def _digest(images: np.ndarray) -> tuple:
    return images.shape, hashlib.blake2b(np.ascontiguousarray(images).data, digest_size=16).digest()
