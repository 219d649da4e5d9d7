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

One module per part: :mod:`.equivalence` (which weight vectors are equivalent for an activation,
how many, and why) and :mod:`.transforms` (permuting, flipping and rescaling a layer's units in
the weights). The names below are the package's public face.
"""

from cnnviz.core.symmetry.equivalence import (
    EXACT_DIGITS,
    KINDS,
    KNOWN_ACTIVATIONS,
    ODD_ACTIVATIONS,
    POSITIVELY_HOMOGENEOUS_ACTIVATIONS,
    WeightSymmetries,
    explain,
    factorial_text,
    symmetry_count,
    symmetry_count_text,
)
from cnnviz.core.symmetry.transforms import flip_signs, permute_hidden_units, rescale_units

__all__ = [
    "EXACT_DIGITS", "KINDS", "KNOWN_ACTIVATIONS", "ODD_ACTIVATIONS", "POSITIVELY_HOMOGENEOUS_ACTIVATIONS",
    "WeightSymmetries", "explain", "factorial_text", "flip_signs", "permute_hidden_units", "rescale_units",
    "symmetry_count", "symmetry_count_text",
]
