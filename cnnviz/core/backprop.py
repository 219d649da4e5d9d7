"""Backpropagation through a convolution is a convolution with the 180°-flipped kernel (report §4.3).

A convolution layer (as Keras computes it, a cross-correlation) maps its zero-padded input
``x`` to ``z[y, x, o] = sum over dy, dx, c of x[y*sy + dy, x*sx + dx, c] * K[dy, dx, c, o]``.
Each input pixel therefore receives the output gradient of every output position whose window
covered it, weighted by the kernel entry that joined them. Written out, that sum is a *full*
convolution of the output gradient with the kernel, that is a cross-correlation with the kernel
rotated by 180° (``K[::-1, ::-1]``) and its channel axes swapped, over the output gradient
padded with ``kh - 1`` rows and ``kw - 1`` columns of zeros on every side. With a stride above
one the output gradient is first *dilated*: ``s - 1`` zeros go between its pixels, putting each
one back where its window started. The result covers the padded input; cropping the padding
(TensorFlow's ``same`` padding puts the odd extra row or column after the data) gives the
gradient with respect to the layer's input, exactly as backpropagation computes it.

The engines report gradients with respect to each layer's *output*, after its activation;
:func:`pre_activation_gradient` turns those into gradients with respect to the convolution's
result, which is what the identity needs. Everything here is NumPy, computed in float64.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from cnnviz.core.checks import int_items

PADDINGS = ("valid", "same")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")


def flip_kernel(kernel: np.ndarray) -> np.ndarray:
    """Rotate every 2-D kernel slice by 180°.

    Parameters
    ----------
    kernel : ndarray, shape (kh, kw, in, out) or (kh, kw)

    Returns
    -------
    ndarray, same shape
        A copy with ``result[i, j] == kernel[kh - 1 - i, kw - 1 - j]``; the channel axes are
        left as they are.
    """
    kernel = np.asarray(kernel)
    if kernel.ndim not in (2, 4) or 0 in kernel.shape:
        raise ValueError(f"kernel must have shape (kh, kw, in, out) or (kh, kw), received an array of "
                         f"shape {kernel.shape}.")
    return kernel[::-1, ::-1].copy()


def _pair(value, what: str) -> tuple[int, int]:
    """An int or a pair of ints, each at least 1, as ``(vertical, horizontal)``."""
    pair = int_items(value)
    if len(pair) != 2 or (isinstance(value, Iterable) and any(isinstance(item, bool) for item in value)):
        raise ValueError(f"{what} must be an integer or a pair of integers, received {value!r}.")
    if min(pair) < 1:
        raise ValueError(f"{what} must be at least 1, received {value!r}.")
    return pair[0], pair[1]


def dilate(gradient: np.ndarray, strides) -> np.ndarray:
    """Insert ``s - 1`` zeros between neighbouring pixels of an output gradient.

    Parameters
    ----------
    gradient : ndarray, shape (n, oh, ow, c)
    strides : int or (int, int)
        The convolution's strides ``(sy, sx)``.

    Returns
    -------
    ndarray, shape (n, (oh - 1) * sy + 1, (ow - 1) * sx + 1, c)
        ``result[:, i * sy, j * sx] == gradient[:, i, j]``, zeros elsewhere; a copy of
        ``gradient`` when both strides are 1.
    """
    gradient = np.asarray(gradient)
    if gradient.ndim != 4 or 0 in gradient.shape:
        raise ValueError(f"gradient must have shape (n, height, width, channels), received an array of "
                         f"shape {gradient.shape}.")
    stride_y, stride_x = _pair(strides, "strides")
    num_images, height, width, channels = gradient.shape
    result = np.zeros((num_images, (height - 1) * stride_y + 1, (width - 1) * stride_x + 1, channels),
                      dtype=gradient.dtype)
    result[:, ::stride_y, ::stride_x, :] = gradient
    return result


def pre_activation_gradient(output_gradient: np.ndarray, output: np.ndarray, activation: str) -> np.ndarray:
    """Gradient with respect to a layer's result before its activation, from the one after it.

    The activation's derivative is read off the layer's output ``a``: relu ``a > 0``, tanh
    ``1 - a**2``, sigmoid ``a (1 - a)``, linear 1.

    Parameters
    ----------
    output_gradient : ndarray, shape (n, oh, ow, c)
        Gradient with respect to the layer's output (what the engines report per layer).
    output : ndarray, same shape
        The layer's output (its feature maps).
    activation : str
        ``"relu"``, ``"tanh"``, ``"sigmoid"`` or ``"linear"``.

    Returns
    -------
    ndarray, float64, same shape
    """
    gradient = np.asarray(output_gradient, dtype=np.float64)
    output = np.asarray(output, dtype=np.float64)
    if gradient.shape != output.shape:
        raise ValueError(f"output_gradient and output must have the same shape, received {gradient.shape} "
                         f"and {output.shape}.")
    if activation == "relu":
        return gradient * (output > 0)
    if activation == "tanh":
        return gradient * (1.0 - output * output)
    if activation == "sigmoid":
        return gradient * output * (1.0 - output)
    if activation == "linear":
        return gradient.copy()
    raise ValueError(f"Unknown activation {activation!r}; expected one of {', '.join(ACTIVATIONS)}.")


def _same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's ``same`` padding (before, after) along one axis: the odd extra goes after."""
    output = -(-size // stride)
    total = max((output - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def convolution_geometry(input_shape, kernel_size, strides,
                         padding: str) -> tuple[tuple[int, int], tuple[int, int, int, int]]:
    """Output size and padding of a convolution, as Keras computes them.

    Parameters
    ----------
    input_shape : (int, int)
        The input's ``(h, w)``.
    kernel_size, strides : (int, int)
    padding : str
        ``"valid"`` or ``"same"``.

    Returns
    -------
    output_size : (int, int)
        ``(oh, ow)``.
    pads : (int, int, int, int)
        ``(top, bottom, left, right)`` zeros added to the input.
    """
    height, width = _pair(input_shape, "input_shape")
    kernel_height, kernel_width = _pair(kernel_size, "kernel_size")
    stride_y, stride_x = _pair(strides, "strides")
    if padding == "same":
        top, bottom = _same_padding(height, kernel_height, stride_y)
        left, right = _same_padding(width, kernel_width, stride_x)
    elif padding == "valid":
        top = bottom = left = right = 0
    else:
        raise ValueError(f"padding must be one of {', '.join(PADDINGS)}, received {padding!r}.")
    padded_height, padded_width = height + top + bottom, width + left + right
    if padded_height < kernel_height or padded_width < kernel_width:
        raise ValueError(f"A {kernel_height}x{kernel_width} kernel does not fit a {height}x{width} input "
                         f"with {padding!r} padding.")
    output = ((padded_height - kernel_height) // stride_y + 1, (padded_width - kernel_width) // stride_x + 1)
    return output, (top, bottom, left, right)


def input_gradient_by_flipped_convolution(output_gradient: np.ndarray, kernel: np.ndarray, input_shape,
                                          strides=(1, 1), padding: str = "valid") -> np.ndarray:
    """Gradient with respect to a convolution's input, as a full convolution with the flipped kernel.

    Steps: dilate the gradient by the strides (:func:`dilate`); pad it with ``kh - 1`` rows and
    ``kw - 1`` columns of zeros on each side; cross-correlate it with the 180°-rotated kernel,
    its channel axes swapped (one matrix product per kernel offset, ``kh * kw`` in all); this
    covers the zero-padded input, so crop the padding away (and pad with zeros where a stride
    left the last rows or columns of the input unread).

    Parameters
    ----------
    output_gradient : ndarray, shape (n, oh, ow, out)
        Gradient with respect to the convolution's result *before* its activation (see
        :func:`pre_activation_gradient`).
    kernel : ndarray, shape (kh, kw, in, out)
    input_shape : (int, int)
        The input's ``(h, w)``.
    strides : int or (int, int), default (1, 1)
    padding : str, default "valid"
        ``"valid"`` or ``"same"`` (TensorFlow's: the odd extra row or column goes after the data).

    Returns
    -------
    ndarray, shape (n, h, w, in), float64
        The gradient with respect to the layer's input.

    Raises
    ------
    ValueError
        If the shapes do not fit together (the message gives the expected output size).
    """
    gradient = np.asarray(output_gradient, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 4 or 0 in kernel.shape:
        raise ValueError(f"kernel must have shape (kh, kw, in, out), received an array of shape {kernel.shape}.")
    if gradient.ndim != 4:
        raise ValueError(f"output_gradient must have shape (n, oh, ow, out), received an array of shape "
                         f"{gradient.shape}.")
    kernel_height, kernel_width, in_channels, out_channels = kernel.shape
    stride_y, stride_x = _pair(strides, "strides")
    height, width = _pair(input_shape, "input_shape")
    (output_height, output_width), (top, bottom, left, right) = convolution_geometry(
        (height, width), (kernel_height, kernel_width), (stride_y, stride_x), padding)
    expected = (output_height, output_width, out_channels)
    if gradient.shape[1:] != expected:
        raise ValueError(f"A {kernel_height}x{kernel_width} convolution with strides {(stride_y, stride_x)} and "
                         f"{padding!r} padding maps a {height}x{width} input to (n, {output_height}, "
                         f"{output_width}, {out_channels}); output_gradient has shape {gradient.shape}.")
    dilated = dilate(gradient, (stride_y, stride_x))
    full_padded = np.pad(dilated, ((0, 0), (kernel_height - 1, kernel_height - 1),
                                   (kernel_width - 1, kernel_width - 1), (0, 0)))
    # (kh, kw, out, in): rotated 180° and transposed in its channels, the adjoint's kernel.
    flipped = flip_kernel(kernel).transpose(0, 1, 3, 2)
    full_height = dilated.shape[1] + kernel_height - 1
    full_width = dilated.shape[2] + kernel_width - 1
    full = np.zeros((gradient.shape[0], full_height, full_width, in_channels))
    for dy in range(kernel_height):
        for dx in range(kernel_width):
            full += full_padded[:, dy:dy + full_height, dx:dx + full_width, :] @ flipped[dy, dx]
    # The full convolution covers padded rows 0 .. (oh - 1) * sy + kh - 1; rows a stride never
    # reached (at the bottom and right of the padded input) get no gradient.
    padded_height, padded_width = height + top + bottom, width + left + right
    padded = np.zeros((gradient.shape[0], padded_height, padded_width, in_channels))
    padded[:, :full_height, :full_width, :] = full
    return padded[:, top:top + height, left:left + width, :]


FLIP_TOLERANCE = 1e-4
"""The largest relative difference (to the largest |engine gradient|) still counted as float
rounding: float32 carries about 7 significant digits, and a gradient sums many products, so
rounding alone leaves relative differences near 1e-7 to 1e-6, far below this; an error in the
identity (a kernel not flipped, a stride not dilated) gives differences of order 1."""


@dataclass(frozen=True, eq=False)
class FlipComparison:
    """The flipped-kernel identity checked against an engine's own input gradient.

    Attributes
    ----------
    max_abs_difference : float
        Largest ``|computed - engine|`` over every input gradient element.
    relative_difference : float
        ``max_abs_difference`` divided by the largest ``|engine|`` (0 when both are zero).
    flipped_kernel : ndarray, shape (kh, kw, in, out)
        The kernel rotated by 180° (:func:`flip_kernel`).
    pre_activation_gradient : ndarray, shape (n, oh, ow, out)
        Gradient with respect to the convolution's result, before the activation.
    dilated_gradient : ndarray, shape (n, (oh - 1) * sy + 1, (ow - 1) * sx + 1, out)
        That gradient with ``s - 1`` zeros between pixels (the same as the undilated one for
        stride 1).
    computed_gradient : ndarray, shape (n, h, w, in), float64
        The input gradient by the flipped-kernel full convolution.
    engine_gradient : ndarray, shape (n, h, w, in)
        The input gradient the engine computed, as given.
    difference : ndarray, shape (n, h, w, in), float64
        ``computed_gradient - engine_gradient``.
    """

    max_abs_difference: float
    relative_difference: float
    flipped_kernel: np.ndarray
    pre_activation_gradient: np.ndarray
    dilated_gradient: np.ndarray
    computed_gradient: np.ndarray
    engine_gradient: np.ndarray
    difference: np.ndarray


def compare_flip(engine_input_gradient: np.ndarray, output_gradient: np.ndarray, layer_output: np.ndarray,
                 activation: str, kernel: np.ndarray, input_shape, strides=(1, 1),
                 padding: str = "valid") -> FlipComparison:
    """Recompute a convolution's input gradient with the flipped kernel and compare it with the engine's.

    Parameters
    ----------
    engine_input_gradient : ndarray, shape (n, h, w, in)
        The engine's gradient with respect to the layer's input: the gradient with respect to the
        previous layer's output, or with respect to the image for the first layer.
    output_gradient : ndarray, shape (n, oh, ow, out)
        The engine's gradient with respect to the layer's output (after the activation).
    layer_output : ndarray, shape (n, oh, ow, out)
        The layer's output (its feature maps), for the activation's derivative.
    activation : str
    kernel : ndarray, shape (kh, kw, in, out)
    input_shape : (int, int)
    strides : int or (int, int), default (1, 1)
    padding : str, default "valid"

    Returns
    -------
    FlipComparison
    """
    engine_gradient = np.asarray(engine_input_gradient)
    pre_activation = pre_activation_gradient(output_gradient, layer_output, activation)
    computed = input_gradient_by_flipped_convolution(pre_activation, kernel, input_shape, strides, padding)
    if engine_gradient.shape != computed.shape:
        raise ValueError(f"engine_input_gradient has shape {engine_gradient.shape}, but the layer's input "
                         f"gradient has shape {computed.shape}.")
    difference = computed - engine_gradient
    largest = float(np.abs(difference).max()) if computed.size else 0.0
    scale = float(np.abs(engine_gradient).max()) if engine_gradient.size else 0.0
    relative = largest / scale if scale > 0 else (0.0 if largest == 0 else float("inf"))
    return FlipComparison(
        max_abs_difference=largest, relative_difference=relative,
        flipped_kernel=flip_kernel(kernel), pre_activation_gradient=pre_activation,
        dilated_gradient=dilate(pre_activation, strides), computed_gradient=computed,
        engine_gradient=engine_gradient, difference=difference,
    )


def flip_verdict_text(comparison: FlipComparison, tolerance: float = FLIP_TOLERANCE) -> str:
    """``"max |difference| = 1.4e-10, relative 9.4e-08 ≤ 1e-04 (float rounding): equal to float
    precision"``: the observed values, the tolerance and the verdict.

    Parameters
    ----------
    comparison : FlipComparison
    tolerance : float, default :data:`FLIP_TOLERANCE`
    """
    difference, relative = comparison.max_abs_difference, comparison.relative_difference
    head = f"max |difference| = {difference:.2g}, relative {relative:.2g}"
    if relative <= tolerance:
        return f"{head} ≤ {tolerance:.0e} (float rounding): equal to float precision"
    return f"{head} > {tolerance:.0e}: they differ by more than float rounding"
