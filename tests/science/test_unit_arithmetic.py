"""The arithmetic of one unit equals the engine's own output, for every layer kind and both engines."""

import numpy as np
import pytest

from cnnviz.core.config import (
    Activation,
    AveragePooling2D,
    BatchNormalization,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAveragePooling2D,
    MaxPooling2D,
    ModelConfig,
    reference_config,
)
from cnnviz.core.config.presets import deep_config
from cnnviz.engines.registry import create_engine
from cnnviz.science.unit_arithmetic import FOREIGN, explain_unit


def colour_config():
    """3-channel input, odd size, same padding with stride 2, batch normalization, global pooling."""
    return ModelConfig(input_shape=(13, 11, 3), layers=(
        Conv2D(filters=4, kernel_size=(3, 3), strides=(2, 2), padding="same", activation="linear"),
        BatchNormalization(),
        Activation(activation="sigmoid"),
        Conv2D(filters=5, kernel_size=(2, 3), padding="valid", activation="tanh"),
        AveragePooling2D(pool_size=(2, 2), strides=(1, 1)),
        Dropout(rate=0.3),
        GlobalAveragePooling2D(),
        Dense(units=6, activation="relu"),
        Dense(units=10, activation="softmax"),
    ))


def padded_config():
    return ModelConfig(input_shape=(10, 10, 1), layers=(
        Conv2D(filters=3, kernel_size=(5, 5), padding="same", activation="relu"),
        MaxPooling2D(pool_size=(3, 3), strides=(2, 2)),
        Conv2D(filters=2, kernel_size=(3, 3), strides=(2, 2), padding="valid", activation="sigmoid"),
        Flatten(),
        Dense(units=10, activation="softmax"),
    ))


def build(engine_name, config, seed=3):
    engine = create_engine(engine_name, config, seed=seed)
    rng = np.random.default_rng(seed)
    weights = engine.get_weights()
    for params in weights.values():
        for name, array in params.items():
            if name == "moving_variance":
                params[name] = rng.uniform(0.5, 2.0, array.shape).astype(np.float32)
            elif name in ("bias", "beta", "gamma", "moving_mean"):
                params[name] = rng.normal(0.2, 0.3, array.shape).astype(np.float32)
    engine.set_weights(weights)
    image = rng.uniform(0.0, 1.0, (1, *config.input_shape)).astype(np.float32)
    return engine, image


def sample_indices(shape, rng):
    """Corners (where padding is) and a few random units of a layer output ``(1, ...)``."""
    if len(shape) == 4:
        _, h, w, c = shape
        picks = [(0, 0, 0), (h - 1, w - 1, c - 1), (0, w - 1, 0), (h - 1, 0, c - 1)]
        picks += [tuple(int(rng.integers(n)) for n in (h, w, c)) for _ in range(4)]
    else:
        picks = [(0,), (shape[1] - 1,)] + [(int(rng.integers(shape[1])),) for _ in range(3)]
    return picks


CASES = [("numpy", reference_config), ("keras", reference_config), ("numpy", deep_config),
         ("numpy", colour_config), ("keras", colour_config), ("numpy", padded_config), ("keras", padded_config)]


@pytest.mark.parametrize("engine_name, make_config", CASES, ids=[f"{e}-{c.__name__}" for e, c in CASES])
def test_every_unit_kind_equals_the_engine_output(engine_name, make_config):
    config = make_config()
    engine, image = build(engine_name, config)
    maps = engine.feature_maps(image)
    weights = engine.get_weights()
    rng = np.random.default_rng(0)
    kinds = set()
    for layer in config.layer_names():
        for index in sample_indices(maps[layer].shape, rng):
            explained = explain_unit(config, weights, image, maps, layer, index)
            assert not explained.unsupported, (layer, explained.unsupported)
            expected = float(maps[layer][(0, *index)])
            assert explained.value == pytest.approx(expected, rel=1e-4, abs=1e-5), (layer, index)
            kinds.add(explained.kind)
    assert kinds == {spec.kind for spec in config.layers}


def test_convolution_parts_add_up_and_pad_with_zeros():
    config = padded_config()
    engine, image = build("numpy", config)
    maps = engine.feature_maps(image)
    explained = explain_unit(config, engine.get_weights(), image, maps, "conv2d", (0, 0, 1))
    patch, kernel, products = (explained.arrays[name] for name in ("patch", "kernel", "products"))
    assert patch.shape == kernel.shape == (5, 5, 1)
    # Same padding of a 5×5 kernel: two rows and two columns of zeros before the data.
    assert np.all(patch[:2] == 0) and np.all(patch[:, :2] == 0)
    np.testing.assert_array_equal(patch[2:, 2:, 0], image[0, :3, :3, 0])
    np.testing.assert_allclose(products, patch * kernel)
    assert explained.scalars["sum"] == pytest.approx(products.sum())
    assert explained.scalars["pre-activation"] == pytest.approx(explained.scalars["sum"] + explained.scalars["bias"])
    np.testing.assert_allclose(kernel[..., 0], engine.get_weights()["conv2d"]["kernel"][:, :, 0, 1], rtol=1e-6)


def test_max_pooling_names_the_winner():
    config = padded_config()
    engine, image = build("numpy", config)
    maps = engine.feature_maps(image)
    explained = explain_unit(config, engine.get_weights(), image, maps, "max_pooling2d", (1, 2, 0))
    window = explained.arrays["window"]
    np.testing.assert_allclose(window, maps["conv2d"][0, 2:5, 4:7, 0], rtol=1e-6)
    row, col = int(explained.scalars["winning row"]), int(explained.scalars["winning column"])
    assert window[row, col] == window.max()


def test_output_layer_shows_logits_and_softmax():
    config = reference_config()
    engine, image = build("numpy", config)
    maps = engine.feature_maps(image)
    explained = explain_unit(config, engine.get_weights(), image, maps, "dense_1", (4,))
    np.testing.assert_allclose(explained.arrays["probabilities"], maps["dense_1"][0], rtol=1e-4, atol=1e-6)
    assert explained.scalars["pre-activation"] == pytest.approx(explained.arrays["logits"][4])
    contributions = explained.arrays["contributions"]
    assert len(contributions) == 10 and np.all(np.diff(np.abs(contributions)) <= 0)


def test_a_foreign_model_is_refused_rather_than_guessed():
    config = reference_config()
    engine, image = build("numpy", config)
    maps = engine.feature_maps(image)
    explained = explain_unit(None, engine.get_weights(), image, maps, "conv2d", (0, 0, 0))
    assert explained.unsupported == FOREIGN and np.isnan(explained.value)
    missing = explain_unit(config, {}, image, maps, "conv2d", (0, 0, 0))
    assert "weights" in missing.unsupported
