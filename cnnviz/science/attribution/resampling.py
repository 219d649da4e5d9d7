"""Image resampling the attribution methods share: bilinear upsampling of a coarse map to the
input's size, and Gaussian blurring (separable, edges reflected).

Upsampling rule (as ``tf.image.resize(..., "bilinear")`` with half-pixel centres): the coarse map
of ``h`` rows is stretched over the input's ``H`` rows, so output row ``i`` samples the coarse map at
``(i + 0.5) * h / H - 0.5``, clamped to ``[0, h - 1]``, interpolating linearly between the two
nearest rows; the same along columns.
"""

from __future__ import annotations

import numpy as np


def _axis_weights(source: int, target: int) -> np.ndarray:
    """The ``(target, source)`` matrix that resamples one axis linearly with half-pixel centres."""
    positions = np.clip((np.arange(target) + 0.5) * source / target - 0.5, 0, source - 1)
    lower = np.floor(positions).astype(int)
    upper = np.minimum(lower + 1, source - 1)
    fraction = positions - lower
    weights = np.zeros((target, source))
    weights[np.arange(target), lower] += 1.0 - fraction
    weights[np.arange(target), upper] += fraction
    return weights


def bilinear_resize(values: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize ``(h, w)`` or ``(h, w, c)`` values to ``size = (H, W)`` by the rule above."""
    rows = _axis_weights(values.shape[0], size[0])
    cols = _axis_weights(values.shape[1], size[1])
    resized = np.tensordot(rows, values, axes=(1, 0))
    resized = np.tensordot(cols, resized, axes=(1, 1)).swapaxes(0, 1)
    return resized.astype(np.float32)


def gaussian_kernel(sigma: float, radius: int | None = None) -> np.ndarray:
    """A normalized 1-D Gaussian of standard deviation ``sigma`` (radius ``ceil(3.5 sigma)`` by default)."""
    radius = int(np.ceil(3.5 * sigma)) if radius is None else radius
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    return kernel / kernel.sum()


def gaussian_filter(values: np.ndarray, sigma: float) -> np.ndarray:
    """Blur the first two axes of ``(h, w)`` or ``(h, w, c)`` values with a Gaussian of ``sigma``
    pixels; edges are reflected (``numpy.pad`` mode ``"symmetric"``), so a constant image stays constant."""
    kernel = gaussian_kernel(sigma)
    radius = len(kernel) // 2
    result = np.asarray(values, dtype=np.float64)
    for axis in (0, 1):
        size = result.shape[axis]
        pad = [(0, 0)] * result.ndim
        pad[axis] = (radius, radius)
        # Reflecting more than the axis holds needs several passes; wrap as NumPy does for "symmetric".
        padded = np.pad(result, pad, mode="symmetric") if radius <= size else _pad_repeat(result, axis, radius)
        moved = np.moveaxis(padded, axis, 0)
        blurred = sum(weight * moved[offset:offset + size] for offset, weight in enumerate(kernel))
        result = np.moveaxis(blurred, 0, axis)
    return result


def _pad_repeat(values: np.ndarray, axis: int, radius: int) -> np.ndarray:
    """Symmetric padding wider than the axis itself, by repeated reflection."""
    padded = values
    while radius > 0:
        step = min(radius, padded.shape[axis])
        pad = [(0, 0)] * values.ndim
        pad[axis] = (step, step)
        padded = np.pad(padded, pad, mode="symmetric")
        radius -= step
    return padded
