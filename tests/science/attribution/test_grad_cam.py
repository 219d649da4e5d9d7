"""Grad-CAM's layer choice, its formula on the NumPy engine, and a model without a configuration."""

import numpy as np
import pytest

from cnnviz.science import attribution
from cnnviz.science.attribution.resampling import bilinear_resize
from tests.science.attribution.helpers import colour_engine, random_images


class WithoutConfiguration:
    """The engine seen as a foreign model: no configuration, only the contract's inspection members."""

    name = "foreign"
    config = None

    def __init__(self, engine):
        self._engine = engine
        self.input_shape = engine.input_shape

    def predict(self, images, batch_size=256):
        return self._engine.predict(images, batch_size)

    def feature_maps(self, images):
        return self._engine.feature_maps(images)

    def gradients(self, images, labels=None, class_index=None):
        return self._engine.gradients(images, labels, class_index)


@pytest.fixture(scope="module")
def engine():
    return colour_engine(seed=4)


def test_the_default_layer_is_the_last_convolution(engine):
    assert attribution.spatial_layers(engine) == ["conv2d", "activation", "conv2d_1", "max_pooling2d"]
    result = attribution.grad_cam(engine, random_images(1, engine.input_shape), 1)
    assert result.parameters["layer"] == "conv2d_1" and result.coarse.shape == (10, 8)


def test_grad_cam_weighs_each_map_by_its_mean_gradient(engine):
    image = random_images(1, engine.input_shape, seed=2)
    result = attribution.grad_cam(engine, image, 2, layer="conv2d")
    maps = engine.feature_maps(image)["conv2d"][0]
    gradient = engine.gradients(image, class_index=2).layers["conv2d"][0]
    coarse = np.zeros(maps.shape[:2])
    for channel in range(maps.shape[-1]):
        coarse += gradient[:, :, channel].mean() * maps[:, :, channel]
    coarse = np.maximum(coarse, 0)
    assert coarse.max() > 0 and (coarse == 0).any()  # both signs occurred before the ReLU
    np.testing.assert_allclose(result.coarse, coarse, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(result.map, bilinear_resize(coarse, (12, 10)), rtol=1e-4, atol=1e-7)


def test_grad_cam_plus_plus_weights_follow_the_closed_form(engine):
    image = random_images(1, engine.input_shape, seed=3)
    result = attribution.grad_cam_plus_plus(engine, image, 0, layer="conv2d_1")
    maps = engine.feature_maps(image)["conv2d_1"][0].astype(np.float64)
    gradient = engine.gradients(image, class_index=0).layers["conv2d_1"][0].astype(np.float64)
    coarse = np.zeros(maps.shape[:2])
    for channel in range(maps.shape[-1]):
        g, a = gradient[:, :, channel], maps[:, :, channel]
        for row in range(g.shape[0]):
            for col in range(g.shape[1]):
                denominator = 2 * g[row, col] ** 2 + a.sum() * g[row, col] ** 3
                alpha = g[row, col] ** 2 / denominator if denominator != 0 else 0.0
                coarse += alpha * max(g[row, col], 0.0) * a
    np.testing.assert_allclose(result.coarse, np.maximum(coarse, 0), rtol=1e-4, atol=1e-8)


def test_a_model_without_configuration_finds_its_layers_by_a_forward_pass(engine):
    image = random_images(1, engine.input_shape, seed=5)
    foreign = WithoutConfiguration(engine)
    assert attribution.spatial_layers(foreign) == attribution.spatial_layers(engine)
    result = attribution.grad_cam(foreign, image, 3)
    assert result.parameters["layer"] == "max_pooling2d"  # no configuration says which are convolutions
    np.testing.assert_allclose(result.map, attribution.grad_cam(engine, image, 3, layer="max_pooling2d").map)
