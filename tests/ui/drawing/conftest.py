"""Fixtures of the input panel's tests: the panel, shown, with a surface of fixed or free size."""

import pytest

from cnnviz.ui.drawing.panel import DrawingCanvas
from cnnviz.ui.drawing.surface import CANVAS_SIZE


@pytest.fixture
def canvas(qtbot):
    widget = DrawingCanvas()
    qtbot.addWidget(widget)
    # A surface exactly CANVAS_SIZE square maps widget pixels 1:1 to canvas pixels.
    widget.surface.setFixedSize(CANVAS_SIZE, CANVAS_SIZE)
    widget.resize(380, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def free_canvas(qtbot):
    """A canvas whose surface takes what the layout gives it, in a panel of fixed size."""
    widget = DrawingCanvas()
    qtbot.addWidget(widget)
    widget.setFixedSize(330, 640)
    widget.show()
    qtbot.waitExposed(widget)
    return widget
