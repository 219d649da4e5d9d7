"""Tests of the framing from pictures to model inputs: drawings, dataset images, input shapes."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core.preprocessing import EmptyImageError
from cnnviz.ui.drawing.model_inputs import (
    checked_input_shape,
    dataset_input,
    drawn_input,
    ink_box,
    refitted_input,
    shape_text,
)
from cnnviz.ui.drawing.surface import CANVAS_SIZE


def a_bar(rows=slice(60, 220), columns=slice(130, 150)):
    canvas = np.zeros((CANVAS_SIZE, CANVAS_SIZE), np.uint8)
    canvas[rows, columns] = 255
    return canvas


def test_a_drawing_is_framed_in_the_shorter_side_of_any_input():
    model_input = drawn_input(a_bar(), (32, 24, 3))
    assert model_input.shape == (1, 32, 24, 3) and model_input.dtype == np.float32
    assert not model_input.flags.writeable
    np.testing.assert_array_equal(model_input[..., 0], model_input[..., 2])
    rows, columns = np.nonzero(model_input[0, :, :, 0] > 0.5)
    assert rows.max() - rows.min() + 1 <= ink_box((32, 24, 3)) == 17  # 24 * 20 / 28, rounded
    assert abs(rows.mean() - 15.5) <= 1.5 and abs(columns.mean() - 11.5) <= 1.5
    with pytest.raises(EmptyImageError):
        drawn_input(np.zeros((CANVAS_SIZE, CANVAS_SIZE), np.uint8), (28, 28, 1))


def test_a_dataset_image_is_only_scaled_and_must_have_the_input_size():
    image = np.zeros((20, 12), np.uint8)
    image[5:15, 4:8] = 255
    model_input = dataset_input(image, (20, 12, 3))
    assert model_input.shape == (1, 20, 12, 3)
    np.testing.assert_allclose(model_input[0, :, :, 1], image / 255.0)
    with pytest.raises(ValueError, match=r"20 x 12 .* received shape \(28, 28\)"):
        dataset_input(np.zeros((28, 28), np.uint8), (20, 12, 3))
    refitted = refitted_input(model_input, (28, 28, 1))
    assert refitted.shape == (1, 28, 28, 1) and refitted.max() > 0.9


@pytest.mark.parametrize("shape", [(28, 0, 1), (28, 28), (28, 28, 1.5), (True, 28, 1)])
def test_an_input_shape_is_three_positive_whole_numbers(shape):
    with pytest.raises(ValueError, match="input_shape"):
        checked_input_shape(shape)


def test_input_shapes_are_written_the_way_the_panel_shows_them():
    assert checked_input_shape([np.int64(32), 24, 3]) == (32, 24, 3)
    assert shape_text((28, 28, 1)) == "28×28" and shape_text((32, 24, 3)) == "32×24×3"
