"""How the optimized image is parameterized: its pixels, or a spectrum whose coefficients are scaled
by ``1/f`` (Olah, Mordvintsev & Schubert 2017, "Feature Visualization").

A parameterization turns parameters into an image in the model's input range and takes the image's
gradient back to the parameters (the chain rule through its own map):

* :class:`PixelImage` holds the pixels themselves and keeps them in range by clipping after each step
  (projected gradient ascent).
* :class:`FourierImage` holds the real and imaginary parts of a real-input 2-D spectrum. The image is
  ``low + (high - low) · sigmoid(irfft2(scale ⊙ Z))`` with ``scale = 1 / max(f, 1/max(h, w))^decay``
  (``f`` the frequency in cycles per pixel). Equal steps in every coefficient then change low
  frequencies more than high ones, which decorrelates the pixels and gives natural-looking images
  instead of high-frequency noise. With the orthonormal transform, ``x = irfft2(Z)`` has the gradient
  ``∂L/∂Re Z + i ∂L/∂Im Z = c_v · rfft2(∂L/∂x)`` with ``c_v = 1`` for the zero and Nyquist columns and
  2 for the others (they stand for two conjugate columns of the full spectrum).
"""

from __future__ import annotations

import numpy as np

from cnnviz.science.feature_vis.image_ops import gaussian_blur


class PixelImage:
    """The pixels themselves, clipped to ``value_range`` after every step when ``bounded``.

    Parameters
    ----------
    shape : (n, h, w, c)
    value_range : (low, high)
    rng : numpy.random.Generator
        The start is uniform noise over the range (so that some units of every filter are active).
    bounded : bool
        Clip to the range; otherwise the pixels are free (a regularizer keeps them finite).
    """

    name = "pixels"

    def __init__(self, shape: tuple[int, int, int, int], value_range: tuple[float, float], rng: np.random.Generator,
                 bounded: bool = True):
        self.low, self.high = value_range
        self.bounded = bounded
        self.rng = rng
        self.params = rng.uniform(self.low, self.high, size=shape).astype(np.float32)

    def restart(self, rows: np.ndarray) -> None:
        """Draw images ``rows`` afresh (their units were inactive, so their gradient was zero)."""
        self.params[rows] = self.rng.uniform(self.low, self.high, size=self.params[rows].shape)

    def image(self) -> np.ndarray:
        """The image, shape (n, h, w, c)."""
        return self.params.copy()

    def backward(self, gradient: np.ndarray) -> np.ndarray:
        """The gradient with respect to the parameters, given the image's."""
        return gradient

    def project(self) -> None:
        """Bring the parameters back into range after a step (when bounded)."""
        if self.bounded:
            np.clip(self.params, self.low, self.high, out=self.params)

    def blur(self, sigma: float) -> None:
        """Blur the image (a regularizer applied between steps)."""
        self.params = gaussian_blur(self.params, sigma)


def spectrum_scale(height: int, width: int, decay: float = 1.0) -> np.ndarray:
    """``1 / max(f, 1 / max(h, w))^decay`` for every coefficient of a real 2-D spectrum, shape
    ``(h, w // 2 + 1)``, normalized to a largest value of 1."""
    rows = np.fft.fftfreq(height)[:, None]
    cols = np.fft.rfftfreq(width)[None, :]
    frequency = np.sqrt(rows * rows + cols * cols)
    scale = 1.0 / np.maximum(frequency, 1.0 / max(height, width)) ** decay
    return scale / scale.max()


def column_weights(width: int) -> np.ndarray:
    """``c_v`` of the module's gradient rule: 1 for the zero (and, for an even width, the Nyquist)
    column of a real spectrum, 2 for the rest; shape ``(width // 2 + 1,)``."""
    weights = np.full(width // 2 + 1, 2.0)
    weights[0] = 1.0
    if width % 2 == 0:
        weights[-1] = 1.0
    return weights


START_SPREAD = 1.0
"""The standard deviation of a Fourier-parameterized image before its sigmoid at the start (a
fraction of the range when unbounded)."""


class FourierImage:
    """A spectrum with a ``1/f^decay`` scale, mapped to the range by a sigmoid when ``bounded`` (otherwise
    ``middle + (high - low) · irfft2(scale ⊙ Z)``, free).

    Parameters
    ----------
    shape : (n, h, w, c)
    value_range : (low, high)
    rng : numpy.random.Generator
        The start is Gaussian coefficients scaled so that the image before the sigmoid has a standard
        deviation of 1 (noise over most of the range).
    decay : float
        The spectrum's power-law exponent (1: the ``1/f`` of natural images; 0: white).
    bounded : bool
    """

    name = "fourier"

    def __init__(self, shape: tuple[int, int, int, int], value_range: tuple[float, float],
                 rng: np.random.Generator, decay: float = 1.0, bounded: bool = True):
        count, height, width, channels = shape
        self.bounded = bounded
        self.low, self.high = value_range
        self.size = (height, width)
        spectrum_shape = (count, height, width // 2 + 1, channels)
        # Frequencies on axes 1, 2; the scale broadcasts over images and channels.
        self.scale = spectrum_scale(height, width, decay)[None, :, :, None]
        self.weights = column_weights(width)[None, None, :, None]
        self.rng = rng
        self.params = self._draw(spectrum_shape)
        self._logistic: np.ndarray | None = None

    def _draw(self, spectrum_shape: tuple[int, ...]) -> np.ndarray:
        params = self.rng.standard_normal((2, *spectrum_shape))
        spectrum = (params[0] + 1j * params[1]) * self.scale
        spread = np.fft.irfft2(spectrum, s=self.size, axes=(1, 2), norm="ortho").std()
        return params * (START_SPREAD / max(float(spread), 1e-12))

    def restart(self, rows: np.ndarray) -> None:
        """Draw images ``rows`` afresh (their units were inactive, so their gradient was zero)."""
        self.params[:, rows] = self._draw(self.params[:, rows].shape[1:])

    def _spatial(self) -> np.ndarray:
        spectrum = (self.params[0] + 1j * self.params[1]) * self.scale
        return np.fft.irfft2(spectrum, s=self.size, axes=(1, 2), norm="ortho")

    def image(self) -> np.ndarray:
        """The image, shape (n, h, w, c), float32."""
        if not self.bounded:
            return ((self.low + self.high) / 2 + (self.high - self.low) * self._spatial()).astype(np.float32)
        self._logistic = 1.0 / (1.0 + np.exp(-np.clip(self._spatial(), -60, 60)))
        return (self.low + (self.high - self.low) * self._logistic).astype(np.float32)

    def backward(self, gradient: np.ndarray) -> np.ndarray:
        """The gradient with respect to the coefficients (real and imaginary parts stacked on a first
        axis of 2), given the image's; after :meth:`image`."""
        spatial = gradient.astype(np.float64) * (self.high - self.low)
        if self.bounded:
            if self._logistic is None:
                self.image()
            logistic = self._logistic
            assert logistic is not None  # set by image()
            spatial *= logistic * (1 - logistic)
        spectrum = np.fft.rfft2(spatial, axes=(1, 2), norm="ortho") * self.weights * self.scale
        return np.stack([spectrum.real, spectrum.imag])

    def project(self) -> None:
        """Nothing to do: the sigmoid keeps every image in range."""

    def blur(self, sigma: float) -> None:
        """Blur the image before its sigmoid: multiply the spectrum by the Gaussian's transfer function."""
        rows = np.fft.fftfreq(self.size[0])[:, None]
        cols = np.fft.rfftfreq(self.size[1])[None, :]
        transfer = np.exp(-2 * (np.pi * sigma) ** 2 * (rows * rows + cols * cols))
        self.params *= transfer[None, None, :, :, None]


PARAMETERIZATIONS = {"pixels": PixelImage, "fourier": FourierImage}
