"""Comparing spectra: log-spectrum similarity, radial power profiles, class-by-class matrices, CSV."""

import csv
import io
import itertools

import numpy as np
import pytest

from cnnviz.core.spectra import (MAX_RADIAL_FREQUENCY, class_similarity_matrix, log_spectrum_similarity,
                                 low_frequency_fraction, radial_profile, similarity_matrix_csv)


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
