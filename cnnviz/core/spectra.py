"""Fourier magnitude spectra of feature maps and kernels (the report's §5 "DFT spectrum").

Each map is transformed on its own with a 2-D discrete Fourier transform; the zero frequency
is moved to the centre (``fftshift``) so that low frequencies sit in the middle and the
highest ones (±0.5 cycles per pixel, the Nyquist limit) at the edges, as such spectra are
usually drawn. A log scale, ``log(1 + |F|)``, keeps the strong low-frequency peak from hiding
everything else. Small kernels (3x3) are zero-padded before the transform, which samples
their continuous spectrum more finely without changing it, so that it can be read.
"""

from __future__ import annotations

import numpy as np


def _spatial_size(size: int | tuple[int, int] | None, shape: tuple[int, int]) -> tuple[int, int]:
    """The padded ``(height, width)`` to transform at, checked against the maps' own size."""
    if size is None:
        return shape
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        padded = (int(size), int(size))
    else:
        try:
            padded = tuple(int(value) for value in size)
        except (TypeError, ValueError):
            padded = ()
        if len(padded) != 2:
            raise ValueError(f"size must be an integer or a pair (height, width), received {size!r}.")
    if padded[0] < shape[0] or padded[1] < shape[1]:
        raise ValueError(f"Cannot zero-pad maps of size {shape[0]}x{shape[1]} to {padded[0]}x{padded[1]}: "
                         f"the padded size must be at least the map size. Pass size=None to transform "
                         f"at the maps' own size, or a size of at least {shape[0]}x{shape[1]}.")
    return padded


def magnitude_spectrum(maps: np.ndarray, size: int | tuple[int, int] | None = None,
                       log: bool = True) -> np.ndarray:
    """Centred 2-D Fourier magnitude of every map.

    Parameters
    ----------
    maps : ndarray, shape (h, w, n) or (h, w)
        ``n`` real maps (feature maps of one layer, or kernels of one input channel), the map
        axis last as in NHWC / ``(kh, kw, in, out)`` arrays.
    size : int or (int, int), optional
        Zero-pad each map (at its bottom and right) to ``(H, W)`` before the transform; an
        integer pads to a square. Must be at least the map size. Default: no padding.
    log : bool, default True
        Return ``log(1 + |F|)`` instead of ``|F|``.

    Returns
    -------
    ndarray, shape (H, W, n), float32
        The magnitudes, zero frequency at index ``(H // 2, W // 2)``; a 2-D input gives
        ``n = 1``. Frequencies per index are given by :func:`frequency_axes`.

    Raises
    ------
    ValueError
        If ``maps`` is not 2-D or 3-D, is empty, or ``size`` is smaller than the maps.
    """
    maps = np.asarray(maps)
    if maps.ndim == 2:
        maps = maps[:, :, None]
    if maps.ndim != 3:
        raise ValueError(f"maps must have shape (h, w, n) or (h, w), received an array of shape "
                         f"{maps.shape}. For a batch of feature maps (1, h, w, c), pass maps[0].")
    if 0 in maps.shape:
        raise ValueError(f"maps must not be empty, received an array of shape {maps.shape}.")
    if not np.issubdtype(maps.dtype, np.number) or np.iscomplexobj(maps):
        raise ValueError(f"maps must hold real numbers, received dtype {maps.dtype}.")
    padded = _spatial_size(size, maps.shape[:2])
    # float64 keeps the transform exact enough for Parseval checks; the result is float32.
    spectrum = np.fft.fft2(maps.astype(np.float64, copy=False), s=padded, axes=(0, 1))
    magnitude = np.abs(np.fft.fftshift(spectrum, axes=(0, 1)))
    if log:
        magnitude = np.log1p(magnitude)
    return magnitude.astype(np.float32)


def frequency_axes(shape: int | tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Centred frequencies, in cycles per pixel, of each row and column of a spectrum.

    Parameters
    ----------
    shape : int or (int, int)
        The spectrum's ``(H, W)`` (an integer for a square one).

    Returns
    -------
    fy : ndarray, shape (H,)
        Vertical frequency of each row, from about -0.5 to below 0.5, 0 at index ``H // 2``.
    fx : ndarray, shape (W,)
        Horizontal frequency of each column, likewise.
    """
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape), int(shape))
    shape = tuple(shape)
    if len(shape) < 2 or shape[0] < 1 or shape[1] < 1:
        raise ValueError(f"shape must be (height, width) with positive sizes, received {shape!r}.")
    height, width = int(shape[0]), int(shape[1])
    return (np.fft.fftshift(np.fft.fftfreq(height)), np.fft.fftshift(np.fft.fftfreq(width)))
