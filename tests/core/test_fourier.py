"""The spectra's real FFT: SciPy's when installed, NumPy's otherwise, the same transform either way."""

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


def test_without_scipy_numpy_is_used(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def refuse_scipy(name, *args, **kwargs):
        if name.startswith("scipy"):
            raise ImportError("no scipy here")
        return real_import(name, *args, **kwargs)

    fourier._real_transform.cache_clear()
    monkeypatch.setattr(builtins, "__import__", refuse_scipy)
    try:
        assert fourier._real_transform() is np.fft.rfft2
        values = np.arange(12.0).reshape(1, 3, 4)
        np.testing.assert_array_equal(fourier.rfft2(values, (3, 4), axes=(1, 2)),
                                      np.fft.rfft2(values, s=(3, 4), axes=(1, 2)))
    finally:
        fourier._real_transform.cache_clear()
