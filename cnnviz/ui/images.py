"""Pictures in and out of Qt: QImage to NumPy arrays, and reading image files with a clear error.

The reader and the conversions live in :mod:`cnnviz.imaging.reading` (Qt's GUI module only), so that
the command line and the model service read pictures the same bounded way; they are the
interface's names for them.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from cnnviz.imaging.reading import (
    IMAGE_ALLOCATION_LIMIT_MB,
    MAX_IMAGE_PIXELS,
    MAX_IMAGE_SIDE,
    ImageFileError,
    gray_array,
    qimage_to_array,
    read_image_file,
    read_qimage,
)

__all__ = ["IMAGE_ALLOCATION_LIMIT_MB", "MAX_IMAGE_PIXELS", "MAX_IMAGE_SIDE", "ImageFileError", "gray_array",
           "picture_qimage", "qimage_to_array", "read_image_file", "read_qimage"]


def picture_qimage(image: np.ndarray) -> QImage:
    """A QImage holding its own copy of a picture with values in ``[0, 1]``: ``(h, w)`` or ``(h, w, 1)``
    as ``Grayscale8``, ``(h, w, 3)`` as ``RGB888`` (its colours kept). NaN is drawn black.

    Raises
    ------
    ValueError
        If ``image`` is neither grey nor RGB.
    """
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 2 and not (array.ndim == 3 and array.shape[-1] == 3):
        raise ValueError(f"A picture must have shape (height, width), (height, width, 1) or (height, width, 3); "
                         f"received {array.shape}.")
    levels = np.ascontiguousarray(np.clip(np.nan_to_num(array) * 255.0 + 0.5, 0, 255).astype(np.uint8))
    height, width = levels.shape[:2]
    if levels.ndim == 2:
        return QImage(levels.data, width, height, width, QImage.Format.Format_Grayscale8).copy()
    return QImage(levels.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
