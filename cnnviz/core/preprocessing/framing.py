"""Frame one picture as a model input the way MNIST framed its digits.

MNIST digits are light ink on a black background; each digit was scaled, keeping its
aspect ratio, so that its longer side is 20 pixels (antialiased, which makes the grey
levels), then placed in a 28 x 28 frame with its centre of mass at the frame's centre; the frame's
size and the ink's box are parameters, so any input size is framed the same way.
:func:`preprocess_image` repeats those steps for any picture: a canvas drawing, a photo of
a digit on paper, an RGBA file with a transparent background. :func:`ink_polarity` tells
dark ink on light from light ink on dark.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from cnnviz.core.preprocessing.conversion import composite, resize, shrunk_planes
from cnnviz.core.preprocessing.image_arrays import validated_image

#: Larger pictures are block-averaged down by an integer factor until their longer side is
#: at most this many pixels before anything else happens, so memory and time stay bounded.
MAX_WORKING_SIDE = 1024


class EmptyImageError(ValueError):
    """Raised when a picture holds no ink to preprocess (blank, uniform, or too faint)."""


@dataclass(frozen=True)
class PreprocessResult:
    """A picture prepared as a model input, plus what was done to it.

    Both arrays are read-only views of the same data.

    Attributes
    ----------
    input : numpy.ndarray
        ``(1, size, size, 1)`` float32 in ``[0, 1]``, NHWC, ready for ``predict``.
    image : numpy.ndarray
        ``(size, size)`` float32 in ``[0, 1]``, the same pixels for display (28 x 28 with the
        default ``size``; a model input of another shape sets the frame in it, see
        :func:`cnnviz.core.preprocessing.picture_input`).
    inverted : bool
        True if the source was dark ink on a light background and was inverted.
    bounding_box : tuple of int
        ``(top, left, bottom, right)`` of the ink in the source picture's pixel
        coordinates; ``bottom`` and ``right`` are exclusive.
    """

    input: np.ndarray
    image: np.ndarray
    inverted: bool
    bounding_box: tuple[int, int, int, int]


def ink_polarity(gray: ArrayLike) -> bool:
    """Tell whether a grey picture is dark ink on a light background.

    The background is taken to be the majority (median) value of the border pixels; the
    picture is dark-on-light when that value lies in the upper half of the picture's
    range.  A uniform picture, or one too small to have a border distinct from its
    inside (fewer than 3 rows or columns), is read the MNIST way: light on dark.

    Parameters
    ----------
    gray : array_like
        ``(H, W)`` grey levels, any numeric scale.

    Returns
    -------
    bool
        True if the ink is dark and the background light (the picture needs inverting
        to look like MNIST).
    """
    gray = np.asarray(gray)
    if gray.ndim != 2 or gray.size == 0 or gray.dtype.kind not in "biuf":
        raise ValueError(
            f"ink_polarity expects a non-empty 2-D (height, width) grey image; received "
            f"shape {gray.shape} with dtype {gray.dtype}. Convert colour pictures with "
            f"to_grayscale first."
        )
    if not _has_interior(gray):
        return False
    values = gray.astype(np.float64, copy=False)
    lowest, highest = float(values.min()), float(values.max())
    return float(np.median(_border(values))) > (lowest + highest) / 2.0


def preprocess_image(
    image: ArrayLike,
    *,
    invert: bool | None = None,
    threshold: float = 0.05,
    box: int = 20,
    size: int = 28,
) -> PreprocessResult:
    """Prepare any picture of a single character as an MNIST-style model input.

    Steps: pictures with a side longer than :data:`MAX_WORKING_SIDE` are block-averaged
    down; the picture becomes grey (:func:`to_grayscale`); dark-on-light pictures are
    inverted (:func:`ink_polarity`) so the ink is light; the background level (median
    of the border) is subtracted; pixels brighter than ``threshold`` above it are ink
    and everything else becomes 0; the picture is cropped to the ink's bounding box,
    scaled with area averaging (bilinear when enlarging) so its longer side is ``box``
    pixels, and pasted into a ``size x size`` black frame shifted by whole pixels so its
    intensity centre of mass lands as close as possible to ``(size/2, size/2)`` (row,
    column; pixel centres at integer coordinates), without clipping; finally it is
    scaled so its brightest pixel is 1.

    Parameters
    ----------
    image : array_like
        ``(H, W)``, ``(H, W, 1)``, ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA picture; see
        :func:`to_grayscale` for how each dtype's values are read.
    invert : bool or None, optional
        None (default) detects the polarity; True always inverts (dark ink on light);
        False never inverts (light ink on dark).
    threshold : float, optional
        Minimum brightness above the background, in ``[0, 1)``, for a pixel to count as
        ink.  Lower it for very faint ink.
    box : int, optional
        Length in pixels of the ink's longer side in the output, ``1 <= box <= size``.
    size : int, optional
        Side of the square output frame.

    Returns
    -------
    PreprocessResult
        ``input`` is ``(1, size, size, 1)`` float32 in ``[0, 1]`` with maximum 1.

    Raises
    ------
    EmptyImageError
        If no pixel stands out from the background by more than ``threshold``.
    ValueError
        If ``image`` is not a finite numeric picture of a supported shape, or an option
        is out of range.
    """
    _check_options(invert, threshold, box, size)
    array, scale = validated_image(image)
    height, width = array.shape[:2]
    factor = max(1, math.ceil(max(height, width) / MAX_WORKING_SIDE))
    luminance, alpha = shrunk_planes(array, scale, factor)
    gray = composite(luminance, alpha)

    inverted = ink_polarity(gray) if invert is None else bool(invert)
    if inverted:
        gray = np.subtract(np.float32(1.0), gray, dtype=np.float32)
    background = float(np.median(_border(gray))) if _has_interior(gray) else 0.0
    ink = np.clip(gray - np.float32(background), 0.0, 1.0)

    is_ink = ink > threshold
    ink_rows = np.flatnonzero(is_ink.any(axis=1))
    if ink_rows.size == 0:
        raise EmptyImageError(
            f"The image has no ink: no pixel stands out from the background by more "
            f"than threshold={threshold:g} (background level {background:.3f}, "
            f"{'after' if inverted else 'without'} inverting). Draw something, or pick "
            f"another image; for very faint ink pass a lower threshold."
        )
    ink_columns = np.flatnonzero(is_ink.any(axis=0))
    top, bottom = int(ink_rows[0]), int(ink_rows[-1]) + 1
    left, right = int(ink_columns[0]), int(ink_columns[-1]) + 1
    crop = np.where(is_ink[top:bottom, left:right], ink[top:bottom, left:right], 0.0)

    crop_height, crop_width = crop.shape
    ratio = box / max(crop_height, crop_width)
    scaled = resize(
        crop.astype(np.float32, copy=False),
        max(1, int(math.floor(crop_height * ratio + 0.5))),
        max(1, int(math.floor(crop_width * ratio + 0.5))),
    )
    frame = _paste_centred(scaled, size)
    np.clip(frame / frame.max(), 0.0, 1.0, out=frame)
    frame.setflags(write=False)

    bounding_box = (
        top * factor,
        left * factor,
        min(bottom * factor, height),
        min(right * factor, width),
    )
    return PreprocessResult(
        input=frame[np.newaxis, :, :, np.newaxis],
        image=frame,
        inverted=inverted,
        bounding_box=bounding_box,
    )


def _check_options(invert: object, threshold: float, box: int, size: int) -> None:
    if invert is not None and not isinstance(invert, (bool, np.bool_)):
        raise ValueError(
            f"invert must be None (detect), True or False; received {invert!r}."
        )
    if not 0.0 <= float(threshold) < 1.0:
        raise ValueError(
            f"threshold must lie in [0, 1) (ink brightness above the background); "
            f"received {threshold!r}. The default is 0.05."
        )
    if int(size) != size or size < 1:
        raise ValueError(f"size must be a positive whole number of pixels; received {size!r}.")
    if int(box) != box or not 1 <= box <= size:
        raise ValueError(
            f"box must be a whole number of pixels from 1 to size={size}; received {box!r}. "
            f"MNIST uses box=20 in a 28-pixel frame."
        )


def _has_interior(gray: np.ndarray) -> bool:
    return gray.shape[0] >= 3 and gray.shape[1] >= 3


def _border(gray: np.ndarray) -> np.ndarray:
    """The outermost ring of pixels, ``(2 * (H + W) - 4,)`` for ``H, W >= 2``."""
    return np.concatenate([gray[0], gray[-1], gray[1:-1, 0], gray[1:-1, -1]])


def _paste_centred(image: np.ndarray, size: int) -> np.ndarray:
    """Paste ``(h, w)`` into a black ``(size, size)`` frame, centre of mass near the middle.

    The shift is a whole number of pixels (as MNIST did), clamped so nothing is clipped.
    """
    height, width = image.shape
    total = float(image.sum(dtype=np.float64))
    centre_row = float(image.sum(axis=1, dtype=np.float64) @ np.arange(height)) / total
    centre_column = float(image.sum(axis=0, dtype=np.float64) @ np.arange(width)) / total
    middle = size / 2.0
    top = min(max(int(math.floor(middle - centre_row + 0.5)), 0), size - height)
    left = min(max(int(math.floor(middle - centre_column + 0.5)), 0), size - width)
    frame = np.zeros((size, size), np.float32)
    frame[top:top + height, left:left + width] = image
    return frame
