"""Turn a drawn or loaded picture into a model input the way MNIST itself was made.

MNIST digits are light ink on a black background; each digit was scaled, keeping its
aspect ratio, so that its longer side is 20 pixels (antialiased, which makes the grey
levels), then placed in a 28 x 28 frame with its centre of mass at the frame's centre.
:func:`preprocess_image` repeats those steps for any picture: a canvas drawing, a photo of
a digit on paper, an RGBA file with a transparent background.  Dataset images are already
in that form and only need scaling to ``[0, 1]`` (:func:`preprocess_batch`).

Pure NumPy: no Pillow or SciPy, so the interface and the engines can rely on it anywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "EmptyImageError",
    "PreprocessResult",
    "MAX_WORKING_SIDE",
    "to_grayscale",
    "ink_polarity",
    "preprocess_image",
    "preprocess_batch",
]

#: Larger pictures are block-averaged down by an integer factor until their longer side is
#: at most this many pixels before anything else happens, so memory and time stay bounded.
MAX_WORKING_SIDE = 1024

# ITU-R BT.601 luma weights, the ones most image libraries use for "L" conversion.
_LUMA_WEIGHTS = (0.299, 0.587, 0.114)

# Upper bound on the elements converted to float32 at once while shrinking a big picture.
_STRIP_ELEMENTS = 1 << 21

_SUPPORTED_CHANNELS = (1, 3, 4)


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
    image28 : numpy.ndarray
        ``(size, size)`` float32 in ``[0, 1]``, the same pixels for display.
    inverted : bool
        True if the source was dark ink on a light background and was inverted.
    bounding_box : tuple of int
        ``(top, left, bottom, right)`` of the ink in the source picture's pixel
        coordinates; ``bottom`` and ``right`` are exclusive.
    """

    input: np.ndarray
    image28: np.ndarray
    inverted: bool
    bounding_box: tuple[int, int, int, int]


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
    array, scale = _validated_image(image)
    luminance, alpha = _channel_planes(array, scale)
    return _composite(luminance, alpha)


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
    array, scale = _validated_image(image)
    height, width = array.shape[:2]
    factor = max(1, math.ceil(max(height, width) / MAX_WORKING_SIDE))
    luminance, alpha = _shrunk_planes(array, scale, factor)
    gray = _composite(luminance, alpha)

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
    scaled = _resize(
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
        image28=frame,
        inverted=inverted,
        bounding_box=bounding_box,
    )


def preprocess_batch(images: ArrayLike) -> np.ndarray:
    """Scale dataset images (already MNIST-formatted) to model inputs.

    No cropping or re-centring: dataset images are already framed.

    Parameters
    ----------
    images : array_like
        ``(n, h, w)`` or ``(n, h, w, 1)``; ``uint8`` in ``0..255`` or float already in
        ``[0, 1]``.

    Returns
    -------
    numpy.ndarray
        ``(n, h, w, 1)`` float32 in ``[0, 1]``.
    """
    array = np.asarray(images)
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 3:
        raise ValueError(
            f"preprocess_batch expects dataset images shaped (n, height, width); received "
            f"shape {array.shape}. Use preprocess_image for a single picture."
        )
    if array.dtype == np.uint8:
        batch = np.divide(array, np.float32(255.0), dtype=np.float32)
    elif array.dtype.kind == "f":
        batch = array.astype(np.float32)
        if batch.size and not (
            np.isfinite(batch.min()) and np.isfinite(batch.max())
            and batch.min() >= 0.0 and batch.max() <= 1.0
        ):
            raise ValueError(
                f"preprocess_batch expects float images already in [0, 1]; received values "
                f"from {batch.min()} to {batch.max()}. Pass the raw uint8 images instead."
            )
    else:
        raise ValueError(
            f"preprocess_batch expects uint8 images (0..255) or float images in [0, 1]; "
            f"received dtype {array.dtype}. Convert with np.asarray(images, np.uint8)."
        )
    return batch[..., np.newaxis]


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


def _validated_image(image: ArrayLike) -> tuple[np.ndarray, float]:
    """Check a picture and find the value that maps its full scale to 1.

    Returns the picture as an ndarray (no copy when it already is one) with shape
    ``(H, W)`` or ``(H, W, C)``, C in 3 or 4, and that divisor.
    """
    expected = (
        "expected a numeric picture shaped (height, width) for grey, or (height, width, "
        "channels) with 1 (grey), 3 (RGB) or 4 (RGBA) channels"
    )
    try:
        array = np.asarray(image)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"Could not read the image as an array ({error}); {expected}. Pass a NumPy "
            f"array, e.g. np.asarray(pil_image)."
        ) from None
    if array.dtype.kind not in "biuf":
        raise ValueError(
            f"Received a {type(image).__name__} with dtype {array.dtype}; {expected} of "
            f"uint8, integer, bool or float values. Pass a NumPy array, e.g. "
            f"np.asarray(pil_image)."
        )
    if array.ndim not in (2, 3):
        raise ValueError(
            f"Received an array of shape {array.shape} ({array.ndim}-D); {expected}. "
            f"For a batch, preprocess one picture at a time."
        )
    if array.ndim == 3 and array.shape[2] not in _SUPPORTED_CHANNELS:
        raise ValueError(
            f"Received {array.shape[2]} channels (shape {array.shape}); {expected}. "
            f"Convert the picture to grey, RGB or RGBA first."
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(
            f"Received an empty image of shape {array.shape}; expected at least 1 x 1 "
            f"pixels. Check that the file loaded correctly."
        )
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]

    if array.dtype.kind == "b":
        return array, 1.0
    # min and max reduce without a temporary copy; NaN propagates into both, inf shows.
    with np.errstate(invalid="ignore"):
        lowest, highest = array.min(), array.max()
    if array.dtype.kind == "f" and not (np.isfinite(lowest) and np.isfinite(highest)):
        raise ValueError(
            f"The image contains NaN or infinite values (shape {array.shape}, dtype "
            f"{array.dtype}); expected finite numbers. Replace them first, e.g. with "
            f"np.nan_to_num(image)."
        )
    highest = float(highest)
    if array.dtype == np.uint8:
        return array, 255.0
    if array.dtype.kind == "f":
        return array, 1.0 if highest <= 1.0 else 255.0
    if highest <= 255:
        return array, 255.0
    return array, 65535.0 if highest <= 65535 else highest


def _channel_planes(array: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray | None]:
    """Luminance (premultiplied by alpha for RGBA) and alpha planes, float32 in [0, 1]."""
    values = array.astype(np.float32)
    if scale != 1.0:
        values *= np.float32(1.0 / scale)
    np.clip(values, 0.0, 1.0, out=values)
    if values.ndim == 2:
        return values, None
    red, green, blue = (values[:, :, channel] for channel in range(3))
    luminance = (
        red * np.float32(_LUMA_WEIGHTS[0])
        + green * np.float32(_LUMA_WEIGHTS[1])
        + blue * np.float32(_LUMA_WEIGHTS[2])
    )
    if values.shape[2] == 3:
        return luminance, None
    alpha = np.ascontiguousarray(values[:, :, 3])
    luminance *= alpha
    return luminance, alpha


def _composite(luminance: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    """Composite premultiplied luminance over the background its visible ink implies."""
    if alpha is None:
        return luminance
    coverage = float(alpha.sum(dtype=np.float64))
    visible = float(luminance.sum(dtype=np.float64)) / coverage if coverage > 0 else 0.0
    background = np.float32(1.0 if visible < 0.5 else 0.0)
    gray = luminance + (np.float32(1.0) - alpha) * background
    return np.clip(gray, 0.0, 1.0, out=gray)


def _shrunk_planes(
    array: np.ndarray, scale: float, factor: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`_channel_planes` of the picture block-averaged by ``factor``.

    Big pictures are converted a strip of rows at a time, so no float copy of the whole
    picture is ever made.  Premultiplied luminance and alpha average linearly, so
    compositing afterwards equals compositing first.
    """
    if factor == 1:
        return _channel_planes(array, scale)
    height, width = array.shape[:2]
    channels = 1 if array.ndim == 2 else array.shape[2]
    shape = (-(-height // factor), -(-width // factor))
    luminance = np.empty(shape, np.float32)
    alpha = np.empty(shape, np.float32) if channels == 4 else None
    rows_per_strip = max(1, _STRIP_ELEMENTS // (width * channels * factor)) * factor
    for start in range(0, height, rows_per_strip):
        strip_luminance, strip_alpha = _channel_planes(
            array[start:start + rows_per_strip], scale
        )
        first = start // factor
        block = _block_mean(strip_luminance, factor)
        luminance[first:first + block.shape[0]] = block
        if alpha is not None and strip_alpha is not None:  # both exactly when the picture is RGBA
            alpha[first:first + block.shape[0]] = _block_mean(strip_alpha, factor)
    return luminance, alpha


def _block_mean(plane: np.ndarray, factor: int) -> np.ndarray:
    """Mean over ``factor x factor`` blocks; the last row and column of blocks may be short."""
    height, width = plane.shape
    row_starts = np.arange(0, height, factor)
    column_starts = np.arange(0, width, factor)
    sums = np.add.reduceat(np.add.reduceat(plane, row_starts, axis=0), column_starts, axis=1)
    row_counts = np.diff(np.append(row_starts, height))
    column_counts = np.diff(np.append(column_starts, width))
    return sums / np.outer(row_counts, column_counts).astype(np.float32)


def _has_interior(gray: np.ndarray) -> bool:
    return gray.shape[0] >= 3 and gray.shape[1] >= 3


def _border(gray: np.ndarray) -> np.ndarray:
    """The outermost ring of pixels, ``(2 * (H + W) - 4,)`` for ``H, W >= 2``."""
    return np.concatenate([gray[0], gray[-1], gray[1:-1, 0], gray[1:-1, -1]])


def _axis_weights(num_in: int, num_out: int) -> np.ndarray:
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


def _resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Separable resample of ``(h, w)`` float32 to ``(height, width)``."""
    row_weights = _axis_weights(image.shape[0], height)
    column_weights = _axis_weights(image.shape[1], width)
    return (row_weights @ image) @ column_weights.T


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
