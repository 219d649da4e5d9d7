"""The report's experiments run on an engine: spectra, symmetries, backprop as a flipped
convolution, dead filters and pruning.

Each analysis is a function of an engine (any engine that follows the contract in
:mod:`cnnviz.engines.base`) and a few keyword parameters; it gathers what it needs from the
engine and the test split of the model's dataset, calls the mathematics in :mod:`cnnviz.core`
and returns a frozen dataclass whose arrays are read-only, so the result can cross threads.
The model service's worker runs them (``ModelService.run_science`` → :func:`run`) and so does
the command line (:mod:`cnnviz.cli_science`), so the orchestration lives here once.

============================  ==========================================  ======================
``run`` kind                  what                                        report
============================  ==========================================  ======================
``"similarity_matrix"``       class-by-class similarity of one filter's    §5.1
                              feature-map spectra (:func:`similarity_matrix`)
``"compare_pair"``            one filter's maps and spectra for two        §5.1
                              inputs (:func:`compare_pair`)
``"symmetry"``                a weight-space symmetry checked on           §1.1
                              predictions (:func:`symmetry`)
``"dead_filters"``            near-zero and never-active filters           §5.2
                              (:func:`dead_filters`)
``"prune"``                   zero filters, accuracy before and after      §5.2
                              (:func:`prune`; changes the weights with ``keep=True``)
``"flip"``                    backprop through a convolution as a          §4.3
                              flipped-kernel convolution (:func:`flip`)
============================  ==========================================  ======================

Every verdict a result gives comes with what it rests on, as text the window and the command
line both print (the ``verdict_text`` methods): the class matrix's claims with seeded bootstrap
intervals over the test images, called "supported" or "contradicted" only when the interval of
the difference excludes zero and "not distinguishable" otherwise
(:mod:`cnnviz.core.spectra_uncertainty`, :mod:`cnnviz.core.uncertainty`); one pair of inputs
placed among the pairs of many test images; symmetries, dead filters and the flip identity with
the threshold and the value observed; pruning with the predictions that changed each way and a
sign test.

Bad parameters raise ``ValueError`` with a message that says what was received and what was
expected. No Qt here.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from cnnviz.core.backprop import FLIP_TOLERANCE, FlipComparison, compare_flip, flip_verdict_text
from cnnviz.core.pruning import DeadFilterReport, max_abs_activation, prune_filters
from cnnviz.core.pruning import dead_filters as find_dead_filters
from cnnviz.core.results import frozen
from cnnviz.core.spectra import (log_spectrum_similarity, low_frequency_fraction, magnitude_spectrum,
                                 pair_similarities, radial_profile, similarity_matrix_csv)
from cnnviz.core.spectra_uncertainty import (ClassSimilarityStatistics, SimilarityRank,
                                             class_similarity_statistics, similarity_rank)
from cnnviz.core.symmetry import (ODD_ACTIVATIONS, SymmetryCheck, WeightSymmetries, check_symmetry, explain,
                                  flip_signs, permute_hidden_units, rescale_units)
from cnnviz.core.uncertainty import (CONFIDENCE, CONTRADICTED, MIN_SAMPLES_FOR_VERDICT, NOT_DISTINGUISHABLE,
                                     NUM_RESAMPLES, SIGNIFICANCE, SUPPORTED, Interval, judge_difference,
                                     sign_test_p_value, upper_bound_never_seen)

DEFAULT_DATASET = "mnist-sample"
"""The dataset used when the model's configuration names none (a model made elsewhere)."""
BATCH_SIZE = 256
"""Images per engine call when feature maps of many images are gathered."""
SYMMETRY_TOLERANCE = 1e-4
"""A probability change at most this large counts as "unchanged" (float32 rounding)."""
TRANSFORMS = ("permutation", "sign_flip", "rescale", "permutation_sign_flip")
"""The weight transforms :func:`symmetry` checks."""
RESCALE_RANGE = (0.25, 4.0)
"""Positive rescaling draws each unit's factor log-uniformly from this range."""

CHANGES_WEIGHTS = {"prune": True}
"""Analyses that change the engine's weights when called with ``keep=True``."""
REPORT_CLAIMS = ((("4", "7"), True), (("8", "1"), False))
"""The report's §5.1 claims: the spectra of a 4 and a 7 look alike (True), those of an 8 and a 1 do not."""
REFERENCE_IMAGES = 100
"""Test images whose pairwise spectrum similarities are the yardstick for one pair of inputs."""


# -- results ---------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class TestSplit:
    """The test split of a dataset, ready for a model.

    Attributes
    ----------
    images : ndarray, shape (n, h, w, c), float32, read-only
    labels : ndarray, shape (n,), int64, read-only
    class_names : tuple of str
    dataset : str
    """

    __test__ = False  # not a pytest test class, despite its name

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    dataset: str


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
        :func:`cnnviz.core.spectra.class_similarity_matrix`).
    statistics : ClassSimilarityStatistics
        Each entry's bootstrap interval, the spread of the individual image-pair similarities and
        the resampled matrices (:func:`cnnviz.core.spectra_uncertainty.class_similarity_statistics`);
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
        The matrix as CSV text (:func:`cnnviz.core.spectra.similarity_matrix_csv`).
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


@dataclass(frozen=True, eq=False)
class PairComparison:
    """One filter's feature maps for two inputs, their spectra and how alike they are.

    Attributes
    ----------
    layer : str
    filter_index : int
    image_a, image_b : ndarray, shape (h, w, c), float32, read-only
        The two inputs.
    map_a, map_b : ndarray, shape (mh, mw), float32, read-only
        The filter's feature map for each input.
    spectrum_a, spectrum_b : ndarray, shape (mh, mw), float32, read-only
        ``log(1 + |F|)`` of each map, zero frequency at ``(mh // 2, mw // 2)``
        (:func:`cnnviz.core.spectra.magnitude_spectrum`).
    similarity : float
        Cosine similarity of the log spectra, in [0, 1]; NaN when a map is all zero.
    exclude_dc : bool
        Whether the zero frequency was left out of ``similarity``.
    frequencies : ndarray, shape (bands,), read-only
        Centre of each radial band, cycles per pixel.
    profile_a, profile_b : ndarray, shape (bands,), read-only
        Fraction of each map's power ``|F|**2`` in each band (they sum to 1; zeros for a zero map).
    cutoff : float
        The low-frequency limit, cycles per pixel.
    low_frequency_a, low_frequency_b : float
        Fraction of each map's power at radial frequencies up to ``cutoff``.
    low_frequency_ac_a, low_frequency_ac_b : float
        The same without the zero frequency (the map's mean).
    rank : SimilarityRank or None
        Where ``similarity`` falls among the similarities of every pair of the first
        ``reference_images`` test images (:func:`cnnviz.core.spectra_uncertainty.similarity_rank`);
        None when no reference was asked for or the test images could not be read.
    reference : str
        Which test images those were, or why there is no rank.
    """

    layer: str
    filter_index: int
    image_a: np.ndarray
    image_b: np.ndarray
    map_a: np.ndarray
    map_b: np.ndarray
    spectrum_a: np.ndarray
    spectrum_b: np.ndarray
    similarity: float
    exclude_dc: bool
    frequencies: np.ndarray
    profile_a: np.ndarray
    profile_b: np.ndarray
    cutoff: float
    low_frequency_a: float
    low_frequency_b: float
    low_frequency_ac_a: float
    low_frequency_ac_b: float
    rank: SimilarityRank | None = None
    reference: str = ""

    def verdict_text(self) -> str:
        """The similarity, and whether it stands out among pairs of test images (with the range it is
        judged against)."""
        dc = " (zero frequency left out)" if self.exclude_dc else ""
        if not np.isfinite(self.similarity):
            return (f"Similarity of the spectra: n/a — a map is all zero (a dead filter?); {self.layer}, filter "
                    f"{self.filter_index}.")
        head = f"Similarity of the spectra: {self.similarity:.3f}{dc}, {self.layer} filter {self.filter_index}"
        rank = self.rank
        if rank is None or not np.isfinite(rank.low):
            return f"{head}. {self.reference or 'There is no reference to judge it against.'}"
        middle = (f"the middle {rank.confidence:.0%} of {rank.num_reference_pairs:,} pairs of {self.reference} "
                  f"({rank.low:.3f}–{rank.high:.3f})")
        if rank.outcome == "typical":
            verdict = (f"not distinguishable from a pair of random test images: within {middle}, more alike than "
                       f"{rank.fraction_below:.0%} of them")
        else:
            side = "above" if rank.outcome == "more alike" else "below"
            verdict = f"{rank.outcome} than usual: {side} {middle}, more alike than {rank.fraction_below:.0%} of them"
        return f"{head} — {verdict}. One pair cannot show that two classes look alike; the class matrix can."


@dataclass(frozen=True)
class SymmetryResult:
    """A weight transform of one hidden layer, checked on the predictions of test images.

    Attributes
    ----------
    layer, next_layer : str
        The hidden layer and the weighted layer its outgoing weights belong to.
    transform : str
        One of :data:`TRANSFORMS`.
    description : str
        What was done, e.g. ``"random permutation of all 128 units"``.
    activation : str
        The hidden layer's activation.
    num_units : int
        ``M``.
    unit_name : str
        ``"units"`` (dense) or ``"filters"`` (conv2d).
    symmetries : WeightSymmetries
        How many weight vectors are equivalent for this activation and layer
        (:class:`cnnviz.core.symmetry.WeightSymmetries`).
    explanation : str
        Why this transform is, or is not, a symmetry for the activation.
    note : str
        A caveat about the layers in between (max pooling and sign flips), or ``""``.
    check : SymmetryCheck
        Largest probability change, fraction of predictions kept, number of images.
    dataset : str
    seed : int
        Seed of the random permutation, signs and factors.
    tolerance : float
        The largest probability change still counted as unchanged.
    """

    layer: str
    next_layer: str
    transform: str
    description: str
    activation: str
    num_units: int
    unit_name: str
    symmetries: WeightSymmetries
    explanation: str
    note: str
    check: SymmetryCheck
    dataset: str
    seed: int
    tolerance: float = SYMMETRY_TOLERANCE

    @property
    def max_abs_difference(self) -> float:
        """Largest change of any class probability over the test images."""
        return self.check.max_abs_difference_in_probabilities

    @property
    def argmax_agreement(self) -> float:
        """Fraction of test images whose predicted class did not change."""
        return self.check.argmax_agreement

    @property
    def num_images(self) -> int:
        return self.check.num_images

    @property
    def is_symmetry(self) -> bool:
        """Whether no probability changed by more than ``tolerance``."""
        return self.max_abs_difference <= self.tolerance

    @property
    def count_text(self) -> str:
        """The exact finite count, ``"128! = 3.86×10^215"`` for relu, ``"6!·2^6 = 46,080"`` for tanh."""
        return self.symmetries.count_text

    def verdict_text(self) -> str:
        """``"unchanged: a symmetry (max |Δp| 4.8e-07 ≤ 1e-04)"``: the verdict with the observed value
        and the tolerance it is judged against."""
        if self.is_symmetry:
            return f"unchanged: a symmetry (max |Δp| {self.max_abs_difference:.2g} ≤ {self.tolerance:.0e})"
        return f"changed: not a symmetry (max |Δp| {self.max_abs_difference:.2g} > {self.tolerance:.0e})"


@dataclass(frozen=True)
class LayerDeadFilters:
    """The dead-filter report of one layer (``kind`` ``"conv2d"`` or ``"dense"``)."""

    layer: str
    kind: str
    report: DeadFilterReport

    @property
    def unit_name(self) -> str:
        """``"filters"`` for a convolution, ``"units"`` for a dense layer."""
        return "filters" if self.kind == "conv2d" else "units"

    def verdict_text(self, num_images: int) -> str:
        """What was found in this layer, with each criterion's threshold and the values observed.

        Parameters
        ----------
        num_images : int
            The test images the activity was measured on.
        """
        report, unit = self.report, self.unit_name
        single = unit[:-1]
        norms = report.kernel_norms
        largest = float(norms.max()) if norms.size else 0.0
        threshold = report.kernel_tolerance * largest
        kernel_rule = (f"kernel norm ≤ {threshold:.3g} = {report.kernel_tolerance:g} × the largest, "
                       f"{largest:.3g}")
        activity_rule = f"largest |output| ≤ {report.activity_tolerance:g} on all {num_images:,} test images"
        never = report.never_active
        parts = []
        if report.near_zero_kernels:
            parts.append(f"near-zero kernels {_listed(report.near_zero_kernels)} ({kernel_rule})")
        if never:
            bound = upper_bound_never_seen(num_images, CONFIDENCE)
            parts.append(f"never active {_listed(never)} ({activity_rule}; such a {single} may still fire, on at "
                         f"most {bound:.2%} of similar images, {CONFIDENCE:.0%} upper bound)")
        if parts:
            count = len(report.dead)
            return f"{self.layer}: {count} dead {unit if count != 1 else single}: {'; '.join(parts)}."
        weakest = int(norms.argmin())
        text = (f"{self.layer}: no dead {unit}. The smallest kernel norm, {norms[weakest]:.3g} ({single} {weakest}), "
                f"is above {threshold:.3g} = {report.kernel_tolerance:g} × the largest")
        peaks = report.max_activation
        if peaks is not None and peaks.size:
            quietest = int(peaks.argmin())
            text += (f"; the quietest {single}'s largest |output|, {peaks[quietest]:.3g} ({single} {quietest}), is "
                     f"above {report.activity_tolerance:g}, on {num_images:,} test images")
        return text + "."


@dataclass(frozen=True)
class DeadFiltersResult:
    """Near-zero and never-active filters of one or more layers.

    Attributes
    ----------
    layers : tuple of LayerDeadFilters
        In network order. Each report's arrays are read-only.
    num_images : int
        Test images the activity was measured on.
    dataset : str
    kernel_tolerance, activity_tolerance : float
    """

    layers: tuple[LayerDeadFilters, ...]
    num_images: int
    dataset: str
    kernel_tolerance: float
    activity_tolerance: float

    def report(self, layer: str) -> DeadFilterReport:
        """The report of ``layer``."""
        for entry in self.layers:
            if entry.layer == layer:
                return entry.report
        raise ValueError(f"No report for layer {layer!r}; reported layers: "
                         f"{', '.join(entry.layer for entry in self.layers)}.")

    @property
    def dead(self) -> dict[str, tuple[int, ...]]:
        """``{layer: dead filter indices}`` (a new dictionary each time)."""
        return {entry.layer: entry.report.dead for entry in self.layers}


@dataclass(frozen=True)
class PruneResult:
    """Filters zeroed, and the test accuracy before and after.

    Attributes
    ----------
    pruned : tuple of (str, tuple of int)
        Each layer and the filters zeroed in it, in network order (layers with nothing to prune
        included, with an empty tuple).
    accuracy_before, accuracy_after : float
    kept : bool
        Whether the engine keeps the pruned weights (otherwise they were restored).
    num_images : int
    dataset : str
    """

    pruned: tuple[tuple[str, tuple[int, ...]], ...]
    accuracy_before: float
    accuracy_after: float
    kept: bool
    num_images: int
    dataset: str
    num_worse: int = 0
    num_better: int = 0

    @property
    def num_pruned(self) -> int:
        """How many filters were zeroed in all."""
        return sum(len(indices) for _, indices in self.pruned)

    @property
    def p_value(self) -> float:
        """Two-sided exact sign test (McNemar) of ``num_worse`` against ``num_better``."""
        return sign_test_p_value(self.num_worse, self.num_better)

    @property
    def outcome(self) -> str:
        """``"unchanged"`` (no prediction changed), ``"lower"`` or ``"higher"`` (the sign test rejects
        "no change" at :data:`cnnviz.core.uncertainty.SIGNIFICANCE`), or ``"not distinguishable"``."""
        if self.num_worse == self.num_better == 0:
            return "unchanged"
        if self.p_value >= SIGNIFICANCE:
            return NOT_DISTINGUISHABLE
        return "lower" if self.num_worse > self.num_better else "higher"

    def verdict_text(self) -> str:
        """The accuracies, how many predictions changed each way, and whether that is more than chance."""
        head = (f"Test accuracy {self.accuracy_before:.4f} → {self.accuracy_after:.4f} on {self.num_images:,} "
                f"{self.dataset} test images")
        outcome = self.outcome
        if outcome == "unchanged":
            return f"{head}: no prediction changed."
        changes = f"{self.num_worse} predictions turned wrong and {self.num_better} turned right"
        test = f"sign test p = {self.p_value:.2g}"
        if outcome == NOT_DISTINGUISHABLE:
            return (f"{head}: {changes}; not distinguishable from no change with {self.num_images:,} test images "
                    f"({test} ≥ {SIGNIFICANCE:g}).")
        return f"{head}: {changes}; the accuracy is {outcome} ({test} < {SIGNIFICANCE:g})."


@dataclass(frozen=True, eq=False)
class FlipResult:
    """Backprop through a convolution recomputed as a convolution with the flipped kernel.

    Attributes
    ----------
    layer : str
    input_name : str
        ``"the input image"`` or ``"the output of <previous layer>"``.
    kernel_size, strides : (int, int)
    filters : int
    padding, activation : str
    target : str
        The gradient's target (``"loss"`` or ``"class:K"``).
    largest_engine_gradient : float
        The largest ``|engine gradient|`` with respect to the layer's input.
    comparison : FlipComparison
        Every array of the check, read-only (:func:`cnnviz.core.backprop.compare_flip`).
    """

    layer: str
    input_name: str
    kernel_size: tuple[int, int]
    strides: tuple[int, int]
    filters: int
    padding: str
    activation: str
    target: str
    largest_engine_gradient: float
    comparison: FlipComparison
    tolerance: float = FLIP_TOLERANCE

    @property
    def agrees(self) -> bool:
        """Whether the relative difference is within ``tolerance`` (float rounding)."""
        return self.comparison.relative_difference <= self.tolerance

    def verdict_text(self) -> str:
        """The differences, the tolerance they are judged against and the verdict."""
        return flip_verdict_text(self.comparison, self.tolerance)


# -- shared helpers --------------------------------------------------------------------------------

def _listed(indices: Sequence[int], limit: int = 12) -> str:
    """``"3, 11"``; long lists end in ``"… (+20 more)"``."""
    shown = ", ".join(str(index) for index in indices[:limit])
    return shown + (f", … (+{len(indices) - limit} more)" if len(indices) > limit else "")


def _read_only(array) -> np.ndarray:
    """A read-only copy (never a view of an engine's buffer)."""
    return frozen(np.array(array, copy=True))


def _specs(engine, what: str) -> dict:
    """``{layer name: layer spec}`` from the engine's configuration, or a ValueError."""
    config = getattr(engine, "config", None)
    if config is None:
        raise ValueError(f"This model has no cnnviz configuration (a .keras model made elsewhere); {what} "
                         "needs each layer's settings. Open a model saved by cnnviz, or build one.")
    return dict(zip(config.layer_names(), config.layers))


def _check_layer(name, specs: dict, kinds: tuple[str, ...], what: str) -> str:
    if not isinstance(name, str):
        raise ValueError(f"layer must be a layer name (a string), received {name!r}.")
    if name not in specs:
        raise ValueError(f"There is no layer {name!r}; the layers are {', '.join(specs)}.")
    if specs[name].kind not in kinds:
        raise ValueError(f"Layer {name!r} is a {specs[name].kind} layer; {what}.")
    return name


def _integer(value, what: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{what} must be an integer, received {value!r}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{what} must be at least {minimum}, received {value}.")
    return int(value)


def _dataset_name(engine, dataset: str | None) -> str:
    if dataset is not None:
        return dataset
    config = getattr(engine, "config", None)
    return config.training.dataset if config is not None else DEFAULT_DATASET


def load_test_split(engine, count: int | None = None, dataset: str | None = None,
                    data_dir: str | None = None) -> TestSplit:
    """The first ``count`` test images of the model's dataset, ready for the model.

    Parameters
    ----------
    engine : Engine
    count : int, optional
        How many images, from the start of the split (all by default; more than the split holds
        takes them all).
    dataset : str, optional
        A dataset name; by default the one the model's configuration names
        (:data:`DEFAULT_DATASET` for a model without one).
    data_dir : str, optional
        Where MNIST or Fashion-MNIST files are (see :func:`cnnviz.core.datasets.load_dataset`).

    Returns
    -------
    TestSplit

    Raises
    ------
    ValueError
        For a count below 1, a dataset that cannot be found, or images the model cannot take.
    """
    from cnnviz.core.datasets import load_dataset
    from cnnviz.core.preprocessing import preprocess_batch

    name = _dataset_name(engine, dataset)
    if count is not None:
        count = _integer(count, "The number of test images")
        if count < 1:
            raise ValueError(f"The number of test images must be at least 1, received {count}.")
    config = getattr(engine, "config", None)
    seed = config.training.seed if config is not None else 0
    loaded = load_dataset(name, "test", seed=seed, data_dir=data_dir)
    images = loaded.images if count is None else loaded.images[:count]
    labels = loaded.labels if count is None else loaded.labels[:count]
    batch = preprocess_batch(images)
    if config is not None and batch.shape[1:] != tuple(config.input_shape):
        raise ValueError(f"The model takes inputs of shape {tuple(config.input_shape)} but its dataset "
                         f"{name!r} gives {batch.shape[1:]}.")
    return TestSplit(frozen(batch), frozen(labels.astype(np.int64)), tuple(loaded.class_names), name)


def layer_maps(engine, images: np.ndarray, layer: str, batch_size: int = BATCH_SIZE) -> np.ndarray:
    """One layer's outputs for many images, computed ``batch_size`` images at a time.

    Returns
    -------
    ndarray, shape (n, ...) : the layer's output for every image.
    """
    return np.concatenate([np.asarray(engine.feature_maps(images[start:start + batch_size])[layer])
                           for start in range(0, len(images), batch_size)])


def _output_shapes(engine, maps: dict) -> dict[str, tuple[int, ...]]:
    """Every layer's output shape without the batch axis, from one call's feature maps."""
    return {name: tuple(np.shape(maps[name])[1:]) for name in engine.layer_names() if name in maps}


def _spatial_layer(engine, shapes: dict[str, tuple[int, ...]], layer) -> str:
    """``layer`` checked to give feature maps ``(h, w, c)``; by default the first convolution."""
    spatial = [name for name, shape in shapes.items() if len(shape) == 3]
    if not spatial:
        raise ValueError("This model has no layer with feature maps (every layer gives vectors).")
    if layer is None:
        config = getattr(engine, "config", None)
        convolutions = ([name for name, spec in zip(config.layer_names(), config.layers) if spec.kind == "conv2d"]
                        if config is not None else [])
        return convolutions[0] if convolutions else spatial[0]
    if not isinstance(layer, str):
        raise ValueError(f"layer must be a layer name (a string), received {layer!r}.")
    if layer not in shapes:
        raise ValueError(f"There is no layer {layer!r}; the layers are {', '.join(shapes)}.")
    if layer not in spatial:
        raise ValueError(f"Layer {layer!r} gives vectors of shape {shapes[layer]}, not feature maps; choose "
                         f"one of {', '.join(spatial)}.")
    return layer


def _filter(filter_index, layer: str, num_filters: int) -> int:
    if isinstance(filter_index, bool) or not isinstance(filter_index, (int, np.integer)) \
            or not 0 <= filter_index < num_filters:
        raise ValueError(f"Layer {layer!r} has {num_filters} filters, numbered 0 to {num_filters - 1}; "
                         f"filter {filter_index!r} does not exist. Choose one of those.")
    return int(filter_index)


def _one_image(image, what: str, engine) -> np.ndarray:
    """``image`` as a float32 batch of one, ``(1, h, w, c)``, checked."""
    if image is None:
        raise ValueError(f"{what} is missing: give one input image of shape (1, height, width, channels).")
    array = np.asarray(image)
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[0] != 1 or 0 in array.shape:
        raise ValueError(f"{what} must be one image of shape (1, height, width, channels), received an array "
                         f"of shape {array.shape}.")
    if not np.issubdtype(array.dtype, np.number) or not np.isfinite(array).all():
        raise ValueError(f"{what} must hold finite numbers.")
    config = getattr(engine, "config", None)
    if config is not None and array.shape[1:] != tuple(config.input_shape):
        raise ValueError(f"{what} has shape {array.shape[1:]}, but the model takes inputs of shape "
                         f"{tuple(config.input_shape)}.")
    return array.astype(np.float32)


# -- spectra (report §5.1) -------------------------------------------------------------------------

def similarity_matrix(engine, layer: str | None = None, filter_index: int = 0, samples_per_class: int = 20,
                      exclude_dc: bool = False, dataset: str | None = None, data_dir: str | None = None,
                      num_resamples: int = NUM_RESAMPLES, seed: int = 0) -> SimilarityMatrix:
    """How alike one filter's feature-map spectra are between every pair of classes, and how sure that is.

    The first ``samples_per_class`` test images of each class go through the model; their maps
    for filter ``filter_index`` of ``layer`` are compared with
    :func:`cnnviz.core.spectra_uncertainty.class_similarity_statistics`: the mean similarity of
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
        As in :func:`load_test_split`.
    num_resamples : int, default 1000
        Bootstrap resamples of the images.
    seed : int, default 0
        Seed of the resampling: the same seed gives the same intervals.

    Returns
    -------
    SimilarityMatrix
    """
    samples_per_class = _integer(samples_per_class, "samples_per_class", minimum=1)
    num_resamples = _integer(num_resamples, "num_resamples", minimum=1)
    seed = _integer(seed, "seed")
    split = load_test_split(engine, dataset=dataset, data_dir=data_dir)
    shapes = _output_shapes(engine, engine.feature_maps(split.images[:1]))
    layer = _spatial_layer(engine, shapes, layer)
    filter_index = _filter(filter_index, layer, shapes[layer][-1])
    classes = [index for index in range(len(split.class_names)) if np.any(split.labels == index)]
    chosen = {index: np.flatnonzero(split.labels == index)[:samples_per_class] for index in classes}
    order = np.concatenate(list(chosen.values()))
    maps = layer_maps(engine, split.images[order], layer)[..., filter_index]
    by_class, start = {}, 0
    for index in classes:
        by_class[index] = maps[start:start + len(chosen[index])]
        start += len(chosen[index])
    statistics = class_similarity_statistics(by_class, exclude_dc=bool(exclude_dc), num_resamples=num_resamples,
                                             seed=seed)
    statistics = replace(statistics, **{name: _read_only(getattr(statistics, name)) for name in (
        "matrix", "low", "high", "spread", "num_pairs", "num_maps", "replicates")})
    matrix = statistics.matrix
    names = tuple(split.class_names[index] for index in classes)
    return SimilarityMatrix(
        matrix=matrix, statistics=statistics, class_names=names, layer=layer, filter_index=filter_index,
        samples_per_class=samples_per_class, exclude_dc=bool(exclude_dc), dataset=split.dataset,
        map_shape=(int(maps.shape[1]), int(maps.shape[2])), csv=similarity_matrix_csv(matrix, names),
    )


def compare_pair(engine, layer: str | None = None, filter_index: int = 0, image_a=None, image_b=None,
                 exclude_dc: bool = False, cutoff: float = 0.25, reference_images: int = REFERENCE_IMAGES,
                 dataset: str | None = None, data_dir: str | None = None) -> PairComparison:
    """One filter's feature maps for two inputs, their log spectra, similarity and radial profiles.

    One pair of images has no spread of its own to judge its similarity by; it is placed among the
    similarities of every pair of the first ``reference_images`` test images instead
    (:func:`cnnviz.core.spectra_uncertainty.similarity_rank`).

    Parameters
    ----------
    engine : Engine
    layer : str, optional
        A layer with feature maps (default: the first convolution).
    filter_index : int, default 0
    image_a, image_b : ndarray, shape (1, h, w, c)
        The two inputs, as the model takes them.
    exclude_dc : bool, default False
        Leave the zero frequency out of the similarity.
    cutoff : float, default 0.25
        Low-frequency limit in cycles per pixel.
    reference_images : int, default 100
        Test images whose pairwise similarities are the yardstick (0: none).
    dataset, data_dir : str, optional
        As in :func:`load_test_split`.

    Returns
    -------
    PairComparison
    """
    reference_images = _integer(reference_images, "reference_images", minimum=0)
    first = _one_image(image_a, "image_a", engine)
    second = _one_image(image_b, "image_b", engine)
    if first.shape != second.shape:
        raise ValueError(f"image_a and image_b must have the same shape, received {first.shape} and "
                         f"{second.shape}.")
    maps = engine.feature_maps(np.concatenate([first, second]))
    shapes = _output_shapes(engine, maps)
    layer = _spatial_layer(engine, shapes, layer)
    filter_index = _filter(filter_index, layer, shapes[layer][-1])
    outputs = np.asarray(maps[layer], dtype=np.float32)[..., filter_index]
    map_a, map_b = outputs[0], outputs[1]
    similarity = log_spectrum_similarity(map_a, map_b, exclude_dc=bool(exclude_dc))
    rank, reference = _reference_rank(engine, layer, filter_index, similarity, bool(exclude_dc), reference_images,
                                      first.shape[1:], dataset, data_dir)
    frequencies, profile_a = radial_profile(map_a)
    _, profile_b = radial_profile(map_b)
    return PairComparison(
        layer=layer, filter_index=filter_index,
        image_a=_read_only(first[0]), image_b=_read_only(second[0]),
        map_a=_read_only(map_a), map_b=_read_only(map_b),
        spectrum_a=_read_only(magnitude_spectrum(map_a)[:, :, 0]),
        spectrum_b=_read_only(magnitude_spectrum(map_b)[:, :, 0]),
        similarity=similarity,
        exclude_dc=bool(exclude_dc), frequencies=_read_only(frequencies),
        profile_a=_read_only(profile_a), profile_b=_read_only(profile_b), cutoff=float(cutoff),
        low_frequency_a=low_frequency_fraction(map_a, cutoff=cutoff),
        low_frequency_b=low_frequency_fraction(map_b, cutoff=cutoff),
        low_frequency_ac_a=low_frequency_fraction(map_a, cutoff=cutoff, exclude_dc=True),
        low_frequency_ac_b=low_frequency_fraction(map_b, cutoff=cutoff, exclude_dc=True),
        rank=rank, reference=reference,
    )


def _reference_rank(engine, layer: str, filter_index: int, similarity: float, exclude_dc: bool, count: int,
                    input_shape: tuple[int, ...], dataset: str | None,
                    data_dir: str | None) -> tuple[SimilarityRank | None, str]:
    """``similarity`` among the similarities of every pair of the first ``count`` test images' maps,
    and which images those were (or why there is no rank)."""
    if count < 2:
        return None, "No reference images were asked for."
    try:
        split = load_test_split(engine, count, dataset=dataset, data_dir=data_dir)
    except (ValueError, OSError) as error:
        return None, f"There is no reference to judge it against: {error}"
    if split.images.shape[1:] != tuple(input_shape):
        return None, (f"There is no reference to judge it against: the {split.dataset} test images have shape "
                      f"{split.images.shape[1:]}, the inputs {tuple(input_shape)}.")
    maps = layer_maps(engine, split.images, layer)[..., filter_index]
    pairs = pair_similarities(maps, maps, exclude_dc=exclude_dc)
    upper = pairs[np.triu_indices(len(maps), k=1)]
    return similarity_rank(similarity, upper), f"the first {len(maps)} {split.dataset} test images"


# -- weight-space symmetries (report §1.1) ---------------------------------------------------------

def random_transforms(num_units: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The random permutation, flipped units and rescaling factors :func:`symmetry` uses.

    Drawn in this order from ``numpy.random.default_rng(seed)``, so one seed always gives the
    same transforms whichever of them is checked.

    Returns
    -------
    permutation : ndarray, shape (M,)
    flipped : ndarray, shape (k,)
        About half of the units, at least one.
    factors : ndarray, shape (M,)
        Log-uniform in :data:`RESCALE_RANGE`.
    """
    rng = np.random.default_rng(seed)
    permutation = rng.permutation(num_units)
    flipped = np.flatnonzero(rng.random(num_units) < 0.5)
    if len(flipped) == 0:
        flipped = np.array([0])
    low, high = RESCALE_RANGE
    factors = np.exp(rng.uniform(np.log(low), np.log(high), num_units))
    return permutation, flipped, factors


def symmetry(engine, layer: str | None = None, transform: str = "permutation", samples: int = 1000,
             seed: int = 0, dataset: str | None = None, data_dir: str | None = None) -> SymmetryResult:
    """Transform a hidden layer's weights and measure how much the predictions change.

    The engine's weights are restored afterwards (:func:`cnnviz.core.symmetry.check_symmetry`).

    Parameters
    ----------
    engine : Engine
    layer : str, optional
        A dense (or conv2d) layer followed by another weighted layer (default: the first hidden
        dense layer).
    transform : str, default "permutation"
        ``"permutation"`` (all units, randomly), ``"sign_flip"`` (about half the units),
        ``"rescale"`` (every unit by a factor in :data:`RESCALE_RANGE`) or
        ``"permutation_sign_flip"`` (both at once).
    samples : int, default 1000
        Test images to compare predictions on.
    seed : int, default 0
        Seed of the random transforms (:func:`random_transforms`).
    dataset, data_dir : str, optional
        As in :func:`load_test_split`.

    Returns
    -------
    SymmetryResult
    """
    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {', '.join(TRANSFORMS)}; received {transform!r}.")
    seed = _integer(seed, "seed")
    specs = _specs(engine, "checking symmetries")
    names = engine.layer_names()
    weights = engine.get_weights()
    weighted = [name for name in names if name in weights]
    hidden = [name for name in weighted[:-1] if specs[name].kind in ("dense", "conv2d")]
    if layer is None:
        dense = [name for name in hidden if specs[name].kind == "dense"]
        if not dense:
            raise ValueError(f"This model has no hidden dense layer (one followed by another dense layer); "
                             f"name a layer (hidden layers: {', '.join(hidden) or 'none'}).")
        layer = dense[0]
    else:
        _check_layer(layer, specs, ("dense", "conv2d"), "choose a dense or conv2d layer")
        if layer not in hidden:
            raise ValueError(f"Layer {layer!r} is the output layer; its units are not hidden. Hidden layers: "
                             f"{', '.join(hidden) or 'none'}.")
    activation = specs[layer].activation
    next_layer = weighted[weighted.index(layer) + 1]
    num_units = int(weights[layer]["kernel"].shape[-1])
    unit_name = "filters" if specs[layer].kind == "conv2d" else "units"
    split = load_test_split(engine, samples, dataset=dataset, data_dir=data_dir)
    permutation, flipped, factors = random_transforms(num_units, seed)
    low, high = RESCALE_RANGE
    transforms = {
        "permutation": (f"random permutation of all {num_units} {unit_name}",
                        lambda w: permute_hidden_units(w, layer, permutation, names)),
        "sign_flip": (f"sign flip of {len(flipped)} {unit_name}",
                      lambda w: flip_signs(w, layer, flipped, names)),
        "rescale": (f"positive rescaling of all {num_units} {unit_name} (factors {_fraction(low)} to "
                    f"{_fraction(high)})",
                    lambda w: rescale_units(w, layer, np.arange(num_units), factors, names)),
        "permutation_sign_flip": ("permutation and sign flips together",
                                  lambda w: flip_signs(permute_hidden_units(w, layer, permutation, names),
                                                       layer, flipped, names)),
    }
    description, function = transforms[transform]
    check = check_symmetry(engine, split.images, function)
    between = names[names.index(layer) + 1:names.index(next_layer)]
    pooled = any(specs[name].kind == "max_pooling2d" for name in between)
    note = ""
    if transform in ("sign_flip", "permutation_sign_flip") and activation in ODD_ACTIVATIONS and pooled:
        note = ("max pooling lies between, and max(-a) ≠ -max(a): sign flips are not exact here even "
                "though the activation is odd")
    try:
        explanation = explain(activation, "sign_flip" if transform == "permutation_sign_flip" else transform)
    except ValueError:
        explanation = f"No rule is known for the {activation} activation; the numbers say what happened."
    return SymmetryResult(
        layer=layer, next_layer=next_layer, transform=transform, description=description,
        activation=activation, num_units=num_units, unit_name=unit_name,
        symmetries=WeightSymmetries(activation, num_units, pooled), explanation=explanation, note=note, check=check,
        dataset=split.dataset, seed=seed,
    )


def _fraction(value: float) -> str:
    """``0.25`` as ``"1/4"``, whole numbers as they are."""
    return f"1/{round(1 / value)}" if value < 1 else f"{value:g}"


# -- dead filters and pruning (report §5.2) --------------------------------------------------------

def dead_filters(engine, layer: str | None = None, samples: int = 1000, kernel_tolerance: float = 1e-3,
                 activity_tolerance: float = 1e-6, dataset: str | None = None,
                 data_dir: str | None = None) -> DeadFiltersResult:
    """Filters with a near-zero kernel, and filters never active on the test images.

    Parameters
    ----------
    engine : Engine
    layer : str, optional
        A conv2d or dense layer (default: every conv2d layer).
    samples : int, default 1000
        Test images to look for activity on.
    kernel_tolerance, activity_tolerance : float
        As in :func:`cnnviz.core.pruning.dead_filters`.
    dataset, data_dir : str, optional
        As in :func:`load_test_split`.

    Returns
    -------
    DeadFiltersResult
    """
    specs = _specs(engine, "finding dead filters")
    names = engine.layer_names()
    if layer is None:
        layers = [name for name in names if specs[name].kind == "conv2d"]
        if not layers:
            raise ValueError("This model has no conv2d layer; name a dense layer to look for dead units.")
    else:
        layers = [_check_layer(layer, specs, ("conv2d", "dense"), "choose a conv2d or dense layer")]
    split = load_test_split(engine, samples, dataset=dataset, data_dir=data_dir)
    weights = engine.get_weights()
    activity: dict[str, np.ndarray | None] = {name: None for name in layers}
    for start in range(0, len(split.images), BATCH_SIZE):
        maps = engine.feature_maps(split.images[start:start + BATCH_SIZE])
        for name in layers:
            batch = max_abs_activation(maps[name])
            activity[name] = batch if activity[name] is None else np.maximum(activity[name], batch)
    entries = []
    for name in layers:
        report = find_dead_filters(weights[name]["kernel"], kernel_tolerance=kernel_tolerance,
                                   activity_tolerance=activity_tolerance, max_activation=activity[name])
        report = replace(report, kernel_norms=_read_only(report.kernel_norms),
                         max_activation=_read_only(report.max_activation))
        entries.append(LayerDeadFilters(name, specs[name].kind, report))
    return DeadFiltersResult(tuple(entries), len(split.images), split.dataset,
                             float(kernel_tolerance), float(activity_tolerance))


def prune(engine, layer: str | None = None, filters: Sequence[int] | Mapping[str, Sequence[int]] = (),
          keep: bool = False, dataset: str | None = None, data_dir: str | None = None) -> PruneResult:
    """Zero filters' kernels and biases and measure the test accuracy before and after.

    Parameters
    ----------
    engine : Engine
    layer : str, optional
        The layer whose ``filters`` to prune; leave it out when ``filters`` is a mapping.
    filters : sequence of int, or mapping {layer: sequence of int}
        Filter (or unit) indices of ``layer``, or for several layers at once.
    keep : bool, default False
        Keep the pruned weights in the engine (the model changes); by default they are restored,
        also on error.
    dataset, data_dir : str, optional
        As in :func:`load_test_split`; the whole test split is used.

    Returns
    -------
    PruneResult
    """
    specs = _specs(engine, "pruning")
    names = engine.layer_names()
    if isinstance(filters, Mapping):
        if layer is not None:
            raise ValueError("Give either layer and a list of filters, or filters as {layer: indices} without "
                             f"layer; received layer {layer!r} and a mapping.")
        plan = dict(filters)
    else:
        if layer is None:
            raise ValueError("Name the layer whose filters to prune (layer=...), or give filters as "
                             "{layer: indices}.")
        plan = {layer: filters}
    for name in plan:
        _check_layer(name, specs, ("conv2d", "dense"), "only conv2d and dense layers have filters to prune")
    ordered = [name for name in names if name in plan]
    original = engine.get_weights()
    pruned_weights, pruned = original, []
    for name in ordered:
        indices = tuple(int(index) for index in np.atleast_1d(np.asarray(plan[name], dtype=np.int64)))
        if indices:
            pruned_weights = prune_filters(pruned_weights, name, indices, names)
        pruned.append((name, tuple(sorted(set(indices)))))
    split = load_test_split(engine, dataset=dataset, data_dir=data_dir)
    # Predictions, not only accuracies: which images changed each way says whether a change is
    # more than chance (the same images are scored twice, a paired comparison).
    right_before = np.asarray(engine.predict(split.images)).argmax(axis=1) == split.labels
    restore = True
    try:
        engine.set_weights(pruned_weights)
        right_after = np.asarray(engine.predict(split.images)).argmax(axis=1) == split.labels
        restore = not keep
    finally:
        if restore:
            engine.set_weights(original)
    return PruneResult(tuple(pruned), float(right_before.mean()), float(right_after.mean()), bool(keep),
                       len(split.images), split.dataset, num_worse=int((right_before & ~right_after).sum()),
                       num_better=int((~right_before & right_after).sum()))


# -- backprop as a flipped convolution (report §4.3) -----------------------------------------------

def flip(engine, layer: str | None = None, image=None, label: int | None = None) -> FlipResult:
    """Recompute a convolution's input gradient as a flipped-kernel convolution and compare.

    Parameters
    ----------
    engine : Engine
    layer : str, optional
        A conv2d layer (default: the deepest one).
    image : ndarray, shape (1, h, w, c)
    label : int, optional
        The gradient is that of the loss of ``label`` (default: the predicted class).

    Returns
    -------
    FlipResult
    """
    specs = _specs(engine, "the flip check")
    names = engine.layer_names()
    convolutions = [name for name in names if specs[name].kind == "conv2d"]
    if not convolutions:
        raise ValueError("This model has no conv2d layer to check.")
    layer = layer or convolutions[-1]
    _check_layer(layer, specs, ("conv2d",), "the flip identity is about convolutions: choose one of "
                 + ", ".join(convolutions))
    image = _one_image(image, "image", engine)
    labels = None if label is None else np.array([int(label)])
    gradients = engine.gradients(image, labels=labels)
    maps = engine.feature_maps(image)
    index = names.index(layer)
    if index == 0:
        engine_input_gradient, layer_input, input_name = gradients.input, image, "the input image"
    else:
        previous = names[index - 1]
        engine_input_gradient, layer_input = gradients.layers[previous], maps[previous]
        input_name = f"the output of {previous}"
    spec = specs[layer]
    comparison = compare_flip(engine_input_gradient, gradients.layers[layer], maps[layer], spec.activation,
                              engine.kernels()[layer], np.shape(layer_input)[1:3], spec.strides, spec.padding)
    comparison = replace(comparison, **{name: _read_only(getattr(comparison, name)) for name in (
        "flipped_kernel", "pre_activation_gradient", "dilated_gradient", "computed_gradient", "engine_gradient")})
    return FlipResult(
        layer=layer, input_name=input_name, kernel_size=tuple(spec.kernel_size), strides=tuple(spec.strides),
        filters=int(spec.filters), padding=spec.padding, activation=spec.activation, target=gradients.target,
        largest_engine_gradient=float(np.abs(engine_input_gradient).max()), comparison=comparison,
    )


# -- dispatch --------------------------------------------------------------------------------------

_ANALYSES = {
    "similarity_matrix": similarity_matrix,
    "compare_pair": compare_pair,
    "symmetry": symmetry,
    "dead_filters": dead_filters,
    "prune": prune,
    "flip": flip,
}
KINDS = tuple(_ANALYSES)
"""The analyses :func:`run` knows."""


def parameters(kind: str) -> tuple[str, ...]:
    """The keyword parameters analysis ``kind`` takes."""
    if kind not in _ANALYSES:
        raise ValueError(f"Unknown analysis {kind!r}; expected one of {', '.join(KINDS)}.")
    return tuple(name for name in inspect.signature(_ANALYSES[kind]).parameters if name != "engine")


def run(kind: str, engine, /, **params):
    """Run analysis ``kind`` on ``engine`` with keyword ``params``; returns its frozen result.

    Raises
    ------
    ValueError
        For an unknown kind or parameter, or bad parameter values (the message says which).
    """
    accepted = parameters(kind)
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        hint = (" (kind names the analysis; name the weight transform with transform=...)"
                if kind == "symmetry" and "kind" in unknown else "")
        raise ValueError(f"The {kind} analysis takes {', '.join(accepted)}; received unknown "
                         f"parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}{hint}.")
    return _ANALYSES[kind](engine, **params)
