"""Fourier magnitude spectra of feature maps and kernels (the report's §5 "DFT spectrum").

Each map is transformed on its own with a 2-D discrete Fourier transform; the zero frequency
is moved to the centre (``fftshift``) so that low frequencies sit in the middle and the
highest ones (±0.5 cycles per pixel, the Nyquist limit) at the edges, as such spectra are
usually drawn. A log scale, ``log(1 + |F|)``, keeps the strong low-frequency peak from hiding
everything else. Small kernels (3x3) are zero-padded before the transform, which samples
their continuous spectrum more finely without changing it, so that it can be read.

The report's §5.1 compares such spectra between digits (4 and 7 alike, 8 and 1 not):
:func:`log_spectrum_similarity` scores two maps (:mod:`cnnviz.science.spectra_similarity`
takes it over many images and classes), :func:`radial_profile` and
:func:`low_frequency_fraction` say how the power spreads from low to high frequencies.
Pure NumPy on arrays; nothing here runs a model.
"""

from __future__ import annotations

import functools

import numpy as np

from cnnviz.core import fourier
from cnnviz.core.checks import int_items, is_int, is_real


def _spatial_size(size: int | tuple[int, int] | None, shape: tuple[int, int]) -> tuple[int, int]:
    """The padded ``(height, width)`` to transform at, checked against the maps' own size."""
    if size is None:
        return shape
    padded = int_items(size)
    if len(padded) != 2:
        raise ValueError(f"size must be an integer or a pair (height, width), received {size!r}.")
    if padded[0] < shape[0] or padded[1] < shape[1]:
        raise ValueError(f"Cannot zero-pad maps of size {shape[0]}x{shape[1]} to {padded[0]}x{padded[1]}: "
                         f"the padded size must be at least the map size. Pass size=None to transform "
                         f"at the maps' own size, or a size of at least {shape[0]}x{shape[1]}.")
    return padded[0], padded[1]


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
    return np.moveaxis(magnitude_spectrum_stack(maps, size, log), 0, -1)


def magnitude_spectrum_stack(maps: np.ndarray, size: int | tuple[int, int] | None = None,
                             log: bool = True) -> np.ndarray:
    """:func:`magnitude_spectrum` of ``(h, w, n)`` maps (already checked), the map axis first:
    ``(n, H, W)`` float32, C-contiguous."""
    padded = _spatial_size(size, maps.shape[:2])
    # Float32 maps (every engine's feature maps and kernels) are transformed at their own precision:
    # the result is float32 either way, and it differs from a float64 transform's by float32
    # rounding. Other maps are transformed in float64, exact enough for Parseval checks.
    precision = np.float32 if maps.dtype == np.float32 else np.float64
    return _centred_magnitude(np.moveaxis(maps, -1, 0).astype(precision), padded, log)


def _centred_magnitude(stack: np.ndarray, shape: tuple[int, int], log: bool = False) -> np.ndarray:
    """``|F|`` (``log(1 + |F|)`` with ``log``) of every map of an ``(n, h, w)`` stack zero-padded to
    ``shape``, zero frequency centred, as float32.

    A real map's spectrum is Hermitian, ``|F(-u, -v)| = |F(u, v)|``, so the real FFT's half
    spectrum is mirrored into the other half: about half the work of a complex FFT. The logarithm and
    the rounding to float32 are applied to the half; the mirroring and the centring are one gather
    (:func:`_centred_indices`).
    """
    height, width = shape
    half = np.abs(fourier.rfft2(stack, shape, axes=(1, 2)))                # (n, H, W // 2 + 1)
    if log:
        np.log1p(half, out=half)
    centred = np.empty((len(stack), height, width), np.float32)
    half = half.astype(np.float32, copy=False).reshape(len(stack), -1)
    np.take(half, _centred_indices(height, width), axis=1, out=centred)
    return centred


@functools.lru_cache(maxsize=64)
def _centred_indices(height: int, width: int) -> np.ndarray:
    """For each pixel ``(i, j)`` of a centred ``height × width`` spectrum, the flat index into the real
    FFT's ``(height, width // 2 + 1)`` half spectrum holding its magnitude: frequency
    ``(u, v) = (i - height // 2, j - width // 2)`` modulo the size, read at ``(-u, -v)`` when ``v``
    lies in the half the real FFT leaves out. Shape ``(height, width)``; read-only."""
    half_width = width // 2 + 1
    rows = (np.arange(height) - height // 2) % height
    columns = (np.arange(width) - width // 2) % width
    mirrored = columns >= half_width
    row_index = np.where(mirrored[None, :], (-rows[:, None]) % height, rows[:, None])
    column_index = np.where(mirrored, (width - columns) % width, columns)[None, :]
    indices = row_index * half_width + column_index
    indices.setflags(write=False)
    return indices


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
    sizes = (int(shape), int(shape)) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if len(sizes) < 2 or sizes[0] < 1 or sizes[1] < 1:
        raise ValueError(f"shape must be (height, width) with positive sizes, received {sizes!r}.")
    height, width = int(sizes[0]), int(sizes[1])
    return (np.fft.fftshift(np.fft.fftfreq(height)), np.fft.fftshift(np.fft.fftfreq(width)))


def spectrum_extent(shape: int | tuple[int, int]) -> tuple[float, float, float, float]:
    """Where the pixels of a centred spectrum lie in frequency, for drawing it on frequency axes.

    Parameters
    ----------
    shape : int or (int, int)
        The spectrum's ``(H, W)`` (an integer for a square one).

    Returns
    -------
    (float, float, float, float)
        ``(fx_left, fx_right, fy_top, fy_bottom)`` in cycles per pixel: the outer edges of the
        first and last columns and rows, each pixel centred on its frequency (:func:`frequency_axes`).
    """
    frequency_y, frequency_x = frequency_axes(shape)
    height, width = len(frequency_y), len(frequency_x)
    return (float(frequency_x[0] - 0.5 / width), float(frequency_x[-1] + 0.5 / width),
            float(frequency_y[0] - 0.5 / height), float(frequency_y[-1] + 0.5 / height))


# -- comparing spectra (the report's §5.1: digits 4 and 7 alike, 8 and 1 not) ------------------

def _single_map(array: np.ndarray, what: str) -> np.ndarray:
    """``array`` as a finite real 2-D float64 map, or a ValueError naming ``what``."""
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[:, :, 0]
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(f"{what} must be one non-empty map of shape (h, w), received an array of shape "
                         f"{array.shape}. Select one filter first, e.g. maps[0, :, :, k].")
    if not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise ValueError(f"{what} must hold real numbers, received dtype {array.dtype}.")
    array = array.astype(np.float64, copy=False)
    if not np.isfinite(array).all():
        raise ValueError(f"{what} holds NaN or infinite values; a spectrum of it would be meaningless.")
    return array


def unit_log_spectra(maps: np.ndarray, exclude_dc: bool) -> tuple[np.ndarray, np.ndarray]:
    """Unit-length log-magnitude spectra of a stack of maps: the vectors whose dot products are
    :func:`log_spectrum_similarity`.

    Parameters
    ----------
    maps : ndarray, shape (n, h, w), float64
    exclude_dc : bool
        Leave out the zero frequency.

    Returns
    -------
    vectors : ndarray, shape (n, h * w) (one fewer column when ``exclude_dc``)
        ``log1p |F|`` of each map, flattened and scaled to unit length; all-zero rows where a
        spectrum is zero (an all-zero map).
    valid : ndarray, shape (n,), bool
        Whether each row has a spectrum at all (a non-zero norm).
    """
    spectra = np.log1p(np.abs(np.fft.fft2(maps, axes=(1, 2))))
    vectors = spectra.reshape(len(maps), -1)
    if exclude_dc:
        # Unshifted, the zero frequency is element (0, 0), the first of each flattened row.
        vectors = vectors[:, 1:]
    norms = np.linalg.norm(vectors, axis=1)
    valid = norms > 0
    vectors = np.divide(vectors, norms[:, None], out=np.zeros_like(vectors), where=valid[:, None])
    return vectors, valid


def log_spectrum_similarity(a: np.ndarray, b: np.ndarray, exclude_dc: bool = False) -> float:
    """Cosine similarity of the log-magnitude spectra, ``log(1 + |F|)``, of two maps.

    The spectra are those :func:`magnitude_spectrum` draws (centring the zero frequency only
    reorders both vectors alike, so it does not change the value). Magnitudes are non-negative,
    so the similarity lies in [0, 1]: 1 for spectra of the same shape up to a scale (a map and
    any translate of it, since a shift changes only the phase), lower the more their energy
    sits at different frequencies and orientations.

    Parameters
    ----------
    a, b : ndarray, shape (h, w)
        Two real maps of the same size (one filter's feature map for two inputs, say).
    exclude_dc : bool, default False
        Leave out the zero frequency (the map's sum). By default it is included; for ReLU feature
        maps, whose mean is large, it pulls every similarity towards 1, and excluding it compares
        the structure alone.

    Returns
    -------
    float
        The similarity; NaN when either spectrum is zero (an all-zero map, as a dead filter gives),
        since such a map has no spectrum to compare.

    Raises
    ------
    ValueError
        If the maps are not 2-D, differ in size, or hold non-finite values.
    """
    first, second = _single_map(a, "a"), _single_map(b, "b")
    if first.shape != second.shape:
        raise ValueError(f"Both maps must have the same size to compare their spectra, received "
                         f"{first.shape} and {second.shape}.")
    vectors, valid = unit_log_spectra(np.stack([first, second]), exclude_dc)
    if not valid.all():
        return float("nan")
    return float(np.clip(vectors[0] @ vectors[1], 0.0, 1.0))


def _stacked_maps(maps: np.ndarray) -> np.ndarray:
    """``(h, w)`` or ``(h, w, n)`` maps as a float64 ``(n, h, w)`` stack, checked."""
    maps = np.asarray(maps)
    if maps.ndim == 2:
        maps = maps[:, :, None]
    if maps.ndim != 3 or 0 in maps.shape:
        raise ValueError(f"maps must have shape (h, w, n) or (h, w) and not be empty, received an array "
                         f"of shape {maps.shape}. For a batch (n, h, w) of one filter's maps, pass "
                         f"np.moveaxis(maps, 0, -1).")
    if not np.issubdtype(maps.dtype, np.number) or np.iscomplexobj(maps):
        raise ValueError(f"maps must hold real numbers, received dtype {maps.dtype}.")
    maps = np.moveaxis(maps.astype(np.float64, copy=False), -1, 0)
    if not np.isfinite(maps).all():
        raise ValueError("maps hold NaN or infinite values; their spectrum would be meaningless.")
    return maps


def _radial_frequency(shape: tuple[int, int]) -> np.ndarray:
    """Radial frequency ``sqrt(fy**2 + fx**2)`` in cycles per pixel of each unshifted DFT bin."""
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.fftfreq(shape[1])[None, :]
    return np.sqrt(fy * fy + fx * fx)


def _power(maps: np.ndarray) -> np.ndarray:
    """``|F|**2`` summed over a ``(n, h, w)`` stack: shape (h, w), unshifted."""
    return (np.abs(np.fft.fft2(maps, axes=(1, 2))) ** 2).sum(axis=0)


MAX_RADIAL_FREQUENCY = float(np.sqrt(0.5))
"""The largest radial frequency of a sampled map, at the corners (±0.5, ±0.5) cycles per pixel."""


def radial_profile(maps: np.ndarray, num_bands: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """How a map's power ``|F|**2`` is spread over radial frequency: rings around the zero frequency.

    Parameters
    ----------
    maps : ndarray, shape (h, w) or (h, w, n)
        One map, or ``n`` maps of the same size (map axis last, as :func:`magnitude_spectrum`
        takes them) whose power spectra are added before the rings are summed.
    num_bands : int, optional
        Number of rings of equal width from 0 to √0.5 ≈ 0.707 cycles per pixel (the corners of
        the spectrum). Default: ``ceil(√0.5 · max(h, w))``, rings about one frequency bin wide.

    Returns
    -------
    frequencies : ndarray, shape (num_bands,)
        The centre of each ring, in cycles per pixel.
    energy : ndarray, shape (num_bands,)
        The power of the bins in each ring, *summed* (not averaged per bin, so the outer rings,
        which hold more bins, are not scaled down), as a fraction of the total: the values add up
        to 1. A ring holding no bin gets 0. All zeros when every map is zero.

    Raises
    ------
    ValueError
        For maps of the wrong shape, or a ``num_bands`` that is not a positive integer.
    """
    stack = _stacked_maps(maps)
    height, width = stack.shape[1:]
    if num_bands is None:
        num_bands = int(np.ceil(MAX_RADIAL_FREQUENCY * max(height, width)))
    if not is_int(num_bands) or num_bands < 1:
        raise ValueError(f"num_bands must be a positive integer, received {num_bands!r}.")
    edges = np.linspace(0.0, MAX_RADIAL_FREQUENCY, int(num_bands) + 1)
    radius = _radial_frequency((height, width))
    # The last ring is closed at √0.5 so the corner bins of even-sized maps land in it.
    band = np.minimum(np.searchsorted(edges, radius, side="right") - 1, int(num_bands) - 1)
    power = _power(stack)
    energy = np.bincount(band.ravel(), weights=power.ravel(), minlength=int(num_bands))
    total = energy.sum()
    if total > 0:
        energy = energy / total
    return (edges[:-1] + edges[1:]) / 2, energy


def low_frequency_fraction(maps: np.ndarray, cutoff: float = 0.25, exclude_dc: bool = False) -> float:
    """The fraction of the power ``|F|**2`` at radial frequencies up to ``cutoff`` cycles per pixel.

    Parameters
    ----------
    maps : ndarray, shape (h, w) or (h, w, n)
        One map or several of the same size (their power spectra are added).
    cutoff : float, default 0.25
        In cycles per pixel, in (0, √0.5]; 0.25 is half the Nyquist frequency.
    exclude_dc : bool, default False
        Leave the zero frequency out of both the low band and the total (a map's mean would
        otherwise dominate, as it does for ReLU feature maps).

    Returns
    -------
    float
        In [0, 1]; NaN when there is no power at all (all-zero maps, or constant ones with
        ``exclude_dc``).
    """
    if not is_real(cutoff) or not 0 < cutoff <= MAX_RADIAL_FREQUENCY:
        raise ValueError(f"cutoff must be a frequency in (0, {MAX_RADIAL_FREQUENCY:.3f}] cycles per pixel, "
                         f"received {cutoff!r}.")
    stack = _stacked_maps(maps)
    power = _power(stack)
    radius = _radial_frequency(stack.shape[1:])
    if exclude_dc:
        power[0, 0] = 0.0
    total = power.sum()
    if total <= 0:
        return float("nan")
    return float(power[radius <= cutoff].sum() / total)
