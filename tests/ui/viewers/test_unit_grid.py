"""Vector layers (flatten, dense) in the feature-map viewer: one cell per unit, chosen as a person does."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cnnviz.core.config import reference_config
from cnnviz.ui.viewers.feature_maps import FeatureMapsView
from cnnviz.ui.viewers.figure_text import format_value
from cnnviz.ui.viewers.unit_grid import UNITS_READOUT_HINT
from tests.ui.settle import settle
from tests.ui.viewers.helpers import TIMEOUT, choose_with_keys, click, colour_config, hover, make_result, shown


def test_model_without_maps_shows_its_units(qtbot):
    view = FeatureMapsView()
    qtbot.addWidget(view)
    config = dataclasses.replace(reference_config(), layers=reference_config().layers[3:])
    result = make_result(config)
    view.show_inspection(result)
    assert not view.is_showing_hint()
    assert view.is_showing_units()
    assert view.available_layers() == ["flatten", "dense", "dropout", "dense_1"]
    np.testing.assert_array_equal(view.units().values(), result.feature_maps["flatten"][0])


def test_dense_layers_are_chosen_with_the_keyboard_and_show_their_units(qtbot):
    view = shown(qtbot, FeatureMapsView(), 1000, 650)
    result = make_result(colour_config())
    view.set_class_names(["circle", "square", "triangle", "star", "cross"])
    view.show_inspection(result)
    combo = view.layer_box()
    assert "dense  (128 units)" in [combo.itemText(index) for index in range(combo.count())]

    choose_with_keys(qtbot, combo, "dense")
    settle(qtbot)   # the units are laid out again for the final size
    units = view.units()
    assert view.is_showing_units() and not view.is_showing_hint()
    np.testing.assert_array_equal(units.values(), result.feature_maps["dense"][0])
    rows, columns = units.grid_shape()
    assert rows * columns >= 128 and (rows - 1) * columns < 128
    assert units.cell_label_texts() == [str(index) for index in range(128)]
    assert view.title() == "Activations — dense (128 units)"
    assert view.export_widget() is units.graphics_widget()
    low, high = units.levels()
    assert low == pytest.approx(float(result.feature_maps["dense"].min()))
    assert high == pytest.approx(float(result.feature_maps["dense"].max()))

    choose_with_keys(qtbot, combo, "dense_1")   # the output layer: its units are the classes
    settle(qtbot)
    assert units.values().shape == (5,)
    assert units.names() == ["circle", "square", "triangle", "star", "cross"]
    assert units.cell_label_texts() == ["circle", "square", "triangle", "star", "cross"]
    assert "output layer, 5 classes" in view.title()

    choose_with_keys(qtbot, combo, "flatten")   # thousands of units: no labels, axes instead
    settle(qtbot)
    assert units.values().shape == (int(np.prod(result.feature_maps["max_pooling2d"].shape)),)
    assert units.cell_label_texts() == []

    choose_with_keys(qtbot, combo, "conv2d")
    assert not view.is_showing_units()
    assert view.grid().images().shape == (28, 18, 22)


def test_hovering_a_unit_reads_it_and_new_input_or_layer_never_leaves_a_stale_value(qtbot):
    view = shown(qtbot, FeatureMapsView(), 1000, 650)
    first = make_result(reference_config(), seed=0)
    view.show_inspection(first)
    choose_with_keys(qtbot, view.layer_box(), "dense")
    settle(qtbot)
    units = view.units()
    graphics = units.graphics_widget()
    with qtbot.waitSignal(units.sig_unit_hovered, timeout=TIMEOUT) as blocker:
        hover(graphics, units.unit_scene_position(37))
    value = float(first.feature_maps["dense"][0, 37])
    assert blocker.args == [37, pytest.approx(value)]
    assert units.status_text() == f"unit 37: {format_value(value)}"

    second = make_result(reference_config(), seed=1, request_id=2)
    view.show_inspection(second)   # a new input while the mouse rests on unit 37: its new value
    new_value = float(second.feature_maps["dense"][0, 37])
    assert new_value != value
    assert units.status_text() == f"unit 37: {format_value(new_value)}"

    choose_with_keys(qtbot, view.layer_box(), "dense_1")
    assert units.status_text() == UNITS_READOUT_HINT


def test_clicking_a_dense_unit_shows_its_value_beside_all_the_others(qtbot):
    view = shown(qtbot, FeatureMapsView(), 1000, 650)
    result = make_result(reference_config())
    view.set_class_names([f"digit {index}" for index in range(10)])
    view.show_inspection(result)
    choose_with_keys(qtbot, view.layer_box(), "dense_1")
    settle(qtbot)
    units = view.units()
    assert units.selected_index() is None and units.detail_text() == ""
    with qtbot.waitSignal(units.sig_unit_clicked, timeout=TIMEOUT) as blocker:
        click(units.graphics_widget(), units.unit_scene_position(6))
    assert blocker.args == [6]
    assert units.selected_index() == 6
    values = result.feature_maps["dense_1"][0]
    rank = int(np.sum(values > values[6])) + 1
    assert units.detail_text() == (f"Unit 6 of 10, class digit 6: activation {format_value(float(values[6]))} "
                                   f"— rank {rank} of 10, largest first")
    second = make_result(reference_config(), seed=5, request_id=2)
    view.show_inspection(second)   # the chosen unit follows the new input
    assert f"activation {format_value(float(second.feature_maps['dense_1'][0, 6]))}" in units.detail_text()
