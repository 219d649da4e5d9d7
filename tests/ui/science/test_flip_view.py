"""Backprop = flipped convolution (report §4.3): the check the service attached, shown on one scale."""

import dataclasses

import numpy as np
import pytest

from cnnviz import science
from cnnviz.core import config as cfg
from cnnviz.core.backprop import compare_flip
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.service.inspection import run_inspection
from cnnviz.service.payloads import ModelInfo
from cnnviz.ui.science.panel import SciencePanel
from tests.ui.person import choose, type_value
from tests.ui.science.helpers import click_tab, model_info, number_after
from tests.ui.settle import settle


def test_flip_tab_shows_three_equal_images_on_one_shared_scale(qtbot, panel, inspection):
    click_tab(qtbot, panel.tabs, "Backprop = flipped convolution")
    tab = panel.flip_tab
    qtbot.waitUntil(lambda: tab.engine_plot.image() is not None, timeout=5000)
    expected = compare_flip(inspection.gradients.input, inspection.gradients.layers["conv2d"],
                            inspection.feature_maps["conv2d"], "relu", inspection.kernels["conv2d"], (28, 28))
    np.testing.assert_allclose(tab.engine_plot.image(), expected.engine_gradient[0, :, :, 0])
    np.testing.assert_allclose(tab.computed_plot.image(), expected.computed_gradient[0, :, :, 0], rtol=1e-6)
    np.testing.assert_allclose(tab.difference_plot.image(),
                               expected.computed_gradient[0, :, :, 0] - expected.engine_gradient[0, :, :, 0],
                               atol=1e-12)
    np.testing.assert_array_equal(tab.kernels_grid.images(), np.moveaxis(expected.flipped_kernel[:, :, 0, :], -1, 0))
    # The verdict names the observed values and the tolerance.
    text = tab.result_label.text()
    assert number_after(text, "max |difference| =") == pytest.approx(expected.max_abs_difference, rel=0.05)
    assert "≤ 1e-04 (float rounding): equal to float precision" in text
    # The engine's and the recomputed gradient share one symmetric colour range; the difference has its own.
    engine_levels = tuple(tab.engine_plot.item.levels)
    assert engine_levels == tuple(tab.computed_plot.item.levels)
    assert engine_levels[0] == -engine_levels[1] > -np.inf
    difference_levels = tuple(tab.difference_plot.item.levels)
    assert difference_levels[0] == -difference_levels[1] and difference_levels[1] < engine_levels[1]
    assert "share one symmetric scale" in tab.scale_caption.text()
    assert "own symmetric scale" in tab.scale_caption.text()

    def sizes():
        return [(round(plot.plot.getViewBox().width()), round(plot.plot.getViewBox().height()))
                for plot in (tab.engine_plot, tab.computed_plot, tab.difference_plot)]

    for width in (1000, 640):
        panel.resize(width, 720)
        qtbot.waitUntil(lambda: len(set(sizes())) == 1, timeout=5000)
        assert sizes()[0][0] > 100


def test_flip_tab_dilates_for_strides_and_follows_the_chosen_layer_and_channel(qtbot):
    config = cfg.ModelConfig(input_shape=(28, 28, 1), layers=(
        cfg.Conv2D(filters=4, kernel_size=(3, 3), padding="same", activation="relu"),
        cfg.Conv2D(filters=6, kernel_size=(5, 3), strides=(2, 2), padding="same", activation="tanh"),
        cfg.Flatten(), cfg.Dense(units=10, activation="softmax")))
    engine = NumpyEngine(config, seed=1)
    image = np.random.default_rng(0).random((1, 28, 28, 1)).astype(np.float32)
    result = run_inspection(engine, image)
    panel = SciencePanel()
    qtbot.addWidget(panel)
    panel.set_model(model_info(engine))
    panel.show_inspection(result)
    panel.show()
    qtbot.waitExposed(panel)
    click_tab(qtbot, panel.tabs, "Backprop = flipped convolution")
    tab = panel.flip_tab
    choose(qtbot, tab.layer_combo, tab.layer_combo.itemText(tab.layer_combo.findData("conv2d_1")))
    type_value(qtbot, tab.channel_spin, "2")
    assert tab.channel_spin.value() == 2
    qtbot.waitUntil(lambda: tab.output_grid.images() is not None, timeout=5000)
    comparison = tab.comparison()
    assert comparison.max_abs_difference < 1e-4
    assert comparison.dilated_gradient.shape == (1, 27, 27, 6)  # 14 x 14 outputs, one zero between
    np.testing.assert_allclose(tab.output_grid.images(), np.moveaxis(comparison.dilated_gradient[0], -1, 0), rtol=1e-6)
    assert "Dilated" in tab.output_grid.title()
    np.testing.assert_allclose(tab.engine_plot.image(), result.gradients.layers["conv2d"][0, :, :, 2])

    panel.set_model(ModelInfo("keras", tuple(engine.layer_names()), None, None, "elsewhere.keras", 2))
    panel.show_inspection(result)
    assert tab.comparison() is None and "needs a model made by cnnviz" in tab.problem()


def test_flip_tab_shows_the_check_the_service_attached_to_the_inspection(qtbot, engine, inspection):
    """The tab computes nothing: a check marked as failing is shown as failing, whatever the arrays say."""
    check = inspection.flip_checks.result("conv2d")
    failing = dataclasses.replace(check, comparison=dataclasses.replace(
        check.comparison, max_abs_difference=0.02, relative_difference=0.3))
    panel = SciencePanel()
    qtbot.addWidget(panel)
    panel.set_model(model_info(engine))
    panel.show_inspection(dataclasses.replace(inspection, flip_checks=science.FlipChecks({"conv2d": failing}, {})))
    panel.show()
    qtbot.waitExposed(panel)
    click_tab(qtbot, panel.tabs, "Backprop = flipped convolution")
    tab = panel.flip_tab
    assert tab.flip_result() is failing
    assert "0.3 > 1e-04: they differ by more than float rounding" in tab.result_label.text()
    assert "#c62828" in tab.result_label.styleSheet()
    np.testing.assert_allclose(tab.difference_plot.image(), check.comparison.difference[0, :, :, 0], rtol=1e-6)
    unchecked = science.FlipChecks({}, {"conv2d": "there is no gradient for 'conv2d'."})
    panel.show_inspection(dataclasses.replace(inspection, flip_checks=unchecked))
    assert tab.comparison() is None
    assert tab.problem() == ("The flipped-kernel gradient cannot be computed for this layer: there is no gradient "
                             "for 'conv2d'.")
    assert tab.problem() in tab.hint_text()


def test_the_flipped_kernels_page_names_what_each_colour_bar_measures_where_it_can_be_read(qtbot, panel):
    panel.resize(672, 420)   # about the Science tab in a 1366 × 768 window
    click_tab(qtbot, panel.tabs, "Backprop = flipped convolution")
    tab = panel.flip_tab
    click_tab(qtbot, tab.content_tabs, "Flipped kernels and output gradient")
    qtbot.waitUntil(lambda: tab.kernels_grid.images() is not None, timeout=5000)
    grids = ((tab.kernels_grid, "weight (flipped)"), (tab.output_grid, "pre-activation gradient"))

    def label_centre(grid):
        graphics = grid.graphics_widget()
        label = graphics.mapFromScene(grid.colorbar().getAxis("left").label.sceneBoundingRect()).boundingRect()
        return graphics, label.center()

    # The figures lay their scenes out after the resize, in later event-loop turns (late on a loaded machine).
    settle(qtbot, panel)
    for grid, measure in grids:
        assert grid.colorbar().getAxis("left").labelText.startswith(measure)
        graphics, centre = label_centre(grid)
        # On screen: within the grid's view and within the first 400 pixels, above any fold.
        assert graphics.viewport().rect().contains(centre)
        assert graphics.mapTo(panel, centre).y() < 400
