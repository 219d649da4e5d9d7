"""Anything that is not a finite numeric picture is refused with a message saying what was received."""

import numpy as np
import pytest

from cnnviz.core.preprocessing import preprocess_image, to_grayscale


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (np.array([[0.0, np.nan], [1.0, 0.5]]), "NaN or infinite"),
        (np.array([[0.0, np.inf], [1.0, 0.5]]), "NaN or infinite"),
        (np.zeros((1, 28, 28, 1)), r"4-D.*one picture at a time"),
        (np.zeros((28, 28, 5)), r"5 channels.*grey, RGB or RGBA"),
        (np.zeros((0, 28)), r"empty image of shape \(0, 28\).*at least 1 x 1"),
        (np.zeros((28, 28, 0)), "0 channels"),
        (np.zeros(28), r"1-D.*\(height, width\)"),
        (None, "NoneType with dtype object"),
        ("digit.png", "str with dtype"),
        ([[1, 2], [3]], "Could not read the image"),
    ],
)
def test_bad_inputs_raise_value_error(source, message):
    with pytest.raises(ValueError, match=message):
        preprocess_image(source)


def test_to_grayscale_refuses_what_preprocessing_refuses():
    with pytest.raises(ValueError, match=r"5 channels.*grey, RGB or RGBA"):
        to_grayscale(np.zeros((28, 28, 5)))
