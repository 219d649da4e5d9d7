"""Weight-space symmetries checked on a model's predictions (report §1.1).

:func:`symmetry` transforms one hidden layer's weights (a random permutation of its units, sign
flips, positive rescaling, or a permutation with sign flips;
:mod:`cnnviz.core.symmetry` holds the transforms and the counting) and measures how much the
predictions on test images change (:func:`check_symmetry`). The engine's weights are restored
afterwards, also on error. :class:`SymmetryResult` says whether the transform kept the function,
with the value observed and the tolerance it is judged against, and why the activation allows
it or not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cnnviz.core.symmetry import (
    ODD_ACTIVATIONS,
    WeightSymmetries,
    explain,
    flip_signs,
    permute_hidden_units,
    rescale_units,
)
from cnnviz.science.checks import check_layer, integer, layer_specs, weighted_spec
from cnnviz.science.data import load_test_split

if TYPE_CHECKING:
    from cnnviz.core.results import Weights
    from cnnviz.engines.base import Engine

SYMMETRY_TOLERANCE = 1e-4
"""A probability change at most this large counts as "unchanged" (float32 rounding)."""
TRANSFORMS = ("permutation", "sign_flip", "rescale", "permutation_sign_flip")
"""The weight transforms :func:`symmetry` checks."""
RESCALE_RANGE = (0.25, 4.0)
"""Positive rescaling draws each unit's factor log-uniformly from this range."""


@dataclass(frozen=True)
class SymmetryCheck:
    """How much a weight transform changed a network's predictions.

    Attributes
    ----------
    max_abs_difference_in_probabilities : float
        Largest change of any class probability over the images.
    argmax_agreement : float
        Fraction of images whose predicted class did not change.
    num_images : int
    """

    max_abs_difference_in_probabilities: float
    argmax_agreement: float
    num_images: int


def check_symmetry(engine: Engine, images: np.ndarray, transform: Callable[[Weights], Weights]) -> SymmetryCheck:
    """Predict with transformed weights and compare with the engine's own predictions.

    The engine's weights are restored afterwards, also when the transform or the prediction fails.

    Parameters
    ----------
    engine : Engine
        Any engine (``get_weights``, ``set_weights``, ``predict``).
    images : ndarray, shape (n, h, w, c)
    transform : callable
        Takes the weights (a copy) and returns the transformed weights, e.g.
        ``lambda w: permute_hidden_units(w, "dense", order, engine.layer_names())``.

    Returns
    -------
    SymmetryCheck
    """
    original = engine.get_weights()
    before = np.asarray(engine.predict(images), dtype=np.float64)
    try:
        engine.set_weights(transform(_copied(original)))
        after = np.asarray(engine.predict(images), dtype=np.float64)
    finally:
        engine.set_weights(original)
    difference = float(np.abs(after - before).max()) if before.size else 0.0
    agreement = float((after.argmax(axis=1) == before.argmax(axis=1)).mean()) if len(before) else 1.0
    return SymmetryCheck(difference, agreement, len(before))


def _copied(weights: Weights) -> Weights:
    """A deep copy of the exchange form, so a transform never touches the engine's arrays."""
    return {layer: {name: np.array(value, copy=True) for name, value in params.items()}
            for layer, params in weights.items()}


@dataclass(frozen=True)
class SymmetryResult:
    """A weight transform of one hidden layer, checked on the predictions of test images.

    Attributes
    ----------
    layer, next_layer : str
        The hidden layer and the weighted layer its outgoing weights belong to.
    transform : str
        One of :data:`TRANSFORMS`.
    description : str
        What was done, e.g. ``"random permutation of all 128 units"``.
    activation : str
        The hidden layer's activation.
    num_units : int
        ``M``.
    unit_name : str
        ``"units"`` (dense) or ``"filters"`` (conv2d).
    symmetries : WeightSymmetries
        How many weight vectors are equivalent for this activation and layer
        (:class:`cnnviz.core.symmetry.WeightSymmetries`).
    explanation : str
        Why this transform is, or is not, a symmetry for the activation.
    note : str
        A caveat about the layers in between (max pooling and sign flips), or ``""``.
    check : SymmetryCheck
        Largest probability change, fraction of predictions kept, number of images.
    dataset : str
    seed : int
        Seed of the random permutation, signs and factors.
    tolerance : float
        The largest probability change still counted as unchanged.
    images_requested : int or None
        How many test images were asked for (the split may hold fewer: then all of them are used).
    """

    layer: str
    next_layer: str
    transform: str
    description: str
    activation: str
    num_units: int
    unit_name: str
    symmetries: WeightSymmetries
    explanation: str
    note: str
    check: SymmetryCheck
    dataset: str
    seed: int
    tolerance: float = SYMMETRY_TOLERANCE
    images_requested: int | None = None

    @property
    def max_abs_difference(self) -> float:
        """Largest change of any class probability over the test images."""
        return self.check.max_abs_difference_in_probabilities

    @property
    def argmax_agreement(self) -> float:
        """Fraction of test images whose predicted class did not change."""
        return self.check.argmax_agreement

    @property
    def num_images(self) -> int:
        return self.check.num_images

    @property
    def images_note(self) -> str:
        """``"using the first 2,000 of 5,000 test images asked for: mnist-sample has 2,000"`` when the
        split held fewer than asked for, else ``""``."""
        if self.images_requested is None or self.images_requested <= self.num_images:
            return ""
        return (f"using the first {self.num_images:,} of {self.images_requested:,} test images asked for: "
                f"{self.dataset} has {self.num_images:,}")

    @property
    def is_symmetry(self) -> bool:
        """Whether no probability changed by more than ``tolerance``."""
        return self.max_abs_difference <= self.tolerance

    @property
    def count_text(self) -> str:
        """The exact finite count, ``"128! = 3.86×10^215"`` for relu, ``"6!·2^6 = 46,080"`` for tanh."""
        return self.symmetries.count_text

    def verdict_text(self) -> str:
        """``"unchanged: a symmetry (max |Δp| 4.8e-07 ≤ 1e-04)"``: the verdict with the observed value
        and the tolerance it is judged against."""
        if self.is_symmetry:
            return f"unchanged: a symmetry (max |Δp| {self.max_abs_difference:.2g} ≤ {self.tolerance:.0e})"
        return f"changed: not a symmetry (max |Δp| {self.max_abs_difference:.2g} > {self.tolerance:.0e})"


def random_transforms(num_units: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The random permutation, flipped units and rescaling factors :func:`symmetry` uses.

    Drawn in this order from ``numpy.random.default_rng(seed)``, so one seed always gives the
    same transforms whichever of them is checked.

    Returns
    -------
    permutation : ndarray, shape (M,)
    flipped : ndarray, shape (k,)
        About half of the units, at least one.
    factors : ndarray, shape (M,)
        Log-uniform in :data:`RESCALE_RANGE`.
    """
    rng = np.random.default_rng(seed)
    permutation = rng.permutation(num_units)
    flipped = np.flatnonzero(rng.random(num_units) < 0.5)
    if len(flipped) == 0:
        flipped = np.array([0])
    low, high = RESCALE_RANGE
    factors = np.exp(rng.uniform(np.log(low), np.log(high), num_units))
    return permutation, flipped, factors


UNIT_CHANGING_KINDS = ("batch_normalization", "activation")
"""Layers that change each unit on its own way to the next weighted layer, which no symmetry here models."""


def symmetry(engine: Engine, layer: str | None = None, transform: str = "permutation", samples: int = 1000,
             seed: int = 0, dataset: str | None = None, data_dir: str | None = None) -> SymmetryResult:
    """Transform a hidden layer's weights and measure how much the predictions change.

    The engine's weights are restored afterwards (:func:`check_symmetry`).

    Parameters
    ----------
    engine : Engine
    layer : str, optional
        A dense (or conv2d) layer followed by another weighted layer (default: the first hidden
        dense layer).
    transform : str, default "permutation"
        ``"permutation"`` (all units, randomly), ``"sign_flip"`` (about half the units),
        ``"rescale"`` (every unit by a factor in :data:`RESCALE_RANGE`) or
        ``"permutation_sign_flip"`` (both at once).
    samples : int, default 1000
        Test images to compare predictions on.
    seed : int, default 0
        Seed of the random transforms (:func:`random_transforms`).
    dataset, data_dir : str, optional
        As in :func:`cnnviz.science.data.load_test_split`.

    Returns
    -------
    SymmetryResult
    """
    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {', '.join(TRANSFORMS)}; received {transform!r}.")
    seed = integer(seed, "seed")
    specs = layer_specs(engine, "checking symmetries")
    names = engine.layer_names()
    weights = engine.get_weights()
    weighted = [name for name in names if specs[name].kind in ("dense", "conv2d")]
    # A unit's symmetry follows from its own activation, so nothing between it and the next weighted
    # layer may transform it per unit (batch normalization) or apply another activation.
    blocked = {name: [between for between in names[names.index(name) + 1:names.index(following)]
                      if specs[between].kind in UNIT_CHANGING_KINDS]
               for name, following in zip(weighted, weighted[1:])}
    hidden = [name for name in weighted[:-1] if not blocked[name]]
    if layer is None:
        dense = [name for name in hidden if specs[name].kind == "dense"]
        if not dense:
            raise ValueError(f"This model has no hidden dense layer (one followed by another dense layer); "
                             f"name a layer (hidden layers: {', '.join(hidden) or 'none'}).")
        layer = dense[0]
    else:
        check_layer(layer, specs, ("dense", "conv2d"), "choose a dense or conv2d layer")
        if blocked.get(layer):
            raise ValueError(f"Layer {layer!r} is followed by {', '.join(blocked[layer])} before the next weighted "
                             f"layer; the symmetries checked here hold for units that reach it through pooling, "
                             f"dropout or flatten alone. Choose one of: {', '.join(hidden) or 'none'}.")
        if layer not in hidden:
            raise ValueError(f"Layer {layer!r} is the output layer; its units are not hidden. Hidden layers: "
                             f"{', '.join(hidden) or 'none'}.")
    activation = weighted_spec(specs, layer).activation
    next_layer = weighted[weighted.index(layer) + 1]
    num_units = int(weights[layer]["kernel"].shape[-1])
    unit_name = "filters" if specs[layer].kind == "conv2d" else "units"
    split = load_test_split(engine, samples, dataset=dataset, data_dir=data_dir)
    permutation, flipped, factors = random_transforms(num_units, seed)
    low, high = RESCALE_RANGE
    transforms = {
        "permutation": (f"random permutation of all {num_units} {unit_name}",
                        lambda w: permute_hidden_units(w, layer, permutation, names)),
        "sign_flip": (f"sign flip of {len(flipped)} {unit_name}",
                      lambda w: flip_signs(w, layer, flipped, names)),
        "rescale": (f"positive rescaling of all {num_units} {unit_name} (factors {_fraction(low)} to "
                    f"{_fraction(high)})",
                    lambda w: rescale_units(w, layer, np.arange(num_units), factors, names)),
        "permutation_sign_flip": ("permutation and sign flips together",
                                  lambda w: flip_signs(permute_hidden_units(w, layer, permutation, names),
                                                       layer, flipped, names)),
    }
    description, function = transforms[transform]
    check = check_symmetry(engine, split.images, function)
    between = names[names.index(layer) + 1:names.index(next_layer)]
    pooled = any(specs[name].kind in ("max_pooling2d", "global_max_pooling2d") for name in between)
    note = ""
    if transform in ("sign_flip", "permutation_sign_flip") and activation in ODD_ACTIVATIONS and pooled:
        note = ("max pooling lies between, and max(-a) ≠ -max(a): sign flips are not exact here even "
                "though the activation is odd")
    try:
        explanation = explain(activation, "sign_flip" if transform == "permutation_sign_flip" else transform)
    except ValueError:
        explanation = f"No rule is known for the {activation} activation; the numbers say what happened."
    return SymmetryResult(
        layer=layer, next_layer=next_layer, transform=transform, description=description,
        activation=activation, num_units=num_units, unit_name=unit_name,
        symmetries=WeightSymmetries(activation, num_units, pooled), explanation=explanation, note=note, check=check,
        dataset=split.dataset, seed=seed, images_requested=int(samples),
    )


def _fraction(value: float) -> str:
    """``0.25`` as ``"1/4"``, whole numbers as they are."""
    return f"1/{round(1 / value)}" if value < 1 else f"{value:g}"
