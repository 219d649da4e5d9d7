"""The test split an analysis measures on, and one layer's maps of many images."""

import numpy as np
import pytest

from cnnviz import science
from tests.science.helpers import reference_engine


def test_test_split_is_the_models_dataset_read_only(split):
    assert split.dataset == "mnist-sample"
    assert split.images.shape == (2000, 28, 28, 1) and split.images.dtype == np.float32
    assert split.class_names == tuple("0123456789")
    assert not split.images.flags.writeable and not split.labels.flags.writeable
    with pytest.raises(ValueError, match="at least 1"):
        science.load_test_split(reference_engine(), 0)


def test_layer_maps_are_the_engines_maps_in_batches(engine, split):
    maps = science.layer_maps(engine, split.images[:5], "conv2d", batch_size=2)
    np.testing.assert_allclose(maps, engine.feature_maps(split.images[:5])["conv2d"], rtol=1e-5, atol=1e-6)
