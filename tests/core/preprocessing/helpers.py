"""Pictures to preprocess, and checks on what comes out."""

import numpy as np
from numpy.testing import assert_array_equal

from cnnviz.core.preprocessing import PreprocessResult


def centre_of_mass(image):
    """(row, column) intensity centre of mass of a 2-D array, pixel centres at integers."""
    total = image.sum()
    rows, columns = np.indices(image.shape)
    return (rows * image).sum() / total, (columns * image).sum() / total


def ink_extent(image, level=0.0):
    """(height, width) of the bounding box of pixels above ``level``."""
    rows = np.flatnonzero((image > level).any(axis=1))
    columns = np.flatnonzero((image > level).any(axis=0))
    return rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1


def triangle(height, width, top, left, size):
    """White right triangle (light ink on black), lopsided so its centre of mass is
    well away from the centre of its bounding box."""
    image = np.zeros((height, width), np.float32)
    for offset in range(size):
        image[top + offset, left:left + offset + 1] = 1.0
    return image


def assert_model_input(result):
    assert isinstance(result, PreprocessResult)
    assert result.input.shape == (1, 28, 28, 1)
    assert result.input.dtype == np.float32
    assert result.image.shape == (28, 28)
    assert result.image.dtype == np.float32
    assert_array_equal(result.input[0, :, :, 0], result.image)
    assert result.input.min() >= 0.0
    assert result.input.max() == 1.0
