"""The engine contract both engines follow, and the training loop they share.

An engine builds a network from a :class:`~cnnviz.core.config.ModelConfig` and
offers: a per-batch training step, prediction and evaluation in batches,
every layer's output, the kernels, gradients, weights in the exchange form
(``{layer: {"kernel", "bias"}}``) and save/load. :func:`train_epochs` turns the
step into a generator of :class:`StepResult` and :class:`EpochResult`, so a
caller can stream progress, pause or stop between batches.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from cnnviz.core.checks import require_positive_int
from cnnviz.core.config import ModelConfig, TrainingConfig
from cnnviz.core.layer_graph import LayerGraph
from cnnviz.core.results import EpochResult, GradientResult, StepResult, Weights


@runtime_checkable
class Engine(Protocol):
    """What every engine offers. Arrays are NHWC float32; labels are integer class indices.

    The model service, the runner, the command line and the science analyses call an engine only
    through these members; ``tests/engines/test_contract.py`` checks that both engines have every
    one of them with compatible parameters, and mypy checks the types where the registry returns
    an engine as an :class:`Engine`.

    Attributes
    ----------
    name : str
        The engine's registry name (``"numpy"``, ``"keras"``).
    config : ModelConfig or None
        The configuration the model was built from; None for a foreign model that no cnnviz
        configuration describes (it can be inspected but not trained). Read-only here: an engine
        changes it itself (:meth:`set_training`).
    learning_rate : float
        The optimizer's current learning rate; settable between batches.
    """

    name: str
    learning_rate: float

    @property
    def config(self) -> ModelConfig | None:
        """The configuration the model was built from (None for a foreign model)."""
        ...

    @property
    def device(self) -> str:
        """Where the engine computes, in words (``"CPU, 2 threads"``, ``"2 × GPU, MirroredStrategy"``)."""
        ...

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """``(height, width, channels)`` of one input image; batches are ``(n, *input_shape)``."""
        ...

    def layer_names(self) -> list[str]:
        """Layer names in network order, as in the configuration (a topological order for a graph;
        a layer inside a nested model as ``model/layer``)."""
        ...

    def layer_graph(self) -> LayerGraph:
        """The layers in :meth:`layer_names` order with their class, output shape, parameter counts,
        inputs and branch label (:mod:`cnnviz.core.layer_graph`)."""
        ...

    def set_training(self, training: TrainingConfig) -> None:
        """Use other training settings from now on, keeping the weights."""
        ...

    def train_step(self, images: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        """One optimizer step on a batch; its (loss, accuracy) with dropout active."""
        ...

    def predict(self, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Class probabilities, shape (n, classes), computed in batches."""
        ...

    def evaluate(self, images: np.ndarray, labels: np.ndarray, batch_size: int = 256) -> tuple[float, float]:
        """Mean cross-entropy and accuracy over a dataset, computed in batches."""
        ...

    def feature_maps(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """Every layer's output for a batch (inference mode), keyed by layer name; read-only arrays."""
        ...

    def kernels(self) -> dict[str, np.ndarray]:
        """Each convolution layer's kernel, shape (kh, kw, in, out), keyed by layer name."""
        ...

    def gradients(self, images: np.ndarray, labels: np.ndarray | None = None,
                  class_index: int | None = None) -> GradientResult:
        """Gradients of the loss of ``labels`` (default: the predicted classes), or of the logit of
        class ``class_index``, with respect to the input, every layer's output and every parameter."""
        ...

    def get_weights(self) -> Weights:
        """A copy of every parameter in the exchange form ``{layer: {"kernel", "bias"}}``."""
        ...

    def set_weights(self, weights: Weights) -> None:
        """Replace every parameter; all are checked before any is changed (ValueError otherwise)."""
        ...

    def training_state(self) -> dict[str, np.ndarray]:
        """What continuing training exactly where it stopped needs besides the weights: the optimizer's
        step count and moments, the dropout random streams (plain arrays, no pickles)."""
        ...

    def set_training_state(self, state: dict[str, np.ndarray]) -> None:
        """Take back what :meth:`training_state` returned (ValueError when it does not fit)."""
        ...

    def save(self, path: str | Path) -> Path:
        """Write the model to ``path`` (the engine's suffix added when missing) through a temporary
        file renamed into place; returns the path written."""
        ...

    @classmethod
    def load(cls, path: str | Path) -> Engine:
        """Open a model file that :meth:`save` wrote (ValueError with the reason when it cannot)."""
        ...


def as_batch(images: np.ndarray, input_shape: tuple[int, int, int]) -> np.ndarray:
    """Check a batch against the model's input shape and return it as C-contiguous float32.

    Accepts ``(n, h, w, c)`` or a single ``(h, w, c)`` / ``(h, w)`` image.
    """
    images = np.asarray(images)
    if images.ndim == 2 and input_shape[-1] == 1:
        images = images[None, :, :, None]
    elif images.ndim == 3 and images.shape == tuple(input_shape):
        images = images[None]
    if images.ndim != 4 or images.shape[1:] != tuple(input_shape):
        raise ValueError(f"The model takes images of shape {tuple(input_shape)} (batches "
                         f"(n, {', '.join(map(str, input_shape))})), received an array of shape "
                         f"{images.shape}. Preprocess the image to the model's input size first.")
    return np.ascontiguousarray(images, dtype=np.float32)


def check_labels(labels, count: int, num_classes: int) -> np.ndarray:
    """Return ``labels`` as int64 after checking they are ``count`` class indices in [0, num_classes)."""
    array = np.asarray(labels)
    valid = (array.shape == (count,) and (count == 0 or (
        np.issubdtype(array.dtype, np.integer) and array.min() >= 0 and array.max() < num_classes)))
    if not valid:
        raise ValueError(f"labels must be {count} class indices in [0, {num_classes}) as integers, received "
                         f"an array of shape {array.shape} and dtype {array.dtype}"
                         + (f" with values from {array.min()} to {array.max()}" if array.size else "") + ".")
    return array.astype(np.int64, copy=False)


def check_batch_size(batch_size: object) -> None:
    """Raise a ValueError unless ``batch_size`` is a positive integer."""
    require_positive_int(batch_size, "batch_size")


def batch_indices(num_samples: int, batch_size: int, rng: np.random.Generator | None) -> list[np.ndarray]:
    """Indices of each batch of an epoch, shuffled by ``rng`` (in order when ``rng`` is None)."""
    order = rng.permutation(num_samples) if rng is not None else np.arange(num_samples)
    return [order[start:start + batch_size] for start in range(0, num_samples, batch_size)]


def train_epochs(engine: Engine, images: np.ndarray, labels: np.ndarray,
                 validation: tuple[np.ndarray, np.ndarray] | None = None, *,
                 epochs: int, batch_size: int, seed: int = 0,
                 first_epoch: int = 0, rng: np.random.Generator | None = None,
                 max_steps: int | None = None) -> Iterator[StepResult | EpochResult]:
    """Train ``engine`` batch by batch, yielding a :class:`StepResult` after every batch and an
    :class:`EpochResult` after every epoch.

    Parameters
    ----------
    images : ndarray, shape (n, h, w, c), float32
    labels : ndarray, shape (n,), integer
    validation : (images, labels) or None
    epochs, batch_size : int
    seed : int
        Seeds the shuffling of every epoch; the same seed gives the same batches.
    first_epoch : int
        Number of the first epoch (to continue a run).
    rng : numpy.random.Generator, optional
        The generator that shuffles each epoch (default: one seeded with ``seed``). A caller that
        keeps its state after every epoch can continue a run with the batches a straight run gets.
    max_steps : int, optional
        Stop after this many batches in all (a configuration's ``iterations``); the epoch it ends in
        is then partial, and its :class:`EpochResult` averages the batches it took.
    """
    if len(images) != len(labels):
        raise ValueError(f"Got {len(images)} images but {len(labels)} labels; they must match.")
    if len(images) == 0:
        raise ValueError("There are no training images; choose a larger training subset.")
    rng = np.random.default_rng(seed) if rng is None else rng
    start = time.perf_counter()
    if max_steps is not None and max_steps < 1:
        raise ValueError(f"max_steps must be a positive number of batches or None, received {max_steps}.")
    samples_seen = 0
    steps_left = max_steps if max_steps is not None else -1
    for epoch in range(first_epoch, first_epoch + epochs):
        if steps_left == 0:
            break
        batches = batch_indices(len(images), batch_size, rng)
        loss_sum = correct_sum = 0.0
        epoch_samples = 0
        for batch, indices in enumerate(batches):
            if steps_left == 0:
                break
            steps_left -= 1
            loss, accuracy = engine.train_step(images[indices], labels[indices])
            samples_seen += len(indices)
            epoch_samples += len(indices)
            loss_sum += loss * len(indices)
            correct_sum += accuracy * len(indices)
            yield StepResult(epoch, batch, len(batches), loss, accuracy, samples_seen,
                             time.perf_counter() - start, engine.learning_rate)
        val_loss = val_accuracy = None
        if validation is not None and len(validation[0]):
            val_loss, val_accuracy = engine.evaluate(*validation)
        yield EpochResult(epoch, first_epoch + epochs, loss_sum / epoch_samples, correct_sum / epoch_samples,
                          val_loss, val_accuracy, samples_seen, time.perf_counter() - start)
