"""Per-epoch histograms of a network's parameters and activations, as a run folder keeps them.

Each histogram is ``HISTOGRAM_BINS`` counts over equal-width bins between the smallest and largest
finite value (non-finite values are counted apart, as ``nonfinite``), so a file stays a few
kilobytes whatever the model's size. A run keeps one file per epoch, ``histograms/epoch-NNNN.npz``
(named as its checkpoints, :func:`~cnnviz.core.run_info.snapshot_name`), holding for every key
``"<layer>/<parameter>"`` (``"conv2d/kernel"``, ``"dense/bias"``), ``"<layer>/<parameter>/gradient"``
(the gradient of the loss with respect to that parameter) or ``"<layer>/activation"`` these arrays:

- ``<key>/counts`` (int64, ``(bins,)``), ``<key>/edges`` (float64, ``(bins + 1,)``) and
  ``<key>/nonfinite`` (int64, ``()``);
- ``<key>/zeros`` (float64, ``()``): the fraction of all values that are exactly zero (a ReLU that
  no longer fires gives zeros), and ``<key>/max_abs`` (float64, ``()``): the largest finite magnitude
  (NaN when there is none), so exploding or vanishing values show without the bins.

Files written before the last two (and before gradients) are read as they are: the fraction of zeros
is then unknown (``None``) and the largest magnitude comes from the outer edges. Activations and
gradients are taken over the same few fixed inputs (:data:`ACTIVATION_SAMPLES` of them, with their
labels for the loss), so epochs compare like for like. Both the app's training and
:class:`cnnviz.keras.RunRecorder` write them through :func:`histograms_npz`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnviz.core.safe_npz import read_npz

HISTOGRAM_BINS = 32
"""Bins per histogram: enough to see a distribution's shape, small enough to keep every epoch."""

ACTIVATION = "activation"
"""The name under which a layer's output histogram is kept (``"<layer>/activation"``)."""

GRADIENT = "gradient"
"""The suffix under which a parameter's gradient histogram is kept (``"<layer>/<parameter>/gradient"``)."""

ACTIVATION_SAMPLES = 32
"""How many fixed inputs the activation and gradient histograms are taken over: a handful keeps them cheap."""

PROBE_CHUNK = 16
"""The fixed inputs go through the engine this many at a time: the engines' inspection size, at which one
forward pass serves both the layer outputs and the gradients, on one BLAS thread (measured on a busy
two-core machine, 32 images at once took many times as long as two halves)."""


@dataclass(frozen=True)
class Histogram:
    """Counts of values in equal-width bins; ``edges`` has one more entry than ``counts``."""

    counts: np.ndarray
    edges: np.ndarray
    nonfinite: int = 0
    zero_fraction: float | None = None
    """The share of all values that are exactly zero (``None``: a file written before it was kept)."""
    max_abs: float | None = None
    """The largest finite magnitude (``None``: a file written before it was kept; NaN: no finite value)."""

    @property
    def total(self) -> int:
        return int(self.counts.sum()) + self.nonfinite

    @property
    def largest_magnitude(self) -> float:
        """The largest finite magnitude, from the outer edges when the file did not keep it (NaN: none)."""
        if self.max_abs is not None:
            return float(self.max_abs)
        if not self.counts.sum():
            return float("nan")
        return float(max(abs(self.edges[0]), abs(self.edges[-1])))


def histogram(values: np.ndarray, bins: int = HISTOGRAM_BINS) -> Histogram:
    """The histogram of every finite value of ``values`` (any shape).

    An array without finite values gives empty counts over ``[0, 1]``; a constant array (or one
    whose spread is below a billionth of its magnitude) bins of total width 1, or a millionth of
    its magnitude when that is wider, centred on its values, so edges always increase.
    """
    if bins < 1:
        raise ValueError(f"A histogram needs at least one bin, received bins={bins}.")
    flat = np.asarray(values)
    if flat.dtype not in (np.float32, np.float64):
        flat = flat.astype(np.float64)
    flat = flat.ravel()  # float32 stays float32: every step below is exact in it, and twice as fast
    size = flat.size
    zero_fraction = float(np.count_nonzero(flat == 0.0) / size) if size else 0.0
    nonfinite = 0
    # min and max are NaN or infinite exactly when some value is: only then are the finite ones picked out.
    if size and not (np.isfinite(flat.min()) and np.isfinite(flat.max())):
        finite = np.isfinite(flat)
        nonfinite = int(size - np.count_nonzero(finite))
        flat = flat[finite]
    if flat.size == 0:
        return Histogram(np.zeros(bins, np.int64), np.linspace(0.0, 1.0, bins + 1), nonfinite, zero_fraction,
                         float("nan"))
    low, high = float(flat.min()), float(flat.max())
    max_abs = max(abs(low), abs(high))
    if high - low <= max_abs * 1e-9:
        # Constant, or spread so little that no number type splits it into bins (weights of a diverged
        # run, all near 1e20): one value's bins, width 1 or a millionth of the magnitude.
        centre, half = 0.5 * low + 0.5 * high, max(0.5, max_abs * 1e-6)
        low, high = centre - half, centre + half
    if flat.dtype == np.float32 and not max_abs * 1e-4 <= high - low <= 1e38:
        # Bins narrower than float32 resolves at this magnitude, or a span it cannot hold.
        flat = flat.astype(np.float64)
    counts, edges = np.histogram(flat, bins=bins, range=(low, high))
    return Histogram(counts.astype(np.int64), edges, nonfinite, zero_fraction, max_abs)


def parameter_histograms(weights: Mapping[str, Mapping[str, np.ndarray]],
                         bins: int = HISTOGRAM_BINS) -> dict[str, Histogram]:
    """One histogram per parameter of the weight-exchange form, keyed ``"<layer>/<parameter>"``."""
    return {f"{layer}/{name}": histogram(array, bins)
            for layer, params in weights.items() for name, array in params.items() if np.size(array)}


def gradient_histograms(gradients: Mapping[str, Mapping[str, np.ndarray]],
                        bins: int = HISTOGRAM_BINS) -> dict[str, Histogram]:
    """One histogram per parameter's gradient (the weight-exchange form), keyed ``"<layer>/<parameter>/gradient"``."""
    return {f"{key}/{GRADIENT}": item for key, item in parameter_histograms(gradients, bins).items()}


def activation_histograms(outputs: Mapping[str, np.ndarray], bins: int = HISTOGRAM_BINS) -> dict[str, Histogram]:
    """One histogram per layer output (feature maps or a dense layer's units), keyed ``"<layer>/activation"``.

    A layer whose output holds the same values as the one before it (a flatten, or a dropout at
    inference) gets that layer's histogram without counting again.
    """
    found: dict[str, Histogram] = {}
    previous: tuple[np.ndarray, Histogram] | None = None
    for layer, array in outputs.items():
        if not np.size(array):
            continue
        values = np.asarray(array)
        if previous is not None and previous[0].size == values.size and np.array_equal(
                previous[0].reshape(-1), values.reshape(-1)):
            item = previous[1]
        else:
            item = histogram(values, bins)
        found[f"{layer}/{ACTIVATION}"] = item
        previous = (values, item)
    return found


def probe_histograms(engine, images: np.ndarray, labels: np.ndarray,
                     bins: int = HISTOGRAM_BINS) -> dict[str, Histogram]:
    """The activation and gradient histograms of ``engine`` (any :class:`~cnnviz.engines.base.Engine`)
    over the fixed inputs ``images`` ``(n, h, w, c)`` and their ``labels`` ``(n,)``.

    The gradients are those of the mean loss over all ``n`` inputs, gathered :data:`PROBE_CHUNK`
    inputs at a time (each chunk's mean weighted by its share of the inputs).
    """
    outputs: dict[str, list[np.ndarray]] = {}
    gradients: dict[str, dict[str, np.ndarray]] = {}
    for start in range(0, len(images), PROBE_CHUNK):
        chunk, chunk_labels = images[start:start + PROBE_CHUNK], labels[start:start + PROBE_CHUNK]
        for layer, output in engine.feature_maps(chunk).items():
            outputs.setdefault(layer, []).append(np.asarray(output))
        share = len(chunk) / len(images)
        for layer, params in engine.gradients(chunk, chunk_labels).parameters.items():
            summed = gradients.setdefault(layer, {})
            for name, gradient in params.items():
                weighted = np.asarray(gradient) * np.float32(share)
                summed[name] = weighted if name not in summed else summed[name] + weighted
    found = activation_histograms({layer: np.concatenate(parts) for layer, parts in outputs.items()}, bins)
    found.update(gradient_histograms(gradients, bins))
    return found


def histograms_npz(histograms: Mapping[str, Histogram]) -> bytes:
    """The ``.npz`` bytes of a run's histogram file."""
    arrays: dict[str, np.ndarray] = {}
    for key, item in histograms.items():
        arrays[f"{key}/counts"] = np.asarray(item.counts, np.int64)
        arrays[f"{key}/edges"] = np.asarray(item.edges, np.float64)
        arrays[f"{key}/nonfinite"] = np.asarray(item.nonfinite, np.int64)
        if item.zero_fraction is not None:
            arrays[f"{key}/zeros"] = np.asarray(item.zero_fraction, np.float64)
        if item.max_abs is not None:
            arrays[f"{key}/max_abs"] = np.asarray(item.max_abs, np.float64)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


def read_histograms(path: str | Path) -> dict[str, Histogram]:
    """A run's histogram file read back (without pickles), keyed as written.

    Raises
    ------
    NpzFileError
        For a missing, unreadable or hostile file, or one whose arrays do not pair up as written.
    """
    arrays = read_npz(path, "histogram file")
    keys = sorted({name.rsplit("/", 1)[0] for name in arrays})
    histograms = {}
    for key in keys:
        try:
            counts, edges = arrays[f"{key}/counts"], arrays[f"{key}/edges"]
            nonfinite = int(arrays.get(f"{key}/nonfinite", np.zeros((), np.int64)))
            zeros, max_abs = arrays.get(f"{key}/zeros"), arrays.get(f"{key}/max_abs")
        except KeyError as missing:
            raise ValueError(f"The histogram file {path} lacks {missing} for {key!r}; it was not written by "
                             "cnnviz. Delete it, or train the run again.") from None
        if counts.ndim != 1 or edges.shape != (counts.size + 1,):
            raise ValueError(f"The histogram {key!r} in {path} has {counts.shape} counts and {edges.shape} edges; "
                             "expected n counts and n + 1 edges.")
        histograms[key] = Histogram(counts, edges, nonfinite, None if zeros is None else float(zeros),
                                    None if max_abs is None else float(max_abs))
    return histograms
