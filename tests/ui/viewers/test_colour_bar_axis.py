"""A colour bar's axis works out the drawing pyqtgraph's general method would, line for line and label
for label, for every orientation and range (including ticks outside the range and labels that do not fit)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage, QPainter

from cnnviz.ui.viewers.colour_bar_axis import quick_tick_specs, use_quick_tick_specs
from cnnviz.ui.viewers.colour_bars import set_colorbar_levels
from tests.ui.viewers.helpers import shown


def specs_as_values(specs):
    if specs is None:
        return None
    (pen, start, end), ticks, texts = specs
    line = (pen.color().rgba(), pen.widthF(), start.x(), start.y(), end.x(), end.y())
    tick_values = [(tick_pen.color().rgba(), tick_pen.widthF(), a.x(), a.y(), b.x(), b.y()) for tick_pen, a, b in ticks]
    text_values = [(rect.x(), rect.y(), rect.width(), rect.height(), int(flags), text) for rect, flags, text in texts]
    return line, tick_values, text_values


@pytest.mark.parametrize("orientation", ["vertical", "horizontal"])
def test_the_quick_specs_are_pyqtgraphs_for_any_range(qtbot, orientation):
    widget = pg.GraphicsLayoutWidget()
    bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=pg.colormap.get("viridis"), interactive=False,
                          orientation=orientation, label="a label")
    widget.addItem(bar)
    shown(qtbot, widget, 420, 300)
    axis = bar.axis
    rng = np.random.default_rng(0)
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    compared = 0
    for trial in range(60):
        low = -float(rng.choice([0.0, 1e-7, 0.03, 2.5, 400.0])) * rng.uniform(0.2, 1.0)
        high = float(rng.choice([1e-6, 0.07, 1.0, 3e4])) * rng.uniform(0.2, 1.0)
        set_colorbar_levels(bar, (low, high), count=3 if trial % 2 else 5)
        if trial % 7 == 0:   # ticks past the range are left out; a label too wide for the axis too
            axis.setTicks([[(low - 1.0, "below"), (0.5 * (low + high), "a label far too long to fit " * 3),
                            (high + 1.0, "above")]])
        painter = QPainter(image)
        try:
            expected = specs_as_values(pg.AxisItem.generateDrawSpecs(axis, painter))
            quick = specs_as_values(quick_tick_specs(axis, painter))
        finally:
            painter.end()
        assert quick == expected, f"trial {trial}: range {low:g} .. {high:g}"
        compared += expected is not None and len(expected[2]) > 0
    assert compared > 40   # most trials drew labels


def test_the_viewers_colour_bars_use_them(qtbot):
    from cnnviz.ui.viewers.filter_grid import FilterGrid
    from cnnviz.ui.viewers.saliency_panel import SaliencyPanel

    panel, grid = SaliencyPanel(), FilterGrid()
    for bar in [*panel.colorbars(), grid.colorbar()]:
        assert bar.axis.generateDrawSpecs.func is quick_tick_specs
    other = use_quick_tick_specs(pg.AxisItem("left"))
    assert other.generateDrawSpecs.func is quick_tick_specs
