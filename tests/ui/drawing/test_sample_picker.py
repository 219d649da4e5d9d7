"""Tests of the sample picker: random and chosen test images, their labels, indices refused, datasets missing."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cnnviz.core.datasets import DatasetUnavailableError, load_dataset
from cnnviz.core.datasets.shapes import SHAPE_CLASSES
from cnnviz.ui.drawing import sample_picker
from cnnviz.ui.drawing.sample_picker import SamplePicker
from tests.ui.drawing.helpers import SIGNAL_TIMEOUT_MS
from tests.ui.person import choose, type_value


def test_load_sample_emits_the_dataset_image_and_label(qtbot, canvas):
    dataset = load_dataset("mnist-sample", "test")
    index = 7
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as inputs, \
            qtbot.waitSignal(canvas.sig_label_changed, timeout=SIGNAL_TIMEOUT_MS) as labels:
        canvas.load_sample(index)
    model_input = inputs.args[0]
    assert model_input.shape == (1, 28, 28, 1) and model_input.dtype == np.float32
    np.testing.assert_allclose(model_input[0, :, :, 0], dataset.images[index] / 255.0, atol=1e-6)
    assert labels.args[0] == int(dataset.labels[index])
    assert isinstance(labels.args[0], int)
    assert canvas.canvas_image().any()
    assert canvas.samples.sample_spin.value() == index
    assert f"#{index}" in canvas.message()
    np.testing.assert_array_equal(canvas.prediction_view.preview_pixels(), dataset.images[index])


def test_same_label_is_emitted_for_each_loaded_sample(qtbot, canvas):
    dataset = load_dataset("mnist-sample", "test")
    label = dataset.labels[0]
    twin = int(np.flatnonzero(dataset.labels == label)[1])
    canvas.load_sample(0)
    with qtbot.waitSignal(canvas.sig_label_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        canvas.load_sample(twin)
    assert blocker.args[0] == label


def test_random_sample_button_loads_a_sample(qtbot, canvas):
    dataset = load_dataset("mnist-sample", "test")
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(canvas.samples.random_button, Qt.MouseButton.LeftButton)
    index = canvas.samples.sample_spin.value()
    np.testing.assert_allclose(blocker.args[0][0, :, :, 0], dataset.images[index] / 255.0,
                               atol=1e-6)


def test_load_button_uses_the_spin_box(qtbot, canvas):
    dataset = load_dataset("mnist-sample", "test")
    type_value(qtbot, canvas.samples.sample_spin, "11")
    with qtbot.waitSignal(canvas.sig_label_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(canvas.samples.load_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0] == int(dataset.labels[11])
    assert canvas.samples.sample_spin.maximum() == len(dataset) - 1


def test_load_button_reports_an_index_past_the_end(qtbot, canvas):
    type_value(qtbot, canvas.samples.sample_spin, "9999")
    with qtbot.assertNotEmitted(canvas.sig_input_changed):
        qtbot.mouseClick(canvas.samples.load_button, Qt.MouseButton.LeftButton)
    assert "9999" in canvas.message() and "does not exist" in canvas.message()


def test_load_sample_refuses_a_bad_index(canvas):
    with pytest.raises(ValueError, match="Sample index"):
        canvas.load_sample(10**6)
    with pytest.raises(ValueError, match="Sample index"):
        canvas.load_sample(-1)


def test_shapes_mode_samples_the_shapes_dataset(qtbot, canvas):
    with qtbot.waitSignal(canvas.sig_mode_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        choose(qtbot, canvas.mode_combo, "Shapes")
    assert blocker.args[0] == "shapes"
    assert canvas.mode() == "shapes"
    assert canvas.class_names() == tuple(SHAPE_CLASSES)
    assert len(canvas.class_names()) == 3
    dataset = load_dataset("shapes", "test")
    with qtbot.waitSignal(canvas.sig_label_changed, timeout=SIGNAL_TIMEOUT_MS) as labels:
        canvas.load_sample(4)
    np.testing.assert_allclose(canvas.current_input()[0, :, :, 0], dataset.images[4] / 255.0,
                               atol=1e-6)
    assert labels.args[0] == int(dataset.labels[4])
    assert canvas.chart.class_names() == tuple(SHAPE_CLASSES)


def test_dataset_failure_is_a_message(canvas, monkeypatch):
    def unavailable(name, split):
        raise DatasetUnavailableError(f"{name} is missing")

    monkeypatch.setattr(sample_picker, "load_dataset", unavailable)
    canvas.load_sample(None)
    assert "mnist-sample is missing" in canvas.message()
    assert canvas.current_input() is None


@pytest.fixture
def picker(qtbot):
    widget = SamplePicker()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_the_buttons_ask_for_a_random_or_the_typed_sample(qtbot, picker):
    with qtbot.waitSignal(picker.sig_sample_requested, timeout=SIGNAL_TIMEOUT_MS) as random:
        qtbot.mouseClick(picker.random_button, Qt.MouseButton.LeftButton)
    assert random.args == [None]
    type_value(qtbot, picker.sample_spin, "42")
    with qtbot.waitSignal(picker.sig_sample_requested, timeout=SIGNAL_TIMEOUT_MS) as typed:
        qtbot.mouseClick(picker.load_button, Qt.MouseButton.LeftButton)
    assert typed.args == [42]
    dataset = load_dataset("mnist-sample", "test")
    assert picker.sample_spin.maximum() == len(dataset) - 1  # known once the dataset is loaded


def test_a_sample_is_fitted_to_a_colour_non_square_input(picker):
    dataset = load_dataset("mnist-sample", "test")
    sample = picker.sample(3, (32, 24, 3))
    assert sample.index == 3 and sample.label == int(dataset.labels[3])
    assert sample.image.shape == (32, 24)
    assert "fitted from 28×28 to 32×24" in sample.message
    # As training fits the dataset: the aspect kept (a 24×24 digit), centred on black.
    assert sample.image[:4].max() == 0.0 and sample.image[28:].max() == 0.0
    same_size = picker.sample(3, (28, 28, 1))
    np.testing.assert_array_equal(same_size.image, dataset.images[3])
    assert "fitted" not in same_size.message


def test_a_missing_dataset_is_an_error_signal_not_an_exception(qtbot, picker, monkeypatch):
    def unavailable(name, split):
        raise DatasetUnavailableError(f"{name} is missing")

    monkeypatch.setattr(sample_picker, "load_dataset", unavailable)
    picker.set_mode("shapes")
    with qtbot.waitSignal(picker.sig_error, timeout=SIGNAL_TIMEOUT_MS) as error, \
            qtbot.assertNotEmitted(picker.sig_sample_requested):
        qtbot.mouseClick(picker.load_button, Qt.MouseButton.LeftButton)
    assert "Could not load the shapes dataset: shapes is missing" in error.args[0]
