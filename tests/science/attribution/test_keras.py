"""Both engines give the same attribution maps: Grad-CAM equal between the engines (weights copied) and
equal to a direct TensorFlow GradientTape computation; Integrated Gradients complete on Keras; the
upsampling rule equal to TensorFlow's bilinear resize. One Keras engine for the module (TensorFlow is
slow to import)."""

import numpy as np
import pytest

from cnnviz.core.config import reference_config
from cnnviz.engines.registry import create_engine
from cnnviz.science import attribution
from cnnviz.science.attribution.integrated_gradients import baseline_image
from cnnviz.science.attribution.resampling import bilinear_resize
from cnnviz.science.data import load_test_split
from tests.science.helpers import reference_engine

tf = pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def engines():
    numpy_engine = reference_engine()
    keras_engine = create_engine("keras", reference_config())
    keras_engine.set_weights(numpy_engine.get_weights())
    return numpy_engine, keras_engine


@pytest.fixture(scope="module")
def images(engines):
    return load_test_split(engines[0], count=3).images


def tape_grad_cam(weights, image, class_index):
    """Grad-CAM at the convolution layer written directly with a GradientTape and TensorFlow ops."""
    kernel = tf.constant(weights["conv2d"]["kernel"])
    with tf.GradientTape() as tape:
        convolved = tf.nn.relu(tf.nn.conv2d(tf.constant(image), kernel, 1, "VALID") + weights["conv2d"]["bias"])
        tape.watch(convolved)
        pooled = tf.nn.max_pool2d(convolved, 2, 2, "VALID")
        hidden = tf.nn.relu(tf.reshape(pooled, (1, -1)) @ weights["dense"]["kernel"] + weights["dense"]["bias"])
        logit = (hidden @ weights["dense_1"]["kernel"] + weights["dense_1"]["bias"])[0, class_index]
    gradient = tape.gradient(logit, convolved).numpy()[0]
    coarse = np.maximum((convolved.numpy()[0] * gradient.mean(axis=(0, 1))).sum(axis=-1), 0)
    upsampled = tf.image.resize(coarse[None, :, :, None], (28, 28), method="bilinear").numpy()[0, :, :, 0]
    return coarse, upsampled


@pytest.mark.parametrize("sample, class_index", [(0, None), (1, 3), (2, 8)])
def test_grad_cam_equal_between_engines_and_to_a_gradient_tape(engines, images, sample, class_index):
    numpy_engine, keras_engine = engines
    image = images[sample:sample + 1]
    from_numpy = attribution.grad_cam(numpy_engine, image, class_index, layer="conv2d")
    from_keras = attribution.grad_cam(keras_engine, image, class_index, layer="conv2d")
    assert from_numpy.class_index == from_keras.class_index
    coarse, upsampled = tape_grad_cam(numpy_engine.get_weights(), image, from_numpy.class_index)
    assert coarse.max() > 0
    scale = coarse.max()
    np.testing.assert_allclose(from_numpy.coarse, from_keras.coarse, atol=1e-4 * scale)
    np.testing.assert_allclose(from_keras.coarse, coarse, atol=1e-4 * scale)
    np.testing.assert_allclose(from_numpy.map, upsampled, atol=1e-4 * scale)
    np.testing.assert_allclose(from_keras.map, upsampled, atol=1e-4 * scale)


def test_grad_cam_plus_plus_and_gradient_x_input_equal_between_engines(engines, images):
    numpy_engine, keras_engine = engines
    for method in ("grad-cam++", "gradient-x-input"):
        first = attribution.explain(numpy_engine, images[:1], method, 5)
        second = attribution.explain(keras_engine, images[:1], method, 5)
        scale = np.abs(first.map).max()
        assert scale > 0
        np.testing.assert_allclose(first.map, second.map, atol=1e-4 * scale)


@pytest.mark.parametrize("baseline", ["black", "blurred"])
def test_integrated_gradients_are_complete_on_keras(engines, images, baseline):
    keras_engine = engines[1]
    image = images[1:2]
    result = attribution.integrated_gradients(keras_engine, image, baseline=baseline, steps=128)
    start, predicted = baseline_image(keras_engine, image, baseline), result.class_index
    expected = (float(keras_engine.gradients(image, class_index=predicted).value)
                - float(keras_engine.gradients(start, class_index=predicted).value))
    assert abs(expected) > 0.1
    assert abs(result.channels.sum() - expected) < 0.01 * abs(expected)


def test_guided_backprop_equal_between_engines(engines, images):
    numpy_engine, keras_engine = engines
    first = attribution.guided_backprop(numpy_engine, images[:1], 4)
    second = attribution.guided_backprop(keras_engine, images[:1], 4)
    scale = first.map.max()
    assert scale > 0
    np.testing.assert_allclose(first.map, second.map, atol=1e-4 * scale)


@pytest.mark.parametrize("source, target", [((26, 26), (28, 28)), ((3, 5), (12, 10)), ((7, 7), (28, 28))])
def test_bilinear_upsampling_is_tensorflows(source, target):
    values = np.random.default_rng(0).random(source).astype(np.float32)
    expected = tf.image.resize(values[None, :, :, None], target, method="bilinear").numpy()[0, :, :, 0]
    np.testing.assert_allclose(bilinear_resize(values, target), expected, atol=1e-5)
