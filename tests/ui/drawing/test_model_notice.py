"""Tests of the model notice: said when the model was not trained on what is drawn, with the bundled model offered."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from cnnviz.core.datasets.shapes import SHAPE_CLASSES
from cnnviz.core.resources import resource_path
from cnnviz.ui.drawing.model_notice import ModelNotice
from tests.ui.drawing.helpers import SIGNAL_TIMEOUT_MS, choose_mode_with_keys, circle_points, drag


def test_shapes_drawn_for_a_digit_model_are_flagged_and_the_shapes_model_offered(qtbot, canvas):
    canvas.set_model("mnist-sample", (28, 28, 1))
    assert canvas.notice() == ""
    choose_mode_with_keys(qtbot, canvas, "shapes")
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS):
        drag(qtbot, canvas.surface, circle_points())
    # The digit model's answer, shown as it is, and beside it why it means nothing.
    canvas.show_probabilities(np.eye(10)[0] * 0.99 + 0.001)
    assert canvas.prediction_text().startswith("Prediction: 0")
    notice = canvas.notice()
    assert "trained on digits (mnist-sample)" in notice and "means nothing" in notice
    assert canvas.prediction_view.notice.isVisible()
    button = canvas.notice_button
    assert button.isVisible() and button.text() == "Use the shapes model"
    with qtbot.waitSignal(canvas.sig_model_requested, timeout=SIGNAL_TIMEOUT_MS) as requested:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert requested.args[0] == str(resource_path("shapes_model.npz"))
    assert "shapes_model.npz" in canvas.message()

    canvas.set_model("shapes", (28, 28, 1))  # what the window does once the model is open
    assert canvas.notice() == "" and not canvas.prediction_view.notice.isVisible()
    assert canvas.mode() == "shapes" and canvas.class_names() == tuple(SHAPE_CLASSES)
    assert "shapes_model.npz" not in canvas.message()  # "Opening …" does not outlive the opening


def test_digits_drawn_for_a_shapes_model_offer_the_digits_model(qtbot, canvas):
    canvas.set_model("shapes", (28, 28, 1))
    assert canvas.mode() == "shapes" and canvas.mode_combo.currentData() == "shapes"
    assert canvas.notice() == ""
    choose_mode_with_keys(qtbot, canvas, "digits")
    assert "trained on shapes" in canvas.notice() and "a digit means nothing" in canvas.notice()
    assert canvas.notice_button.text() == "Use the digits model"
    with qtbot.waitSignal(canvas.sig_model_requested, timeout=SIGNAL_TIMEOUT_MS) as requested:
        qtbot.mouseClick(canvas.notice_button, Qt.MouseButton.LeftButton)
    assert requested.args[0] == str(resource_path("reference_model.npz"))
    choose_mode_with_keys(qtbot, canvas, "shapes")  # back to what the model knows
    assert canvas.notice() == ""


def test_a_model_of_unknown_training_data_is_said_to_be_unknown(qtbot, canvas):
    canvas.set_model(None, (28, 28, 1))
    assert "does not say what it was trained on" in canvas.notice()
    assert canvas.notice_button.isVisible() and canvas.notice_button.text() == "Use the digits model"
    choose_mode_with_keys(qtbot, canvas, "shapes")
    assert "a shape may mean nothing" in canvas.notice()
    assert canvas.notice_button.text() == "Use the shapes model"


def test_the_notice_moves_nothing(qtbot, free_canvas):
    canvas = free_canvas
    canvas.set_model("mnist-sample", (28, 28, 1))
    QApplication.processEvents()
    surface_before, chart_before = canvas.surface_size(), canvas.chart.size()
    choose_mode_with_keys(qtbot, canvas, "shapes")
    QApplication.processEvents()
    assert canvas.notice()
    assert canvas.surface_size() == surface_before and canvas.chart.size() == chart_before
    assert not canvas.prediction_view.notice.is_elided()  # the whole notice is readable


def test_the_notice_covers_its_area_and_offers_the_bundled_model(qtbot):
    area = QWidget()
    qtbot.addWidget(area)
    area.resize(300, 160)
    notice = ModelNotice(area)
    area.show()
    qtbot.waitExposed(area)
    assert notice.isHidden() and notice.text() == "" and notice.offered_model() is None
    notice.update_for("shapes", "mnist")
    assert not notice.isHidden() and notice.geometry() == area.rect()
    assert "trained on digits (mnist)" in notice.text() and not notice.is_elided()
    assert notice.offered_model() == resource_path("shapes_model.npz")
    area.resize(260, 200)
    qtbot.waitUntil(lambda: notice.geometry() == area.rect(), timeout=SIGNAL_TIMEOUT_MS)
    with qtbot.waitSignal(notice.sig_model_requested, timeout=SIGNAL_TIMEOUT_MS) as requested:
        qtbot.mouseClick(notice.button, Qt.MouseButton.LeftButton)
    assert requested.args == [str(resource_path("shapes_model.npz"))]
    notice.update_for("shapes", "shapes")
    assert notice.isHidden() and notice.text() == "" and notice.offered_model() is None


def test_without_a_bundled_model_the_notice_says_how_to_get_one(qtbot):
    area = QWidget()
    qtbot.addWidget(area)
    area.resize(320, 200)
    notice = ModelNotice(area)
    area.show()
    notice.update_for("clothing", "mnist-sample")
    assert "a piece of clothing means nothing" in notice.text()
    assert "Build and train a model on fashion-mnist" in notice.text()
    assert notice.button.isHidden() and notice.offered_model() is None
    notice.update_for("digits", None)  # no model yet: nothing to say
    assert notice.text() == ""
