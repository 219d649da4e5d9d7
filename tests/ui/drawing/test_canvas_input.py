"""Tests of the picture on the canvas and its model input: framing, clear and undo, debouncing, set_image."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from cnnviz.ui.drawing.canvas_input import DEBOUNCE_MS, MAX_WAIT_MS
from cnnviz.ui.drawing.modes import EMPTY_MESSAGE
from cnnviz.ui.drawing.surface import CANVAS_SIZE
from tests.ui.drawing.helpers import SEVEN, SIGNAL_TIMEOUT_MS, centre_of_mass, draw


def test_strokes_in_either_half_give_centred_inputs(qtbot, canvas):
    left = draw(qtbot, canvas, [(40, 60), (60, 140), (40, 220)])
    canvas.clear()
    right = draw(qtbot, canvas, [(230, 60), (250, 140), (230, 220)])
    assert canvas.canvas_image()[:, :140].sum() == 0
    for model_input in (left, right):
        row, column = centre_of_mass(model_input)
        assert abs(row - 14) <= 1.0 and abs(column - 14) <= 1.0
    np.testing.assert_allclose(left, right, atol=0.05)


def test_ink_touching_every_edge_is_still_ink(qtbot, canvas):
    canvas.brush_size = 30
    last = CANVAS_SIZE - 1
    model_input = draw(qtbot, canvas, [(0, 0), (last, 0), (last, last), (0, last), (0, 0)])
    plane = model_input[0, :, :, 0]
    assert plane[14, 14] == 0.0
    assert plane[14, 4:24].max() == pytest.approx(1.0)


def test_stroke_needs_a_point(canvas):
    with pytest.raises(ValueError, match="at least one"):
        canvas.stroke([])


def test_clear_emits_cleared_and_drops_the_input(qtbot, canvas):
    draw(qtbot, canvas, SEVEN)
    canvas.show_probabilities(np.full(10, 0.1))
    with qtbot.assertNotEmitted(canvas.sig_input_changed), \
            qtbot.waitSignal(canvas.sig_input_cleared, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.mouseClick(canvas.clear_button, Qt.MouseButton.LeftButton)
    assert canvas.current_input() is None
    assert not canvas.canvas_image().any()
    assert canvas.message() == EMPTY_MESSAGE
    assert not canvas.prediction_view.preview_pixels().any()
    assert canvas.probabilities() is None
    assert not canvas.chart.bar_heights().any()


def test_undo_restores_the_previous_stroke(qtbot, canvas):
    first = draw(qtbot, canvas, SEVEN)
    before = canvas.canvas_image()
    draw(qtbot, canvas, [(100, 150), (200, 150)])
    assert not np.array_equal(canvas.canvas_image(), before)
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(canvas.undo_button, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(canvas.canvas_image(), before)
    np.testing.assert_array_equal(blocker.args[0], first)
    with qtbot.waitSignal(canvas.sig_input_cleared, timeout=SIGNAL_TIMEOUT_MS):
        canvas.undo()
    assert not canvas.canvas_image().any()
    assert canvas.current_input() is None
    assert not canvas.undo_button.isEnabled()
    canvas.undo()  # nothing left to undo: no error
    assert not canvas.canvas_image().any()


def test_undo_brings_back_a_cleared_drawing(qtbot, canvas):
    draw(qtbot, canvas, SEVEN)
    before = canvas.canvas_image()
    canvas.clear()
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS):
        canvas.undo()
    np.testing.assert_array_equal(canvas.canvas_image(), before)
    assert canvas.current_input() is not None


def test_undo_keeps_at_most_fifty_steps(qtbot, canvas):
    canvas.brush_size = 2
    for index in range(60):
        canvas.stroke([(10 + 4 * index, 20)])
    assert canvas.canvas_input.undo_steps() == 50


def test_ctrl_z_undoes(qtbot, canvas):
    draw(qtbot, canvas, SEVEN)
    before = canvas.canvas_image()
    draw(qtbot, canvas, [(40, 250), (240, 250)])
    canvas.activateWindow()
    canvas.surface.setFocus()
    qtbot.waitUntil(canvas.surface.hasFocus)
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClick(canvas.surface, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(canvas.canvas_image(), before)


def test_rapid_strokes_are_debounced(qtbot, canvas):
    emitted, times = [], []
    canvas.sig_input_changed.connect(emitted.append)
    canvas.sig_input_changed.connect(lambda _input: times.append(time.perf_counter()))
    num_strokes = 20
    for index in range(num_strokes):
        canvas.stroke([(30 + 10 * index, 100), (30 + 10 * index, 180)])
        QApplication.processEvents()
        time.sleep(0.002)
    qtbot.waitUntil(lambda: not canvas.canvas_input.update_pending(), timeout=SIGNAL_TIMEOUT_MS)
    assert 1 <= len(emitted) < num_strokes
    # At most one input a frame (the coarse timer may fire up to 5 % early).
    assert min(np.diff(times), default=1.0) >= 0.95 * MAX_WAIT_MS / 1000
    # The last emission reflects the finished drawing.
    expected = canvas.current_input()
    assert emitted[-1] is expected


def test_the_first_stroke_after_a_pause_makes_an_input_at_once(qtbot, canvas):
    emitted = []
    canvas.sig_input_changed.connect(emitted.append)
    canvas.stroke([(100, 60), (120, 200)])
    assert emitted == []                 # not inside the mouse event itself, but on the next turn of
    QApplication.processEvents()         # the event loop, with no debounce wait
    assert len(emitted) == 1 and emitted[-1] is canvas.current_input()
    qtbot.wait(DEBOUNCE_MS + 20)         # a pause: the next stroke is answered at once again
    canvas.stroke([(160, 60), (180, 200)])
    QApplication.processEvents()
    assert len(emitted) == 2 and not canvas.canvas_input.update_pending()


def test_a_long_stroke_updates_while_it_goes_on(qtbot, canvas):
    emitted = []
    canvas.sig_input_changed.connect(emitted.append)
    surface = canvas.surface
    surface.begin_stroke(QPointF(20, 140), canvas.brush_size)
    for step in range(40):
        surface.extend_stroke(QPointF(20 + 6 * step, 140 + (step % 5)), canvas.brush_size)
        qtbot.wait(10)
    emitted_while_drawing = len(emitted)
    surface.end_stroke()
    # About 400 ms of changes, each well within the debounce delay of the last: only
    # the MAX_WAIT_MS deadline can have produced these updates.
    assert emitted_while_drawing >= 2
    assert emitted_while_drawing >= 400 // MAX_WAIT_MS // 2


def test_drawing_over_a_sample_drops_its_label(qtbot, canvas):
    canvas.load_sample(3)
    sample_input = canvas.current_input()
    with qtbot.waitSignal(canvas.sig_label_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        new_input = draw(qtbot, canvas, [(20, 260), (260, 260)])
    assert blocker.args[0] is None
    assert not np.array_equal(new_input, sample_input)
    with qtbot.waitSignal(canvas.sig_label_changed, timeout=SIGNAL_TIMEOUT_MS) as restored:
        canvas.undo()
    assert restored.args[0] is not None
    np.testing.assert_array_equal(canvas.current_input(), sample_input)


def test_set_image_accepts_rgba_with_a_transparent_background(qtbot, canvas):
    picture = np.zeros((60, 90, 4), np.uint8)
    picture[10:50, 40:48] = (0, 0, 0, 255)  # black ink, transparent elsewhere
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        canvas.set_image(picture, label=1)
    row, column = centre_of_mass(blocker.args[0])
    assert abs(row - 14) <= 1.0 and abs(column - 14) <= 1.0
    assert canvas.label() == 1


def test_set_image_preprocessed_skips_recentring(qtbot, canvas):
    picture = np.zeros((28, 28), np.uint8)
    picture[2:8, 2:8] = 200
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        canvas.set_image(picture, preprocessed=True)
    np.testing.assert_allclose(blocker.args[0][0, :, :, 0], picture / 255.0, atol=1e-6)


def test_set_image_validates(canvas):
    with pytest.raises(ValueError, match="28 x 28"):
        canvas.set_image(np.zeros((30, 30)), preprocessed=True)
    with pytest.raises(ValueError):
        canvas.set_image(np.zeros((5, 5, 2)))
    with pytest.raises(ValueError, match="label"):
        canvas.set_image(np.ones((28, 28)), label=-3)
