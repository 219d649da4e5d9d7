"""Dead filters (report §5.2): near-zero kernels, never-active filters, and pruning them."""

import numpy as np
import pytest

from cnnviz.core import config as cfg
from cnnviz.core.pruning import DeadFilterReport, dead_filters, max_abs_activation, prune_and_evaluate, prune_filters
from cnnviz.engines.numpy_engine import NumpyEngine

DEAD = (2, 5)


def conv_engine(activation: str = "relu", seed: int = 0) -> NumpyEngine:
    """A small reference-style CNN (8 filters) with filters 2 and 5 killed: zero kernel, negative bias."""
    config = cfg.ModelConfig(input_shape=(28, 28, 1), layers=(
        cfg.Conv2D(filters=8, kernel_size=(3, 3), activation=activation),
        cfg.MaxPooling2D(pool_size=(2, 2)),
        cfg.Dropout(rate=0.2),
        cfg.Flatten(),
        cfg.Dense(units=10, activation="softmax"),
    ))
    engine = NumpyEngine(config, seed=seed)
    rng = np.random.default_rng(seed)
    weights = engine.get_weights()
    weights["conv2d"]["kernel"] = rng.normal(0.2, 0.3, weights["conv2d"]["kernel"].shape).astype(np.float32)
    weights["conv2d"]["bias"] = np.full(8, 0.05, np.float32)
    weights["dense"]["kernel"] = rng.normal(0, 0.05, weights["dense"]["kernel"].shape).astype(np.float32)
    for index in DEAD:
        weights["conv2d"]["kernel"][..., index] = 0
        weights["conv2d"]["bias"][index] = -0.5
    engine.set_weights(weights)
    return engine


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.random((96, 28, 28, 1)).astype(np.float32), rng.integers(0, 10, 96)


def test_killed_filters_are_reported_near_zero_and_never_active(data):
    engine = conv_engine()
    images, _ = data
    report = dead_filters(engine.kernels()["conv2d"], engine.feature_maps(images)["conv2d"])
    assert isinstance(report, DeadFilterReport)
    assert report.near_zero_kernels == DEAD
    assert report.never_active == DEAD
    assert report.dead == DEAD and report.num_filters == 8
    assert report.kernel_norms.shape == report.max_activation.shape == (8,)
    assert report.max_activation[list(DEAD)].max() == 0
    assert np.delete(report.max_activation, DEAD).min() > 0.1


def test_near_zero_is_relative_to_the_layer_and_never_active_is_absolute():
    rng = np.random.default_rng(1)
    kernels = rng.normal(size=(3, 3, 2, 4))
    kernels[..., 1] *= 1e-4
    for scale in (1e-6, 1.0, 1e6):
        assert dead_filters(kernels * scale).near_zero_kernels == (1,)
    assert dead_filters(kernels, kernel_tolerance=1e-5).near_zero_kernels == ()
    assert dead_filters(np.zeros((3, 3, 1, 3))).near_zero_kernels == (0, 1, 2)
    maps = np.abs(rng.normal(size=(5, 4, 4, 4)))
    maps[..., 3] = 1e-7
    maps[..., 0] = -maps[..., 0]  # a filter with only negative outputs (tanh) is active
    report = dead_filters(kernels, maps)
    assert report.never_active == (3,)
    assert dead_filters(kernels, maps, activity_tolerance=1e-8).never_active == ()
    np.testing.assert_allclose(report.max_activation, max_abs_activation(maps))


def test_without_feature_maps_there_is_no_activity_report():
    report = dead_filters(np.ones((2, 3)))
    assert report.never_active == () and report.max_activation is None
    # Activity gathered over batches: a unit counts as active if it was active in any batch.
    first, second = np.zeros((4, 3)), np.zeros((2, 3))
    second[1, 1] = -2.0
    gathered = np.maximum(max_abs_activation(first), max_abs_activation(second))
    report = dead_filters(np.ones((2, 3)), max_activation=gathered)
    assert report.never_active == (0, 2)
    np.testing.assert_array_equal(report.max_activation, [0, 2, 0])


@pytest.mark.parametrize("call, match", [
    (lambda: dead_filters(np.ones((3, 3, 1))), "kernels must have shape"),
    (lambda: dead_filters(np.ones((3, 3, 1, 4)), np.ones((2, 5, 5, 3))), "4 filters"),
    (lambda: dead_filters(np.ones((3, 3, 1, 4)), kernel_tolerance=-1), "kernel_tolerance"),
    (lambda: dead_filters(np.ones((3, 3, 1, 4)), activity_tolerance=float("nan")), "activity_tolerance"),
    (lambda: dead_filters(np.ones((2, 4)), np.ones((3, 4)), max_activation=np.ones(4)), "not both"),
    (lambda: max_abs_activation(np.ones(4)), "feature_maps"),
])
def test_bad_input_is_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_pruning_changes_exactly_the_chosen_filters():
    engine = conv_engine()
    weights = engine.get_weights()
    pruned = prune_filters(weights, "conv2d", [1, 6], engine.layer_names())
    kernel, bias = pruned["conv2d"]["kernel"], pruned["conv2d"]["bias"]
    assert not kernel[..., [1, 6]].any() and not bias[[1, 6]].any()
    changed = kernel != weights["conv2d"]["kernel"]
    assert set(np.flatnonzero(changed.any(axis=(0, 1, 2)))) == {1, 6}
    assert set(np.flatnonzero(bias != weights["conv2d"]["bias"])) == {1, 6}
    for name in ("kernel", "bias"):  # the next layer's incoming weights are kept
        np.testing.assert_array_equal(pruned["dense"][name], weights["dense"][name])
    assert weights["conv2d"]["kernel"][..., 1].any()  # the input is not changed
    with pytest.raises(ValueError, match="0 to 7"):
        prune_filters(weights, "conv2d", [8])
    with pytest.raises(ValueError, match="no kernel and bias"):
        prune_filters(weights, "flatten", [0])
    with pytest.raises(ValueError, match="no layer"):
        prune_filters(weights, "conv", [0], engine.layer_names())


def test_pruning_dead_filters_keeps_accuracy_exactly(data):
    engine = conv_engine()
    images, labels = data
    original = engine.get_weights()
    before_probabilities = engine.predict(images)
    before, after, pruned = prune_and_evaluate(engine, "conv2d", DEAD, images, labels)
    assert before == after == engine.evaluate(images, labels)[1]
    # Restored afterwards; the pruned weights give exactly the same predictions.
    np.testing.assert_array_equal(engine.get_weights()["conv2d"]["bias"], original["conv2d"]["bias"])
    engine.set_weights(pruned)
    np.testing.assert_array_equal(engine.predict(images), before_probabilities)
    np.testing.assert_array_equal(engine.get_weights()["conv2d"]["bias"][list(DEAD)], [0, 0])


def test_pruning_live_filters_changes_predictions_and_keep_keeps_them(data):
    engine = conv_engine()
    images, labels = data
    before_probabilities = engine.predict(images)
    result = prune_and_evaluate(engine, "conv2d", [0, 1, 3, 4], images, labels, keep=True)
    assert result.accuracy_after == engine.evaluate(images, labels)[1]
    kept = engine.predict(images)
    assert np.abs(kept - before_probabilities).max() > 1e-3
    assert not engine.get_weights()["conv2d"]["kernel"][..., [0, 1, 3, 4]].any()
    np.testing.assert_array_equal(engine.get_weights()["conv2d"]["kernel"],
                                  result.pruned_weights["conv2d"]["kernel"])


def test_a_pruned_sigmoid_filter_outputs_one_half(data):
    engine = conv_engine("sigmoid")
    engine.set_weights(prune_filters(engine.get_weights(), "conv2d", [4]))
    maps = engine.feature_maps(data[0][:3])["conv2d"]
    np.testing.assert_array_equal(maps[..., 4], 0.5)
