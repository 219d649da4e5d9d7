"""Magnitude spectra: where the energy lands, padding, Parseval, frequency axes and input errors;
and comparing two maps: log-spectrum similarity, radial power profiles, low-frequency fractions."""

import numpy as np
import pytest

from cnnviz.core.spectra import (
    MAX_RADIAL_FREQUENCY,
    frequency_axes,
    log_spectrum_similarity,
    low_frequency_fraction,
    magnitude_spectrum,
    radial_profile,
    spectrum_extent,
)


def test_constant_map_has_all_energy_at_the_centre():
    maps = np.full((8, 10, 3), 2.0, dtype=np.float32)
    spectrum = magnitude_spectrum(maps, log=False)
    assert spectrum.shape == (8, 10, 3)
    assert spectrum.dtype == np.float32
    centre = spectrum[4, 5]
    np.testing.assert_allclose(centre, 2.0 * 8 * 10, rtol=1e-6)
    rest = spectrum.copy()
    rest[4, 5] = 0
    assert np.abs(rest).max() < 1e-4


def test_horizontal_cosine_peaks_at_its_frequency():
    height, width, cycles = 16, 32, 5
    columns = np.arange(width)
    row = np.cos(2 * np.pi * cycles * columns / width)
    maps = np.tile(row, (height, 1))
    spectrum = magnitude_spectrum(maps, log=False)[:, :, 0]
    peaks = np.argwhere(spectrum > 0.5 * spectrum.max())
    centre_row, centre_col = height // 2, width // 2
    assert sorted(map(tuple, peaks)) == [(centre_row, centre_col - cycles), (centre_row, centre_col + cycles)]
    fy, fx = frequency_axes(spectrum.shape)
    assert fy[centre_row] == 0
    assert fx[centre_col + cycles] == pytest.approx(cycles / width)


def test_log_scale_is_log1p_of_magnitude():
    rng = np.random.default_rng(0)
    maps = rng.normal(size=(6, 6, 4))
    np.testing.assert_allclose(magnitude_spectrum(maps, log=True),
                               np.log1p(magnitude_spectrum(maps, log=False)), rtol=1e-5)


def test_each_map_is_transformed_on_its_own():
    rng = np.random.default_rng(1)
    maps = rng.normal(size=(5, 7, 3))
    together = magnitude_spectrum(maps)
    for index in range(3):
        np.testing.assert_allclose(together[:, :, index], magnitude_spectrum(maps[:, :, index])[:, :, 0],
                                   rtol=1e-6)


def test_zero_padding_a_kernel_gives_the_padded_size():
    rng = np.random.default_rng(2)
    kernels = rng.normal(size=(3, 3, 28))
    spectrum = magnitude_spectrum(kernels, size=32)
    assert spectrum.shape == (32, 32, 28)
    assert magnitude_spectrum(kernels, size=(16, 24)).shape == (16, 24, 28)
    # The DC term of a zero-padded kernel is still the sum of its weights.
    np.testing.assert_allclose(magnitude_spectrum(kernels, size=32, log=False)[16, 16],
                               np.abs(kernels.sum(axis=(0, 1))), rtol=1e-5)


def test_parseval_holds_without_log():
    rng = np.random.default_rng(3)
    maps = rng.normal(size=(9, 12, 5))
    spectrum = magnitude_spectrum(maps, log=False).astype(np.float64)
    num_pixels = 9 * 12
    np.testing.assert_allclose((spectrum ** 2).sum(axis=(0, 1)), num_pixels * (maps ** 2).sum(axis=(0, 1)),
                               rtol=1e-5)
    padded = magnitude_spectrum(maps, size=20, log=False).astype(np.float64)
    np.testing.assert_allclose((padded ** 2).sum(axis=(0, 1)), 400 * (maps ** 2).sum(axis=(0, 1)), rtol=1e-5)


def test_two_dimensional_input_gives_one_map():
    assert magnitude_spectrum(np.ones((4, 4))).shape == (4, 4, 1)


@pytest.mark.parametrize("shape", [(4,), (1, 4, 4, 2), (0, 4, 2)])
def test_wrong_shapes_are_rejected(shape):
    with pytest.raises(ValueError, match="shape"):
        magnitude_spectrum(np.zeros(shape))


def test_padding_smaller_than_the_map_is_rejected():
    with pytest.raises(ValueError, match="at least the map size"):
        magnitude_spectrum(np.zeros((8, 8, 2)), size=4)
    with pytest.raises(ValueError, match="pair"):
        magnitude_spectrum(np.zeros((8, 8, 2)), size=(8, 8, 8))


def test_frequency_axes_are_centred_cycles_per_pixel():
    fy, fx = frequency_axes((4, 5))
    np.testing.assert_allclose(fy, [-0.5, -0.25, 0.0, 0.25])
    np.testing.assert_allclose(fx, [-0.4, -0.2, 0.0, 0.2, 0.4])
    with pytest.raises(ValueError):
        frequency_axes((0, 3))


def test_spectrum_extent_puts_each_pixel_on_its_frequency():
    left, right, top, bottom = spectrum_extent((26, 32))
    fy, fx = frequency_axes((26, 32))
    assert (left, right) == pytest.approx((fx[0] - 0.5 / 32, fx[-1] + 0.5 / 32))
    assert (top, bottom) == pytest.approx((-0.5 - 0.5 / 26, fy[-1] + 0.5 / 26))
    assert spectrum_extent(4) == pytest.approx((-0.625, 0.375, -0.625, 0.375))


# -- comparing two maps: log-spectrum similarity, radial profiles ------------------------------

def stripes(size: int, cycles_y: int, cycles_x: int, phase: float = 0.0) -> np.ndarray:
    rows, cols = np.mgrid[0:size, 0:size]
    return np.cos(2 * np.pi * (cycles_y * rows + cycles_x * cols) / size + phase)


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
