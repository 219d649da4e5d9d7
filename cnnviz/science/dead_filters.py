"""Dead filters, and pruning them (report §5.2: "if there are a lot of zeros ... the model needs pruning").

:func:`dead_filters` finds, layer by layer, filters whose kernel has all but vanished and filters
never active on the test images (the criteria are :func:`cnnviz.core.pruning.dead_filters`'s);
:func:`prune` zeroes filters and measures the test accuracy before and after, with the
predictions that changed each way and a sign test of whether the change is more than chance.
Every verdict names its threshold and the value observed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from cnnviz.core.pruning import DeadFilterReport, max_abs_activation, prune_filters
from cnnviz.core.pruning import dead_filters as find_dead_filters
from cnnviz.science.checks import check_layer, layer_specs, listed, read_only
from cnnviz.science.data import BATCH_SIZE, load_test_split
from cnnviz.science.uncertainty import (
    CONFIDENCE,
    NOT_DISTINGUISHABLE,
    SIGNIFICANCE,
    sign_test_p_value,
    upper_bound_never_seen,
)

if TYPE_CHECKING:
    from cnnviz.core.results import Weights
    from cnnviz.engines.base import Engine


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

    def verdict_text(self, num_images: int) -> str:
        """What was found in this layer, with each criterion's threshold and the values observed.

        Parameters
        ----------
        num_images : int
            The test images the activity was measured on.
        """
        report, unit = self.report, self.unit_name
        single = unit[:-1]
        norms = report.kernel_norms
        largest = float(norms.max()) if norms.size else 0.0
        threshold = report.kernel_tolerance * largest
        kernel_rule = (f"kernel norm ≤ {threshold:.3g} = {report.kernel_tolerance:g} × the largest, "
                       f"{largest:.3g}")
        activity_rule = f"largest |output| ≤ {report.activity_tolerance:g} on all {num_images:,} test images"
        never = report.never_active
        parts = []
        if report.near_zero_kernels:
            parts.append(f"near-zero kernels {listed(report.near_zero_kernels)} ({kernel_rule})")
        if never:
            bound = upper_bound_never_seen(num_images, CONFIDENCE)
            parts.append(f"never active {listed(never)} ({activity_rule}; such a {single} may still fire, on at "
                         f"most {bound:.2%} of similar images, {CONFIDENCE:.0%} upper bound)")
        if parts:
            count = len(report.dead)
            return f"{self.layer}: {count} dead {unit if count != 1 else single}: {'; '.join(parts)}."
        weakest = int(norms.argmin())
        text = (f"{self.layer}: no dead {unit}. The smallest kernel norm, {norms[weakest]:.3g} ({single} {weakest}), "
                f"is above {threshold:.3g} = {report.kernel_tolerance:g} × the largest")
        peaks = report.max_activation
        if peaks is not None and peaks.size:
            quietest = int(peaks.argmin())
            text += (f"; the quietest {single}'s largest |output|, {peaks[quietest]:.3g} ({single} {quietest}), is "
                     f"above {report.activity_tolerance:g}, on {num_images:,} test images")
        return text + "."


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
    num_worse: int = 0
    num_better: int = 0

    @property
    def num_pruned(self) -> int:
        """How many filters were zeroed in all."""
        return sum(len(indices) for _, indices in self.pruned)

    @property
    def p_value(self) -> float:
        """Two-sided exact sign test (McNemar) of ``num_worse`` against ``num_better``."""
        return sign_test_p_value(self.num_worse, self.num_better)

    @property
    def outcome(self) -> str:
        """``"unchanged"`` (no prediction changed), ``"lower"`` or ``"higher"`` (the sign test rejects
        "no change" at :data:`cnnviz.science.uncertainty.SIGNIFICANCE`), or ``"not distinguishable"``."""
        if self.num_worse == self.num_better == 0:
            return "unchanged"
        if self.p_value >= SIGNIFICANCE:
            return NOT_DISTINGUISHABLE
        return "lower" if self.num_worse > self.num_better else "higher"

    def verdict_text(self) -> str:
        """The accuracies, how many predictions changed each way, and whether that is more than chance."""
        head = (f"Test accuracy {self.accuracy_before:.4f} → {self.accuracy_after:.4f} on {self.num_images:,} "
                f"{self.dataset} test images")
        outcome = self.outcome
        if outcome == "unchanged":
            return f"{head}: no prediction changed."
        changes = f"{self.num_worse} predictions turned wrong and {self.num_better} turned right"
        test = f"sign test p = {self.p_value:.2g}"
        if outcome == NOT_DISTINGUISHABLE:
            return (f"{head}: {changes}; not distinguishable from no change with {self.num_images:,} test images "
                    f"({test} ≥ {SIGNIFICANCE:g}).")
        return f"{head}: {changes}; the accuracy is {outcome} ({test} < {SIGNIFICANCE:g})."


def dead_filters(engine: Engine, layer: str | None = None, samples: int = 1000, kernel_tolerance: float = 1e-3,
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
        As in :func:`cnnviz.science.data.load_test_split`.

    Returns
    -------
    DeadFiltersResult
    """
    specs = layer_specs(engine, "finding dead filters")
    names = engine.layer_names()
    if layer is None:
        layers = [name for name in names if specs[name].kind == "conv2d"]
        if not layers:
            raise ValueError("This model has no conv2d layer; name a dense layer to look for dead units.")
    else:
        layers = [check_layer(layer, specs, ("conv2d", "dense"), "choose a conv2d or dense layer")]
    split = load_test_split(engine, samples, dataset=dataset, data_dir=data_dir)
    weights = engine.get_weights()
    activity: dict[str, np.ndarray] = {}
    for start in range(0, len(split.images), BATCH_SIZE):
        maps = engine.feature_maps(split.images[start:start + BATCH_SIZE])
        for name in layers:
            batch = max_abs_activation(maps[name])
            seen = activity.get(name)
            activity[name] = batch if seen is None else np.maximum(seen, batch)
    entries = []
    for name in layers:
        report = find_dead_filters(weights[name]["kernel"], kernel_tolerance=kernel_tolerance,
                                   activity_tolerance=activity_tolerance, max_activation=activity[name])
        report = replace(report, kernel_norms=read_only(report.kernel_norms),
                         max_activation=read_only(report.max_activation))
        entries.append(LayerDeadFilters(name, specs[name].kind, report))
    return DeadFiltersResult(tuple(entries), len(split.images), split.dataset,
                             float(kernel_tolerance), float(activity_tolerance))


def prune(engine: Engine, layer: str | None = None, filters: Sequence[int] | Mapping[str, Sequence[int]] = (),
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
        As in :func:`cnnviz.science.data.load_test_split`; the whole test split is used.

    Returns
    -------
    PruneResult
    """
    specs = layer_specs(engine, "pruning")
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
        check_layer(name, specs, ("conv2d", "dense"), "only conv2d and dense layers have filters to prune")
    ordered = [name for name in names if name in plan]
    original = engine.get_weights()
    pruned_weights, pruned = original, []
    for name in ordered:
        indices = tuple(int(index) for index in np.atleast_1d(np.asarray(plan[name], dtype=np.int64)))
        if indices:
            pruned_weights = prune_filters(pruned_weights, name, indices, names)
        pruned.append((name, tuple(sorted(set(indices)))))
    split = load_test_split(engine, dataset=dataset, data_dir=data_dir)
    # Predictions, not only accuracies: which images changed each way says whether a change is
    # more than chance (the same images are scored twice, a paired comparison).
    right_before = np.asarray(engine.predict(split.images)).argmax(axis=1) == split.labels
    restore = True
    try:
        engine.set_weights(pruned_weights)
        right_after = np.asarray(engine.predict(split.images)).argmax(axis=1) == split.labels
        restore = not keep
    finally:
        if restore:
            engine.set_weights(original)
    return PruneResult(tuple(pruned), float(right_before.mean()), float(right_after.mean()), bool(keep),
                       len(split.images), split.dataset, num_worse=int((right_before & ~right_after).sum()),
                       num_better=int((~right_before & right_after).sum()))


class PruneEvaluation(NamedTuple):
    """Test accuracy before and after pruning, and the pruned weights."""

    accuracy_before: float
    accuracy_after: float
    pruned_weights: Weights


def prune_and_evaluate(engine: Engine, layer: str, filters: Sequence[int], images: np.ndarray, labels: np.ndarray,
                       keep: bool = False) -> PruneEvaluation:
    """Prune filters and measure the accuracy before and after.

    Parameters
    ----------
    engine : Engine
        Any engine (``get_weights``, ``set_weights``, ``evaluate``, ``layer_names``).
    layer : str
    filters : sequence of int
    images : ndarray, shape (n, h, w, c)
    labels : ndarray, shape (n,), integer
    keep : bool, default False
        Keep the pruned weights in the engine; by default its weights are restored (also on error).

    Returns
    -------
    PruneEvaluation
        ``(accuracy_before, accuracy_after, pruned_weights)``.
    """
    original = engine.get_weights()
    pruned = prune_filters(original, layer, filters, engine.layer_names())
    _, before = engine.evaluate(images, labels)
    restore = True
    try:
        engine.set_weights(pruned)
        _, after = engine.evaluate(images, labels)
        restore = not keep
    finally:
        if restore:
            engine.set_weights(original)
    return PruneEvaluation(float(before), float(after), pruned)
