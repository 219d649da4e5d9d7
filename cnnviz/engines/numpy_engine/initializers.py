"""Weight initializers named in the configuration, with Keras's definitions.

``glorot_uniform``: U(-l, l), l = sqrt(6 / (fan_in + fan_out)); ``he_normal``: a normal
truncated at two standard deviations, scaled so its standard deviation is
sqrt(2 / fan_in); ``normal``: N(0, scale); ``ones``: every weight and bias one.
Biases start at zero except with ``ones``. Convolution fans count the receptive
field: fan_in = kh * kw * in, fan_out = kh * kw * out.
"""

from __future__ import annotations

import numpy as np

from cnnviz.core.config import Initializer

# Standard deviation of a unit normal truncated to [-2, 2] (Keras's VarianceScaling constant).
_TRUNCATED_STD = 0.87962566103423978


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a dense ``(in, out)`` or convolution ``(kh, kw, in, out)`` kernel."""
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return receptive * shape[-2], receptive * shape[-1]


def truncated_normal(rng: np.random.Generator, shape: tuple[int, ...], stddev: float) -> np.ndarray:
    """Normal samples redrawn until within two standard deviations (float32)."""
    values = rng.standard_normal(shape, dtype=np.float32)
    outside = np.abs(values) > 2.0
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()), dtype=np.float32)
        outside = np.abs(values) > 2.0
    return values * np.float32(stddev)


def initial_kernel(initializer: Initializer, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """A new float32 kernel of ``shape`` drawn from ``initializer``."""
    fan_in, fan_out = fans(shape)
    if initializer.name == "glorot_uniform":
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, shape).astype(np.float32)
    if initializer.name == "he_normal":
        return truncated_normal(rng, shape, np.sqrt(2.0 / fan_in) / _TRUNCATED_STD)
    if initializer.name == "normal":
        return (rng.standard_normal(shape, dtype=np.float32) * np.float32(initializer.scale))
    if initializer.name == "ones":
        return np.ones(shape, np.float32)
    raise ValueError(f"Unknown initializer {initializer.name!r}; expected glorot_uniform, he_normal, "
                     "normal or ones.")


def initial_bias(initializer: Initializer, shape: tuple[int, ...]) -> np.ndarray:
    """Zeros, or ones for the all-ones initializer."""
    return np.ones(shape, np.float32) if initializer.name == "ones" else np.zeros(shape, np.float32)
