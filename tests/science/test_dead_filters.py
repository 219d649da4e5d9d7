"""Dead filters and pruning (report §5.2) on models: small CNNs with killed filters, and the
reference model."""

import numpy as np
import pytest

from cnnviz import science
from cnnviz.core import config as cfg
from cnnviz.core.pruning import DeadFilterReport, dead_filters, prune_filters
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.science.dead_filters import prune_and_evaluate
from cnnviz.science.uncertainty import NOT_DISTINGUISHABLE
from tests.science.helpers import reference_engine, weights_equal

DEAD = (2, 5)


# -- small CNNs with killed filters ------------------------------------------------------------

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


# -- the reference model -----------------------------------------------------------------------

def test_dead_filters_of_the_reference_model(engine, split):
    result = science.run("dead_filters", engine, samples=300)
    assert [entry.layer for entry in result.layers] == ["conv2d"]
    assert result.report("conv2d").dead == () and result.num_images == 300
    dense = science.dead_filters(engine, layer="dense", samples=300)
    peaks = engine.feature_maps(split.images[:300])["dense"].max(axis=0)
    assert dense.report("dense").never_active == tuple(np.flatnonzero(peaks <= 1e-6))
    assert len(dense.dead["dense"]) > 0
    assert not dense.report("dense").kernel_norms.flags.writeable
    assert dense.layers[0].unit_name == "units"
    # Each verdict names its thresholds and the values observed.
    text = result.layers[0].verdict_text(300)
    norms = result.report("conv2d").kernel_norms
    assert text.startswith("conv2d: no dead filters.")
    assert f"{norms.min():.3g}" in text and f"{1e-3 * norms.max():.3g} = 0.001 × the largest" in text
    assert "above 1e-06, on 300 test images" in text
    dense_text = dense.layers[0].verdict_text(300)
    assert f"dense: {len(dense.dead['dense'])} dead units: never active" in dense_text
    assert "≤ 1e-06 on all 300 test images" in dense_text and "at most 0.99% of similar images" in dense_text
    for params, match in (({"layer": "flatten"}, "conv2d or dense"), ({"samples": 0}, "at least 1")):
        with pytest.raises(ValueError, match=match):
            science.run("dead_filters", engine, **params)


def test_killed_filters_are_found():
    engine = reference_engine()
    weights = engine.get_weights()
    weights["conv2d"]["kernel"][..., [3, 11]] = 0
    weights["conv2d"]["bias"][[3, 11]] = -0.25
    engine.set_weights(weights)
    report = science.dead_filters(engine, samples=100).report("conv2d")
    assert report.near_zero_kernels == (3, 11) and report.never_active == (3, 11)


def test_pruning_never_active_dense_units_keeps_the_accuracy():
    engine = reference_engine()
    original = engine.get_weights()
    dead = science.dead_filters(engine, layer="dense", samples=2000).dead["dense"]
    assert len(dead) >= 5
    trial = science.run("prune", engine, layer="dense", filters=list(dead))
    assert trial.accuracy_before == trial.accuracy_after == pytest.approx(0.968)
    assert trial.num_pruned == len(dead) and not trial.kept and trial.num_images == 2000
    assert trial.num_worse == trial.num_better == 0 and trial.outcome == "unchanged"
    assert trial.verdict_text().endswith("no prediction changed.")
    assert weights_equal(original, engine.get_weights())  # restored without keep
    kept = science.run("prune", engine, filters={"dense": list(dead)}, keep=True)
    assert kept.accuracy_after == kept.accuracy_before and kept.kept
    pruned = engine.get_weights()["dense"]
    assert not pruned["kernel"][:, list(dead)].any() and not pruned["bias"][list(dead)].any()
    alive = [unit for unit in range(128) if unit not in dead]
    np.testing.assert_array_equal(pruned["kernel"][:, alive], original["dense"]["kernel"][:, alive])
    assert science.CHANGES_WEIGHTS == {"prune": True}


def test_pruning_live_filters_costs_accuracy_and_errors_are_readable():
    engine = reference_engine()
    result = science.prune(engine, "conv2d", list(range(20)))
    assert result.accuracy_after < result.accuracy_before - 0.05
    assert result.accuracy_before - result.accuracy_after == pytest.approx(
        (result.num_worse - result.num_better) / result.num_images)
    assert result.outcome == "lower" and result.p_value < 1e-6
    assert f"{result.num_worse} predictions turned wrong and {result.num_better} turned right" in result.verdict_text()
    assert "the accuracy is lower (sign test p = " in result.verdict_text()
    few = science.PruneResult((), 0.9, 0.899, False, 1000, "x", num_worse=3, num_better=2)
    assert few.outcome == NOT_DISTINGUISHABLE
    assert "not distinguishable from no change with 1,000 test images" in few.verdict_text()
    for params, match in (({"layer": "flatten", "filters": [0]}, "only conv2d and dense"),
                          ({"layer": "dense", "filters": [200]}, "has 128 filters"),
                          ({"layer": "dense", "filters": {"dense": [1]}}, "either layer"),
                          ({"filters": [1]}, "Name the layer")):
        with pytest.raises(ValueError, match=match):
            science.run("prune", engine, **params)
