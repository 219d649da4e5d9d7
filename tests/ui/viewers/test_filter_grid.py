"""The layer viewers, fed realistic inspection payloads built from model summaries (no engine)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QLabel, QTabWidget

from cnnviz.core.config import Conv2D, Dense, deep_config, reference_config
from cnnviz.core.layer_spectra import InspectionSpectra, SpectrumStack, inspection_spectra, kernel_spectra
from cnnviz.core.results import GradientResult, frozen
from cnnviz.core.spectra import magnitude_spectrum
from cnnviz.core.summary import ModelSummary, SummaryRow, summarize
from cnnviz.core.validation import layer_output_shape, layer_parameter_count
from cnnviz.service.payloads import InspectionResult
from cnnviz.ui.export import export_all, render_widget
from cnnviz.ui.viewers.feature_maps import FeatureMapsView
from cnnviz.ui.viewers.filter_grid import (
    READOUT_HINT,
    FilterGrid,
    colorbar_tick_labels,
    format_value,
    get_colormap,
    is_diverging,
    nice_ticks,
    tick_label,
)
from cnnviz.ui.viewers.gradients import SALIENCY_READOUT_HINT, GradientsView
from cnnviz.ui.viewers.kernels import KernelsView
from cnnviz.ui.viewers.spectra import SpectraView
from cnnviz.ui.viewers.unit_grid import UNITS_READOUT_HINT
from tests.ui.person import type_value

TIMEOUT = 2_000


def make_result(config, seed: int = 0, request_id: int = 1, target: str = "loss",
                input_channels: int | None = None) -> InspectionResult:
    """An inspection payload with the shapes an engine would produce for ``config``;
    ``input_channels`` makes it a foreign model's (e.g. 3 for colour input)."""
    rng = np.random.default_rng(seed)
    # Shapes as summarize() computes them, without its check that a built-in dataset fits: a
    # foreign (loaded) model may have any input shape and number of classes.
    summary = summarize(config) if tuple(config.input_shape) == (28, 28, 1) else _foreign_summary(config)
    names = tuple(row.name for row in summary.rows)
    in_shape = tuple(config.input_shape)
    if input_channels is not None:
        in_shape = (*in_shape[:2], input_channels)
    image = rng.random((1, *in_shape)).astype(np.float32)
    feature_maps, kernels, layer_gradients, parameters = {}, {}, {}, {}
    for layer, row in zip(config.layers, summary.rows):
        out_shape = row.output_shape[1:]
        feature_maps[row.name] = frozen(rng.random((1, *out_shape)).astype(np.float32))
        layer_gradients[row.name] = frozen(rng.normal(size=(1, *out_shape)).astype(np.float32))
        if isinstance(layer, Conv2D):
            kernel_shape = (*layer.kernel_size, in_shape[-1], layer.filters)
            kernels[row.name] = frozen(rng.normal(0, 0.2, size=kernel_shape).astype(np.float32))
            parameters[row.name] = {"kernel": frozen(rng.normal(size=kernel_shape).astype(np.float32)),
                                    "bias": frozen(rng.normal(size=layer.filters).astype(np.float32))}
        elif row.num_parameters:
            units = out_shape[-1]
            parameters[row.name] = {"kernel": frozen(rng.normal(size=(int(np.prod(in_shape)), units))),
                                    "bias": frozen(rng.normal(size=units))}
        in_shape = out_shape
    logits = rng.normal(size=in_shape[-1])
    probabilities = np.exp(logits) / np.exp(logits).sum()
    gradients = GradientResult(target=target, value=float(rng.random()),
                               input=frozen(rng.normal(size=image.shape).astype(np.float32)),
                               layers=layer_gradients, parameters=parameters)
    # The spectra as the model service's worker attaches them to every inspection.
    return InspectionResult(request_id, 1, frozen(image), frozen(probabilities.astype(np.float32)), feature_maps,
                            kernels, gradients, names, 1.0, spectra=inspection_spectra(feature_maps, kernels, names))


def _foreign_summary(config):
    shape, rows = tuple(config.input_shape), []
    for layer, name in zip(config.layers, config.layer_names()):
        count = layer_parameter_count(layer, shape)
        shape = layer_output_shape(layer, shape)
        rows.append(SummaryRow(name, layer.label, (None, *shape), count))
    return ModelSummary(tuple(rows), sum(row.num_parameters for row in rows))


def colour_config():
    """A non-square colour model with 5 classes: nothing in the viewers may assume 28×28×1 or 10."""
    base = reference_config()
    layers = (*base.layers[:-1], Dense(units=5, activation="softmax"))
    return dataclasses.replace(base, input_shape=(20, 24, 3), layers=layers)


def choose_with_keys(qtbot, combo: QComboBox, data) -> None:
    """Choose the item whose data is ``data`` as a person does: open the box with F4, move
    with the arrow keys, press Enter."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key_F4)
    qtbot.waitUntil(lambda: combo.view().isVisible(), timeout=TIMEOUT)
    target = combo.findData(data)
    assert target >= 0, f"{data!r} is not offered; the box offers {[combo.itemData(i) for i in range(combo.count())]}"
    view = combo.view()
    while view.currentIndex().row() != target:
        key = Qt.Key_Down if view.currentIndex().row() < target else Qt.Key_Up
        qtbot.keyClick(view, key)
    qtbot.keyClick(view, Qt.Key_Return)
    qtbot.waitUntil(lambda: not combo.view().isVisible(), timeout=TIMEOUT)
    assert combo.currentData() == data


def hover(graphics, scene_position: QPointF) -> None:
    """Move the mouse over a point of a pyqtgraph view's scene."""
    point = graphics.mapFromScene(scene_position)
    QTest.mouseMove(graphics.viewport(), QPoint(point.x(), point.y()))


def click(graphics, scene_position: QPointF) -> None:
    point = graphics.mapFromScene(scene_position)
    QTest.mouseClick(graphics.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(point.x(), point.y()))


def shown(qtbot, widget, width=900, height=650):
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.wait(150)  # let the grid lay its cells out for the final size
    return widget


# -- FilterGrid ---------------------------------------------------------------------------------
def test_grid_shows_one_image_per_map(qtbot):
    grid = FilterGrid()
    qtbot.addWidget(grid)
    images = np.random.default_rng(0).normal(size=(5, 6, 7)).astype(np.float32)
    grid.set_images(images)
    items = grid.image_items()
    assert len(items) == 5
    for item, image in zip(items, images):
        np.testing.assert_array_equal(item.image, image)
    assert grid.titles() == [f"filter {index}" for index in range(5)]
    np.testing.assert_array_equal(grid.images(), images)
    assert grid.value_at(3, 2, 4) == pytest.approx(float(images[3, 2, 4]))


def test_shared_and_per_map_levels(qtbot):
    grid = FilterGrid()
    qtbot.addWidget(grid)
    images = np.stack([np.linspace(0, 1, 12).reshape(3, 4), np.linspace(-2, 5, 12).reshape(3, 4)])
    grid.set_images(images, shared_scale=True)
    for item in grid.image_items():
        np.testing.assert_allclose(item.getLevels(), [-2, 5])
    grid.set_images(images, shared_scale=False)
    np.testing.assert_allclose(grid.image_items()[0].getLevels(), [0, 1])
    np.testing.assert_allclose(grid.image_items()[1].getLevels(), [-2, 5])


def test_symmetric_levels_are_plus_minus_max_abs(qtbot):
    grid = FilterGrid()
    qtbot.addWidget(grid)
    images = np.zeros((3, 4, 4))
    images[0, 0, 0], images[1, 1, 1], images[1, 2, 2] = 0.5, -3.0, 2.0   # map 2 is all zero
    grid.set_images(images, symmetric=True, shared_scale=True, colormap="CET-D1")
    for item in grid.image_items():
        np.testing.assert_allclose(item.getLevels(), [-3, 3])
    grid.set_images(images, symmetric=True, shared_scale=False, colormap="CET-D1")
    np.testing.assert_allclose(grid.levels(), [[-0.5, 0.5], [-3, 3], [-1, 1]])


def test_items_are_reused_for_the_same_shape_and_rebuilt_for_a_new_one(qtbot):
    grid = FilterGrid()
    qtbot.addWidget(grid)
    rng = np.random.default_rng(1)
    grid.set_images(rng.random((4, 5, 5)))
    first = grid.image_items()
    second_images = rng.random((4, 5, 5)).astype(np.float32)
    grid.set_images(second_images)
    assert all(a is b for a, b in zip(grid.image_items(), first))
    np.testing.assert_array_equal(grid.image_items()[2].image, second_images[2])
    grid.set_images(rng.random((6, 5, 5)))
    assert len(grid.image_items()) == 6
    assert not any(item in first for item in grid.image_items())


def test_hover_reports_the_pixel_under_the_mouse(qtbot):
    grid = shown(qtbot, FilterGrid())
    images = np.random.default_rng(2).normal(size=(8, 10, 12)).astype(np.float32)
    grid.set_images(images, titles=[f"map {index}" for index in range(8)])
    qtbot.wait(100)
    for index, row, col in [(5, 3, 7), (0, 0, 0), (7, 9, 11), (2, 6, 1)]:
        position = grid.pixel_scene_position(index, row, col)
        assert grid.cell_at(position) == (index, row, col)
        with qtbot.waitSignal(grid.sig_cell_hovered, timeout=TIMEOUT) as blocker:
            grid._on_mouse_moved(position)
        assert blocker.args[:3] == [index, row, col]
        assert blocker.args[3] == pytest.approx(float(images[index, row, col]))
        assert grid.status_text() == f"map {index} (row {row}, col {col}): {images[index, row, col]:.4f}"


def test_clicking_a_cell_enlarges_that_map(qtbot):
    grid = shown(qtbot, FilterGrid())
    images = np.random.default_rng(3).random((6, 8, 8)).astype(np.float32)
    grid.set_images(images)
    qtbot.wait(100)
    assert grid.enlarged_index() is None
    view = grid.graphics_widget()
    point = view.mapFromScene(grid.pixel_scene_position(4, 4, 4))
    with qtbot.waitSignal(grid.sig_cell_clicked, timeout=TIMEOUT) as blocker:
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         QPoint(point.x(), point.y()))
    assert blocker.args == [4]
    assert grid.enlarged_index() == 4
    np.testing.assert_array_equal(grid._enlarged_item.image, images[4])
    new_images = images[::-1].copy()
    grid.set_images(new_images)
    np.testing.assert_array_equal(grid._enlarged_item.image, new_images[4])
    grid.enlarge(None)
    assert grid.enlarged_index() is None


def test_grid_rejects_wrong_input(qtbot):
    grid = FilterGrid()
    qtbot.addWidget(grid)
    with pytest.raises(ValueError, match="shape"):
        grid.set_images(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="titles"):
        grid.set_images(np.zeros((2, 4, 4)), titles=["only one"])
    with pytest.raises(ValueError, match="colour map"):
        grid.set_images(np.zeros((2, 4, 4)), colormap="no-such-map")
    with pytest.raises(ValueError):
        grid.enlarge(0)


def test_colormaps_and_marks(qtbot):
    grid = FilterGrid()
    qtbot.addWidget(grid)
    grid.set_images(np.random.default_rng(4).random((3, 4, 4)), marked={1})
    assert grid.marked() == {1}
    grid.set_colormap("gray")
    assert grid.colormap() == "gray"
    gray_lut = grid.image_items()[0].lut
    grid.set_colormap("inferno")
    assert not np.array_equal(grid.image_items()[0].lut, gray_lut)
    assert is_diverging("CET-D1") and not is_diverging("viridis")
    assert get_colormap("gray").map(np.array([0.0, 1.0]), mode="byte")[:, :3].tolist() == [[0, 0, 0],
                                                                                          [255, 255, 255]]


def test_grid_fills_a_wide_area_with_more_columns(qtbot):
    grid = shown(qtbot, FilterGrid(), 1200, 400)
    grid.set_images(np.zeros((16, 10, 10)))
    qtbot.wait(150)
    wide = grid.num_columns()
    grid.resize(400, 1200)
    qtbot.wait(200)
    assert wide > grid.num_columns()


# -- FeatureMapsView ----------------------------------------------------------------------------
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
    items = view.grid().image_items()
    second = make_result(reference_config(), seed=1, request_id=2)
    view.show_inspection(second)
    assert view.current_layer() == "max_pooling2d"
    assert all(a is b for a, b in zip(view.grid().image_items(), items))
    np.testing.assert_array_equal(view.grid().image_items()[7].image,
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


def test_feature_maps_colour_input_is_shown_as_its_channel_mean(qtbot):
    view = FeatureMapsView()
    qtbot.addWidget(view)
    result = make_result(reference_config(), input_channels=3)
    view.show_inspection(result)
    np.testing.assert_allclose(view.grid().reference_image(), result.image[0].mean(axis=-1), rtol=1e-6)
    assert view.grid().images().shape == (28, 26, 26)


def test_foreign_colour_model_kernels_and_saliency(qtbot):
    result = make_result(reference_config(), input_channels=3)
    kernels_view = KernelsView()
    qtbot.addWidget(kernels_view)
    kernels_view.show_inspection(result)
    assert kernels_view.num_input_channels() == 3
    kernels_view.set_input_channel(2)
    np.testing.assert_array_equal(kernels_view.grid().images(),
                                  np.moveaxis(result.kernels["conv2d"][:, :, 2, :], -1, 0))
    gradients_view = GradientsView()
    qtbot.addWidget(gradients_view)
    gradients_view.show_inspection(result)
    _, saliency, signed = gradients_view.saliency_panel().arrays()
    gradient = result.gradients.input[0]
    np.testing.assert_allclose(saliency, np.abs(gradient).max(axis=-1), rtol=1e-6)
    np.testing.assert_allclose(signed, gradient.mean(axis=-1), rtol=1e-6)


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


# -- KernelsView --------------------------------------------------------------------------------
def test_kernels_show_one_image_per_output_filter(qtbot):
    view = KernelsView()
    qtbot.addWidget(view)
    assert view.is_showing_hint()
    result = make_result(reference_config())
    view.show_inspection(result)
    kernels = result.kernels["conv2d"]
    assert view.available_layers() == ["conv2d"]
    assert len(view.grid().image_items()) == 28
    for index in (0, 13, 27):
        np.testing.assert_array_equal(view.grid().image_items()[index].image, kernels[:, :, 0, index])
    bound = np.abs(kernels).max()
    np.testing.assert_allclose(view.grid().levels()[0], [-bound, bound], rtol=1e-6)
    assert view.num_input_channels() == 1
    assert not view._channel_spin.isEnabled()
    assert view.title() == "Kernels — conv2d (28 filters, 3×3)"


def test_kernels_of_a_deeper_layer_switch_input_channel(qtbot):
    view = KernelsView()
    qtbot.addWidget(view)
    result = make_result(deep_config())
    view.show_inspection(result)
    assert view.available_layers() == ["conv2d", "conv2d_1"]
    view.set_current_layer("conv2d_1")
    kernels = result.kernels["conv2d_1"]
    assert view.num_input_channels() == 8
    assert view._channel_spin.isEnabled() and view._channel_spin.maximum() == 7
    assert len(view.grid().image_items()) == 16
    np.testing.assert_array_equal(view.grid().images(), np.moveaxis(kernels[:, :, 0, :], -1, 0))
    view.set_input_channel(5)
    np.testing.assert_array_equal(view.grid().images(), np.moveaxis(kernels[:, :, 5, :], -1, 0))
    assert "input channel 5 of 8" in view.title()
    view.set_channel_mean(True)
    assert view.input_channel() is None
    np.testing.assert_allclose(view.grid().images(), np.moveaxis(kernels.mean(axis=2), -1, 0), rtol=1e-6)


def test_kernels_marks_follow_their_layer(qtbot):
    view = KernelsView()
    qtbot.addWidget(view)
    view.show_inspection(make_result(deep_config()))
    view.set_marked("conv2d", [1, 4])
    assert view.grid().marked() == {1, 4}
    view.set_current_layer("conv2d_1")
    assert view.grid().marked() == frozenset()
    view.set_current_layer("conv2d")
    assert view.grid().marked() == {1, 4}


# -- SpectraView --------------------------------------------------------------------------------
def test_spectra_of_kernels_are_padded_and_match_the_core_function(qtbot):
    view = SpectraView()
    qtbot.addWidget(view)
    result = make_result(reference_config())
    view.show_inspection(result)
    view.set_source("kernels")
    assert view.padding() == 32
    expected = np.moveaxis(magnitude_spectrum(result.kernels["conv2d"][:, :, 0, :], size=32), -1, 0)
    assert view.spectra().shape == (28, 32, 32)
    np.testing.assert_allclose(view.grid().images(), expected, rtol=1e-6)
    assert "padded to 32×32" in view.title()
    grid = view.grid()
    assert grid._describe_pixel(0, 16, 16, 1.0).endswith("at fx = 0, fy = 0")
    assert grid._describe_pixel(0, 0, 24, 1.0).endswith("at fx = 0.25, fy = -0.5")
    view.set_padding(64)
    assert view.grid().images().shape == (28, 64, 64)
    view.set_padding(1)
    assert view.padding() == 3   # never below the kernel size


def test_spectra_of_feature_maps(qtbot):
    view = SpectraView()
    qtbot.addWidget(view)
    result = make_result(deep_config())
    view.show_inspection(result)
    assert view.source() == "feature maps"
    assert not view._padding_spin.isEnabled()
    view.set_current_layer("conv2d_1")
    expected = np.moveaxis(magnitude_spectrum(result.feature_maps["conv2d_1"][0]), -1, 0)
    np.testing.assert_allclose(view.grid().images(), expected, rtol=1e-6)
    assert not view.grid()._shared_scale   # per-map scaling by default
    view.set_source("kernels")
    assert view._padding_spin.isEnabled()
    view.set_current_layer("conv2d_1")
    view.set_input_channel(6)
    expected = np.moveaxis(magnitude_spectrum(result.kernels["conv2d_1"][:, :, 6, :], size=32), -1, 0)
    np.testing.assert_allclose(view.grid().images(), expected, rtol=1e-6)


def test_spectra_are_the_inspections_own_whatever_the_padding_typed(qtbot):
    """The view draws the spectra the inspection carries (here, marked ones it could not have computed),
    and a padding typed in is taken from the same inspection."""
    result = make_result(reference_config())
    marked = SpectrumStack(frozen(np.full((28, 26, 26), 7.0, np.float32)), (-1.0, 1.0, -1.0, 1.0))
    spectra = InspectionSpectra({**result.spectra.feature_maps, "conv2d": marked}, result.spectra.kernels)
    view = SpectraView()
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.show_inspection(dataclasses.replace(result, spectra=spectra))
    view.set_current_layer("conv2d")
    assert (view.grid().images() == 7.0).all()
    choose_with_keys(qtbot, view.source_combo(), "kernels")
    type_value(qtbot, view.padding_spin(), "48")
    assert view.padding() == 48 and view.grid().images().shape == (28, 48, 48)
    np.testing.assert_array_equal(view.grid().images(), kernel_spectra(result.kernels["conv2d"], 0, 48).spectra)
    assert spectra.kernel_spectra("conv2d", 0, 48).spectra is view.spectra()
    view.show_inspection(dataclasses.replace(result, spectra=None))
    assert "without spectra" in view.hint_text()


# -- GradientsView ------------------------------------------------------------------------------
def test_gradients_target_box_emits_the_chosen_target(qtbot):
    view = GradientsView()
    qtbot.addWidget(view)
    view.show_inspection(make_result(reference_config()))
    assert view.target() is None
    with qtbot.waitSignal(view.sig_target_changed, timeout=TIMEOUT) as blocker:
        view.set_target(3)
    assert blocker.args == [3]
    with qtbot.waitSignal(view.sig_target_changed, timeout=TIMEOUT) as blocker:
        view.set_target(None)
    assert blocker.args == [None]
    with qtbot.assertNotEmitted(view.sig_target_changed):
        view.set_class_names([f"digit {index}" for index in range(10)])
    assert view.target_options()[0] == "Loss (predicted or true label)"
    assert view.target_options()[4] == "Class score: digit 3"


def test_gradients_show_the_input_saliency(qtbot):
    view = GradientsView()
    qtbot.addWidget(view)
    assert view.is_showing_hint()
    result = make_result(reference_config())
    view.show_inspection(result)
    assert view.is_showing_saliency()
    image, saliency, signed = view.saliency_panel().arrays()
    gradient = result.gradients.input[0, :, :, 0]
    np.testing.assert_array_equal(image, result.image[0, :, :, 0])
    np.testing.assert_array_equal(saliency, np.abs(gradient))
    np.testing.assert_array_equal(signed, gradient)
    signed_levels = view.saliency_panel().image_items()[2].getLevels()
    np.testing.assert_allclose(signed_levels, [-np.abs(gradient).max(), np.abs(gradient).max()], rtol=1e-6)
    assert f"{result.gradients.value:.4f}" in view.target_text()
    assert "loss" in view.title()


def test_gradients_of_layers_and_kernels(qtbot):
    view = GradientsView()
    qtbot.addWidget(view)
    result = make_result(deep_config())
    view.show_inspection(result)
    assert view.show_options() == ["Input (saliency)", "Layer output: conv2d", "Layer output: average_pooling2d",
                                   "Layer output: conv2d_1", "Layer output: max_pooling2d", "Kernel: conv2d",
                                   "Kernel: conv2d_1"]
    view.set_show("layer", "conv2d_1")
    maps = result.gradients.layers["conv2d_1"][0]
    np.testing.assert_array_equal(view.grid().images(), np.moveaxis(maps, -1, 0))
    bound = np.abs(maps).max()
    np.testing.assert_allclose(view.grid().levels()[0], [-bound, bound], rtol=1e-6)
    view.set_show("kernel", "conv2d_1")
    view.set_input_channel(2)
    kernel_gradient = result.gradients.parameters["conv2d_1"]["kernel"]
    np.testing.assert_array_equal(view.grid().images(), np.moveaxis(kernel_gradient[:, :, 2, :], -1, 0))
    assert view.export_widget() is view.grid().graphics_widget()


def test_gradients_say_when_the_result_is_for_another_target(qtbot):
    view = GradientsView()
    qtbot.addWidget(view)
    view.show_inspection(make_result(reference_config(), target="class:3"))
    assert "score (logit) of class 3" in view.target_text()
    assert "updating" in view.target_text()
    view.set_target(3)
    assert "updating" not in view.target_text()


def test_small_gradients_get_readable_colour_bar_ticks(qtbot):
    assert len(nice_ticks(-4.1e-4, 4.1e-4)) >= 3
    grid = FilterGrid(value_label="gradient")
    qtbot.addWidget(grid)
    maps = np.linspace(-4.1e-4, 4.1e-4, 3 * 26 * 26, dtype=np.float32).reshape(3, 26, 26)
    grid.set_images(maps, colormap="CET-D1", symmetric=True, shared_scale=True)
    labels = colorbar_tick_labels(grid._colorbar)
    assert labels == ["-4.1e-4", "-2e-4", "0", "2e-4", "4.1e-4"]



# -- Every layer can be seen (dense units), the way a person picks it -----------------------------
def test_dense_layers_are_chosen_with_the_keyboard_and_show_their_units(qtbot):
    view = shown(qtbot, FeatureMapsView(), 1000, 650)
    result = make_result(colour_config())
    view.set_class_names(["circle", "square", "triangle", "star", "cross"])
    view.show_inspection(result)
    combo = view.layer_box()
    assert "dense  (128 units)" in [combo.itemText(index) for index in range(combo.count())]

    choose_with_keys(qtbot, combo, "dense")
    qtbot.wait(150)   # the units are laid out again for the final size
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
    qtbot.wait(150)
    assert units.values().shape == (5,)
    assert units.names() == ["circle", "square", "triangle", "star", "cross"]
    assert units.cell_label_texts() == ["circle", "square", "triangle", "star", "cross"]
    assert "output layer, 5 classes" in view.title()

    choose_with_keys(qtbot, combo, "flatten")   # thousands of units: no labels, axes instead
    qtbot.wait(150)
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
    qtbot.wait(150)
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


def test_hovering_a_map_and_then_changing_input_layer_colours_or_tab_clears_the_readout(qtbot):
    view = FeatureMapsView()
    other = QLabel("another page")
    tabs = shown(qtbot, QTabWidget(), 1000, 700)
    tabs.addTab(view, "Feature maps")
    tabs.addTab(other, "Other")
    qtbot.wait(150)
    first = make_result(colour_config(), seed=0)
    view.show_inspection(first)
    qtbot.wait(150)
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
    qtbot.wait(150)
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


def test_clicking_a_dense_unit_shows_its_value_beside_all_the_others(qtbot):
    view = shown(qtbot, FeatureMapsView(), 1000, 650)
    result = make_result(reference_config())
    view.set_class_names([f"digit {index}" for index in range(10)])
    view.show_inspection(result)
    choose_with_keys(qtbot, view.layer_box(), "dense_1")
    qtbot.wait(150)
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


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_export_figure_of_a_dense_layer(qtbot, tmp_path, fmt):
    view = shown(qtbot, FeatureMapsView(), 1000, 650)
    view.show_inspection(make_result(reference_config()))
    choose_with_keys(qtbot, view.layer_box(), "dense")
    path = render_widget(view.export_widget(), tmp_path / f"dense.{fmt}", title=view.title())
    assert view.export_widget() is view.units().graphics_widget()
    data = path.read_bytes()
    assert len(data) > 1000
    assert data.startswith({"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF-"}[fmt])


def test_export_all_writes_the_dense_layers_and_names_the_target_in_words(qtbot, tmp_path):
    result = make_result(colour_config(), target="class:4")
    index = export_all(result, tmp_path / "export", class_names=["a", "b", "c", "d", "e"])
    names = {path.name for path in (tmp_path / "export").iterdir()}
    for layer in ("flatten", "dense", "dropout_1", "dense_1", "conv2d"):
        assert f"feature-maps_{layer}.png" in names
    with np.load(tmp_path / "export" / "arrays.npz", allow_pickle=False) as arrays:
        np.testing.assert_array_equal(arrays["feature-maps_dense"], result.feature_maps["dense"][0])
        assert arrays["input"].shape == (3, 20, 24)
    page = index.read_text()
    assert "class:" not in page
    assert "score of class e" in page
    assert "20×24×3" in page


# -- Gradients: comparable panels, readable colour bars -------------------------------------------
def tiny_gradients(result, scale):
    """``result`` with every gradient multiplied by ``scale`` (e.g. 1e-7: a nearly flat loss)."""
    gradients = result.gradients
    layers = {name: frozen(np.asarray(value) * np.float32(scale)) for name, value in gradients.layers.items()}
    small = dataclasses.replace(gradients, input=frozen(np.asarray(gradients.input) * np.float32(scale)),
                                layers=layers)
    return dataclasses.replace(result, gradients=small)


@pytest.mark.parametrize("config", [reference_config, colour_config])
def test_gradient_panels_have_one_size_one_range_and_readable_colour_bars(qtbot, config):
    view = shown(qtbot, GradientsView(), 1000, 650)
    result = tiny_gradients(make_result(config(), target="class:3"), 1e-7)
    view.set_class_names([str(index) for index in range(len(result.probabilities))])
    choose_with_keys(qtbot, view.target_box(), 3)
    view.show_inspection(result)
    qtbot.wait(200)
    panel = view.saliency_panel()
    boxes = panel.view_boxes()
    sizes = [(box.sceneBoundingRect().width(), box.sceneBoundingRect().height()) for box in boxes]
    for size in sizes[1:]:
        assert size == pytest.approx(sizes[0], abs=1.0)
    ranges = [box.viewRange() for box in boxes]
    for view_range in ranges[1:]:
        np.testing.assert_allclose(view_range, ranges[0], atol=1e-6)

    gradient = np.asarray(result.gradients.input)[0]
    bound = max(float(np.abs(gradient).max(axis=-1).max()), float(np.abs(gradient.mean(axis=-1)).max()))
    _, saliency_levels, signed_levels = (item.getLevels() for item in panel.image_items())
    np.testing.assert_allclose(saliency_levels, [0, bound], rtol=1e-6)
    np.testing.assert_allclose(signed_levels, [-bound, bound], rtol=1e-6)
    image_labels, saliency_labels, signed_labels = (colorbar_tick_labels(bar) for bar in panel.colorbars())
    image = np.asarray(result.image)[0].mean(axis=-1)
    assert image_labels[0] == tick_label(float(image.min())) and image_labels[-1] == tick_label(float(image.max()))
    assert saliency_labels[0] == "0" and saliency_labels[-1] == tick_label(bound)
    assert signed_labels[0] == tick_label(-bound) and "0" in signed_labels and signed_labels[-1] == tick_label(bound)
    assert "e-7" in signed_labels[-1]
    assert "Saliency and signed gradient: one scale" in panel.caption()
    assert "class 3" in view.title() and "class:" not in view.title()


def test_hovering_the_saliency_and_then_new_input_or_another_target_clears_the_readout(qtbot):
    view = shown(qtbot, GradientsView(), 1000, 650)
    first = make_result(reference_config(), seed=0)
    view.show_inspection(first)
    qtbot.wait(200)
    panel = view.saliency_panel()
    hover(panel.graphics_widget(), panel.pixel_scene_position(2, 7, 9))
    signed = float(first.gradients.input[0, 7, 9, 0])
    assert panel.status_text() == f"gradient (signed) (row 7, col 9): {format_value(signed)}"
    second = make_result(reference_config(), seed=1, request_id=2)
    view.show_inspection(second)
    new_signed = float(second.gradients.input[0, 7, 9, 0])
    assert panel.status_text() == f"gradient (signed) (row 7, col 9): {format_value(new_signed)}"
    choose_with_keys(qtbot, view.target_box(), 2)
    assert panel.status_text() == SALIENCY_READOUT_HINT


def test_every_grid_colour_bar_labels_its_ends_and_zero_for_tiny_ranges(qtbot):
    grid = FilterGrid(value_label="gradient")
    qtbot.addWidget(grid)
    maps = np.linspace(-3.7e-7, 3.1e-7, 2 * 9 * 11, dtype=np.float32).reshape(2, 9, 11)
    grid.set_images(maps, colormap="viridis", symmetric=False, shared_scale=True)
    labels = colorbar_tick_labels(grid._colorbar)
    assert labels[0] == "-3.7e-7" and labels[-1] == "3.1e-7" and "0" in labels
    grid.set_images(maps + np.float32(0.5), colormap="viridis", shared_scale=True)   # no zero inside
    labels = colorbar_tick_labels(grid._colorbar)
    assert len(labels) == len(set(labels)) >= 2   # distinct despite a range of 7e-7 around 0.5
