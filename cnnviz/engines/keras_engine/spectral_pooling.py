"""Spectral pooling as a Keras layer: the same linear map as the NumPy engine's.

The map is defined in :mod:`cnnviz.engines.numpy_engine.spectral`: for each image and
channel, ``y = (oh * ow) / (h * w) * real(IFFT2(Y))`` where ``Y`` holds the bins of
``FFT2(x)`` at the ``oh x ow`` lowest signed frequencies (``fftfreq`` order, the
centred ``fftshift`` crop). TensorFlow's FFTs work on the innermost two axes, so the
layer transposes NHWC maps to channels first, takes ``tf.signal.fft2d``, gathers the
kept rows and columns, takes ``tf.signal.ifft2d`` and the real part, and transposes
back. Every step is linear and TensorFlow differentiates each exactly (the gradient
of a gather is the matching scatter, i.e. zero padding), so autodiff gives the same
gradient ``A^T g`` as the NumPy backward pass; the parity tests check it.

The class is registered as ``cnnviz>SpectralPooling2D`` and describes itself with
:meth:`SpectralPooling2D.get_config`, so a ``.keras`` file holding it loads with
``safe_mode=True``: safe mode refuses stored code (Lambda layers), not registered
classes. Importing the Keras engine imports this module, which registers it.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf


def _signed_frequencies(length: int) -> np.ndarray:
    """``[0, 1, ..., ceil(length / 2) - 1, -floor(length / 2), ..., -1]`` (numpy's DFT order)."""
    return np.round(np.fft.fftfreq(length) * length).astype(np.int64)


@keras.saving.register_keras_serializable(package="cnnviz")
class SpectralPooling2D(keras.layers.Layer):
    """Keep the ``output_size`` lowest frequencies of each map: ``(n, h, w, c) -> (n, oh, ow, c)``.

    Parameters
    ----------
    output_size : (int, int)
        ``(oh, ow)``, each at least 1 and at most the input's height and width.
    """

    def __init__(self, output_size=(14, 14), **kwargs):
        super().__init__(**kwargs)
        if isinstance(output_size, int):
            output_size = (output_size, output_size)
        self.output_size = tuple(int(size) for size in output_size)
        if len(self.output_size) != 2 or min(self.output_size) < 1:
            raise ValueError(f"output_size must be two positive integers (height, width), received "
                             f"{output_size!r}.")
        self.input_spec = keras.layers.InputSpec(ndim=4)
        self._rows = self._columns = None
        self._scale = 1.0

    def build(self, input_shape):
        height, width = input_shape[1], input_shape[2]
        if height is None or width is None:
            raise ValueError("SpectralPooling2D needs inputs of a fixed height and width, received "
                             f"shape {tuple(input_shape)}.")
        output_height, output_width = self.output_size
        if output_height > height or output_width > width:
            raise ValueError(f"SpectralPooling2D output_size {list(self.output_size)} is larger than its "
                             f"{height}x{width} input; spectral pooling can only shrink a map.")
        self._rows = (_signed_frequencies(output_height) % height).tolist()
        self._columns = (_signed_frequencies(output_width) % width).tolist()
        self._scale = output_height * output_width / (height * width)

    def call(self, inputs):
        complex_dtype = tf.complex128 if inputs.dtype == tf.float64 else tf.complex64
        channels_first = tf.cast(tf.transpose(inputs, (0, 3, 1, 2)), complex_dtype)
        spectrum = tf.signal.fft2d(channels_first)
        kept = tf.gather(tf.gather(spectrum, self._rows, axis=2), self._columns, axis=3)
        pooled = tf.math.real(tf.signal.ifft2d(kept)) * tf.constant(self._scale, inputs.dtype)
        return tf.transpose(pooled, (0, 2, 3, 1))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.output_size, input_shape[3])

    def get_config(self):
        config = super().get_config()
        config["output_size"] = list(self.output_size)
        return config
