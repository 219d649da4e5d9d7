"""The spectra's real FFT (SciPy's) is the same transform as NumPy's."""

import numpy as np
import pytest

from cnnviz.core import fourier


@pytest.mark.parametrize("shape, padded", [((3, 64, 64), (64, 64)), ((2, 7, 5), (9, 10)), ((4, 1, 1), (1, 1)),
                                           ((1, 6, 9), (6, 9))])
def test_equals_numpys_transform(shape, padded):
    values = np.random.default_rng(1).standard_normal(shape)
    expected = np.fft.rfft2(values, s=padded, axes=(1, 2))
    result = fourier.rfft2(values, padded, axes=(1, 2))
    assert result.shape == expected.shape and result.dtype == np.complex128
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())

