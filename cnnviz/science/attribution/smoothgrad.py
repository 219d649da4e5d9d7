"""SmoothGrad (Smilkov et al. 2017) on any base method: the method's output averaged over noisy
copies of the image.

The copies are ``x + ε`` with ``ε ~ N(0, σ²)`` per pixel and channel, ``σ = noise × (max(x) − min(x))``
(the fraction of the image's own value range), drawn from a generator seeded with ``seed``; all copies
go to the base method in one batch. The average is taken over the base method's per-channel output,
then reduced to one value per pixel by the base method's own rule.
"""

from __future__ import annotations

import numpy as np

from cnnviz.engines.base import Engine
from cnnviz.science.attribution.methods import base_method, raw_values, settings_for, to_maps
from cnnviz.science.attribution.result import (
    AttributionMap,
    choose_class,
    input_range,
    make_result,
    one_image,
    positive_number,
)
from cnnviz.science.checks import integer


def noisy_copies(image: np.ndarray, num_samples: int, noise: float, seed: int) -> np.ndarray:
    """``num_samples`` copies of one image ``(1, h, w, c)`` with seeded Gaussian noise, (n, h, w, c)."""
    sigma = noise * input_range(image)
    rng = np.random.default_rng(seed)
    return (image + rng.normal(0.0, sigma, (num_samples, *image.shape[1:]))).astype(np.float32)


def smoothgrad(engine: Engine, image: np.ndarray, class_index: int | None = None, *, base: str = "gradient",
               num_samples: int = 25, noise: float = 0.15, seed: int = 0, **settings) -> AttributionMap:
    """SmoothGrad of ``base`` for one image.

    Parameters
    ----------
    base : str
        Any base method (:data:`~cnnviz.science.attribution.methods.BASE_METHODS`).
    num_samples : int
        Noisy copies averaged.
    noise : float
        The noise's standard deviation as a fraction of the image's value range.
    seed : int
        Seeds the noise.
    **settings
        The base method's own settings (``layer``, ``steps`` ...).
    """
    spec = base_method(base)
    if base == "occlusion":
        raise ValueError("SmoothGrad averages gradient-like maps; occlusion already measures the effect of "
                         "large changes. Choose another base method.")
    num_samples = integer(num_samples, "num_samples", 1)
    noise = positive_number(noise, "noise")
    seed = integer(seed, "seed", 0)
    batch = one_image(engine, image)
    class_index = choose_class(engine, batch, class_index)
    values = raw_values(engine, base, noisy_copies(batch, num_samples, noise, seed), class_index, **settings)
    mean = values.mean(axis=0)
    attribution = to_maps(spec, mean[None])[0]
    parameters = {"base": base, "samples": num_samples, "noise": noise, "seed": seed,
                  **settings_for(spec, settings)}
    legend = f"SmoothGrad ({num_samples} noisy copies, σ = {noise:g} of the range) of {base}. {spec.legend}"
    return make_result(f"smoothgrad:{base}", class_index, attribution, None if spec.channel_rule is None else mean,
                       signed=spec.signed, legend=legend, parameters=parameters)
