"""The real 2-D discrete Fourier transform the spectra are computed with.

SciPy's ``scipy.fft``: on the small stacks of maps an inspection transforms it is several times
faster than ``numpy.fft`` (the same pocketfft algorithm, vectorised over the stack); the two agree to
float64 rounding. Imported on first use, so start-up does not pay for it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np


@functools.cache
def _real_transform() -> Callable[..., np.ndarray]:
    from scipy import fft

    return fft.rfft2


def rfft2(values: np.ndarray, shape: tuple[int, int], axes: tuple[int, int]) -> np.ndarray:
    """The real FFT of ``values`` over ``axes``, zero-padded (or cropped) to ``shape``: as
    :func:`numpy.fft.rfft2` with ``s=shape``; float64 input gives complex128 output, float32 input
    complex64 (SciPy) or complex128 (NumPy before 2.0)."""
    return _real_transform()(values, s=shape, axes=axes)
