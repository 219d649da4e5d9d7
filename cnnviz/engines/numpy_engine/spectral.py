"""Spectral pooling (Rippel, Snoek & Adams 2015): keep each map's lowest spatial frequencies.

Definition
----------
For every image and channel separately, a real ``h x w`` map ``x`` becomes a real
``oh x ow`` map ``y`` (``1 <= oh <= h``, ``1 <= ow <= w``)::

    X = FFT2(x)                                   # h x w, numpy's unnormalized forward DFT
    Y[j, i] = X[ky(j) mod h, kx(i) mod w]         # 0 <= j < oh, 0 <= i < ow
    y = (oh * ow) / (h * w) * real(IFFT2(Y))      # oh x ow, numpy's ifft2 (divides by oh * ow)

where ``ky(j)`` is the signed frequency of bin ``j`` of an ``oh``-point DFT,
``ky = round(numpy.fft.fftfreq(oh) * oh)``: ``0, 1, ..., ceil(oh / 2) - 1`` then
``-floor(oh / 2), ..., -1`` (and ``kx`` likewise for ``ow``). So the kept frequencies
are the ``oh`` lowest, ``-floor(oh / 2) <= ky <= ceil(oh / 2) - 1``; for an even
``oh`` that includes the negative Nyquist frequency ``-oh / 2`` of the smaller grid and
not ``+oh / 2``. This is exactly the centred crop of the ``fftshift``-ed spectrum::

    Y = ifftshift(fftshift(X)[h//2 - oh//2 : h//2 - oh//2 + oh, w//2 - ow//2 : w//2 - ow//2 + ow])

The factor ``(oh * ow) / (h * w)`` makes a constant map stay the same constant (the
mean is preserved); ``output_size == (h, w)`` is the identity.

Real values. Cropping keeps the spectrum Hermitian except, for an even output size,
on the Nyquist row or column: the bin ``-oh / 2`` holds ``X[-oh / 2]`` while its partner
``X[+oh / 2] = conj(X[-oh / 2])`` was dropped. ``real(IFFT2(Y))`` equals ``IFFT2`` of
the Hermitian part ``(Y[k] + conj(Y[-k])) / 2`` of ``Y``, so on those bins it uses
``(X[-oh / 2] + X[+oh / 2]) / 2``: the two folded frequencies are treated
symmetrically, as the paper prescribes. Odd output sizes keep a symmetric set of
frequencies and the real part drops only rounding.

The backward pass
-----------------
The map is real and linear, ``y = A x`` with ``A = s * Re(C)``, where ``s = (oh * ow) / (h * w)``
and ``C = IFFT2_out . P . FFT2_in`` (``P`` picks the kept bins). For real ``g`` the
gradient is ``A^T g = s * Re(C^T g)``. DFT matrices are symmetric, ``P^T`` is the
zero-padding that puts each kept bin back in its place, and ``IFFT2_out`` is
``conj(FFT2_out) / (oh * ow)``, so ``C^T = FFT2_in . P^T . IFFT2_out``. With
``Re(FFT2_in(conj u)) = h * w * Re(IFFT2_in(u))`` and ``conj(IFFT2_out(g)) =
FFT2_out(g) / (oh * ow)`` for real ``g``, all factors cancel::

    A^T g = real(IFFT2_in(P^T FFT2_out(g)))

the FFT of the gradient, zero-padded back to ``h x w`` over the same bins, inverse
FFT, real part, with no further scale. The tests check it against central
differences and against the explicit matrix ``A``.

Computation
-----------
Both passes are vectorized over images and channels (NHWC, transforms along axes 1
and 2). The 2-D transforms are applied one axis at a time, cropping (or padding)
between them: a real row's DFT is Hermitian, so ``rfft`` along the width gives every
kept width frequency (``X_w[-k] = conj(X_w[k])``), and the height transform then runs
only on the ``ow`` kept columns. That is the same linear map as the definition, about
twice as fast. ``float32`` input is transformed in ``complex64`` (NumPy 2 keeps single
precision; relative error about 1e-7) and ``float64`` in ``complex128``; the output has
the input's dtype.
"""

from __future__ import annotations

import numpy as np


def signed_frequencies(length: int) -> np.ndarray:
    """Integer frequency of each bin of a ``length``-point DFT, in numpy's order.

    ``[0, 1, ..., ceil(length / 2) - 1, -floor(length / 2), ..., -1]``; shape ``(length,)``.
    """
    return np.round(np.fft.fftfreq(length) * length).astype(np.intp)


def check_output_size(input_size: tuple[int, int], output_size: tuple[int, int]) -> None:
    """Raise ValueError unless ``1 <= output_size <= input_size`` on both axes."""
    if not all(1 <= out <= size for out, size in zip(output_size, input_size)):
        raise ValueError(
            f"Spectral pooling needs an output size between 1x1 and its input size "
            f"{input_size[0]}x{input_size[1]}, received {output_size[0]}x{output_size[1]}.")


def _working_dtype(array: np.ndarray) -> np.dtype:
    return array.dtype if array.dtype in (np.float32, np.float64) else np.dtype(np.float64)


def _width_spectrum(maps: np.ndarray, frequencies: np.ndarray) -> np.ndarray:
    """DFT along the width (axis 2) of real maps, at the given signed frequencies only.

    Parameters
    ----------
    maps : ndarray, shape (n, rows, w, c), real
    frequencies : ndarray of int, shape (k,), each ``|f| <= w // 2``

    Returns
    -------
    ndarray, shape (n, rows, k, c), complex
    """
    half = np.fft.rfft(maps, axis=2)
    picked = half[:, :, np.abs(frequencies)]
    negative = frequencies < 0
    if negative.any():
        picked[:, :, negative] = np.conj(picked[:, :, negative])
    return picked


def spectral_pool(images: np.ndarray, output_size: tuple[int, int]) -> np.ndarray:
    """Keep the ``output_size`` lowest frequencies of every map (see the module docstring).

    Parameters
    ----------
    images : ndarray, shape (n, h, w, c), float32 or float64
    output_size : (int, int)
        ``(oh, ow)`` with ``1 <= oh <= h`` and ``1 <= ow <= w``.

    Returns
    -------
    ndarray, shape (n, oh, ow, c), the input's dtype
    """
    dtype = _working_dtype(images)
    images = np.asarray(images, dtype=dtype)
    height, width = images.shape[1:3]
    check_output_size((height, width), output_size)
    output_height, output_width = output_size
    rows = signed_frequencies(output_height) % height
    spectrum = np.fft.fft(_width_spectrum(images, signed_frequencies(output_width)), axis=1)[:, rows]
    mixed = np.fft.ifft(spectrum, axis=1)
    scale = dtype.type(output_height * output_width / (height * width))
    result = np.empty(mixed.shape, dtype=dtype)
    return np.multiply(np.fft.ifft(mixed, axis=2).real, scale, out=result)


def spectral_pool_backward(gradient: np.ndarray, input_size: tuple[int, int]) -> np.ndarray:
    """Gradient with respect to the input of :func:`spectral_pool`: ``A^T g``.

    Parameters
    ----------
    gradient : ndarray, shape (n, oh, ow, c), float32 or float64
        Gradient with respect to the pooled output.
    input_size : (int, int)
        ``(h, w)`` of the pooled input.

    Returns
    -------
    ndarray, shape (n, h, w, c), the gradient's dtype
    """
    dtype = _working_dtype(gradient)
    gradient = np.asarray(gradient, dtype=dtype)
    num_images, output_height, output_width, channels = gradient.shape
    height, width = input_size
    check_output_size((height, width), (output_height, output_width))
    width_frequencies = signed_frequencies(output_width)
    spectrum = np.fft.fft(_width_spectrum(gradient, width_frequencies), axis=1)
    padded = np.zeros((num_images, height, output_width, channels), dtype=spectrum.dtype)
    padded[:, signed_frequencies(output_height) % height] = spectrum
    mixed = np.fft.ifft(padded, axis=1)
    full = np.zeros((num_images, height, width, channels), dtype=spectrum.dtype)
    full[:, :, width_frequencies % width] = mixed
    return np.ascontiguousarray(np.fft.ifft(full, axis=2).real, dtype=dtype)
