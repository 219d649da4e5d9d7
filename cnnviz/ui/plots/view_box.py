"""A plot view for a training metric: its automatic range keeps to what the metric can be (an
accuracy within [0, 1], a loss at or above 0), shows a single value with a readable span, and
leaves room for the markers at its edges at any size of the plot.
"""

from __future__ import annotations

import math

import pyqtgraph as pg

from cnnviz.ui.plots.axes import padded_range

LOSS_BOUNDS = (0.0, None)
"""A loss is never negative (cross-entropy); it has no upper bound."""

ACCURACY_BOUNDS = (0.0, 1.0)
"""An accuracy is a fraction correct."""


class MetricViewBox(pg.ViewBox):
    """pyqtgraph's view box whose automatic y range keeps to the metric's bounds.

    Pass it to ``pg.PlotWidget(viewBox=...)``. The automatic range of both axes (pyqtgraph's
    "auto range", as after a new curve or a resize) goes through
    :func:`~cnnviz.ui.plots.axes.padded_range`: a single point gets a span of its own instead of
    pyqtgraph's unit around it (an accuracy of 0.97 shown on 0.5 to 1.5), the y axis keeps to
    ``bounds`` (no negative loss, no accuracy above 1 beyond the room a marker at 1 needs), and the
    padding is counted in pixels, so the markers at the ends show whole at any plot size. A range
    the user chose (zoom, pan) is theirs: nothing here limits it.

    Parameters
    ----------
    bounds : (float or None, float or None)
        The y values the metric cannot leave, e.g. :data:`LOSS_BOUNDS` or :data:`ACCURACY_BOUNDS`;
        ignored while the y axis is logarithmic.
    stepwise : bool
        Widen the automatic y range outward to whole steps (:func:`stepwise_range`), so that a curve
        that grows a little with every update (a live training curve) moves the range, and redraws
        the axis's ticks, only when it crosses a step.
    """

    def __init__(self, bounds: tuple[float | None, float | None] = (None, None), stepwise: bool = False,
                 **kwargs):
        # No padding of pyqtgraph's own (a fraction of the range): ours is in pixels.
        kwargs.setdefault("defaultPadding", 0.0)
        super().__init__(**kwargs)
        self._bounds = bounds
        self._stepwise = stepwise

    def bounds(self) -> tuple[float | None, float | None]:
        """The y values the metric cannot leave."""
        return self._bounds

    def childrenBounds(self, frac=None, orthoRange=(None, None), items=None):  # noqa: N802, N803  (pyqtgraph's names)
        """pyqtgraph's bounds of the items, turned into the range to show (see the class docstring)."""
        ranges = super().childrenBounds(frac=frac, orthoRange=orthoRange, items=items)
        log_x, log_y = self.state["logMode"]
        for axis, pixels, log, (floor, ceiling) in ((0, self.width(), log_x, (None, None)),
                                                     (1, self.height(), log_y, self._bounds)):
            if ranges[axis] is not None:
                low, high = ranges[axis]
                padded = padded_range(low, high, pixels, floor, ceiling, log=log)
                if axis == 1 and self._stepwise:
                    padded = stepwise_range(*padded, limits=(None, None) if log else (floor, ceiling))
                ranges[axis] = list(padded)
        return ranges


STEPS_PER_RANGE = 8
"""About how many steps a stepwise range spans: its ends move by an eighth of it at a time."""


def stepwise_range(low: float, high: float, limits: tuple[float | None, float | None] = (None, None),
                   steps: int = STEPS_PER_RANGE) -> tuple[float, float]:
    """``low`` .. ``high`` widened outward to whole multiples of a round step (1, 2 or 5 × 10^k,
    about ``1/steps`` of the span), never beyond ``limits`` further than the range already was.

    A range that follows growing data then changes only when the data cross a step, not with every
    new point; it always contains ``low`` .. ``high``.
    """
    span = high - low
    if not (math.isfinite(low) and math.isfinite(high)) or span <= 0:
        return low, high
    raw = span / steps
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(factor * power for factor in (1, 2, 5, 10) if factor * power >= raw)
    # min/max: a multiple of the step can round a hair inside the range it should contain.
    stepped_low = min(math.floor(low / step) * step, low)
    stepped_high = max(math.ceil(high / step) * step, high)
    floor, ceiling = limits
    if floor is not None:
        stepped_low = max(stepped_low, min(low, floor))
    if ceiling is not None:
        stepped_high = min(stepped_high, max(high, ceiling))
    return stepped_low, stepped_high
