"""The Explain tab's method form as a person uses it: only the chosen method's settings show, typed
values reach the request; and the overlay's colours leave the input visible where the map is zero."""

import numpy as np
import pytest

from cnnviz.ui.explain.method_form import MethodForm
from cnnviz.ui.explain.overlay_colours import map_levels, overlay_lut
from tests.ui.person import choose, type_value


@pytest.fixture
def form(qtbot):
    widget = MethodForm()
    qtbot.addWidget(widget)
    widget.set_model(["conv2d", "conv2d_1"], [str(index) for index in range(10)])
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_smoothgrad_of_grad_cam_asks_for_its_samples_noise_and_layer(qtbot, form):
    choose(qtbot, form.method_combo, "SmoothGrad")
    choose(qtbot, form.base_combo, "Grad-CAM")
    type_value(qtbot, form.samples_spin, "12")
    choose(qtbot, form.layer_combo, "conv2d")
    choose(qtbot, form.class_combo, "7")
    method, class_index, settings = form.request()
    assert method == "smoothgrad:grad-cam" and class_index == 7
    assert settings == {"layer": "conv2d", "num_samples": 12, "noise": 0.15}
    shown = {widget for widget in (form.samples_spin, form.noise_spin, form.layer_combo, form.steps_spin,
                                   form.patch_spin) if widget.isVisibleTo(form)}
    assert shown == {form.samples_spin, form.noise_spin, form.layer_combo}
    assert not form.is_fast()


def test_occlusion_and_integrated_gradients_take_their_own_settings(qtbot, form):
    choose(qtbot, form.method_combo, "Occlusion")
    type_value(qtbot, form.patch_spin, "6")
    type_value(qtbot, form.stride_spin, "3")
    assert form.request() == ("occlusion", None, {"patch_size": 6, "stride": 3})
    choose(qtbot, form.method_combo, "Integrated Gradients")
    choose(qtbot, form.baseline_combo, "blurred")
    type_value(qtbot, form.steps_spin, "16")
    assert form.request() == ("integrated-gradients", None, {"baseline": "blurred", "steps": 16})
    assert not form.patch_spin.isVisibleTo(form)


def test_the_last_convolution_is_the_default_layer_and_survives_a_new_model(qtbot, form):
    assert form.layer_combo.currentText() == "conv2d_1"
    choose(qtbot, form.layer_combo, "conv2d")
    form.set_model(["conv2d", "conv2d_1", "conv2d_2"], ["cat", "dog"])
    assert form.layer_combo.currentText() == "conv2d"
    assert [form.class_combo.itemText(index) for index in range(form.class_combo.count())] == [
        "predicted", "0: cat", "1: dog"]


def test_the_overlay_is_transparent_at_zero_and_opaque_at_the_extremes():
    signed, unsigned = overlay_lut(True), overlay_lut(False)
    assert signed[0, 3] == 255 and signed[-1, 3] == 255 and signed[127:129, 3].max() <= 2
    assert tuple(signed[0, :3]) == (33, 102, 172) and tuple(signed[-1, :3]) == (215, 25, 28)
    assert unsigned[0, 3] == 0 and unsigned[-1, 3] == 255
    assert map_levels(np.array([[-2.0, 1.0]]), True) == (-2.0, 2.0)
    assert map_levels(np.zeros((2, 2)), False) == (0.0, 1.0)
