"""The Features tab driven as a person does: choose a layer and settings by typing, click Visualize,
All filters, Top images, a grid cell, a top image (into the canvas) and Cancel; the pictures match the
science functions and the answers are kept for the model."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton

from cnnviz.science.feature_vis import Settings, visualize
from tests.ui.explain.conftest import TIMEOUT, engine_of


def open_features_tab(qtbot, window):
    bar = window.tabs.tabBar()
    index = next(index for index in range(window.tabs.count()) if window.tabs.tabText(index) == "Features")
    scroll_right = next((button for button in bar.findChildren(QToolButton)
                         if button.arrowType() == Qt.RightArrow), None)
    for _ in range(window.tabs.count()):
        if bar.rect().contains(bar.tabRect(index)) or scroll_right is None or not scroll_right.isVisible():
            break
        qtbot.mouseClick(scroll_right, Qt.LeftButton)
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(index).center())
    assert window.current_view() is window.features_panel
    return window.features_panel


def type_into(qtbot, spin, text):
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key_Tab)


def test_visualize_shows_the_filter_evolving_then_the_result(qtbot, window):
    panel = open_features_tab(qtbot, window)
    assert [panel.form.layer_combo.itemText(i) for i in range(panel.form.layer_combo.count())] == [
        "conv2d", "max_pooling2d", "dense", "dense_1"]
    type_into(qtbot, panel.form.steps_spin, "40")
    type_into(qtbot, panel.form.unit_spin, "6")
    progress = []
    window.service.feature_vis.sig_visualization_progress.connect(progress.append)
    with qtbot.waitSignal(window.features.sig_answer_shown, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(panel.visualize_button, Qt.LeftButton)
    answer = blocker.args[0]
    assert answer.result.units == (6,) and answer.result.settings.steps == 40
    expected = visualize(engine_of(window), "conv2d", [6], Settings(steps=40))
    np.testing.assert_allclose(answer.result.images, expected.images, rtol=1e-5, atol=1e-6)
    assert progress and not panel.image_label.pixmap().isNull() and not panel.spectrum_label.pixmap().isNull()
    assert "filter 6: objective" in panel.value_label.text()
    assert panel.visualize_button.isEnabled() and not panel.cancel_button.isEnabled()


def test_all_filters_fill_the_grid_and_a_click_shows_one_then_the_answer_is_kept(qtbot, window):
    panel = open_features_tab(qtbot, window)
    type_into(qtbot, panel.form.steps_spin, "8")
    with qtbot.waitSignal(window.features.sig_answer_shown, timeout=TIMEOUT):
        qtbot.mouseClick(panel.grid_button, Qt.LeftButton)
    assert len(panel.grid.buttons) == 28
    qtbot.mouseClick(panel.grid.buttons[5], Qt.LeftButton)
    assert panel.form.unit_spin.value() == 5 and "conv2d, filter 5:" in panel.value_label.text()
    with qtbot.waitSignal(window.features.sig_answer_shown, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(panel.grid_button, Qt.LeftButton)
    assert blocker.args[0].cached and "earlier answer" in panel.status_label.text()


def test_top_images_show_for_the_filter_and_a_click_loads_one_into_the_canvas(qtbot, window):
    panel = open_features_tab(qtbot, window)
    type_into(qtbot, panel.form.unit_spin, "3")
    with qtbot.waitSignal(window.features.sig_answer_shown, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(panel.top_button, Qt.LeftButton)
    result = blocker.args[0].result
    assert len(panel.top_grid.buttons) == 9 and len(panel.crop_grid.buttons) == 9
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT):
        qtbot.mouseClick(panel.top_grid.buttons[0], Qt.LeftButton)
    np.testing.assert_allclose(window.canvas.current_input()[0], result.images[3, 0], atol=1e-6)
    maps = engine_of(window).feature_maps(window.canvas.current_input())["conv2d"]
    assert maps[0, :, :, 3].max() == pytest.approx(result.activations[3, 0], rel=1e-5)


def test_cancel_stops_a_long_visualization(qtbot, window):
    panel = open_features_tab(qtbot, window)
    type_into(qtbot, panel.form.steps_spin, "9999")

    def click_cancel(_progress):
        if panel.cancel_button.isEnabled():
            qtbot.mouseClick(panel.cancel_button, Qt.LeftButton)

    window.service.feature_vis.sig_visualization_progress.connect(click_cancel)
    with qtbot.waitSignal(window.features.sig_answer_shown, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(panel.visualize_button, Qt.LeftButton)
    assert blocker.args[0].cancelled and panel.visualize_button.isEnabled()
    assert panel.status_label.text() == "Cancelled."


def test_ctrl_6_and_the_view_menu_open_the_features_tab(qtbot, window):
    window.show_tab(window.feature_maps_view)
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key_6, Qt.ControlModifier)
    assert window.current_view() is window.features_panel
    window.show_tab(window.feature_maps_view)
    view_menu = next(action.menu() for action in window.menuBar().actions() if action.text() == "&View")
    next(action for action in view_menu.actions() if action.text() == "Features").trigger()
    assert window.current_view() is window.features_panel
