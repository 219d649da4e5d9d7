"""Every analysis runs on a 32×32×3 model with batch normalization and global pooling: nothing in
cnnviz.science assumes 28×28×1 grey inputs (the dataset's images are fitted to the model's input)."""

import numpy as np
import pytest

from cnnviz import science
from cnnviz.core import config as cfg
from cnnviz.engines.numpy_engine import NumpyEngine
from tests.science.test_registry import ContractOnly

COLOUR = cfg.ModelConfig(input_shape=(32, 32, 3), layers=(
    cfg.Conv2D(6, (3, 3), activation="linear"), cfg.BatchNormalization(), cfg.Activation("relu"),
    cfg.MaxPooling2D(), cfg.Conv2D(8, (3, 3)), cfg.GlobalAveragePooling2D(), cfg.Dense(16), cfg.Dense(10, "softmax")))


@pytest.fixture(scope="module")
def colour_engine():
    return ContractOnly(NumpyEngine(COLOUR))


def test_the_test_split_is_fitted_to_the_colour_input(colour_engine):
    split = science.load_test_split(colour_engine, 20)
    assert split.images.shape == (20, 32, 32, 3)
    np.testing.assert_array_equal(split.images[..., 0], split.images[..., 2])  # grey digits, repeated


def test_every_analysis_runs_on_a_colour_model(colour_engine):
    image = science.load_test_split(colour_engine, 1).images
    for kind, params in (("similarity_matrix", {"samples_per_class": 1, "num_resamples": 10}),
                         ("compare_pair", {"image_a": image, "image_b": image, "reference_images": 2}),
                         ("symmetry", {"transform": "rescale", "samples": 5}),
                         ("symmetry", {"layer": "conv2d_1", "transform": "permutation", "samples": 5}),
                         ("dead_filters", {"samples": 5}),
                         ("prune", {"layer": "conv2d_1", "filters": [0]}),
                         ("flip", {"image": image}),
                         ("evaluation", {"samples": 5}),
                         ("embedding", {"samples": 5})):
        assert science.run(kind, colour_engine, **params) is not None, kind


def test_a_permutation_through_global_pooling_is_exact(colour_engine):
    result = science.run("symmetry", colour_engine, layer="conv2d_1", transform="permutation", samples=5)
    assert result.next_layer == "dense"
    assert result.check.max_abs_difference_in_probabilities < 1e-6


def test_symmetries_through_batch_normalization_are_refused_with_the_reason(colour_engine):
    with pytest.raises(ValueError, match="'conv2d' is followed by batch_normalization, activation before the next "
                                         "weighted layer.*Choose one of: conv2d_1, dense"):
        science.run("symmetry", colour_engine, layer="conv2d", transform="permutation", samples=5)
