"""The embedding projector on the Keras engine: the same points as the NumPy engine with copied weights,
and a foreign Keras graph model (colour, non-square input) whose penultimate layer comes from its graph."""

import numpy as np
import pytest

from cnnviz import science
from cnnviz.core.config import reference_config
from cnnviz.engines.registry import create_engine, load_engine
from tests.science.helpers import reference_engine

keras = pytest.importorskip("keras")


def test_both_engines_place_the_test_images_alike():
    numpy_engine = reference_engine()
    keras_engine = create_engine("keras", reference_config())
    keras_engine.set_weights(numpy_engine.get_weights())
    ours = science.run("embedding", numpy_engine, samples=100)
    theirs = science.run("embedding", keras_engine, samples=100)
    assert theirs.layer == ours.layer == "dropout_1"
    np.testing.assert_allclose(theirs.points, ours.points, atol=1e-3)
    np.testing.assert_allclose(theirs.explained_variance_ratio, ours.explained_variance_ratio, atol=1e-5)
    np.testing.assert_array_equal(theirs.predictions, ours.predictions)


def test_a_foreign_graph_models_penultimate_layer_is_projected(tmp_path):
    from tests.engines.keras_engine.graph_models import small_resnet

    keras.utils.set_random_seed(3)
    path = tmp_path / "resnet.keras"
    small_resnet().save(path)
    engine = load_engine(path)
    assert science.embedding.penultimate_layer(engine) == "pool"
    result = science.run("embedding", engine, samples=30)
    assert result.layer == "pool" and result.points.shape == (30, 2)
    assert result.images.shape == (30, 16, 12, 3)
    assert result.class_names == ("0", "1", "2", "3")  # the model's four outputs, not the dataset's ten
    other = science.run("embedding", engine, layer="block1_add", samples=30)
    assert other.layer == "block1_add" and np.isfinite(other.points).all()
