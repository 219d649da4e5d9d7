"""Training data of any shape: made at the model's input shape where the dataset can be, refused with
what to set where it cannot."""

from __future__ import annotations

import pytest

from cnnviz.core.config import TrainingConfig, reference_config
from cnnviz.core.datasets import image_decoding
from cnnviz.core.training_data import output_units, prepare_training_data
from cnnviz.imaging import install_image_decoder
from tests.core.datasets.image_folders import write_image_folder


def test_an_image_folder_is_made_at_the_models_input_shape(tmp_path):
    install_image_decoder()
    try:
        folder = write_image_folder(tmp_path / "pictures")
        training = TrainingConfig(dataset=str(folder), validation_split=0.25)
        data = prepare_training_data(training, input_shape=(12, 10, 3), num_outputs=3)
    finally:
        image_decoding.register_image_decoder(None)
    assert data.train_images.shape[1:] == (12, 10, 3) and data.test_images.shape == (3, 12, 10, 3)
    assert len(data.train_labels) + len(data.val_labels) == 15
    assert data.class_names == ("circles", "squares", "triangles")


def test_a_dataset_of_another_shape_or_class_count_is_refused_with_what_to_set():
    with pytest.raises(ValueError, match=r"output layer has 10 units but dataset 'shapes-colour' has 3 classes "
                                         r"\(square, triangle, circle\)\. Set the last dense layer's units to 3"):
        prepare_training_data(TrainingConfig(dataset="shapes-colour", train_subset=10), input_shape=(28, 28, 1),
                              num_outputs=10)
    with pytest.raises(ValueError, match=r"The model takes inputs of shape \[28, 28, 3\] but dataset 'mnist-sample' "
                                         r"has images of shape \[28, 28, 1\].*\"input_shape\": \[28, 28, 1\]"):
        prepare_training_data(TrainingConfig(dataset="mnist-sample"), input_shape=(28, 28, 3))
    colour = prepare_training_data(TrainingConfig(dataset="shapes-colour", train_subset=12),
                                   input_shape=(20, 24, 3), num_outputs=3)
    assert colour.train_images.shape[1:] == (20, 24, 3)
    assert output_units(reference_config()) == 10
