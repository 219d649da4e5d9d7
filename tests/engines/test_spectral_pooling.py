"""Spectral pooling: the definition, its exact backward pass, and the two engines agreeing on it.

The oracle here is the definition written out literally (``fftshift``, centred crop,
``ifftshift``, ``ifft2``, real part, scale), independent of the engine's separable
implementation; the explicit matrix ``A`` is built by pooling basis images.
"""

from __future__ import annotations

import json
import zipfile

import keras
import numpy as np
import pytest

from cnnviz.core import config as cfg
from cnnviz.core.summary import summarize
from cnnviz.engines.keras_engine import KerasEngine
from cnnviz.engines.keras_engine.builder import config_from_model
from cnnviz.engines.keras_engine.spectral_pooling import SpectralPooling2D
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.engines.numpy_engine.fused import ConvMaxPoolBlock
from cnnviz.engines.numpy_engine.layers import (
    Conv2DLayer,
    DenseLayer,
    FlattenLayer,
    SpectralPooling2DLayer,
)
from cnnviz.engines.numpy_engine.spectral import (
    signed_frequencies,
    spectral_pool,
    spectral_pool_backward,
)
from cnnviz.engines.registry import load_engine

from .numpy_engine.helpers import assert_gradient
from .twins import inputs, relative_difference, twin_engines

# (h, w, oh, ow): odd and even sizes in and out, non-square, identity, down to one pixel.
SIZES = [(6, 6, 3, 3), (6, 6, 4, 4), (7, 5, 4, 3), (8, 9, 5, 6), (9, 8, 8, 7), (5, 4, 5, 4),
         (6, 7, 1, 2), (4, 4, 2, 2), (7, 7, 6, 5), (10, 6, 3, 6)]
SIZE_IDS = [f"{h}x{w}-to-{oh}x{ow}" for h, w, oh, ow in SIZES]
TOLERANCE = 1e-4


def definition(images: np.ndarray, output_size: tuple[int, int]) -> np.ndarray:
    """The map as the documentation states it, in float64: centred crop of the shifted spectrum."""
    _, height, width, _ = images.shape
    output_height, output_width = output_size
    shifted = np.fft.fftshift(np.fft.fft2(images.astype(np.float64), axes=(1, 2)), axes=(1, 2))
    top, left = height // 2 - output_height // 2, width // 2 - output_width // 2
    cropped = shifted[:, top:top + output_height, left:left + output_width]
    pooled = np.fft.ifft2(np.fft.ifftshift(cropped, axes=(1, 2)), axes=(1, 2)).real
    return pooled * (output_height * output_width / (height * width))


def explicit_matrix(height: int, width: int, output_size: tuple[int, int]) -> np.ndarray:
    """``A`` of shape (oh * ow, h * w): column k is the pooled k-th basis image."""
    basis = np.eye(height * width).reshape(height * width, height, width, 1)
    return definition(basis, output_size).reshape(height * width, -1).T


# -- the definition --------------------------------------------------------------------------------

def test_signed_frequencies_follow_numpy_order():
    assert signed_frequencies(5).tolist() == [0, 1, 2, -2, -1]
    assert signed_frequencies(4).tolist() == [0, 1, -2, -1]  # even: the negative Nyquist
    assert signed_frequencies(1).tolist() == [0]


@pytest.mark.parametrize("h, w, oh, ow", SIZES, ids=SIZE_IDS)
def test_forward_is_the_documented_definition(h, w, oh, ow):
    images = np.random.default_rng(0).standard_normal((3, h, w, 4))
    pooled = spectral_pool(images, (oh, ow))
    assert pooled.shape == (3, oh, ow, 4) and pooled.dtype == np.float64
    np.testing.assert_allclose(pooled, definition(images, (oh, ow)), rtol=0, atol=1e-13)


@pytest.mark.parametrize("h, w, oh, ow", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("value", [1.0, -3.25])
def test_a_constant_map_stays_the_same_constant(h, w, oh, ow, value):
    for dtype in (np.float64, np.float32):
        images = np.full((2, h, w, 3), value, dtype)
        pooled = spectral_pool(images, (oh, ow))
        assert pooled.dtype == dtype
        np.testing.assert_allclose(pooled, value, rtol=1e-6 if dtype == np.float32 else 1e-13)


def test_the_full_size_is_the_identity():
    images = np.random.default_rng(1).standard_normal((2, 7, 6, 3))
    np.testing.assert_allclose(spectral_pool(images, (7, 6)), images, atol=1e-13)
    np.testing.assert_allclose(spectral_pool_backward(images, (7, 6)), images, atol=1e-13)


def cosine_maps(shape: tuple[int, int], terms, positions_y, positions_x) -> np.ndarray:
    """Sum of ``amplitude * cos(2 pi (ky * t / h + kx * s / w) + phase)`` sampled at the given
    (fractional) row positions ``t`` and column positions ``s`` of an ``h x w`` grid."""
    height, width = shape
    t, s = np.meshgrid(positions_y, positions_x, indexing="ij")
    return sum(amplitude * np.cos(2 * np.pi * (ky * t / height + kx * s / width) + phase)
               for amplitude, ky, kx, phase in terms)


@pytest.mark.parametrize("h, w, oh, ow", [(16, 16, 8, 8), (15, 12, 7, 9), (26, 26, 13, 13), (12, 10, 9, 10)])
def test_a_band_limited_map_is_resampled_exactly(h, w, oh, ow):
    """Every frequency strictly inside the kept band (|ky| < oh / 2, |kx| < ow / 2): the pooled map
    is the same trigonometric polynomial sampled on the coarser grid, at rows j * h / oh and
    columns i * w / ow (trigonometric interpolation, exact)."""
    rng = np.random.default_rng(2)
    terms = [(rng.uniform(0.5, 2), ky, kx, rng.uniform(0, 2 * np.pi))
             for ky in range(-((oh - 1) // 2), (oh - 1) // 2 + 1)
             for kx in range(0, (ow - 1) // 2 + 1) if rng.random() < 0.4 or (ky, kx) == (0, 0)]
    image = cosine_maps((h, w), terms, np.arange(h), np.arange(w))
    expected = cosine_maps((h, w), terms, np.arange(oh) * h / oh, np.arange(ow) * w / ow)
    pooled = spectral_pool(image[None, :, :, None], (oh, ow))[0, :, :, 0]
    np.testing.assert_allclose(pooled, expected, atol=1e-12)


@pytest.mark.parametrize("h, w, oh, ow", [(16, 16, 8, 8), (15, 12, 7, 9), (26, 26, 13, 13)])
def test_frequencies_outside_the_band_are_removed(h, w, oh, ow):
    """A map made only of frequencies above the kept band pools to zero; added to a band-limited
    map it changes nothing."""
    rng = np.random.default_rng(3)
    high = [(1.0, ky, kx, rng.uniform(0, 2 * np.pi))
            for ky, kx in [(oh // 2 + 1, 0), (0, ow // 2 + 1), (oh // 2 + 1, -(ow // 2) - 1), (h // 2, w // 2)]]
    noise = cosine_maps((h, w), high, np.arange(h), np.arange(w))[None, :, :, None]
    np.testing.assert_allclose(spectral_pool(noise, (oh, ow)), 0.0, atol=1e-12)
    low = cosine_maps((h, w), [(1.0, 1, 1, 0.3), (0.5, 0, 0, 0.0)], np.arange(h), np.arange(w))[None, :, :, None]
    np.testing.assert_allclose(spectral_pool(low + noise, (oh, ow)), spectral_pool(low, (oh, ow)), atol=1e-12)


def test_the_nyquist_frequency_of_an_even_output_is_halved():
    """For an even output size the frequencies +-oh/2 fold onto one bin; the real part treats the
    two halves symmetrically, so a cosine at exactly that frequency comes out with half its
    sampled amplitude: y[j] = cos(phase) * (-1)^j / 2."""
    h, oh, phase = 12, 6, 0.7
    image = cosine_maps((h, 1), [(1.0, oh // 2, 0, phase)], np.arange(h), [0])
    pooled = spectral_pool(image[None, :, :, None], (oh, 1))[0, :, 0, 0]
    np.testing.assert_allclose(pooled, 0.5 * np.cos(phase) * (-1.0) ** np.arange(oh), atol=1e-12)


# -- the backward pass -----------------------------------------------------------------------------

@pytest.mark.parametrize("h, w, oh, ow", SIZES, ids=SIZE_IDS)
def test_forward_and_backward_are_the_explicit_matrix_and_its_transpose(h, w, oh, ow):
    matrix = explicit_matrix(h, w, (oh, ow))
    rng = np.random.default_rng(4)
    images = rng.standard_normal((2, h, w, 3))
    gradient = rng.standard_normal((2, oh, ow, 3))
    flat_images = images.transpose(0, 3, 1, 2).reshape(6, h * w)
    flat_gradient = gradient.transpose(0, 3, 1, 2).reshape(6, oh * ow)
    pooled = spectral_pool(images, (oh, ow)).transpose(0, 3, 1, 2).reshape(6, -1)
    backward = spectral_pool_backward(gradient, (h, w)).transpose(0, 3, 1, 2).reshape(6, -1)
    np.testing.assert_allclose(pooled, flat_images @ matrix.T, atol=1e-12)
    np.testing.assert_allclose(backward, flat_gradient @ matrix, atol=1e-12)


@pytest.mark.parametrize("h, w, oh, ow", SIZES, ids=SIZE_IDS)
def test_input_gradient_matches_finite_differences(h, w, oh, ow):
    rng = np.random.default_rng(5)
    layer = SpectralPooling2DLayer("spectral_pooling2d", cfg.SpectralPooling2D((oh, ow)))
    images = rng.standard_normal((2, h, w, 3))
    weights = rng.standard_normal((2, oh, ow, 3))

    def loss() -> float:
        return float(np.sum(layer.forward(images) * weights))

    layer.forward(images)
    gradient = layer.backward(weights.copy())
    assert gradient.dtype == np.float64 and gradient.shape == images.shape
    assert layer.params == {} and layer.gradients == {}
    assert_gradient(gradient, loss, images, what=f"spectral pooling {h}x{w} -> {oh}x{ow}")


def test_float32_agrees_with_float64():
    rng = np.random.default_rng(6)
    images = rng.standard_normal((4, 26, 26, 5)).astype(np.float32)
    gradient = rng.standard_normal((4, 13, 14, 5)).astype(np.float32)
    pooled, backward = spectral_pool(images, (13, 14)), spectral_pool_backward(gradient, (26, 26))
    assert pooled.dtype == backward.dtype == np.float32
    assert pooled.flags.c_contiguous and backward.flags.c_contiguous
    assert relative_difference(pooled, spectral_pool(images.astype(np.float64), (13, 14))) < 1e-6
    assert relative_difference(backward, spectral_pool_backward(gradient.astype(np.float64), (26, 26))) < 1e-6


def test_sizes_are_checked():
    with pytest.raises(ValueError, match=r"between 1x1 and its input size 6x6, received 7x3"):
        spectral_pool(np.zeros((1, 6, 6, 1)), (7, 3))
    with pytest.raises(ValueError, match="received 0x3"):
        spectral_pool_backward(np.zeros((1, 0, 3, 1)), (6, 6))


# -- the Keras layer ------------------------------------------------------------------------------

@pytest.mark.parametrize("h, w, oh, ow", SIZES, ids=SIZE_IDS)
def test_keras_layer_forward_and_autodiff_match_numpy(h, w, oh, ow):
    import tensorflow as tf

    rng = np.random.default_rng(7)
    images = rng.standard_normal((2, h, w, 3)).astype(np.float32)
    weights = rng.standard_normal((2, oh, ow, 3)).astype(np.float32)
    layer = SpectralPooling2D((oh, ow))
    tensor = tf.constant(images)
    with tf.GradientTape() as tape:
        tape.watch(tensor)
        pooled = layer(tensor)
        target = tf.reduce_sum(pooled * weights)
    gradient = tape.gradient(target, tensor).numpy()
    assert pooled.shape == (2, oh, ow, 3) and pooled.dtype == tf.float32
    assert relative_difference(pooled.numpy(), spectral_pool(images, (oh, ow))) <= 1e-5
    assert relative_difference(gradient, spectral_pool_backward(weights, (h, w))) <= 1e-5


def test_keras_layer_refuses_an_output_larger_than_its_input():
    with pytest.raises(ValueError, match=r"output_size \[9, 4\] is larger than its 8x8 input"):
        keras.Sequential([keras.Input(shape=(8, 8, 2)), SpectralPooling2D((9, 4))])
    with pytest.raises(ValueError, match="two positive integers"):
        SpectralPooling2D((0, 4))


# -- the engines ----------------------------------------------------------------------------------

def two_stage_config() -> cfg.ModelConfig:
    return cfg.ModelConfig(layers=(
        cfg.Conv2D(filters=8, kernel_size=(3, 3), padding="same", activation="relu"),
        cfg.SpectralPooling2D((14, 14)),
        cfg.Conv2D(filters=12, kernel_size=(3, 3), activation="tanh"),
        cfg.SpectralPooling2D((7, 5)),
        cfg.Flatten(),
        cfg.Dense(units=10, activation="softmax"),
    ))


def reference_with_spectral_pooling() -> cfg.ModelConfig:
    reference = cfg.reference_config()
    return reference.with_layers([cfg.SpectralPooling2D((13, 13)) if isinstance(layer, cfg.MaxPooling2D)
                                  else layer for layer in reference.layers])


def fused_and_spectral_config() -> cfg.ModelConfig:
    return cfg.ModelConfig(layers=(
        cfg.Conv2D(filters=6, kernel_size=(3, 3), activation="relu"),
        cfg.MaxPooling2D((2, 2)),
        cfg.Conv2D(filters=8, kernel_size=(3, 3), activation="relu"),
        cfg.SpectralPooling2D((6, 5)),
        cfg.Flatten(),
        cfg.Dense(units=10, activation="softmax"),
    ))


CONFIGS = {"two-stage": two_stage_config(), "reference-spectral": reference_with_spectral_pooling(),
           "fused-and-spectral": fused_and_spectral_config()}


def test_layer_names_follow_keras():
    assert two_stage_config().layer_names() == [
        "conv2d", "spectral_pooling2d", "conv2d_1", "spectral_pooling2d_1", "flatten", "dense"]
    numpy_engine, keras_engine = twin_engines(two_stage_config())
    assert numpy_engine.layer_names() == keras_engine.layer_names() == two_stage_config().layer_names()


@pytest.mark.parametrize("name", CONFIGS)
def test_engines_agree_on_predictions_and_feature_maps(name):
    config = CONFIGS[name]
    numpy_engine, keras_engine = twin_engines(config)
    batch, _ = inputs()
    assert relative_difference(numpy_engine.predict(batch), keras_engine.predict(batch)) <= TOLERANCE
    numpy_maps, keras_maps = numpy_engine.feature_maps(batch), keras_engine.feature_maps(batch)
    rows = summarize(config).rows
    assert list(numpy_maps) == list(keras_maps) == [row.name for row in rows]
    for row in rows:
        assert numpy_maps[row.name].shape == keras_maps[row.name].shape == (5, *row.output_shape[1:])
        assert numpy_maps[row.name].dtype == np.float32
        assert relative_difference(numpy_maps[row.name], keras_maps[row.name]) <= TOLERANCE, row.name


@pytest.mark.parametrize("name", CONFIGS)
@pytest.mark.parametrize("class_index", [None, 3])
def test_engines_agree_on_gradients(name, class_index):
    numpy_engine, keras_engine = twin_engines(CONFIGS[name])
    batch, labels = inputs()
    labels = None if class_index is not None else labels
    ours = numpy_engine.gradients(batch, labels=labels, class_index=class_index)
    theirs = keras_engine.gradients(batch, labels=labels, class_index=class_index)
    assert ours.value == pytest.approx(theirs.value, rel=TOLERANCE)
    assert np.abs(ours.input).max() > 0
    assert relative_difference(ours.input, theirs.input) <= TOLERANCE
    for layer in ours.layers:
        assert relative_difference(ours.layers[layer], theirs.layers[layer]) <= TOLERANCE, layer
    assert set(ours.parameters) == set(theirs.parameters)
    for layer, params in ours.parameters.items():
        for param, value in params.items():
            assert relative_difference(value, theirs.parameters[layer][param]) <= TOLERANCE, (layer, param)


@pytest.mark.parametrize("name", CONFIGS)
def test_engines_agree_on_training_steps(name):
    config = CONFIGS[name].with_training(optimizer="sgd", learning_rate=0.05)
    config = config.with_layers([cfg.Dropout(rate=0.0) if isinstance(layer, cfg.Dropout) else layer
                                 for layer in config.layers])
    numpy_engine, keras_engine = twin_engines(config)
    batch, labels = inputs(32)
    for _ in range(2):
        numpy_loss, _ = numpy_engine.train_step(batch, labels)
        keras_loss, _ = keras_engine.train_step(batch, labels)
        assert numpy_loss == pytest.approx(keras_loss, rel=TOLERANCE)
    ours, theirs = numpy_engine.get_weights(), keras_engine.get_weights()
    for layer, params in ours.items():
        for param, value in params.items():
            assert relative_difference(value, theirs[layer][param]) <= TOLERANCE, (layer, param)


def test_spectral_pooling_is_not_fused_and_keeps_the_fused_block():
    engine = NumpyEngine(fused_and_spectral_config())
    plan = engine.network.training_plans[0]
    assert [type(step) for step in plan] == [
        ConvMaxPoolBlock, Conv2DLayer, SpectralPooling2DLayer, FlattenLayer, DenseLayer]


def test_summary_matches_keras():
    config = two_stage_config()
    built = [keras.Input(shape=config.input_shape)]
    for spec, name in zip(config.layers, config.layer_names()):
        if isinstance(spec, cfg.Conv2D):
            built.append(keras.layers.Conv2D(spec.filters, spec.kernel_size, padding=spec.padding,
                                             activation=spec.activation, name=name))
        elif isinstance(spec, cfg.SpectralPooling2D):
            built.append(SpectralPooling2D(spec.output_size, name=name))
        elif isinstance(spec, cfg.Flatten):
            built.append(keras.layers.Flatten(name=name))
        else:
            built.append(keras.layers.Dense(spec.units, activation=spec.activation, name=name))
    model = keras.Sequential(built)
    summary = summarize(config)
    assert [layer.name for layer in model.layers] == [row.name for row in summary.rows]
    assert [tuple(layer.output.shape) for layer in model.layers] == [row.output_shape for row in summary.rows]
    assert [layer.count_params() for layer in model.layers] == [row.num_parameters for row in summary.rows]
    assert model.count_params() == summary.total_parameters
    assert [row.output_shape for row in summary.rows][1:4:2] == [(None, 14, 14, 8), (None, 7, 5, 12)]


# -- files ----------------------------------------------------------------------------------------

def test_keras_file_round_trip_in_safe_mode(tmp_path):
    engine = KerasEngine(two_stage_config())
    engine.set_weights(NumpyEngine(two_stage_config(), seed=9).get_weights())
    path = engine.save(tmp_path / "spectral")
    with zipfile.ZipFile(path) as archive:
        stored = json.loads(archive.read("config.json"))
    layers = stored["config"]["layers"]
    assert [layer.get("registered_name") for layer in layers if "Spectral" in layer["class_name"]] == [
        "cnnviz>SpectralPooling2D"] * 2
    model = keras.models.load_model(path, safe_mode=True, compile=False)
    assert [type(layer) for layer in model.layers].count(SpectralPooling2D) == 2
    assert config_from_model(model).layers == two_stage_config().layers

    loaded = load_engine(path)
    assert isinstance(loaded, KerasEngine)
    assert loaded.config is not None and loaded.config.layers == two_stage_config().layers
    batch, _ = inputs(3)
    np.testing.assert_allclose(loaded.predict(batch), engine.predict(batch), rtol=1e-6, atol=1e-7)
    loaded.train_step(batch, np.array([1, 2, 3]))  # rebuilt from its configuration: trainable
    assert not list(tmp_path.glob("*.tmp*"))


def test_numpy_file_round_trip(tmp_path):
    engine = NumpyEngine(two_stage_config(), seed=4)
    loaded = load_engine(engine.save(tmp_path / "spectral"))
    assert loaded.config == engine.config
    batch, _ = inputs(3)
    np.testing.assert_array_equal(loaded.predict(batch), engine.predict(batch))
