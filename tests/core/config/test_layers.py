"""Layer specs: Keras-style names counted per kind."""

from cnnviz.core.config import Conv2D, MaxPooling2D, layer_names, reference_config


def test_keras_style_layer_names():
    assert reference_config().layer_names() == [
        "conv2d", "max_pooling2d", "dropout", "flatten", "dense", "dropout_1", "dense_1"]
    assert layer_names([Conv2D(), Conv2D(), MaxPooling2D(), Conv2D()]) == [
        "conv2d", "conv2d_1", "max_pooling2d", "conv2d_2"]
