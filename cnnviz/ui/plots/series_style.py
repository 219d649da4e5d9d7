"""How each kind of training curve is drawn, the same on every plot of the window.

The training monitor, History ▸ Compare and the Experiments tab all draw the same three series:

* ``"batch"`` — every batch's value: a thin line, faint beside the epoch means;
* ``"epoch"`` — the training mean of each epoch: a solid line through filled dots;
* ``"validation"`` — the validation value after each epoch: a dashed line through open squares.

:func:`style_series` is the one place that says so; :data:`SERIES_LEGEND` says it in words for
the plots' hints and tooltips. :func:`set_line_data` draws a line's points and shows a line of a
single point (after one Step batch, say) as a dot, since a line needs two points to be seen.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from cnnviz.ui.plots.colours import with_alpha

SERIES = ("batch", "epoch", "validation")
"""The kinds of curve, as :func:`style_series` names them."""

EMPHASES = ("current", "earlier", "alone")
"""How strongly a run is drawn: the run in view, an earlier run's faint overlay, or a run's batch
line drawn on its own (no epoch means beside it, as on the Experiments plot)."""

SERIES_LEGEND = "dots: training mean of each epoch; squares, dashed: validation; thin line: every batch"
"""The series' styles in words."""

SYMBOL_SIZE = {"current": 8, "earlier": 6, "alone": 8}
LINE_WIDTH = {"current": 2.0, "earlier": 1.5, "alone": 2.0}
# Opacities (0-255) of the batch line: faint beside the epoch means, strong on its own.
BATCH_ALPHA = {"current": 110, "earlier": 40, "alone": 255}
BATCH_WIDTH = {"current": 1.0, "earlier": 1.0, "alone": 1.5}
# Opacity of the epoch and validation series of an earlier run.
EARLIER_ALPHA = 120
LONE_POINT_SIZE = 6
LONE_POINT_ALPHA = 200
"""The dot a line of a single point is drawn as: its size in pixels and least opacity."""


def style_series(item: pg.PlotDataItem, series: str, colour: str, emphasis: str = "current") -> None:
    """Draw ``item`` as the ``series`` of a run in ``colour`` (e.g. ``"#1f77b4"``).

    Parameters
    ----------
    item : pyqtgraph.PlotDataItem
    series : str
        One of :data:`SERIES`.
    colour : str
        The run's colour.
    emphasis : str
        One of :data:`EMPHASES`.

    Raises
    ------
    ValueError
        For an unknown ``series`` or ``emphasis``.
    """
    if series not in SERIES:
        raise ValueError(f"series must be one of {', '.join(SERIES)}; received {series!r}.")
    if emphasis not in EMPHASES:
        raise ValueError(f"emphasis must be one of {', '.join(EMPHASES)}; received {emphasis!r}.")
    if series == "batch":
        item.setPen(pg.mkPen(with_alpha(colour, BATCH_ALPHA[emphasis]), width=BATCH_WIDTH[emphasis]))
        _show_lone_point(item)
        return
    strong = with_alpha(colour, EARLIER_ALPHA if emphasis == "earlier" else 255)
    width = LINE_WIDTH[emphasis]
    item.setSymbolSize(SYMBOL_SIZE[emphasis])
    if series == "epoch":
        item.setPen(pg.mkPen(strong, width=width))
        item.setSymbol("o")
        item.setSymbolBrush(pg.mkBrush(strong))
        item.setSymbolPen(pg.mkPen(strong))
    else:
        item.setPen(pg.mkPen(strong, width=width, style=Qt.PenStyle.DashLine))
        item.setSymbol("s")
        item.setSymbolBrush(pg.mkBrush("w"))
        item.setSymbolPen(pg.mkPen(strong, width=1.5))


def set_line_data(item: pg.PlotDataItem, x: np.ndarray, y: np.ndarray) -> None:
    """Give a line without symbols (a ``"batch"`` series) its points, shape (n,) each; a single point
    is drawn as a dot in the line's colour."""
    item.setData(x, y)
    _show_lone_point(item)


def _show_lone_point(item: pg.PlotDataItem) -> None:
    x = item.xData
    if x is not None and len(x) == 1:
        colour = pg.mkPen(item.opts["pen"]).color()
        # A faint line's colour would leave its one dot hard to see.
        colour.setAlpha(max(colour.alpha(), LONE_POINT_ALPHA))
        item.setSymbol("o")
        item.setSymbolSize(LONE_POINT_SIZE)
        item.setSymbolBrush(pg.mkBrush(colour))
        item.setSymbolPen(pg.mkPen(colour))
    elif item.opts["symbol"] is not None:
        item.setSymbol(None)
