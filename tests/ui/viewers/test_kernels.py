"""The kernel viewer: one image per output filter, input channels of deeper and colour layers."""

from __future__ import annotations

import numpy as np

from cnnviz.core.config import deep_config, reference_config
from cnnviz.ui.viewers.gradients import GradientsView
from cnnviz.ui.viewers.kernels import KernelsView
from tests.ui.viewers.helpers import make_result


def test_kernels_show_one_image_per_output_filter(qtbot):
    view = KernelsView()
    qtbot.addWidget(view)
    assert view.is_showing_hint()
    result = make_result(reference_config())
    view.show_inspection(result)
    kernels = result.kernels["conv2d"]
    assert view.available_layers() == ["conv2d"]
    assert len(view.grid().tiles()) == 28
    for index in (0, 13, 27):
        np.testing.assert_array_equal(view.grid().tiles()[index].image, kernels[:, :, 0, index])
    bound = np.abs(kernels).max()
    np.testing.assert_allclose(view.grid().levels()[0], [-bound, bound], rtol=1e-6)
    assert view.num_input_channels() == 1
    assert not view.channel_spin().isEnabled()
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
    assert view.channel_spin().isEnabled() and view.channel_spin().maximum() == 7
    assert len(view.grid().tiles()) == 16
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


def test_colour_first_layer_kernels_are_rgb_patches_normalised_around_zero(qtbot):
    from PySide6.QtCore import QPoint, Qt

    from tests.ui.person import type_value
    from tests.ui.viewers.helpers import colour_config, shown

    result = make_result(colour_config())
    view = shown(qtbot, KernelsView(), 1000, 700)
    view.show_inspection(result)
    kernels = np.asarray(result.kernels["conv2d"])                  # (3, 3, 3, 28)
    assert view.shows_colour_patches() and view.colour_patches_check().isVisible()
    assert view.grid().images().shape == (28, 3, 3, 3)
    np.testing.assert_array_equal(view.grid().images()[5], kernels[:, :, :, 5])
    bound = np.abs(kernels).max()
    np.testing.assert_allclose(view.grid().levels()[0], [-bound, bound], rtol=1e-6)
    assert "RGB patches" in view.title() and "0 grey" in view.title()
    assert "per channel" in view.grid().colorbar().getAxis("left").labelText
    # A zero weight is drawn mid grey, the largest positive red weight full red.
    drawn = view.grid().drawn_tile(0)
    image = view.grid().images()[0]
    row, col = np.unravel_index(np.argmax(image[..., 0]), image.shape[:2])
    expected_red = round(255 * (image[row, col, 0] + bound) / (2 * bound))
    assert abs(int(drawn[row, col, 0]) - expected_red) <= 1
    assert not view.channel_spin().isEnabled()

    # Per channel: uncheck the patches with a click, type the channel as a person does.
    check = view.colour_patches_check()
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(8, check.height() // 2))
    assert not view.shows_colour_patches()
    assert view.channel_spin().isEnabled()
    type_value(qtbot, view.channel_spin(), "1")
    np.testing.assert_array_equal(view.grid().images(), np.moveaxis(kernels[:, :, 1, :], -1, 0))
    assert "input channel 1 (G) of 3" in view.title()
