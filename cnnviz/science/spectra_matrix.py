"""How alike one filter's feature-map spectra are between every pair of classes (report §5.1).

:func:`similarity_matrix` runs the first test images of each class through the model, takes one
filter's maps and compares their log spectra class by class
(:func:`cnnviz.science.spectra_similarity.class_similarity_matrix`), with a bootstrap interval
for every entry (:func:`cnnviz.science.spectra_statistics.class_similarity_statistics`). The
result, :class:`SimilarityMatrix`, judges the report's claims (a 4 and a 7 look alike, an 8 and
a 1 do not) with :class:`ClaimVerdict`: "supported" or "contradicted" only when the interval of
the difference excludes zero, "not distinguishable" otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from cnnviz.science.checks import filter_number, integer, output_shapes, read_only, spatial_layer
from cnnviz.science.data import layer_maps, load_test_split
from cnnviz.science.spectra_similarity import similarity_matrix_csv
from cnnviz.science.spectra_statistics import ClassSimilarityStatistics, class_similarity_statistics
from cnnviz.science.uncertainty import (
    MIN_SAMPLES_FOR_VERDICT,
    NOT_DISTINGUISHABLE,
    NUM_RESAMPLES,
    Interval,
    judge_difference,
)

if TYPE_CHECKING:
    from cnnviz.engines.base import Engine

REPORT_CLAIMS = ((("4", "7"), True), (("8", "1"), False))
"""The report's §5.1 claims: the spectra of a 4 and a 7 look alike (True), those of an 8 and a 1 do not."""


@dataclass(frozen=True)
class ClaimVerdict:
    """A claim about a pair of classes (they look alike, or they do not) checked against the matrix.

    The pair's mean similarity is compared with the mean between every pair of different classes;
    the claim is settled only when the bootstrap interval of their difference excludes zero.

    Attributes
    ----------
    first, second : str
        The two classes.
    alike : bool
        The claim: they look alike (True), or they do not (False).
    pair, reference, difference : Interval
        The pair's mean similarity, the mean between different classes, and the first minus the
        second, each with its interval.
    samples_per_class : int
        The fewest images with a non-zero map in any class: what the intervals rest on.
    num_resamples : int
    outcome : str
        ``"supported"``, ``"contradicted"`` or ``"not distinguishable"``.
    """

    first: str
    second: str
    alike: bool
    pair: Interval
    reference: Interval
    difference: Interval
    samples_per_class: int
    num_resamples: int
    outcome: str

    @property
    def claim(self) -> str:
        return f"{self.first} and {self.second} {'look alike' if self.alike else 'do not look alike'}"

    def text(self) -> str:
        """``"4 vs 7: 0.895 [0.881, 0.908] against 0.890 [...] ...: not distinguishable ..."``."""
        numbers = (f"{self.first} vs {self.second}: {self.pair.text()} against the mean between different classes, "
                   f"{self.reference.text()}; difference {self.difference.text(signed=True)}")
        if self.outcome == NOT_DISTINGUISHABLE:
            few = (f" (a verdict needs at least {MIN_SAMPLES_FOR_VERDICT} per class)"
                   if self.samples_per_class < MIN_SAMPLES_FOR_VERDICT else "")
            return (f"{numbers}: not distinguishable with {self.samples_per_class} samples per class — use more "
                    f"samples{few}.")
        side = "above" if self.difference.low > 0 else "below"
        return (f"{numbers}, wholly {side} 0: the report's claim that {self.claim} is {self.outcome} for this "
                "filter.")


@dataclass(frozen=True, eq=False)
class SimilarityMatrix:
    """Mean log-spectrum similarity of one filter's feature maps between every pair of classes,
    with bootstrap intervals.

    Attributes
    ----------
    matrix : ndarray, shape (K, K), float64, read-only
        Exactly symmetric; NaN where no pair of non-zero maps was left (see
        :func:`cnnviz.science.spectra_similarity.class_similarity_matrix`).
    statistics : ClassSimilarityStatistics
        Each entry's bootstrap interval, the spread of the individual image-pair similarities and
        the resampled matrices (:func:`cnnviz.science.spectra_statistics.class_similarity_statistics`);
        arrays read-only.
    class_names : tuple of str
        The K classes present in the test split, in label order.
    layer : str
    filter_index : int
    samples_per_class : int
        The most test images used per class (fewer where a class has fewer).
    exclude_dc : bool
        Whether the zero frequency was left out of the spectra.
    dataset : str
    map_shape : (int, int)
        The feature maps' ``(h, w)``.
    csv : str
        The matrix as CSV text (:func:`cnnviz.science.spectra_similarity.similarity_matrix_csv`).
    """

    matrix: np.ndarray
    statistics: ClassSimilarityStatistics
    class_names: tuple[str, ...]
    layer: str
    filter_index: int
    samples_per_class: int
    exclude_dc: bool
    dataset: str
    map_shape: tuple[int, int]
    csv: str

    @property
    def is_empty(self) -> bool:
        """Whether every entry is NaN: every map was zero (a dead filter), no spectrum to compare."""
        return bool(np.isnan(self.matrix).all())

    @property
    def same_class_mean(self) -> float:
        """Mean of the diagonal (NaN entries left out; NaN if all are)."""
        return self.statistics.same_class_interval().estimate

    @property
    def different_class_mean(self) -> float:
        """Mean of the off-diagonal entries (NaN entries left out; NaN if all are)."""
        return self.statistics.different_class_interval().estimate

    def interval(self, row: int, col: int) -> Interval:
        """Entry ``(row, col)`` with its bootstrap interval."""
        return self.statistics.interval(row, col)

    def _extreme_pair(self, pick) -> tuple[int, int, float] | None:
        masked = np.where(~np.eye(len(self.matrix), dtype=bool), self.matrix, np.nan)
        if np.isnan(masked).all():
            return None
        row, col = np.unravel_index(pick(masked), masked.shape)
        return int(row), int(col), float(self.matrix[row, col])

    @property
    def most_alike(self) -> tuple[int, int, float] | None:
        """``(i, j, similarity)`` of the most similar pair of different classes, or None."""
        return self._extreme_pair(np.nanargmax)

    @property
    def least_alike(self) -> tuple[int, int, float] | None:
        """``(i, j, similarity)`` of the least similar pair of different classes, or None."""
        return self._extreme_pair(np.nanargmin)

    def claim_verdicts(self) -> list[ClaimVerdict]:
        """The report's claims (:data:`REPORT_CLAIMS`) whose classes this matrix holds, each judged."""
        names = list(self.class_names)
        verdicts = []
        for (first, second), alike in REPORT_CLAIMS:
            if first not in names or second not in names:
                continue
            row, col = names.index(first), names.index(second)
            if not np.isfinite(self.matrix[row, col]):
                continue
            difference = self.statistics.difference_from_different_classes(row, col)
            samples = self.statistics.fewest_maps()
            verdicts.append(ClaimVerdict(
                first=first, second=second, alike=alike, pair=self.interval(row, col),
                reference=self.statistics.different_class_interval(), difference=difference,
                samples_per_class=samples, num_resamples=self.statistics.num_resamples,
                outcome=judge_difference(difference, alike, samples)))
        return verdicts

    def verdict_text(self) -> str:
        """What the numbers say about the report's claims, or about the most and least alike pairs
        for other classes; empty for a dead filter. Every number carries its interval."""
        if self.is_empty:
            return ""
        verdicts = self.claim_verdicts()
        if verdicts:
            return "\n".join(verdict.text() for verdict in verdicts)
        high, low = self.most_alike, self.least_alike
        if high is None or low is None:
            return ""
        names = self.class_names
        most, least = self.interval(high[0], high[1]), self.interval(low[0], low[1])
        text = (f"Most alike: {names[high[0]]} and {names[high[1]]}, {most.text()}; least alike: {names[low[0]]} "
                f"and {names[low[1]]}, {least.text()}; different classes average "
                f"{self.statistics.different_class_interval().text()}.")
        samples = self.statistics.fewest_maps()
        if samples < MIN_SAMPLES_FOR_VERDICT:
            text += (f" The most and least alike pairs are not distinguishable with {samples} samples per class — "
                     f"use more samples (a verdict needs at least {MIN_SAMPLES_FOR_VERDICT} per class).")
        elif not most.low > least.high:
            text += (f" Their intervals overlap: the most and least alike pairs are not distinguishable with "
                     f"{samples} samples per class — use more samples.")
        else:
            text += " Their intervals do not overlap: the two pairs differ."
        return text

    def uncertainty_text(self) -> str:
        """How the intervals were made, for a caption."""
        statistics = self.statistics
        return (f"Intervals in brackets: {statistics.confidence:.0%} bootstrap percentile intervals, "
                f"{statistics.num_resamples:,} resamples of each class's test images (seed {statistics.seed}).")


def similarity_matrix(engine: Engine, layer: str | None = None, filter_index: int = 0, samples_per_class: int = 20,
                      exclude_dc: bool = False, dataset: str | None = None, data_dir: str | None = None,
                      num_resamples: int = NUM_RESAMPLES, seed: int = 0) -> SimilarityMatrix:
    """How alike one filter's feature-map spectra are between every pair of classes, and how sure that is.

    The first ``samples_per_class`` test images of each class go through the model; their maps
    for filter ``filter_index`` of ``layer`` are compared with
    :func:`cnnviz.science.spectra_statistics.class_similarity_statistics`: the mean similarity of
    every pair of classes, each with a bootstrap interval over the images.

    Parameters
    ----------
    engine : Engine
    layer : str, optional
        A layer with feature maps (default: the first convolution).
    filter_index : int, default 0
    samples_per_class : int, default 20
    exclude_dc : bool, default False
        Leave the zero frequency out of the spectra.
    dataset, data_dir : str, optional
        As in :func:`cnnviz.science.data.load_test_split`.
    num_resamples : int, default 1000
        Bootstrap resamples of the images.
    seed : int, default 0
        Seed of the resampling: the same seed gives the same intervals.

    Returns
    -------
    SimilarityMatrix
    """
    samples_per_class = integer(samples_per_class, "samples_per_class", minimum=1)
    num_resamples = integer(num_resamples, "num_resamples", minimum=1)
    seed = integer(seed, "seed")
    split = load_test_split(engine, dataset=dataset, data_dir=data_dir)
    shapes = output_shapes(engine, engine.feature_maps(split.images[:1]))
    layer = spatial_layer(engine, shapes, layer)
    filter_index = filter_number(filter_index, layer, shapes[layer][-1])
    classes = [index for index in range(len(split.class_names)) if np.any(split.labels == index)]
    chosen = {index: np.flatnonzero(split.labels == index)[:samples_per_class] for index in classes}
    order = np.concatenate(list(chosen.values()))
    maps = layer_maps(engine, split.images[order], layer)[..., filter_index]
    by_class: dict[int, np.ndarray] = {}
    start = 0
    for index in classes:
        by_class[index] = maps[start:start + len(chosen[index])]
        start += len(chosen[index])
    statistics = class_similarity_statistics(by_class, exclude_dc=bool(exclude_dc), num_resamples=num_resamples,
                                             seed=seed)
    statistics = replace(statistics, matrix=read_only(statistics.matrix), low=read_only(statistics.low),
                         high=read_only(statistics.high), spread=read_only(statistics.spread),
                         num_pairs=read_only(statistics.num_pairs), num_maps=read_only(statistics.num_maps),
                         replicates=read_only(statistics.replicates))
    matrix = statistics.matrix
    names = tuple(split.class_names[index] for index in classes)
    return SimilarityMatrix(
        matrix=matrix, statistics=statistics, class_names=names, layer=layer, filter_index=filter_index,
        samples_per_class=samples_per_class, exclude_dc=bool(exclude_dc), dataset=split.dataset,
        map_shape=(int(maps.shape[1]), int(maps.shape[2])), csv=similarity_matrix_csv(matrix, names),
    )
