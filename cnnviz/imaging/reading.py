"""Reading picture files with Qt's image reader, within bounds, as QImages or NumPy arrays.

Every picture cnnviz opens (an input for the canvas, a picture of an image-folder dataset) goes
through :func:`read_qimage`: the size the file declares is checked before anything is decoded,
and Qt is told never to allocate more than :data:`IMAGE_ALLOCATION_LIMIT_MB` for one picture.
Only ``PySide6.QtGui`` is used, so this reads pictures without a window or an application object.
"""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage, QImageReader

MAX_IMAGE_SIDE = 16_384
"""The widest or tallest picture cnnviz opens, in pixels."""
MAX_IMAGE_PIXELS = 50_000_000
"""The most pixels a picture may have (a 50-megapixel photo is 200 MB decoded as RGBA)."""
IMAGE_ALLOCATION_LIMIT_MB = 256
"""Qt's own cap on the memory one decoded picture may take (QImageReader.setAllocationLimit)."""


class ImageFileError(ValueError):
    """A picture file could not be read; the message names the file and says why.

    ``reason`` is the why alone, in a few words (for a list of files that could not be read).
    """

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


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


def _readable_formats() -> str:
    return ", ".join(sorted({bytes(item).decode().upper() for item in QImageReader.supportedImageFormats()}))


def read_qimage(path: str | os.PathLike, fit_within: tuple[int, int] | None = None) -> QImage:
    """Read a picture in any format Qt reads, turned upright as its EXIF orientation says.

    The size the file's header declares is checked before anything is decoded, and Qt is told never
    to allocate more than :data:`IMAGE_ALLOCATION_LIMIT_MB` for one picture, so a small file that
    declares a gigantic picture is refused at once.

    Parameters
    ----------
    path : str or os.PathLike
    fit_within : (int, int), optional
        ``(height, width)``: a larger picture is shrunk while it is decoded (aspect ratio kept) to fit
        inside it, which is much faster for large photos; a smaller one is left as it is.

    Raises
    ------
    ImageFileError
        If there is no such file, it declares a picture larger than :data:`MAX_IMAGE_SIDE` or
        :data:`MAX_IMAGE_PIXELS`, or it is not a picture Qt can read; the message names the file,
        says why and lists the formats that can be read.
    """
    path = str(path)
    name = os.path.basename(path) or path
    if not os.path.isfile(path):
        raise ImageFileError(f"Could not open {name}: no such file ({path}).", "no such file")
    QImageReader.setAllocationLimit(IMAGE_ALLOCATION_LIMIT_MB)
    reader = QImageReader(path)
    reader.setAutoTransform(True)  # photos: honour the EXIF orientation
    size = reader.size()
    if size.isValid():
        width, height = size.width(), size.height()
        if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
            raise ImageFileError(
                f"Could not open {name}: it declares a picture of {width:,}×{height:,} pixels, more than cnnviz "
                f"opens (at most {MAX_IMAGE_SIDE:,} pixels a side and {MAX_IMAGE_PIXELS // 1_000_000} megapixels). "
                "Scale it down, or crop the part to inspect, and open that.",
                f"declares {width:,}×{height:,} pixels, more than cnnviz opens")
        if fit_within is not None and width > 0 and height > 0:
            scale = min(fit_within[0] / height, fit_within[1] / width)
            if scale < 1.0:
                reader.setScaledSize(QSize(max(1, round(width * scale)), max(1, round(height * scale))))
    image = reader.read()
    if image.isNull():
        raise ImageFileError(
            f"Could not open {name}: {reader.errorString()}. Expected a picture no larger than "
            f"{IMAGE_ALLOCATION_LIMIT_MB} MB decoded, in one of these formats: {_readable_formats()}.",
            f"{reader.errorString()} (not a picture Qt reads, or damaged)")
    return image


def read_image_file(path: str | os.PathLike, fit_within: tuple[int, int] | None = None) -> np.ndarray:
    """Read a picture file (any format Qt reads; EXIF orientation honoured) as a uint8 array.

    Returns
    -------
    numpy.ndarray
        ``(H, W)`` grey, ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA (see :func:`qimage_to_array`).

    Raises
    ------
    ImageFileError
        Naming the file and why it could not be read (see :func:`read_qimage`).
    """
    return qimage_to_array(read_qimage(path, fit_within))
