"""The one-image (inspection) paths of the NumPy engine's layers agree with their batch paths."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core import config as cfg
from cnnviz.engines.numpy_engine.layers import DenseLayer


@pytest.mark.parametrize("activation", ["relu", "softmax", "linear"])
def test_dense_kernel_gradient_of_one_image_is_the_outer_product(activation):
    rng = np.random.default_rng(3)
    layer = DenseLayer("dense", cfg.Dense(7, activation), 11)
    layer.params["kernel"][...] = rng.normal(size=(11, 7))
    inputs = rng.normal(size=(1, 11)).astype(np.float32)
    gradient = rng.normal(size=(1, 7)).astype(np.float32)
    layer.forward(inputs)
    layer.backward(gradient)
    one = layer.gradients["kernel"].copy()
    # The same image twice, half the gradient each: the batch path's sum is the same product.
    layer.forward(np.concatenate([inputs, inputs]))
    layer.backward(np.concatenate([gradient, gradient]) / 2)
    assert one.shape == (11, 7)
    np.testing.assert_allclose(one, layer.gradients["kernel"], rtol=1e-5, atol=1e-6)
    if activation != "relu":
        np.testing.assert_allclose(one, np.outer(inputs[0], gradient[0]), rtol=1e-6)


def test_an_inspection_hands_out_the_dense_kernel_gradient_of_the_batch_path():
    from cnnviz.engines.numpy_engine.engine import NumpyEngine

    config = cfg.ModelConfig(input_shape=(10, 8, 3), layers=(
        cfg.Conv2D(3, (3, 3)), cfg.Flatten(), cfg.Dense(5, "relu"), cfg.Dense(10, "softmax")))
    engine = NumpyEngine(config, seed=2)
    images = np.random.default_rng(4).random((2, 10, 8, 3), dtype=np.float32)
    labels = np.array([1, 3])
    one = engine.gradients(images[:1], labels[:1]).parameters
    both = engine.gradients(np.concatenate([images[:1], images[:1]]), labels[[0, 0]]).parameters
    for layer in ("dense", "dense_1"):
        kernel = one[layer]["kernel"]
        assert kernel.shape == both[layer]["kernel"].shape and not kernel.flags.writeable
        # The batch path's loss is the mean over two copies of the image: the same gradient.
        np.testing.assert_allclose(kernel, both[layer]["kernel"], rtol=1e-5, atol=1e-7)
    assert np.abs(one["dense"]["kernel"]).max() > 0
    # A later inspection does not change what an earlier one handed out.
    before = one["dense"]["kernel"].copy()
    engine.gradients(images[1:], labels[1:])
    np.testing.assert_array_equal(one["dense"]["kernel"], before)
