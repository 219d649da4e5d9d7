"""How the loss plots choose their axes.

* :func:`log_scale_reason`: whether a loss plot needs a logarithmic axis (one run's losses in the
  thousands would flatten every other run on a linear one), and why, in words.
* :func:`pad_x_range`: a fixed x range with room, in pixels, for the markers at its ends.
* :func:`padded_range`: an automatic range that keeps to a metric's bounds (an accuracy within
  [0, 1], a loss at or above 0), gives a single value a readable span and leaves room, in pixels,
  for the markers at its ends.
* :func:`style_axes`: the labels, grid and ticks every training plot shares.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

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

    The markers drawn at the ends (the last epoch's dot and square) then show whole (in a view too
    narrow for that, half its width is left for the data). Call it again when the view is resized:
    the padding, a fraction of the range, depends on the view's width.
    """
    view_box.setXRange(low, high, padding=margin_fraction(view_box.width(), margin_px))


def margin_fraction(pixels: float, margin_px: float = MARKER_MARGIN_PX) -> float:
    """The padding, as a fraction of a range, that leaves ``margin_px`` pixels at both ends of a view
    ``pixels`` long; a view too short for that keeps half its length for the data."""
    if pixels <= 0:
        return 0.1  # not laid out yet: the range is redone when the view gets its size
    margin_px = min(margin_px, pixels / 4)
    return margin_px / (pixels - 2 * margin_px)


def padded_range(low: float, high: float, pixels: float, floor: float | None = None,
                 ceiling: float | None = None, log: bool = False,
                 margin_px: float = MARKER_MARGIN_PX) -> tuple[float, float]:
    """The range an axis shows for data spanning ``low`` to ``high``, drawn ``pixels`` long.

    * A single value (or a flat curve) gets a span of its own: a fifth of its size either side, at
      least 0.1 (half a decade on a ``log`` axis), instead of an arbitrary unit around it.
    * The range keeps to ``floor`` and ``ceiling`` (the bounds the metric cannot leave, e.g. 0 and 1
      for an accuracy); it goes ``margin_px`` pixels beyond a bound only where the data reach it, so
      a marker drawn on the bound shows whole while no impossible value gets a tick.
    * Everywhere else ``margin_px`` pixels are left between the data and the view's edges.

    Parameters
    ----------
    low, high : float
        The data's smallest and largest value on this axis (finite, ``low <= high``).
    pixels : float
        The view's length along the axis, in pixels (0 when not laid out yet).
    floor, ceiling : float, optional
        The metric's bounds, in the axis's own coordinates; ignored on a ``log`` axis.
    log : bool
        Whether the axis is logarithmic (``low`` and ``high`` are then log10 values).
    margin_px : float
        Room left beyond the data at both ends, in pixels.

    Returns
    -------
    (float, float)
        The range to show, ``low < high``.
    """
    if log:
        floor = ceiling = None
    scale = max(abs(low), abs(high), 1.0)
    if high - low <= 1e-12 * scale:
        half = 0.5 if log else max(0.2 * abs(low), 0.1)
        touches_floor = floor is not None and low <= floor
        touches_ceiling = ceiling is not None and high >= ceiling
        low, high = low - half, high + half
    else:
        touches_floor = floor is not None and low <= floor
        touches_ceiling = ceiling is not None and high >= ceiling
    bounded_low = low if floor is None else max(low, floor)
    bounded_high = high if ceiling is None else min(high, ceiling)
    if bounded_high > bounded_low:
        low, high = bounded_low, bounded_high
    else:
        # Data wholly outside the bounds (no metric should be): show the data as they are.
        floor = ceiling = None
        touches_floor = touches_ceiling = False
    padding = (high - low) * margin_fraction(pixels, margin_px)
    padded_low = low - padding if floor is None or touches_floor else max(low - padding, floor)
    padded_high = high + padding if ceiling is None or touches_ceiling else min(high + padding, ceiling)
    return padded_low, padded_high


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
    cache_axes(plot.getAxis("left"), plot.getAxis("bottom"))


def cache_axes(*axes: pg.AxisItem) -> None:
    """Keep each axis's drawing (ticks, labels, grid lines) as a pixmap, drawn again only when the
    axis changes: a curve updated inside the plot otherwise replays every tick label and grid line
    of the axes under it (with a grid, an axis covers the whole plot)."""
    for axis in axes:
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
