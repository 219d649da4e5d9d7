"""Gradient, gradient × input and SmoothGrad against the engine's own gradients."""

import numpy as np
import pytest

from cnnviz.science import attribution
from cnnviz.science.attribution.gradients import gradient_batch
from cnnviz.science.attribution.smoothgrad import noisy_copies
from tests.science.attribution.helpers import colour_engine, random_images


@pytest.fixture(scope="module")
def engine():
    return colour_engine()


def test_gradient_x_input_is_input_times_gradient(engine):
    image = random_images(1, engine.input_shape, seed=1)
    result = attribution.gradient_x_input(engine, image, class_index=2)
    expected = image[0] * engine.gradients(image, class_index=2).input[0]
    np.testing.assert_allclose(result.channels, expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(result.map, expected.sum(axis=-1), rtol=1e-5, atol=1e-7)
    assert result.signed and result.class_index == 2 and result.map.shape == (12, 10)


def test_gradient_is_the_largest_channel_magnitude_and_read_only(engine):
    image = random_images(1, engine.input_shape, seed=2)
    result = attribution.gradient(engine, image[0], class_index=1)
    expected = np.abs(engine.gradients(image, class_index=1).input[0]).max(axis=-1)
    np.testing.assert_allclose(result.map, expected, rtol=1e-6)
    assert not result.map.flags.writeable
    with pytest.raises(ValueError):
        result.map[0, 0] = 1.0


def test_batch_gradients_are_each_images_own(engine):
    images = random_images(3, engine.input_shape, seed=4)
    together = gradient_batch(engine, images, 0)
    for index in range(3):
        alone = gradient_batch(engine, images[index:index + 1], 0)[0]
        np.testing.assert_allclose(together[index], alone, rtol=1e-5, atol=1e-7)


def test_default_class_is_the_prediction(engine):
    image = random_images(1, engine.input_shape, seed=5)
    assert attribution.gradient(engine, image).class_index == int(engine.predict(image).argmax())


def test_smoothgrad_is_the_mean_over_its_seeded_noisy_copies(engine):
    image = random_images(1, engine.input_shape, seed=6)
    result = attribution.smoothgrad(engine, image, class_index=3, base="gradient-x-input", num_samples=7,
                                    noise=0.2, seed=11)
    copies = noisy_copies(image, 7, 0.2, 11)
    expected = (copies * engine.gradients(copies, class_index=3).input).mean(axis=0)
    np.testing.assert_allclose(result.channels, expected, rtol=1e-5, atol=1e-7)
    assert copies.std() > 0.01 and np.abs(copies - image).max() > 0.1
    again = attribution.smoothgrad(engine, image, class_index=3, base="gradient-x-input", num_samples=7,
                                   noise=0.2, seed=11)
    other = attribution.smoothgrad(engine, image, class_index=3, base="gradient-x-input", num_samples=7,
                                   noise=0.2, seed=12)
    np.testing.assert_array_equal(result.map, again.map)
    assert not np.allclose(result.map, other.map)


def test_noise_is_a_fraction_of_the_image_range():
    image = np.zeros((1, 30, 30, 1), np.float32)
    image[0, :15] = 4.0
    copies = noisy_copies(image, 200, 0.1, 0)
    assert abs((copies - image).std() - 0.4) < 0.01


@pytest.mark.parametrize("method, settings, message", [
    ("saliency", {}, "Unknown attribution method 'saliency'"),
    ("smoothgrad:occlusion", {}, "occlusion already measures"),
    ("integrated-gradients", {"steps": 0}, "steps must be at least 1"),
    ("integrated-gradients", {"baseline": "white"}, "Unknown baseline 'white'"),
    ("occlusion", {"patch_size": 40}, "patch_size must be at most"),
    ("grad-cam", {"layer": "flatten"}, "'flatten' is not one"),
    ("smoothgrad", {"noise": -1}, "noise must be a positive number"),
])
def test_bad_settings_are_refused_with_the_reason(engine, method, settings, message):
    with pytest.raises(ValueError, match=None) as error:
        attribution.explain(engine, random_images(1, engine.input_shape), method, 0, **settings)
    assert message in str(error.value)


def test_a_batch_of_several_images_is_refused(engine):
    with pytest.raises(ValueError, match="explains one image"):
        attribution.gradient(engine, random_images(2, engine.input_shape))
