"""The image operations feature visualization differentiates through, each with its adjoint.

* :class:`Warp`: a random small translation (jitter), rotation and scaling about the image centre,
  resampled bilinearly with edge clamping. It is linear in the image, so the gradient of a function
  of the warped image is the warp's adjoint (transpose) applied to that function's gradient.
* :func:`gaussian_blur`: a separable Gaussian blur (edge-replicating), a regularizer applied to the
  image every few steps.
* :func:`total_variation`: the smoothed anisotropic total variation ``Σ sqrt(d² + ε)`` over
  neighbouring pixels and its gradient.

Images are batches ``(n, h, w, c)``.
"""

from __future__ import annotations

import functools

import numpy as np


class Warp:
    """One affine resampling ``out[p] = image[A p + t]`` (about the centre), bilinear, edges clamped.

    Parameters
    ----------
    shape : (h, w)
    shift : (rows, columns) in pixels
    angle : float, degrees (counter-clockwise)
    scale : float, > 0; above 1 enlarges the content
    """

    def __init__(self, shape: tuple[int, int], shift: tuple[float, float] = (0.0, 0.0),
                 angle: float = 0.0, scale: float = 1.0):
        height, width = shape
        self.shape = (height, width)
        rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
        centre_row, centre_col = (height - 1) / 2, (width - 1) / 2
        theta = np.deg2rad(angle)
        cos, sin = np.cos(theta) / scale, np.sin(theta) / scale
        y, x = rows - centre_row - shift[0], cols - centre_col - shift[1]
        source_row = np.clip(cos * y - sin * x + centre_row, 0, height - 1)
        source_col = np.clip(sin * y + cos * x + centre_col, 0, width - 1)
        top, left = np.floor(source_row).astype(np.int64), np.floor(source_col).astype(np.int64)
        bottom, right = np.minimum(top + 1, height - 1), np.minimum(left + 1, width - 1)
        fy, fx = (source_row - top).ravel(), (source_col - left).ravel()
        self.indices = np.stack([(top * width + left).ravel(), (top * width + right).ravel(),
                                 (bottom * width + left).ravel(), (bottom * width + right).ravel()])
        self.weights = np.stack([(1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx]).astype(np.float32)

    @classmethod
    def random(cls, shape: tuple[int, int], rng: np.random.Generator, jitter: int = 0,
               rotation: float = 0.0, scaling: float = 0.0) -> Warp:
        """A warp drawn uniformly: integer shifts in ``[-jitter, jitter]``, an angle in
        ``[-rotation, rotation]`` degrees and a scale in ``[1 - scaling, 1 + scaling]``."""
        shift = tuple(float(value) for value in rng.integers(-jitter, jitter + 1, size=2))
        angle = float(rng.uniform(-rotation, rotation)) if rotation else 0.0
        scale = float(rng.uniform(1 - scaling, 1 + scaling)) if scaling else 1.0
        if angle == 0.0 and scale == 1.0:  # jitter alone: a few shifts, each built once
            return _shift_warp(tuple(shape), (shift[0], shift[1]))
        return cls(shape, (shift[0], shift[1]), angle, scale)

    def apply(self, images: np.ndarray) -> np.ndarray:
        """The warped batch, shape (n, h, w, c)."""
        count, height, width, channels = images.shape
        flat = images.reshape(count, height * width, channels)
        out = sum(weight[None, :, None] * flat[:, index, :] for index, weight in zip(self.indices, self.weights))
        return np.asarray(out, dtype=images.dtype).reshape(images.shape)

    def adjoint(self, gradient: np.ndarray) -> np.ndarray:
        """The transpose of :meth:`apply` applied to ``gradient`` (n, h, w, c): the gradient with respect
        to the unwarped image of a function whose gradient at the warped image is ``gradient``."""
        count, height, width, channels = gradient.shape
        pixels = height * width
        # One bincount for every image and channel: column j of the flattened batch is offset by j * pixels.
        columns = np.moveaxis(gradient.reshape(count, pixels, channels), 1, -1).reshape(-1, pixels)
        offsets = (np.arange(len(columns)) * pixels)[:, None, None]
        targets = (self.indices[None] + offsets).ravel()
        values = (self.weights[None] * columns[:, None, :]).ravel()
        summed = np.bincount(targets, weights=values, minlength=len(columns) * pixels)
        summed = summed.reshape(count, channels, pixels)
        return np.moveaxis(summed, 1, -1).reshape(gradient.shape).astype(gradient.dtype)


@functools.lru_cache(maxsize=256)
def _shift_warp(shape: tuple[int, int], shift: tuple[float, float]) -> Warp:
    return Warp(shape, shift)


def gaussian_kernel(sigma: float) -> np.ndarray:
    """A normalized 1-D Gaussian of standard deviation ``sigma`` pixels, radius ``ceil(3 sigma)``."""
    radius = max(1, int(np.ceil(3 * sigma)))
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    return kernel / kernel.sum()


def gaussian_blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """Blur every image and channel of ``(n, h, w, c)`` with a Gaussian of ``sigma`` pixels (edges
    replicated); ``sigma <= 0`` returns a copy."""
    if sigma <= 0:
        return images.copy()
    kernel = gaussian_kernel(sigma)
    radius = len(kernel) // 2
    blurred = images.astype(np.float64)
    for axis in (1, 2):
        padding = [(0, 0)] * 4
        padding[axis] = (radius, radius)
        padded = np.pad(blurred, padding, mode="edge")
        length = blurred.shape[axis]
        blurred = sum(weight * np.take(padded, np.arange(offset, offset + length), axis=axis)
                      for offset, weight in enumerate(kernel))
    return np.asarray(blurred, dtype=images.dtype)


def total_variation(images: np.ndarray, epsilon: float = 1e-4) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed anisotropic total variation per image and its gradient.

    ``TV(x) = Σ sqrt((x[i+1, j] - x[i, j])² + ε) + Σ sqrt((x[i, j+1] - x[i, j])² + ε)`` over the rows and
    columns of every channel.

    Returns
    -------
    values : ndarray, shape (n,)
    gradient : ndarray, shape (n, h, w, c)
    """
    values = np.zeros(len(images), dtype=np.float64)
    gradient = np.zeros(images.shape, dtype=np.float64)
    data = images.astype(np.float64)
    for axis in (1, 2):
        difference = np.diff(data, axis=axis)
        smooth = np.sqrt(difference * difference + epsilon)
        values += smooth.sum(axis=(1, 2, 3))
        slope = difference / smooth
        lead = [slice(None)] * 4
        lead[axis] = slice(1, None)
        trail = [slice(None)] * 4
        trail[axis] = slice(None, -1)
        gradient[tuple(lead)] += slope
        gradient[tuple(trail)] -= slope
    return values, gradient.astype(images.dtype)
