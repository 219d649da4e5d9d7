"""Two epochs of one run in the embedding projector, side by side and comparable.

:func:`compare_epochs` projects the same test images with two checkpoints of a run (each with its own
PCA, :func:`cnnviz.science.embedding.embed`) and turns the second projection onto the first with an
orthogonal Procrustes fit (:func:`procrustes`): the rotation, possibly with a reflection, that brings
its points nearest the first's. PCA's directions are only defined up to sign and order of nearly
equal variances, so without the fit the same clusters could appear mirrored or turned; with it, a
cluster that moved between the epochs moved in the pictures too.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cnnviz.core.results import frozen
from cnnviz.science.embedding import DEFAULT_SAMPLES, Embedding, embed

if TYPE_CHECKING:
    from cnnviz.engines.base import Engine


def procrustes(source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, float]:
    """The orthogonal matrix ``R`` that minimises ``|source @ R - target|`` (Frobenius) and what is left.

    Parameters
    ----------
    source, target : ndarray, shape (n, k)
        The same n points in two coordinate systems (centred: PCA's points are).

    Returns
    -------
    rotation : ndarray, shape (k, k)
        Orthogonal (a rotation, or a rotation and a reflection).
    residual : float
        How far the turned points stay from the target once both are scaled to unit (Frobenius)
        size, ``|source @ R / |source| - target / |target||``: 0 when one is a turned (and scaled)
        copy of the other, about 1.4 for unrelated clouds, at most 2. The scale is left out because a
        layer's activations grow as a network trains, while the picture's shape is what compares.
    """
    source, target = np.asarray(source, np.float64), np.asarray(target, np.float64)
    if source.shape != target.shape or source.ndim != 2:
        raise ValueError(f"Procrustes needs two point sets of the same shape (n, k); received {source.shape} and "
                         f"{target.shape}.")
    left, _, right = np.linalg.svd(source.T @ target)
    rotation = left @ right
    source_size, target_size = float(np.linalg.norm(source)), float(np.linalg.norm(target))
    if source_size == 0.0 or target_size == 0.0:
        return rotation, 0.0 if source_size == target_size else 1.0
    return rotation, float(np.linalg.norm(source @ rotation / source_size - target / target_size))


@dataclass(frozen=True, eq=False)
class EpochComparison:
    """The same test images projected after two epochs of a run.

    Attributes
    ----------
    epochs : tuple of int
        The two epochs (0-based; -1: before training).
    first, second : Embedding
        Each epoch's projection; ``second.points`` are already turned onto ``first``'s
        (``second.basis`` stays its own PCA).
    rotation : ndarray, shape (2, 2)
        What turned the second epoch's PCA points onto the first's.
    residual : float
        How far the turned points stay from the first's, both scaled to unit size (0: the same
        picture; about 1.4: unrelated), :func:`procrustes`.
    """

    epochs: tuple[int, int]
    first: Embedding
    second: Embedding
    rotation: np.ndarray
    residual: float


def compare_epochs(first: Engine, second: Engine, epochs: tuple[int, int], layer: str | None = None,
                   samples: int | None = DEFAULT_SAMPLES, dataset: str | None = None,
                   data_dir: str | None = None) -> EpochComparison:
    """Project the first ``samples`` test images with two models (two epochs of one run) and align them.

    Parameters
    ----------
    first, second : Engine
        The checkpoints of the two epochs (the same architecture).
    epochs : (int, int)
        Which epochs they are, carried into the result.
    layer, samples, dataset, data_dir
        As in :func:`cnnviz.science.embedding.embed`.
    """
    if list(first.layer_names()) != list(second.layer_names()):
        raise ValueError("The two checkpoints have different layers; compare epochs of one run.")
    one = embed(first, layer=layer, samples=samples, dataset=dataset, data_dir=data_dir)
    two = embed(second, layer=layer, samples=samples, dataset=dataset, data_dir=data_dir)
    rotation, residual = procrustes(two.points, one.points)
    aligned = dataclasses.replace(two, points=frozen(np.asarray(two.points) @ rotation))
    return EpochComparison((int(epochs[0]), int(epochs[1])), one, aligned, frozen(rotation), residual)
