"""Weight-space symmetries (report §1.1): counts, and transforms checked on NumPy-engine models."""

import math

import numpy as np
import pytest

from cnnviz.core import config as cfg
from cnnviz.core.symmetry import (
    SymmetryCheck,
    WeightSymmetries,
    check_symmetry,
    explain,
    factorial_text,
    flip_signs,
    permute_hidden_units,
    rescale_units,
    symmetry_count,
    symmetry_count_text,
)
from cnnviz.engines.numpy_engine import NumpyEngine

EXACT = 1e-5
CHANGED = 1e-3


# -- counting ------------------------------------------------------------------------------------

def test_symmetry_count_is_m_factorial_times_two_to_the_m():
    assert symmetry_count(3) == 48
    assert symmetry_count(0) == 1
    assert symmetry_count(1) == 2
    assert symmetry_count(40) == math.factorial(40) * 2 ** 40
    assert isinstance(symmetry_count(200), int)
    for bad in (-1, 2.0, True, "3"):
        with pytest.raises(ValueError, match="non-negative integer"):
            symmetry_count(bad)


def test_symmetry_count_text_exact_when_short_power_of_ten_when_long():
    assert symmetry_count_text(3) == "3!·2^3 = 48"
    assert symmetry_count_text(10) == "10!·2^10 = 3,715,891,200"
    text = symmetry_count_text(128)
    exact = str(symmetry_count(128))
    assert text == f"128!·2^128 = {exact[0]}.{exact[1:3]}×10^{len(exact) - 1}"
    assert text == "128!·2^128 = 1.31×10^254"
    for units in (14, 30, 77, 500):
        digits = str(symmetry_count(units))
        mantissa, exponent = text_parts(symmetry_count_text(units))
        assert exponent == len(digits) - 1
        assert mantissa == pytest.approx(int(digits[:4]) / 1000, abs=0.006)
    # A million units: computed with lgamma, never as an exact integer.
    assert symmetry_count_text(10 ** 6).endswith("×10^5866738")


def text_parts(text: str) -> tuple[float, int]:
    mantissa, exponent = text.split(" = ")[1].split("×10^")
    return float(mantissa), int(exponent)


def test_factorial_text_exact_when_short():
    assert factorial_text(5) == "5! = 120"
    assert factorial_text(0) == "0! = 1"
    assert factorial_text(16) == "16! = 20,922,789,888,000"
    assert factorial_text(17) == "17! = 3.56×10^14"
    digits = str(math.factorial(128))
    assert factorial_text(128) == f"128! = {int(digits[:4]) / 1000:.2f}×10^{len(digits) - 1}" == "128! = 3.86×10^215"


def test_equivalent_weight_vectors_follow_the_activation():
    tanh, relu = WeightSymmetries("tanh", 128), WeightSymmetries("relu", 128)
    # tanh is odd: orderings times sign patterns, a finite set.
    assert tanh.sign_flips and tanh.continuous_dimension == 0
    assert tanh.finite_count == math.factorial(128) * 2 ** 128
    assert tanh.count_text == "128!·2^128 = 1.31×10^254"
    assert tanh.text().startswith("128!·2^128 = 1.31×10^254 equivalent weight vectors")
    # relu is not odd: no 2^M sign patterns, but a continuous family of positive rescalings.
    assert not relu.sign_flips and relu.continuous_dimension == 128
    assert relu.finite_count == math.factorial(128)
    assert relu.count_text == "128! = 3.86×10^215"
    assert "128!·2^128" not in relu.text() and "Infinitely many" in relu.text()
    assert "No 2^128 sign patterns: relu is not odd" in relu.text()
    sigmoid = WeightSymmetries("sigmoid", 6)
    assert sigmoid.finite_count == 46080 and sigmoid.continuous_dimension == 0 and "bias" in sigmoid.text()
    linear = WeightSymmetries("linear", 128)
    assert linear.continuous_dimension == 128 ** 2 and "128^2 = 16,384" in linear.text()
    assert "invertible 128×128 matrix" in linear.text()
    assert "At least 128! = 3.86×10^215" in WeightSymmetries("elu", 128).text()


def test_max_pooling_between_removes_the_sign_flips():
    pooled = WeightSymmetries("tanh", 8, max_pooling_between=True)
    assert not pooled.sign_flips and pooled.finite_count == math.factorial(8)
    assert pooled.text().startswith("8! = 40,320 equivalent weight vectors") and "max(−a)" in pooled.text()
    linear = WeightSymmetries("linear", 8, max_pooling_between=True)
    assert linear.continuous_dimension == 8 and "max pooling" in linear.text()
    relu = WeightSymmetries("relu", 8, max_pooling_between=True)
    assert relu.continuous_dimension == 8 and relu.text() == WeightSymmetries("relu", 8).text()


# -- models ----------------------------------------------------------------------------------------

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


# -- tanh: permutations and sign flips -----------------------------------------------------------

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


def test_transforms_move_exactly_the_expected_weights():
    engine = mlp_engine("tanh")
    weights = engine.get_weights()
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
    for layer, params in engine.get_weights().items():
        for name, value in params.items():
            np.testing.assert_array_equal(weights[layer][name], value)


# -- relu: permutation and rescaling, not sign flips ---------------------------------------------

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
        call(mlp_engine("relu").get_weights())


def test_explain_says_why():
    assert "relu(-a)" in explain("relu", "sign_flip") and "rescaling" in explain("relu", "sign_flip")
    assert "odd" in explain("tanh", "sign_flip")
    assert "unchanged" in explain("relu", "rescale")
    assert "not positively homogeneous" in explain("tanh", "rescale")
    assert "1 - sigmoid(a)" in explain("sigmoid", "sign_flip")
    assert "every activation" in explain("sigmoid", "permutation")
    with pytest.raises(ValueError, match="kind"):
        explain("relu", "mirror")
    with pytest.raises(ValueError, match="activation"):
        explain("softmax", "permutation")
