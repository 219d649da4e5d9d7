"""Magnitude spectra: where the energy lands, padding, Parseval, and input errors."""

import numpy as np
import pytest

from cnnviz.core.spectra import frequency_axes, magnitude_spectrum


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
