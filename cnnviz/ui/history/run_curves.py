"""A saved run's history as curves to plot, for comparing two runs. No Qt."""

from __future__ import annotations

import math

import numpy as np

from cnnviz.core.runs import RunInfo
from cnnviz.ui.plots.divergence import divergence_point

METRICS = ("batch loss", "loss", "validation accuracy", "training accuracy")
"""The curves a run may have, as :func:`run_curves` names them."""


def run_curves(run: RunInfo) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], tuple[float, float] | None]:
    """A run's history as plottable curves, and where its loss diverged, if it did.

    Parameters
    ----------
    run : RunInfo

    Returns
    -------
    curves : dict {metric: (x, y)}
        The metrics of :data:`METRICS` the run has, each as x (the epoch: the end of epoch ``e`` at
        ``e + 1``, batches in between) and y, shape (n,) each; non-finite values left out.
    divergence : (float, float) or None
        The last finite loss before the loss broke, for a run that diverged.
    """
    curves = {}
    epochs = run.epoch_history()
    for metric, key in (("loss", "loss"), ("validation accuracy", "val_accuracy"),
                        ("training accuracy", "accuracy")):
        points = [(row["epoch"] + 1.0, row[key]) for row in epochs
                  if row.get(key) is not None and math.isfinite(row[key])]
        if points:
            curves[metric] = (np.array([x for x, _ in points]), np.array([y for _, y in points]))
    steps = run.step_history()
    x = np.array([row["epoch"] + (row["batch"] + 1.0) / max(row["num_batches"] or 1.0, 1.0) for row in steps])
    y = np.array([math.nan if row.get("loss") is None else row["loss"] for row in steps], dtype=float)
    finite = np.isfinite(y)
    if finite.any():
        curves["batch loss"] = (x[finite], y[finite])
    divergence = divergence_point(x, y, diverged=run.status == "diverged") if len(steps) else None
    if divergence is None and run.status == "diverged" and "loss" in curves:
        divergence = (float(curves["loss"][0][-1]), float(curves["loss"][1][-1]))
    return curves, divergence
