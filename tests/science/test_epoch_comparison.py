"""Two epochs in the projector: Procrustes finds the turn between two point sets, and two checkpoints'
projections of the same test images come back aligned."""

import numpy as np
import pytest

from cnnviz.science.epoch_comparison import compare_epochs, procrustes
from tests.science.helpers import reference_engine

RNG = np.random.default_rng(3)


def turn(angle, reflect=False):
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return rotation @ np.diag([1.0, -1.0]) if reflect else rotation


@pytest.mark.parametrize("reflect", [False, True])
def test_procrustes_undoes_a_turn_and_a_reflection(reflect):
    points = RNG.normal(size=(50, 2)) * [3.0, 1.0]
    points -= points.mean(axis=0)
    turned = 5.0 * points @ turn(1.1, reflect)  # the scale plays no part in the fit
    rotation, residual = procrustes(turned, points)
    np.testing.assert_allclose(turned @ rotation, 5.0 * points, atol=1e-10)
    np.testing.assert_allclose(rotation @ rotation.T, np.eye(2), atol=1e-12)
    assert residual == pytest.approx(0.0, abs=1e-10)
    assert np.linalg.det(rotation) == pytest.approx(-1.0 if reflect else 1.0)
    # Noise stays as what is left, and the fit is never worse than leaving the points as they are.
    noisy = turned + RNG.normal(scale=0.5, size=turned.shape)
    rotation, residual = procrustes(noisy, points)
    assert 0.01 < residual < 0.1
    assert np.linalg.norm(noisy @ rotation - 5.0 * points) <= np.linalg.norm(noisy - 5.0 * points)
    # Clouds that have nothing to do with each other stay far apart whatever the turn.
    assert procrustes(RNG.normal(size=(200, 2)), RNG.normal(size=(200, 2)))[1] > 1.0


def test_procrustes_refuses_point_sets_that_do_not_pair_up():
    with pytest.raises(ValueError, match="same shape"):
        procrustes(np.zeros((5, 2)), np.zeros((4, 2)))


def test_two_checkpoints_project_the_same_images_and_the_second_is_turned_onto_the_first():
    first, second = reference_engine(), reference_engine()
    weights = second.get_weights()
    for params in weights.values():
        for name, array in params.items():
            params[name] = array + RNG.normal(scale=0.02 * (np.std(array) + 1e-3), size=array.shape).astype(array.dtype)
    second.set_weights(weights)
    comparison = compare_epochs(first, second, (0, 4), samples=120)
    one, two = comparison.first, comparison.second
    assert comparison.epochs == (0, 4) and one.points.shape == two.points.shape == (120, 2)
    np.testing.assert_array_equal(one.labels, two.labels)
    np.testing.assert_array_equal(one.images, two.images)
    # The second's own PCA points, turned by the rotation reported, are the points drawn.
    own = two.basis.transform(second.feature_maps(two.images)[two.layer])
    np.testing.assert_allclose(own @ comparison.rotation, two.points, atol=1e-6 * np.abs(own).max())
    # Nearly the same weights: once turned, nearly the same picture, closer than any sign choice of PCA's.
    assert comparison.residual < 0.1
    spread = np.linalg.norm(one.points)
    for signs in ([1, 1], [1, -1], [-1, 1], [-1, -1]):
        assert np.linalg.norm(two.points - one.points) <= np.linalg.norm(own * signs - one.points) + 1e-9 * spread
