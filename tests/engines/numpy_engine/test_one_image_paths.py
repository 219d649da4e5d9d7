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
