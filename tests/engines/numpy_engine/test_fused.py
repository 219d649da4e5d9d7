"""The training-only Conv2D + MaxPooling2D block equals running the two layers one after the other,
and the training plan fuses exactly the pairs it may."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core import config as cfg
from cnnviz.engines.numpy_engine.fused import ConvMaxPoolBlock, training_plan
from cnnviz.engines.numpy_engine.layers import MaxPooling2DLayer, build_layers
from cnnviz.engines.numpy_engine.losses import cross_entropy, cross_entropy_gradient
from cnnviz.engines.numpy_engine.network import Network
from cnnviz.engines.numpy_engine.optimizers import SGD

from .helpers import conv_layer

GEOMETRIES = [
    # (input shape, conv spec without activation, pool size)
    ((2, 9, 9, 1), dict(filters=4, kernel_size=(3, 3)), (2, 2)),                        # 7x7 -> 3x3, cropped
    ((3, 8, 7, 3), dict(filters=5, kernel_size=(3, 2), padding="same"), (2, 2)),        # 8x7 -> 4x3
    ((2, 11, 10, 2), dict(filters=3, kernel_size=(3, 3), strides=(2, 2)), (2, 2)),      # 5x4 -> 2x2
    ((2, 10, 9, 3), dict(filters=4, kernel_size=(2, 3)), (3, 2)),                       # 9x7 -> 3x3
    ((2, 9, 12, 2), dict(filters=6, kernel_size=(3, 3), strides=(2, 1), padding="same"), (2, 3)),
    ((2, 13, 13, 3), dict(filters=2, kernel_size=(5, 4), strides=(1, 2), padding="same"), (3, 3)),
    ((4, 28, 28, 1), dict(filters=8, kernel_size=(3, 3)), (2, 2)),                      # the reference block
]
GEOMETRY_IDS = [f"in{shape[1:]}-k{spec['kernel_size']}-s{spec.get('strides', (1, 1))}-"
                f"{spec.get('padding', 'valid')}-p{pool}" for shape, spec, pool in GEOMETRIES]


@pytest.mark.parametrize("activation", ["relu", "linear"])
@pytest.mark.parametrize("shape, spec, pool_size", GEOMETRIES, ids=GEOMETRY_IDS)
def test_block_equals_conv_then_pool(shape, spec, pool_size, activation):
    rng = np.random.default_rng(0)
    conv = conv_layer(cfg.Conv2D(activation=activation, **spec), shape[-1], rng, dtype=np.float32)
    if activation == "relu":
        # Shift the bias down about one standard deviation of the raw output, so that some
        # pooled outputs are clipped by ReLU and some are not.
        conv.params["bias"] -= np.float32(0.5 * np.sqrt(conv.params["kernel"][..., 0].size))
    pool = MaxPooling2DLayer("max_pooling2d", cfg.MaxPooling2D(pool_size))
    images = rng.standard_normal(shape).astype(np.float32)

    expected_output = pool.forward(conv.forward(images, True), True).copy()
    gradient = rng.standard_normal(expected_output.shape).astype(np.float32)
    expected_input_gradient = conv.backward(pool.backward(gradient)).copy()
    expected = {name: value.copy() for name, value in conv.gradients.items()}
    conv.gradients = {}

    block = ConvMaxPoolBlock(conv, pool)
    output = block.forward(images, True)
    assert output.shape == expected_output.shape and output.dtype == np.float32
    np.testing.assert_allclose(output, expected_output, rtol=1e-6, atol=1e-6)
    if activation == "relu":
        assert 0 < (output == 0).sum() < output.size  # both ReLU branches are exercised
    input_gradient = block.backward(gradient)
    assert input_gradient.shape == images.shape and input_gradient.dtype == np.float32
    np.testing.assert_allclose(input_gradient, expected_input_gradient, rtol=1e-5, atol=1e-5)
    assert set(conv.gradients) == {"kernel", "bias"}
    for name, value in expected.items():
        assert conv.gradients[name].shape == value.shape and conv.gradients[name].dtype == np.float32
        np.testing.assert_allclose(conv.gradients[name], value, rtol=1e-5, atol=1e-4, err_msg=name)


def test_block_without_input_gradient_fills_the_same_parameter_gradients():
    rng = np.random.default_rng(2)
    conv = conv_layer(cfg.Conv2D(4, (3, 3), activation="relu"), 2, rng, dtype=np.float32)
    block = ConvMaxPoolBlock(conv, MaxPooling2DLayer("max_pooling2d", cfg.MaxPooling2D((2, 2))))
    images = rng.standard_normal((2, 8, 8, 2)).astype(np.float32)
    gradient = rng.standard_normal(block.forward(images, True).shape).astype(np.float32)
    assert block.backward(gradient) is not None
    expected = {name: value.copy() for name, value in conv.gradients.items()}
    block.forward(images, True)
    assert block.backward(gradient, need_input_gradient=False) is None
    for name, value in expected.items():
        np.testing.assert_array_equal(conv.gradients[name], value)


def plan_kinds(layers: tuple) -> list[str]:
    config = cfg.ModelConfig(layers=layers)
    plan = training_plan(build_layers(config, np.random.default_rng(0)))
    return ["fused" if isinstance(step, ConvMaxPoolBlock) else step.name for step in plan]


HEAD = (cfg.Flatten(), cfg.Dense(10, "softmax"))


@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_plan_fuses_relu_and_linear_conv_with_tiling_max_pooling(activation):
    layers = (cfg.Conv2D(4, (3, 3), activation=activation), cfg.MaxPooling2D((2, 2)), *HEAD)
    assert plan_kinds(layers) == ["fused", "flatten", "dense"]
    layers = (cfg.Conv2D(4, (3, 3), activation=activation), cfg.MaxPooling2D((3, 2), (3, 2)), *HEAD)
    assert plan_kinds(layers) == ["fused", "flatten", "dense"]


@pytest.mark.parametrize("layers, expected", [
    ((cfg.Conv2D(4, (3, 3), activation="tanh"), cfg.MaxPooling2D((2, 2)), *HEAD),
     ["conv2d", "max_pooling2d", "flatten", "dense"]),
    ((cfg.Conv2D(4, (3, 3), activation="sigmoid"), cfg.MaxPooling2D((2, 2)), *HEAD),
     ["conv2d", "max_pooling2d", "flatten", "dense"]),
    ((cfg.Conv2D(4, (3, 3)), cfg.MaxPooling2D((3, 3), (2, 2)), *HEAD),       # overlapping windows
     ["conv2d", "max_pooling2d", "flatten", "dense"]),
    ((cfg.Conv2D(4, (3, 3)), cfg.MaxPooling2D((2, 2), (1, 1)), *HEAD),
     ["conv2d", "max_pooling2d", "flatten", "dense"]),
    ((cfg.Conv2D(4, (3, 3)), cfg.AveragePooling2D((2, 2)), *HEAD),
     ["conv2d", "average_pooling2d", "flatten", "dense"]),
    ((cfg.Conv2D(4, (3, 3)), cfg.Dropout(0.2), cfg.MaxPooling2D((2, 2)), *HEAD),   # not adjacent
     ["conv2d", "dropout", "max_pooling2d", "flatten", "dense"]),
    ((cfg.MaxPooling2D((2, 2)), cfg.Conv2D(4, (3, 3)), *HEAD),                # wrong order
     ["max_pooling2d", "conv2d", "flatten", "dense"]),
], ids=["tanh", "sigmoid", "overlapping", "stride-1", "average", "dropout-between", "pool-first"])
def test_plan_keeps_other_layers_apart(layers, expected):
    assert plan_kinds(layers) == expected


def test_plan_of_two_blocks_uses_the_layers_themselves():
    config = cfg.ModelConfig(layers=(
        cfg.Conv2D(4, (3, 3), padding="same"), cfg.MaxPooling2D((2, 2)),
        cfg.Conv2D(4, (3, 3), activation="linear"), cfg.MaxPooling2D((2, 2)),
        cfg.Conv2D(4, (3, 3), padding="same", activation="tanh"), cfg.MaxPooling2D((2, 2)),
        *HEAD))
    layers = build_layers(config, np.random.default_rng(0))
    plan = training_plan(layers)
    assert isinstance(plan[0], ConvMaxPoolBlock) and isinstance(plan[1], ConvMaxPoolBlock)
    assert plan[0].conv is layers[0] and plan[0].pool is layers[1]
    assert plan[1].conv is layers[2] and plan[1].pool is layers[3]
    assert plan[2:] == layers[4:]


def test_gapped_max_pooling_trains_like_the_plain_layers():
    """Pooling with strides larger than its windows: fused or not, the result must not change."""
    config = cfg.ModelConfig(layers=(cfg.Conv2D(3, (3, 3)), cfg.MaxPooling2D((2, 2), (3, 3)), *HEAD))
    layers = build_layers(config, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    layers[0].params["kernel"][...] = rng.standard_normal(layers[0].params["kernel"].shape)
    images = rng.standard_normal((2, 28, 28, 1)).astype(np.float32)
    plain = layers[1].forward(layers[0].forward(images, True), True).copy()
    step = training_plan(layers)[0]
    if isinstance(step, ConvMaxPoolBlock):
        np.testing.assert_allclose(step.forward(images, True), plain, rtol=1e-6, atol=1e-6)
    else:
        assert step is layers[0]


@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_network_train_step_equals_plain_backpropagation(activation):
    """SGD steps of ``Network.train_step`` (fused blocks, whatever its batching) give the loss,
    accuracy and weights of plain backpropagation through the unfused layers."""
    config = cfg.ModelConfig(layers=(
        cfg.Conv2D(6, (3, 3), activation=activation), cfg.MaxPooling2D((2, 2)),
        cfg.Conv2D(5, (3, 3), strides=(2, 1), padding="same", activation=activation),
        cfg.MaxPooling2D((2, 3)), cfg.Flatten(), cfg.Dense(12, "relu"), cfg.Dense(10, "softmax")))
    trained, reference = Network(config, seed=4), Network(config, seed=4)
    assert isinstance(training_plan(trained.layers)[0], ConvMaxPoolBlock)
    rng = np.random.default_rng(0)
    images = rng.random((9, 28, 28, 1), dtype=np.float32)
    labels = rng.integers(0, 10, 9)
    optimizer = SGD(0.1)
    for _ in range(2):
        probabilities, _ = reference.forward(images, training=True)
        expected_loss = cross_entropy(reference.logits, labels)
        expected_accuracy = float((probabilities.argmax(axis=1) == labels).mean())
        reference.backward(cross_entropy_gradient(probabilities, labels))
        for layer in reference.layers:
            for name, value in layer.params.items():
                value -= np.float32(0.1) * layer.gradients[name]
        loss, accuracy = trained.train_step(images, labels, optimizer)
        assert loss == pytest.approx(expected_loss, rel=1e-5)
        assert accuracy == expected_accuracy
    for trained_layer, reference_layer in zip(trained.layers, reference.layers):
        for name, value in trained_layer.params.items():
            assert value.dtype == np.float32
            np.testing.assert_allclose(value, reference_layer.params[name], rtol=1e-4, atol=1e-5,
                                       err_msg=f"{trained_layer.name}/{name}")


def test_the_worker_limit_applies_to_the_calling_thread_only():
    import threading

    from cnnviz.engines.numpy_engine import parallel

    seen = {}

    def limited():
        parallel.set_worker_limit(1)
        seen["limited"] = parallel.num_workers()

    thread = threading.Thread(target=limited)
    thread.start()
    thread.join()
    assert seen["limited"] == 1
    assert parallel.num_workers() == min(parallel.NUM_CHUNKS, len(__import__("os").sched_getaffinity(0)))
