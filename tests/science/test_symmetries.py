"""Weight-space symmetries (report §1.1) checked on models' predictions: the transforms of
:mod:`cnnviz.core.symmetry` on NumPy-engine models, and the analysis on the reference model."""

import numpy as np
import pytest

from cnnviz import science
from cnnviz.core import config as cfg
from cnnviz.core.symmetry import flip_signs, permute_hidden_units, rescale_units
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.science.symmetries import SymmetryCheck, check_symmetry
from tests.science.helpers import weights_equal

EXACT = 1e-5
CHANGED = 1e-3


# -- models ------------------------------------------------------------------------------------

def mlp_engine(activation: str, with_dropout: bool = False, seed: int = 0) -> NumpyEngine:
    layers = [cfg.Flatten(), cfg.Dense(units=16, activation=activation)]
    if with_dropout:
        layers.append(cfg.Dropout(rate=0.5))
    layers.append(cfg.Dense(units=10, activation="softmax"))
    engine = NumpyEngine(cfg.ModelConfig(input_shape=(28, 28, 1), layers=tuple(layers)), seed=seed)
    randomize(engine, seed)
    return engine


def conv_engine(seed: int = 0) -> NumpyEngine:
    config = cfg.ModelConfig(input_shape=(28, 28, 1), layers=(
        cfg.Conv2D(filters=6, kernel_size=(3, 3), activation="relu"),
        cfg.MaxPooling2D(pool_size=(2, 2)),
        cfg.Conv2D(filters=5, kernel_size=(3, 3), activation="relu"),
        cfg.MaxPooling2D(pool_size=(2, 2)),
        cfg.Flatten(),
        cfg.Dense(units=10, activation="softmax"),
    ))
    engine = NumpyEngine(config, seed=seed)
    randomize(engine, seed, scale=0.5)
    return engine


def randomize(engine: NumpyEngine, seed: int, scale: float = 0.2) -> None:
    """Weights large enough that the predictions are far from uniform and biases non-zero."""
    rng = np.random.default_rng(seed)
    engine.set_weights({layer: {name: rng.normal(0, scale, value.shape).astype(np.float32)
                                for name, value in params.items()}
                        for layer, params in engine.get_weights().items()})


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return np.random.default_rng(10).random((64, 28, 28, 1)).astype(np.float32)


def check(engine, images, transform) -> float:
    result = check_symmetry(engine, images, transform)
    assert isinstance(result, SymmetryCheck) and result.num_images == len(images)
    return result.max_abs_difference_in_probabilities


# -- tanh: permutations and sign flips ---------------------------------------------------------

def test_tanh_layer_permutation_and_sign_flips_keep_predictions(images):
    engine = mlp_engine("tanh")
    names = engine.layer_names()
    assert engine.predict(images).max() > 0.3  # far from uniform: differences would show
    order = np.random.default_rng(1).permutation(16)
    units = [0, 3, 4, 9, 15]
    assert check(engine, images, lambda w: permute_hidden_units(w, "dense", order, names)) < EXACT
    assert check(engine, images, lambda w: flip_signs(w, "dense", units, names)) < EXACT
    both = check_symmetry(engine, images, lambda w: flip_signs(
        permute_hidden_units(w, "dense", order, names), "dense", units, names))
    assert both.max_abs_difference_in_probabilities < EXACT and both.argmax_agreement == 1.0
    # tanh is not positively homogeneous: rescaling changes the function.
    assert check(engine, images, lambda w: rescale_units(w, "dense", units, 3.0, names)) > CHANGED


def test_sigmoid_sign_flips_hold_once_the_next_bias_takes_the_outgoing_weights(images):
    """The sigmoid header counts M!·2^M: check that a flip with the bias adjusted keeps the function."""
    engine = mlp_engine("sigmoid")
    names = engine.layer_names()
    units = [1, 2, 7, 11]

    def flip_and_adjust(weights):
        outgoing = weights["dense_1"]["kernel"][units].sum(axis=0)
        flipped = flip_signs(weights, "dense", units, names)
        flipped["dense_1"]["bias"] = flipped["dense_1"]["bias"] + outgoing  # σ(−a) = 1 − σ(a)
        return flipped

    assert check(engine, images, lambda w: flip_signs(w, "dense", units, names)) > CHANGED
    assert check(engine, images, flip_and_adjust) < EXACT


def test_a_linear_layer_keeps_its_function_under_any_invertible_mixing(images):
    """The linear header counts a continuous family of dimension M²: mix the units by a random matrix."""
    engine = mlp_engine("linear")
    mixing = np.random.default_rng(3).normal(size=(16, 16)) + 4 * np.eye(16)

    def mix(weights):
        weights["dense"]["kernel"] = weights["dense"]["kernel"] @ mixing
        weights["dense"]["bias"] = weights["dense"]["bias"] @ mixing
        weights["dense_1"]["kernel"] = np.linalg.solve(mixing, weights["dense_1"]["kernel"])
        return weights

    assert check(engine, images, mix) < 1e-4  # float32 weights: a general matrix rounds more than a flip


# -- relu: permutation and rescaling, not sign flips -------------------------------------------

def test_relu_layer_sign_flips_break_but_rescaling_does_not(images):
    engine = mlp_engine("relu")
    names = engine.layer_names()
    order = np.random.default_rng(2).permutation(16)
    assert check(engine, images, lambda w: permute_hidden_units(w, "dense", order, names)) < EXACT
    assert check(engine, images, lambda w: flip_signs(w, "dense", [1, 2, 3, 7], names)) > CHANGED
    factors = np.random.default_rng(3).uniform(0.2, 5.0, 16)
    assert check(engine, images, lambda w: rescale_units(w, "dense", np.arange(16), factors, names)) < EXACT


def test_next_weighted_layer_skips_dropout(images):
    engine = mlp_engine("relu", with_dropout=True)
    names = engine.layer_names()
    assert names == ["flatten", "dense", "dropout", "dense_1"]
    order = np.random.default_rng(4).permutation(16)
    assert check(engine, images, lambda w: permute_hidden_units(w, "dense", order, names)) < EXACT


def test_convolution_filters_permute_and_rescale_through_pooling_and_flatten(images):
    engine = conv_engine()
    names = engine.layer_names()
    # conv2d -> pool -> conv2d_1 (input channels), and conv2d_1 -> pool -> flatten -> dense (NHWC rows).
    for layer, count in (("conv2d", 6), ("conv2d_1", 5)):
        order = np.random.default_rng(5).permutation(count)
        # Each transform runs inside check(), before the loop moves on; the defaults say so.
        assert check(engine, images, lambda w, layer=layer, order=order: permute_hidden_units(
            w, layer, order, names)) < EXACT
        assert check(engine, images, lambda w, layer=layer: rescale_units(w, layer, [0, 2], [3.0, 0.3], names)) < EXACT
        assert check(engine, images, lambda w, layer=layer: flip_signs(w, layer, [0, 2], names)) > CHANGED


def test_weights_are_restored_even_when_the_transform_fails(images):
    engine = mlp_engine("relu")
    before = engine.predict(images)
    check_symmetry(engine, images, lambda w: flip_signs(w, "dense", [0, 1], engine.layer_names()))
    np.testing.assert_array_equal(engine.predict(images), before)

    def failing(weights):
        engine.set_weights(flip_signs(weights, "dense", [0, 1]))  # changes the engine, then fails
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        check_symmetry(engine, images, failing)
    np.testing.assert_array_equal(engine.predict(images), before)


# -- the analysis ------------------------------------------------------------------------------

def test_symmetries_of_the_reference_relu_layer(engine):
    before = engine.get_weights()
    permutation = science.run("symmetry", engine, transform="permutation", samples=200, seed=1)
    sign_flip = science.run("symmetry", engine, transform="sign_flip", samples=200, seed=1)
    rescale = science.run("symmetry", engine, layer="dense", transform="rescale", samples=200, seed=1)
    assert permutation.layer == "dense" and permutation.next_layer == "dense_1"
    assert permutation.max_abs_difference < 1e-4 and permutation.is_symmetry
    assert permutation.argmax_agreement == 1.0 and permutation.num_images == 200
    assert rescale.max_abs_difference < 1e-4 and rescale.is_symmetry
    assert sign_flip.max_abs_difference > 1e-3 and not sign_flip.is_symmetry
    assert sign_flip.activation == "relu" and "relu(-a)" in sign_flip.explanation
    # relu is not odd: the count has no 2^128 sign patterns, and rescaling makes it a continuous family.
    assert permutation.num_units == 128 and permutation.count_text == "128! = 3.86×10^215"
    assert permutation.symmetries.continuous_dimension == 128 and not permutation.symmetries.sign_flips
    assert permutation.verdict_text().startswith("unchanged: a symmetry (max |Δp| ")
    assert permutation.verdict_text().endswith(" ≤ 1e-04)")
    assert sign_flip.verdict_text() == f"changed: not a symmetry (max |Δp| {sign_flip.max_abs_difference:.2g} > 1e-04)"
    assert weights_equal(before, engine.get_weights())


def test_sign_flips_are_a_symmetry_of_a_tanh_layer():
    config = cfg.ModelConfig(input_shape=(28, 28, 1), layers=(
        cfg.Flatten(), cfg.Dense(units=6, activation="tanh"), cfg.Dense(units=10, activation="softmax")))
    engine = NumpyEngine(config, seed=0)
    results = {transform: science.symmetry(engine, transform=transform, samples=40)
               for transform in science.TRANSFORMS}
    assert results["sign_flip"].is_symmetry and results["permutation_sign_flip"].is_symmetry
    assert results["permutation"].is_symmetry
    assert results["rescale"].max_abs_difference > 1e-6
    assert results["sign_flip"].count_text == "6!·2^6 = 46,080"
    assert results["sign_flip"].symmetries.continuous_dimension == 0


def test_symmetry_errors_are_readable(engine):
    for params, match in (({"layer": "dense_1"}, "output layer"), ({"layer": "max_pooling2d"}, "dense or conv2d"),
                          ({"layer": "nope"}, "no layer 'nope'"), ({"transform": "mirror"}, "transform must be"),
                          ({"kind": "sign_flip"}, "transform=")):
        with pytest.raises(ValueError, match=match):
            science.run("symmetry", engine, samples=5, **params)
    no_hidden = NumpyEngine(cfg.ModelConfig(input_shape=(28, 28, 1), layers=(
        cfg.Flatten(), cfg.Dense(units=10, activation="softmax"))), seed=0)
    with pytest.raises(ValueError, match="no hidden dense layer"):
        science.symmetry(no_hidden, samples=5)
