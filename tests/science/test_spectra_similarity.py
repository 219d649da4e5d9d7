"""Comparing spectra: log-spectrum similarity, radial power profiles, class-by-class matrices, CSV."""

import csv
import io
import itertools

import numpy as np
import pytest

from cnnviz.core.spectra import (MAX_RADIAL_FREQUENCY, class_similarity_matrix, log_spectrum_similarity,
                                 low_frequency_fraction, pair_similarities, radial_profile, similarity_matrix_csv)
from cnnviz.core.spectra_uncertainty import class_similarity_statistics, similarity_rank
from cnnviz.core.uncertainty import NOT_DISTINGUISHABLE, SUPPORTED, judge_difference, resample_counts


def stripes(size: int, cycles_y: int, cycles_x: int, phase: float = 0.0) -> np.ndarray:
    rows, cols = np.mgrid[0:size, 0:size]
    return np.cos(2 * np.pi * (cycles_y * rows + cycles_x * cols) / size + phase)


# -- log_spectrum_similarity ---------------------------------------------------------------------

def test_a_map_and_its_circular_shift_have_the_same_spectrum():
    rng = np.random.default_rng(0)
    image = rng.random((12, 10))
    shifted = np.roll(image, (3, -4), axis=(0, 1))
    assert log_spectrum_similarity(image, shifted) == pytest.approx(1.0, abs=1e-12)
    assert log_spectrum_similarity(image, rng.random((12, 10))) < 0.999


def test_stripes_of_other_orientation_are_less_alike_than_a_shifted_copy():
    horizontal = stripes(16, 3, 0)
    same = stripes(16, 3, 0, phase=1.0)
    vertical = stripes(16, 0, 3)
    alike = log_spectrum_similarity(horizontal, same)
    unlike = log_spectrum_similarity(horizontal, vertical)
    assert alike == pytest.approx(1.0, abs=1e-9)
    assert unlike < 0.2
    # Equal to the cosine of the two log1p|F| vectors, computed here by hand.
    first = np.log1p(np.abs(np.fft.fft2(horizontal))).ravel()
    second = np.log1p(np.abs(np.fft.fft2(vertical))).ravel()
    assert unlike == pytest.approx(first @ second / np.linalg.norm(first) / np.linalg.norm(second))


def test_excluding_the_zero_frequency_removes_the_mean():
    rng = np.random.default_rng(1)
    a, b = rng.random((8, 8)), rng.random((8, 8))
    with_dc = log_spectrum_similarity(a, b)
    without_dc = log_spectrum_similarity(a, b, exclude_dc=True)
    assert without_dc != pytest.approx(with_dc, abs=1e-6)
    # Adding a constant changes only the zero frequency: invisible once it is excluded.
    assert log_spectrum_similarity(a + 5.0, b, exclude_dc=True) == pytest.approx(without_dc, abs=1e-12)
    assert log_spectrum_similarity(a + 5.0, b) != pytest.approx(with_dc, abs=1e-3)


def test_an_all_zero_map_has_no_similarity():
    assert np.isnan(log_spectrum_similarity(np.zeros((5, 5)), np.ones((5, 5))))


@pytest.mark.parametrize("a, b, match", [
    (np.zeros((4, 4)), np.zeros((4, 5)), "same size"),
    (np.zeros((2, 4, 4)), np.zeros((2, 4, 4)), "shape"),
    (np.full((3, 3), np.nan), np.zeros((3, 3)), "NaN"),
])
def test_similarity_refuses_bad_maps(a, b, match):
    with pytest.raises(ValueError, match=match):
        log_spectrum_similarity(a, b)


# -- radial_profile and low_frequency_fraction ---------------------------------------------------

def test_radial_profile_sums_to_one_and_finds_a_cosine():
    size, cycles = 32, 6
    frequencies, energy = radial_profile(stripes(size, cycles, 0), num_bands=16)
    assert frequencies.shape == energy.shape == (16,)
    assert energy.sum() == pytest.approx(1.0)
    assert frequencies[0] > 0 and frequencies[-1] < MAX_RADIAL_FREQUENCY
    band = int(np.argmax(energy))
    width = MAX_RADIAL_FREQUENCY / 16
    assert band * width <= cycles / size < (band + 1) * width
    assert energy[band] == pytest.approx(1.0)


def test_radial_profile_of_a_constant_is_all_in_the_first_band_and_adds_maps():
    _, energy = radial_profile(np.full((9, 7), 3.0))
    assert energy[0] == pytest.approx(1.0)
    assert len(energy) == int(np.ceil(MAX_RADIAL_FREQUENCY * 9))
    maps = np.stack([stripes(16, 1, 0), stripes(16, 0, 7)], axis=-1)
    _, both = radial_profile(maps, num_bands=8)
    # Equal power at two frequencies: half the energy in each band.
    assert sorted(both[both > 1e-9]) == pytest.approx([0.5, 0.5])
    # The corner frequency (0.5, 0.5) of an even-sized map lands in the last band.
    _, corner = radial_profile(stripes(8, 4, 4), num_bands=4)
    assert corner[-1] == pytest.approx(1.0)


def test_radial_profile_of_zeros_is_zero_and_bad_bands_are_refused():
    _, energy = radial_profile(np.zeros((4, 4)))
    assert not energy.any()
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="num_bands"):
            radial_profile(np.ones((4, 4)), num_bands=bad)


def test_low_frequency_fraction_splits_at_the_cutoff():
    low, high = stripes(32, 2, 0), stripes(32, 12, 0)  # 1/16 and 3/8 cycles per pixel
    assert low_frequency_fraction(low) == pytest.approx(1.0)
    assert low_frequency_fraction(high) == pytest.approx(0.0, abs=1e-12)
    mixed = low + high
    assert low_frequency_fraction(mixed) == pytest.approx(0.5)
    assert low_frequency_fraction(mixed + 1.0) > 0.5
    assert low_frequency_fraction(mixed + 1.0, exclude_dc=True) == pytest.approx(0.5)
    assert np.isnan(low_frequency_fraction(np.ones((4, 4)), exclude_dc=True))
    for bad in (0, -0.1, 0.8, "x"):
        with pytest.raises(ValueError, match="cutoff"):
            low_frequency_fraction(low, cutoff=bad)


# -- class_similarity_matrix ---------------------------------------------------------------------

def synthetic_classes(rng, count: int = 6, size: int = 16) -> dict[int, np.ndarray]:
    """Three classes: horizontal stripes, vertical stripes, diagonal stripes; random phase, noise."""
    waves = {0: (3, 0), 1: (0, 3), 2: (2, 2)}
    return {label: np.stack([stripes(size, *wave, phase=rng.uniform(0, 2 * np.pi))
                             + 0.3 * rng.standard_normal((size, size)) for _ in range(count)])
            for label, wave in waves.items()}


def brute_force_matrix(by_class, exclude_dc=False):
    keys = sorted(by_class)
    matrix = np.zeros((len(keys), len(keys)))
    for i, j in itertools.product(range(len(keys)), repeat=2):
        values = [log_spectrum_similarity(a, b, exclude_dc)
                  for (p, a), (q, b) in itertools.product(enumerate(by_class[keys[i]]),
                                                          enumerate(by_class[keys[j]]))
                  if i != j or p != q]
        values = [value for value in values if not np.isnan(value)]
        matrix[i, j] = np.mean(values) if values else np.nan
    return matrix


@pytest.mark.parametrize("exclude_dc", [False, True])
def test_class_matrix_equals_the_mean_over_pairs(exclude_dc):
    rng = np.random.default_rng(2)
    by_class = synthetic_classes(rng, count=4, size=8)
    by_class[1] = by_class[1][:3]
    matrix = class_similarity_matrix(by_class, exclude_dc=exclude_dc)
    np.testing.assert_allclose(matrix, brute_force_matrix(by_class, exclude_dc), atol=1e-12)


def test_structured_classes_are_most_like_themselves():
    matrix = class_similarity_matrix(synthetic_classes(np.random.default_rng(3)))
    assert matrix.shape == (3, 3)
    np.testing.assert_array_equal(matrix, matrix.T)
    off_diagonal = matrix[~np.eye(3, dtype=bool)].reshape(3, 2)
    # log1p compresses every similarity towards 1: the margin is small but clear.
    assert (np.diag(matrix)[:, None] > off_diagonal + 0.01).all()
    # The same maps dealt into classes at random: no class is more like itself than the others.
    maps = np.concatenate(list(synthetic_classes(np.random.default_rng(3)).values()))
    dealt = np.random.default_rng(0).permutation(len(maps)).reshape(3, -1)
    shuffled = class_similarity_matrix({label: maps[indices] for label, indices in enumerate(dealt)})
    assert np.abs(shuffled - shuffled.mean()).max() < 0.01


def test_rows_follow_sorted_keys_and_zero_maps_are_left_out():
    rng = np.random.default_rng(4)
    classes = synthetic_classes(rng, count=3, size=8)
    reordered = {2: classes[2], 0: classes[0], 1: classes[1]}
    np.testing.assert_allclose(class_similarity_matrix(reordered), class_similarity_matrix(classes))
    with_zeros = dict(classes)
    with_zeros[0] = np.concatenate([classes[0], np.zeros((2, 8, 8))])
    np.testing.assert_allclose(class_similarity_matrix(with_zeros), class_similarity_matrix(classes),
                               atol=1e-12)
    dead = {0: np.zeros((3, 8, 8)), 1: classes[1]}
    matrix = class_similarity_matrix(dead)
    assert np.isnan(matrix[0]).all() and np.isnan(matrix[:, 0]).all() and not np.isnan(matrix[1, 1])
    single = class_similarity_matrix({0: classes[0][:1], 1: classes[1]})
    assert np.isnan(single[0, 0]) and not np.isnan(single[0, 1])


@pytest.mark.parametrize("data, match", [
    ({}, "non-empty"),
    ({0: np.zeros((4, 4))}, "shape"),
    ({0: np.zeros((0, 4, 4))}, "shape"),
    ({0: np.ones((2, 4, 4)), 1: np.ones((2, 5, 4))}, "same size"),
    ({0: np.full((2, 4, 4), np.inf)}, "NaN or infinite"),
])
def test_class_matrix_refuses_bad_input(data, match):
    with pytest.raises(ValueError, match=match):
        class_similarity_matrix(data)


# -- the individual pairs and how sure the means are ------------------------------------------------

def test_pair_similarities_are_every_single_pair():
    rng = np.random.default_rng(6)
    classes = synthetic_classes(rng, count=3, size=8)
    first = np.concatenate([classes[0], np.zeros((1, 8, 8))])
    pairs = pair_similarities(first, classes[1], exclude_dc=True)
    assert pairs.shape == (4, 3)
    for (row, a), (col, b) in itertools.product(enumerate(first[:3]), enumerate(classes[1])):
        assert pairs[row, col] == pytest.approx(log_spectrum_similarity(a, b, exclude_dc=True), abs=1e-12)
    assert np.isnan(pairs[3]).all()


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


# -- CSV -----------------------------------------------------------------------------------------

def test_csv_round_trips_the_matrix():
    matrix = np.array([[1.0, 0.25, np.nan], [0.25, 0.5, 0.125], [np.nan, 0.125, 0.75]])
    text = similarity_matrix_csv(matrix, ["four", "seven", "a,b"])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["class", "four", "seven", "a,b"]
    assert [row[0] for row in rows[1:]] == ["four", "seven", "a,b"]
    values = np.array([[float(cell) for cell in row[1:]] for row in rows[1:]])
    np.testing.assert_allclose(values, matrix, equal_nan=True)
    assert rows[1][3] == "nan" and text.endswith("\n") and "\r" not in text
    with pytest.raises(ValueError, match="square"):
        similarity_matrix_csv(matrix, ["only", "two"])
