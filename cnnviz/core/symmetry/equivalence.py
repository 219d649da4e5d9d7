"""Weight-space symmetries: different weights, the same network function (report §1.1).

For a hidden layer of ``M`` units followed by another weighted layer:

*Permutation.* Swapping two hidden units, with everything that leads into them (their kernel
columns and biases) and out of them (the next layer's rows), only relabels them: the network
computes the same function. There are ``M!`` orderings.

*Sign flip.* Negating a unit's incoming weights and bias negates its pre-activation ``a``; for an
odd activation (``tanh(-a) = -tanh(a)``, linear) the unit's output is negated too, which negating
its outgoing weights undoes. ``2**M`` sign patterns, ``M! · 2**M`` equivalent weight vectors in
all. ReLU is not odd (``relu(-a) = max(-a, 0) ≠ -relu(a)``), so for ReLU units a sign flip changes
the function; their symmetry is instead *positive rescaling*, ``relu(c·a) = c·relu(a)`` for any
``c > 0``: multiply the incoming weights and bias by ``c`` and divide the outgoing weights by ``c``
(a continuous family rather than a finite set). How many weight vectors are equivalent therefore
depends on the activation: :class:`WeightSymmetries` says it for each (``M! · 2**M`` for tanh,
``M!`` orderings times a continuous ``M``-dimensional family for ReLU, ...).

The transforms work on weights in the exchange form ``{layer: {"kernel", "bias"}}``: on a dense
layer (kernel ``(in, M)``), or on a convolution's filters (kernel ``(kh, kw, in, M)``), with the
next weighted layer found in the order ``layer_names`` gives (layers without weights, such as
dropout, pooling and flatten, are skipped). After a convolution the next layer may be a
convolution (its input channels) or, after a flatten, a dense layer (its rows, in NHWC order).
Whether a transform is exact also depends on the layers between: max pooling commutes with
permutation and positive rescaling but not with a sign flip. :func:`cnnviz.science.symmetries.check_symmetry`
measures it on a model's predictions. Pure NumPy on weights; nothing here runs a model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cnnviz.core.checks import is_int

Weights = dict[str, dict[str, np.ndarray]]

ODD_ACTIVATIONS = ("tanh", "linear")
"""Activations with ``f(-a) = -f(a)``: sign flips are exact symmetries."""
POSITIVELY_HOMOGENEOUS_ACTIVATIONS = ("relu", "linear")
"""Activations with ``f(c·a) = c·f(a)`` for ``c > 0``: positive rescaling is an exact symmetry."""
KINDS = ("permutation", "sign_flip", "rescale")


def symmetry_count(num_units: int) -> int:
    """The number of equivalent weight vectors from permutations and sign flips: ``M! · 2**M``.

    Parameters
    ----------
    num_units : int
        ``M``, the number of hidden units (at least 0).

    Returns
    -------
    int
        Exact (Python integers do not overflow).
    """
    units = _checked_units(num_units)
    return math.factorial(units) * 2 ** units


EXACT_DIGITS = 15
"""Counts below ``10**EXACT_DIGITS`` are written out in full by :func:`symmetry_count_text`."""
KNOWN_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")


def _count_text(label: str, log10: float, exact, significant: int) -> str:
    """``label = value``: exactly (``exact()``) when short, as a power of ten from ``log10`` otherwise."""
    if not is_int(significant) or significant < 1:
        raise ValueError(f"significant must be a positive integer, received {significant!r}.")
    if log10 < EXACT_DIGITS - 1:
        return f"{label} = {exact():,}"
    exponent = math.floor(log10)
    mantissa = round(10 ** (log10 - exponent), significant - 1)
    if mantissa >= 10:  # 9.996 rounds to 10.0: carry into the exponent
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{label} = {mantissa:.{significant - 1}f}×10^{exponent}"


def _checked_units(num_units) -> int:
    if not is_int(num_units) or num_units < 0:
        raise ValueError(f"The number of hidden units must be a non-negative integer, received {num_units!r}.")
    return int(num_units)


def symmetry_count_text(num_units: int, significant: int = 3) -> str:
    """``M! · 2**M`` as text: ``"3!·2^3 = 48"``, ``"128!·2^128 = 1.35×10^254"``.

    Counts with fewer than :data:`EXACT_DIGITS` digits are written exactly, with thousands
    separators; larger ones as a power of ten with ``significant`` significant digits, from
    ``log10`` computed with :func:`math.lgamma`, so a layer of a million units costs nothing.
    """
    units = _checked_units(num_units)
    log10 = math.lgamma(units + 1) / math.log(10) + units * math.log10(2)
    return _count_text(f"{units}!·2^{units}", log10, lambda: symmetry_count(units), significant)


def factorial_text(num_units: int, significant: int = 3) -> str:
    """``M!`` as text, the orderings of ``M`` units: ``"5! = 120"``, ``"128! = 3.86×10^215"``."""
    units = _checked_units(num_units)
    return _count_text(f"{units}!", math.lgamma(units + 1) / math.log(10), lambda: math.factorial(units),
                       significant)


@dataclass(frozen=True)
class WeightSymmetries:
    """Which weight vectors compute the same function as a given one, for one hidden layer.

    For ``M`` hidden units with activation ``f`` followed by another weighted layer, the
    permutations of the units (``M!``) always keep the function. On top of them:

    - ``tanh`` is odd, so each unit's sign can flip: ``M! · 2^M`` weight vectors, a finite set;
    - ``sigmoid`` has ``σ(-a) = 1 - σ(a)``, so a flip is exact once the next layer's bias also
      takes the flipped unit's outgoing weights: ``M! · 2^M`` as well;
    - ``relu`` is not odd but positively homogeneous: each unit can be rescaled by any ``c > 0``,
      a continuous ``M``-dimensional family per ordering, and no sign flips;
    - ``linear``: any invertible ``M × M`` matrix mixing the units, a continuous family of
      dimension ``M²`` holding all of the above.

    Max pooling between the layer and the next commutes with permutations and positive rescaling
    only, so it removes the sign flips and leaves ``linear`` with what ``relu`` has.

    Attributes
    ----------
    activation : str
    num_units : int
    max_pooling_between : bool
    """

    activation: str
    num_units: int
    max_pooling_between: bool = False

    @property
    def known(self) -> bool:
        """Whether the activation's symmetries are known here (relu, tanh, sigmoid, linear)."""
        return self.activation in KNOWN_ACTIVATIONS

    @property
    def sign_flips(self) -> bool:
        """Whether the ``2^M`` sign patterns are symmetries (for sigmoid, with the next bias adjusted)."""
        return self.activation in ("tanh", "sigmoid", "linear") and not self.max_pooling_between

    @property
    def continuous_dimension(self) -> int:
        """0 for a finite set; ``M`` for positive rescaling; ``M²`` for every invertible matrix (linear)."""
        if self.activation == "linear" and not self.max_pooling_between:
            return self.num_units ** 2
        if self.activation in POSITIVELY_HOMOGENEOUS_ACTIVATIONS:
            return self.num_units
        return 0

    @property
    def finite_count(self) -> int:
        """The exact number of equivalent weight vectors from permutations (and sign flips, where they
        hold); for a continuous family, the number of its discrete orderings."""
        return symmetry_count(self.num_units) if self.sign_flips else math.factorial(self.num_units)

    @property
    def count_text(self) -> str:
        """The finite count as ``formula = value``: ``"128!·2^128 = 1.31×10^254"`` or ``"128! = 3.86×10^215"``."""
        return symmetry_count_text(self.num_units) if self.sign_flips else factorial_text(self.num_units)

    def text(self) -> str:
        """One or two sentences saying how many weight vectors are equivalent, and why."""
        units = self.num_units
        pooling = (" Max pooling lies between this layer and the next, and max(−a) ≠ −max(a): no sign flips."
                   if self.max_pooling_between and self.activation in ("tanh", "sigmoid", "linear") else "")
        if not self.known:
            return (f"At least {factorial_text(units)} equivalent weight vectors, the orderings of the units "
                    f"(a permutation keeps the function for every activation); other symmetries of "
                    f"{self.activation} are not known here.")
        if self.activation == "tanh" and self.sign_flips:
            return (f"{self.count_text} equivalent weight vectors: {units}! orderings of the units × 2^{units} "
                    f"sign patterns (tanh is odd, tanh(−a) = −tanh(a)). A finite set: tanh(c·a) ≠ c·tanh(a), "
                    f"so there is no rescaling.")
        if self.activation == "sigmoid" and self.sign_flips:
            return (f"{self.count_text} equivalent weight vectors: {units}! orderings of the units × 2^{units} "
                    f"sign patterns, each flipped unit's outgoing weights also added to the next layer's bias "
                    f"(σ(−a) = 1 − σ(a)). No rescaling: sigmoid is not positively homogeneous.")
        if self.activation == "linear" and not self.max_pooling_between:
            return (f"Infinitely many equivalent weight vectors: any invertible {units}×{units} matrix A mixing "
                    f"the units (incoming weights and bias multiplied by A, outgoing weights by A⁻¹), a "
                    f"continuous family of dimension {units}^2 = {units ** 2:,} that holds the "
                    f"{symmetry_count_text(units)} permutations with sign flips and every rescaling.")
        if self.activation in POSITIVELY_HOMOGENEOUS_ACTIVATIONS:
            reason = ("relu is not odd" if self.activation == "relu" else
                      "max pooling lies between this layer and the next, and max(−a) ≠ −max(a)")
            return (f"Infinitely many equivalent weight vectors: {factorial_text(units)} orderings of the units, "
                    f"each with a continuous {units}-dimensional family of positive rescalings "
                    f"({self.activation}(c·a) = c·{self.activation}(a) for c > 0, one c per unit). "
                    f"No 2^{units} sign patterns: {reason}.")
        # tanh or sigmoid behind max pooling: permutations alone.
        return f"{factorial_text(units)} equivalent weight vectors, the orderings of the units.{pooling}"


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
    dropout, flatten or average pooling in between; see :func:`explain`.

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
    pooling; see :func:`explain`.

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


def explain(activation: str, kind: str) -> str:
    """Why a transform of the given ``kind`` is, or is not, a symmetry for ``activation``.

    Parameters
    ----------
    activation : str
        ``"relu"``, ``"tanh"``, ``"sigmoid"`` or ``"linear"``.
    kind : str
        ``"permutation"``, ``"sign_flip"`` or ``"rescale"``.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, received {kind!r}.")
    if activation not in ("relu", "tanh", "sigmoid", "linear"):
        raise ValueError(f"Unknown activation {activation!r}; expected relu, tanh, sigmoid or linear.")
    if kind == "permutation":
        return (f"Permuting hidden units, with their incoming and outgoing weights, only relabels them: "
                f"exact for every activation, {activation} included (M! orderings).")
    if kind == "sign_flip":
        if activation in ODD_ACTIVATIONS:
            return (f"{activation} is odd, f(-a) = -f(a): negating a unit's incoming weights and bias "
                    f"negates its output, and negating its outgoing weights undoes that (2^M sign patterns).")
        if activation == "relu":
            return ("relu is not odd: relu(-a) = max(-a, 0), not -relu(a) = -max(a, 0). A flipped unit "
                    "passes exactly the inputs it used to block, so the function changes. ReLU's symmetry "
                    "is positive rescaling instead: relu(c·a) = c·relu(a) for c > 0.")
        return ("sigmoid is not odd: sigmoid(-a) = 1 - sigmoid(a). A sign flip is exact only if the next "
                "layer's bias also absorbs the flipped units' outgoing weights (b += w).")
    if activation in POSITIVELY_HOMOGENEOUS_ACTIVATIONS:
        return (f"{activation} is positively homogeneous, f(c·a) = c·f(a) for c > 0: scaling a unit's "
                f"incoming weights and bias by c and its outgoing weights by 1/c leaves the function unchanged.")
    return (f"{activation} is not positively homogeneous ({activation}(c·a) ≠ c·{activation}(a)): "
            f"rescaling a unit changes the function.")
