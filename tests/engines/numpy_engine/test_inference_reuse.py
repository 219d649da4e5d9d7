"""One forward pass serves an inspection's feature maps, gradients and probabilities, and never outlives
a change of the input or the weights."""

import numpy as np
import pytest

from cnnviz.core import config as cfg
from cnnviz.engines.numpy_engine import NumpyEngine

COLOUR = cfg.ModelConfig(input_shape=(12, 10, 3), layers=(
    cfg.Conv2D(4, (3, 3), padding="same", activation="linear"), cfg.BatchNormalization(), cfg.Activation("relu"),
    cfg.MaxPooling2D(), cfg.Conv2D(6, (3, 3)), cfg.GlobalAveragePooling2D(), cfg.Dense(10, "softmax")))


def inspection(engine, image):
    return engine.feature_maps(image), engine.gradients(image), engine.predict(image)


def assert_same(first, second):
    maps_a, gradients_a, probabilities_a = first
    maps_b, gradients_b, probabilities_b = second
    assert maps_a.keys() == maps_b.keys()
    for name in maps_a:
        np.testing.assert_array_equal(maps_a[name], maps_b[name])
        np.testing.assert_array_equal(gradients_a.layers[name], gradients_b.layers[name])
    np.testing.assert_array_equal(gradients_a.input, gradients_b.input)
    for layer, params in gradients_a.parameters.items():
        for name, value in params.items():
            np.testing.assert_array_equal(value, gradients_b.parameters[layer][name])
    np.testing.assert_array_equal(probabilities_a, probabilities_b)


@pytest.fixture
def images():
    rng = np.random.default_rng(3)
    return rng.random((2, 12, 10, 3), dtype=np.float32), rng.random((8, 12, 10, 3), dtype=np.float32)


def test_reused_results_equal_those_of_separate_passes(images):
    image = images[0][:1]
    engine, fresh = NumpyEngine(COLOUR), NumpyEngine(COLOUR)
    reused = inspection(engine, image)
    # Each call of the fresh engine is preceded by a pass on another input, so none can reuse.
    separate = []
    for call in (fresh.feature_maps, fresh.gradients, fresh.predict):
        fresh.predict(images[0][1:])
        separate.append(call(image))
    assert_same(reused, tuple(separate))


def test_a_training_step_or_new_weights_are_never_served_from_an_earlier_pass(images):
    image, batch = images[0][:1], images[1]
    engine = NumpyEngine(COLOUR)
    before = inspection(engine, image)
    engine.train_step(batch, np.arange(8) % 10)
    after_step = inspection(engine, image)
    assert not np.array_equal(before[2], after_step[2])
    reference = NumpyEngine(COLOUR)
    reference.set_weights(engine.get_weights())
    assert_same(after_step, inspection(reference, image))
    weights = engine.get_weights()
    weights["dense"]["bias"] = weights["dense"]["bias"] + 1.0
    engine.set_weights(weights)
    changed = engine.predict(image)
    reference.set_weights(weights)
    np.testing.assert_array_equal(changed, reference.predict(image))
    assert not np.array_equal(changed, after_step[2])


def test_another_input_or_a_changed_one_is_computed_again(images):
    engine = NumpyEngine(COLOUR)
    image = images[0][:1].copy()
    first = engine.predict(image)
    image[0, 0, 0, 0] += 0.5
    second = engine.predict(image)
    np.testing.assert_array_equal(second, NumpyEngine(COLOUR).predict(image))
    assert not np.array_equal(first, second)
