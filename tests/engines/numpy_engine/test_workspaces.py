"""Training reuses its arrays from batch to batch: the results stay those of plain backpropagation
whatever the batch sizes, and nothing reused leaks into what the engine hands out."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core import config as cfg
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.engines.numpy_engine.layers import DropoutLayer
from cnnviz.engines.numpy_engine.losses import cross_entropy, cross_entropy_gradient
from cnnviz.engines.numpy_engine.network import Network
from cnnviz.engines.numpy_engine.optimizers import SGD, Adam, Momentum
from cnnviz.engines.numpy_engine.workspace import Workspace, scratch


def test_a_workspace_hands_out_the_same_memory_while_it_fits():
    workspace = Workspace()
    first = workspace.get("a", (4, 3))
    assert first.shape == (4, 3) and first.dtype == np.float32 and first.flags.c_contiguous
    again = workspace.get("a", (2, 5))  # smaller: a view of the same memory
    assert again.shape == (2, 5) and np.shares_memory(first, again)
    larger = workspace.get("a", (5, 5))
    assert larger.shape == (5, 5) and not np.shares_memory(first, larger)
    other = workspace.get("a", (5, 5), bool)
    assert other.dtype == bool
    assert not np.shares_memory(workspace.get("b", (5, 5)), workspace.get("a", (5, 5)))
    assert scratch(None, "a", (2, 2)).shape == (2, 2)  # no workspace: a new array
    assert not np.shares_memory(scratch(None, "a", (2, 2)), scratch(None, "a", (2, 2)))


CONFIG = cfg.ModelConfig(layers=(
    cfg.Conv2D(6, (3, 3)), cfg.MaxPooling2D((2, 2)),
    cfg.Conv2D(4, (3, 3), padding="same", activation="linear"), cfg.MaxPooling2D((2, 2)),
    cfg.Flatten(), cfg.Dense(12, "tanh"), cfg.Dense(10, "softmax")))


def test_training_over_changing_batch_sizes_equals_plain_backpropagation():
    """Batches of 130 (two chunks), 7 (one) and 130 again: every step's loss and the weights after
    it are those of the unfused, unreused layers."""
    trained, reference = Network(CONFIG, seed=3), Network(CONFIG, seed=3)
    assert [trained.chunk_count(size) for size in (130, 7)] == [2, 1]
    rng = np.random.default_rng(0)
    optimizer = SGD(0.05)
    for size in (130, 7, 130):
        images = rng.random((size, 28, 28, 1), dtype=np.float32)
        labels = rng.integers(0, 10, size)
        probabilities, _ = reference.forward(images, training=True)
        expected_loss = cross_entropy(reference.logits, labels)
        reference.backward(cross_entropy_gradient(probabilities, labels))
        for layer in reference.layers:
            for name, value in layer.params.items():
                value -= np.float32(0.05) * layer.gradients[name]
        loss, _ = trained.train_step(images, labels, optimizer)
        assert loss == pytest.approx(expected_loss, rel=1e-5), size
        for trained_layer, reference_layer in zip(trained.layers, reference.layers):
            for name, value in trained_layer.params.items():
                np.testing.assert_allclose(value, reference_layer.params[name], rtol=1e-4, atol=1e-5,
                                           err_msg=f"batch {size}: {trained_layer.name}/{name}")


def test_the_chunk_count_depends_on_the_batch_size_only():
    network = Network(CONFIG, seed=0)
    assert [network.chunk_count(size) for size in (1, 32, 127, 128, 1000)] == [1, 1, 1, 2, 2]
    normalized = Network(cfg.ModelConfig(layers=(cfg.Conv2D(4, (3, 3)), cfg.BatchNormalization(), cfg.Flatten(),
                                                 cfg.Dense(10, "softmax"))), seed=0)
    assert normalized.chunk_count(1000) == 1


@pytest.mark.parametrize("rate", [0.2, 0.5, 0.9])
def test_dropout_masks_keep_the_rate_and_scale(rate):
    layer = DropoutLayer("dropout", cfg.Dropout(rate), np.random.default_rng(0))
    layer.workspace = Workspace()
    inputs = np.ones((50, 100, 40), np.float32)
    output = layer.forward(inputs, training=True)
    kept = output != 0
    # 200,000 draws: the dropped share is within 0.5 % of the rate (about five standard deviations).
    assert abs((1 - kept.mean()) - rate) < 0.005
    np.testing.assert_allclose(output[kept], 1 / (1 - rate), rtol=1e-6)
    gradient = layer.backward(np.full(inputs.shape, 2.0, np.float32))
    np.testing.assert_array_equal(gradient != 0, kept)
    second = layer.forward(inputs, training=True)
    assert (second != 0).mean() == pytest.approx(kept.mean(), abs=0.01) and not np.array_equal(second != 0, kept)
    assert layer.forward(inputs, training=False) is inputs


def test_dropout_streams_repeat_with_their_generators_state():
    layers = [DropoutLayer("dropout", cfg.Dropout(0.3), np.random.default_rng(5)) for _ in range(2)]
    inputs = np.ones((7, 13), np.float32)
    first, second = (layer.forward(inputs, training=True).copy() for layer in layers)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("kind", [SGD, Momentum, Adam])
def test_optimizers_read_gradient_parts_without_changing_them(kind):
    rng = np.random.default_rng(1)
    parts = [rng.standard_normal((300, 400)).astype(np.float32) for _ in range(2)]  # large: sliced
    kept = [part.copy() for part in parts]
    split = rng.standard_normal((300, 400)).astype(np.float32)
    summed = split.copy()
    first, second = kind(0.01), kind(0.01)
    for _ in range(3):
        first.apply([split], [parts])
        second.apply([summed], [parts[0] + parts[1]])
    for part, original in zip(parts, kept):
        np.testing.assert_array_equal(part, original)
    np.testing.assert_allclose(split, summed, rtol=1e-6, atol=1e-7)


def test_inspection_results_outlive_later_training_and_inspection():
    engine = NumpyEngine(cfg.reference_config())
    rng = np.random.default_rng(2)
    image, other = rng.random((2, 1, 28, 28, 1), dtype=np.float32)
    result = engine.gradients(image)
    kept = {layer: {name: value.copy() for name, value in params.items()}
            for layer, params in result.parameters.items()}
    maps = engine.feature_maps(image)
    kept_maps = {name: value.copy() for name, value in maps.items()}
    engine.train_step(rng.random((130, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, 130))
    engine.gradients(other)
    engine.feature_maps(other)
    for layer, params in result.parameters.items():
        for name, value in params.items():
            assert not value.flags.writeable
            np.testing.assert_array_equal(value, kept[layer][name])
    for name, value in maps.items():
        np.testing.assert_array_equal(value, kept_maps[name])


@pytest.mark.parametrize("shape", [(7, 5, 3, 16), (32, 32, 32, 16), (1, 1, 1, 3), (12, 2048), (3, 5, 1100)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_channel_sums_equal_plain_sums_over_every_axis_but_the_last(shape, dtype):
    from cnnviz.engines.numpy_engine.normalization import channel_sum

    values = np.random.default_rng(4).standard_normal(shape).astype(dtype)
    expected = values.astype(np.float64).reshape(-1, shape[-1]).sum(axis=0)
    np.testing.assert_allclose(channel_sum(values, np.float64), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(channel_sum(values), expected, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-3 if dtype == np.float32 else 1e-12)
    assert channel_sum(values).shape == (shape[-1],)
