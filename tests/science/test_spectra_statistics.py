"""How sure the class-by-class spectrum similarities are: bootstrap over images, and one pair's rank."""

import itertools

import numpy as np
import pytest

from cnnviz.core.spectra import log_spectrum_similarity
from cnnviz.science.spectra_similarity import class_similarity_matrix, pair_similarities
from cnnviz.science.spectra_statistics import class_similarity_statistics, similarity_rank
from cnnviz.science.uncertainty import NOT_DISTINGUISHABLE, SUPPORTED, judge_difference, resample_counts
from tests.science.helpers import stripes, synthetic_classes


def resampled_brute_force(by_class, counts):
    """The matrix of one resample, from the resampled lists of maps, leaving out pairs of one image."""
    keys = sorted(by_class)
    matrix = np.zeros((len(keys), len(keys)))
    for i, j in itertools.product(range(len(keys)), repeat=2):
        first = [(index, by_class[keys[i]][index]) for index, times in enumerate(counts[i]) for _ in range(times)]
        second = [(index, by_class[keys[j]][index]) for index, times in enumerate(counts[j]) for _ in range(times)]
        values = [log_spectrum_similarity(a, b) for (p, a), (q, b) in itertools.product(first, second)
                  if i != j or p != q]
        matrix[i, j] = np.mean(values)
    return matrix


def test_each_resample_is_the_matrix_of_the_images_drawn_again():
    by_class = synthetic_classes(np.random.default_rng(7), count=4, size=8)
    statistics = class_similarity_statistics(by_class, num_resamples=3, seed=9)
    np.testing.assert_allclose(statistics.matrix, class_similarity_matrix(by_class), atol=1e-12)
    rng = np.random.default_rng(9)
    draws = [resample_counts(rng, len(by_class[key]), 3) for key in sorted(by_class)]
    for resample in range(3):
        counts = [draw[resample] for draw in draws]
        np.testing.assert_allclose(statistics.replicates[resample], resampled_brute_force(by_class, counts),
                                   atol=1e-12)


def test_spread_and_counts_describe_the_individual_pairs():
    by_class = synthetic_classes(np.random.default_rng(8), count=5, size=8)
    by_class[2] = np.concatenate([by_class[2], np.zeros((1, 8, 8))])  # a zero map has no spectrum
    statistics = class_similarity_statistics(by_class, num_resamples=20)
    pairs = pair_similarities(by_class[0], by_class[2])
    assert statistics.num_pairs[0, 2] == 25 and statistics.spread[0, 2] == pytest.approx(np.nanstd(pairs))
    within = pair_similarities(by_class[1], by_class[1])[~np.eye(5, dtype=bool)]
    assert statistics.num_pairs[1, 1] == 20 and statistics.spread[1, 1] == pytest.approx(within.std())
    np.testing.assert_array_equal(statistics.num_maps, [5, 5, 5])
    assert statistics.fewest_maps() == 5


def test_class_intervals_are_reproducible_hold_the_estimate_and_narrow_with_more_images():
    few = synthetic_classes(np.random.default_rng(10), count=5)
    first = class_similarity_statistics(few, seed=1)
    again = class_similarity_statistics(few, seed=1)
    np.testing.assert_array_equal(first.low, again.low)
    np.testing.assert_array_equal(first.high, again.high)
    assert not np.array_equal(first.low, class_similarity_statistics(few, seed=2).low)
    assert ((first.low <= first.matrix) & (first.matrix <= first.high)).all()
    many = synthetic_classes(np.random.default_rng(10), count=60)
    wide = class_similarity_statistics(few, seed=1)
    narrow = class_similarity_statistics(many, seed=1)
    assert ((narrow.high - narrow.low) < (wide.high - wide.low)).all()
    assert narrow.different_class_interval().width < wide.different_class_interval().width


def test_a_real_difference_is_supported_and_a_random_one_is_not_distinguishable():
    rng = np.random.default_rng(11)
    size, count = 16, 30
    # Classes 0 and 1 hold stripes of one orientation, class 2 of another: 0 and 1 look alike.
    alike = {label: np.stack([stripes(size, *wave, phase=rng.uniform(0, 2 * np.pi))
                              + 0.3 * rng.standard_normal((size, size)) for _ in range(count)])
             for label, wave in {0: (3, 0), 1: (3, 0), 2: (0, 3)}.items()}
    statistics = class_similarity_statistics(alike, seed=0)
    difference = statistics.difference_from_different_classes(0, 1)
    assert difference.low > 0
    assert judge_difference(difference, True, statistics.fewest_maps()) == SUPPORTED
    # The same kind of maps dealt into three classes, twenty times: no pair really stands out, and a
    # 95 % interval may exclude 0 by chance in about one dealing of twenty, not more.
    outcomes = []
    for dealing in range(20):
        maps = np.stack([stripes(size, 3, 0, phase=rng.uniform(0, 2 * np.pi))
                         + 0.3 * rng.standard_normal((size, size)) for _ in range(3 * count)])
        random = class_similarity_statistics({label: maps[label::3] for label in range(3)}, seed=dealing)
        outcomes.append(judge_difference(random.difference_from_different_classes(0, 1), True,
                                         random.fewest_maps()))
    assert outcomes.count(NOT_DISTINGUISHABLE) >= 17


def test_class_statistics_refuse_bad_parameters():
    by_class = synthetic_classes(np.random.default_rng(12), count=2, size=8)
    for params, match in (({"num_resamples": 0}, "num_resamples"), ({"seed": 1.5}, "seed")):
        with pytest.raises(ValueError, match=match):
            class_similarity_statistics(by_class, **params)


def test_similarity_rank_places_a_pair_among_reference_pairs():
    reference = np.linspace(0.80, 0.95, 1001)
    typical = similarity_rank(0.87, reference)
    assert typical.outcome == "typical" and typical.fraction_below == pytest.approx(0.467, abs=0.01)
    assert typical.low == pytest.approx(0.80375) and typical.high == pytest.approx(0.94625)
    assert similarity_rank(0.949, reference).outcome == "more alike"
    assert similarity_rank(0.801, reference).outcome == "less alike"
    assert similarity_rank(0.9, [np.nan]).outcome == "typical"
    assert similarity_rank(0.9, reference).num_reference_pairs == 1001
