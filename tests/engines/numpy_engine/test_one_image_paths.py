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


def test_later_inspections_never_change_the_arrays_an_earlier_one_handed_out():
    """Results cross to the interface's thread: whatever memory the engine reuses between
    inspections, an inspection's arrays stay as they were handed out."""
    from cnnviz.core.config import reference_config
    from cnnviz.engines.numpy_engine.engine import NumpyEngine

    engine = NumpyEngine(reference_config(), seed=5)
    images = np.random.default_rng(6).random((4, 28, 28, 1), dtype=np.float32)
    kept = engine.gradients(images[:1])
    maps = engine.feature_maps(images[:1])

    def arrays(result):
        return {"input": result.input, **{f"layer {name}": value for name, value in result.layers.items()},
                **{f"{layer} {name}": value for layer, params in result.parameters.items()
                   for name, value in params.items()}}

    before = {key: value.copy() for key, value in arrays(kept).items()}
    maps_before = {key: value.copy() for key, value in maps.items()}
    for index in (1, 2, 3):
        engine.gradients(images[index:index + 1])  # dropped at once: its memory may come back
        engine.feature_maps(images[index:index + 1])
    for key, value in arrays(kept).items():
        assert not value.flags.writeable, key
        np.testing.assert_array_equal(value, before[key], err_msg=key)
    for key, value in maps.items():
        np.testing.assert_array_equal(value, maps_before[key], err_msg=key)
    assert np.abs(before["dense kernel"]).max() > 0


@pytest.mark.parametrize("config", [
    cfg.ModelConfig(input_shape=(12, 10, 3), layers=(
        cfg.Conv2D(4, (3, 3), padding="same", activation="linear"), cfg.BatchNormalization(),
        cfg.Activation("relu"), cfg.Conv2D(4, (3, 3), activation="tanh"), cfg.MaxPooling2D(), cfg.Dropout(0.3),
        cfg.Flatten(), cfg.Dense(6, "sigmoid"), cfg.Dense(10, "softmax"))),
    cfg.ModelConfig(input_shape=(9, 9, 1), layers=(
        cfg.Conv2D(3, (3, 3), padding="same"), cfg.GlobalAveragePooling2D(), cfg.Dense(10, "softmax")))],
    ids=["batch-normalized", "pooled"])
def test_an_inspections_gradients_feature_maps_and_prediction_take_one_forward_pass(config, monkeypatch):
    """The gradients' forward pass keeps every layer's output for the feature maps that follow; the
    backward pass between them changes none of them."""
    from cnnviz.engines.numpy_engine.engine import NumpyEngine

    engine = NumpyEngine(config, seed=7)
    image = np.random.default_rng(8).random((1, *config.input_shape), dtype=np.float32)
    fresh_maps = engine.feature_maps(image)
    fresh_probabilities = engine.predict(image)
    engine.network.weights_changed()   # forget that pass

    passes = []
    forward = engine.network.forward
    monkeypatch.setattr(engine.network, "forward", lambda *a, **k: passes.append(1) or forward(*a, **k))
    engine.gradients(image)
    maps = engine.feature_maps(image)
    probabilities = engine.predict(image)
    assert len(passes) == 1
    assert maps.keys() == fresh_maps.keys()
    for name, value in fresh_maps.items():
        np.testing.assert_array_equal(maps[name], value, err_msg=name)
    np.testing.assert_array_equal(probabilities, fresh_probabilities)


def _colour_engine():
    from cnnviz.engines.numpy_engine.engine import NumpyEngine

    config = cfg.ModelConfig(input_shape=(40, 36, 3), layers=(
        cfg.Conv2D(8, (3, 3), padding="same"), cfg.MaxPooling2D(), cfg.Conv2D(6, (5, 5)),
        cfg.GlobalAveragePooling2D(), cfg.Dense(10, "softmax")))
    return NumpyEngine(config, seed=3)


def test_inference_runs_in_pieces_whose_largest_array_stays_under_the_limit(monkeypatch):
    from cnnviz.engines.numpy_engine import engine as numpy_engine

    engine = _colour_engine()
    # The second convolution's im2col columns are the largest array: 16*14 output pixels, each a 5*5*8
    # patch (the first's are 40*36 * 3*3*3 = 38,880 values, its output 40*36*8 = 11,520).
    largest = 16 * 14 * 5 * 5 * 8
    assert engine.network.largest_values_per_image() == largest
    monkeypatch.setattr(numpy_engine, "INFERENCE_PIECE_BYTES", 5 * largest * 4)
    assert engine.inference_piece(256) == 5
    assert engine.inference_piece(3) == 3          # never more than the batch size asked for
    monkeypatch.setattr(numpy_engine, "INFERENCE_PIECE_BYTES", 1)
    assert engine.inference_piece(256) == 1        # at least one image

    images = np.random.default_rng(9).random((23, 40, 36, 3), dtype=np.float32)
    labels = np.arange(23) % 10
    monkeypatch.setattr(numpy_engine, "INFERENCE_PIECE_BYTES", 10**12)
    whole_probabilities, whole_metrics = engine.predict(images), engine.evaluate(images, labels)
    monkeypatch.setattr(numpy_engine, "INFERENCE_PIECE_BYTES", 5 * largest * 4)
    sizes = []
    forward = engine.network.forward
    monkeypatch.setattr(engine.network, "forward", lambda images, *a, **k: sizes.append(len(images)) or forward(
        images, *a, **k))
    probabilities, metrics = engine.predict(images), engine.evaluate(images, labels)
    assert sizes == [5, 5, 5, 5, 3] * 2
    np.testing.assert_allclose(probabilities, whole_probabilities, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(metrics, whole_metrics, rtol=1e-5)


def test_the_reference_model_evaluates_in_passes_of_the_batch_size_asked_for():
    from cnnviz.core.config import reference_config
    from cnnviz.engines.numpy_engine.engine import NumpyEngine

    engine = NumpyEngine(reference_config(), seed=0)
    assert engine.network.largest_values_per_image() == 26 * 26 * 28   # the convolution's output
    assert engine.inference_piece(128) == 128
