"""The dataset images that excite each unit most, and the crops at the unit's receptive field.

For a filter of a layer with feature maps, an image's activation is the filter's largest value over
all positions; the crop is the input patch that position sees (:mod:`cnnviz.core.receptive_field`).
For a dense unit (or a model without a configuration, whose receptive fields are unknown) the crop is
the whole image. :func:`top_images_steps` reads the images in batches and yields its progress, so a
window's worker can show it and stop between batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from cnnviz.core.results import frozen
from cnnviz.engines.base import Engine
from cnnviz.science.checks import integer

BATCH_SIZE = 16
"""Images per engine call. Small batches keep each layer's output in the processor's cache, and the
NumPy engine runs batches this small on one BLAS thread: the search's products are thin and memory-bound,
and on a shared machine one thread per product measured 1.7 times faster than batches of 256 that
share the cores (``benchmarks/bench_feature_vis.py``)."""


@dataclass(frozen=True, eq=False)
class TopImages:
    """The top images of every unit of one layer (read-only arrays).

    Attributes
    ----------
    layer : str
    indices : ndarray, shape (units, n), int64: dataset indices, the most exciting first
    activations : ndarray, shape (units, n): each image's activation of the unit
    positions : ndarray, shape (units, n, 2), int64: the (row, column) of the largest value in the
        layer's map (0, 0 for a dense unit)
    boxes : ndarray, shape (units, n, 4), int64: the crop ``(top, bottom, left, right)``, inclusive, in
        input pixels
    images : ndarray, shape (units, n, h, w, c): the images themselves
    """

    layer: str
    indices: np.ndarray
    activations: np.ndarray
    positions: np.ndarray
    boxes: np.ndarray
    images: np.ndarray

    def crop(self, unit: int, rank: int) -> np.ndarray:
        """The receptive-field crop of the ``rank``-th image of ``unit``, shape (h', w', c)."""
        top, bottom, left, right = (int(value) for value in self.boxes[unit, rank])
        return self.images[unit, rank, top:bottom + 1, left:right + 1]


def load_images(engine: Engine, split: str = "train", count: int | None = None,
                dataset: str | None = None) -> np.ndarray:
    """The first ``count`` images of a split of the model's dataset, ready for the model, shape (n, h, w, c)."""
    from cnnviz.core.datasets import load_dataset
    from cnnviz.core.preprocessing import fit_batch
    from cnnviz.science.data import dataset_name

    if split not in ("train", "test"):
        raise ValueError(f"The split must be train or test, received {split!r}.")
    config = engine.config
    seed = config.training.seed if config is not None else 0
    loaded = load_dataset(dataset_name(engine, dataset), split, seed=seed, image_shape=engine.input_shape)
    images = loaded.images if count is None else loaded.images[:count]
    batch, _ = fit_batch(images, engine.input_shape)
    return batch


def _field(engine: Engine, layer: str):
    config = engine.config
    if config is None:
        return None
    from cnnviz.core.receptive_field import receptive_fields

    fields = {field.name: field for field in receptive_fields(config)}
    return fields.get(layer)


def top_images_steps(engine: Engine, images: np.ndarray, layer: str, count: int = 9,
                     batch_size: int = BATCH_SIZE) -> Iterator[tuple[int, int] | TopImages]:
    """Find the ``count`` images that excite each unit of ``layer`` most.

    Yields ``(images done, images in all)`` after every batch and the :class:`TopImages` last.

    Parameters
    ----------
    engine : Engine
    images : ndarray, shape (N, h, w, c)
    layer : str
    count : int
        Images per unit (at most N).
    """
    count = integer(count, "The number of top images")
    if count < 1:
        raise ValueError(f"The number of top images must be at least 1, received {count}.")
    if layer not in engine.layer_names():
        raise ValueError(f"This model has no layer {layer!r}; choose one of: {', '.join(engine.layer_names())}.")
    total = len(images)
    if total == 0:
        raise ValueError("There are no images to search; choose a dataset with images.")
    count = min(count, total)
    best_values: np.ndarray | None = None
    best_indices = np.zeros((0, 0), np.int64)
    for start in range(0, total, batch_size):
        output = layer_output(engine, images[start:start + batch_size], layer)
        values = output.reshape(len(output), -1, output.shape[-1]).max(axis=1).T  # (units, batch)
        indices = np.broadcast_to(np.arange(start, start + len(output)), values.shape)
        if best_values is not None:
            values = np.concatenate([best_values, values], axis=1)
            indices = np.concatenate([best_indices, indices], axis=1)
        # Keep the count best per unit; ties go to the earlier image (a stable sort of the negatives).
        order = np.argsort(-values, axis=1, kind="stable")[:, :count]
        best_values = np.take_along_axis(values, order, axis=1)
        best_indices = np.take_along_axis(indices, order, axis=1)
        yield min(start + batch_size, total), total
    assert best_values is not None
    yield _result(engine, images, layer, best_values, best_indices)


def layer_output(engine: Engine, images: np.ndarray, layer: str) -> np.ndarray:
    """One layer's output for a batch: through the engine's optional ``layer_output`` (only the layers
    up to it run), else the contract's ``feature_maps``."""
    method = getattr(engine, "layer_output", None)
    output = method(images, layer) if method is not None else engine.feature_maps(images)[layer]
    return np.asarray(output, dtype=np.float32)


def _result(engine: Engine, images: np.ndarray, layer: str, values: np.ndarray, indices: np.ndarray) -> TopImages:
    """Where each kept image peaks (one more pass over the kept images only) and its crop."""
    height, width = engine.input_shape[:2]
    units, count = indices.shape
    chosen = np.asarray(images)[indices.ravel()]
    output = np.concatenate([layer_output(engine, chosen[start:start + BATCH_SIZE], layer)
                             for start in range(0, len(chosen), BATCH_SIZE)])
    map_shape = output.shape[1:-1]
    flat = output.reshape(units, count, -1, output.shape[-1])
    flat_places = flat[np.arange(units), :, :, np.arange(units)].argmax(axis=-1)  # (units, count)
    if len(map_shape) == 2:
        positions = np.stack(np.unravel_index(flat_places, map_shape), axis=-1).astype(np.int64)
    else:
        positions = np.zeros((*flat_places.shape, 2), np.int64)
    field = _field(engine, layer) if len(map_shape) == 2 else None
    boxes = np.zeros((*flat_places.shape, 4), np.int64)
    boxes[..., 1], boxes[..., 3] = height - 1, width - 1
    if field is not None:
        for unit, rank in np.ndindex(flat_places.shape):
            boxes[unit, rank] = field.bounds(int(positions[unit, rank, 0]), int(positions[unit, rank, 1]),
                                             (height, width))
    return TopImages(layer, frozen(indices.astype(np.int64)), frozen(values), frozen(positions), frozen(boxes),
                     frozen(np.asarray(images)[indices]))


def top_images(engine: Engine, images: np.ndarray, layer: str, count: int = 9) -> TopImages:
    """:func:`top_images_steps` run to the end."""
    *_, result = top_images_steps(engine, images, layer, count)
    assert isinstance(result, TopImages)
    return result
