"""Per-epoch histograms of a network's parameters and activations, as a run folder keeps them.

Each histogram is ``HISTOGRAM_BINS`` counts over equal-width bins between the smallest and largest
finite value (non-finite values are counted apart, as ``nonfinite``), so a file stays a few
kilobytes whatever the model's size. A run keeps one file per epoch, ``histograms/epoch-NNNN.npz``
(named as its checkpoints, :func:`~cnnviz.core.run_info.snapshot_name`), holding for every key
``"<layer>/<parameter>"`` (``"conv2d/kernel"``, ``"dense/bias"``) or ``"<layer>/activation"``
three arrays: ``<key>/counts`` (int64, ``(bins,)``), ``<key>/edges`` (float64, ``(bins + 1,)``)
and ``<key>/nonfinite`` (int64, ``()``). Both the app's training and :class:`cnnviz.keras.RunRecorder`
write them through :func:`histograms_npz`.
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

ACTIVATION_SAMPLES = 32
"""How many fixed inputs the activation histograms are taken over: a handful keeps them cheap."""


@dataclass(frozen=True)
class Histogram:
    """Counts of values in equal-width bins; ``edges`` has one more entry than ``counts``."""

    counts: np.ndarray
    edges: np.ndarray
    nonfinite: int = 0

    @property
    def total(self) -> int:
        return int(self.counts.sum()) + self.nonfinite


def histogram(values: np.ndarray, bins: int = HISTOGRAM_BINS) -> Histogram:
    """The histogram of every finite value of ``values`` (any shape).

    An array without finite values gives empty counts over ``[0, 1]``; a constant array a bin
    of width 1 centred on the value's range, so edges always increase.
    """
    if bins < 1:
        raise ValueError(f"A histogram needs at least one bin, received bins={bins}.")
    flat = np.asarray(values, dtype=np.float64).ravel()
    finite = np.isfinite(flat)
    nonfinite = int(flat.size - np.count_nonzero(finite))
    if nonfinite:
        flat = flat[finite]
    if flat.size == 0:
        return Histogram(np.zeros(bins, np.int64), np.linspace(0.0, 1.0, bins + 1), nonfinite)
    low, high = float(flat.min()), float(flat.max())
    if low == high:
        low, high = low - 0.5, high + 0.5
    counts, edges = np.histogram(flat, bins=bins, range=(low, high))
    return Histogram(counts.astype(np.int64), edges, nonfinite)


def parameter_histograms(weights: Mapping[str, Mapping[str, np.ndarray]],
                         bins: int = HISTOGRAM_BINS) -> dict[str, Histogram]:
    """One histogram per parameter of the weight-exchange form, keyed ``"<layer>/<parameter>"``."""
    return {f"{layer}/{name}": histogram(array, bins)
            for layer, params in weights.items() for name, array in params.items() if np.size(array)}


def activation_histograms(outputs: Mapping[str, np.ndarray], bins: int = HISTOGRAM_BINS) -> dict[str, Histogram]:
    """One histogram per layer output (feature maps or a dense layer's units), keyed ``"<layer>/activation"``."""
    return {f"{layer}/{ACTIVATION}": histogram(array, bins) for layer, array in outputs.items() if np.size(array)}


def histograms_npz(histograms: Mapping[str, Histogram]) -> bytes:
    """The ``.npz`` bytes of a run's histogram file."""
    arrays: dict[str, np.ndarray] = {}
    for key, item in histograms.items():
        arrays[f"{key}/counts"] = np.asarray(item.counts, np.int64)
        arrays[f"{key}/edges"] = np.asarray(item.edges, np.float64)
        arrays[f"{key}/nonfinite"] = np.asarray(item.nonfinite, np.int64)
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
        except KeyError as missing:
            raise ValueError(f"The histogram file {path} lacks {missing} for {key!r}; it was not written by "
                             "cnnviz. Delete it, or train the run again.") from None
        if counts.ndim != 1 or edges.shape != (counts.size + 1,):
            raise ValueError(f"The histogram {key!r} in {path} has {counts.shape} counts and {edges.shape} edges; "
                             "expected n counts and n + 1 edges.")
        histograms[key] = Histogram(counts, edges, nonfinite)
    return histograms
