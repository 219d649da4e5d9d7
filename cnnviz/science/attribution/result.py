"""What every attribution method returns (:class:`AttributionMap`), and what they share: the
one-image check, the class choice and the rule that turns per-channel values into one map."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from cnnviz.core.checks import require_index
from cnnviz.core.results import frozen
from cnnviz.engines.base import Engine, as_batch


def class_gradients(engine: Engine, images: np.ndarray, class_index: int):
    """The gradients of class ``class_index``'s logit for a batch (a
    :class:`~cnnviz.core.results.GradientResult`): the engine's optional ``logit_gradients``, which skips
    the parameters' gradients no map needs, where it has one, else ``engine.gradients``."""
    fast = getattr(engine, "logit_gradients", None)
    return fast(images, class_index) if fast is not None else engine.gradients(images, class_index=class_index)


class AttributionUnavailable(ValueError):
    """The engine or model cannot compute the method asked for (for example guided backpropagation
    on an engine that offers no guided gradients); the message says why and what to use instead."""


@dataclass(frozen=True)
class AttributionMap:
    """One attribution map for one image and one class.

    Attributes
    ----------
    method : str
        The method's registry name (``"gradient"``, ``"grad-cam"`` ...; see :mod:`.methods`).
    class_index : int
        The class whose logit (or probability, for occlusion) is explained.
    map : ndarray, shape (h, w), float32, read-only
        The attribution at each input pixel.
    channels : ndarray, shape (h, w, c), or None
        Per input channel, where the method has them (gradient-based methods); None otherwise.
    signed : bool
        Whether ``map`` has meaningful negative values (drawn with a diverging scale) or is
        non-negative (a sequential scale from zero).
    legend : str
        One sentence saying what the colours mean.
    parameters : mapping
        The settings the map was computed with (layer, samples, steps, baseline ...), read-only.
    coarse : ndarray or None
        Grad-CAM's map at the layer's own resolution, before upsampling.
    notes : str
        A check the method makes on itself (Integrated Gradients' completeness gap), or empty.
    """

    method: str
    class_index: int
    map: np.ndarray
    channels: np.ndarray | None
    signed: bool
    legend: str
    parameters: Mapping[str, object] = field(default_factory=dict)
    coarse: np.ndarray | None = None
    notes: str = ""

    @property
    def title(self) -> str:
        """The method and its class, in a few words."""
        return f"{self.method} for class {self.class_index}"

    @property
    def settings_text(self) -> str:
        """The settings, as ``"layer conv2d, upsampling bilinear"`` (empty when there are none)."""
        return ", ".join(f"{name} {value}" for name, value in self.parameters.items())


def make_result(method: str, class_index: int, attribution: np.ndarray, channels: np.ndarray | None, *,
                signed: bool, legend: str, parameters: dict | None = None, coarse: np.ndarray | None = None,
                notes: str = "") -> AttributionMap:
    """Build an :class:`AttributionMap` with read-only float32 copies of the arrays."""
    def copy(array):
        return None if array is None else frozen(np.array(array, dtype=np.float32))

    return AttributionMap(method, int(class_index), copy(attribution), copy(channels), signed, legend,
                          MappingProxyType(dict(parameters or {})), copy(coarse), notes)


def one_image(engine: Engine, image: np.ndarray) -> np.ndarray:
    """``image`` as a batch of one, shape (1, h, w, c) float32, checked against the model's input.

    Raises
    ------
    ValueError
        For a batch of more than one image, or a shape the model does not take.
    """
    batch = as_batch(image, engine.input_shape)
    if len(batch) != 1:
        raise ValueError(f"An attribution map explains one image; received a batch of {len(batch)}. "
                         "Pass images one at a time.")
    return batch


def choose_class(engine: Engine, batch: np.ndarray, class_index: int | None) -> int:
    """``class_index`` checked against the model's classes, or the predicted class when None."""
    config = engine.config
    units = getattr(config.layers[-1], "units", None) if config is not None and config.layers else None
    if class_index is not None and units is not None:
        # The output layer's units, known without a forward pass.
        return require_index(class_index, int(units), "class_index")
    probabilities = engine.predict(batch)
    if class_index is None:
        return int(np.argmax(probabilities[0]))
    return require_index(class_index, probabilities.shape[1], "class_index")


def reduce_channels(values: np.ndarray, rule: str) -> np.ndarray:
    """One value per pixel from per-channel values ``(..., h, w, c)``: ``"sum"`` (signed, so that
    attributions still add up) or ``"max-abs"`` (the largest magnitude, as Simonyan et al. show
    saliency)."""
    if rule == "sum":
        return values.sum(axis=-1)
    if rule == "max-abs":
        return np.abs(values).max(axis=-1)
    raise ValueError(f"Unknown channel rule {rule!r}; expected 'sum' or 'max-abs'.")


def positive_number(value, what: str) -> float:
    """``value`` as a float after checking it is finite and positive (ValueError otherwise)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not (np.isfinite(number) and number > 0):
        raise ValueError(f"{what} must be a positive number, received {value!r}.")
    return number


def input_range(image: np.ndarray) -> float:
    """The spread (max - min) of an image's values; 1.0 for a constant image, so that noise and
    fills scaled by it stay meaningful."""
    spread = float(np.max(image) - np.min(image))
    return spread if spread > 0 else 1.0
