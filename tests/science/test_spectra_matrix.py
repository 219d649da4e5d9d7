"""The class-by-class similarity of one filter's spectra on the reference model, with its intervals."""

import csv
import dataclasses
import io
import itertools

import numpy as np
import pytest

from cnnviz import science
from cnnviz.core import config as cfg
from cnnviz.core.spectra import log_spectrum_similarity
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.science.uncertainty import CONTRADICTED, NOT_DISTINGUISHABLE, SUPPORTED
from tests.science.helpers import first_of_class


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
    assert four_seven.outcome == NOT_DISTINGUISHABLE and four_seven.difference.contains(0.0)
    assert eight_one.outcome == SUPPORTED and eight_one.difference.high < 0
    assert four_seven.pair.estimate == pytest.approx(result.matrix[4, 7])
    assert four_seven.reference.estimate == pytest.approx(result.different_class_mean)
    text = result.verdict_text()
    assert "not distinguishable with 20 samples per class — use more samples" in text
    assert "the report's claim that 8 and 1 do not look alike is supported for this filter" in text
    assert f"{result.matrix[4, 7]:.3f} [{four_seven.pair.low:.3f}, {four_seven.pair.high:.3f}]" in text
    # Filter 5: a 4 and a 7 are less alike than the average pair: the claim is contradicted.
    other = science.similarity_matrix(engine, "conv2d", 5, samples_per_class=20)
    assert other.claim_verdicts()[0].outcome == CONTRADICTED
    assert "4 and 7 look alike is contradicted" in other.verdict_text()
    # Two images per class never settle anything, however far apart the means.
    few = science.similarity_matrix(engine, "conv2d", 0, samples_per_class=2)
    assert {verdict.outcome for verdict in few.claim_verdicts()} == {NOT_DISTINGUISHABLE}
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
                           f"{few.interval(high[0], high[1]).text()}; least alike: {few.class_names[low[0]]} and "
                           f"{few.class_names[low[1]]}, {few.interval(low[0], low[1]).text()}; ")
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
