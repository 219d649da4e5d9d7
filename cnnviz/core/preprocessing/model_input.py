"""Pictures and dataset images as inputs of a model of any input shape ``(H, W, C)``, C = 1 or 3.

A model's input may differ from a picture in size and in colour. Colour becomes grey by ITU-R BT.601
luminance (``0.299 R + 0.587 G + 0.114 B``); grey becomes colour by repeating it in the three channels
(white ink stays white). Sizes are fitted keeping the aspect ratio: the picture is scaled to fit inside
``H × W`` and centred on black (the MNIST background), so a non-square model never sees a stretched
digit. Every conversion is reported in words (:attr:`ModelInput.conversion`) for the interface to show.

:func:`picture_input` prepares one picture (a drawing or an opened file); :func:`fit_batch` prepares
dataset images already framed as model inputs (their own size and colours).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from cnnviz.core.preprocessing.conversion import (
    LUMA_WEIGHTS,
    axis_weights,
    block_mean,
    resample_axis,
    to_grayscale,
)
from cnnviz.core.preprocessing.framing import MAX_WORKING_SIDE, preprocess_image
from cnnviz.core.preprocessing.image_arrays import validated_image

INK_SHARE = 20 / 28
"""A drawing's longer side fills this share of the input's shorter side (MNIST: 20 of 28 pixels)."""

COLOUR_TO_GREY = "converted from colour to grey (ITU-R BT.601 luminance: 0.299 R + 0.587 G + 0.114 B)"
GREY_TO_COLOUR = "converted from grey to colour (the grey level repeated in R, G and B)"
_BATCH_ELEMENTS = 1 << 22
"""Upper bound on the float32 values fitted at once, so a whole dataset never needs a second full copy."""


@dataclass(frozen=True)
class ModelInput:
    """One picture prepared for a model.

    Attributes
    ----------
    input : numpy.ndarray
        Read-only ``(1, H, W, C)`` float32 in ``[0, 1]``, the model's input shape.
    conversion : str
        How the picture's colours were converted for the model (:data:`COLOUR_TO_GREY`,
        :data:`GREY_TO_COLOUR`), or ``""`` when they already matched.
    inverted : bool
        True if a grey (or greyed) picture of dark ink on light was inverted to light on dark.
    """

    input: np.ndarray
    conversion: str
    inverted: bool

    @property
    def message(self) -> str:
        """A sentence for the interface: ``"The picture was converted from colour to grey (...)."``,
        or ``""``."""
        return f"The picture was {self.conversion} for this model's input." if self.conversion else ""


def check_input_shape(input_shape: tuple[int, ...]) -> tuple[int, int, int]:
    """``input_shape`` as ``(H, W, C)`` ints, or a ValueError saying what is wrong."""
    shape = tuple(input_shape)
    if len(shape) != 3 or not all(isinstance(size, (int, np.integer)) and size > 0 for size in shape) \
            or shape[2] not in (1, 3):
        raise ValueError(f"An input shape is (height, width, channels) with 1 (grey) or 3 (colour) channels, "
                         f"received {shape!r}; e.g. (28, 28, 1) or (32, 32, 3).")
    return int(shape[0]), int(shape[1]), int(shape[2])


def conversion_between(source_channels: int, channels: int) -> str:
    """The conversion text for pictures of ``source_channels`` (1, 3 or 4) fed to ``channels`` (1 or 3)."""
    if source_channels == 1 and channels == 3:
        return GREY_TO_COLOUR
    if source_channels in (3, 4) and channels == 1:
        return COLOUR_TO_GREY
    return ""


def convert_channels(images: np.ndarray, channels: int) -> np.ndarray:
    """``(..., C_in)`` float images, C_in 1 or 3, as ``(..., channels)``: luminance or repetition."""
    source = images.shape[-1]
    if source == channels:
        return images
    if source == 3 and channels == 1:
        weights = np.asarray(LUMA_WEIGHTS, images.dtype)
        return (images @ weights)[..., np.newaxis]
    if source == 1 and channels == 3:
        return np.repeat(images, 3, axis=-1)
    raise ValueError(f"Cannot convert images of {source} channels to {channels}; expected 1 (grey) or 3 (colour).")


def fitted_size(height: int, width: int, frame: tuple[int, int]) -> tuple[int, int]:
    """The largest ``(h, w)`` of the same aspect as ``height × width`` inside ``frame``."""
    ratio = min(frame[0] / height, frame[1] / width)
    return (min(frame[0], max(1, math.floor(height * ratio + 0.5))),
            min(frame[1], max(1, math.floor(width * ratio + 0.5))))


def _fit_planes(planes: np.ndarray, height: int, width: int) -> np.ndarray:
    """``(n, h, w, c)`` float32 scaled to fit ``height × width`` keeping the aspect, centred on black."""
    num_images, source_height, source_width, channels = planes.shape
    if (source_height, source_width) == (height, width):
        return planes
    scaled_height, scaled_width = fitted_size(source_height, source_width, (height, width))
    top, left = (height - scaled_height) // 2, (width - scaled_width) // 2
    framed = np.zeros((num_images, height, width, channels), np.float32)
    if num_images == 1:   # a picture on the canvas: no BLAS threads on the interface's thread
        scaled = resample_axis(resample_axis(planes, scaled_height, 1), scaled_width, 2)
    else:
        scaled = np.einsum("ih,nhwc,jw->nijc", axis_weights(source_height, scaled_height), planes,
                           axis_weights(source_width, scaled_width), optimize=True)
    framed[:, top:top + scaled_height, left:left + scaled_width] = scaled
    return framed


def fit_batch(images: ArrayLike, input_shape: tuple[int, ...]) -> tuple[np.ndarray, str]:
    """Dataset images, already framed, as inputs of shape ``input_shape``.

    Parameters
    ----------
    images : array_like
        ``(n, h, w)`` or ``(n, h, w, c)`` with c = 1 or 3; ``uint8`` in ``0..255`` or floats in ``[0, 1]``.
    input_shape : tuple of int
        The model's ``(H, W, C)``.

    Returns
    -------
    batch : numpy.ndarray
        ``(n, H, W, C)`` float32 in ``[0, 1]``: each image scaled to fit ``H × W`` keeping its aspect
        (area-averaged when shrinking, bilinear when enlarging), centred on black, its colours converted.
    conversion : str
        What was done, e.g. ``"28×28 grey images fitted to 40×24 and converted from grey to colour
        (...)"``, or ``""`` when the images already had the input's shape.

    Raises
    ------
    ValueError
        For another layout, channel count, dtype or value range.
    """
    height, width, channels = check_input_shape(input_shape)
    array = np.asarray(images)
    if array.ndim == 3:
        array = array[..., np.newaxis]
    if array.ndim != 4 or array.shape[-1] not in (1, 3):
        raise ValueError(f"Dataset images must be shaped (n, height, width) or (n, height, width, 1 or 3); "
                         f"received shape {array.shape}.")
    if array.dtype == np.uint8:
        scale = np.float32(255.0)
    elif array.dtype.kind == "f":
        if array.size and not (np.isfinite(array).all() and array.min() >= 0.0 and array.max() <= 1.0):
            raise ValueError(f"Float dataset images must lie in [0, 1]; received values from {array.min()} to "
                             f"{array.max()}. Pass the raw uint8 images instead.")
        scale = np.float32(1.0)
    else:
        raise ValueError(f"Dataset images must be uint8 (0..255) or floats in [0, 1]; received dtype {array.dtype}.")
    num_images, source_height, source_width, source_channels = array.shape
    batch = np.empty((num_images, height, width, channels), np.float32)
    step = max(1, _BATCH_ELEMENTS // max(1, source_height * source_width * 3 + height * width * 3))
    for start in range(0, num_images, step):
        planes = np.divide(array[start:start + step], scale, dtype=np.float32)
        batch[start:start + step] = convert_channels(_fit_planes(planes, height, width), channels)
    changes = []
    if (source_height, source_width) != (height, width):
        kind = "grey" if source_channels == 1 else "colour"
        changes.append(f"{source_height}×{source_width} {kind} images fitted to {height}×{width}")
    colour = conversion_between(source_channels, channels)
    if colour:
        changes.append(colour)
    return batch, " and ".join(changes)


def picture_input(image: ArrayLike, input_shape: tuple[int, ...], *, invert: bool | None = None,
                  threshold: float = 0.05) -> ModelInput:
    """Any picture (a drawing, an opened file) as one input of shape ``input_shape``.

    A grey picture, and any picture for a grey model, is framed the MNIST way
    (:func:`~cnnviz.core.preprocessing.preprocess_image`): inverted if it is dark ink on light,
    cropped to its ink, scaled so its longer side fills :data:`INK_SHARE` of the input's shorter side,
    centred by its centre of mass, then set in the middle of the ``H × W`` frame; colour pictures become
    grey by luminance first, and the grey frame is repeated in three channels for a colour model. A
    colour picture for a colour model keeps its colours: it is scaled to fit ``H × W`` keeping its
    aspect and centred on black (RGBA composited over black).

    Raises
    ------
    cnnviz.core.preprocessing.EmptyImageError
        If a picture to be framed holds no ink.
    ValueError
        If ``image`` is not a picture (see :func:`~cnnviz.core.preprocessing.to_grayscale`) or
        ``input_shape`` is not ``(H, W, 1 or 3)``.
    """
    height, width, channels = check_input_shape(input_shape)
    array, scale = validated_image(image)
    source_channels = 1 if array.ndim == 2 else array.shape[2]
    if channels == 3 and source_channels in (3, 4):
        # One channel at a time, block-averaged down like any big picture, so no float copy of the
        # whole picture is made; RGBA is composited over black (premultiplied).
        factor = max(1, math.ceil(max(array.shape[:2]) / MAX_WORKING_SIDE))
        if factor == 1 and source_channels == 3 and array.dtype == np.uint8:
            # A small RGB picture (the colour canvas, at every stroke): one conversion, values already
            # in [0, 1], the same numbers as the planes below.
            rgb = np.divide(array, np.float32(scale), dtype=np.float32)[np.newaxis]
            return _model_input(_fit_planes(rgb, height, width), "", False)
        alpha = np.clip(array[..., 3].astype(np.float32) / np.float32(scale), 0.0, 1.0) \
            if source_channels == 4 else None
        planes = []
        for index in range(3):
            plane = np.clip(array[..., index].astype(np.float32) / np.float32(scale), 0.0, 1.0)
            planes.append(block_mean(plane if alpha is None else plane * alpha, factor))
        rgb = np.stack(planes, axis=-1)[np.newaxis]
        return _model_input(_fit_planes(rgb, height, width), "", False)
    side = min(height, width)
    framed = preprocess_image(array if source_channels != 4 else to_grayscale(array), invert=invert,
                              threshold=threshold, box=max(1, int(round(side * INK_SHARE))), size=side)
    frame = np.zeros((1, height, width, 1), np.float32)
    top, left = (height - side) // 2, (width - side) // 2
    frame[0, top:top + side, left:left + side, 0] = framed.image
    return _model_input(convert_channels(frame, channels), conversion_between(source_channels, channels),
                        framed.inverted)


def _model_input(batch: np.ndarray, conversion: str, inverted: bool) -> ModelInput:
    model_input = np.ascontiguousarray(np.clip(batch, 0.0, 1.0), dtype=np.float32)
    model_input.setflags(write=False)
    return ModelInput(model_input, conversion, inverted)
