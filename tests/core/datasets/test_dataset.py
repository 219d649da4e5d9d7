"""The value a load hands back checks its own arrays."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core.datasets import Dataset


def test_dataset_validates_its_arrays():
    with pytest.raises(ValueError, match=r"labels must be a \(n,\) uint8 array"):
        Dataset("x", "train", np.zeros((2, 28, 28), np.uint8), np.zeros(2, np.int64), "t", ("a",))
    with pytest.raises(ValueError, match=r"label 3 found but only 2 class names"):
        labels = np.array([0, 3], np.uint8)
        Dataset("x", "train", np.zeros((2, 28, 28), np.uint8), labels, "t", ("a", "b"))


def test_grey_and_colour_images_become_nhwc_float_inputs():
    grey = Dataset("g", "train", np.full((2, 5, 7), 255, np.uint8), np.zeros(2, np.uint8), "t", ("a",))
    colour = Dataset("c", "train", np.zeros((3, 4, 6, 3), np.uint8), np.zeros(3, np.uint8), "t", ("a",))
    assert grey.image_shape == (5, 7, 1) and colour.image_shape == (4, 6, 3)
    inputs = grey.inputs()
    assert inputs.shape == (2, 5, 7, 1) and inputs.dtype == np.float32 and (inputs == 1.0).all()
    assert colour.inputs(1).shape == (2, 4, 6, 3) and colour.inputs(0, 1).shape == (1, 4, 6, 3)
    with pytest.raises(ValueError, match=r"1 or 3 channels, got \(2, 4, 6, 2\)"):
        Dataset("x", "train", np.zeros((2, 4, 6, 2), np.uint8), np.zeros(2, np.uint8), "t", ("a",))
