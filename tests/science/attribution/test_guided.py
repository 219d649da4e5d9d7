"""Guided backpropagation in the NumPy engine: the ReLU rule, a hand-written check, and a clear refusal
where an engine has no guided gradients."""

import numpy as np
import pytest

from cnnviz.core.config import Activation, Conv2D, Dense, Flatten, ModelConfig
from cnnviz.engines.numpy_engine.guided import guided_backward
from cnnviz.engines.registry import create_engine
from cnnviz.science import attribution
from tests.science.attribution.helpers import random_images


def tiny_config():
    return ModelConfig(input_shape=(9, 8, 3), layers=(
        Conv2D(filters=3, kernel_size=(3, 3), activation="linear"),
        Activation(activation="relu"),
        Flatten(),
        Dense(units=6, activation="relu"),
        Dense(units=10, activation="softmax"),
    ))


def hand_written_guided(weights, image, class_index):
    """The tiny network and its guided backward pass written out with loops and plain products."""
    kernel, bias = weights["conv2d"]["kernel"].astype(np.float64), weights["conv2d"]["bias"]
    height, width = image.shape[0] - 2, image.shape[1] - 2
    convolved = np.zeros((height, width, kernel.shape[3]))
    for row in range(height):
        for col in range(width):
            for out in range(kernel.shape[3]):
                convolved[row, col, out] = (image[row:row + 3, col:col + 3, :] * kernel[:, :, :, out]).sum() + bias[out]
    activated = np.maximum(convolved, 0)
    hidden_pre = activated.reshape(-1) @ weights["dense"]["kernel"] + weights["dense"]["bias"]
    gradient_hidden = weights["dense_1"]["kernel"][:, class_index].astype(np.float64)
    gradient_hidden = gradient_hidden * (hidden_pre > 0) * (gradient_hidden > 0)
    gradient_activated = (weights["dense"]["kernel"] @ gradient_hidden).reshape(activated.shape)
    gradient_convolved = gradient_activated * (convolved > 0) * (gradient_activated > 0)
    gradient_image = np.zeros(image.shape)
    for row in range(height):
        for col in range(width):
            for out in range(kernel.shape[3]):
                gradient_image[row:row + 3, col:col + 3, :] += gradient_convolved[row, col, out] * kernel[:, :, :, out]
    return gradient_image


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_guided_gradients_equal_a_hand_written_pass(seed):
    engine = create_engine("numpy", tiny_config(), seed=seed)
    image = random_images(1, engine.input_shape, seed=seed) - 0.3
    result = engine.guided_gradients(image, 2)
    expected = hand_written_guided(engine.get_weights(), image[0].astype(np.float64), 2)
    np.testing.assert_allclose(result[0], expected, rtol=1e-4, atol=1e-6)
    plain = engine.gradients(image, class_index=2).input[0]
    assert not np.allclose(result[0], plain, atol=1e-6)  # the guided rule changed something


def test_relu_passes_only_positive_gradients_to_positive_inputs():
    engine = create_engine("numpy", tiny_config(), seed=5)
    images = random_images(4, engine.input_shape, seed=5) - 0.3
    _, layer_gradients = guided_backward(engine.network, images, 1)
    relu_input = engine.feature_maps(images)["conv2d"]
    passed, incoming = layer_gradients[0], layer_gradients[1]  # below and above the ReLU layer
    assert (passed >= 0).all()
    assert (passed[relu_input <= 0] == 0).all()
    open_units = (relu_input > 0) & (incoming > 0)
    np.testing.assert_array_equal(passed[open_units], incoming[open_units])
    assert open_units.any() and ((relu_input > 0) & (incoming < 0)).any()  # both cases occur


class WithoutGuided:
    """An engine-like object offering only the contract's members (as the Keras engine does today)."""

    name = "keras"

    def __init__(self, engine):
        self._engine = engine
        self.input_shape = engine.input_shape
        self.config = engine.config

    def predict(self, images, batch_size=256):
        return self._engine.predict(images, batch_size)

    def gradients(self, images, labels=None, class_index=None):
        return self._engine.gradients(images, labels, class_index)


def test_an_engine_without_guided_gradients_is_refused_clearly():
    engine = create_engine("numpy", tiny_config(), seed=0)
    with pytest.raises(attribution.AttributionUnavailable, match="keras engine cannot compute guided"):
        attribution.guided_backprop(WithoutGuided(engine), random_images(1, engine.input_shape))
    result = attribution.guided_backprop(engine, random_images(1, engine.input_shape))
    assert result.map.shape == (9, 8) and (result.map >= 0).all()


def test_logit_gradients_equal_the_contracts_gradients_without_the_parameters():
    """The attribution's faster pass (no parameter gradients, the last forward pass reused) gives the
    contract's numbers, for a batch after an inspection of another image and after a weight change."""
    engine = create_engine("numpy", tiny_config(), seed=3)
    images = random_images(3, engine.input_shape, seed=3) - 0.3
    engine.feature_maps(images[:1])  # a forward pass of other images, which must not be reused
    for _ in range(2):
        fast = engine.logit_gradients(images, 4)
        full = engine.gradients(images, class_index=4)
        assert fast.parameters == {} and fast.target == full.target
        assert fast.value == pytest.approx(full.value, rel=1e-6)
        np.testing.assert_allclose(fast.input, full.input, rtol=1e-5, atol=1e-7)
        for name in engine.layer_names():
            np.testing.assert_allclose(fast.layers[name], full.layers[name], rtol=1e-5, atol=1e-7)
        weights = engine.get_weights()
        weights["dense"]["kernel"] = weights["dense"]["kernel"] * -1.5
        engine.set_weights(weights)
