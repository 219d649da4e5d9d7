"""One inspection: what the engine gives, and what the worker derives from it for the views (spectra,
the flipped-kernel check of every convolution)."""

import numpy as np

from cnnviz.core import config as cfg
from cnnviz.core.layer_spectra import kernel_spectra
from cnnviz.core.spectra import magnitude_spectrum
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.service.inspection import run_inspection

# Built models take their dataset's 28x28x1 images; the spectra of other shapes are tested in
# tests/core/test_layer_spectra.py and the views' in tests/ui/viewers/test_spectra.py.
CONFIG = cfg.ModelConfig(input_shape=(28, 28, 1), layers=(
    cfg.Conv2D(filters=4, kernel_size=(3, 3), padding="same", activation="tanh"),
    cfg.MaxPooling2D(pool_size=(2, 2)),
    cfg.Dropout(rate=0.3),
    cfg.Conv2D(filters=5, kernel_size=(3, 3), strides=(2, 2), activation="relu"),
    cfg.Flatten(),
    cfg.Dense(units=10, activation="softmax")))


def image():
    return np.random.default_rng(0).random((1, 28, 28, 1)).astype(np.float32)


def test_an_inspection_carries_the_spectra_the_viewer_shows():
    result = run_inspection(NumpyEngine(CONFIG, seed=0), image())
    spectra = result.spectra
    assert list(spectra.feature_maps) == ["conv2d", "max_pooling2d", "dropout", "conv2d_1"]
    for name, stack in spectra.feature_maps.items():
        np.testing.assert_array_equal(stack.spectra, np.moveaxis(magnitude_spectrum(result.feature_maps[name][0]),
                                                                 -1, 0))
    assert spectra.feature_maps["conv2d_1"].spectra.shape == (5, 6, 6)
    assert list(spectra.kernels) == ["conv2d", "conv2d_1"]
    np.testing.assert_array_equal(spectra.kernel_spectra("conv2d_1", 3, 16).spectra,
                                  kernel_spectra(result.kernels["conv2d_1"], 3, 16).spectra)


def test_an_inspection_carries_the_flip_check_of_every_convolution():
    result = run_inspection(NumpyEngine(CONFIG, seed=0), image(), class_index=2)
    checks = result.flip_checks
    assert set(checks.results) == {"conv2d", "conv2d_1"}
    first, second = checks.result("conv2d"), checks.result("conv2d_1")
    assert first.agrees and second.agrees and first.target == second.target == "class:2"
    assert second.input_name == "the output of dropout" and second.strides == (2, 2)
    np.testing.assert_array_equal(second.comparison.engine_gradient, result.gradients.layers["dropout"])
    np.testing.assert_array_equal(first.comparison.engine_gradient, result.gradients.input)


class Foreign:
    """A model made elsewhere: the engine's arrays, but no cnnviz configuration."""

    config = None

    def __init__(self, engine):
        self._engine = engine

    def __getattr__(self, name):
        return getattr(self._engine, name)


def test_a_model_without_a_configuration_gets_spectra_but_no_flip_check():
    result = run_inspection(Foreign(NumpyEngine(CONFIG, seed=0)), image())
    assert result.flip_checks is None
    assert list(result.spectra.kernels) == ["conv2d", "conv2d_1"]


def test_an_inspection_carries_what_the_unit_explainer_needs():
    from cnnviz.science.unit_arithmetic import explain_unit

    engine = NumpyEngine(CONFIG, seed=0)
    result = run_inspection(engine, image())
    assert result.config == CONFIG
    assert set(result.weights) == set(engine.get_weights())
    assert not result.weights["conv2d"]["bias"].flags.writeable
    explained = explain_unit(result.config, result.weights, result.image, result.feature_maps, "conv2d_1", (2, 3, 4))
    assert np.isclose(explained.value, result.feature_maps["conv2d_1"][0, 2, 3, 4], rtol=1e-4, atol=1e-6)
