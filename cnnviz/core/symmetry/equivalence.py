"""Which weight vectors compute the same function, how many there are, and why (report §1.1).

For a hidden layer of ``M`` units followed by another weighted layer, permuting the units keeps
the function for every activation (``M!`` orderings). Sign flips keep it for odd activations
(``tanh``, ``linear``; ``sigmoid`` with the next bias adjusted): ``M! · 2**M`` weight vectors.
ReLU is not odd but positively homogeneous, so its units rescale by any ``c > 0`` instead, a
continuous family. :class:`WeightSymmetries` says how many weight vectors are equivalent for an
activation, :func:`symmetry_count_text` and :func:`factorial_text` write the counts however large,
and :func:`explain` says why a kind of transform is, or is not, a symmetry. Counting only; the
transforms themselves are in :mod:`cnnviz.core.symmetry.transforms`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cnnviz.core.checks import is_int

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
