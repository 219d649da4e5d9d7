"""Backprop through a convolution is a convolution with the flipped kernel, checked (report §4.3).

:func:`flip` asks an engine for one image's gradients and feature maps and recomputes the
gradient with respect to a convolution's input as a full convolution of the (dilated)
pre-activation output gradient with the 180°-rotated kernel
(:func:`cnnviz.core.backprop.compare_flip`), then compares the two. :func:`flip_checks` does the
same for every convolution from arrays an inspection already holds, so the model service's worker
can attach the check to each inspection without another engine call (the Science panel's flip
view shows it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from cnnviz.core.backprop import FLIP_TOLERANCE, FlipComparison, compare_flip, flip_verdict_text
from cnnviz.core.config import Conv2D
from cnnviz.core.results import frozen
from cnnviz.science.checks import check_layer, model_config, one_image, read_only

if TYPE_CHECKING:
    from cnnviz.core.config import ModelConfig
    from cnnviz.core.results import GradientResult
    from cnnviz.engines.base import Engine


@dataclass(frozen=True, eq=False)
class FlipResult:
    """Backprop through a convolution recomputed as a convolution with the flipped kernel.

    Attributes
    ----------
    layer : str
    input_name : str
        ``"the input image"`` or ``"the output of <previous layer>"``.
    kernel_size, strides : (int, int)
    filters : int
    padding, activation : str
    target : str
        The gradient's target (``"loss"`` or ``"class:K"``).
    largest_engine_gradient : float
        The largest ``|engine gradient|`` with respect to the layer's input.
    comparison : FlipComparison
        Every array of the check, read-only (:func:`cnnviz.core.backprop.compare_flip`).
    """

    layer: str
    input_name: str
    kernel_size: tuple[int, int]
    strides: tuple[int, int]
    filters: int
    padding: str
    activation: str
    target: str
    largest_engine_gradient: float
    comparison: FlipComparison
    tolerance: float = FLIP_TOLERANCE

    @property
    def agrees(self) -> bool:
        """Whether the relative difference is within ``tolerance`` (float rounding)."""
        return self.comparison.relative_difference <= self.tolerance

    def verdict_text(self) -> str:
        """The differences, the tolerance they are judged against and the verdict."""
        return flip_verdict_text(self.comparison, self.tolerance)


@dataclass(frozen=True)
class FlipChecks:
    """The flip identity checked for every convolution of one inspection.

    Attributes
    ----------
    results : mapping {layer: FlipResult}
        The convolutions that could be checked.
    problems : mapping {layer: str}
        Why a convolution could not be checked (the arrays it needs are missing, or do not fit).
    """

    results: Mapping[str, FlipResult]
    problems: Mapping[str, str]

    def result(self, layer: str) -> FlipResult | None:
        """The check of ``layer``, or None (see :meth:`problem`)."""
        return self.results.get(layer)

    def problem(self, layer: str) -> str:
        """Why ``layer`` has no check (empty when it has one)."""
        if layer in self.results:
            return ""
        return self.problems.get(layer, f"{layer!r} is not a convolution of this model.")


def compare_layer(layer: str, config: ModelConfig, image: np.ndarray, gradients: GradientResult,
                  feature_maps: Mapping[str, np.ndarray], kernels: Mapping[str, np.ndarray]) -> FlipResult:
    """The flip identity of one convolution, from arrays an engine already gave.

    Parameters
    ----------
    layer : str
        A conv2d layer of ``config``.
    config : ModelConfig
        The model's configuration (strides, padding, activation; the layer before ``layer``).
    image : ndarray, shape (1, h, w, c)
        The input.
    gradients : GradientResult
        The engine's gradients for ``image`` (with respect to the input and every layer's output).
    feature_maps, kernels : mapping {layer: ndarray}
        The engine's outputs of every layer for ``image``, and its kernels.

    Returns
    -------
    FlipResult
        Every array read-only.

    Raises
    ------
    ValueError
        When an array the check needs is missing or the shapes do not fit.
    """
    names = list(config.layer_names())
    spec = dict(zip(names, config.layers))[layer]
    if not isinstance(spec, Conv2D):
        raise ValueError(f"{layer!r} is a {spec.kind} layer, not a convolution.")
    index = names.index(layer)
    if index == 0:
        engine_input_gradient, layer_input, input_name = gradients.input, image, "the input image"
    else:
        previous = names[index - 1]
        if previous not in gradients.layers or previous not in feature_maps:
            raise ValueError(f"there is no gradient for {previous!r}, the layer before it.")
        engine_input_gradient, layer_input = gradients.layers[previous], feature_maps[previous]
        input_name = f"the output of {previous}"
    if layer not in gradients.layers or layer not in feature_maps or layer not in kernels:
        raise ValueError(f"there is no gradient, output or kernel for {layer!r}.")
    comparison = compare_flip(engine_input_gradient, gradients.layers[layer], feature_maps[layer], spec.activation,
                              kernels[layer], np.shape(layer_input)[1:3], spec.strides, spec.padding)
    # The arrays compare_flip made are its own; the engine's gradient is copied, never shared.
    comparison = replace(comparison, engine_gradient=read_only(comparison.engine_gradient),
                         flipped_kernel=frozen(comparison.flipped_kernel),
                         pre_activation_gradient=frozen(comparison.pre_activation_gradient),
                         dilated_gradient=frozen(comparison.dilated_gradient),
                         computed_gradient=frozen(comparison.computed_gradient),
                         difference=frozen(comparison.difference))
    return FlipResult(
        layer=layer, input_name=input_name, kernel_size=spec.kernel_size, strides=spec.strides,
        filters=int(spec.filters), padding=spec.padding, activation=spec.activation, target=gradients.target,
        largest_engine_gradient=float(np.abs(engine_input_gradient).max()), comparison=comparison,
    )


def flip_checks(config: ModelConfig | None, image: np.ndarray, gradients: GradientResult,
                feature_maps: Mapping[str, np.ndarray], kernels: Mapping[str, np.ndarray]) -> FlipChecks | None:
    """The flip identity of every convolution, from one inspection's arrays (no engine call).

    Parameters
    ----------
    config : ModelConfig or None
        The model's configuration; None for a model made elsewhere, which gives None (the layers'
        strides, padding and activation are unknown).
    image, gradients, feature_maps, kernels
        As in :func:`compare_layer`.

    Returns
    -------
    FlipChecks or None
    """
    if config is None:
        return None
    results, problems = {}, {}
    for name, spec in zip(config.layer_names(), config.layers):
        if spec.kind != "conv2d":
            continue
        try:
            results[name] = compare_layer(name, config, image, gradients, feature_maps, kernels)
        except ValueError as error:
            problems[name] = str(error)
    return FlipChecks(MappingProxyType(results), MappingProxyType(problems))


def flip(engine: Engine, layer: str | None = None, image=None, label: int | None = None) -> FlipResult:
    """Recompute a convolution's input gradient as a flipped-kernel convolution and compare.

    Parameters
    ----------
    engine : Engine
    layer : str, optional
        A conv2d layer (default: the deepest one).
    image : ndarray, shape (1, h, w, c)
    label : int, optional
        The gradient is that of the loss of ``label`` (default: the predicted class).

    Returns
    -------
    FlipResult
    """
    config = model_config(engine, "the flip check")
    specs = dict(zip(config.layer_names(), config.layers))
    names = engine.layer_names()
    convolutions = [name for name in names if specs[name].kind == "conv2d"]
    if not convolutions:
        raise ValueError("This model has no conv2d layer to check.")
    layer = layer or convolutions[-1]
    check_layer(layer, specs, ("conv2d",), "the flip identity is about convolutions: choose one of "
                + ", ".join(convolutions))
    image = one_image(image, "image", engine)
    labels = None if label is None else np.array([int(label)])
    gradients = engine.gradients(image, labels=labels)
    return compare_layer(layer, config, image, gradients, engine.feature_maps(image), engine.kernels())
