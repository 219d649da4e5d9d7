"""How a picture of any size and colour becomes one image of an image-folder dataset.

The rule, :data:`RESIZE_RULE`: the picture is scaled, keeping its aspect ratio, to the largest size
that fits inside the target height x width (area-averaged when shrinking, bilinear when
enlarging), then centred on black padding. Nothing is cropped, so nothing the picture shows is
lost; a picture of another aspect ratio gets black bars. Transparent pixels are composited over
black, like the padding. Colour becomes grey by its luminance (ITU-R BT.601 weights) when one
channel is asked for; a grey picture becomes RGB by repeating its grey level.
"""

from __future__ import annotations

import numpy as np

from cnnviz.core.preprocessing.conversion import resize

RESIZE_RULE = "scaled to fit preserving aspect ratio, then centred on black padding"
"""The resize rule in words, as the command line and the window state it."""
LUMINANCE_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def fitted_size(height: int, width: int, target_height: int, target_width: int) -> tuple[int, int]:
    """The size a ``height x width`` picture is scaled to so that it fits the target, aspect kept."""
    scale = min(target_height / height, target_width / width)
    return (min(target_height, max(1, round(height * scale))), min(target_width, max(1, round(width * scale))))


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
    height, width, channels = image_shape
    values = _as_float_rgb_or_grey(picture)
    if channels == 1 and values.shape[2] == 3:
        values = (values @ LUMINANCE_WEIGHTS)[..., None]
    elif channels == 3 and values.shape[2] == 1:
        values = np.repeat(values, 3, axis=2)
    fit_height, fit_width = fitted_size(values.shape[0], values.shape[1], height, width)
    top, left = (height - fit_height) // 2, (width - fit_width) // 2
    canvas = np.zeros((height, width, channels), dtype=np.float32)
    for channel in range(channels):
        canvas[top:top + fit_height, left:left + fit_width, channel] = resize(
            np.ascontiguousarray(values[..., channel]), fit_height, fit_width)
    image = np.rint(np.clip(canvas, 0.0, 1.0) * 255.0).astype(np.uint8)
    return image[..., 0] if channels == 1 else image
