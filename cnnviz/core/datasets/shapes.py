"""The shapes dataset: generated, seeded images of squares, triangles and circles.

Each image is a light shape on a black background, like an MNIST digit: a square, an
equilateral triangle or a circle of random size, position, rotation (squares and triangles),
grey level, filled or drawn as an outline of random stroke width. Shapes are rendered 4 x 4
supersampled and averaged, so edges are antialiased, and they always keep at least one
empty pixel between their ink and the frame.

Generation is deterministic and prefix-stable: the same ``seed`` gives identical arrays, and
the first ``k`` images of ``generate_shapes(n, seed)`` are ``generate_shapes(k, seed)``.
Labels come in blocks of three, each block a random ordering of the three classes, so every
prefix is balanced to within one image per class.

As a dataset (:func:`generate_split`): 8,000 training and 2,000 test images by default. The
training split uses seed ``2 * seed`` and the test split ``2 * seed + 1``, so the two never share
a random stream.
"""

from __future__ import annotations

import itertools

import numpy as np

from cnnviz.core.checks import is_int

SHAPE_CLASSES: tuple[str, ...] = ("square", "triangle", "circle")
SQUARE, TRIANGLE, CIRCLE = range(len(SHAPE_CLASSES))

SPLIT_DEFAULT_COUNTS = {"train": 8000, "test": 2000}
"""Images in each split when no count is asked for."""

SUPERSAMPLING = 4
MARGIN_PIXELS = 1.5
MIN_IMAGE_SIZE = 8
_BATCH_SIZE = 256
_LABEL_ORDERS = np.array(list(itertools.permutations(range(len(SHAPE_CLASSES)))), dtype=np.uint8)

# Columns of the per-image table of uniform random numbers; one row per image, drawn in a
# single call so that a shorter run draws a prefix of the same table.
(
    _COL_LABEL_ORDER,
    _COL_RADIUS,
    _COL_ROTATION,
    _COL_FILLED,
    _COL_STROKE,
    _COL_INTENSITY,
    _COL_CENTER_X,
    _COL_CENTER_Y,
    _NUM_COLUMNS,
) = range(9)


def _check_arguments(count: object, seed: object, size: object) -> None:
    checks = (("count", count, 0), ("seed", seed, 0), ("size", size, MIN_IMAGE_SIZE))
    for name, value, minimum in checks:
        if not is_int(value):
            raise ValueError(
                f"generate_shapes: {name} must be an integer, got {value!r} of type "
                f"{type(value).__name__}; pass e.g. {name}={max(minimum, 1)}."
            )
        if value < minimum:
            raise ValueError(
                f"generate_shapes: {name} must be at least {minimum}, got {value}."
            )


def _labels_for(uniforms: np.ndarray) -> np.ndarray:
    """Labels in blocks of three, each block a random permutation of the classes."""
    count = len(uniforms)
    positions = np.arange(count)
    block_starts = positions - positions % 3
    order_ids = np.minimum(
        (uniforms[block_starts, _COL_LABEL_ORDER] * len(_LABEL_ORDERS)).astype(np.int64),
        len(_LABEL_ORDERS) - 1,
    )
    return _LABEL_ORDERS[order_ids, positions % 3]


def _geometry(labels: np.ndarray, uniforms: np.ndarray, size: int) -> dict[str, np.ndarray]:
    """Per-image radius, rotation, stroke, grey level and centre, all inside the frame."""
    span = size - 2 * MARGIN_PIXELS
    scale = size / 28.0
    radius = (0.4 + 0.6 * uniforms[:, _COL_RADIUS]) * span / 2
    # Squares and triangles look smaller than a circle of the same radius; enlarge them.
    radius = np.where(labels == SQUARE, radius * 0.8 * np.sqrt(2.0), radius)
    radius = np.where(labels == TRIANGLE, radius * 1.15, radius)
    rotation = np.where(
        labels == SQUARE,
        uniforms[:, _COL_ROTATION] * (np.pi / 2),
        uniforms[:, _COL_ROTATION] * (2 * np.pi / 3),
    )
    rotation = np.where(labels == CIRCLE, 0.0, rotation)

    # Offsets of the shape's bounding box from its centre. ``radius`` is the circumradius for
    # squares and triangles, whose vertices sit at rotation + pi/2 + k * (2 pi / corners).
    corners = np.where(labels == SQUARE, 4, 3)[:, None]
    vertex_angles = rotation[:, None] + np.pi / 2 + 2 * np.pi * np.arange(4)[None, :] / corners
    vertex_x = radius[:, None] * np.cos(vertex_angles)
    vertex_y = radius[:, None] * np.sin(vertex_angles)
    # A triangle has only three vertices; repeat the first in the unused fourth column.
    vertex_x[:, 3] = np.where(corners[:, 0] == 4, vertex_x[:, 3], vertex_x[:, 0])
    vertex_y[:, 3] = np.where(corners[:, 0] == 4, vertex_y[:, 3], vertex_y[:, 0])
    is_circle = labels == CIRCLE
    low_x = np.where(is_circle, -radius, vertex_x.min(axis=1))
    high_x = np.where(is_circle, radius, vertex_x.max(axis=1))
    low_y = np.where(is_circle, -radius, vertex_y.min(axis=1))
    high_y = np.where(is_circle, radius, vertex_y.max(axis=1))

    shrink = np.minimum(1.0, np.minimum(span / (high_x - low_x), span / (high_y - low_y)))
    radius, low_x, high_x, low_y, high_y = (
        value * shrink for value in (radius, low_x, high_x, low_y, high_y)
    )
    center_x = (MARGIN_PIXELS - low_x) + uniforms[:, _COL_CENTER_X] * (
        (size - MARGIN_PIXELS - high_x) - (MARGIN_PIXELS - low_x)
    )
    center_y = (MARGIN_PIXELS - low_y) + uniforms[:, _COL_CENTER_Y] * (
        (size - MARGIN_PIXELS - high_y) - (MARGIN_PIXELS - low_y)
    )

    inradius = np.select(
        [labels == SQUARE, labels == TRIANGLE], [radius / np.sqrt(2.0), radius / 2], radius
    )
    stroke = np.minimum((1.2 + 2.0 * uniforms[:, _COL_STROKE]) * scale, 0.45 * inradius)
    return {
        "radius": radius,
        "inradius": inradius,
        "rotation": rotation,
        "filled": uniforms[:, _COL_FILLED] < 0.5,
        "stroke": stroke,
        "intensity": 160.0 + 95.0 * uniforms[:, _COL_INTENSITY],
        "center_x": center_x,
        "center_y": center_y,
    }


def _signed_distance(
    label: int, x: np.ndarray, y: np.ndarray, geometry: dict[str, np.ndarray]
) -> np.ndarray:
    """Distance-like field, negative inside the shape, for a batch of one class.

    ``x`` has shape (batch, 1, grid) and ``y`` (batch, grid, 1), both relative to each shape's
    centre; the result is (batch, grid, grid). For polygons it is the largest signed distance
    to an edge line, exact inside the shape, which is all the ink tests need.
    """
    def column(key: str) -> np.ndarray:
        return geometry[key][:, None, None].astype(np.float32)

    if label == CIRCLE:
        return np.sqrt(x * x + y * y) - column("radius")
    rotation = geometry["rotation"][:, None, None]
    corners = 4 if label == SQUARE else 3
    distance = None
    for k in range(corners):
        # Edge normals: for a triangle each points away from the opposite vertex; for a square
        # they lie between adjacent vertices.
        angle = rotation + np.pi / 2 + 2 * np.pi * k / corners
        angle = angle + np.pi / 4 if label == SQUARE else angle + np.pi
        along = x * np.cos(angle).astype(np.float32) + y * np.sin(angle).astype(np.float32)
        distance = along if distance is None else np.maximum(distance, along)
    return distance - column("inradius")


def _render(label: int, geometry: dict[str, np.ndarray], size: int) -> np.ndarray:
    """Render a batch of one class into (batch, size, size) uint8 images."""
    grid = ((np.arange(size * SUPERSAMPLING, dtype=np.float32) + 0.5) / SUPERSAMPLING)
    x = grid[None, None, :] - geometry["center_x"][:, None, None].astype(np.float32)
    y = grid[None, :, None] - geometry["center_y"][:, None, None].astype(np.float32)
    distance = _signed_distance(label, x, y, geometry)
    stroke = np.where(geometry["filled"], np.inf, geometry["stroke"])[:, None, None]
    ink = (distance <= 0) & (distance >= -stroke)
    hits = ink.reshape(len(ink), size, SUPERSAMPLING, size, SUPERSAMPLING).sum(axis=(2, 4))
    coverage = hits / float(SUPERSAMPLING * SUPERSAMPLING)
    return np.rint(coverage * geometry["intensity"][:, None, None]).astype(np.uint8)


def generate_shapes(count: int, seed: int = 0, size: int = 28) -> tuple[np.ndarray, np.ndarray]:
    """Generate images of squares, triangles and circles.

    Parameters
    ----------
    count : int
        Number of images (0 or more).
    seed : int, default 0
        Non-negative seed; the same seed always gives the same images.
    size : int, default 28
        Image height and width in pixels (at least 8).

    Returns
    -------
    images : numpy.ndarray
        ``(count, size, size)`` ``uint8``, light shapes (grey level up to 255) on black.
    labels : numpy.ndarray
        ``(count,)`` ``uint8`` indices into :data:`SHAPE_CLASSES`.

    Raises
    ------
    ValueError
        If ``count``, ``seed`` or ``size`` is not an integer in range.
    """
    _check_arguments(count, seed, size)
    count, seed, size = int(count), int(seed), int(size)
    uniforms = np.random.default_rng(seed).random((count, _NUM_COLUMNS))
    labels = _labels_for(uniforms)
    geometry = _geometry(labels, uniforms, size)
    images = np.zeros((count, size, size), dtype=np.uint8)
    for label in range(len(SHAPE_CLASSES)):
        members = np.flatnonzero(labels == label)
        for start in range(0, len(members), _BATCH_SIZE):
            batch = members[start:start + _BATCH_SIZE]
            batch_geometry = {key: value[batch] for key, value in geometry.items()}
            images[batch] = _render(label, batch_geometry, size)
    return images, labels


def generate_split(split: str, count: int | None, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """One split of the shapes dataset.

    Parameters
    ----------
    split : str
        ``"train"`` or ``"test"``.
    count : int or None
        How many images to generate; None for :data:`SPLIT_DEFAULT_COUNTS`.
    seed : int
        Non-negative dataset seed; the split's own stream uses ``2 * seed`` (train) or
        ``2 * seed + 1`` (test).

    Returns
    -------
    images : numpy.ndarray
        ``(n, 28, 28)`` ``uint8``.
    labels : numpy.ndarray
        ``(n,)`` ``uint8`` indices into :data:`SHAPE_CLASSES`.
    source : str
        ``"generated (seed=..., ... stream seed ...)"``.

    Raises
    ------
    ValueError
        If ``seed`` is not a non-negative integer.
    """
    if not is_int(seed) or seed < 0:
        raise ValueError(
            f"seed must be a non-negative integer, got {seed!r}; e.g. seed=0."
        )
    split_seed = 2 * int(seed) + (0 if split == "train" else 1)
    num_images = SPLIT_DEFAULT_COUNTS[split] if count is None else count
    images, labels = generate_shapes(num_images, seed=split_seed)
    source = f"generated (seed={seed}, {split} stream seed {split_seed})"
    return images, labels, source
