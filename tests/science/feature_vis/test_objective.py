"""The unit gradients both engines give (``unit_gradients``): against central finite differences of the
layer's own output, equal between the engines (weights copied), and the contract's class path."""

import numpy as np
import pytest

from cnnviz.engines.registry import create_engine
from cnnviz.science.feature_vis.objective import (
    FeatureVisUnavailable,
    direction,
    layer_shape,
    objective_gradient,
    unit_peaks,
)
from tests.science.attribution.helpers import colour_config, colour_engine, random_images
from tests.science.helpers import reference_engine
from tests.science.test_registry import ContractOnly


def objective(engine, images, layer, seed):
    output = np.asarray(engine.feature_maps(images)[layer], np.float64)
    return float(np.sum(output * seed))


def active_units(engine, images, layer, position):
    """Each image's most active unit under the objective (a unit dead at the input has no gradient)."""
    shape = layer_shape(engine, layer)
    scores = [[objective(engine, images[i:i + 1], layer, direction(shape, [unit], position))
               for unit in range(shape[-1])] for i in range(len(images))]
    return [int(np.argmax(row)) for row in scores]


@pytest.mark.parametrize("layer, position", [("conv2d", "channel"), ("conv2d_1", "neuron"),
                                             ("conv2d_1", "channel"), ("dense", "channel")])
def test_unit_gradient_matches_finite_differences(layer, position):
    engine = colour_engine()
    images = random_images(2, (12, 10, 3), seed=1)
    units = active_units(engine, images, layer, position)
    seed = direction(layer_shape(engine, layer), units, position)
    values, _, gradient = objective_gradient(engine, images, layer, seed, units)
    assert values == pytest.approx([objective(engine, images[i:i + 1], layer, seed[i:i + 1]) for i in range(2)],
                                   rel=1e-5)
    assert np.abs(gradient).max() > 0
    rng = np.random.default_rng(0)
    step = 1e-2  # float32 network: a step this size keeps rounding far below the tolerance; ReLUs rarely flip
    checked = 0
    for flat in rng.choice(images.size, size=40, replace=False):
        index = np.unravel_index(flat, images.shape)
        plus, minus = images.copy(), images.copy()
        plus[index] += step
        minus[index] -= step
        numeric = (objective(engine, plus, layer, seed) - objective(engine, minus, layer, seed)) / (2 * step)
        if abs(numeric - gradient[index]) <= 2e-3 + 2e-2 * abs(numeric):
            checked += 1
    assert checked >= 38  # a ReLU crossed within the step may spoil one or two


def test_output_layer_objective_is_the_logit():
    engine = reference_engine()
    images = random_images(3, (28, 28, 1), seed=2)
    seed = direction(layer_shape(engine, "dense_1"), [3, 7, 3])
    values, peaks, gradient = objective_gradient(engine, images, "dense_1", seed, [3, 7, 3])
    for index, unit in enumerate([3, 7, 3]):
        expected = engine.gradients(images[index:index + 1], class_index=unit)
        assert values[index] == pytest.approx(expected.value, rel=1e-5)
        np.testing.assert_allclose(gradient[index], expected.input[0], rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(values, peaks)


def test_contract_only_engine_visualizes_classes_and_says_why_not_units():
    engine = ContractOnly(reference_engine())
    images = random_images(2, (28, 28, 1), seed=3)
    seed = direction((10,), [1, 2])
    values, _, gradient = objective_gradient(engine, images, "dense_1", seed, [1, 2])
    direct, _, expected = objective_gradient(reference_engine(), images, "dense_1", seed, [1, 2])
    np.testing.assert_allclose(values, direct, rtol=1e-5)
    np.testing.assert_allclose(gradient, expected, rtol=1e-4, atol=1e-6)
    with pytest.raises(FeatureVisUnavailable, match="only of the classes"):
        objective_gradient(engine, images, "conv2d", direction((26, 26, 28), [0, 1]), [0, 1])


def test_peaks_are_the_largest_value_of_each_unit():
    output = np.random.default_rng(4).standard_normal((2, 3, 4, 5))
    np.testing.assert_array_equal(unit_peaks(output, [1, 4]), [output[0, :, :, 1].max(), output[1, :, :, 4].max()])


@pytest.mark.parametrize("layer, units", [("conv2d", [0, 3]), ("conv2d_1", [4, 1]), ("dense", [2, 7]),
                                          ("dense_1", [9, 0])])
def test_keras_engine_gives_the_numpy_engines_unit_gradients(layer, units):
    pytest.importorskip("tensorflow")
    numpy_engine = colour_engine()
    keras_engine = create_engine("keras", colour_config())
    keras_engine.set_weights(numpy_engine.get_weights())
    images = random_images(2, (12, 10, 3), seed=5)
    seed = direction(layer_shape(numpy_engine, layer), units)
    first = objective_gradient(numpy_engine, images, layer, seed, units)
    second = objective_gradient(keras_engine, images, layer, seed, units)
    scale = np.abs(first[2]).max()
    assert scale > 0
    np.testing.assert_allclose(first[0], second[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(first[2], second[2], atol=1e-4 * scale)


def test_numpy_engine_layer_output_and_unit_gradients_check_their_arguments():
    engine = colour_engine()
    images = random_images(3, (12, 10, 3), seed=6)
    maps = engine.feature_maps(images)
    for layer in ("conv2d", "max_pooling2d", "dense_1"):
        np.testing.assert_allclose(engine.layer_output(images, layer), maps[layer], rtol=1e-6)
    with pytest.raises(ValueError, match="no layer 'conv9'"):
        engine.unit_gradients(images, "conv9", np.zeros((3, 10, 8, 4), np.float32))
    with pytest.raises(ValueError, match="direction must have the layer's output shape"):
        engine.unit_gradients(images, "conv2d", np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match="no layer 'dense_9'"):
        engine.layer_output(images, "dense_9")
    # A unit-gradient pass leaves no stale state: the contract's gradients are as before.
    before = engine.gradients(images, class_index=2).input
    engine.unit_gradients(images[:1], "conv2d", direction((10, 8, 4), [1]))
    np.testing.assert_array_equal(engine.gradients(images, class_index=2).input, before)
