"""The colour shapes dataset: generated, seeded RGB images of squares, triangles and circles.

The offline colour counterpart of :mod:`.shapes` (same classes, same label order in blocks of
three): a shape of random size, position, rotation (squares and triangles) and colour, filled or
drawn as an outline, on a background that is one of four kinds, each with colours of its own:

- ``flat``: one colour;
- ``gradient``: a linear blend between two colours along a random direction;
- ``stripes``: a sinusoidal blend between two colours, random direction and period;
- ``noise``: one colour with per-pixel noise of random strength.

The shape's hue is at least a quarter turn away from the background's and its brightness
differs, so the shape always stands out. Shapes are rendered 4 x 4 supersampled (antialiased
edges) and keep at least one pixel between their ink and the frame. Images may be any height and
width (at least 8 pixels), RGB or grey (the RGB image's luminance).

Generation is deterministic and prefix-stable: the same ``seed`` gives identical arrays, and the
first ``k`` images of ``generate_colour_shapes(n, seed)`` are ``generate_colour_shapes(k, seed)``.
"""

from __future__ import annotations

import numpy as np

from cnnviz.core.checks import is_int
from cnnviz.core.datasets.shapes import (
    MARGIN_PIXELS,
    MIN_IMAGE_SIZE,
    SHAPE_CLASSES,
    SPLIT_DEFAULT_COUNTS,
    SQUARE,
    SUPERSAMPLING,
    TRIANGLE,
    _labels_for,
    _signed_distance,
)

DEFAULT_SHAPE = (32, 32, 3)
#: Stroke widths are drawn in proportion to the frame, as they are in a frame of this many pixels
#: (the grey shapes' classic size); any frame size gets the same look.
STROKE_REFERENCE_SIDE = 28.0
"""``(height, width, channels)`` of the dataset when no other shape is asked for."""
BACKGROUND_KINDS = ("flat", "gradient", "stripes", "noise")
_BATCH_SIZE = 256

# Columns of the per-image table of uniform random numbers (one row per image, drawn in one call
# so that a shorter run draws a prefix of the same table). Column 0 orders the labels, as in
# the grey shapes.
(
    _COL_LABEL_ORDER, _COL_RADIUS, _COL_ROTATION, _COL_FILLED, _COL_STROKE, _COL_CENTER_X, _COL_CENTER_Y,
    _COL_SHAPE_HUE, _COL_SHAPE_SATURATION, _COL_SHAPE_VALUE, _COL_BACKGROUND_KIND, _COL_BACKGROUND_HUE,
    _COL_BACKGROUND_HUE_2, _COL_BACKGROUND_SATURATION, _COL_BACKGROUND_ANGLE, _COL_BACKGROUND_PERIOD,
    _COL_NOISE_LEVEL, _COL_NOISE_SEED, _NUM_COLUMNS,
) = range(19)


def _check_arguments(count: object, seed: object, height: object, width: object, channels: object) -> None:
    checks = (("count", count, 0), ("seed", seed, 0), ("height", height, MIN_IMAGE_SIZE),
              ("width", width, MIN_IMAGE_SIZE))
    for name, value, minimum in checks:
        if not is_int(value):
            raise ValueError(f"generate_colour_shapes: {name} must be an integer, got {value!r} of type "
                             f"{type(value).__name__}; pass e.g. {name}={max(minimum, 1)}.")
        if value < minimum:
            raise ValueError(f"generate_colour_shapes: {name} must be at least {minimum}, got {value}.")
    if channels not in (1, 3):
        raise ValueError(f"generate_colour_shapes: channels must be 1 (grey) or 3 (RGB), got {channels!r}.")


def hsv_to_rgb(hue: np.ndarray, saturation: np.ndarray, value: np.ndarray) -> np.ndarray:
    """RGB in ``[0, 1]`` of colours given as hue, saturation and value in ``[0, 1]``.

    The inputs broadcast together; the result has their shape plus a last axis of 3.
    """
    hue, saturation, value = np.broadcast_arrays(hue, saturation, value)
    # The standard piecewise-linear formula, written with one ramp per channel.
    channel_offsets = np.array([5.0, 3.0, 1.0])
    k = (channel_offsets + hue[..., None] * 6.0) % 6.0
    ramp = np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)
    return value[..., None] - value[..., None] * saturation[..., None] * ramp


def _geometry(labels: np.ndarray, uniforms: np.ndarray, height: int, width: int) -> dict[str, np.ndarray]:
    """Per-image circumradius, inradius, rotation, stroke and centre, all inside the frame."""
    span = min(height, width) - 2 * MARGIN_PIXELS
    radius = (0.35 + 0.55 * uniforms[:, _COL_RADIUS]) * span / 2
    rotation = np.select([labels == SQUARE, labels == TRIANGLE],
                         [uniforms[:, _COL_ROTATION] * (np.pi / 2), uniforms[:, _COL_ROTATION] * (2 * np.pi / 3)], 0.0)
    inradius = np.select([labels == SQUARE, labels == TRIANGLE], [radius / np.sqrt(2.0), radius / 2], radius)
    # Every shape lies within its circumradius of its centre, so a centre that far from the margins
    # keeps the whole shape in the frame.
    low = MARGIN_PIXELS + radius
    center_x = low + uniforms[:, _COL_CENTER_X] * np.maximum(width - MARGIN_PIXELS - radius - low, 0.0)
    center_y = low + uniforms[:, _COL_CENTER_Y] * np.maximum(height - MARGIN_PIXELS - radius - low, 0.0)
    scale = min(height, width) / STROKE_REFERENCE_SIDE
    stroke = np.minimum((1.2 + 2.0 * uniforms[:, _COL_STROKE]) * scale, 0.45 * inradius)
    return {"radius": radius, "inradius": inradius, "rotation": rotation, "stroke": stroke,
            "filled": uniforms[:, _COL_FILLED] < 0.5, "center_x": center_x, "center_y": center_y}


def _coverage(label: int, geometry: dict[str, np.ndarray], height: int, width: int) -> np.ndarray:
    """Fraction of each pixel the shape covers, ``(batch, height, width)`` float32, for one class."""
    grid_x = (np.arange(width * SUPERSAMPLING, dtype=np.float32) + 0.5) / SUPERSAMPLING
    grid_y = (np.arange(height * SUPERSAMPLING, dtype=np.float32) + 0.5) / SUPERSAMPLING
    x = grid_x[None, None, :] - geometry["center_x"][:, None, None].astype(np.float32)
    y = grid_y[None, :, None] - geometry["center_y"][:, None, None].astype(np.float32)
    distance = _signed_distance(label, x, y, geometry)
    stroke = np.where(geometry["filled"], np.inf, geometry["stroke"])[:, None, None]
    ink = (distance <= 0) & (distance >= -stroke)
    hits = ink.reshape(len(ink), height, SUPERSAMPLING, width, SUPERSAMPLING).sum(axis=(2, 4))
    return (hits / float(SUPERSAMPLING * SUPERSAMPLING)).astype(np.float32)


def _colours(uniforms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Background colours A and B and the shape's colour, each ``(n, 3)`` RGB in [0, 1]."""
    background_hue = uniforms[:, _COL_BACKGROUND_HUE]
    background_saturation = 0.2 + 0.6 * uniforms[:, _COL_BACKGROUND_SATURATION]
    # Backgrounds are either dark or light, and the shape's brightness the other, so it stands out.
    dark_background = uniforms[:, _COL_SHAPE_VALUE] < 0.5
    background_value = np.where(dark_background, 0.15 + 0.25 * uniforms[:, _COL_BACKGROUND_SATURATION], 0.85)
    colour_a = hsv_to_rgb(background_hue, background_saturation, background_value)
    second_hue = (background_hue + 0.1 + 0.2 * uniforms[:, _COL_BACKGROUND_HUE_2]) % 1.0
    colour_b = hsv_to_rgb(second_hue, background_saturation, np.clip(background_value + 0.12 *
                                                                     np.where(dark_background, 1, -1), 0, 1))
    shape_hue = (background_hue + 0.25 + 0.5 * uniforms[:, _COL_SHAPE_HUE]) % 1.0
    shape_saturation = 0.5 + 0.5 * uniforms[:, _COL_SHAPE_SATURATION]
    shape_value = np.where(dark_background, 0.8 + 0.2 * uniforms[:, _COL_SHAPE_HUE], 0.25 + 0.15 *
                           uniforms[:, _COL_SHAPE_HUE])
    return colour_a, colour_b, hsv_to_rgb(shape_hue, shape_saturation, shape_value)


def _background(index: int, row: np.ndarray, colour_a: np.ndarray, colour_b: np.ndarray, seed: int,
                height: int, width: int) -> np.ndarray:
    """One image's background, ``(height, width, 3)`` float in [0, 1]."""
    kind = BACKGROUND_KINDS[min(int(row[_COL_BACKGROUND_KIND] * len(BACKGROUND_KINDS)), len(BACKGROUND_KINDS) - 1)]
    if kind == "flat":
        return np.broadcast_to(colour_a, (height, width, 3))
    if kind == "noise":
        # Each image's noise has a generator of its own, so every image is the same whatever the count.
        noise = np.random.default_rng([seed, index]).standard_normal((height, width, 1))
        level = 0.04 + 0.12 * row[_COL_NOISE_LEVEL]
        return np.clip(colour_a + level * noise, 0.0, 1.0)
    angle = row[_COL_BACKGROUND_ANGLE] * np.pi
    rows, columns = np.mgrid[0:height, 0:width].astype(np.float64)
    along = columns * np.cos(angle) + rows * np.sin(angle)
    if kind == "gradient":
        weight = (along - along.min()) / max(float(np.ptp(along)), 1e-9)
    else:
        period = (0.15 + 0.35 * row[_COL_BACKGROUND_PERIOD]) * min(height, width)
        weight = 0.5 + 0.5 * np.sin(2 * np.pi * along / period)
    return colour_a + weight[..., None] * (colour_b - colour_a)


def generate_colour_shapes(count: int, seed: int = 0, height: int = 32, width: int = 32,
                           channels: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Generate coloured squares, triangles and circles on varied backgrounds.

    Parameters
    ----------
    count : int
        Number of images (0 or more).
    seed : int, default 0
        Non-negative seed; the same seed always gives the same images.
    height, width : int, default 32
        Image size in pixels (each at least 8).
    channels : int, default 3
        3 for RGB, 1 for grey (the RGB image's luminance, ITU-R BT.601 weights).

    Returns
    -------
    images : numpy.ndarray
        ``(count, height, width, 3)`` ``uint8`` RGB, or ``(count, height, width)`` for grey.
    labels : numpy.ndarray
        ``(count,)`` ``uint8`` indices into :data:`~cnnviz.core.datasets.shapes.SHAPE_CLASSES`.

    Raises
    ------
    ValueError
        If an argument is not an integer in range, or ``channels`` is neither 1 nor 3.
    """
    _check_arguments(count, seed, height, width, channels)
    count, seed, height, width = int(count), int(seed), int(height), int(width)
    uniforms = np.random.default_rng(seed).random((count, _NUM_COLUMNS))
    labels = _labels_for(uniforms)
    geometry = _geometry(labels, uniforms, height, width)
    colour_a, colour_b, shape_colour = _colours(uniforms)
    coverage = np.zeros((count, height, width), dtype=np.float32)
    for label in range(len(SHAPE_CLASSES)):
        members = np.flatnonzero(labels == label)
        for start in range(0, len(members), _BATCH_SIZE):
            batch = members[start:start + _BATCH_SIZE]
            coverage[batch] = _coverage(label, {key: value[batch] for key, value in geometry.items()}, height, width)
    images = np.empty((count, height, width, 3), dtype=np.uint8)
    for index in range(count):
        background = _background(index, uniforms[index], colour_a[index], colour_b[index], seed, height, width)
        weight = coverage[index][..., None]
        pixels = background * (1.0 - weight) + shape_colour[index] * weight
        images[index] = np.rint(np.clip(pixels, 0.0, 1.0) * 255.0)
    if channels == 1:
        grey = images.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        return np.rint(grey).astype(np.uint8), labels
    return images, labels


def generate_colour_split(split: str, count: int | None, seed: int,
                          image_shape: tuple[int, int, int] | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """One split of the colour shapes dataset, with the grey shapes' split rule.

    Parameters
    ----------
    split : str
        ``"train"`` or ``"test"``; their streams use seeds ``2 * seed`` and ``2 * seed + 1``.
    count : int or None
        How many images; None for 8,000 (train) or 2,000 (test).
    seed : int
        Non-negative dataset seed.
    image_shape : (int, int, int), optional
        ``(height, width, channels)``; :data:`DEFAULT_SHAPE` when None.

    Returns
    -------
    images, labels, source
        As :func:`generate_colour_shapes`, and where they came from.
    """
    if not is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}; e.g. seed=0.")
    height, width, channels = DEFAULT_SHAPE if image_shape is None else image_shape
    split_seed = 2 * int(seed) + (0 if split == "train" else 1)
    num_images = SPLIT_DEFAULT_COUNTS[split] if count is None else count
    images, labels = generate_colour_shapes(num_images, split_seed, height, width, channels)
    colour = "RGB" if channels == 3 else "grey"
    source = f"generated {height}x{width} {colour} (seed={seed}, {split} stream seed {split_seed})"
    return images, labels, source

