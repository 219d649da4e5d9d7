"""How sure the spectrum comparisons of the report's §5.1 are.

:func:`cnnviz.science.spectra_similarity.class_similarity_matrix` gives the *mean* similarity between the
spectra of two classes, over a few test images of each. Whether a 4 and a 7 "look alike" then
depends on how much that mean would move with other images of the same classes.
:func:`class_similarity_statistics` answers it with a bootstrap over *images*: each resample
draws every class's images again with replacement (seeded, so one seed gives one answer) and
recomputes the whole matrix, so an entry, the mean over all different-class pairs and their
difference all get intervals that keep the images' shared influence on several entries (widened
for few images per class: :func:`cnnviz.science.uncertainty.expanded_tail`). The
image pairs themselves are not resampled, because one image takes part in many pairs and pairs
are not independent. The spread of the individual image-pair similarities
(:func:`cnnviz.science.spectra_similarity.pair_similarities`) is reported beside the intervals: how much a
single pair of images may differ from the mean.

For one pair of inputs there is nothing to resample; :func:`similarity_rank` instead places its
similarity among the similarities of many pairs of test images, so "0.83" can be read as
"typical" or "unusually alike".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnviz.core.checks import is_int
from cnnviz.core.spectra import unit_log_spectra
from cnnviz.science.spectra_similarity import class_map_stacks, class_similarity_matrix
from cnnviz.science.uncertainty import (
    CONFIDENCE,
    NUM_RESAMPLES,
    Interval,
    percentile_bounds,
    percentile_interval,
    resample_counts,
)

MAX_CHUNK_VALUES = 5_000_000
"""Resampled spectrum sums held at once (40 MB of float64): the resamples are summed in chunks of
as many as fit, since a few large matrix products are much faster than many small ones."""


def _off_diagonal_mean(matrices: np.ndarray) -> np.ndarray:
    """Mean of the finite off-diagonal entries of ``(..., K, K)`` matrices; NaN where none is finite."""
    size = matrices.shape[-1]
    mask = ~np.eye(size, dtype=bool)
    values = matrices[..., mask]
    finite = np.isfinite(values)
    count = finite.sum(axis=-1)
    total = np.where(finite, values, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _diagonal_mean(matrices: np.ndarray) -> np.ndarray:
    """Mean of the finite diagonal entries of ``(..., K, K)`` matrices; NaN where none is finite."""
    values = np.diagonal(matrices, axis1=-2, axis2=-1)
    finite = np.isfinite(values)
    count = finite.sum(axis=-1)
    total = np.where(finite, values, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


@dataclass(frozen=True, eq=False)
class ClassSimilarityStatistics:
    """The class-by-class similarity matrix with bootstrap intervals and the spread of image pairs.

    Attributes
    ----------
    matrix : ndarray, shape (K, K)
        The mean similarities (:func:`cnnviz.science.spectra_similarity.class_similarity_matrix`).
    low, high : ndarray, shape (K, K)
        Each entry's bootstrap percentile interval; NaN where the entry is NaN.
    spread : ndarray, shape (K, K)
        Standard deviation of the individual image-pair similarities behind each entry.
    num_pairs : ndarray, shape (K, K), int
        How many image pairs each entry averages.
    num_maps : ndarray, shape (K,), int
        Each class's maps with a spectrum (all-zero maps are left out).
    replicates : ndarray, shape (B, K, K)
        The matrix recomputed on each resample.
    confidence : float
    seed : int
    """

    matrix: np.ndarray
    low: np.ndarray
    high: np.ndarray
    spread: np.ndarray
    num_pairs: np.ndarray
    num_maps: np.ndarray
    replicates: np.ndarray
    confidence: float
    seed: int

    @property
    def num_resamples(self) -> int:
        return int(self.replicates.shape[0])

    def interval(self, row: int, col: int) -> Interval:
        """Entry ``(row, col)`` with its interval."""
        return Interval(float(self.matrix[row, col]), float(self.low[row, col]), float(self.high[row, col]),
                        self.confidence)

    def different_class_interval(self) -> Interval:
        """The mean over every pair of different classes (the off-diagonal entries), with its interval."""
        return percentile_interval(float(_off_diagonal_mean(self.matrix)), _off_diagonal_mean(self.replicates),
                                   self.confidence, self.fewest_maps())

    def same_class_interval(self) -> Interval:
        """The mean of the diagonal (different images of one class), with its interval."""
        return percentile_interval(float(_diagonal_mean(self.matrix)), _diagonal_mean(self.replicates),
                                   self.confidence, self.fewest_maps())

    def difference_from_different_classes(self, row: int, col: int) -> Interval:
        """Entry ``(row, col)`` minus the mean between different classes, with the interval of the
        difference (both from the same resamples, so what they share cancels)."""
        estimate = float(self.matrix[row, col] - _off_diagonal_mean(self.matrix))
        replicates = self.replicates[:, row, col] - _off_diagonal_mean(self.replicates)
        return percentile_interval(estimate, replicates, self.confidence, self.fewest_maps())

    def fewest_maps(self, *classes: int) -> int:
        """The fewest maps with a spectrum among ``classes`` (every class when none is named)."""
        counts = self.num_maps if not classes else self.num_maps[list(classes)]
        return int(counts.min()) if counts.size else 0


def _resampled_matrices(spectra: list[tuple[np.ndarray, np.ndarray]], num_resamples: int,
                        seed: int) -> np.ndarray:
    """The similarity matrix of each bootstrap resample of every class's maps, shape (B, K, K)."""
    rng = np.random.default_rng(seed)
    # All draws first, class by class, so the resamples do not depend on the chunk size.
    counts = [resample_counts(rng, len(vectors), num_resamples).astype(np.float64) for vectors, _ in spectra]
    valid = [flags.astype(np.float64) for _, flags in spectra]
    size, length = len(spectra), spectra[0][0].shape[1]
    replicates = np.empty((num_resamples, size, size))
    chunk_size = max(1, MAX_CHUNK_VALUES // max(size * length, 1))
    sums = np.empty((size, min(chunk_size, num_resamples), length))
    for start in range(0, num_resamples, chunk_size):
        stop = min(start + chunk_size, num_resamples)
        rows = stop - start
        for k, (vectors, _) in enumerate(spectra):
            np.matmul(counts[k][start:stop], vectors, out=sums[k, :rows])
        drawn = np.stack([counts[k][start:stop] @ valid[k] for k in range(size)], axis=1)
        # A map drawn twice is still one image: leave out every pair of an image with itself
        # (each draw's unit spectrum has length 1, so those pairs add sum(count^2) to the total).
        repeats = np.stack([(counts[k][start:stop] ** 2) @ valid[k] for k in range(size)], axis=1)
        totals = np.empty((rows, size, size))
        for row in range(size):
            for col in range(row, size):
                totals[:, row, col] = totals[:, col, row] = np.einsum("bd,bd->b", sums[row, :rows], sums[col, :rows])
        pairs = drawn[:, :, None] * drawn[:, None, :]
        diagonal = np.arange(size)
        totals[:, diagonal, diagonal] -= repeats
        pairs[:, diagonal, diagonal] -= repeats
        with np.errstate(invalid="ignore", divide="ignore"):
            chunk = np.where(pairs > 0, totals / np.where(pairs > 0, pairs, 1.0), np.nan)
        replicates[start:stop] = np.clip(chunk, 0.0, 1.0)
    return replicates


def _pair_spread(spectra: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Standard deviation and number of the individual image-pair similarities of every class pair."""
    size = len(spectra)
    spread = np.full((size, size), np.nan)
    num_pairs = np.zeros((size, size), dtype=np.int64)
    for row in range(size):
        vectors_a = spectra[row][0][spectra[row][1]]
        for col in range(row, size):
            vectors_b = spectra[col][0][spectra[col][1]]
            block = np.clip(vectors_a @ vectors_b.T, 0.0, 1.0)
            if row == col:
                block = block[~np.eye(len(block), dtype=bool)]
            values = block.ravel()
            num_pairs[row, col] = num_pairs[col, row] = values.size
            if values.size:
                spread[row, col] = spread[col, row] = float(values.std())
    return spread, num_pairs


def class_similarity_statistics(feature_maps_by_class: dict[int, np.ndarray], exclude_dc: bool = False,
                                num_resamples: int = NUM_RESAMPLES, seed: int = 0,
                                confidence: float = CONFIDENCE) -> ClassSimilarityStatistics:
    """The class similarity matrix with a bootstrap interval for every entry and the pairs' spread.

    Parameters
    ----------
    feature_maps_by_class : dict[int, ndarray of shape (n_k, h, w)]
        As in :func:`cnnviz.science.spectra_similarity.class_similarity_matrix`.
    exclude_dc : bool, default False
    num_resamples : int, default 1000
        Bootstrap resamples; each redraws every class's maps with replacement.
    seed : int, default 0
        Seeds the resampling (``numpy.random.default_rng``): the same seed gives the same intervals.
    confidence : float, default 0.95

    Returns
    -------
    ClassSimilarityStatistics
    """
    if not is_int(num_resamples) or num_resamples < 1:
        raise ValueError(f"num_resamples must be a positive integer, received {num_resamples!r}.")
    if not is_int(seed):
        raise ValueError(f"seed must be an integer, received {seed!r}.")
    matrix = class_similarity_matrix(feature_maps_by_class, exclude_dc=exclude_dc)
    _, stacks = class_map_stacks(feature_maps_by_class)
    spectra = [unit_log_spectra(maps, exclude_dc) for maps in stacks]
    replicates = _resampled_matrices(spectra, int(num_resamples), int(seed))
    num_maps = np.array([int(valid.sum()) for _, valid in spectra], dtype=np.int64)
    low, high = percentile_bounds(replicates, confidence, np.minimum.outer(num_maps, num_maps))
    undefined = ~np.isfinite(matrix)
    low[undefined], high[undefined] = np.nan, np.nan
    spread, num_pairs = _pair_spread(spectra)
    return ClassSimilarityStatistics(matrix=matrix, low=low, high=high, spread=spread, num_pairs=num_pairs,
                                     num_maps=num_maps, replicates=replicates, confidence=float(confidence),
                                     seed=int(seed))


@dataclass(frozen=True)
class SimilarityRank:
    """One similarity placed among the similarities of many reference pairs.

    Attributes
    ----------
    value : float
        The similarity of the pair in question.
    fraction_below : float
        The share of reference pairs less alike than it.
    low, high : float
        The central ``confidence`` range of the reference similarities.
    num_reference_pairs : int
    confidence : float
    """

    value: float
    fraction_below: float
    low: float
    high: float
    num_reference_pairs: int
    confidence: float = CONFIDENCE

    @property
    def outcome(self) -> str:
        """``"more alike"``, ``"less alike"`` (outside the central range) or ``"typical"`` (inside it,
        or nothing to compare with)."""
        if not (np.isfinite(self.value) and np.isfinite(self.low) and np.isfinite(self.high)):
            return "typical"
        if self.value > self.high:
            return "more alike"
        if self.value < self.low:
            return "less alike"
        return "typical"


def similarity_rank(value: float, reference_similarities, confidence: float = CONFIDENCE) -> SimilarityRank:
    """Where ``value`` falls among ``reference_similarities`` (NaN references are left out).

    Parameters
    ----------
    value : float
    reference_similarities : array_like
        Similarities of reference pairs, e.g. the upper triangle of
        :func:`cnnviz.science.spectra_similarity.pair_similarities` of many test images' maps.
    confidence : float, default 0.95
        The central share of the references that counts as typical.

    Returns
    -------
    SimilarityRank
    """
    reference = np.asarray(reference_similarities, dtype=np.float64).ravel()
    reference = reference[np.isfinite(reference)]
    if not reference.size or not np.isfinite(value):
        return SimilarityRank(float(value), float("nan"), float("nan"), float("nan"), int(reference.size),
                              float(confidence))
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(reference, [tail, 100 - tail])
    return SimilarityRank(float(value), float(np.mean(reference < value)), float(low), float(high),
                          int(reference.size), float(confidence))
