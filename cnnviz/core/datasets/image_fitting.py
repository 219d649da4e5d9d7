"""How a picture of any size and colour becomes one image of an image-folder dataset.

The rule, :data:`RESIZE_RULE`, is the one every dataset image meets on its way to a model
(:func:`cnnviz.core.preprocessing.fit_batch`, which does the work): the picture is scaled, keeping its
aspect ratio, to the largest size that fits inside the target height x width (area-averaged when
shrinking, bilinear when enlarging), then centred on black padding. Nothing is cropped, so nothing
the picture shows is lost; a picture of another aspect ratio gets black bars. Transparent pixels are
composited over black, like the padding. Colour becomes grey by its luminance (ITU-R BT.601 weights)
when one channel is asked for; a grey picture becomes RGB by repeating its grey level. The result is
stored as ``uint8``, as the other datasets' images are.
"""

from __future__ import annotations

import numpy as np

from cnnviz.core.preprocessing.model_input import fit_batch

RESIZE_RULE = "scaled to fit preserving aspect ratio, then centred on black padding"
"""The resize rule in words, as the command line and the window state it."""


def _as_float_rgb_or_grey(picture: np.ndarray) -> np.ndarray:
    """``(h, w, 1)`` grey or ``(h, w, 3)`` RGB float32 in [0, 1], alpha composited over black."""
    array = np.asarray(picture)
    if array.dtype != np.uint8 or not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (1, 3, 4))):
        raise ValueError(f"a decoded picture must be (h, w) grey, (h, w, 3) RGB or (h, w, 4) RGBA uint8, got "
                         f"{array.shape} {array.dtype}")
    if min(array.shape[:2]) == 0:
        raise ValueError("the picture is empty (0 pixels)")
    values = array.astype(np.float32) / np.float32(255.0)
    if values.ndim == 2:
        return values[..., None]
    if values.shape[2] == 4:
        return values[..., :3] * values[..., 3:4]
    return values


def fit_picture(picture: np.ndarray, image_shape: tuple[int, int, int]) -> np.ndarray:
    """One picture as a dataset image, by :data:`RESIZE_RULE`.

    Parameters
    ----------
    picture : numpy.ndarray
        ``(h, w)`` grey, ``(h, w, 3)`` RGB or ``(h, w, 4)`` RGBA ``uint8``, any size.
    image_shape : (int, int, int)
        ``(height, width, channels)`` of the result; channels 1 (grey) or 3 (RGB).

    Returns
    -------
    numpy.ndarray
        ``(height, width)`` ``uint8`` for one channel, ``(height, width, 3)`` for three.

    Raises
    ------
    ValueError
        If the picture is not such an array.
    """
    fitted, _ = fit_batch(_as_float_rgb_or_grey(picture)[np.newaxis], image_shape)
    image = np.rint(np.clip(fitted[0], 0.0, 1.0) * 255.0).astype(np.uint8)
    return image[..., 0] if image_shape[2] == 1 else image
