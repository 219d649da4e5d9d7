"""The embedding projector's mathematics: a layer's activations for the test images, projected to 2-D.

:func:`pca` centres the activations and takes their two leading principal directions (the leading
eigenvectors of the smaller Gram matrix, which are the SVD's right singular vectors), so the points
are the activations' coordinates along the directions of largest variance, with the share of
variance each direction explains. :class:`PCABasis` keeps the mean and the directions, so
the activations of another epoch can be placed in the same plane. :func:`embed` (the ``"embedding"``
analysis of :func:`cnnviz.science.run`) gathers the activations of the layer feeding the last one
(:func:`penultimate_layer`; any other layer on request) for the first test images of the model's
dataset and returns them projected, with the labels, the predictions and the images, so a view can
colour the points by class, mark mistakes and show an image under the pointer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cnnviz.core.results import frozen
from cnnviz.science.data import BATCH_SIZE, load_test_split

if TYPE_CHECKING:
    from cnnviz.engines.base import Engine

DEFAULT_SAMPLES = 1000
"""How many test images the projector shows when the caller names no count."""


@dataclass(frozen=True, eq=False)
class PCABasis:
    """The plane PCA found: the mean and the leading directions of the activations.

    Attributes
    ----------
    mean : ndarray, shape (d,), float64, read-only
    components : ndarray, shape (k, d), float64, read-only
        Orthonormal rows, the direction of largest variance first.
    explained_variance_ratio : ndarray, shape (k,), float64, read-only
        The share of the total variance along each direction.
    """

    mean: np.ndarray
    components: np.ndarray
    explained_variance_ratio: np.ndarray

    def transform(self, features: np.ndarray) -> np.ndarray:
        """Coordinates of ``features`` ``(n, ...)`` (flattened to ``(n, d)``) in this basis: ``(n, k)``."""
        flat = _flat(features)
        if flat.shape[1] != self.mean.shape[0]:
            raise ValueError(f"These activations have {flat.shape[1]} values per image; the basis was made from "
                             f"{self.mean.shape[0]}. Project activations of the same layer of the same model.")
        return (flat - self.mean) @ self.components.T


def _flat(features: np.ndarray) -> np.ndarray:
    array = np.asarray(features, dtype=np.float64)
    if array.ndim < 2 or array.shape[0] < 1:
        raise ValueError(f"Activations must be an array (n, ...) with at least one image, received shape "
                         f"{array.shape}.")
    flat = array.reshape(array.shape[0], -1)
    if not np.all(np.isfinite(flat)):
        raise ValueError("The activations hold NaN or infinite values (the model has diverged); train it again or "
                         "open another model.")
    return flat


def pca(features: np.ndarray, num_components: int = 2) -> tuple[np.ndarray, PCABasis]:
    """Project ``features`` onto their ``num_components`` leading principal directions.

    Parameters
    ----------
    features : ndarray, shape (n, ...)
        One row of activations per image (flattened to ``(n, d)``).
    num_components : int
        How many directions (at least 1). When the activations span fewer directions (few images,
        few values or all alike), the missing coordinates are zeros and explain no variance.

    Returns
    -------
    points : ndarray, shape (n, num_components), float64
    basis : PCABasis
        Each direction's sign is fixed so its largest loading is positive, so the same data always
        gives the same picture.
    """
    if isinstance(num_components, bool) or not isinstance(num_components, (int, np.integer)) or num_components < 1:
        raise ValueError(f"num_components must be a whole number of at least 1, received {num_components!r}.")
    flat = _flat(features)
    mean = flat.mean(axis=0)
    centred = flat - mean
    total = float(np.sum(centred ** 2))
    with _one_blas_thread():
        right, variances = _leading_directions(centred, num_components)
    count = len(variances)
    components = np.zeros((num_components, flat.shape[1]))
    components[:count] = right
    for row in components[:count]:
        if row[np.argmax(np.abs(row))] < 0:
            row *= -1
    ratio = np.zeros(num_components)
    if total > 0:
        ratio[:count] = variances / total
    if total == 0:
        components[:count] = 0.0  # no variance: every image sits at the mean, no direction is meaningful
    basis = PCABasis(frozen(mean), frozen(components), frozen(ratio))
    return centred @ components.T, basis


def _leading_directions(centred: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``count`` leading right singular vectors of ``centred`` ``(n, d)`` (rows) and their squared
    singular values, from the eigenvectors of the smaller Gram matrix: the same vectors as an SVD's,
    about five times faster for 1,000 images of 4,732 values (the reference model's flatten), where only
    two are needed (benchmarks/bench_embedding.py)."""
    rows, columns = centred.shape
    if columns <= rows:
        variances, vectors = np.linalg.eigh(centred.T @ centred)
        order = np.argsort(variances)[::-1][:count]
        variances, right = np.clip(variances[order], 0.0, None), vectors[:, order].T
    else:
        variances, vectors = np.linalg.eigh(centred @ centred.T)
        order = np.argsort(variances)[::-1][:count]
        variances = np.clip(variances[order], 0.0, None)
        right = (centred.T @ vectors[:, order]).T
        norms = np.linalg.norm(right, axis=1, keepdims=True)
        right = np.divide(right, norms, out=np.zeros_like(right), where=norms > 0)
    keep = variances > 1e-12 * max(float(variances[0]) if len(variances) else 0.0, 1e-300)
    return right[keep], variances[keep]


def _one_blas_thread():
    """Keep these small products on one BLAS thread: on a busy machine the hand-offs between BLAS
    threads cost more than the products (an SVD of 1,000 × 128 took from 0.3 to 2 s with every thread)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def penultimate_layer(engine: Engine) -> str:
    """The layer feeding the model's last layer (its first input, for a last layer that merges several).

    Raises
    ------
    ValueError
        For a model whose last layer reads the input directly.
    """
    names = list(engine.layer_names())
    graph = engine.layer_graph()
    last = graph.layer(names[-1]) if graph is not None and names else None
    if last is not None and last.inputs:
        feeding = last.inputs[0]
        if feeding in names:
            return feeding
    elif len(names) >= 2:
        return names[-2]
    raise ValueError("This model's last layer reads the input directly, so it has no penultimate layer to "
                     "project; choose a model with at least two layers.")


def embedding_layers(engine: Engine) -> tuple[str, ...]:
    """The layers whose activations can be projected: every layer but the last."""
    return tuple(engine.layer_names()[:-1])


@dataclass(frozen=True, eq=False)
class Embedding:
    """Test images placed in the plane of a layer's two leading principal directions.

    Attributes
    ----------
    layer : str
    dataset : str
    class_names : tuple of str
        One per output unit (the classes' numbers when the dataset names another count).
    points : ndarray, shape (n, 2), float64, read-only
    labels, predictions : ndarray, shape (n,), int64, read-only
    images : ndarray, shape (n, h, w, c), float32, read-only
        The images as the model took them.
    basis : PCABasis
    """

    layer: str
    dataset: str
    class_names: tuple[str, ...]
    points: np.ndarray
    labels: np.ndarray
    predictions: np.ndarray
    images: np.ndarray
    basis: PCABasis

    @property
    def explained_variance_ratio(self) -> np.ndarray:
        return self.basis.explained_variance_ratio

    @property
    def misclassified(self) -> np.ndarray:
        """Indices of the images the model got wrong."""
        return np.flatnonzero(self.labels != self.predictions)

    @property
    def accuracy(self) -> float:
        return float(np.mean(self.labels == self.predictions))

    def class_name(self, index: int) -> str:
        return self.class_names[index] if 0 <= index < len(self.class_names) else str(index)


def _layer_and_output(engine: Engine, images: np.ndarray, layer: str, last: str) -> tuple[np.ndarray, np.ndarray]:
    """``layer``'s and the last layer's outputs for ``images``, from one pass per batch."""
    features, outputs = [], []
    for start in range(0, len(images), BATCH_SIZE):
        maps = engine.feature_maps(images[start:start + BATCH_SIZE])
        features.append(np.asarray(maps[layer]))
        outputs.append(np.asarray(maps[last]))
    return np.concatenate(features), np.concatenate(outputs)


def embed(engine: Engine, layer: str | None = None, samples: int | None = DEFAULT_SAMPLES,
          dataset: str | None = None, data_dir: str | None = None) -> Embedding:
    """Project the activations of ``layer`` for the first ``samples`` test images to 2-D with PCA.

    Parameters
    ----------
    engine : Engine
    layer : str, optional
        A layer of the model other than the last; by default the one feeding the last
        (:func:`penultimate_layer`).
    samples : int, optional
        How many test images (:data:`DEFAULT_SAMPLES`; ``None`` for the whole split).
    dataset, data_dir : str, optional
        As in :func:`cnnviz.science.data.load_test_split`.

    Returns
    -------
    Embedding
    """
    names = list(engine.layer_names())
    if layer is None:
        layer = penultimate_layer(engine)
    elif layer not in names:
        raise ValueError(f"The model has no layer {layer!r}; choose one of {', '.join(names[:-1])}.")
    split = load_test_split(engine, samples, dataset=dataset, data_dir=data_dir)
    features, outputs = _layer_and_output(engine, split.images, layer, names[-1])
    points, basis = pca(features, 2)
    # The last layer's output ranks the classes as the prediction does (a softmax keeps the order of
    # logits), so one forward pass gives both the activations and the predictions.
    probabilities = outputs.reshape(len(outputs), -1)
    num_classes = probabilities.shape[1]
    class_names = (split.class_names if len(split.class_names) == num_classes
                   else tuple(str(index) for index in range(num_classes)))
    return Embedding(layer, split.dataset, tuple(class_names), frozen(points), frozen(split.labels.astype(np.int64)),
                     frozen(probabilities.argmax(axis=1).astype(np.int64)), frozen(np.asarray(split.images)), basis)
