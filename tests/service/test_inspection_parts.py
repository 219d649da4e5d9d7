"""An inspection computes the parts its request names; the worker's cache reads the model's arrays
once per version and completes an earlier inspection of the same input with the parts it lacked."""

import numpy as np
import pytest

from cnnviz.core import config as cfg
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.service import payloads as p
from cnnviz.service.inspection import InspectionCache, run_inspection
from cnnviz.service.model_service import ModelService

TIMEOUT = 10_000

# Not 28x28x1: a colour input of another height than width.
CONFIG = cfg.ModelConfig(input_shape=(12, 10, 3), layers=(
    cfg.Conv2D(filters=4, kernel_size=(3, 3), padding="same", activation="relu"),
    cfg.MaxPooling2D(pool_size=(2, 2)),
    cfg.Conv2D(filters=5, kernel_size=(3, 3), activation="tanh"),
    cfg.Flatten(),
    cfg.Dense(units=10, activation="softmax")))


class Counting:
    """An engine that counts its calls."""

    def __init__(self, engine):
        self._engine = engine
        self.calls: dict[str, int] = {}

    def __getattr__(self, name):
        attribute = getattr(self._engine, name)
        if not callable(attribute):
            return attribute

        def counted(*args, **kwargs):
            self.calls[name] = self.calls.get(name, 0) + 1
            return attribute(*args, **kwargs)
        return counted


def image(seed=0):
    return np.random.default_rng(seed).random((1, 12, 10, 3)).astype(np.float32)


def assert_same(result, full):
    """``result`` holds every part ``full`` holds, with the same values."""
    np.testing.assert_array_equal(result.probabilities, full.probabilities)
    assert list(result.feature_maps) == list(full.feature_maps)
    for name in full.feature_maps:
        np.testing.assert_array_equal(result.feature_maps[name], full.feature_maps[name])
    for name in full.kernels:
        np.testing.assert_array_equal(result.kernels[name], full.kernels[name])
    assert result.gradients.target == full.gradients.target
    np.testing.assert_array_equal(result.gradients.input, full.gradients.input)
    for name in full.gradients.layers:
        np.testing.assert_array_equal(result.gradients.layers[name], full.gradients.layers[name])
    for name in full.spectra.feature_maps:
        np.testing.assert_array_equal(result.spectra.feature_maps[name].spectra,
                                      full.spectra.feature_maps[name].spectra)
    assert set(result.flip_checks.results) == set(full.flip_checks.results)
    for name, check in full.flip_checks.results.items():
        np.testing.assert_array_equal(result.flip_checks.result(name).comparison.computed_gradient,
                                      check.comparison.computed_gradient)


def test_an_inspection_without_optional_parts_has_the_full_ones_maps_and_prediction():
    engine = NumpyEngine(CONFIG, seed=0)
    full = run_inspection(engine, image())
    lean = run_inspection(engine, image(), parts=())
    assert full.parts == p.ALL_PARTS and lean.parts == frozenset()
    assert lean.gradients is None and lean.spectra is None and lean.flip_checks is None
    np.testing.assert_array_equal(lean.probabilities, full.probabilities)
    for name in full.feature_maps:
        np.testing.assert_array_equal(lean.feature_maps[name], full.feature_maps[name])
    assert set(lean.kernels) == {"conv2d", "conv2d_1"} and lean.weights is not None


def test_each_part_alone_and_the_flip_check_brings_the_gradients():
    engine = Counting(NumpyEngine(CONFIG, seed=0))
    assert run_inspection(engine, image(), parts=[p.SPECTRA]).parts == {p.SPECTRA}
    assert engine.calls.get("gradients", 0) == 0
    flipped = run_inspection(engine, image(), parts=[p.FLIP_CHECKS])
    assert flipped.parts == {p.FLIP_CHECKS, p.GRADIENTS} and flipped.spectra is None
    assert flipped.flip_checks.result("conv2d").agrees


def test_an_unknown_part_is_a_clear_error():
    with pytest.raises(ValueError, match=r"Unknown inspection part.*'saliency'.*the parts are"):
        run_inspection(NumpyEngine(CONFIG, seed=0), image(), parts=["saliency"])


def test_a_cached_inspection_is_completed_with_only_the_missing_parts_and_equals_a_full_one():
    engine = Counting(NumpyEngine(CONFIG, seed=0))
    cache = InspectionCache()
    lean = run_inspection(engine, image(), request_id=1, model_version=3, parts=(), cache=cache)
    with_gradients = run_inspection(engine, image(), request_id=2, model_version=3, parts=[p.GRADIENTS], cache=cache)
    complete = run_inspection(engine, image(), request_id=3, model_version=3, cache=cache)
    assert (lean.parts, with_gradients.parts, complete.parts) == (frozenset(), {p.GRADIENTS}, p.ALL_PARTS)
    assert complete.request_id == 3 and complete.model_version == 3
    assert engine.calls["feature_maps"] == 1 and engine.calls["gradients"] == 1
    assert complete.feature_maps is lean.feature_maps and complete.gradients is with_gradients.gradients
    assert_same(complete, run_inspection(NumpyEngine(CONFIG, seed=0), image()))


def test_the_cache_reads_the_models_arrays_once_per_version_and_forgets_another_input():
    engine = Counting(NumpyEngine(CONFIG, seed=0))
    cache = InspectionCache()
    first = run_inspection(engine, image(0), model_version=1, parts=(), cache=cache)
    second = run_inspection(engine, image(1), model_version=1, cache=cache)
    assert engine.calls["kernels"] == engine.calls["get_weights"] == 1
    assert engine.calls["feature_maps"] == 2, "another input is inspected afresh"
    assert second.kernels is first.kernels
    assert_same(second, run_inspection(NumpyEngine(CONFIG, seed=0), image(1)))
    engine.set_weights({name: {key: value * 2 for key, value in params.items()}
                        for name, params in engine.get_weights().items()})
    third = run_inspection(engine, image(1), model_version=2, parts=(), cache=cache)
    assert engine.calls["kernels"] == 2 and engine.calls["feature_maps"] == 3
    np.testing.assert_array_equal(third.kernels["conv2d"], 2 * first.kernels["conv2d"])
    cache.clear()
    run_inspection(engine, image(1), model_version=2, parts=(), cache=cache)
    assert engine.calls["kernels"] == 3


def test_another_gradient_target_for_the_same_input_recomputes_the_gradients_only():
    engine = Counting(NumpyEngine(CONFIG, seed=0))
    cache = InspectionCache()
    run_inspection(engine, image(), cache=cache)
    retargeted = run_inspection(engine, image(), class_index=2, parts=[p.GRADIENTS], cache=cache)
    assert retargeted.gradients.target == "class:2" and retargeted.target == (None, 2)
    assert retargeted.parts == {p.GRADIENTS, p.SPECTRA}, "the spectra do not depend on the target"
    assert engine.calls["feature_maps"] == 1 and engine.calls["gradients"] == 2
    assert_same(run_inspection(engine, image(), class_index=2, cache=cache),
                run_inspection(NumpyEngine(CONFIG, seed=0), image(), class_index=2))


def test_the_service_answers_with_the_parts_asked_for(qtbot):
    service = ModelService(run_root=False)
    try:
        with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT):
            service.build(CONFIG)
        with qtbot.waitSignal(service.sig_inspection_finished, timeout=TIMEOUT) as lean:
            service.inspect(image(), parts=())
        with qtbot.waitSignal(service.sig_inspection_finished, timeout=TIMEOUT) as full:
            request = service.inspect(image())
        with pytest.raises(ValueError, match="Unknown inspection part"):
            service.inspect(image(), parts=["everything"])
    finally:
        assert service.shutdown(timeout=5)
    assert lean.args[0].parts == frozenset() and lean.args[0].gradients is None
    assert full.args[0].request_id == request and full.args[0].parts == p.ALL_PARTS
    assert full.args[0].feature_maps is lean.args[0].feature_maps, "the worker completed its earlier inspection"
