"""The report's experiments run on an engine: spectra, symmetries, backprop as a flipped
convolution, dead filters and pruning.

Each analysis is a function of an engine (any engine that follows the contract in
:mod:`cnnviz.engines.base`) and a few keyword parameters; it gathers what it needs from the
engine and the test split of the model's dataset, calls the mathematics in :mod:`cnnviz.core`
and returns a frozen dataclass whose arrays are read-only, so the result can cross threads.
The model service's worker runs them (``ModelService.run_science`` → :func:`run`) and so does
the command line (:mod:`cnnviz.cli_science`), so the orchestration lives here once.

============================  ==========================================  ======================
``run`` kind                  what                                        report
============================  ==========================================  ======================
``"similarity_matrix"``       class-by-class similarity of one filter's    §5.1
                              feature-map spectra (:func:`similarity_matrix`)
``"compare_pair"``            one filter's maps and spectra for two        §5.1
                              inputs (:func:`compare_pair`)
``"symmetry"``                a weight-space symmetry checked on           §1.1
                              predictions (:func:`symmetry`)
``"dead_filters"``            near-zero and never-active filters           §5.2
                              (:func:`dead_filters`)
``"prune"``                   zero filters, accuracy before and after      §5.2
                              (:func:`prune`; changes the weights with ``keep=True``)
``"flip"``                    backprop through a convolution as a          §4.3
                              flipped-kernel convolution (:func:`flip`)
============================  ==========================================  ======================

Bad parameters raise ``ValueError`` with a message that says what was received and what was
expected. No Qt here.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from cnnviz.core.backprop import FlipComparison, compare_flip
from cnnviz.core.pruning import DeadFilterReport, max_abs_activation, prune_filters
from cnnviz.core.pruning import dead_filters as find_dead_filters
from cnnviz.core.results import frozen
from cnnviz.core.spectra import (class_similarity_matrix, log_spectrum_similarity, low_frequency_fraction,
                                 magnitude_spectrum, radial_profile, similarity_matrix_csv)
from cnnviz.core.symmetry import (ODD_ACTIVATIONS, SymmetryCheck, check_symmetry, explain, flip_signs,
                                  permute_hidden_units, rescale_units, symmetry_count_text)

DEFAULT_DATASET = "mnist-sample"
"""The dataset used when the model's configuration names none (a model made elsewhere)."""
BATCH_SIZE = 256
"""Images per engine call when feature maps of many images are gathered."""
SYMMETRY_TOLERANCE = 1e-4
"""A probability change at most this large counts as "unchanged" (float32 rounding)."""
TRANSFORMS = ("permutation", "sign_flip", "rescale", "permutation_sign_flip")
"""The weight transforms :func:`symmetry` checks."""
RESCALE_RANGE = (0.25, 4.0)
"""Positive rescaling draws each unit's factor log-uniformly from this range."""

CHANGES_WEIGHTS = {"prune": True}
"""Analyses that change the engine's weights when called with ``keep=True``."""


# -- results ---------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class TestSplit:
    """The test split of a dataset, ready for a model.

    Attributes
    ----------
    images : ndarray, shape (n, h, w, c), float32, read-only
    labels : ndarray, shape (n,), int64, read-only
    class_names : tuple of str
    dataset : str
    """

    __test__ = False  # not a pytest test class, despite its name

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    dataset: str


@dataclass(frozen=True, eq=False)
class SimilarityMatrix:
    """Mean log-spectrum similarity of one filter's feature maps between every pair of classes.

    Attributes
    ----------
    matrix : ndarray, shape (K, K), float64, read-only
        Exactly symmetric; NaN where no pair of non-zero maps was left (see
        :func:`cnnviz.core.spectra.class_similarity_matrix`).
    class_names : tuple of str
        The K classes present in the test split, in label order.
    layer : str
    filter_index : int
    samples_per_class : int
        The most test images used per class (fewer where a class has fewer).
    exclude_dc : bool
        Whether the zero frequency was left out of the spectra.
    dataset : str
    map_shape : (int, int)
        The feature maps' ``(h, w)``.
    csv : str
        The matrix as CSV text (:func:`cnnviz.core.spectra.similarity_matrix_csv`).
    """

    matrix: np.ndarray
    class_names: tuple[str, ...]
    layer: str
    filter_index: int
    samples_per_class: int
    exclude_dc: bool
    dataset: str
    map_shape: tuple[int, int]
    csv: str

    @property
    def is_empty(self) -> bool:
        """Whether every entry is NaN: every map was zero (a dead filter), no spectrum to compare."""
        return bool(np.isnan(self.matrix).all())

    @property
    def same_class_mean(self) -> float:
        """Mean of the diagonal (NaN entries left out; NaN if all are)."""
        diagonal = np.diag(self.matrix)
        return float(np.nanmean(diagonal)) if not np.isnan(diagonal).all() else float("nan")

    @property
    def different_class_mean(self) -> float:
        """Mean of the off-diagonal entries (NaN entries left out; NaN if all are)."""
        values = self.matrix[~np.eye(len(self.matrix), dtype=bool)]
        return float(np.nanmean(values)) if values.size and not np.isnan(values).all() else float("nan")

    def _extreme_pair(self, pick) -> tuple[int, int, float] | None:
        masked = np.where(~np.eye(len(self.matrix), dtype=bool), self.matrix, np.nan)
        if np.isnan(masked).all():
            return None
        row, col = np.unravel_index(pick(masked), masked.shape)
        return int(row), int(col), float(self.matrix[row, col])

    @property
    def most_alike(self) -> tuple[int, int, float] | None:
        """``(i, j, similarity)`` of the most similar pair of different classes, or None."""
        return self._extreme_pair(np.nanargmax)

    @property
    def least_alike(self) -> tuple[int, int, float] | None:
        """``(i, j, similarity)`` of the least similar pair of different classes, or None."""
        return self._extreme_pair(np.nanargmin)


@dataclass(frozen=True, eq=False)
class PairComparison:
    """One filter's feature maps for two inputs, their spectra and how alike they are.

    Attributes
    ----------
    layer : str
    filter_index : int
    image_a, image_b : ndarray, shape (h, w, c), float32, read-only
        The two inputs.
    map_a, map_b : ndarray, shape (mh, mw), float32, read-only
        The filter's feature map for each input.
    spectrum_a, spectrum_b : ndarray, shape (mh, mw), float32, read-only
        ``log(1 + |F|)`` of each map, zero frequency at ``(mh // 2, mw // 2)``
        (:func:`cnnviz.core.spectra.magnitude_spectrum`).
    similarity : float
        Cosine similarity of the log spectra, in [0, 1]; NaN when a map is all zero.
    exclude_dc : bool
        Whether the zero frequency was left out of ``similarity``.
    frequencies : ndarray, shape (bands,), read-only
        Centre of each radial band, cycles per pixel.
    profile_a, profile_b : ndarray, shape (bands,), read-only
        Fraction of each map's power ``|F|**2`` in each band (they sum to 1; zeros for a zero map).
    cutoff : float
        The low-frequency limit, cycles per pixel.
    low_frequency_a, low_frequency_b : float
        Fraction of each map's power at radial frequencies up to ``cutoff``.
    low_frequency_ac_a, low_frequency_ac_b : float
        The same without the zero frequency (the map's mean).
    """

    layer: str
    filter_index: int
    image_a: np.ndarray
    image_b: np.ndarray
    map_a: np.ndarray
    map_b: np.ndarray
    spectrum_a: np.ndarray
    spectrum_b: np.ndarray
    similarity: float
    exclude_dc: bool
    frequencies: np.ndarray
    profile_a: np.ndarray
    profile_b: np.ndarray
    cutoff: float
    low_frequency_a: float
    low_frequency_b: float
    low_frequency_ac_a: float
    low_frequency_ac_b: float


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
    count_text : str
        ``M! · 2^M`` as text (:func:`cnnviz.core.symmetry.symmetry_count_text`).
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
    """

    layer: str
    next_layer: str
    transform: str
    description: str
    activation: str
    num_units: int
    unit_name: str
    count_text: str
    explanation: str
    note: str
    check: SymmetryCheck
    dataset: str
    seed: int
    tolerance: float = SYMMETRY_TOLERANCE

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
    def is_symmetry(self) -> bool:
        """Whether no probability changed by more than ``tolerance``."""
        return self.max_abs_difference <= self.tolerance


@dataclass(frozen=True)
class LayerDeadFilters:
    """The dead-filter report of one layer (``kind`` ``"conv2d"`` or ``"dense"``)."""

    layer: str
    kind: str
    report: DeadFilterReport

    @property
    def unit_name(self) -> str:
        """``"filters"`` for a convolution, ``"units"`` for a dense layer."""
        return "filters" if self.kind == "conv2d" else "units"


@dataclass(frozen=True)
class DeadFiltersResult:
    """Near-zero and never-active filters of one or more layers.

    Attributes
    ----------
    layers : tuple of LayerDeadFilters
        In network order. Each report's arrays are read-only.
    num_images : int
        Test images the activity was measured on.
    dataset : str
    kernel_tolerance, activity_tolerance : float
    """

    layers: tuple[LayerDeadFilters, ...]
    num_images: int
    dataset: str
    kernel_tolerance: float
    activity_tolerance: float

    def report(self, layer: str) -> DeadFilterReport:
        """The report of ``layer``."""
        for entry in self.layers:
            if entry.layer == layer:
                return entry.report
        raise ValueError(f"No report for layer {layer!r}; reported layers: "
                         f"{', '.join(entry.layer for entry in self.layers)}.")

    @property
    def dead(self) -> dict[str, tuple[int, ...]]:
        """``{layer: dead filter indices}`` (a new dictionary each time)."""
        return {entry.layer: entry.report.dead for entry in self.layers}


@dataclass(frozen=True)
class PruneResult:
    """Filters zeroed, and the test accuracy before and after.

    Attributes
    ----------
    pruned : tuple of (str, tuple of int)
        Each layer and the filters zeroed in it, in network order (layers with nothing to prune
        included, with an empty tuple).
    accuracy_before, accuracy_after : float
    kept : bool
        Whether the engine keeps the pruned weights (otherwise they were restored).
    num_images : int
    dataset : str
    """

    pruned: tuple[tuple[str, tuple[int, ...]], ...]
    accuracy_before: float
    accuracy_after: float
    kept: bool
    num_images: int
    dataset: str

    @property
    def num_pruned(self) -> int:
        """How many filters were zeroed in all."""
        return sum(len(indices) for _, indices in self.pruned)


@dataclass(frozen=True, eq=False)
class FlipResult:
    """Backprop through a convolution recomputed as a convolution with the flipped kernel.

    Attributes
    ----------
    layer : str
    input_name : str
        ``"the input image"`` or ``"the output of <previous layer>"``.
    kernel_size, strides : (int, int)
    filters : int
    padding, activation : str
    target : str
        The gradient's target (``"loss"`` or ``"class:K"``).
    largest_engine_gradient : float
        The largest ``|engine gradient|`` with respect to the layer's input.
    comparison : FlipComparison
        Every array of the check, read-only (:func:`cnnviz.core.backprop.compare_flip`).
    """

    layer: str
    input_name: str
    kernel_size: tuple[int, int]
    strides: tuple[int, int]
    filters: int
    padding: str
    activation: str
    target: str
    largest_engine_gradient: float
    comparison: FlipComparison


# -- shared helpers --------------------------------------------------------------------------------

def _read_only(array) -> np.ndarray:
    """A read-only copy (never a view of an engine's buffer)."""
    return frozen(np.array(array, copy=True))


def _specs(engine, what: str) -> dict:
    """``{layer name: layer spec}`` from the engine's configuration, or a ValueError."""
    config = getattr(engine, "config", None)
    if config is None:
        raise ValueError(f"This model has no cnnviz configuration (a .keras model made elsewhere); {what} "
                         "needs each layer's settings. Open a model saved by cnnviz, or build one.")
    return dict(zip(config.layer_names(), config.layers))


def _check_layer(name, specs: dict, kinds: tuple[str, ...], what: str) -> str:
    if not isinstance(name, str):
        raise ValueError(f"layer must be a layer name (a string), received {name!r}.")
    if name not in specs:
        raise ValueError(f"There is no layer {name!r}; the layers are {', '.join(specs)}.")
    if specs[name].kind not in kinds:
        raise ValueError(f"Layer {name!r} is a {specs[name].kind} layer; {what}.")
    return name


def _integer(value, what: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{what} must be an integer, received {value!r}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{what} must be at least {minimum}, received {value}.")
    return int(value)


def _dataset_name(engine, dataset: str | None) -> str:
    if dataset is not None:
        return dataset
    config = getattr(engine, "config", None)
    return config.training.dataset if config is not None else DEFAULT_DATASET


def load_test_split(engine, count: int | None = None, dataset: str | None = None,
                    data_dir: str | None = None) -> TestSplit:
    """The first ``count`` test images of the model's dataset, ready for the model.

    Parameters
    ----------
    engine : Engine
    count : int, optional
        How many images, from the start of the split (all by default; more than the split holds
        takes them all).
    dataset : str, optional
        A dataset name; by default the one the model's configuration names
        (:data:`DEFAULT_DATASET` for a model without one).
    data_dir : str, optional
        Where MNIST or Fashion-MNIST files are (see :func:`cnnviz.core.datasets.load_dataset`).

    Returns
    -------
    TestSplit

    Raises
    ------
    ValueError
        For a count below 1, a dataset that cannot be found, or images the model cannot take.
    """
    from cnnviz.core.datasets import load_dataset
    from cnnviz.core.preprocessing import preprocess_batch

    name = _dataset_name(engine, dataset)
    if count is not None:
        count = _integer(count, "The number of test images")
        if count < 1:
            raise ValueError(f"The number of test images must be at least 1, received {count}.")
    config = getattr(engine, "config", None)
    seed = config.training.seed if config is not None else 0
    loaded = load_dataset(name, "test", seed=seed, data_dir=data_dir)
    images = loaded.images if count is None else loaded.images[:count]
    labels = loaded.labels if count is None else loaded.labels[:count]
    batch = preprocess_batch(images)
    if config is not None and batch.shape[1:] != tuple(config.input_shape):
        raise ValueError(f"The model takes inputs of shape {tuple(config.input_shape)} but its dataset "
                         f"{name!r} gives {batch.shape[1:]}.")
    return TestSplit(frozen(batch), frozen(labels.astype(np.int64)), tuple(loaded.class_names), name)


def layer_maps(engine, images: np.ndarray, layer: str, batch_size: int = BATCH_SIZE) -> np.ndarray:
    """One layer's outputs for many images, computed ``batch_size`` images at a time.

    Returns
    -------
    ndarray, shape (n, ...) : the layer's output for every image.
    """
    return np.concatenate([np.asarray(engine.feature_maps(images[start:start + batch_size])[layer])
                           for start in range(0, len(images), batch_size)])


def _output_shapes(engine, maps: dict) -> dict[str, tuple[int, ...]]:
    """Every layer's output shape without the batch axis, from one call's feature maps."""
    return {name: tuple(np.shape(maps[name])[1:]) for name in engine.layer_names() if name in maps}


def _spatial_layer(engine, shapes: dict[str, tuple[int, ...]], layer) -> str:
    """``layer`` checked to give feature maps ``(h, w, c)``; by default the first convolution."""
    spatial = [name for name, shape in shapes.items() if len(shape) == 3]
    if not spatial:
        raise ValueError("This model has no layer with feature maps (every layer gives vectors).")
    if layer is None:
        config = getattr(engine, "config", None)
        convolutions = ([name for name, spec in zip(config.layer_names(), config.layers) if spec.kind == "conv2d"]
                        if config is not None else [])
        return convolutions[0] if convolutions else spatial[0]
    if not isinstance(layer, str):
        raise ValueError(f"layer must be a layer name (a string), received {layer!r}.")
    if layer not in shapes:
        raise ValueError(f"There is no layer {layer!r}; the layers are {', '.join(shapes)}.")
    if layer not in spatial:
        raise ValueError(f"Layer {layer!r} gives vectors of shape {shapes[layer]}, not feature maps; choose "
                         f"one of {', '.join(spatial)}.")
    return layer


def _filter(filter_index, layer: str, num_filters: int) -> int:
    if isinstance(filter_index, bool) or not isinstance(filter_index, (int, np.integer)) \
            or not 0 <= filter_index < num_filters:
        raise ValueError(f"Layer {layer!r} has {num_filters} filters, numbered 0 to {num_filters - 1}; "
                         f"filter {filter_index!r} does not exist. Choose one of those.")
    return int(filter_index)


def _one_image(image, what: str, engine) -> np.ndarray:
    """``image`` as a float32 batch of one, ``(1, h, w, c)``, checked."""
    if image is None:
        raise ValueError(f"{what} is missing: give one input image of shape (1, height, width, channels).")
    array = np.asarray(image)
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[0] != 1 or 0 in array.shape:
        raise ValueError(f"{what} must be one image of shape (1, height, width, channels), received an array "
                         f"of shape {array.shape}.")
    if not np.issubdtype(array.dtype, np.number) or not np.isfinite(array).all():
        raise ValueError(f"{what} must hold finite numbers.")
    config = getattr(engine, "config", None)
    if config is not None and array.shape[1:] != tuple(config.input_shape):
        raise ValueError(f"{what} has shape {array.shape[1:]}, but the model takes inputs of shape "
                         f"{tuple(config.input_shape)}.")
    return array.astype(np.float32)


# -- spectra (report §5.1) -------------------------------------------------------------------------

def similarity_matrix(engine, layer: str | None = None, filter_index: int = 0, samples_per_class: int = 20,
                      exclude_dc: bool = False, dataset: str | None = None,
                      data_dir: str | None = None) -> SimilarityMatrix:
    """How alike one filter's feature-map spectra are between every pair of classes.

    The first ``samples_per_class`` test images of each class go through the model; their maps
    for filter ``filter_index`` of ``layer`` are compared with
    :func:`cnnviz.core.spectra.class_similarity_matrix`.

    Parameters
    ----------
    engine : Engine
    layer : str, optional
        A layer with feature maps (default: the first convolution).
    filter_index : int, default 0
    samples_per_class : int, default 20
    exclude_dc : bool, default False
        Leave the zero frequency out of the spectra.
    dataset, data_dir : str, optional
        As in :func:`load_test_split`.

    Returns
    -------
    SimilarityMatrix
    """
    samples_per_class = _integer(samples_per_class, "samples_per_class", minimum=1)
    split = load_test_split(engine, dataset=dataset, data_dir=data_dir)
    shapes = _output_shapes(engine, engine.feature_maps(split.images[:1]))
    layer = _spatial_layer(engine, shapes, layer)
    filter_index = _filter(filter_index, layer, shapes[layer][-1])
    classes = [index for index in range(len(split.class_names)) if np.any(split.labels == index)]
    chosen = {index: np.flatnonzero(split.labels == index)[:samples_per_class] for index in classes}
    order = np.concatenate(list(chosen.values()))
    maps = layer_maps(engine, split.images[order], layer)[..., filter_index]
    by_class, start = {}, 0
    for index in classes:
        by_class[index] = maps[start:start + len(chosen[index])]
        start += len(chosen[index])
    matrix = class_similarity_matrix(by_class, exclude_dc=bool(exclude_dc))
    names = tuple(split.class_names[index] for index in classes)
    return SimilarityMatrix(
        matrix=_read_only(matrix), class_names=names, layer=layer, filter_index=filter_index,
        samples_per_class=samples_per_class, exclude_dc=bool(exclude_dc), dataset=split.dataset,
        map_shape=(int(maps.shape[1]), int(maps.shape[2])), csv=similarity_matrix_csv(matrix, names),
    )


def compare_pair(engine, layer: str | None = None, filter_index: int = 0, image_a=None, image_b=None,
                 exclude_dc: bool = False, cutoff: float = 0.25) -> PairComparison:
    """One filter's feature maps for two inputs, their log spectra, similarity and radial profiles.

    Parameters
    ----------
    engine : Engine
    layer : str, optional
        A layer with feature maps (default: the first convolution).
    filter_index : int, default 0
    image_a, image_b : ndarray, shape (1, h, w, c)
        The two inputs, as the model takes them.
    exclude_dc : bool, default False
        Leave the zero frequency out of the similarity.
    cutoff : float, default 0.25
        Low-frequency limit in cycles per pixel.

    Returns
    -------
    PairComparison
    """
    first = _one_image(image_a, "image_a", engine)
    second = _one_image(image_b, "image_b", engine)
    if first.shape != second.shape:
        raise ValueError(f"image_a and image_b must have the same shape, received {first.shape} and "
                         f"{second.shape}.")
    maps = engine.feature_maps(np.concatenate([first, second]))
    shapes = _output_shapes(engine, maps)
    layer = _spatial_layer(engine, shapes, layer)
    filter_index = _filter(filter_index, layer, shapes[layer][-1])
    outputs = np.asarray(maps[layer], dtype=np.float32)[..., filter_index]
    map_a, map_b = outputs[0], outputs[1]
    frequencies, profile_a = radial_profile(map_a)
    _, profile_b = radial_profile(map_b)
    return PairComparison(
        layer=layer, filter_index=filter_index,
        image_a=_read_only(first[0]), image_b=_read_only(second[0]),
        map_a=_read_only(map_a), map_b=_read_only(map_b),
        spectrum_a=_read_only(magnitude_spectrum(map_a)[:, :, 0]),
        spectrum_b=_read_only(magnitude_spectrum(map_b)[:, :, 0]),
        similarity=log_spectrum_similarity(map_a, map_b, exclude_dc=bool(exclude_dc)),
        exclude_dc=bool(exclude_dc), frequencies=_read_only(frequencies),
        profile_a=_read_only(profile_a), profile_b=_read_only(profile_b), cutoff=float(cutoff),
        low_frequency_a=low_frequency_fraction(map_a, cutoff=cutoff),
        low_frequency_b=low_frequency_fraction(map_b, cutoff=cutoff),
        low_frequency_ac_a=low_frequency_fraction(map_a, cutoff=cutoff, exclude_dc=True),
        low_frequency_ac_b=low_frequency_fraction(map_b, cutoff=cutoff, exclude_dc=True),
    )


# -- weight-space symmetries (report §1.1) ---------------------------------------------------------

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


def symmetry(engine, layer: str | None = None, transform: str = "permutation", samples: int = 1000,
             seed: int = 0, dataset: str | None = None, data_dir: str | None = None) -> SymmetryResult:
    """Transform a hidden layer's weights and measure how much the predictions change.

    The engine's weights are restored afterwards (:func:`cnnviz.core.symmetry.check_symmetry`).

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
        As in :func:`load_test_split`.

    Returns
    -------
    SymmetryResult
    """
    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {', '.join(TRANSFORMS)}; received {transform!r}.")
    seed = _integer(seed, "seed")
    specs = _specs(engine, "checking symmetries")
    names = engine.layer_names()
    weights = engine.get_weights()
    weighted = [name for name in names if name in weights]
    hidden = [name for name in weighted[:-1] if specs[name].kind in ("dense", "conv2d")]
    if layer is None:
        dense = [name for name in hidden if specs[name].kind == "dense"]
        if not dense:
            raise ValueError(f"This model has no hidden dense layer (one followed by another dense layer); "
                             f"name a layer (hidden layers: {', '.join(hidden) or 'none'}).")
        layer = dense[0]
    else:
        _check_layer(layer, specs, ("dense", "conv2d"), "choose a dense or conv2d layer")
        if layer not in hidden:
            raise ValueError(f"Layer {layer!r} is the output layer; its units are not hidden. Hidden layers: "
                             f"{', '.join(hidden) or 'none'}.")
    activation = specs[layer].activation
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
    note = ""
    if transform in ("sign_flip", "permutation_sign_flip") and activation in ODD_ACTIVATIONS \
            and any(specs[name].kind == "max_pooling2d" for name in between):
        note = ("max pooling lies between, and max(-a) ≠ -max(a): sign flips are not exact here even "
                "though the activation is odd")
    try:
        explanation = explain(activation, "sign_flip" if transform == "permutation_sign_flip" else transform)
    except ValueError:
        explanation = f"No rule is known for the {activation} activation; the numbers say what happened."
    return SymmetryResult(
        layer=layer, next_layer=next_layer, transform=transform, description=description,
        activation=activation, num_units=num_units, unit_name=unit_name,
        count_text=symmetry_count_text(num_units), explanation=explanation, note=note, check=check,
        dataset=split.dataset, seed=seed,
    )


def _fraction(value: float) -> str:
    """``0.25`` as ``"1/4"``, whole numbers as they are."""
    return f"1/{round(1 / value)}" if value < 1 else f"{value:g}"


# -- dead filters and pruning (report §5.2) --------------------------------------------------------

def dead_filters(engine, layer: str | None = None, samples: int = 1000, kernel_tolerance: float = 1e-3,
                 activity_tolerance: float = 1e-6, dataset: str | None = None,
                 data_dir: str | None = None) -> DeadFiltersResult:
    """Filters with a near-zero kernel, and filters never active on the test images.

    Parameters
    ----------
    engine : Engine
    layer : str, optional
        A conv2d or dense layer (default: every conv2d layer).
    samples : int, default 1000
        Test images to look for activity on.
    kernel_tolerance, activity_tolerance : float
        As in :func:`cnnviz.core.pruning.dead_filters`.
    dataset, data_dir : str, optional
        As in :func:`load_test_split`.

    Returns
    -------
    DeadFiltersResult
    """
    specs = _specs(engine, "finding dead filters")
    names = engine.layer_names()
    if layer is None:
        layers = [name for name in names if specs[name].kind == "conv2d"]
        if not layers:
            raise ValueError("This model has no conv2d layer; name a dense layer to look for dead units.")
    else:
        layers = [_check_layer(layer, specs, ("conv2d", "dense"), "choose a conv2d or dense layer")]
    split = load_test_split(engine, samples, dataset=dataset, data_dir=data_dir)
    weights = engine.get_weights()
    activity: dict[str, np.ndarray | None] = {name: None for name in layers}
    for start in range(0, len(split.images), BATCH_SIZE):
        maps = engine.feature_maps(split.images[start:start + BATCH_SIZE])
        for name in layers:
            batch = max_abs_activation(maps[name])
            activity[name] = batch if activity[name] is None else np.maximum(activity[name], batch)
    entries = []
    for name in layers:
        report = find_dead_filters(weights[name]["kernel"], kernel_tolerance=kernel_tolerance,
                                   activity_tolerance=activity_tolerance, max_activation=activity[name])
        report = replace(report, kernel_norms=_read_only(report.kernel_norms),
                         max_activation=_read_only(report.max_activation))
        entries.append(LayerDeadFilters(name, specs[name].kind, report))
    return DeadFiltersResult(tuple(entries), len(split.images), split.dataset,
                             float(kernel_tolerance), float(activity_tolerance))


def prune(engine, layer: str | None = None, filters: Sequence[int] | Mapping[str, Sequence[int]] = (),
          keep: bool = False, dataset: str | None = None, data_dir: str | None = None) -> PruneResult:
    """Zero filters' kernels and biases and measure the test accuracy before and after.

    Parameters
    ----------
    engine : Engine
    layer : str, optional
        The layer whose ``filters`` to prune; leave it out when ``filters`` is a mapping.
    filters : sequence of int, or mapping {layer: sequence of int}
        Filter (or unit) indices of ``layer``, or for several layers at once.
    keep : bool, default False
        Keep the pruned weights in the engine (the model changes); by default they are restored,
        also on error.
    dataset, data_dir : str, optional
        As in :func:`load_test_split`; the whole test split is used.

    Returns
    -------
    PruneResult
    """
    specs = _specs(engine, "pruning")
    names = engine.layer_names()
    if isinstance(filters, Mapping):
        if layer is not None:
            raise ValueError("Give either layer and a list of filters, or filters as {layer: indices} without "
                             f"layer; received layer {layer!r} and a mapping.")
        plan = dict(filters)
    else:
        if layer is None:
            raise ValueError("Name the layer whose filters to prune (layer=...), or give filters as "
                             "{layer: indices}.")
        plan = {layer: filters}
    for name in plan:
        _check_layer(name, specs, ("conv2d", "dense"), "only conv2d and dense layers have filters to prune")
    ordered = [name for name in names if name in plan]
    original = engine.get_weights()
    pruned_weights, pruned = original, []
    for name in ordered:
        indices = tuple(int(index) for index in np.atleast_1d(np.asarray(plan[name], dtype=np.int64)))
        if indices:
            pruned_weights = prune_filters(pruned_weights, name, indices, names)
        pruned.append((name, tuple(sorted(set(indices)))))
    split = load_test_split(engine, dataset=dataset, data_dir=data_dir)
    _, before = engine.evaluate(split.images, split.labels)
    restore = True
    try:
        engine.set_weights(pruned_weights)
        _, after = engine.evaluate(split.images, split.labels)
        restore = not keep
    finally:
        if restore:
            engine.set_weights(original)
    return PruneResult(tuple(pruned), float(before), float(after), bool(keep), len(split.images), split.dataset)


# -- backprop as a flipped convolution (report §4.3) -----------------------------------------------

def flip(engine, layer: str | None = None, image=None, label: int | None = None) -> FlipResult:
    """Recompute a convolution's input gradient as a flipped-kernel convolution and compare.

    Parameters
    ----------
    engine : Engine
    layer : str, optional
        A conv2d layer (default: the deepest one).
    image : ndarray, shape (1, h, w, c)
    label : int, optional
        The gradient is that of the loss of ``label`` (default: the predicted class).

    Returns
    -------
    FlipResult
    """
    specs = _specs(engine, "the flip check")
    names = engine.layer_names()
    convolutions = [name for name in names if specs[name].kind == "conv2d"]
    if not convolutions:
        raise ValueError("This model has no conv2d layer to check.")
    layer = layer or convolutions[-1]
    _check_layer(layer, specs, ("conv2d",), "the flip identity is about convolutions: choose one of "
                 + ", ".join(convolutions))
    image = _one_image(image, "image", engine)
    labels = None if label is None else np.array([int(label)])
    gradients = engine.gradients(image, labels=labels)
    maps = engine.feature_maps(image)
    index = names.index(layer)
    if index == 0:
        engine_input_gradient, layer_input, input_name = gradients.input, image, "the input image"
    else:
        previous = names[index - 1]
        engine_input_gradient, layer_input = gradients.layers[previous], maps[previous]
        input_name = f"the output of {previous}"
    spec = specs[layer]
    comparison = compare_flip(engine_input_gradient, gradients.layers[layer], maps[layer], spec.activation,
                              engine.kernels()[layer], np.shape(layer_input)[1:3], spec.strides, spec.padding)
    comparison = replace(comparison, **{name: _read_only(getattr(comparison, name)) for name in (
        "flipped_kernel", "pre_activation_gradient", "dilated_gradient", "computed_gradient", "engine_gradient")})
    return FlipResult(
        layer=layer, input_name=input_name, kernel_size=tuple(spec.kernel_size), strides=tuple(spec.strides),
        filters=int(spec.filters), padding=spec.padding, activation=spec.activation, target=gradients.target,
        largest_engine_gradient=float(np.abs(engine_input_gradient).max()), comparison=comparison,
    )


# -- dispatch --------------------------------------------------------------------------------------

_ANALYSES = {
    "similarity_matrix": similarity_matrix,
    "compare_pair": compare_pair,
    "symmetry": symmetry,
    "dead_filters": dead_filters,
    "prune": prune,
    "flip": flip,
}
KINDS = tuple(_ANALYSES)
"""The analyses :func:`run` knows."""


def parameters(kind: str) -> tuple[str, ...]:
    """The keyword parameters analysis ``kind`` takes."""
    if kind not in _ANALYSES:
        raise ValueError(f"Unknown analysis {kind!r}; expected one of {', '.join(KINDS)}.")
    return tuple(name for name in inspect.signature(_ANALYSES[kind]).parameters if name != "engine")


def run(kind: str, engine, /, **params):
    """Run analysis ``kind`` on ``engine`` with keyword ``params``; returns its frozen result.

    Raises
    ------
    ValueError
        For an unknown kind or parameter, or bad parameter values (the message says which).
    """
    accepted = parameters(kind)
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        hint = (" (kind names the analysis; name the weight transform with transform=...)"
                if kind == "symmetry" and "kind" in unknown else "")
        raise ValueError(f"The {kind} analysis takes {', '.join(accepted)}; received unknown "
                         f"parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}{hint}.")
    return _ANALYSES[kind](engine, **params)
