"""Permuting, flipping and rescaling hidden units move exactly the weights they should, on a copy
(tests/science/test_symmetries.py checks on models' predictions that the function is kept)."""

import numpy as np
import pytest

from cnnviz.core.symmetry import flip_signs, permute_hidden_units, rescale_units


def mlp_weights(seed: int = 0) -> dict:
    """The exchange form of flatten -> dense (16 units) -> dense_1 (10), with random weights."""
    rng = np.random.default_rng(seed)
    return {"dense": {"kernel": rng.normal(0, 0.2, (784, 16)).astype(np.float32),
                      "bias": rng.normal(0, 0.2, 16).astype(np.float32)},
            "dense_1": {"kernel": rng.normal(0, 0.2, (16, 10)).astype(np.float32),
                        "bias": rng.normal(0, 0.2, 10).astype(np.float32)}}


def test_transforms_move_exactly_the_expected_weights():
    weights = mlp_weights()
    order = np.roll(np.arange(16), 1)
    permuted = permute_hidden_units(weights, "dense", order)
    np.testing.assert_array_equal(permuted["dense"]["kernel"][:, 0], weights["dense"]["kernel"][:, 15])
    np.testing.assert_array_equal(permuted["dense"]["bias"], weights["dense"]["bias"][order])
    np.testing.assert_array_equal(permuted["dense_1"]["kernel"], weights["dense_1"]["kernel"][order])
    np.testing.assert_array_equal(permuted["dense_1"]["bias"], weights["dense_1"]["bias"])
    flipped = flip_signs(weights, "dense", [2])
    np.testing.assert_array_equal(flipped["dense"]["kernel"][:, 2], -weights["dense"]["kernel"][:, 2])
    np.testing.assert_array_equal(flipped["dense"]["kernel"][:, 3], weights["dense"]["kernel"][:, 3])
    np.testing.assert_array_equal(flipped["dense_1"]["kernel"][2], -weights["dense_1"]["kernel"][2])
    assert flipped["dense"]["bias"][2] == -weights["dense"]["bias"][2]
    scaled = rescale_units(weights, "dense", [1, 5], [2.0, 0.5])
    np.testing.assert_allclose(scaled["dense"]["kernel"][:, 5], weights["dense"]["kernel"][:, 5] * 0.5)
    np.testing.assert_allclose(scaled["dense_1"]["kernel"][1], weights["dense_1"]["kernel"][1] / 2.0)
    np.testing.assert_allclose(scaled["dense"]["bias"][1], weights["dense"]["bias"][1] * 2.0)
    # The caller's weights are never changed.
    for layer, params in mlp_weights().items():
        for name, value in params.items():
            np.testing.assert_array_equal(weights[layer][name], value)


@pytest.mark.parametrize("call, match", [
    (lambda w: permute_hidden_units(w, "dense_1", np.arange(10)), "last layer with weights"),
    (lambda w: permute_hidden_units(w, "flatten", np.arange(16)), "no kernel and bias"),
    (lambda w: permute_hidden_units(w, "dense", [0, 0] + list(range(2, 16))), "each of 0 .. 15 once"),
    (lambda w: permute_hidden_units(w, "dense", np.arange(15)), "each of 0 .. 15 once"),
    (lambda w: flip_signs(w, "dense", [1, 1]), "repeat"),
    (lambda w: flip_signs(w, "dense", [16]), "0 to 15"),
    (lambda w: rescale_units(w, "dense", [1, 2], [1.0, -2.0]), "positive"),
    (lambda w: rescale_units(w, "dense", [1, 2], [1.0, 2.0, 3.0]), "one per unit"),
    (lambda w: flip_signs(w, "dense", [1], layer_names=["flatten"]), "not in layer_names"),
])
def test_bad_transforms_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call(mlp_weights())
