"""Scale dataset images, already framed the MNIST way, to model inputs."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


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
