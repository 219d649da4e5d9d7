"""From pictures to model inputs and back: the framing the input panel applies.

A model input is a read-only ``(1, H, W, C)`` float32 array in ``[0, 1]``, NHWC, light ink on
black, where ``(H, W, C)`` is the model's input shape. A drawing is cropped, scaled so that its
longer side fills :data:`INK_SHARE` of the input's shorter side and centred by its centre of mass
(:func:`drawn_input`); a dataset image is already framed and only scaled to ``[0, 1]``
(:func:`dataset_input`). Grey pictures become colour inputs by repeating them in every channel.

A colour model's drawing keeps its colours: the whole canvas, as shown (ink over the chosen
background), is scaled to the input (:func:`colour_drawn_input`). Colour models learn from whole
scenes, not from centred strokes, so what is on the canvas is what the model gets.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter

from cnnviz.core.checks import is_int
from cnnviz.core.config import ModelConfig
from cnnviz.core.preprocessing import (
    COLOUR_TO_GREY,
    GREY_TO_COLOUR,
    fit_batch,
    ink_polarity,
    picture_input,
    preprocess_batch,
    to_grayscale,
)
from cnnviz.core.preprocessing.model_input import INK_SHARE
from cnnviz.ui.drawing.colour_layers import INK_FORMAT
from cnnviz.ui.drawing.surface import CANVAS_SIZE
from cnnviz.ui.images import picture_qimage

__all__ = [
    "DEFAULT_INPUT_SHAPE",
    "INK_SHARE",
    "gray_image",
    "light_on_dark",
    "shape_text",
    "plane_input",
    "dataset_input",
    "ink_box",
    "drawn_input",
    "colour_drawn_input",
    "fitted_colour_canvas",
    "refitted_input",
    "fitted_canvas",
    "checked_input_shape",
    "is_colour_picture",
    "over_black",
    "colour_note",
]

#: ``(height, width, channels)`` of the model input until a model says otherwise: the default
#: model configuration's, so the panel and a new model agree before one is built.
DEFAULT_INPUT_SHAPE: tuple[int, int, int] = tuple(ModelConfig().input_shape)


def gray_image(gray: np.ndarray) -> QImage:
    """A ``Format_Grayscale8`` QImage holding its own copy of ``(H, W)`` uint8 ``gray``."""
    height, width = gray.shape
    image = QImage(width, height, QImage.Format.Format_Grayscale8)
    rows = np.frombuffer(image.bits(), np.uint8, count=image.sizeInBytes())
    rows.reshape(height, image.bytesPerLine())[:, :width] = gray
    return image


def light_on_dark(image: np.ndarray) -> np.ndarray:
    """Any picture as ``(H, W)`` uint8 light ink on a black background, full contrast.

    Dark-on-light pictures are inverted and the background level is subtracted, so the
    canvas always looks like MNIST and strokes drawn over the picture match it.
    """
    gray = to_grayscale(image)
    if ink_polarity(gray):
        gray = 1.0 - gray
    if gray.shape[0] >= 3 and gray.shape[1] >= 3:
        border = np.concatenate([gray[0], gray[-1], gray[1:-1, 0], gray[1:-1, -1]])
        gray = np.clip(gray - np.median(border), 0.0, 1.0)
    highest = float(gray.max())
    if highest > 0:
        gray = gray / highest
    return np.round(gray * 255.0).astype(np.uint8)


def shape_text(input_shape: tuple[int, int, int]) -> str:
    """``"28×28"`` for a grey input, ``"32×24×3"`` otherwise."""
    height, width, channels = input_shape
    return f"{height}×{width}" if channels == 1 else f"{height}×{width}×{channels}"


def plane_input(plane: np.ndarray, input_shape: tuple[int, int, int]) -> np.ndarray:
    """A ``(height, width)`` float plane in ``[0, 1]`` as a read-only ``(1, H, W, C)`` input.

    A grey picture becomes a colour input by repeating it in every channel (white ink on
    black stays white on black).
    """
    channels = input_shape[2]
    model_input = np.repeat(np.asarray(plane, np.float32)[np.newaxis, :, :, np.newaxis], channels, axis=3)
    model_input.setflags(write=False)
    return model_input


def dataset_input(image: np.ndarray, input_shape: tuple[int, int, int]) -> np.ndarray:
    """A framed picture (a dataset image) as a read-only ``(1, H, W, C)`` float32 input.

    Parameters
    ----------
    image : numpy.ndarray
        ``(H, W)``, ``(H, W, 1)``, ``(H, W, C)`` or ``(1, H, W, C)`` with the input's height
        and width, ``uint8`` or float in ``[0, 1]``.
    input_shape : tuple of int
        ``(H, W, C)`` of the model input.

    Raises
    ------
    ValueError
        If ``image`` does not have the input's height and width, or holds values that are
        neither ``uint8`` nor in ``[0, 1]``.
    """
    height, width, channels = input_shape
    array = np.asarray(image)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim == 2:
        array = array[..., np.newaxis]
    if array.ndim != 3 or array.shape[:2] != (height, width) or array.shape[2] not in (1, channels):
        raise ValueError(
            f"A preprocessed image must have the model input's size, {height} x {width} "
            f"(shaped ({height}, {width}), ({height}, {width}, 1), ({height}, {width}, {channels}) "
            f"or (1, {height}, {width}, {channels})); received shape {np.shape(image)}. Pass "
            f"preprocessed=False to have any picture cropped, scaled and centred."
        )
    # preprocess_batch checks the value range and scales each channel plane like an image.
    planes = preprocess_batch(np.moveaxis(array, -1, 0))[..., 0]
    model_input = np.repeat(np.moveaxis(planes, 0, -1)[np.newaxis], channels // planes.shape[0], axis=3)
    model_input = np.ascontiguousarray(model_input, dtype=np.float32)
    model_input.setflags(write=False)
    return model_input


def ink_box(input_shape: tuple[int, int, int]) -> int:
    """Pixels a drawing's longer side gets in the input (20 of 28, like MNIST)."""
    return max(1, int(round(min(input_shape[:2]) * INK_SHARE)))


def drawn_input(canvas: np.ndarray, input_shape: tuple[int, int, int]) -> np.ndarray:
    """A drawing as a model input: cropped, scaled to :func:`ink_box`, centred by its mass.

    Parameters
    ----------
    canvas : numpy.ndarray
        ``(CANVAS_SIZE, CANVAS_SIZE)`` uint8, light ink on black.
    input_shape : tuple of int
        ``(H, W, C)`` of the model input; the drawing is framed in its shorter side's square.

    Raises
    ------
    cnnviz.core.preprocessing.EmptyImageError
        If the canvas holds no ink.
    """
    # The canvas background is black by definition; a one-pixel black margin keeps
    # ink that touches every edge from being taken for the background.
    return picture_input(np.pad(canvas, 1), input_shape, invert=False).input


def colour_drawn_input(canvas: np.ndarray, input_shape: tuple[int, int, int],
                       background: QColor) -> np.ndarray:
    """A colour drawing as a model input: the whole canvas, colours kept, scaled to fit the input.

    Parameters
    ----------
    canvas : numpy.ndarray
        ``(CANVAS_SIZE, CANVAS_SIZE, 3)`` uint8 RGB, the ink over the background as shown.
    input_shape : tuple of int
        ``(H, W, C)`` of the model input; a grey model gets the canvas's BT.601 luminance.
    background : QColor
        The canvas background; a non-square input is filled with it beside the square canvas.
    """
    height, width = input_shape[:2]
    side = canvas.shape[0]
    # Widen (or heighten) the square canvas to the input's aspect with background, so that
    # nothing black appears that the person did not draw.
    framed_height = max(side, int(round(side * height / width)))
    framed_width = max(side, int(round(side * width / height)))
    if (framed_height, framed_width) == canvas.shape[:2]:
        return picture_input(canvas, input_shape).input   # a square input: the canvas as it is
    framed = np.empty((framed_height, framed_width, 3), np.uint8)
    framed[:] = (background.red(), background.green(), background.blue())
    top, left = (framed_height - side) // 2, (framed_width - side) // 2
    framed[top:top + side, left:left + side] = canvas
    return picture_input(framed, input_shape).input


def fitted_colour_canvas(picture: np.ndarray) -> QImage:
    """A picture (``(H, W, 3)`` RGB in [0, 1] or uint8) scaled smoothly, keeping its aspect, and
    centred on a transparent ink layer: the canvas's background shows beside it."""
    array = np.asarray(picture)
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 255.0
    scaled = picture_qimage(array).scaled(
        CANVAS_SIZE, CANVAS_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    canvas = QImage(CANVAS_SIZE, CANVAS_SIZE, INK_FORMAT)
    canvas.fill(QColor(0, 0, 0, 0))
    painter = QPainter(canvas)
    painter.drawImage((CANVAS_SIZE - scaled.width()) // 2, (CANVAS_SIZE - scaled.height()) // 2, scaled)
    painter.end()
    return canvas


def refitted_input(model_input: np.ndarray, input_shape: tuple[int, int, int]) -> np.ndarray:
    """A framed input of another shape fitted to ``input_shape`` as training fits dataset images
    (aspect kept, centred on black; colour to grey by BT.601 luminance, grey repeated for colour)."""
    refitted, _ = fit_batch(np.asarray(model_input, np.float32), input_shape)
    refitted.setflags(write=False)
    return refitted


def fitted_canvas(gray: np.ndarray) -> QImage:
    """``gray`` scaled (smoothly, keeping its aspect) and centred on a black canvas."""
    source = gray_image(gray)
    scaled = source.scaled(
        CANVAS_SIZE, CANVAS_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    ).convertToFormat(QImage.Format.Format_Grayscale8)
    canvas = QImage(CANVAS_SIZE, CANVAS_SIZE, QImage.Format.Format_Grayscale8)
    canvas.fill(0)
    painter = QPainter(canvas)
    painter.drawImage((CANVAS_SIZE - scaled.width()) // 2,
                      (CANVAS_SIZE - scaled.height()) // 2, scaled)
    painter.end()
    return canvas


def checked_input_shape(input_shape: tuple[int, int, int]) -> tuple[int, int, int]:
    """``input_shape`` as a tuple of three ints.

    Raises
    ------
    ValueError
        If ``input_shape`` is not three positive whole numbers.
    """
    input_shape = tuple(input_shape)
    if len(input_shape) != 3 or not all(is_int(size) and size > 0 for size in input_shape):
        raise ValueError(
            f"input_shape must be (height, width, channels), three positive whole "
            f"numbers; received {input_shape!r}."
        )
    height, width, channels = (int(size) for size in input_shape)
    return height, width, channels


def is_colour_picture(image: np.ndarray) -> bool:
    """Whether ``image`` is an RGB or RGBA picture (not grey)."""
    array = np.asarray(image)
    return array.ndim == 3 and array.shape[2] in (3, 4)


def over_black(picture: np.ndarray) -> np.ndarray:
    """An RGB or RGBA picture (uint8, or float in [0, 1]) as RGB float in [0, 1], RGBA over black."""
    scale = 255.0 if picture.dtype == np.uint8 else 1.0
    rgb = picture[..., :3].astype(np.float32) / scale
    if picture.shape[2] == 4:
        rgb = rgb * (picture[..., 3:4].astype(np.float32) / scale)
    return np.clip(rgb, 0.0, 1.0)


def colour_note(picture: np.ndarray, input_shape: tuple[int, int, int]) -> str:
    """How the picture's colours reached the model: a grey model gets a colour picture as grey
    (BT.601 luminance); a colour model keeps a colour picture's colours and gets a grey picture
    as white ink on the canvas background (the grey level in R, G and B over black)."""
    if picture.ndim == 2:
        return "" if input_shape[2] == 1 else f"; {GREY_TO_COLOUR}, as white ink over the canvas background"
    if input_shape[2] == 1:
        return f"; {COLOUR_TO_GREY}"
    return ""
