"""Transform a hidden layer's weights without changing the network's function: permute its units,
flip their signs, rescale them (report §1.1).

The transforms work on weights in the exchange form ``{layer: {"kernel", "bias"}}``: on a dense
layer (kernel ``(in, M)``), or on a convolution's filters (kernel ``(kh, kw, in, M)``), with the
next weighted layer found in the order ``layer_names`` gives (layers without weights, such as
dropout, pooling and flatten, are skipped). After a convolution the next layer may be a
convolution (its input channels) or, after a flatten, a dense layer (its rows, in NHWC order).
Each returns a new exchange form and leaves the caller's arrays untouched.

Whether a transform is exact depends on the activation and on the layers between
(:func:`cnnviz.core.symmetry.equivalence.explain`); :func:`cnnviz.science.symmetries.check_symmetry`
measures it on a model's predictions. Pure NumPy on weights; nothing here runs a model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Weights = dict[str, dict[str, np.ndarray]]


def _copy(weights: Weights) -> Weights:
    """A deep copy of the exchange form (so a transform never touches the caller's arrays)."""
    return {layer: {name: np.array(value, copy=True) for name, value in params.items()}
            for layer, params in weights.items()}


def _next_weighted_layer(weights: Weights, layer: str, layer_names: Sequence[str] | None) -> str:
    """The first layer after ``layer``, in ``layer_names`` order, that has weights."""
    order = list(weights) if layer_names is None else list(layer_names)
    if layer not in weights or "kernel" not in weights[layer] or "bias" not in weights[layer]:
        weighted = ", ".join(name for name in order if name in weights) or "none"
        raise ValueError(f"Layer {layer!r} has no kernel and bias to transform; layers with weights: "
                         f"{weighted}.")
    if layer not in order:
        raise ValueError(f"Layer {layer!r} is not in layer_names ({', '.join(order)}).")
    for name in order[order.index(layer) + 1:]:
        if name in weights:
            return name
    raise ValueError(f"Layer {layer!r} is the last layer with weights: its units are outputs, not hidden "
                     f"units, so permuting or flipping them changes what the network computes. Choose a "
                     f"hidden layer.")


def _outgoing_rows(next_kernel: np.ndarray, num_units: int, layer: str, next_layer: str,
                   after_convolution: bool) -> tuple[np.ndarray, int]:
    """A view of the next kernel with the hidden units along one axis, and that axis.

    Dense after dense: rows ``(M, out)``. Convolution after convolution: input channels
    ``(kh, kw, M, out)``. Dense after convolution and flatten: rows in NHWC order reshaped
    ``(positions, M, out)``, the units varying fastest.
    """
    if next_kernel.ndim == 4 and next_kernel.shape[2] == num_units:
        return next_kernel, 2
    if next_kernel.ndim == 2 and next_kernel.shape[0] == num_units:
        return next_kernel, 0
    if after_convolution and next_kernel.ndim == 2 and next_kernel.shape[0] % num_units == 0:
        return next_kernel.reshape(-1, num_units, next_kernel.shape[1]), 1
    raise ValueError(f"Layer {next_layer!r} (kernel {next_kernel.shape}) does not take the {num_units} units "
                     f"of {layer!r} as its inputs.")


def _units(units, num_units: int, layer: str) -> np.ndarray:
    """Unit indices as an int array, checked: in range, no repeats."""
    indices = np.asarray(units)
    if indices.ndim == 0:
        indices = indices[None]
    if indices.ndim != 1 or (indices.size and not np.issubdtype(indices.dtype, np.integer)):
        raise ValueError(f"units must be a sequence of unit indices, received {units!r}.")
    indices = indices.astype(np.int64)
    if indices.size and (indices.min() < 0 or indices.max() >= num_units):
        raise ValueError(f"Layer {layer!r} has {num_units} units (0 to {num_units - 1}); received indices "
                         f"from {indices.min()} to {indices.max()}.")
    if len(np.unique(indices)) != len(indices):
        raise ValueError(f"units must not repeat an index (a unit flipped twice is not flipped); received "
                         f"{indices.tolist()}.")
    return indices


def permute_hidden_units(weights: Weights, layer: str, permutation,
                         layer_names: Sequence[str] | None = None) -> Weights:
    """Reorder the hidden units of ``layer``: unit ``i`` of the result is unit ``permutation[i]``.

    Parameters
    ----------
    weights : Weights
        The exchange form; left unchanged.
    layer : str
        A dense layer (kernel ``(in, M)``) or convolution (kernel ``(kh, kw, in, M)``) followed by
        another weighted layer.
    permutation : sequence of int
        A permutation of ``0 .. M - 1``.
    layer_names : sequence of str, optional
        Every layer's name in network order (``engine.layer_names()``); by default the order of
        ``weights``.

    Returns
    -------
    Weights
        A new exchange form: ``layer``'s kernel columns (last axis) and bias, and the next
        weighted layer's incoming rows, reordered; every other array copied unchanged.
    """
    result = _copy(weights)
    next_layer = _next_weighted_layer(result, layer, layer_names)
    kernel, bias = result[layer]["kernel"], result[layer]["bias"]
    num_units = kernel.shape[-1]
    order = np.asarray(permutation)
    if order.shape != (num_units,) or not np.issubdtype(order.dtype, np.integer) \
            or not np.array_equal(np.sort(order), np.arange(num_units)):
        raise ValueError(f"permutation must reorder the {num_units} units of {layer!r}: a sequence holding "
                         f"each of 0 .. {num_units - 1} once, received an array of shape {order.shape}.")
    rows, axis = _outgoing_rows(result[next_layer]["kernel"], num_units, layer, next_layer,
                                result[layer]["kernel"].ndim == 4)
    result[layer]["kernel"] = np.ascontiguousarray(kernel[..., order])
    result[layer]["bias"] = np.ascontiguousarray(bias[order])
    rows[...] = np.take(rows, order, axis=axis)
    return result


def flip_signs(weights: Weights, layer: str, units, layer_names: Sequence[str] | None = None) -> Weights:
    """Negate the incoming weights, bias and outgoing weights of some hidden units.

    An exact symmetry only for odd activations (tanh, linear) with nothing but weighted layers,
    dropout, flatten or average pooling in between; see :func:`~cnnviz.core.symmetry.equivalence.explain`.

    Parameters
    ----------
    weights : Weights
    layer : str
        As in :func:`permute_hidden_units`.
    units : sequence of int
        The units to flip, no index twice.
    layer_names : sequence of str, optional

    Returns
    -------
    Weights
        A new exchange form.
    """
    return _scale_units(weights, layer, units, lambda count: np.full(count, -1.0), layer_names)


def rescale_units(weights: Weights, layer: str, units, factors,
                  layer_names: Sequence[str] | None = None) -> Weights:
    """Scale some hidden units' incoming weights and bias by ``c > 0`` and their outgoing weights by ``1/c``.

    An exact symmetry for positively homogeneous activations (relu, linear), also through max
    pooling; see :func:`~cnnviz.core.symmetry.equivalence.explain`.

    Parameters
    ----------
    weights : Weights
    layer : str
        As in :func:`permute_hidden_units`.
    units : sequence of int
        The units to rescale, no index twice.
    factors : float or sequence of float
        One positive finite factor for all units, or one per unit.
    layer_names : sequence of str, optional

    Returns
    -------
    Weights
        A new exchange form.
    """
    def checked(count: int) -> np.ndarray:
        scale = np.asarray(factors, dtype=np.float64)
        if scale.ndim == 0:
            scale = np.full(count, float(scale))
        if scale.shape != (count,) or not (np.isfinite(scale).all() and (scale > 0).all()):
            raise ValueError(f"factors must be one positive finite number, or one per unit ({count}); "
                             f"received {factors!r}. A negative factor would also flip the sign, which is "
                             f"not a symmetry for relu.")
        return scale

    return _scale_units(weights, layer, units, checked, layer_names)


def _scale_units(weights: Weights, layer: str, units, scales, layer_names) -> Weights:
    """Multiply some units' incoming weights and bias by ``c`` and divide their outgoing weights by
    ``c``; ``scales(count)`` gives the factors for the ``count`` chosen units (-1 flips signs)."""
    result = _copy(weights)
    next_layer = _next_weighted_layer(result, layer, layer_names)
    num_units = result[layer]["kernel"].shape[-1]
    indices = _units(units, num_units, layer)
    scale = scales(len(indices))
    rows, axis = _outgoing_rows(result[next_layer]["kernel"], num_units, layer, next_layer,
                                result[layer]["kernel"].ndim == 4)
    kernel, bias = result[layer]["kernel"], result[layer]["bias"]
    kernel[..., indices] = kernel[..., indices] * scale
    bias[indices] = bias[indices] * scale
    selector: list[slice | np.ndarray] = [slice(None)] * rows.ndim
    selector[axis] = indices
    shape = [1] * rows.ndim
    shape[axis] = len(indices)
    rows[tuple(selector)] = rows[tuple(selector)] / scale.reshape(shape)
    return result
