"""Tests of the brush control: the slider, the size shown beside it, and sizes refused."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cnnviz.ui.drawing.brush_control import MAX_BRUSH_SIZE, MIN_BRUSH_SIZE
from tests.ui.drawing.helpers import draw


def test_brush_size_changes_stroke_thickness(qtbot, canvas):
    counts = []
    for size in (6, 20, 40):
        canvas.clear()
        canvas.brush_size = size
        draw(qtbot, canvas, [(50, 140), (230, 140)])
        counts.append(np.count_nonzero(canvas.canvas_image() > 127))
    assert counts[0] < counts[1] < counts[2]
    assert canvas.brush_size == 40
    assert canvas.brush.slider.value() == 40
    assert canvas.brush.size_text() == "40 px"


def test_brush_slider_sets_brush_size(qtbot, canvas):
    """Keys on the slider, as a person uses it without a mouse: End, Home, then three steps right."""
    slider = canvas.brush.slider
    canvas.activateWindow()
    slider.setFocus()
    qtbot.waitUntil(slider.hasFocus)
    qtbot.keyClick(slider, Qt.Key.Key_End)
    assert canvas.brush_size == MAX_BRUSH_SIZE and canvas.surface.brush_size == MAX_BRUSH_SIZE
    assert canvas.brush.size_text() == f"{MAX_BRUSH_SIZE} px"
    qtbot.keyClick(slider, Qt.Key.Key_Home)
    for _ in range(3):
        qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert canvas.brush_size == MIN_BRUSH_SIZE + 3 and canvas.brush.size_text() == f"{MIN_BRUSH_SIZE + 3} px"


@pytest.mark.parametrize("size", [0, 1000, 2.5, True])
def test_bad_brush_size_is_refused(canvas, size):
    with pytest.raises(ValueError, match="brush_size"):
        canvas.brush_size = size


@pytest.mark.parametrize("width", [330, 240, 200])
def test_the_slider_keeps_room_to_drag_in_a_narrow_panel(qtbot, width):
    """A new user found the slider squeezed to its handle ("Brush ☐ 20 px") beside the mode box: a
    drag of 10 px set the brush to 2 px."""
    from cnnviz.ui.drawing.brush_control import MIN_SLIDER_WIDTH
    from cnnviz.ui.drawing.panel import DrawingCanvas
    from tests.ui.settle import settle

    panel = DrawingCanvas()
    qtbot.addWidget(panel)
    panel.resize(width, 640)
    panel.show()
    qtbot.waitExposed(panel)
    settle(qtbot)
    slider = panel.brush.slider
    assert slider.width() >= MIN_SLIDER_WIDTH
    assert slider.mapTo(panel, slider.rect().topRight()).x() <= panel.width()   # and it is on screen
