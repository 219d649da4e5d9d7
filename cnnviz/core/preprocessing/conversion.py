"""Colour and size conversion of pictures, in pure NumPy (no Pillow or SciPy).

Colour becomes grey with the ITU-R 601 luma weights, RGBA composited over the background its
ink implies (:func:`to_grayscale`); big pictures shrink by block averaging a strip of rows at a
time (:func:`shrunk_planes`); any size resamples to any other, area-averaging when shrinking and
bilinear when enlarging (:func:`resize`).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import ArrayLike

from cnnviz.core.preprocessing.image_arrays import validated_image

# ITU-R BT.601 luma weights, the ones most image libraries use for "L" conversion.
LUMA_WEIGHTS = (0.299, 0.587, 0.114)

# Upper bound on the elements converted to float32 at once while shrinking a big picture.
_STRIP_ELEMENTS = 1 << 21


def to_grayscale(image: ArrayLike) -> np.ndarray:
    """Convert a grey, RGB or RGBA picture to grey levels in ``[0, 1]``.

    Parameters
    ----------
    image : array_like
        ``(H, W)``, ``(H, W, 1)``, ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA.  ``uint8`` is
        read as ``0..255``; other integers as ``0..255`` when their maximum is at most
        255, else ``0..65535`` (16-bit files), else ``0..max``; ``bool`` as ``0/1``;
        floats as ``[0, 1]`` when their maximum is at most 1, else ``[0, 255]``.
        Values outside the range are clipped.

    Returns
    -------
    numpy.ndarray
        ``(H, W)`` float32 in ``[0, 1]``.  Colour becomes luminance with the ITU-R 601
        weights (0.299, 0.587, 0.114).  RGBA is composited over the background its ink
        implies: transparent pixels become white when the (alpha-weighted) visible
        pixels are dark, black when they are light, so transparent areas always read
        as background.

    Raises
    ------
    ValueError
        If ``image`` is not a finite numeric picture of a supported shape.
    """
    array, scale = validated_image(image)
    luminance, alpha = channel_planes(array, scale)
    return composite(luminance, alpha)


def channel_planes(array: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray | None]:
    """Luminance (premultiplied by alpha for RGBA) and alpha planes, float32 in [0, 1]."""
    values = array.astype(np.float32)
    if scale != 1.0:
        values *= np.float32(1.0 / scale)
    np.clip(values, 0.0, 1.0, out=values)
    if values.ndim == 2:
        return values, None
    red, green, blue = (values[:, :, channel] for channel in range(3))
    luminance = (
        red * np.float32(LUMA_WEIGHTS[0])
        + green * np.float32(LUMA_WEIGHTS[1])
        + blue * np.float32(LUMA_WEIGHTS[2])
    )
    if values.shape[2] == 3:
        return luminance, None
    alpha = np.ascontiguousarray(values[:, :, 3])
    luminance *= alpha
    return luminance, alpha


def composite(luminance: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    """Composite premultiplied luminance over the background its visible ink implies."""
    if alpha is None:
        return luminance
    coverage = float(alpha.sum(dtype=np.float64))
    visible = float(luminance.sum(dtype=np.float64)) / coverage if coverage > 0 else 0.0
    background = np.float32(1.0 if visible < 0.5 else 0.0)
    gray = luminance + (np.float32(1.0) - alpha) * background
    return np.clip(gray, 0.0, 1.0, out=gray)


def shrunk_planes(
    array: np.ndarray, scale: float, factor: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`channel_planes` of the picture block-averaged by ``factor``.

    Big pictures are converted a strip of rows at a time, so no float copy of the whole
    picture is ever made.  Premultiplied luminance and alpha average linearly, so
    compositing afterwards equals compositing first.
    """
    if factor == 1:
        return channel_planes(array, scale)
    height, width = array.shape[:2]
    channels = 1 if array.ndim == 2 else array.shape[2]
    shape = (-(-height // factor), -(-width // factor))
    luminance = np.empty(shape, np.float32)
    alpha = np.empty(shape, np.float32) if channels == 4 else None
    rows_per_strip = max(1, _STRIP_ELEMENTS // (width * channels * factor)) * factor
    for start in range(0, height, rows_per_strip):
        strip_luminance, strip_alpha = channel_planes(
            array[start:start + rows_per_strip], scale
        )
        first = start // factor
        block = block_mean(strip_luminance, factor)
        luminance[first:first + block.shape[0]] = block
        if alpha is not None and strip_alpha is not None:  # both exactly when the picture is RGBA
            alpha[first:first + block.shape[0]] = block_mean(strip_alpha, factor)
    return luminance, alpha


def block_mean(plane: np.ndarray, factor: int) -> np.ndarray:
    """Mean over ``factor x factor`` blocks; the last row and column of blocks may be short."""
    if factor == 1:   # blocks of one pixel: the plane itself (a new array, as below), without reduceat
        return plane / np.float32(1.0)
    height, width = plane.shape
    row_starts = np.arange(0, height, factor)
    column_starts = np.arange(0, width, factor)
    sums = np.add.reduceat(np.add.reduceat(plane, row_starts, axis=0), column_starts, axis=1)
    row_counts = np.diff(np.append(row_starts, height))
    column_counts = np.diff(np.append(column_starts, width))
    return sums / np.outer(row_counts, column_counts).astype(np.float32)


def axis_weights(num_in: int, num_out: int) -> np.ndarray:
    """Resampling matrix ``(num_out, num_in)`` for one axis; each row sums to 1.

    Shrinking averages the source pixels each output pixel covers, weighted by overlap
    (area averaging, so nothing is skipped); enlarging interpolates bilinearly between
    pixel centres, holding the edge values.
    """
    if num_out == num_in:
        return np.eye(num_in, dtype=np.float32)
    if num_out < num_in:
        edges = np.arange(num_out + 1) * (num_in / num_out)
        starts, ends = edges[:-1, np.newaxis], edges[1:, np.newaxis]
        pixels = np.arange(num_in)[np.newaxis, :]
        overlap = np.minimum(ends, pixels + 1) - np.maximum(starts, pixels)
        weights = np.clip(overlap, 0.0, None) / (ends - starts)
        return weights.astype(np.float32)
    positions = (np.arange(num_out) + 0.5) * (num_in / num_out) - 0.5
    positions = np.clip(positions, 0.0, num_in - 1)
    lower = np.floor(positions).astype(np.intp)
    upper = np.minimum(lower + 1, num_in - 1)
    fraction = positions - lower
    weights = np.zeros((num_out, num_in))
    outputs = np.arange(num_out)
    np.add.at(weights, (outputs, lower), 1.0 - fraction)
    np.add.at(weights, (outputs, upper), fraction)
    return weights.astype(np.float32)


def resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Separable resample of ``(h, w)`` float32 to ``(height, width)``."""
    return resample_axis(resample_axis(image, height, 0), width, 1)


def resample_axis(array: np.ndarray, num_out: int, axis: int) -> np.ndarray:
    """``array`` resampled to ``num_out`` pixels along ``axis`` with :func:`axis_weights`, in float32.

    Each output pixel reads only the few input pixels its row of weights covers (a band), so this
    costs a few multiply-adds per output value and no BLAS: a matrix product through BLAS threads
    takes milliseconds on a busy machine for this microsecond's work (on the interface's thread,
    while a person draws), and its rounding changes with the number of threads.
    """
    array = np.asarray(array, np.float32)
    if array.ndim >= 3 and axis >= 1 and array.shape[axis - 1] > 1 and math.prod(array.shape[axis + 1:]) < 16:
        # The width of an (n, h, w, 3) batch: each output value would sum runs of 3 values. With
        # width and height swapped (one copy) it sums runs of w * 3: 3-4 times faster, same numbers.
        swapped = np.ascontiguousarray(np.swapaxes(array, axis - 1, axis))
        return np.swapaxes(resample_axis(swapped, num_out, axis - 1), axis - 1, axis)
    columns, band = _band(array.shape[axis], int(num_out))
    gathered = np.take(array, columns, axis=axis)   # the axis becomes (num_out, width)
    moved = np.moveaxis(gathered, (axis, axis + 1), (0, 1))
    return np.moveaxis(np.einsum("ob,ob...->o...", band, moved), 0, axis)


@functools.lru_cache(maxsize=128)
def _band(num_in: int, num_out: int) -> tuple[np.ndarray, np.ndarray]:
    """The input pixels ``(num_out, width)`` each output pixel reads, and their weights (zero past
    the row's own band); read-only, kept for the sizes met lately (a stroke's crop changes little)."""
    weights = axis_weights(num_in, num_out)
    covered = weights > 0
    first = covered.argmax(axis=1)
    width = int((num_in - covered[:, ::-1].argmax(axis=1) - first).max())
    columns = first[:, np.newaxis] + np.arange(width)
    inside = columns < num_in
    columns = np.minimum(columns, num_in - 1)
    band = np.where(inside, np.take_along_axis(weights, columns, axis=1), 0.0).astype(np.float32)
    columns.flags.writeable = band.flags.writeable = False
    return columns, band
