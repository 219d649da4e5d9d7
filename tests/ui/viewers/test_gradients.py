"""The gradients viewer: its target, input saliency, layer and kernel gradients, readable colour bars."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cnnviz.core.config import deep_config, reference_config
from cnnviz.core.results import frozen
from cnnviz.ui.viewers.colour_bars import colorbar_tick_labels, tick_label
from cnnviz.ui.viewers.figure_text import format_value
from cnnviz.ui.viewers.gradients import GradientsView
from cnnviz.ui.viewers.saliency_panel import SALIENCY_READOUT_HINT
from tests.ui.settle import settle
from tests.ui.viewers.helpers import TIMEOUT, choose_with_keys, colour_config, hover, make_result, shown


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
    signed_levels = view.saliency_panel().levels()[2]
    np.testing.assert_allclose(signed_levels, [-np.abs(gradient).max(), np.abs(gradient).max()], rtol=1e-6)
    assert f"{result.gradients.value:.4f}" in view.target_text()
    assert "loss" in view.title()


def test_the_saliency_panels_draw_each_value_in_its_colour_map_over_the_shared_scale(qtbot):
    from cnnviz.ui.viewers.colour_maps import DIVERGING_COLORMAP, get_colormap

    view = shown(qtbot, GradientsView(), 1000, 650)
    result = make_result(reference_config(), seed=3)
    view.show_inspection(result)
    panel = view.saliency_panel()
    gradient = np.asarray(result.gradients.input)[0, :, :, 0]
    row, col = np.unravel_index(np.argmax(np.abs(gradient)), gradient.shape)
    drawn_saliency, drawn_signed = (item.image for item in panel.image_items()[1:])
    assert drawn_saliency.dtype == np.uint8 and drawn_saliency.shape == (*gradient.shape, 4)
    # The largest |gradient| is the top of both scales: the last colour of the saliency map, and an
    # end colour of the diverging map (its sign's end).
    top = panel.colorbars()[1].colorMap().getLookupTable(nPts=256, alpha=True)[-1]
    np.testing.assert_array_equal(drawn_saliency[row, col], top)
    diverging = get_colormap(DIVERGING_COLORMAP).getLookupTable(nPts=256, alpha=True)
    end = diverging[-1] if gradient[row, col] > 0 else diverging[0]
    np.testing.assert_array_equal(drawn_signed[row, col], end)
    # A zero gradient sits in the middle of the diverging map.
    zero = np.argwhere(gradient == 0)
    if len(zero):
        np.testing.assert_array_equal(drawn_signed[tuple(zero[0])], diverging[128])


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
    settle(qtbot)
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
    _, saliency_levels, signed_levels = panel.levels()
    np.testing.assert_allclose(saliency_levels, [0, bound], rtol=1e-6)
    np.testing.assert_allclose(signed_levels, [-bound, bound], rtol=1e-6)
    image_labels, saliency_labels, signed_labels = (colorbar_tick_labels(bar) for bar in panel.colorbars())
    image = np.asarray(result.image)[0]
    if image.shape[-1] == 1:   # grey: its own range
        low, high = float(image.min()), float(image.max())
    else:                      # colour: shown as it is, 0 .. 1 in every channel
        low, high = 0.0, 1.0
        assert panel.arrays()[0].shape == image.shape
    assert image_labels[0] == tick_label(low) and image_labels[-1] == tick_label(high)
    assert saliency_labels[0] == "0" and saliency_labels[-1] == tick_label(bound)
    assert signed_labels[0] == tick_label(-bound) and "0" in signed_labels and signed_labels[-1] == tick_label(bound)
    assert "e-7" in signed_labels[-1]
    assert "Saliency and signed gradient: one scale" in panel.caption()
    assert "class 3" in view.title() and "class:" not in view.title()


def test_hovering_the_saliency_and_then_new_input_or_another_target_clears_the_readout(qtbot):
    view = shown(qtbot, GradientsView(), 1000, 650)
    first = make_result(reference_config(), seed=0)
    view.show_inspection(first)
    settle(qtbot)
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


def test_the_saliency_images_are_large_and_carry_no_misleading_axis_at_laptop_size(qtbot):
    # About what the Gradients tab leaves the panel in a 1366 × 768 window beside the docks.
    view = shown(qtbot, GradientsView(), 672, 330)
    view.show_inspection(make_result(reference_config(), target="class:3"))
    settle(qtbot)
    panel = view.saliency_panel()
    assert view.is_showing_saliency()
    assert panel.graphics_widget().height() >= 300
    for plot, item in zip(panel._plots, panel.image_items()):
        assert not plot.getAxis("bottom").isVisible() and not plot.getAxis("left").isVisible()
        assert plot.getViewBox().state["aspectLocked"]
        drawn = item.sceneBoundingRect()
        assert drawn.width() >= 140 and drawn.width() == pytest.approx(drawn.height(), abs=1.0)
    # The readout, not an axis, names the pixel under the mouse.
    hover(panel.graphics_widget(), panel.pixel_scene_position(1, 5, 7))
    assert panel.status_text().startswith("|gradient| (saliency) (row 5, col 7)")
