"""Tests of the input panel as a whole: its first state, captions and inputs that follow the model."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from cnnviz.core.datasets import FASHION_MNIST_CLASSES
from cnnviz.ui.drawing.modes import EMPTY_MESSAGE
from cnnviz.ui.drawing.sample_picker import NO_SAMPLE
from cnnviz.ui.drawing.surface import CANVAS_SIZE
from tests.ui.drawing.helpers import SEVEN, SIGNAL_TIMEOUT_MS, choose_mode_with_keys, drag, draw, write_digit_png
from tests.ui.person import type_value


def test_starts_empty_with_a_hint(canvas):
    assert canvas.current_input() is None
    assert canvas.message() == EMPTY_MESSAGE
    assert canvas.caption.full_text() == EMPTY_MESSAGE
    assert not canvas.canvas_image().any()
    assert canvas.canvas_image().shape == (CANVAS_SIZE, CANVAS_SIZE)
    assert not canvas.undo_button.isEnabled()


def test_captions_and_class_names_follow_a_fashion_model(qtbot, canvas):
    canvas.clear()
    with qtbot.waitSignal(canvas.sig_mode_changed, timeout=SIGNAL_TIMEOUT_MS) as changed:
        canvas.set_model("fashion-mnist", (28, 28, 1))
    assert changed.args[0] == "clothing" and canvas.mode_combo.currentText() == "Clothing"
    assert canvas.class_names() == FASHION_MNIST_CLASSES
    assert canvas.chart.class_names() == FASHION_MNIST_CLASSES
    assert "clothing" in canvas.message() and "digit" not in canvas.message()
    assert canvas.notice() == ""
    draw(qtbot, canvas, SEVEN)
    assert "Fashion-MNIST" in canvas.message()
    choose_mode_with_keys(qtbot, canvas, "digits")
    assert "trained on clothing (fashion-mnist)" in canvas.notice()
    choose_mode_with_keys(qtbot, canvas, "shapes")
    assert "trained on clothing (fashion-mnist)" in canvas.notice()


def test_the_input_takes_the_models_shape(qtbot, canvas):
    """A colour, non-square model gets colour, non-square inputs from drawings and samples."""
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS):
        drag(qtbot, canvas.surface, [(140, 40), (140, 240)])
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as reshaped:
        canvas.set_model(None, (32, 24, 3))
    assert reshaped.args[0].shape == (1, 32, 24, 3)
    canvas.clear()
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as drawn:
        drag(qtbot, canvas.surface, [(60, 140), (220, 140)])  # a horizontal bar
    model_input = drawn.args[0]
    assert model_input.shape == (1, 32, 24, 3) and model_input.dtype == np.float32
    np.testing.assert_allclose(model_input[..., 0], model_input[..., 2], atol=1e-6)  # white ink
    rows, columns = np.nonzero(model_input[0, :, :, 0] > 0.5)
    assert columns.max() - columns.min() > rows.max() - rows.min()  # still a horizontal bar
    assert abs(rows.mean() - 15.5) <= 1.5 and abs(columns.mean() - 11.5) <= 1.5
    assert canvas.input_shape() == (32, 24, 3)
    assert canvas.prediction_view.preview_title() == "Input 32×24×3"
    assert canvas.prediction_view.preview_pixels().shape == (32, 24)
    assert "32×24×3" in canvas.message()
    canvas.samples.sample_spin.setFocus()
    canvas.samples.sample_spin.selectAll()
    qtbot.keyClicks(canvas.samples.sample_spin, "5")
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as sampled:
        qtbot.mouseClick(canvas.samples.load_button, Qt.MouseButton.LeftButton)
    assert sampled.args[0].shape == (1, 32, 24, 3)
    assert "fitted from 28×28 to 32×24" in canvas.message()
    with pytest.raises(ValueError, match="32 x 24"):
        canvas.set_image(np.zeros((28, 28)), preprocessed=True)
    with pytest.raises(ValueError, match="input_shape"):
        canvas.set_model("mnist", (28, 0, 1))


def test_a_long_caption_moves_nothing(qtbot, free_canvas, tmp_path, monkeypatch):
    canvas = free_canvas
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS):
        drag(qtbot, canvas.surface, SEVEN)
    QApplication.processEvents()
    surface_before = canvas.surface_size()
    minimum_before = canvas.minimumSizeHint()
    path = tmp_path / ("a-scan-of-my-handwritten-seven-from-the-evening-class-on-convolutional-"
                       "networks-second-attempt-with-a-thicker-pen.png")
    write_digit_png(path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *args: (str(path), "")))
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.mouseClick(canvas.open_button, Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert path.name in canvas.message()
    assert canvas.message_is_elided()
    assert canvas.caption.toolTip() == canvas.message()
    assert canvas.surface_size() == surface_before
    # A long prediction (a Fashion-MNIST class) does not widen the panel either.
    canvas.show_probabilities(np.linspace(0.0, 1.0, 10), class_names=("T-shirt/top",) * 9 + (
        "Ankle boot of a remarkably long and descriptive class name",))
    QApplication.processEvents()
    assert canvas.minimumSizeHint().width() == minimum_before.width()
    assert canvas.surface_size() == surface_before


def test_a_new_mode_empties_the_sample_number_and_asks_about_the_picture_at_once(qtbot, canvas):
    canvas.set_model("mnist-sample")
    type_value(qtbot, canvas.samples.sample_spin, "11")
    qtbot.mouseClick(canvas.samples.load_button, Qt.MouseButton.LeftButton)
    assert canvas.samples.sample_spin.text() == "11" and "Test sample #11" in canvas.message()
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=1000) as emitted:
        choose_mode_with_keys(qtbot, canvas, "shapes")
    # The picture is asked about at once (the window predicts it without a stroke) ...
    np.testing.assert_array_equal(emitted.args[0], canvas.current_input())
    # ... the digit model's notice shows at once, and nothing still names the digit sample.
    assert "trained on digits" in canvas.notice()
    assert canvas.samples.sample_spin.text() == NO_SAMPLE
    assert "#11" not in canvas.message() and canvas.label() is None
    # Load with no number takes the first test image of the new mode.
    with qtbot.waitSignal(canvas.sig_label_changed, timeout=1000):
        qtbot.mouseClick(canvas.samples.load_button, Qt.MouseButton.LeftButton)
    assert canvas.samples.sample_spin.text() == "0" and "of shapes" in canvas.message()
