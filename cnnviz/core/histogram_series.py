"""A run's per-epoch histograms over the whole of training, and the flags that read them at a glance.

:func:`read_run_histograms` reads every ``histograms/epoch-NNNN.npz`` of a run folder
(:mod:`cnnviz.core.histograms`) into a :class:`RunHistograms`: the epochs (-1: before training) and,
for each key, one :class:`~cnnviz.core.histograms.Histogram` per epoch (``None`` where a file lacks
it). :meth:`RunHistograms.quantities` names what a layer has (weights, biases, gradients,
activations), :func:`common_grid` puts every epoch's counts on one value axis (for a heat map of
epoch × value), and :func:`glance_flags` finds, over all layers, the patterns worth a look: ReLUs
dying (activations mostly exactly zero, and more so than before), weights or gradients exploding or
vanishing (their largest magnitude changing by orders of magnitude) and non-finite values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cnnviz.core.histograms import ACTIVATION, GRADIENT, Histogram, read_histograms

DYING_ZERO_FRACTION = 0.7
"""An activation this much exactly zero (at the last epoch) counts as mostly dead ..."""
DYING_RISE = 0.1
"""... when that share rose at least this much since the first epoch recorded (or reached 99 %)."""
ORDERS_OF_MAGNITUDE = 2.0
"""A largest magnitude that grew (or shrank) by this many powers of ten is exploding (or vanishing)."""


@dataclass(frozen=True)
class RunHistograms:
    """Every histogram of a run, by key, over its epochs.

    Attributes
    ----------
    epochs : tuple of int
        The epoch of each file, oldest first (0-based; -1: before training).
    series : dict[str, tuple[Histogram or None, ...]]
        One entry per epoch for each key (``"conv2d/kernel"``, ``"conv2d/kernel/gradient"``,
        ``"dense/activation"``); ``None`` where that epoch's file lacks the key.
    problems : tuple of str
        Files that could not be read (each with why); they are left out of ``epochs``.
    """

    epochs: tuple[int, ...]
    series: dict[str, tuple[Histogram | None, ...]]
    problems: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not self.epochs

    def layers(self) -> list[str]:
        """The layers with any histogram, in the order their keys first appear."""
        names: list[str] = []
        for key in self.series:
            layer = key.split("/", 1)[0]
            if layer not in names:
                names.append(layer)
        return names

    def quantities(self, layer: str) -> dict[str, str]:
        """What ``layer`` has, by the name a person reads (``"weights"``, ``"biases"``, ``"gradients"``,
        ``"bias gradients"``, ``"activations"``, or another parameter's own name) → its key."""
        found: dict[str, str] = {}
        gradients: dict[str, str] = {}
        for key in self.series:
            parts = key.split("/")
            if parts[0] != layer or len(parts) < 2:
                continue
            if parts[1] == ACTIVATION:
                continue
            label = quantity_label(parts[1])
            if len(parts) == 3 and parts[2] == GRADIENT:
                gradients["gradients" if label == "weights" else f"{_singular(label)} gradients"] = key
            elif len(parts) == 2:
                found[label] = key
        found.update(gradients)
        if f"{layer}/{ACTIVATION}" in self.series:
            found["activations"] = f"{layer}/{ACTIVATION}"
        order = ("weights", "biases", "gradients", "bias gradients", "activations")
        return dict(sorted(found.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)))

    def of(self, key: str) -> list[tuple[int, Histogram]]:
        """``(epoch, histogram)`` of ``key`` for every epoch that has it, oldest first."""
        return [(epoch, item) for epoch, item in zip(self.epochs, self.series.get(key, ())) if item is not None]


def quantity_label(parameter: str) -> str:
    """The name a person reads for a parameter: ``kernel`` → weights, ``bias`` → biases."""
    return {"kernel": "weights", "bias": "biases"}.get(parameter, parameter)


def _singular(label: str) -> str:
    return "bias" if label == "biases" else label


def epoch_of_file(path: Path) -> int:
    """The epoch (0-based, -1: before training) of ``histograms/epoch-NNNN.npz``."""
    return int(path.stem.split("-", 1)[1]) - 1


def read_run_histograms(run_path: str | Path) -> RunHistograms:
    """Every histogram file of the run folder ``run_path``; a folder without any gives an empty result.

    A file that cannot be read is skipped and named in :attr:`RunHistograms.problems`.
    """
    folder = Path(run_path) / "histograms"
    files = []
    for path in sorted(folder.glob("epoch-*.npz")) if folder.is_dir() else []:
        try:
            files.append((epoch_of_file(path), path))
        except ValueError:
            continue
    epochs: list[int] = []
    read: list[dict[str, Histogram]] = []
    problems: list[str] = []
    for epoch, path in sorted(files):
        try:
            read.append(read_histograms(path))
        except (ValueError, OSError) as error:
            problems.append(f"{path.name}: {error}")
            continue
        epochs.append(epoch)
    keys: list[str] = []
    for histograms in read:
        keys.extend(key for key in histograms if key not in keys)
    series = {key: tuple(histograms.get(key) for histograms in read) for key in keys}
    return RunHistograms(tuple(epochs), series, tuple(problems))


def common_grid(histograms: list[Histogram], bins: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every histogram's counts on one set of equal-width bins spanning them all (a heat map's rows).

    Each histogram's count in a bin is spread evenly over the bin's width, so a row keeps its
    histogram's total and, where the edges are the same, its counts exactly.

    Returns
    -------
    edges : ndarray, shape (bins + 1,)
    counts : ndarray, shape (len(histograms), bins), float64
    """
    if not histograms:
        return np.linspace(0.0, 1.0, 2), np.zeros((0, 1))
    bins = bins or max(len(item.counts) for item in histograms)
    filled = [item for item in histograms if item.counts.sum()] or histograms
    low = min(float(item.edges[0]) for item in filled)
    high = max(float(item.edges[-1]) for item in filled)
    if len({(float(item.edges[0]), float(item.edges[-1]), len(item.counts)) for item in filled}) == 1:
        edges = np.asarray(filled[0].edges, np.float64)
    else:
        edges = np.linspace(low, high, bins + 1)
    rows = np.zeros((len(histograms), len(edges) - 1))
    for row, item in enumerate(histograms):
        cumulative = np.concatenate([[0.0], np.cumsum(item.counts, dtype=np.float64)])
        rows[row] = np.diff(np.interp(edges, item.edges, cumulative))
    return edges, rows


@dataclass(frozen=True)
class Flag:
    """One pattern worth a look: ``kind`` is ``"dying"``, ``"exploding"``, ``"vanishing"`` or
    ``"nonfinite"``; ``key`` the histogram it was read from; ``message`` says what was seen."""

    kind: str
    layer: str
    key: str
    message: str


def _label_of(key: str) -> str:
    parts = key.split("/")
    if parts[-1] == ACTIVATION:
        return "activations"
    label = quantity_label(parts[1])
    if parts[-1] == GRADIENT:
        return "gradients" if label == "weights" else f"{_singular(label)} gradients"
    return label


def _epoch_name(epoch: int) -> str:
    return "before training" if epoch < 0 else f"epoch {epoch + 1}"


def _at(epoch: int) -> str:
    """``"before training"`` or ``"at epoch N"``, to follow a value."""
    return "before training" if epoch < 0 else f"at epoch {epoch + 1}"


def glance_flags(run: RunHistograms) -> list[Flag]:
    """The patterns worth a look over every layer of ``run`` (empty for a healthy run)."""
    flags: list[Flag] = []
    seen_zero_series: set[tuple[float, ...]] = set()
    for key in run.series:
        recorded = run.of(key)
        if not recorded:
            continue
        layer = key.split("/", 1)[0]
        label = _label_of(key)
        bad = [(epoch, item.nonfinite) for epoch, item in recorded if item.nonfinite]
        if bad:
            epoch, count = bad[0]
            flags.append(Flag("nonfinite", layer, key, f"{layer} {label}: {count} non-finite value"
                                                       f"{'s' if count != 1 else ''} (NaN or infinite) from "
                                                       f"{_epoch_name(epoch)} on."))
        if key.endswith(f"/{ACTIVATION}"):
            flag = _dying(layer, key, recorded, seen_zero_series)
        elif key.split("/")[1] == "bias" and not key.endswith(f"/{GRADIENT}"):
            flag = None  # biases start at zero and grow by orders of magnitude in any healthy run
        else:
            flag = _magnitude(layer, key, label, recorded)
        if flag is not None:
            flags.append(flag)
    return flags


def _dying(layer: str, key: str, recorded: list[tuple[int, Histogram]],
           seen: set[tuple[float, ...]]) -> Flag | None:
    zeros = [(epoch, item.zero_fraction) for epoch, item in recorded if item.zero_fraction is not None]
    if not zeros:
        return None
    (first_epoch, first), (last_epoch, last) = zeros[0], zeros[-1]
    if not (last >= DYING_ZERO_FRACTION and (last - first >= DYING_RISE or last >= 0.99)):
        return None
    # A flatten or dropout layer after a dying ReLU repeats its zeros: flag the first layer only.
    signature = tuple(round(fraction, 9) for _, fraction in zeros)
    if signature in seen:
        return None
    seen.add(signature)
    return Flag("dying", layer, key, f"{layer} activations: {100 * last:.0f} % exactly zero {_at(last_epoch)} "
                                     f"({100 * first:.0f} % {_at(first_epoch)}) — dying ReLUs.")


def _magnitude(layer: str, key: str, label: str, recorded: list[tuple[int, Histogram]]) -> Flag | None:
    sizes = [(epoch, item.largest_magnitude) for epoch, item in recorded if np.isfinite(item.largest_magnitude)]
    # The reference is the first epoch with any magnitude (a parameter that starts at zero has none).
    while sizes and sizes[0][1] <= 0.0:
        sizes.pop(0)
    if len(sizes) < 2:
        return None
    (first_epoch, first), (last_epoch, last) = sizes[0], sizes[-1]
    change = np.log10(max(last, np.finfo(np.float64).tiny) / first)
    if abs(change) < ORDERS_OF_MAGNITUDE:
        return None
    kind = "exploding" if change > 0 else "vanishing"
    return Flag(kind, layer, key, f"{layer} {label}: largest magnitude {first:.3g} {_at(first_epoch)}, "
                                  f"{last:.3g} {_at(last_epoch)} ({abs(change):.1f} orders of magnitude "
                                  f"{'up' if change > 0 else 'down'}) — {kind}.")
