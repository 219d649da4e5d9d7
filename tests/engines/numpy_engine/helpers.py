"""Shared helpers of the NumPy-engine tests: layer construction in float64 and finite differences."""

from __future__ import annotations

import numpy as np

from cnnviz.core import config as cfg
from cnnviz.engines.numpy_engine.layers import Conv2DLayer, DenseLayer

EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-7


def conv_layer(spec: cfg.Conv2D, in_channels: int, rng: np.random.Generator,
               dtype=np.float64, name: str = "conv2d") -> Conv2DLayer:
    """A convolution layer with random parameters of ``dtype`` (biases non-zero)."""
    layer = Conv2DLayer(name, spec, in_channels)
    layer.params["kernel"] = rng.standard_normal(layer.params["kernel"].shape).astype(dtype) * 0.5
    layer.params["bias"] = rng.standard_normal(layer.params["bias"].shape).astype(dtype) * 0.1
    return layer


def dense_layer(spec: cfg.Dense, in_features: int, rng: np.random.Generator,
                dtype=np.float64, name: str = "dense") -> DenseLayer:
    """A dense layer with random parameters of ``dtype``."""
    layer = DenseLayer(name, spec, in_features)
    layer.params["kernel"] = rng.standard_normal(layer.params["kernel"].shape).astype(dtype) * 0.5
    layer.params["bias"] = rng.standard_normal(layer.params["bias"].shape).astype(dtype) * 0.1
    return layer


def sample_indices(shape: tuple[int, ...], count: int | None, rng: np.random.Generator) -> list[tuple]:
    """Every index of ``shape``, or ``count`` distinct random ones when the array is larger."""
    size = int(np.prod(shape))
    if count is None or size <= count:
        flat = np.arange(size)
    else:
        flat = rng.choice(size, count, replace=False)
    return [tuple(int(i) for i in np.unravel_index(f, shape)) for f in flat]


def numeric_gradient(function, array: np.ndarray, indices: list[tuple], eps: float = EPS) -> np.ndarray:
    """Central differences of the scalar ``function()`` with respect to ``array[index]``.

    ``array`` is perturbed in place and restored.
    """
    assert array.dtype == np.float64, "finite differences need float64"
    values = np.empty(len(indices))
    for position, index in enumerate(indices):
        original = array[index]
        array[index] = original + eps
        plus = function()
        array[index] = original - eps
        minus = function()
        array[index] = original
        values[position] = (plus - minus) / (2 * eps)
    return values


def assert_gradient(analytic: np.ndarray, function, array: np.ndarray, *, count: int | None = None,
                    rng: np.random.Generator | None = None, what: str = "") -> None:
    """Compare ``analytic`` (same shape as ``array``) with central differences at sampled entries."""
    assert analytic.shape == array.shape, f"{what}: gradient shape {analytic.shape} != {array.shape}"
    indices = sample_indices(array.shape, count, rng or np.random.default_rng(0))
    numeric = numeric_gradient(function, array, indices)
    picked = np.array([analytic[index] for index in indices])
    np.testing.assert_allclose(picked, numeric, rtol=RTOL, atol=ATOL, err_msg=what)
    # A gradient check that compares only zeros proves nothing.
    assert np.abs(numeric).max() > 1e-3, f"{what}: the sampled gradient is all (near) zero"
