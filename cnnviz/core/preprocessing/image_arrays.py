"""Read any array-like as a picture: check its shape, dtype and values, and find its full scale.

Grey ``(H, W)``, ``(H, W, 1)``, RGB ``(H, W, 3)`` and RGBA ``(H, W, 4)`` pictures of ``uint8``,
other integer, ``bool`` or float values are accepted; anything else is refused with a message
that says what was received and how to pass a picture instead.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

SUPPORTED_CHANNELS = (1, 3, 4)


def validated_image(image: ArrayLike) -> tuple[np.ndarray, float]:
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
    if array.ndim == 3 and array.shape[2] not in SUPPORTED_CHANNELS:
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
