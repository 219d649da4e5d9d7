"""Dead filters, and pruning them (report §5.2: "if there are a lot of zeros ... the model needs pruning").

A filter can be useless in two ways, and they are told apart here:

*near-zero kernel* — its weights have all but vanished: the L2 norm of its kernel is at most
``kernel_tolerance`` times the largest kernel norm in the same layer (relative, so the test
does not depend on the layer's scale or initializer);

*never active* — whatever its kernel, its output is (about) zero for every input seen: the largest
absolute value of its feature map, over a batch of images and every position, is at most
``activity_tolerance``. For ReLU this is the classic dead unit, never positive (its bias and
weights keep the pre-activation below zero).

Pruning zeroes a filter's kernel and bias in its own layer only; the next layer's incoming weights
are left as they are. The pruned filter then outputs ``activation(0)`` everywhere: 0 for relu,
tanh and linear, so it contributes nothing downstream, but 0.5 for sigmoid, a constant that the
next layer still adds in (fold it into the next layer's bias, or retrain, to remove it). The same
functions work for dense layers (kernel ``(in, units)``), a unit being a "filter". Pure NumPy on
kernels, maps and weights; :mod:`cnnviz.science.dead_filters` runs them on a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cnnviz.core.checks import is_real

Weights = dict[str, dict[str, np.ndarray]]


@dataclass(frozen=True, eq=False)
class DeadFilterReport:
    """Which filters of a layer have a near-zero kernel, and which were never active.

    Attributes
    ----------
    near_zero_kernels : tuple of int
        Filters whose kernel norm is at most ``kernel_tolerance`` × the layer's largest.
    never_active : tuple of int
        Filters whose largest absolute output was at most ``activity_tolerance`` on every input
        seen; empty when no feature maps were given.
    kernel_norms : ndarray, shape (out,)
        L2 norm of each filter's kernel (over kh, kw and input channels).
    max_activation : ndarray, shape (out,), or None
        Largest absolute value of each filter's feature map over the batch and every position
        (for ReLU, its largest value); None when no feature maps were given.
    kernel_tolerance, activity_tolerance : float
        The tolerances used.
    """

    near_zero_kernels: tuple[int, ...]
    never_active: tuple[int, ...]
    kernel_norms: np.ndarray
    max_activation: np.ndarray | None
    kernel_tolerance: float
    activity_tolerance: float

    @property
    def dead(self) -> tuple[int, ...]:
        """Every filter that is near-zero or never active, in increasing order."""
        return tuple(sorted(set(self.near_zero_kernels) | set(self.never_active)))

    @property
    def num_filters(self) -> int:
        return len(self.kernel_norms)


def _tolerance(value, what: str) -> float:
    if not is_real(value) or not (np.isfinite(value) and value >= 0):
        raise ValueError(f"{what} must be a non-negative number, received {value!r}.")
    return float(value)


def max_abs_activation(feature_maps: np.ndarray) -> np.ndarray:
    """Largest absolute value of each filter's maps: ``(n, ..., out) -> (out,)``.

    Use it to gather the activity over many batches (take the maximum of the per-batch results)
    and pass the result to :func:`dead_filters` as ``max_activation``.
    """
    maps = np.asarray(feature_maps)
    if maps.ndim < 2 or 0 in maps.shape:
        raise ValueError(f"feature_maps must have shape (n, h, w, out) or (n, out) and not be empty, "
                         f"received an array of shape {maps.shape}.")
    return np.abs(maps).reshape(-1, maps.shape[-1]).max(axis=0)


def dead_filters(kernels: np.ndarray, feature_maps: np.ndarray | None = None,
                 kernel_tolerance: float = 1e-3, activity_tolerance: float = 1e-6, *,
                 max_activation: np.ndarray | None = None) -> DeadFilterReport:
    """Find a layer's filters with a near-zero kernel and those never active on a batch.

    Parameters
    ----------
    kernels : ndarray, shape (kh, kw, in, out) or (in, out)
        The layer's kernel, filters (or units) along the last axis.
    feature_maps : ndarray, shape (n, h, w, out) or (n, out), optional
        The layer's outputs (after the activation) for ``n`` inputs.
    kernel_tolerance : float, default 1e-3
        *Relative*: a filter is near-zero when its kernel norm is at most this times the largest
        kernel norm in the layer (so when every kernel is zero, every filter is near-zero).
    activity_tolerance : float, default 1e-6
        *Absolute*: a filter is never active when no output exceeds this in absolute value.
    max_activation : ndarray, shape (out,), optional
        Instead of ``feature_maps``: the largest absolute output of each filter, already gathered
        (see :func:`max_abs_activation`).

    Returns
    -------
    DeadFilterReport
    """
    kernels = np.asarray(kernels)
    if kernels.ndim not in (2, 4) or 0 in kernels.shape:
        raise ValueError(f"kernels must have shape (kh, kw, in, out) or (in, out), received an array of "
                         f"shape {kernels.shape}.")
    kernel_tolerance = _tolerance(kernel_tolerance, "kernel_tolerance")
    activity_tolerance = _tolerance(activity_tolerance, "activity_tolerance")
    num_filters = kernels.shape[-1]
    norms = np.linalg.norm(kernels.reshape(-1, num_filters).astype(np.float64), axis=0)
    near_zero = np.flatnonzero(norms <= kernel_tolerance * norms.max())
    if feature_maps is not None and max_activation is not None:
        raise ValueError("Give feature_maps or max_activation, not both.")
    if feature_maps is not None:
        max_activation = max_abs_activation(feature_maps)
    if max_activation is not None:
        max_activation = np.asarray(max_activation, dtype=np.float64)
        if max_activation.shape != (num_filters,):
            raise ValueError(f"The layer has {num_filters} filters but the activity covers "
                             f"{max_activation.shape[-1] if max_activation.ndim else 0}; pass this layer's "
                             f"feature maps, shape (n, h, w, {num_filters}).")
        never_active = np.flatnonzero(max_activation <= activity_tolerance)
    else:
        never_active = np.zeros(0, np.int64)
    return DeadFilterReport(
        near_zero_kernels=tuple(int(index) for index in near_zero),
        never_active=tuple(int(index) for index in never_active),
        kernel_norms=norms, max_activation=max_activation,
        kernel_tolerance=kernel_tolerance, activity_tolerance=activity_tolerance,
    )


def prune_filters(weights: Weights, layer: str, filters: Sequence[int],
                  layer_names: Sequence[str] | None = None) -> Weights:
    """Zero some filters' kernels and biases.

    Only the layer's own kernel and bias change; the next layer's incoming weights are kept, so a
    pruned relu, tanh or linear filter outputs 0, and a sigmoid one 0.5 (see the module docstring).

    Parameters
    ----------
    weights : Weights
        The exchange form; left unchanged.
    layer : str
        A layer with weights.
    filters : sequence of int
        Filter (or unit) indices; repeats are harmless.
    layer_names : sequence of str, optional
        If given, ``layer`` must be one of them (a check against typos).

    Returns
    -------
    Weights
        A new exchange form, every array copied.
    """
    if layer_names is not None and layer not in layer_names:
        raise ValueError(f"There is no layer {layer!r}; the layers are {', '.join(layer_names)}.")
    if layer not in weights or "kernel" not in weights[layer] or "bias" not in weights[layer]:
        raise ValueError(f"Layer {layer!r} has no kernel and bias to prune; layers with weights: "
                         f"{', '.join(weights) or 'none'}.")
    result = {name: {key: np.array(value, copy=True) for key, value in params.items()}
              for name, params in weights.items()}
    num_filters = result[layer]["kernel"].shape[-1]
    indices = np.asarray(filters)
    if indices.ndim == 0:
        indices = indices[None]
    if indices.ndim != 1 or (indices.size and not np.issubdtype(indices.dtype, np.integer)):
        raise ValueError(f"filters must be a sequence of filter indices, received {filters!r}.")
    if indices.size and (indices.min() < 0 or indices.max() >= num_filters):
        raise ValueError(f"Layer {layer!r} has {num_filters} filters (0 to {num_filters - 1}); received "
                         f"indices from {indices.min()} to {indices.max()}.")
    indices = indices.astype(np.int64)
    result[layer]["kernel"][..., indices] = 0
    result[layer]["bias"][indices] = 0
    return result
