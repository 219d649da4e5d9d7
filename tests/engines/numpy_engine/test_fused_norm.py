"""The training-only Conv2D + BatchNormalization + Activation + MaxPooling2D block equals the plain
layers run one after the other, its gradients match finite differences, and the training plan
fuses exactly the runs it may."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core import config as cfg
from cnnviz.engines.numpy_engine.fused import ConvMaxPoolBlock, training_plan
from cnnviz.engines.numpy_engine.fused_norm import ConvNormPoolBlock
from cnnviz.engines.numpy_engine.layers import ActivationLayer, MaxPooling2DLayer, build_layers
from cnnviz.engines.numpy_engine.network import Network
from cnnviz.engines.numpy_engine.normalization import BatchNormalizationLayer
from cnnviz.engines.numpy_engine.optimizers import SGD
from cnnviz.engines.numpy_engine.workspace import Workspace

from .helpers import assert_gradient, conv_layer

GEOMETRIES = [
    # (input shape, conv spec without activation, pool size); every one tiles but the last
    ((3, 8, 8, 3), dict(filters=4, kernel_size=(3, 3), padding="same"), (2, 2)),
    ((2, 10, 9, 2), dict(filters=5, kernel_size=(3, 2)), (2, 2)),                       # 8x8, non-square input
    ((2, 9, 12, 3), dict(filters=3, kernel_size=(3, 3), strides=(2, 1), padding="same"), (1, 3)),
    ((4, 32, 32, 3), dict(filters=16, kernel_size=(3, 3), padding="same"), (2, 2)),     # the colour model's
    ((2, 9, 9, 1), dict(filters=4, kernel_size=(3, 3)), (2, 2)),                        # 7x7: plain fallback
]


def make_layers(shape, spec, pool_size, activation, dtype, seed=0):
    rng = np.random.default_rng(seed)
    conv = conv_layer(cfg.Conv2D(activation="linear", **spec), shape[-1], rng, dtype=dtype)
    filters = spec["filters"]
    norm = BatchNormalizationLayer("batch_normalization", cfg.BatchNormalization(0.9, 1e-3), filters)
    # Some negative gammas: the maximum of a negatively scaled channel is its raw minimum.
    norm.params = {"gamma": (rng.standard_normal(filters) + 0.3).astype(dtype),
                   "beta": rng.standard_normal(filters).astype(dtype)}
    norm.state = {"moving_mean": rng.standard_normal(filters).astype(dtype),
                  "moving_variance": (rng.random(filters) + 0.5).astype(dtype)}
    act = ActivationLayer("activation", cfg.Activation(activation)) if activation else None
    pool = MaxPooling2DLayer("max_pooling2d", cfg.MaxPooling2D(pool_size))
    return conv, norm, act, pool


def copies(layers):
    """Independent copies of the layers (own parameters and state)."""
    shape_free = []
    for layer in layers:
        if layer is None:
            shape_free.append(None)
            continue
        twin = object.__new__(type(layer))
        twin.__dict__.update(layer.__dict__)
        twin.params = {name: value.copy() for name, value in layer.params.items()}
        twin.state = {name: value.copy() for name, value in layer.state.items()}
        shape_free.append(twin)
    return shape_free


@pytest.mark.parametrize("activation", ["relu", "linear", None])
@pytest.mark.parametrize("shape, spec, pool_size", GEOMETRIES, ids=[str(g[0][1:]) for g in GEOMETRIES])
def test_block_equals_the_plain_layers(shape, spec, pool_size, activation):
    layers = make_layers(shape, spec, pool_size, activation, np.float64)
    plain = [layer for layer in copies(layers) if layer is not None]
    block = ConvNormPoolBlock(*layers)
    block.conv.workspace = Workspace()
    rng = np.random.default_rng(1)
    images = rng.standard_normal(shape)
    for step in range(2):  # twice: the workspace's arrays are reused
        values = images + step
        for layer in plain:
            values = layer.forward(values, True)
        output = block.forward(images + step, True)
        np.testing.assert_allclose(output, values, rtol=1e-10, atol=1e-10)
        gradient = rng.standard_normal(output.shape)
        expected = gradient
        for layer in reversed(plain):
            expected = layer.backward(expected)
        np.testing.assert_allclose(block.backward(gradient), expected, rtol=1e-9, atol=1e-10)
        for mine, theirs in zip(block.layers, plain):
            for name in mine.params:
                np.testing.assert_allclose(mine.gradients[name], theirs.gradients[name], rtol=1e-9, atol=1e-10,
                                           err_msg=f"{mine.name} {name}")
            for name in mine.state:
                np.testing.assert_allclose(mine.state[name], theirs.state[name], rtol=1e-12, err_msg=name)
    assert np.abs(expected).max() > 1e-3


def test_block_without_input_gradient_fills_the_same_parameter_gradients():
    layers = make_layers((3, 8, 8, 3), GEOMETRIES[0][1], (2, 2), "relu", np.float32)
    block = ConvNormPoolBlock(*layers)
    images = np.random.default_rng(2).standard_normal((3, 8, 8, 3)).astype(np.float32)
    gradient = np.random.default_rng(3).standard_normal((3, 4, 4, 4)).astype(np.float32)
    block.forward(images, True)
    block.backward(gradient)
    expected = {(layer.name, name): value.copy() for layer in block.layers for name, value in layer.gradients.items()}
    block.forward(images, True)
    assert block.backward(gradient, need_input_gradient=False) is None
    for (layer_name, name), value in expected.items():
        layer = next(layer for layer in block.layers if layer.name == layer_name)
        np.testing.assert_allclose(layer.gradients[name], value, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("activation", ["relu", None])
def test_block_gradients_match_finite_differences(activation):
    layers = make_layers((2, 6, 4, 2), dict(filters=3, kernel_size=(3, 3), padding="same"), (2, 2), activation,
                         np.float64, seed=5)
    block = ConvNormPoolBlock(*layers)
    rng = np.random.default_rng(6)
    images = rng.standard_normal((2, 6, 4, 2))
    weights = rng.standard_normal((2, 3, 2, 3))  # the loss is a weighted sum of the block's output
    moving = {name: value.copy() for name, value in block.norm.state.items()}

    def loss() -> float:
        value = float((block.forward(images, True) * weights).sum())
        for name, saved in moving.items():
            block.norm.state[name][...] = saved
        return value

    loss()
    input_gradient = block.backward(weights)
    analytic = {"input": input_gradient.copy(), "kernel": block.conv.gradients["kernel"].copy(),
                "gamma": block.norm.gradients["gamma"].copy(), "beta": block.norm.gradients["beta"].copy()}
    assert_gradient(analytic["input"], loss, images, count=30, rng=rng, what="input")
    assert_gradient(analytic["kernel"], loss, block.conv.params["kernel"], count=30, rng=rng, what="kernel")
    assert_gradient(analytic["gamma"], loss, block.norm.params["gamma"], what="gamma")
    assert_gradient(analytic["beta"], loss, block.norm.params["beta"], what="beta")


HEAD = (cfg.GlobalAveragePooling2D(), cfg.Dense(3, "softmax"))


def plan_kinds(layers) -> list[str]:
    config = cfg.ModelConfig(input_shape=(16, 16, 3), layers=layers)
    plan = training_plan(build_layers(config, np.random.default_rng(0)))
    return ["norm-block" if isinstance(step, ConvNormPoolBlock) else "block" if isinstance(step, ConvMaxPoolBlock)
            else step.name for step in plan]


CONV, NORM, POOL = cfg.Conv2D(4, (3, 3), padding="same", activation="linear"), cfg.BatchNormalization(), \
    cfg.MaxPooling2D((2, 2))


@pytest.mark.parametrize("layers, expected", [
    ((CONV, NORM, cfg.Activation("relu"), POOL, *HEAD), ["norm-block", "global_average_pooling2d", "dense"]),
    ((CONV, NORM, POOL, *HEAD), ["norm-block", "global_average_pooling2d", "dense"]),
    ((CONV, NORM, cfg.Activation("tanh"), POOL, *HEAD),
     ["conv2d", "batch_normalization", "activation", "max_pooling2d", "global_average_pooling2d", "dense"]),
    ((cfg.Conv2D(4, (3, 3), padding="same"), NORM, POOL, *HEAD),        # relu before the normalization
     ["conv2d", "batch_normalization", "max_pooling2d", "global_average_pooling2d", "dense"]),
    ((CONV, NORM, cfg.Activation("relu"), *HEAD),
     ["conv2d", "batch_normalization", "activation", "global_average_pooling2d", "dense"]),
    ((CONV, NORM, cfg.MaxPooling2D((2, 2), (1, 1)), *HEAD),            # overlapping windows
     ["conv2d", "batch_normalization", "max_pooling2d", "global_average_pooling2d", "dense"]),
], ids=["relu", "no-activation", "tanh", "relu-conv", "no-pooling", "stride-1"])
def test_plan_fuses_exactly_the_normalized_runs(layers, expected):
    assert plan_kinds(layers) == expected


def test_network_with_the_block_trains_like_plain_backpropagation():
    """SGD steps of ``Network.train_step`` give the weights and moving statistics of the plain layers."""
    config = cfg.ModelConfig(input_shape=(12, 10, 3), layers=(
        CONV, NORM, cfg.Activation("relu"), POOL, cfg.Conv2D(5, (3, 3), padding="same"), POOL, *HEAD))
    trained, reference = Network(config, seed=4), Network(config, seed=4)
    assert isinstance(trained.training_plans[0][0], ConvNormPoolBlock)
    rng = np.random.default_rng(0)
    images = rng.random((9, 12, 10, 3), dtype=np.float32)
    labels = rng.integers(0, 3, 9)
    for _ in range(3):
        probabilities, _ = reference.forward(images, training=True)
        reference.backward(reference_gradient(probabilities, labels))
        for layer in reference.layers:
            for name, value in layer.params.items():
                value -= np.float32(0.1) * layer.gradients[name]
        trained.train_step(images, labels, SGD(0.1))
    for mine, theirs in zip(trained.layers, reference.layers):
        for name in (*mine.params, *mine.state):
            value = mine.params.get(name, mine.state.get(name))
            expected = theirs.params.get(name, theirs.state.get(name))
            np.testing.assert_allclose(value, expected, rtol=2e-4, atol=2e-5, err_msg=f"{mine.name} {name}")


def reference_gradient(probabilities, labels):
    from cnnviz.engines.numpy_engine.losses import cross_entropy_gradient

    return cross_entropy_gradient(probabilities, labels)

