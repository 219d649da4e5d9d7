"""The embedding projector's mathematics: PCA against a direct computation, and the test images'
activations of a layer projected with their labels and predictions."""

import numpy as np
import pytest

from cnnviz import science
from cnnviz.core.layer_graph import GraphLayer, LayerGraph
from cnnviz.science.embedding import PCABasis, embedding_layers, pca, penultimate_layer


def direct_pca(features, count):
    """Principal directions and variance ratios from a direct SVD of the centred activations."""
    centred = features - features.mean(axis=0)
    _, singular, right = np.linalg.svd(centred, full_matrices=False)
    return singular[:count] ** 2 / np.sum(singular ** 2), right[:count], centred


def test_pca_matches_the_covariance_eigenvectors_and_their_variance_ratios():
    rng = np.random.default_rng(3)
    features = rng.standard_normal((300, 6)) * [5.0, 3.0, 1.0, 0.5, 0.2, 0.1] @ np.linalg.qr(
        rng.standard_normal((6, 6)))[0] + 7.0
    points, basis = pca(features, 2)
    ratio, directions, centred = direct_pca(features, 2)
    np.testing.assert_allclose(basis.explained_variance_ratio, ratio, rtol=1e-10)
    for row in range(2):  # the same directions up to sign, and points along them
        sign = np.sign(basis.components[row] @ directions[row])
        np.testing.assert_allclose(basis.components[row], sign * directions[row], atol=1e-10)
        np.testing.assert_allclose(points[:, row], sign * centred @ directions[row], atol=1e-8)
    assert basis.explained_variance_ratio[0] > basis.explained_variance_ratio[1]
    np.testing.assert_allclose(basis.components @ basis.components.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(basis.transform(features), points, atol=1e-10)


def test_wide_activations_more_values_than_images_match_the_svd_too():
    rng = np.random.default_rng(5)
    features = rng.standard_normal((30, 400)) + 3.0 * rng.standard_normal((30, 1)) * rng.standard_normal(400)
    points, basis = pca(features.reshape(30, 20, 20), 2)
    ratio, directions, centred = direct_pca(features, 2)
    np.testing.assert_allclose(basis.explained_variance_ratio, ratio, rtol=1e-9)
    for row in range(2):
        sign = np.sign(basis.components[row] @ directions[row])
        np.testing.assert_allclose(basis.components[row], sign * directions[row], atol=1e-9)
        np.testing.assert_allclose(points[:, row], sign * centred @ directions[row], atol=1e-7)


def test_points_on_a_line_have_all_their_variance_in_the_first_direction():
    steps = np.linspace(-2, 2, 9)[:, None]
    features = np.hstack([steps, 2 * steps, np.zeros_like(steps)]).reshape(9, 1, 3)  # (n, 1, 3): flattened
    points, basis = pca(features, 2)
    np.testing.assert_allclose(basis.explained_variance_ratio, [1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(points[:, 0], steps[:, 0] * np.sqrt(5), atol=1e-12)  # sign: largest loading > 0
    np.testing.assert_allclose(points[:, 1], 0.0, atol=1e-12)


def test_degenerate_and_bad_activations():
    points, basis = pca(np.ones((4, 3)), 2)
    np.testing.assert_array_equal(points, 0.0)
    np.testing.assert_array_equal(basis.explained_variance_ratio, 0.0)
    points, basis = pca(np.array([[1.0, 2.0]]), 2)  # one image: no direction of variance
    assert points.shape == (1, 2)
    with pytest.raises(ValueError, match="NaN or infinite"):
        pca(np.array([[1.0, np.nan], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="at least 1"):
        pca(np.ones((3, 2)), 0)
    with pytest.raises(ValueError, match="same layer"):
        basis.transform(np.ones((2, 5)))


def test_another_epochs_activations_land_in_the_same_plane():
    rng = np.random.default_rng(0)
    first = rng.standard_normal((50, 4))
    _, basis = pca(first, 2)
    shifted = first + [1.0, 0.0, 0.0, 0.0]
    np.testing.assert_allclose(basis.transform(shifted) - basis.transform(first),
                               np.broadcast_to(basis.components[:, 0], (50, 2)), atol=1e-12)
    assert isinstance(basis, PCABasis)


def test_the_penultimate_layer_is_the_one_feeding_the_last(engine):
    assert penultimate_layer(engine) == "dropout_1"
    assert embedding_layers(engine) == tuple(engine.layer_names()[:-1])

    class Graph:  # a graph whose last layer is not fed by the layer listed before it
        def layer_names(self):
            return ["conv", "side", "pool", "dense"]

        def layer_graph(self):
            return LayerGraph(tuple(GraphLayer(name, "x", (1,), 0, 0, inputs) for name, inputs in (
                ("conv", ("input",)), ("side", ("conv",)), ("pool", ("conv",)), ("dense", ("pool", "side")))))

    assert penultimate_layer(Graph()) == "pool"


def test_the_reference_models_test_images_are_projected_with_labels_and_predictions(engine):
    result = science.run("embedding", engine, samples=300)
    split = science.load_test_split(engine, 300)
    assert result.layer == "dropout_1" and result.class_names == tuple("0123456789")
    np.testing.assert_array_equal(result.labels, split.labels)
    np.testing.assert_array_equal(result.predictions, engine.predict(split.images).argmax(axis=1))
    np.testing.assert_array_equal(result.misclassified, np.flatnonzero(split.labels != result.predictions))
    features = science.layer_maps(engine, split.images, "dropout_1").reshape(300, -1)
    expected, basis = pca(features, 2)
    np.testing.assert_allclose(result.points, expected, atol=1e-6)
    assert result.points.shape == (300, 2) and not result.points.flags.writeable
    # A trained network's penultimate activations are far from isotropic: two of its 128 directions
    # hold a fair share of the variance.
    assert result.explained_variance_ratio.sum() > 0.2
    other = science.run("embedding", engine, layer="flatten", samples=50)
    assert other.layer == "flatten" and other.points.shape == (50, 2)


def test_an_unknown_layer_is_refused_with_the_choices(engine):
    with pytest.raises(ValueError, match="no layer 'dense_9'; choose one of conv2d"):
        science.run("embedding", engine, layer="dense_9", samples=5)
