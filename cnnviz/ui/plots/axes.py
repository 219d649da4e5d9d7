"""How the loss plots choose their axes.

* :func:`log_scale_reason`: whether a loss plot needs a logarithmic axis (one run's losses in the
  thousands would flatten every other run on a linear one), and why, in words.
* :func:`pad_x_range`: a fixed x range with room, in pixels, for the markers at its ends.
* :func:`style_axes`: the labels, grid and ticks every training plot shares.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pyqtgraph as pg

MARKER_MARGIN_PX = 11
"""Room kept between a range's end and the view's edge: half the largest marker, its pen and a gap."""

LOG_SCALE_ORDERS = 2
"""A loss plot turns logarithmic when its largest value is this many orders of magnitude above
some curve's median: on a linear axis that curve would use less than 1 % of the height."""

LOG_SCALE_TOOLTIP = ("Show the loss on a logarithmic axis. It is chosen for you when one run's losses lie "
                     f"{LOG_SCALE_ORDERS} or more orders of magnitude above another's (a diverged run beside "
                     "a converging one would flatten it to a line at zero); click to choose yourself.")
"""The log-scale checkbox's tooltip, wherever the choice is made automatically."""


def log_scale_reason(curves: Iterable[np.ndarray], orders: int = LOG_SCALE_ORDERS) -> str | None:
    """Why a plot of ``curves`` needs a logarithmic y axis, or ``None`` when a linear one shows them all.

    A curve looks flat on a linear axis when its typical value (the median of its finite, positive
    values) lies ``orders`` orders of magnitude or more below the largest value on the plot, as a
    converging run does beside a diverged one.

    Parameters
    ----------
    curves : iterable of ndarray
        The y values of each curve (or of each run), shape (n,) each; NaN and infinities are skipped.
    orders : int
        The orders of magnitude that call for a log axis.

    Returns
    -------
    str or None
        A short sentence for the user, e.g. "Log scale chosen: the losses span 0.3 to 1.7e+04.".
    """
    medians, largest, smallest = [], -math.inf, math.inf
    for values in curves:
        values = np.asarray(values, dtype=float)
        values = values[np.isfinite(values) & (values > 0)]
        if values.size:
            medians.append(float(np.median(values)))
            largest = max(largest, float(values.max()))
            smallest = min(smallest, float(values.min()))
    if not medians or largest / min(medians) < 10.0 ** orders:
        return None
    return f"Log scale chosen: the losses span {smallest:.3g} to {largest:.3g}."


def pad_x_range(view_box: pg.ViewBox, low: float, high: float, margin_px: float = MARKER_MARGIN_PX) -> None:
    """Show ``low`` to ``high`` on the x axis with ``margin_px`` pixels to spare at both ends.

    The markers drawn at the ends (the last epoch's dot and square) then show whole. Call it again
    when the view is resized: the padding, a fraction of the range, depends on the view's width.
    """
    width = view_box.width()
    padding = margin_px / (width - 2 * margin_px) if width > 4 * margin_px else 0.1
    view_box.setXRange(low, high, padding=padding)


def style_axes(plot: pg.PlotItem, x_label: str, y_label: str) -> None:
    """Label ``plot``'s bottom and left axes and give it the faint grid every training plot shares."""
    plot.setLabel("bottom", x_label)
    plot.setLabel("left", y_label)
    plot.showGrid(x=True, y=True, alpha=0.25)
    for side in ("left", "bottom"):
        # The finest tick level adds hundreds of faint grid lines that every live update
        # redraws; leaving it out halves the drawing time of a plot.
        plot.getAxis(side).setStyle(maxTickLevel=1)
        # "0.2" reads better than "200 (x0.001)" for losses and accuracies.
        plot.getAxis(side).enableAutoSIPrefix(False)
