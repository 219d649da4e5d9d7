"""A colour bar redraws its axis only when its range or labels change, and always when they do."""

import pyqtgraph as pg
import pytest

from cnnviz.ui.viewers.colour_bars import colorbar_tick_labels, set_colorbar_levels, set_colorbar_scale


@pytest.fixture
def shown_colorbar(qtbot):
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    colorbar = pg.ColorBarItem(values=(0.0, 1.0), interactive=False, colorMapMenu=False)
    widget.addItem(colorbar)
    widget.resize(200, 300)
    widget.show()
    widget.grab()   # paint once: the axis keeps its drawing
    return widget, colorbar


def test_new_levels_relabel_the_colour_bar(shown_colorbar):
    widget, colorbar = shown_colorbar
    set_colorbar_levels(colorbar, (0.0, 2.0))
    assert colorbar.levels() == (0.0, 2.0)
    assert colorbar_tick_labels(colorbar)[0] == "0" and colorbar_tick_labels(colorbar)[-1] == "2"
    set_colorbar_levels(colorbar, (-0.5, 3.5))
    labels = colorbar_tick_labels(colorbar)
    assert labels[0] == "-0.5" and labels[-1] == "3.5" and "0" in labels


def test_the_same_levels_keep_the_axis_drawing(shown_colorbar):
    widget, colorbar = shown_colorbar
    set_colorbar_levels(colorbar, (0.0, 2.0))
    widget.grab()
    assert colorbar.axis.picture is not None
    set_colorbar_levels(colorbar, (0.0, 2.0))
    assert colorbar.axis.picture is not None, "unchanged ticks were set again (the axis is drawn anew)"
    set_colorbar_scale(colorbar, (0.0, 1.0), [(0.0, "min"), (1.0, "max")])
    assert colorbar_tick_labels(colorbar) == ["min", "max"] and colorbar.axis.picture is None
    widget.grab()
    set_colorbar_scale(colorbar, (0.0, 1.0), [(0.0, "min"), (1.0, "max")])
    assert colorbar.axis.picture is not None


def test_a_grid_s_colour_bar_is_labelled_once_and_relabelled_when_its_scale_changes(qtbot):
    import numpy as np

    from cnnviz.ui.viewers.grid_figure import GridFigure

    figure = GridFigure("activation")
    qtbot.addWidget(figure)
    levels = np.array([[0.0, 2.0], [0.0, 1.0]])
    colorbar = figure.colorbar()
    figure.update_colorbar("viridis", levels, shared_scale=True, symmetric=False, value_label="activation")
    assert colorbar.getAxis("left").labelText == "activation"
    assert colorbar.axis.labelText == "", "the label is drawn twice, beside the bar and beside its ticks"
    figure.update_colorbar("viridis", levels, shared_scale=False, symmetric=False, value_label="activation")
    assert colorbar.getAxis("left").labelText == "activation (each map)"
    assert colorbar_tick_labels(colorbar) == ["min", "max"]
    figure.update_colorbar("viridis", levels, shared_scale=True, symmetric=False, value_label="activation")
    assert colorbar.getAxis("left").labelText == "activation"
    assert colorbar_tick_labels(colorbar)[-1] == "2"
