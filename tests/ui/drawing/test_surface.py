"""Tests of the drawing surface: mouse and pen strokes, round dots, buttons that do not draw."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt

from tests.ui.drawing.helpers import SIGNAL_TIMEOUT_MS, draw, send_mouse, send_tablet


def test_mouse_drawing_emits_an_input_with_ink(qtbot, canvas):
    surface = canvas.surface
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        qtbot.mousePress(surface, Qt.MouseButton.LeftButton, pos=QPoint(60, 60))
        for x in range(70, 221, 10):
            qtbot.mouseMove(surface, QPoint(x, 60 + (x - 60) // 2))
        qtbot.mouseRelease(surface, Qt.MouseButton.LeftButton, pos=QPoint(220, 140))
    model_input = blocker.args[0]
    assert isinstance(model_input, np.ndarray)
    assert model_input.shape == (1, 28, 28, 1)
    assert model_input.dtype == np.float32
    assert model_input.max() == pytest.approx(1.0)
    assert np.count_nonzero(model_input > 0.5) > 20
    assert not model_input.flags.writeable
    assert canvas.current_input() is model_input
    image = canvas.canvas_image()
    assert image[60, 60] == 255 and image[140, 220] == 255 and image[100, 140] == 255
    assert image[200, 60] == 0


def test_mouse_events_sent_directly_draw_a_line(qtbot, canvas):
    surface = canvas.surface
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS):
        send_mouse(surface, QEvent.Type.MouseButtonPress, QPointF(40, 200), left, left)
        send_mouse(surface, QEvent.Type.MouseMove, QPointF(140, 200), none, left)
        send_mouse(surface, QEvent.Type.MouseButtonRelease, QPointF(240, 200), left, none)
    row = canvas.canvas_image()[200]
    assert np.all(row[40:241] == 255)
    assert not surface.is_drawing


def test_right_button_does_not_draw(qtbot, canvas):
    surface = canvas.surface
    right, none = Qt.MouseButton.RightButton, Qt.MouseButton.NoButton
    send_mouse(surface, QEvent.Type.MouseButtonPress, QPointF(40, 40), right, right)
    send_mouse(surface, QEvent.Type.MouseMove, QPointF(200, 200), none, right)
    send_mouse(surface, QEvent.Type.MouseButtonRelease, QPointF(200, 200), right, none)
    assert not canvas.canvas_image().any()


def test_pen_pressure_sets_stroke_width(qtbot, canvas):
    surface = canvas.surface

    def pen_stroke(pressure):
        canvas.clear()
        with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS):
            accepted = send_tablet(surface, QEvent.Type.TabletPress, QPointF(60, 140), pressure)
            send_tablet(surface, QEvent.Type.TabletMove, QPointF(220, 140), pressure)
            send_tablet(surface, QEvent.Type.TabletRelease, QPointF(220, 140), pressure)
        assert accepted.isAccepted()
        return np.count_nonzero(canvas.canvas_image() > 127)

    assert pen_stroke(0.1) < 0.6 * pen_stroke(1.0)


def test_single_point_paints_a_round_dot(qtbot, canvas):
    canvas.brush_size = 20
    draw(qtbot, canvas, [(140, 140)])
    ink = canvas.canvas_image() > 127
    rows, columns = np.nonzero(ink)
    assert 16 <= rows.max() - rows.min() + 1 <= 22
    assert 16 <= columns.max() - columns.min() + 1 <= 22
    assert not ink[130, 130 - 10]
