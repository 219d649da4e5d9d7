"""The feature-map viewer, fed inspection payloads built from model summaries (no engine)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTabWidget

from cnnviz.core.config import deep_config, reference_config
from cnnviz.ui.viewers.feature_maps import FeatureMapsView
from cnnviz.ui.viewers.figure_text import format_value
from cnnviz.ui.viewers.filter_grid import READOUT_HINT
from tests.ui.settle import settle
from tests.ui.viewers.helpers import TIMEOUT, choose_with_keys, colour_config, hover, make_result, shown


def test_feature_maps_hint_before_any_result(qtbot):
    view = FeatureMapsView()
    qtbot.addWidget(view)
    assert view.is_showing_hint()
    assert "Draw a digit" in view.hint_text()
    view.show_inspection(make_result(reference_config()))
    assert not view.is_showing_hint()
    view.show_inspection(None)
    assert view.is_showing_hint()


def test_feature_maps_lists_every_layer_of_the_model(qtbot):
    view = FeatureMapsView()
    qtbot.addWidget(view)
    view.show_inspection(make_result(reference_config()))
    assert view.available_layers() == ["conv2d", "max_pooling2d", "dropout", "flatten", "dense", "dropout_1",
                                       "dense_1"]
    result = make_result(deep_config())
    view.show_inspection(result)
    assert view.available_layers() == list(result.layer_names)


def test_feature_maps_switching_layer_shows_its_maps(qtbot):
    view = FeatureMapsView()
    qtbot.addWidget(view)
    result = make_result(reference_config())
    view.show_inspection(result)
    assert view.current_layer() == "conv2d"
    np.testing.assert_array_equal(view.grid().images(), np.moveaxis(result.feature_maps["conv2d"][0], -1, 0))
    assert view.title() == "Feature maps — conv2d (28 filters)"
    view.set_current_layer("max_pooling2d")
    np.testing.assert_array_equal(view.grid().images(),
                                  np.moveaxis(result.feature_maps["max_pooling2d"][0], -1, 0))
    assert view.grid().images().shape == (28, 13, 13)
    assert view.title() == "Feature maps — max_pooling2d (28 channels)"
    np.testing.assert_array_equal(view.grid().reference_image(), result.image[0, :, :, 0])
    assert view.export_widget() is view.grid().graphics_widget()


def test_feature_maps_keep_layer_and_items_on_a_new_result(qtbot):
    view = FeatureMapsView()
    qtbot.addWidget(view)
    view.show_inspection(make_result(reference_config(), seed=0))
    view.set_current_layer("max_pooling2d")
    atlas = view.grid().atlas_item()
    second = make_result(reference_config(), seed=1, request_id=2)
    view.show_inspection(second)
    assert view.current_layer() == "max_pooling2d"
    assert view.grid().atlas_item() is atlas
    np.testing.assert_array_equal(view.grid().tiles()[7].image,
                                  second.feature_maps["max_pooling2d"][0, :, :, 7])


def test_feature_maps_new_model_falls_back_when_the_layer_is_gone(qtbot):
    view = FeatureMapsView()
    qtbot.addWidget(view)
    view.show_inspection(make_result(reference_config()))
    view.set_current_layer("dropout")
    view.show_inspection(make_result(deep_config()))
    assert view.current_layer() == "conv2d"
    assert view.grid().images().shape == (8, 28, 28)
    view.set_current_layer("max_pooling2d")
    view.show_inspection(make_result(reference_config()))
    assert view.current_layer() == "max_pooling2d"   # present in both models: kept
    assert view.grid().images().shape == (28, 13, 13)


def test_feature_maps_colour_input_is_shown_in_colour(qtbot):
    view = FeatureMapsView()
    qtbot.addWidget(view)
    result = make_result(reference_config(), input_channels=3)
    view.show_inspection(result)
    np.testing.assert_allclose(view.grid().reference_image(), result.image[0], rtol=1e-6)
    item = view.grid().graphics_widget().reference._item
    item.render()
    pixel = item.qimage.pixelColor(0, 0)
    red, green, blue = np.round(np.asarray(result.image[0, 0, 0]) * 255)
    assert max(abs(pixel.red() - red), abs(pixel.green() - green), abs(pixel.blue() - blue)) <= 2
    assert view.grid().images().shape == (28, 26, 26)


def test_hovering_a_colour_input_reads_its_three_channels(qtbot):
    from PySide6.QtCore import QPointF

    from tests.ui.viewers.helpers import colour_config, hover, shown

    view = shown(qtbot, FeatureMapsView(), 1000, 650)
    result = make_result(colour_config())
    view.show_inspection(result)
    settle(qtbot)
    grid = view.grid()
    reference = grid.graphics_widget().reference
    hover(grid.graphics_widget(), reference._view.mapViewToScene(QPointF(5.5, 3.5)))
    red, green, blue = (format_value(float(value)) for value in result.image[0, 3, 5])
    qtbot.waitUntil(lambda: grid.status_text() == f"Input (row 3, col 5): R {red}, G {green}, B {blue}",
                    timeout=2000)


def test_feature_maps_diverging_colour_map_is_symmetric_and_scale_can_be_per_map(qtbot):
    view = FeatureMapsView()
    qtbot.addWidget(view)
    result = make_result(reference_config())
    view.show_inspection(result)
    view.set_colormap("CET-D1")
    maps = result.feature_maps["conv2d"][0]
    bound = np.abs(maps).max()
    np.testing.assert_allclose(view.grid().levels(), np.tile([-bound, bound], (28, 1)), rtol=1e-6)
    view.set_colormap("viridis")
    view.set_shared_scale(False)
    np.testing.assert_allclose(view.grid().levels()[3], [maps[..., 3].min(), maps[..., 3].max()], rtol=1e-6)


def test_hovering_a_map_and_then_changing_input_layer_colours_or_tab_clears_the_readout(qtbot):
    view = FeatureMapsView()
    other = QLabel("another page")
    tabs = shown(qtbot, QTabWidget(), 1000, 700)
    tabs.addTab(view, "Feature maps")
    tabs.addTab(other, "Other")
    settle(qtbot)
    first = make_result(colour_config(), seed=0)
    view.show_inspection(first)
    settle(qtbot)
    grid = view.grid()
    graphics = grid.graphics_widget()

    def hover_pixel(index, row, col):
        # Each time another pixel: the mouse resting where it already is sends no move.
        with qtbot.waitSignal(grid.sig_cell_hovered, timeout=TIMEOUT):
            hover(graphics, grid.pixel_scene_position(index, row, col))

    hover_pixel(4, 5, 6)
    value = float(first.feature_maps["conv2d"][0, 5, 6, 4])
    assert grid.status_text() == f"filter 4 (row 5, col 6): {format_value(value)}"
    second = make_result(colour_config(), seed=1, request_id=2)
    view.show_inspection(second)
    new_value = float(second.feature_maps["conv2d"][0, 5, 6, 4])
    assert grid.status_text() == f"filter 4 (row 5, col 6): {format_value(new_value)}"

    choose_with_keys(qtbot, view.layer_box(), "max_pooling2d")
    assert grid.status_text() == READOUT_HINT
    settle(qtbot)
    hover_pixel(2, 3, 3)
    assert grid.status_text() != READOUT_HINT
    choose_with_keys(qtbot, view.colormap_box(), "CET-D1")
    assert grid.status_text() == READOUT_HINT

    hover_pixel(3, 1, 2)
    assert grid.status_text() != READOUT_HINT
    tab_bar = tabs.tabBar()
    qtbot.mouseClick(tab_bar, Qt.MouseButton.LeftButton, pos=tab_bar.tabRect(1).center())
    assert tabs.currentWidget() is other
    qtbot.mouseClick(tab_bar, Qt.MouseButton.LeftButton, pos=tab_bar.tabRect(0).center())
    assert grid.status_text() == READOUT_HINT
