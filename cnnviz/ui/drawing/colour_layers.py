"""The colour canvas's pixels: an ink layer over a background colour, and conversions to and from grey.

A grey model's canvas is one ``Grayscale8`` picture, white ink on black. A colour model's canvas is
an ink layer (``ARGB32_Premultiplied``: transparent where nothing is drawn) shown over a background
colour, so that the background can be changed at any time without touching the strokes, and the
eraser gives the background back. The picture the model gets is the layer composited over the
background (:func:`composite_rgb`).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage, QPainter

__all__ = ["INK_FORMAT", "blank_ink_layer", "ink_layer_from_grey", "ink_layer_from_rgb", "composite",
           "composite_rgb", "alpha_array"]

#: Pixel format of the colour canvas's ink layer.
INK_FORMAT = QImage.Format.Format_ARGB32_Premultiplied


def blank_ink_layer(side: int) -> QImage:
    """A transparent ``side`` square ink layer (nothing drawn)."""
    layer = QImage(side, side, INK_FORMAT)
    layer.fill(QColor(0, 0, 0, 0))
    return layer


def ink_layer_from_grey(grey: QImage) -> QImage:
    """A grey canvas (white ink on black) as an ink layer: white ink whose opacity is the grey level,
    so the ink keeps its shape and soft edges over any background."""
    levels = _bytes(grey.convertToFormat(QImage.Format.Format_Grayscale8), 1)[..., 0]
    # Premultiplied white of opacity a is (a, a, a, a); the bytes of ARGB32 are B, G, R, A in memory.
    pixels = np.repeat(levels[..., np.newaxis], 4, axis=2)
    return _image(pixels)


def ink_layer_from_rgb(image: QImage) -> QImage:
    """Any picture as an ink layer of its own (its transparent pixels stay transparent)."""
    return image.convertToFormat(INK_FORMAT)


def composite(layer: QImage, background: QColor) -> QImage:
    """The ink layer drawn over ``background``, as an opaque ``RGB32`` picture."""
    picture = QImage(layer.size(), QImage.Format.Format_RGB32)
    picture.fill(background)
    painter = QPainter(picture)
    painter.drawImage(0, 0, layer)
    painter.end()
    return picture


def composite_rgb(layer: QImage, background: QColor) -> np.ndarray:
    """The ink layer over ``background`` as ``(H, W, 3)`` uint8 RGB (a copy)."""
    picture = composite(layer, background).convertToFormat(QImage.Format.Format_RGB888)
    return _bytes(picture, 3)


def alpha_array(layer: QImage) -> np.ndarray:
    """The ink layer's opacity, ``(H, W)`` uint8 (0: nothing drawn)."""
    return _bytes(layer.convertToFormat(INK_FORMAT), 4)[..., 3]


def _bytes(image: QImage, channels: int) -> np.ndarray:
    height, width = image.height(), image.width()
    rows = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    return rows.reshape(height, image.bytesPerLine())[:, :width * channels].reshape(height, width, channels).copy()


def _image(pixels: np.ndarray) -> QImage:
    """``(H, W, 4)`` uint8 bytes (B, G, R, A, premultiplied) as an ink layer holding its own copy."""
    height, width = pixels.shape[:2]
    data = np.ascontiguousarray(pixels)
    return QImage(data.data, width, height, 4 * width, INK_FORMAT).copy()
