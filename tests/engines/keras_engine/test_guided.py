"""Guided backpropagation in the Keras engine: the ReLU rule, equality with the NumPy engine on the same
weights, and a ResNet-style graph (Add, Concatenate, fused and separate ReLUs) against the classic
implementation that swaps every ReLU for one with the guided gradient."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from cnnviz.core.config import reference_config
from cnnviz.engines.keras_engine import KerasEngine
from tests.engines.twins import relative_difference, twin_engines
from tests.science.attribution.helpers import colour_config, random_images


@tf.custom_gradient
def swapped_relu(values):
    """A ReLU whose gradient is the guided rule, written out: g · [x > 0] · [g > 0]."""
    def backward(gradient):
        return gradient * tf.cast(values > 0, gradient.dtype) * tf.cast(gradient > 0, gradient.dtype)
    return tf.nn.relu(values), backward


def swapped_guided(model, images, class_index):
    """Guided backpropagation the classic way: a clone whose every ReLU is :func:`swapped_relu`."""
    def clone(layer):
        config = layer.get_config()
        if isinstance(layer, keras.layers.ReLU):
            return keras.layers.Activation(swapped_relu, name=config["name"])
        if config.get("activation") == "relu":
            config["activation"] = swapped_relu
        return type(layer).from_config(config)

    twin = keras.models.clone_model(model, clone_function=clone)
    twin.set_weights(model.get_weights())
    last = twin.layers[-1]
    logits_model = keras.Model(twin.inputs, last.input)
    images = tf.constant(images)
    with tf.GradientTape() as tape:
        tape.watch(images)
        logits = logits_model(images) @ last.kernel + last.bias
        target = tf.reduce_sum(logits[:, class_index])
    return tape.gradient(target, images).numpy()


def resnet_style(input_shape=(11, 9, 3), classes=5):
    """Residual blocks with fused ReLUs, a ReLU layer, an Activation('relu'), an Add and a Concatenate.
    Seeded: with 8 hidden units, some random weights let no positive gradient through to a class."""
    keras.utils.set_random_seed(5)
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="stem")(inputs)
    y = keras.layers.Conv2D(4, 3, padding="same", name="conv_a")(x)
    y = keras.layers.BatchNormalization(name="bn_a")(y)
    y = keras.layers.ReLU(name="relu_a")(y)
    y = keras.layers.Conv2D(4, 3, padding="same", name="conv_b")(y)
    x = keras.layers.Add(name="add")([x, y])
    x = keras.layers.Activation("relu", name="add_relu")(x)
    left = keras.layers.Conv2D(3, 1, activation="relu", name="left")(x)
    right = keras.layers.MaxPooling2D(3, strides=1, padding="same", name="right_pool")(x)
    x = keras.layers.Concatenate(name="concat")([left, right])
    x = keras.layers.Conv2D(6, 3, strides=2, activation="relu", name="down")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dense(8, activation="relu", name="hidden")(x)
    outputs = keras.layers.Dense(classes, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs, outputs, name="resnet_style")
    rng = np.random.default_rng(7)
    # Batch normalization with statistics of its own, so its inference pass is not the identity.
    bn = model.get_layer("bn_a")
    bn.moving_mean.assign(rng.normal(size=4).astype(np.float32) * 0.1)
    bn.moving_variance.assign(rng.uniform(0.5, 2.0, size=4).astype(np.float32))
    return model


@pytest.mark.parametrize("class_index", [0, 3])
def test_resnet_style_graph_equals_the_swapped_relu_clone(class_index):
    model = resnet_style()
    engine = KerasEngine.from_model(model)
    images = random_images(3, engine.input_shape, seed=class_index) - 0.4
    result = engine.guided_gradients(images, class_index)
    expected = swapped_guided(model, images, class_index)
    assert np.abs(expected).max() > 0
    assert relative_difference(result, expected) < 1e-5
    plain = engine.gradients(images, class_index=class_index).input
    assert relative_difference(result, plain) > 1e-2  # the guided rule changed something


def test_relu_passes_only_positive_gradients_to_positive_inputs():
    """Input → ReLU → rest: the guided gradient at the input is the rest's guided gradient g at relu(x),
    passed only where x > 0 and g > 0."""
    inputs = keras.Input(shape=(9, 8, 3))
    tail = keras.Sequential([keras.Input(shape=(9, 8, 3)), keras.layers.Conv2D(3, 3, activation="relu"),
                             keras.layers.Flatten(), keras.layers.Dense(6, activation="relu"),
                             keras.layers.Dense(4, activation="softmax")])
    with_relu = keras.Model(inputs, tail(keras.layers.ReLU(name="first_relu")(inputs)))
    whole = KerasEngine.from_model(with_relu)
    rest_engine = KerasEngine.from_model(tail)
    images = random_images(6, (9, 8, 3), seed=1) - 0.5
    passed = whole.guided_gradients(images, 2)
    incoming = rest_engine.guided_gradients(np.maximum(images, 0), 2)
    assert (passed >= 0).all()
    assert (passed[images <= 0] == 0).all()
    open_units = (images > 0) & (incoming > 0)
    np.testing.assert_allclose(passed[open_units], incoming[open_units], rtol=1e-5, atol=1e-7)
    assert (passed[(images > 0) & (incoming <= 0)] == 0).all()
    assert open_units.any() and ((images > 0) & (incoming < 0)).any()  # both cases occur


@pytest.mark.parametrize("config", [colour_config(), reference_config()], ids=["colour", "reference"])
def test_keras_guided_backprop_equals_the_numpy_engines(config):
    numpy_engine, keras_engine = twin_engines(config, seed=4)
    images = random_images(3, numpy_engine.input_shape, seed=2)
    for class_index in (1, 7):
        expected = numpy_engine.guided_gradients(images, class_index)
        assert np.abs(expected).max() > 0
        assert relative_difference(keras_engine.guided_gradients(images, class_index), expected) < 1e-4


def test_a_bad_class_is_refused_with_the_range():
    engine = KerasEngine.from_model(resnet_style())
    with pytest.raises(ValueError, match="class_index"):
        engine.guided_gradients(random_images(1, engine.input_shape), 5)
