"""One filter's maps and spectra for two inputs, judged against the pairs of many test images."""

import itertools

import numpy as np
import pytest

from cnnviz import science
from cnnviz.core.spectra import log_spectrum_similarity, magnitude_spectrum, spectrum_extent
from tests.science.helpers import first_of_class


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
    assert result.spectrum_extent == spectrum_extent(result.spectrum_a.shape) and result.spectrum_a.shape == (26, 26)
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
