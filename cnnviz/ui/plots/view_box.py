"""A plot view for a training metric: its automatic range keeps to what the metric can be (an
accuracy within [0, 1], a loss at or above 0), shows a single value with a readable span, and
leaves room for the markers at its edges at any size of the plot.
"""

from __future__ import annotations

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
    """

    def __init__(self, bounds: tuple[float | None, float | None] = (None, None), **kwargs):
        # No padding of pyqtgraph's own (a fraction of the range): ours is in pixels.
        kwargs.setdefault("defaultPadding", 0.0)
        super().__init__(**kwargs)
        self._bounds = bounds

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
                ranges[axis] = list(padded_range(low, high, pixels, floor, ceiling, log=log))
        return ranges
