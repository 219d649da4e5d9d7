"""A colour model's canvas: ink and background colours chosen as a person does, drawn and opened in colour."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit

from tests.ui.drawing.helpers import SIGNAL_TIMEOUT_MS, drag

COLOUR_SHAPE = (20, 24, 3)
HORIZONTAL = [(60, 100), (220, 100)]    # upper half of the canvas
LOWER = [(60, 200), (220, 200)]         # lower half


def make_colour(qtbot, canvas):
    canvas.set_model(None, COLOUR_SHAPE)
    assert canvas.colours.isVisible()


def stroke(qtbot, canvas, points):
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as drawn:
        drag(qtbot, canvas.surface, points)
    return drawn.args[0]


def choose_in_dialog(qtbot, control, button, html: str) -> None:
    """Click a colour button, type ``html`` into the dialog's HTML field, press OK."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: control.dialog() is not None, timeout=SIGNAL_TIMEOUT_MS)
    dialog = control.dialog()
    field = next(edit for edit in dialog.findChildren(QLineEdit) if edit.text().startswith("#"))
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(field, html)
    qtbot.keyClick(field, Qt.Key.Key_Tab)
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: control.dialog() is None, timeout=SIGNAL_TIMEOUT_MS)


def band(model_input, top: bool) -> np.ndarray:
    """The colour of the brightest pixel of the input's upper or lower half (a stroke's middle)."""
    plane = model_input[0]
    half = plane[: plane.shape[0] // 2] if top else plane[plane.shape[0] // 2:]
    pixels = half.reshape(-1, 3)
    return pixels[np.argmax(pixels.sum(axis=1))]


def test_a_grey_model_keeps_white_on_black_and_no_colour_controls(qtbot, canvas):
    assert not canvas.colours.isVisible()
    model_input = stroke(qtbot, canvas, HORIZONTAL)
    assert model_input.shape[-1] == 1
    assert not canvas.surface.is_colour()


def test_strokes_reach_a_colour_model_in_the_chosen_colours(qtbot, canvas):
    make_colour(qtbot, canvas)
    qtbot.mouseClick(canvas.colours.swatch("red"), Qt.MouseButton.LeftButton)
    red = band(stroke(qtbot, canvas, HORIZONTAL), top=True)
    assert red[0] > 0.8 and red[1] < 0.1 and red[2] < 0.1

    choose_in_dialog(qtbot, canvas.colours, canvas.colours.ink_button, "#00ff00")
    assert canvas.colours.ink().name() == "#00ff00"
    model_input = stroke(qtbot, canvas, LOWER)
    green = band(model_input, top=False)
    assert green[1] > 0.8 and green[0] < 0.1 and green[2] < 0.1
    assert band(model_input, top=True)[0] > 0.8         # the red stroke is still there
    np.testing.assert_array_equal(canvas.prediction_view.preview_colour_pixels(),
                                  np.round(model_input[0] * 255).astype(np.uint8))
    assert model_input[0, 0, 0].max() == 0.0             # black background

    # A blue background: the strokes stay, the corner turns blue, and the model gets it at once.
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as changed:
        choose_in_dialog(qtbot, canvas.colours, canvas.colours.background_button, "#0000ff")
    corner = changed.args[0][0, 0, 0]
    assert corner[2] > 0.9 and corner[0] < 0.05 and corner[1] < 0.05
    assert band(changed.args[0], top=False)[1] > 0.8

    # Undo takes the green stroke back; Clear leaves no input.
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as undone:
        qtbot.mouseClick(canvas.undo_button, Qt.MouseButton.LeftButton)
    lower = undone.args[0][0, COLOUR_SHAPE[0] // 2 + 2:]
    assert lower[..., 1].max() < 0.1
    with qtbot.waitSignal(canvas.sig_input_cleared, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.mouseClick(canvas.clear_button, Qt.MouseButton.LeftButton)
    assert canvas.current_input() is None


def test_a_colour_png_opens_in_colour_for_a_colour_model_and_grey_for_a_grey_one(qtbot, canvas, tmp_path):
    path = tmp_path / "orange-square.png"
    picture = QImage(80, 60, QImage.Format.Format_RGB32)
    picture.fill(QColor("#2060ff"))
    for row in range(15, 45):
        for column in range(25, 55):
            picture.setPixelColor(column, row, QColor("#ff8000"))
    assert picture.save(str(path))

    make_colour(qtbot, canvas)
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as opened:
        assert canvas.load_image_file(str(path))
    model_input = opened.args[0]
    centre = model_input[0, COLOUR_SHAPE[0] // 2, COLOUR_SHAPE[1] // 2]
    np.testing.assert_allclose(centre, [1.0, 0x80 / 255, 0.0], atol=0.05)
    preview = canvas.prediction_view.preview_colour_pixels()
    assert preview.shape == COLOUR_SHAPE
    assert preview[COLOUR_SHAPE[0] // 2, COLOUR_SHAPE[1] // 2, 0] > 240
    assert preview[COLOUR_SHAPE[0] // 2, COLOUR_SHAPE[1] // 2, 2] < 15
    assert "colours kept" in canvas.message()
    rgb = canvas.canvas_rgb()
    assert tuple(rgb[140, 140]) == (255, 128, 0)

    canvas.set_model(None, (28, 28, 1))
    assert not canvas.colours.isVisible()
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as grey:
        assert canvas.load_image_file(str(path))
    assert grey.args[0].shape == (1, 28, 28, 1)
    assert "converted from colour to grey" in canvas.message()


def test_the_eraser_gives_the_background_back(qtbot, canvas):
    make_colour(qtbot, canvas)
    qtbot.mouseClick(canvas.colours.swatch("yellow"), Qt.MouseButton.LeftButton)
    stroke(qtbot, canvas, HORIZONTAL)
    assert canvas.canvas_rgb()[100, 140, 0] > 200
    surface = canvas.surface
    surface.begin_stroke(QPoint(60, 100), 40, erase=True)
    surface.extend_stroke(QPoint(220, 100), 40)
    surface.end_stroke()
    assert tuple(canvas.canvas_rgb()[100, 140]) == (0, 0, 0)
    assert not surface.has_ink()


def test_a_colour_shapes_model_draws_shapes_in_colour(qtbot, canvas):
    canvas.set_model("shapes-colour", (32, 32, 3))
    assert canvas.mode() == "shapes" and canvas.notice() == ""
    assert canvas.class_names() == ("square", "triangle", "circle")
    assert canvas.colours.isVisible()
