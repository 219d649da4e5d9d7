"""Pictures in and out of Qt: QImage to NumPy arrays, and reading image files with a clear error."""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtGui import QImage, QImageReader


def gray_array(image: QImage) -> np.ndarray:
    """``(H, W)`` uint8 copy of a ``Format_Grayscale8`` image (row padding dropped)."""
    height, width = image.height(), image.width()
    rows = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    return rows.reshape(height, image.bytesPerLine())[:, :width].copy()


def qimage_to_array(image: QImage) -> np.ndarray:
    """A picture as ``(H, W)`` grey, ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA uint8."""
    if image.hasAlphaChannel():
        image, channels = image.convertToFormat(QImage.Format.Format_RGBA8888), 4
    elif image.isGrayscale():
        return gray_array(image.convertToFormat(QImage.Format.Format_Grayscale8))
    else:
        image, channels = image.convertToFormat(QImage.Format.Format_RGB888), 3
    height, width = image.height(), image.width()
    rows = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    rows = rows.reshape(height, image.bytesPerLine())[:, :width * channels]
    return rows.reshape(height, width, channels).copy()


def read_image_file(path: str) -> np.ndarray:
    """Read a picture file (any format Qt reads; EXIF orientation honoured) as a uint8 array.

    Raises
    ------
    ValueError
        Naming the file and why it could not be read.
    """
    name = os.path.basename(str(path)) or str(path)
    if not os.path.isfile(path):
        raise ValueError(f"Could not open {name}: no such file ({path}).")
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    image = reader.read()
    if image.isNull():
        raise ValueError(f"Could not open {name}: {reader.errorString()}. Use a PNG, JPEG, BMP or GIF picture.")
    return qimage_to_array(image)
