"""Activation maximization: gradient ascent on the input for one or many units at once.

Each step: the parameterization gives the image; a random small warp (jitter, rotation, scaling) is
applied; the engine gives the unit's objective and its gradient at the warped image; the warp's
adjoint takes the gradient back to the image, where it is divided by its root mean square (per image:
a filter's mean over hundreds of positions and a logit differ by orders of magnitude in scale, and
the regularizers' weights are meant in one unit); the regularizers' gradients are added (L2 decay
towards the middle of the range, total variation); the parameterization takes it to its parameters
and Adam climbs one step. An image whose unit is inactive everywhere (a ReLU's zero gradient) is
drawn afresh during the first quarter of the steps. Every ``blur_every`` steps the image is blurred
(Yosinski et al. 2015). Image ``i`` of the batch maximizes unit ``units[i]``; the images are
independent (the objective is a sum of one term per image), so a whole layer is visualized in one
batch.

:func:`visualize_steps` is a generator of :class:`Progress` (the caller shows the image evolving or
stops between steps); :func:`visualize` runs it to the end and returns a :class:`FeatureVisResult`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass

import numpy as np

from cnnviz.core.results import frozen
from cnnviz.engines.base import Engine
from cnnviz.science.feature_vis.image_ops import Warp, total_variation
from cnnviz.science.feature_vis.objective import (
    POSITIONS,
    check_units,
    direction,
    layer_shape,
    objective_gradient,
    unit_peaks,
)
from cnnviz.science.feature_vis.parameterization import PARAMETERIZATIONS, FourierImage, PixelImage


@dataclass(frozen=True)
class Settings:
    """How the input is optimized; every regularizer is off at zero.

    Attributes
    ----------
    steps : int
    learning_rate : float
        Adam's step size.
    parameterization : ``"pixels"`` or ``"fourier"``
    decay : float
        The Fourier parameterization's spectrum exponent (1: ``1/f``).
    l2 : float
        Weight of ``½ ||x - middle||²`` (L2 decay towards the middle of the range).
    total_variation : float
        Weight of the total variation.
    jitter : int
        Largest random shift, in pixels.
    rotation : float
        Largest random rotation, in degrees.
    scaling : float
        Largest relative random scaling (0.1: from 0.9 to 1.1).
    blur_sigma : float
        Gaussian blur's σ in pixels, applied every ``blur_every`` steps (0: off).
    blur_every : int
    position : ``"channel"`` or ``"neuron"``
        A filter's objective: its mean over positions, or its centre value.
    bounded : bool
        Keep the image in the model's input range (clipped pixels, or a sigmoid in the Fourier
        parameterization); otherwise only the regularizers keep it finite and it may leave the range.
    seed : int
    """

    steps: int = 256
    learning_rate: float = 0.05
    parameterization: str = "pixels"
    decay: float = 1.0
    l2: float = 0.5
    total_variation: float = 0.0
    jitter: int = 1
    rotation: float = 0.0
    scaling: float = 0.0
    blur_sigma: float = 0.0
    blur_every: int = 4
    position: str = "channel"
    bounded: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if self.parameterization not in PARAMETERIZATIONS:
            raise ValueError(f"The parameterization must be one of {', '.join(PARAMETERIZATIONS)}, received "
                             f"{self.parameterization!r}.")
        if self.position not in POSITIONS:
            raise ValueError(f"The objective must be one of {', '.join(POSITIONS)}, received {self.position!r}.")
        for name in ("steps", "blur_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, received {value!r}.")
        if isinstance(self.jitter, bool) or not isinstance(self.jitter, int) or self.jitter < 0:
            raise ValueError(f"jitter must be a whole number of pixels, 0 or more, received {self.jitter!r}.")
        for name in ("learning_rate", "decay", "l2", "total_variation", "rotation", "scaling", "blur_sigma"):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0 or (name == "learning_rate" and value == 0):
                raise ValueError(f"{name} must be a finite number of at least 0 (the learning rate above 0), "
                                 f"received {value!r}.")
        if self.scaling >= 1:
            raise ValueError(f"scaling must be below 1 (0.1 scales by 0.9 to 1.1), received {self.scaling!r}.")

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, eq=False)
class Progress:
    """One step's state: the images (n, h, w, c) and each one's objective value."""

    step: int
    num_steps: int
    images: np.ndarray
    values: np.ndarray


@dataclass(frozen=True, eq=False)
class FeatureVisResult:
    """Optimized inputs, one per unit, and what they reach (read-only arrays).

    Attributes
    ----------
    layer : str
    units : tuple of int
    images : ndarray, shape (n, h, w, c), the model's input shape
    values : ndarray, shape (n,): each objective at the optimized image, unwarped
    peaks : ndarray, shape (n,): each unit's largest value over positions at the optimized image
    history : ndarray, shape (steps, n): the objective at every step (at the warped image)
    settings : Settings
    """

    layer: str
    units: tuple[int, ...]
    images: np.ndarray
    values: np.ndarray
    peaks: np.ndarray
    history: np.ndarray
    settings: Settings


class _Adam:
    """Adam (Kingma & Ba 2015) ascending: ``params += lr · m̂ / (sqrt(v̂) + ε)``."""

    def __init__(self, learning_rate: float):
        self.learning_rate = learning_rate
        self.first: np.ndarray | float = 0.0
        self.second: np.ndarray | float = 0.0
        self.count = 0

    def step(self, params: np.ndarray, gradient: np.ndarray) -> None:
        self.count += 1
        self.first = 0.9 * self.first + 0.1 * gradient
        self.second = 0.999 * self.second + 0.001 * gradient * gradient
        first = self.first / (1 - 0.9 ** self.count)
        second = self.second / (1 - 0.999 ** self.count)
        params += (self.learning_rate * first / (np.sqrt(second) + 1e-8)).astype(params.dtype)


def visualize_steps(engine: Engine, layer: str, units, settings: Settings = Settings(),
                    value_range: tuple[float, float] = (0.0, 1.0)) -> Iterator[Progress | FeatureVisResult]:
    """Optimize one input per unit of ``layer``; yields :class:`Progress` after every step and the
    :class:`FeatureVisResult` last.

    Parameters
    ----------
    engine : Engine
    layer : str
    units : iterable of int
        The filters (channels), dense units or classes; image ``i`` maximizes ``units[i]``.
    settings : Settings
    value_range : (low, high)
        The range of the model's inputs (the bundled datasets' is 0 to 1).
    """
    low, high = (float(value) for value in value_range)
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"The input range must be two finite numbers, low below high, received {value_range!r}.")
    shape = layer_shape(engine, layer)
    units = check_units(list(units), shape[-1], layer)
    seed = direction(shape, units, settings.position)
    height, width, channels = engine.input_shape
    rng = np.random.default_rng(settings.seed)
    batch_shape = (len(units), height, width, channels)
    image: PixelImage | FourierImage
    if settings.parameterization == "fourier":
        image = FourierImage(batch_shape, (low, high), rng, settings.decay, settings.bounded)
    else:
        image = PixelImage(batch_shape, (low, high), rng, settings.bounded)
    adam = _Adam(settings.learning_rate)
    middle = (low + high) / 2
    history = np.zeros((settings.steps, len(units)), np.float32)
    pixels = image.image()
    for step in range(settings.steps):
        warp = Warp.random((height, width), rng, settings.jitter, settings.rotation, settings.scaling)
        values, _, gradient = objective_gradient(engine, warp.apply(pixels), layer, seed, units)
        history[step] = values
        gradient = warp.adjoint(gradient)
        size = np.sqrt((gradient.reshape(len(units), -1).astype(np.float64) ** 2).mean(axis=1))
        dead = size == 0
        if dead.any() and step < settings.steps // 4:
            image.restart(np.flatnonzero(dead))  # this step only draws them afresh
        else:
            gradient /= np.where(dead, 1.0, size).astype(np.float32)[:, None, None, None]
            if settings.l2:
                gradient -= settings.l2 * (pixels - middle)
            if settings.total_variation:
                gradient -= settings.total_variation * total_variation(pixels)[1]
            adam.step(image.params, image.backward(gradient))
            image.project()
            if settings.blur_sigma and (step + 1) % settings.blur_every == 0:
                image.blur(settings.blur_sigma)
        pixels = image.image()  # the next step's, and the one shown
        yield Progress(step + 1, settings.steps, frozen(pixels.copy()), frozen(values.copy()))
    final = pixels
    values, peaks, _ = objective_gradient(engine, final, layer, seed, units)
    yield FeatureVisResult(layer, tuple(units), frozen(final), frozen(values), frozen(peaks), frozen(history),
                           settings)


def visualize(engine: Engine, layer: str, units, settings: Settings = Settings(),
              value_range: tuple[float, float] = (0.0, 1.0)) -> FeatureVisResult:
    """:func:`visualize_steps` run to the end."""
    events = list(visualize_steps(engine, layer, units, settings, value_range))
    result = events[-1]
    assert isinstance(result, FeatureVisResult)
    return result


__all__ = ["FeatureVisResult", "Progress", "Settings", "unit_peaks", "visualize", "visualize_steps"]
