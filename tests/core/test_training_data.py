"""Training arrays fitted to a model's input shape, saying what was converted."""

import numpy as np

from cnnviz.core.preprocessing import GREY_TO_COLOUR
from cnnviz.core.training_data import TrainingData


def grey_data():
    rng = np.random.default_rng(0)
    images = rng.random((10, 28, 28, 1), dtype=np.float32)
    labels = rng.integers(0, 10, 10)
    return TrainingData("mnist-sample", "memory", tuple("0123456789"), images[:6], labels[:6], images[6:8],
                        labels[6:8], images[8:], labels[8:])


def test_fitting_to_the_same_shape_changes_nothing():
    data = grey_data()
    assert data.fitted((28, 28, 1)) is data and data.conversion == ""


def test_fitting_to_a_colour_non_square_shape_converts_every_split_and_says_so():
    data = grey_data().fitted((40, 24, 3))
    assert data.input_shape == (40, 24, 3)
    assert [len(images) for images in (data.train_images, data.val_images, data.test_images)] == [6, 2, 2]
    assert data.test_images.shape[1:] == data.val_images.shape[1:] == (40, 24, 3)
    assert "28×28 grey images fitted to 40×24" in data.conversion and GREY_TO_COLOUR in data.conversion
    np.testing.assert_array_equal(data.train_labels, grey_data().train_labels)
