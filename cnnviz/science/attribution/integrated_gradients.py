"""Integrated Gradients (Sundararajan et al. 2017): the class logit's gradient averaged along the
straight path from a baseline ``x'`` to the image ``x``, times ``x - x'``.

``IG(x) = (x - x') ⊙ ∫_0^1 ∂y/∂x (x' + α (x - x')) dα``, the integral by a Riemann sum of ``steps``
intervals: ``"midpoint"`` (gradients at ``α = (k + ½) / steps``, k = 0 … steps-1, equal weights) or
``"trapezoid"`` (gradients at ``α = k / steps``, k = 0 … steps, half weight at both ends). The path
points go to the engine in batches of ``batch_size``.

Completeness: the attributions add up to ``y(x) - y(x')``; the result's ``notes`` give both and
their gap, so a map whose sum is far off (too few steps) says so.

Baselines: ``"black"`` (all zeros: a black picture for cnnviz's inputs, which run from 0 for black
to 1 for white), ``"blurred"`` (the image blurred by a Gaussian of ``blur_sigma`` pixels, edges
reflected), or any image array of the input's shape (the dataset's mean image, for instance).
"""

from __future__ import annotations

import numpy as np

from cnnviz.engines.base import Engine, as_batch
from cnnviz.science.attribution.resampling import gaussian_filter
from cnnviz.science.attribution.result import (
    AttributionMap,
    choose_class,
    class_gradients,
    make_result,
    one_image,
    positive_number,
    reduce_channels,
)
from cnnviz.science.checks import integer

RULES = ("midpoint", "trapezoid")
IG_LEGEND = ("Red: the pixel's difference from the baseline raises the class score; blue: lowers it; "
             "uncoloured: no share. The shares add up to score(image) − score(baseline).")


def baseline_image(engine: Engine, image: np.ndarray, baseline, blur_sigma: float = 5.0) -> np.ndarray:
    """The baseline as a batch of one, shape (1, h, w, c): ``"black"``, ``"blurred"`` or an image."""
    if isinstance(baseline, str):
        if baseline == "black":
            return np.zeros_like(image)
        if baseline == "blurred":
            sigma = positive_number(blur_sigma, "blur_sigma")
            return gaussian_filter(image[0], sigma)[None].astype(np.float32)
        raise ValueError(f"Unknown baseline {baseline!r}; expected 'black', 'blurred' or an image array.")
    return one_image(engine, baseline)


def path_weights(steps: int, rule: str) -> tuple[np.ndarray, np.ndarray]:
    """The path positions ``α`` and their weights (summing to 1) of a Riemann rule."""
    if rule == "midpoint":
        return (np.arange(steps) + 0.5) / steps, np.full(steps, 1.0 / steps)
    if rule == "trapezoid":
        weights = np.full(steps + 1, 1.0 / steps)
        weights[[0, -1]] /= 2.0
        return np.arange(steps + 1) / steps, weights
    raise ValueError(f"Unknown Riemann rule {rule!r}; expected one of {', '.join(RULES)}.")


def integrated_gradients_batch(engine: Engine, images: np.ndarray, class_index: int, *, baseline="black",
                               steps: int = 64, rule: str = "midpoint", blur_sigma: float = 5.0,
                               batch_size: int = 128) -> np.ndarray:
    """Integrated Gradients of each image of a batch, shape (n, h, w, c)."""
    steps = integer(steps, "steps", 1)
    batch_size = integer(batch_size, "batch_size", 1)
    alphas, weights = path_weights(steps, rule)
    results = []
    for image in as_batch(images, engine.input_shape):
        start = baseline_image(engine, image[None], baseline, blur_sigma)[0]
        difference = image - start
        total = np.zeros(image.shape, np.float64)
        for first in range(0, len(alphas), batch_size):
            chunk = alphas[first:first + batch_size]
            points = (start[None] + chunk[:, None, None, None] * difference[None]).astype(np.float32)
            grads = np.asarray(class_gradients(engine, points, class_index).input, np.float64)
            total += np.tensordot(weights[first:first + batch_size], grads, axes=(0, 0))
        results.append(difference * total)
    return np.asarray(results, dtype=np.float32)


def class_logit(engine: Engine, image: np.ndarray, class_index: int) -> float:
    """The logit of class ``class_index`` for one image (batch of one)."""
    return float(class_gradients(engine, image, class_index).value)


def integrated_gradients(engine: Engine, image: np.ndarray, class_index: int | None = None, *,
                         baseline="black", steps: int = 64, rule: str = "midpoint",
                         blur_sigma: float = 5.0, batch_size: int = 128) -> AttributionMap:
    """Integrated Gradients of class ``class_index`` (default: predicted) for one image.

    Parameters
    ----------
    baseline : "black", "blurred" or ndarray of the input's shape
    steps : int
        Intervals of the Riemann sum.
    rule : "midpoint" or "trapezoid"
    blur_sigma : float
        Standard deviation in pixels of the blurred baseline's Gaussian.
    batch_size : int
        Path points per engine call.
    """
    batch = one_image(engine, image)
    class_index = choose_class(engine, batch, class_index)
    values = integrated_gradients_batch(engine, batch, class_index, baseline=baseline, steps=steps, rule=rule,
                                        blur_sigma=blur_sigma, batch_size=batch_size)[0]
    start = baseline_image(engine, batch, baseline, blur_sigma)
    expected = class_logit(engine, batch, class_index) - class_logit(engine, start, class_index)
    total = float(values.sum())
    gap = abs(total - expected) / max(abs(expected), 1e-12)
    notes = (f"completeness: attributions sum to {total:.4g}; score(image) − score(baseline) = {expected:.4g} "
             f"(gap {gap:.2%})")
    name = baseline if isinstance(baseline, str) else "image"
    parameters = {"baseline": name, "steps": steps, "rule": rule}
    if name == "blurred":
        parameters["blur_sigma"] = blur_sigma
    return make_result("integrated-gradients", class_index, reduce_channels(values, "sum"), values, signed=True,
                       legend=IG_LEGEND, parameters=parameters, notes=notes)
