"""The science analyses on the bundled reference model, checked against numbers computed here."""

import csv
import dataclasses
import io
import itertools

import numpy as np
import pytest

from cnnviz.core import config as cfg
from cnnviz.core.resources import resource_path
from cnnviz.core.spectra import log_spectrum_similarity, magnitude_spectrum
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.engines.registry import load_engine
from cnnviz.service import science

REFERENCE = resource_path("reference_model.npz")
TIMEOUT = 20_000


def reference_engine():
    return load_engine(REFERENCE)


@pytest.fixture(scope="module")
def engine():
    """A reference engine that no test may change (pruning tests load their own)."""
    return reference_engine()


@pytest.fixture(scope="module")
def split(engine):
    return science.load_test_split(engine)


def first_of_class(split, label, offset=0):
    index = int(np.flatnonzero(split.labels == label)[offset])
    return split.images[index:index + 1]


def weights_equal(first, second):
    return all(np.array_equal(first[layer][name], second[layer][name]) for layer in first for name in first[layer])


# -- the test split -------------------------------------------------------------------------------

def test_test_split_is_the_models_dataset_read_only(split):
    assert split.dataset == "mnist-sample"
    assert split.images.shape == (2000, 28, 28, 1) and split.images.dtype == np.float32
    assert split.class_names == tuple("0123456789")
    assert not split.images.flags.writeable and not split.labels.flags.writeable
    with pytest.raises(ValueError, match="at least 1"):
        science.load_test_split(reference_engine(), 0)


# -- similarity matrix ----------------------------------------------------------------------------

def test_similarity_matrix_is_symmetric_ten_by_ten_and_matches_direct_pairs(engine, split):
    result = science.run("similarity_matrix", engine, layer="conv2d", filter_index=5, samples_per_class=3)
    matrix = result.matrix
    assert matrix.shape == (10, 10) and result.class_names == tuple("0123456789")
    np.testing.assert_array_equal(matrix, matrix.T)
    assert ((matrix > 0) & (matrix <= 1)).all()
    assert not matrix.flags.writeable
    assert result.map_shape == (26, 26) and result.dataset == "mnist-sample"
    # Entry (4, 7): the mean similarity over the 3 x 3 pairs of the first three 4s and 7s.
    maps = {label: [engine.feature_maps(first_of_class(split, label, offset))["conv2d"][0, :, :, 5]
                    for offset in range(3)] for label in (4, 7)}
    direct = np.mean([log_spectrum_similarity(a, b) for a, b in itertools.product(maps[4], maps[7])])
    # The matrix maps images in batches; BLAS may round a batch differently from one image, so the
    # entries agree to float32 precision, not bit for bit.
    assert matrix[4, 7] == pytest.approx(direct, abs=1e-6)
    diagonal = np.mean([log_spectrum_similarity(a, b) for a, b in itertools.permutations(maps[4], 2)])
    assert matrix[4, 4] == pytest.approx(diagonal, abs=1e-6)
    table = list(csv.reader(io.StringIO(result.csv)))
    assert table[0] == ["class", *"0123456789"]
    np.testing.assert_allclose(np.array([row[1:] for row in table[1:]], dtype=float), matrix, atol=1e-6)
    assert result.most_alike[2] >= result.least_alike[2]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.layer = "dense"


def test_similarity_matrix_has_reproducible_intervals_and_the_spread_of_single_pairs(engine):
    result = science.similarity_matrix(engine, "conv2d", 0, samples_per_class=6, num_resamples=300, seed=4)
    statistics = result.statistics
    assert statistics.num_resamples == 300 and statistics.seed == 4
    assert ((statistics.low <= result.matrix) & (result.matrix <= statistics.high)).all()
    assert (statistics.spread > 0).all() and statistics.num_pairs[4, 7] == 36 and statistics.num_pairs[4, 4] == 30
    assert not statistics.replicates.flags.writeable and not statistics.low.flags.writeable
    again = science.similarity_matrix(engine, "conv2d", 0, samples_per_class=6, num_resamples=300, seed=4)
    np.testing.assert_array_equal(again.statistics.low, statistics.low)
    assert result.interval(4, 7).estimate == result.matrix[4, 7]
    assert result.same_class_mean == pytest.approx(np.nanmean(np.diag(result.matrix)))
    assert result.different_class_mean == pytest.approx(result.matrix[~np.eye(10, dtype=bool)].mean())
    assert "300 resamples" in result.uncertainty_text() and "seed 4" in result.uncertainty_text()


def test_claims_are_settled_only_when_the_interval_excludes_zero(engine):
    # Filter 0, 20 images per class: the 4-7 difference is +0.005 with an interval across 0; the 8-1
    # difference is clearly below 0.
    result = science.similarity_matrix(engine, "conv2d", 0, samples_per_class=20)
    four_seven, eight_one = result.claim_verdicts()
    assert (four_seven.first, four_seven.second, four_seven.alike) == ("4", "7", True)
    assert four_seven.outcome == science.NOT_DISTINGUISHABLE and four_seven.difference.contains(0.0)
    assert eight_one.outcome == science.SUPPORTED and eight_one.difference.high < 0
    assert four_seven.pair.estimate == pytest.approx(result.matrix[4, 7])
    assert four_seven.reference.estimate == pytest.approx(result.different_class_mean)
    text = result.verdict_text()
    assert "not distinguishable with 20 samples per class — use more samples" in text
    assert "the report's claim that 8 and 1 do not look alike is supported for this filter" in text
    assert f"{result.matrix[4, 7]:.3f} [{four_seven.pair.low:.3f}, {four_seven.pair.high:.3f}]" in text
    # Filter 5: a 4 and a 7 are less alike than the average pair: the claim is contradicted.
    other = science.similarity_matrix(engine, "conv2d", 5, samples_per_class=20)
    assert other.claim_verdicts()[0].outcome == science.CONTRADICTED
    assert "4 and 7 look alike is contradicted" in other.verdict_text()
    # Two images per class never settle anything, however far apart the means.
    few = science.similarity_matrix(engine, "conv2d", 0, samples_per_class=2)
    assert {verdict.outcome for verdict in few.claim_verdicts()} == {science.NOT_DISTINGUISHABLE}
    assert "a verdict needs at least 5 per class" in few.verdict_text()


def test_classes_without_a_claim_get_the_most_and_least_alike_pairs_with_intervals():
    config = cfg.ModelConfig(input_shape=(28, 28, 1), layers=(
        cfg.Conv2D(filters=4, kernel_size=(3, 3), activation="relu"), cfg.Flatten(),
        cfg.Dense(units=3, activation="softmax")), training=cfg.TrainingConfig(dataset="shapes"))
    engine = NumpyEngine(config, seed=0)
    few = science.similarity_matrix(engine, samples_per_class=3, num_resamples=300)
    assert few.class_names == ("square", "triangle", "circle") and few.claim_verdicts() == []
    high, low = few.most_alike, few.least_alike
    text = few.verdict_text()
    assert text.startswith(f"Most alike: {few.class_names[high[0]]} and {few.class_names[high[1]]}, "
                           f"{few.interval(high[0], high[1]).text()}; least alike: ")
    assert "not distinguishable with 3 samples per class — use more samples" in text
    many = science.similarity_matrix(engine, samples_per_class=30, num_resamples=300)
    most, least = many.interval(*many.most_alike[:2]), many.interval(*many.least_alike[:2])
    assert ("do not overlap" in many.verdict_text()) == (most.low > least.high)


def test_similarity_matrix_defaults_to_the_first_convolution_and_refuses_bad_layers(engine):
    assert science.similarity_matrix(engine, samples_per_class=1).layer == "conv2d"
    for params, match in (({"layer": "dense"}, "not feature maps"), ({"layer": "bogus"}, "no layer 'bogus'"),
                          ({"filter_index": 28}, "28 filters"), ({"samples_per_class": 0}, "at least 1")):
        with pytest.raises(ValueError, match=match):
            science.run("similarity_matrix", engine, **params)


# -- one pair -------------------------------------------------------------------------------------

def test_compare_pair_gives_the_filters_maps_spectra_and_profiles(engine, split):
    four, seven = first_of_class(split, 4), first_of_class(split, 7)
    result = science.run("compare_pair", engine, layer="conv2d", filter_index=3, image_a=four, image_b=seven)
    expected_a = engine.feature_maps(four)["conv2d"][0, :, :, 3]
    expected_b = engine.feature_maps(seven)["conv2d"][0, :, :, 3]
    # Both images go through the engine as one batch; BLAS may round that differently from one image.
    np.testing.assert_allclose(result.map_a, expected_a, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.map_b, expected_b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.spectrum_a, magnitude_spectrum(result.map_a)[:, :, 0], rtol=1e-6)
    assert result.similarity == pytest.approx(log_spectrum_similarity(expected_a, expected_b), abs=1e-6)
    assert 0 < result.similarity < 1
    assert result.profile_a.sum() == pytest.approx(1.0) and result.profile_b.sum() == pytest.approx(1.0)
    assert result.frequencies.shape == result.profile_a.shape
    assert 0 < result.low_frequency_ac_a <= result.low_frequency_a <= 1
    for array in (result.map_a, result.spectrum_b, result.profile_a, result.image_a):
        assert not array.flags.writeable
    same = science.compare_pair(engine, "conv2d", 3, four, four[0])  # (h, w, c) is taken too
    assert same.similarity == pytest.approx(1.0)


def test_one_pair_is_judged_against_the_pairs_of_many_test_images(engine, split):
    four, seven = first_of_class(split, 4), first_of_class(split, 7)
    result = science.compare_pair(engine, "conv2d", 0, four, seven, reference_images=40)
    rank = result.rank
    assert rank.num_reference_pairs == 40 * 39 // 2 and rank.low < rank.high
    maps = engine.feature_maps(split.images[:40])["conv2d"][..., 0]
    reference = [log_spectrum_similarity(maps[i], maps[j]) for i, j in itertools.combinations(range(40), 2)]
    assert rank.fraction_below == pytest.approx(np.mean(np.array(reference) < result.similarity), abs=0.002)
    assert result.reference == "the first 40 mnist-sample test images"
    text = result.verdict_text()
    assert f"{result.similarity:.3f}" in text and f"({rank.low:.3f}–{rank.high:.3f})" in text
    assert rank.outcome == "typical" and "not distinguishable from a pair of random test images" in text
    # A map compared with itself is more alike than any pair of different images.
    assert science.compare_pair(engine, "conv2d", 0, four, four, reference_images=40).rank.outcome == "more alike"
    none = science.compare_pair(engine, "conv2d", 0, four, seven, reference_images=0)
    assert none.rank is None and "No reference" in none.verdict_text()


def test_compare_pair_errors_are_readable(engine, split):
    image = split.images[:1]
    for params, match in (({"image_a": image}, "image_b is missing"),
                          ({"image_a": image, "image_b": split.images[:2]}, "one image"),
                          ({"image_a": image, "image_b": np.zeros((1, 14, 14, 1))}, "model takes inputs"),
                          ({"image_a": image, "image_b": image, "layer": "dense_1"}, "not feature maps")):
        with pytest.raises(ValueError, match=match):
            science.run("compare_pair", engine, **params)


# -- symmetries -----------------------------------------------------------------------------------

def test_symmetries_of_the_reference_relu_layer(engine):
    before = engine.get_weights()
    permutation = science.run("symmetry", engine, transform="permutation", samples=200, seed=1)
    sign_flip = science.run("symmetry", engine, transform="sign_flip", samples=200, seed=1)
    rescale = science.run("symmetry", engine, layer="dense", transform="rescale", samples=200, seed=1)
    assert permutation.layer == "dense" and permutation.next_layer == "dense_1"
    assert permutation.max_abs_difference < 1e-4 and permutation.is_symmetry
    assert permutation.argmax_agreement == 1.0 and permutation.num_images == 200
    assert rescale.max_abs_difference < 1e-4 and rescale.is_symmetry
    assert sign_flip.max_abs_difference > 1e-3 and not sign_flip.is_symmetry
    assert sign_flip.activation == "relu" and "relu(-a)" in sign_flip.explanation
    # relu is not odd: the count has no 2^128 sign patterns, and rescaling makes it a continuous family.
    assert permutation.num_units == 128 and permutation.count_text == "128! = 3.86×10^215"
    assert permutation.symmetries.continuous_dimension == 128 and not permutation.symmetries.sign_flips
    assert permutation.verdict_text().startswith("unchanged: a symmetry (max |Δp| ")
    assert permutation.verdict_text().endswith(" ≤ 1e-04)")
    assert sign_flip.verdict_text() == f"changed: not a symmetry (max |Δp| {sign_flip.max_abs_difference:.2g} > 1e-04)"
    assert weights_equal(before, engine.get_weights())


def test_sign_flips_are_a_symmetry_of_a_tanh_layer():
    config = cfg.ModelConfig(input_shape=(28, 28, 1), layers=(
        cfg.Flatten(), cfg.Dense(units=6, activation="tanh"), cfg.Dense(units=10, activation="softmax")))
    engine = NumpyEngine(config, seed=0)
    results = {transform: science.symmetry(engine, transform=transform, samples=40)
               for transform in science.TRANSFORMS}
    assert results["sign_flip"].is_symmetry and results["permutation_sign_flip"].is_symmetry
    assert results["permutation"].is_symmetry
    assert results["rescale"].max_abs_difference > 1e-6
    assert results["sign_flip"].count_text == "6!·2^6 = 46,080"
    assert results["sign_flip"].symmetries.continuous_dimension == 0


def test_symmetry_errors_are_readable(engine):
    for params, match in (({"layer": "dense_1"}, "output layer"), ({"layer": "max_pooling2d"}, "dense or conv2d"),
                          ({"layer": "nope"}, "no layer 'nope'"), ({"transform": "mirror"}, "transform must be"),
                          ({"kind": "sign_flip"}, "transform=")):
        with pytest.raises(ValueError, match=match):
            science.run("symmetry", engine, samples=5, **params)
    no_hidden = NumpyEngine(cfg.ModelConfig(input_shape=(28, 28, 1), layers=(
        cfg.Flatten(), cfg.Dense(units=10, activation="softmax"))), seed=0)
    with pytest.raises(ValueError, match="no hidden dense layer"):
        science.symmetry(no_hidden, samples=5)


def test_a_model_without_a_configuration_is_refused_with_a_reason():
    class Foreign:
        config = None
        name = "keras"

        def layer_names(self):
            return ["dense"]

    for kind in ("symmetry", "dead_filters", "prune", "flip"):
        with pytest.raises(ValueError, match="no cnnviz configuration"):
            science.run(kind, Foreign())


# -- dead filters and pruning ---------------------------------------------------------------------

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
    assert few.outcome == science.NOT_DISTINGUISHABLE
    assert "not distinguishable from no change with 1,000 test images" in few.verdict_text()
    for params, match in (({"layer": "flatten", "filters": [0]}, "only conv2d and dense"),
                          ({"layer": "dense", "filters": [200]}, "has 128 filters"),
                          ({"layer": "dense", "filters": {"dense": [1]}}, "either layer"),
                          ({"filters": [1]}, "Name the layer")):
        with pytest.raises(ValueError, match=match):
            science.run("prune", engine, **params)


# -- flip and dispatch ----------------------------------------------------------------------------

def test_flip_matches_the_engines_backprop(engine, split):
    result = science.run("flip", engine, image=split.images[:1], label=int(split.labels[0]))
    assert result.layer == "conv2d" and result.input_name == "the input image"
    assert result.comparison.max_abs_difference < 1e-4 and result.largest_engine_gradient > 1e-5
    assert result.agrees and result.tolerance == 1e-4
    assert result.verdict_text() == (f"max |difference| = {result.comparison.max_abs_difference:.2g}, relative "
                                     f"{result.comparison.relative_difference:.2g} ≤ 1e-04 (float rounding): equal "
                                     "to float precision")
    wrong = dataclasses.replace(result, comparison=dataclasses.replace(result.comparison, relative_difference=0.3))
    assert not wrong.agrees and "0.3 > 1e-04: they differ by more than float rounding" in wrong.verdict_text()
    assert not result.comparison.computed_gradient.flags.writeable
    with pytest.raises(ValueError, match="about convolutions"):
        science.flip(engine, "dense", split.images[:1])


def test_run_refuses_unknown_kinds_and_parameters(engine):
    with pytest.raises(ValueError, match="Unknown analysis 'spectrum'"):
        science.run("spectrum", engine)
    with pytest.raises(ValueError, match="unknown parameter samples"):
        science.run("compare_pair", engine, samples=3)
    assert "samples_per_class" in science.parameters("similarity_matrix")


# -- through the model service --------------------------------------------------------------------

def test_analyses_through_a_real_model_service(qtbot, split):
    from cnnviz.service.model_service import ModelService

    service = ModelService(run_root=False)
    try:
        with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT) as loaded:
            service.load(REFERENCE)
        version = loaded.args[0].version
        with qtbot.waitSignal(service.sig_science_finished, timeout=TIMEOUT) as finished:
            request_id = service.run_science("symmetry", layer="dense", transform="sign_flip", samples=50)
        answer = finished.args[0]
        assert answer.request_id == request_id and answer.kind == "symmetry"
        assert answer.params["transform"] == "sign_flip"
        assert isinstance(answer.value, science.SymmetryResult) and not answer.value.is_symmetry
        with qtbot.waitSignal(service.sig_science_finished, timeout=TIMEOUT) as finished:
            service.run_science("prune", layer="conv2d", filters=[0], keep=True)
        assert finished.args[0].value.kept
        with qtbot.waitSignal(service.sig_inspection_finished, timeout=TIMEOUT) as inspected:
            service.inspect(split.images[:1])
        assert inspected.args[0].model_version == version + 1
        assert not inspected.args[0].kernels["conv2d"][..., 0].any()
        with qtbot.waitSignal(service.sig_error_raised, timeout=TIMEOUT) as failed:
            service.run_science("dead_filters", layer="flatten")
        assert "conv2d or dense" in failed.args[0].message
    finally:
        assert service.shutdown(timeout=10)
