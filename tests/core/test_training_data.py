"""Training data at a model's input shape: made at it where the dataset can be, fitted to it (saying
what was converted) where it cannot, refused with what to set only when its classes do not fit."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core.config import TrainingConfig, reference_config
from cnnviz.core.datasets import image_decoding
from cnnviz.core.preprocessing import GREY_TO_COLOUR
from cnnviz.core.training_data import TrainingData, output_units, prepare_training_data
from cnnviz.imaging import install_image_decoder
from tests.core.datasets.image_folders import write_image_folder


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


def test_an_image_folder_is_made_at_the_models_input_shape(tmp_path):
    install_image_decoder()
    try:
        folder = write_image_folder(tmp_path / "pictures")
        training = TrainingConfig(dataset=str(folder), validation_split=0.25)
        data = prepare_training_data(training, input_shape=(12, 10, 3), num_outputs=3)
    finally:
        image_decoding.register_image_decoder(None)
    assert data.train_images.shape[1:] == (12, 10, 3) and data.test_images.shape == (3, 12, 10, 3)
    assert data.conversion == ""
    assert len(data.train_labels) + len(data.val_labels) == 15
    assert data.class_names == ("circles", "squares", "triangles")


def test_a_fixed_shape_dataset_is_fitted_and_a_class_count_that_does_not_fit_is_refused():
    with pytest.raises(ValueError, match=r"output layer has 10 units but dataset 'shapes-colour' has 3 classes "
                                         r"\(square, triangle, circle\)\. Set the last dense layer's units to 3"):
        prepare_training_data(TrainingConfig(dataset="shapes-colour", train_subset=10), input_shape=(28, 28, 1),
                              num_outputs=10)
    grey = prepare_training_data(TrainingConfig(dataset="mnist-sample", train_subset=20), input_shape=(28, 20, 3),
                                 num_outputs=10)
    assert grey.train_images.shape[1:] == grey.test_images.shape[1:] == (28, 20, 3)
    assert "28×28 grey images fitted to 28×20" in grey.conversion and GREY_TO_COLOUR in grey.conversion
    colour = prepare_training_data(TrainingConfig(dataset="shapes-colour", train_subset=12),
                                   input_shape=(20, 24, 3), num_outputs=3)
    assert colour.train_images.shape[1:] == (20, 24, 3) and colour.conversion == ""
    assert output_units(reference_config()) == 10
