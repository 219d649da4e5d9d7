"""Where a run's loss broke: a cross and the word "diverged" at the last finite value of a curve whose
loss became NaN or infinite, so a run that diverged at once is still seen.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

DIVERGED_COLOUR = "#c62828"
"""The colour of the word "diverged"."""


class DivergenceMarker(pg.PlotDataItem):
    """A cross and the word "diverged" at the last finite point of a curve that diverged.

    Add it to the plot like any data item (it follows the plot's log mode) and :meth:`place` it.

    Parameters
    ----------
    colour : str
        The run's colour; the word is written in red.
    """

    def __init__(self, colour: str):
        super().__init__(pen=None, symbol="x", symbolSize=12, symbolPen=pg.mkPen(colour, width=2.5),
                         symbolBrush=pg.mkBrush(colour))
        self.setObjectName("diverged marker")
        self.setZValue(20)
        self._label = pg.TextItem("diverged", color=DIVERGED_COLOUR, anchor=(0, 1))
        self._label.setParentItem(self)
        self._label.setVisible(False)
        self._position: tuple[float, float] | None = None

    def place(self, x: float | None, y: float | None = None) -> None:
        """Mark the point ``(x, y)`` (data coordinates); ``None`` removes the mark."""
        if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)):
            self._position = None
            self.setData(np.zeros(0), np.zeros(0))
        else:
            self._position = (float(x), float(y))
            self.setData(np.array([x], dtype=float), np.array([y], dtype=float))
        self._update_label()

    def position(self) -> tuple[float, float] | None:
        """The marked point in data coordinates, or ``None``."""
        return self._position

    def setLogMode(self, x_state: bool, y_state: bool) -> None:  # noqa: N802  (pyqtgraph's name)
        super().setLogMode(x_state, y_state)
        self._update_label()

    def viewRangeChanged(self, *args, **kwargs) -> None:  # noqa: N802
        super().viewRangeChanged(*args, **kwargs)
        self._update_label()

    def _update_label(self) -> None:
        x, y = self.getData()  # in display coordinates: log10 of the data in log mode
        if self._position is None or x is None or len(x) == 0 or not np.isfinite([x[0], y[0]]).all():
            self._label.setVisible(False)
            return
        self._label.setPos(float(x[0]), float(y[0]))
        view = self.getViewBox()
        if view is not None:
            # Written towards the middle of the view, so the word stays inside it at any edge.
            (left, right), (bottom, top) = view.viewRange()
            on_right = x[0] > (left + right) / 2
            on_top = y[0] > (bottom + top) / 2
            self._label.setAnchor((1.1 if on_right else -0.1, -0.1 if on_top else 1.1))
        self._label.setVisible(True)


def divergence_point(x: np.ndarray, y: np.ndarray, diverged: bool = False) -> tuple[float, float] | None:
    """Where a curve diverged: its last finite point before its first NaN or infinite value.

    Parameters
    ----------
    x, y : ndarray
        The curve, shape (n,) each, non-finite values included.
    diverged : bool
        Whether the run is known to have diverged; a curve that stayed finite (training stops at an
        exploding but finite loss) is then marked at its last point.

    Returns
    -------
    tuple of float or None
        ``(x, y)``, or ``None`` when the curve did not diverge or has no finite point before it did.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    broken = np.flatnonzero(~np.isfinite(y))
    end = int(broken[0]) if broken.size else (len(y) if diverged else 0)
    finite = np.flatnonzero(np.isfinite(y[:end]) & np.isfinite(x[:end]))
    if finite.size == 0:
        return None
    return float(x[finite[-1]]), float(y[finite[-1]])
