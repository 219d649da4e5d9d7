"""Backprop through a convolution as a convolution with the flipped kernel (report §4.3), checked
against the NumPy engine's own backpropagation: the identity's maths, the analysis, and the
checks the model service attaches to every inspection."""

import dataclasses

import numpy as np
import pytest

from cnnviz import science
from cnnviz.core import config as cfg
from cnnviz.core.backprop import FlipComparison, compare_flip, input_gradient_by_flipped_convolution
from cnnviz.engines.numpy_engine import NumpyEngine

# -- the identity against the NumPy engine -----------------------------------------------------

def two_convolution_engine(kernel_size, strides, padding, activation, seed=0) -> NumpyEngine:
    config = cfg.ModelConfig(
        input_shape=(28, 28, 1),
        layers=(
            cfg.Conv2D(filters=3, kernel_size=(3, 3), padding="same", activation="tanh"),
            cfg.Conv2D(filters=4, kernel_size=kernel_size, strides=strides, padding=padding,
                       activation=activation),
            cfg.Flatten(),
            cfg.Dense(units=10, activation="softmax"),
        ),
        initializer=cfg.Initializer(name="he_normal"),
    )
    engine = NumpyEngine(config, seed=seed)
    weights = engine.get_weights()
    rng = np.random.default_rng(seed)
    for params in weights.values():  # non-zero biases, so the relu masks are not trivial
        params["bias"] = rng.normal(0, 0.1, params["bias"].shape).astype(np.float32)
    engine.set_weights(weights)
    return engine


@pytest.mark.parametrize("kernel_size, strides, padding, activation", [
    ((3, 3), (1, 1), "valid", "relu"),
    ((3, 3), (1, 1), "same", "tanh"),
    ((3, 3), (2, 2), "valid", "relu"),
    ((3, 3), (2, 2), "same", "tanh"),
    ((5, 3), (2, 1), "same", "relu"),
    ((5, 3), (1, 2), "valid", "tanh"),
])
def test_flip_identity_matches_the_numpy_engine(kernel_size, strides, padding, activation):
    engine = two_convolution_engine(kernel_size, strides, padding, activation)
    rng = np.random.default_rng(3)
    images = rng.random((2, 28, 28, 1)).astype(np.float32)
    gradients = engine.gradients(images, labels=np.array([3, 7]))
    maps = engine.feature_maps(images)
    kernels = engine.kernels()
    # conv2d_1's input is conv2d's output: its input gradient is the gradient w.r.t. that output.
    second = compare_flip(gradients.layers["conv2d"], gradients.layers["conv2d_1"], maps["conv2d_1"],
                          activation, kernels["conv2d_1"], (28, 28), strides, padding)
    assert isinstance(second, FlipComparison)
    assert np.abs(second.engine_gradient).max() > 1e-4
    assert second.max_abs_difference < 1e-5
    assert second.relative_difference < 1e-4
    # The first layer's input gradient is the gradient w.r.t. the image.
    first = compare_flip(gradients.input, gradients.layers["conv2d"], maps["conv2d"], "tanh",
                         kernels["conv2d"], (28, 28), (1, 1), "same")
    assert first.max_abs_difference < 1e-5 and np.abs(first.engine_gradient).max() > 1e-4
    np.testing.assert_array_equal(second.flipped_kernel, kernels["conv2d_1"][::-1, ::-1])
    output_height, output_width = maps["conv2d_1"].shape[1:3]
    assert second.dilated_gradient.shape == (2, (output_height - 1) * strides[0] + 1,
                                             (output_width - 1) * strides[1] + 1, 4)
    # Forgetting the activation's derivative breaks the identity.
    wrong = input_gradient_by_flipped_convolution(gradients.layers["conv2d_1"], kernels["conv2d_1"],
                                                  (28, 28), strides, padding)
    assert np.abs(wrong - gradients.layers["conv2d"]).max() > 10 * second.max_abs_difference + 1e-6


def test_compare_flip_refuses_a_gradient_of_the_wrong_shape():
    engine = two_convolution_engine((3, 3), (1, 1), "valid", "relu")
    images = np.random.default_rng(4).random((1, 28, 28, 1)).astype(np.float32)
    gradients, maps = engine.gradients(images), engine.feature_maps(images)
    with pytest.raises(ValueError, match="engine_input_gradient"):
        compare_flip(gradients.input, gradients.layers["conv2d_1"], maps["conv2d_1"], "relu",
                     engine.kernels()["conv2d_1"], (28, 28), (1, 1), "valid")


# -- the analysis ------------------------------------------------------------------------------

def test_flip_matches_the_engines_backprop(engine, split):
    result = science.run("flip", engine, image=split.images[:1], label=int(split.labels[0]))
    assert result.layer == "conv2d" and result.input_name == "the input image"
    assert result.comparison.max_abs_difference < 1e-4 and result.largest_engine_gradient > 1e-5
    assert result.agrees and result.tolerance == 1e-4
    assert result.verdict_text() == (f"max |difference| = {result.comparison.max_abs_difference:.2g}, relative "
                                     f"{result.comparison.relative_difference:.2g} ≤ 1e-04 (float rounding): equal "
                                     "to float precision")
    wrong = dataclasses.replace(result, comparison=dataclasses.replace(result.comparison, relative_difference=0.3))
    assert not wrong.agrees and "0.3 > 1e-04: they differ by more than float rounding" in wrong.verdict_text()
    assert not result.comparison.computed_gradient.flags.writeable
    with pytest.raises(ValueError, match="about convolutions"):
        science.flip(engine, "dense", split.images[:1])


# -- what the model service attaches to every inspection ----------------------------------------

def test_flip_checks_cover_every_convolution_from_one_inspections_arrays():
    engine = two_convolution_engine((3, 3), (2, 2), "same", "relu")
    image = np.random.default_rng(5).random((1, 28, 28, 1)).astype(np.float32)
    gradients, maps, kernels = engine.gradients(image), engine.feature_maps(image), engine.kernels()
    checks = science.flip_checks(engine.config, image, gradients, maps, kernels)
    assert set(checks.results) == {"conv2d", "conv2d_1"} and dict(checks.problems) == {}
    first, second = checks.result("conv2d"), checks.result("conv2d_1")
    assert first.input_name == "the input image" and second.input_name == "the output of conv2d"
    assert second.strides == (2, 2) and first.agrees and second.agrees and checks.problem("conv2d_1") == ""
    # The same numbers as the analysis that asks the engine itself.
    direct = science.flip(engine, "conv2d_1", image)
    np.testing.assert_array_equal(second.comparison.computed_gradient, direct.comparison.computed_gradient)
    assert second.comparison.max_abs_difference == direct.comparison.max_abs_difference
    # What the flip view draws is part of the result: the difference, read-only like every array.
    np.testing.assert_array_equal(second.comparison.difference,
                                  second.comparison.computed_gradient - second.comparison.engine_gradient)
    for array in (second.comparison.difference, second.comparison.engine_gradient,
                  second.comparison.dilated_gradient, second.comparison.flipped_kernel):
        assert not array.flags.writeable
    assert checks.result("dense") is None and "not a convolution" in checks.problem("dense")
    # A model made elsewhere has no strides or padding to check with.
    assert science.flip_checks(None, image, gradients, maps, kernels) is None


def test_an_array_missing_from_the_inspection_is_a_problem_of_the_layers_that_need_it():
    engine = two_convolution_engine((3, 3), (1, 1), "valid", "tanh")
    image = np.random.default_rng(6).random((1, 28, 28, 1)).astype(np.float32)
    gradients, maps = engine.gradients(image), engine.feature_maps(image)
    layers = {name: value for name, value in gradients.layers.items() if name != "conv2d"}
    checks = science.flip_checks(engine.config, image, dataclasses.replace(gradients, layers=layers), maps,
                                 engine.kernels())
    assert checks.results == {}
    assert "no gradient for 'conv2d', the layer before it" in checks.problem("conv2d_1")
    assert "'conv2d'" in checks.problem("conv2d")
