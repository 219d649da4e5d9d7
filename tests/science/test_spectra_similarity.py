"""Comparing spectra over many images: every pair of two stacks, class-by-class means, CSV."""

import csv
import io
import itertools

import numpy as np
import pytest

from cnnviz.core.spectra import log_spectrum_similarity
from cnnviz.science.spectra_similarity import class_similarity_matrix, pair_similarities, similarity_matrix_csv
from tests.science.helpers import synthetic_classes

# -- class_similarity_matrix -------------------------------------------------------------------

def brute_force_matrix(by_class, exclude_dc=False):
    keys = sorted(by_class)
    matrix = np.zeros((len(keys), len(keys)))
    for i, j in itertools.product(range(len(keys)), repeat=2):
        values = [log_spectrum_similarity(a, b, exclude_dc)
                  for (p, a), (q, b) in itertools.product(enumerate(by_class[keys[i]]),
                                                          enumerate(by_class[keys[j]]))
                  if i != j or p != q]
        values = [value for value in values if not np.isnan(value)]
        matrix[i, j] = np.mean(values) if values else np.nan
    return matrix


@pytest.mark.parametrize("exclude_dc", [False, True])
def test_class_matrix_equals_the_mean_over_pairs(exclude_dc):
    rng = np.random.default_rng(2)
    by_class = synthetic_classes(rng, count=4, size=8)
    by_class[1] = by_class[1][:3]
    matrix = class_similarity_matrix(by_class, exclude_dc=exclude_dc)
    np.testing.assert_allclose(matrix, brute_force_matrix(by_class, exclude_dc), atol=1e-12)


def test_structured_classes_are_most_like_themselves():
    matrix = class_similarity_matrix(synthetic_classes(np.random.default_rng(3)))
    assert matrix.shape == (3, 3)
    np.testing.assert_array_equal(matrix, matrix.T)
    off_diagonal = matrix[~np.eye(3, dtype=bool)].reshape(3, 2)
    # log1p compresses every similarity towards 1: the margin is small but clear.
    assert (np.diag(matrix)[:, None] > off_diagonal + 0.01).all()
    # The same maps dealt into classes at random: no class is more like itself than the others.
    maps = np.concatenate(list(synthetic_classes(np.random.default_rng(3)).values()))
    dealt = np.random.default_rng(0).permutation(len(maps)).reshape(3, -1)
    shuffled = class_similarity_matrix({label: maps[indices] for label, indices in enumerate(dealt)})
    assert np.abs(shuffled - shuffled.mean()).max() < 0.01


def test_rows_follow_sorted_keys_and_zero_maps_are_left_out():
    rng = np.random.default_rng(4)
    classes = synthetic_classes(rng, count=3, size=8)
    reordered = {2: classes[2], 0: classes[0], 1: classes[1]}
    np.testing.assert_allclose(class_similarity_matrix(reordered), class_similarity_matrix(classes))
    with_zeros = dict(classes)
    with_zeros[0] = np.concatenate([classes[0], np.zeros((2, 8, 8))])
    np.testing.assert_allclose(class_similarity_matrix(with_zeros), class_similarity_matrix(classes),
                               atol=1e-12)
    dead = {0: np.zeros((3, 8, 8)), 1: classes[1]}
    matrix = class_similarity_matrix(dead)
    assert np.isnan(matrix[0]).all() and np.isnan(matrix[:, 0]).all() and not np.isnan(matrix[1, 1])
    single = class_similarity_matrix({0: classes[0][:1], 1: classes[1]})
    assert np.isnan(single[0, 0]) and not np.isnan(single[0, 1])


@pytest.mark.parametrize("data, match", [
    ({}, "non-empty"),
    ({0: np.zeros((4, 4))}, "shape"),
    ({0: np.zeros((0, 4, 4))}, "shape"),
    ({0: np.ones((2, 4, 4)), 1: np.ones((2, 5, 4))}, "same size"),
    ({0: np.full((2, 4, 4), np.inf)}, "NaN or infinite"),
])
def test_class_matrix_refuses_bad_input(data, match):
    with pytest.raises(ValueError, match=match):
        class_similarity_matrix(data)


# -- the individual pairs ----------------------------------------------------------------------

def test_pair_similarities_are_every_single_pair():
    rng = np.random.default_rng(6)
    classes = synthetic_classes(rng, count=3, size=8)
    first = np.concatenate([classes[0], np.zeros((1, 8, 8))])
    pairs = pair_similarities(first, classes[1], exclude_dc=True)
    assert pairs.shape == (4, 3)
    for (row, a), (col, b) in itertools.product(enumerate(first[:3]), enumerate(classes[1])):
        assert pairs[row, col] == pytest.approx(log_spectrum_similarity(a, b, exclude_dc=True), abs=1e-12)
    assert np.isnan(pairs[3]).all()


# -- CSV ---------------------------------------------------------------------------------------

def test_csv_round_trips_the_matrix():
    matrix = np.array([[1.0, 0.25, np.nan], [0.25, 0.5, 0.125], [np.nan, 0.125, 0.75]])
    text = similarity_matrix_csv(matrix, ["four", "seven", "a,b"])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["class", "four", "seven", "a,b"]
    assert [row[0] for row in rows[1:]] == ["four", "seven", "a,b"]
    values = np.array([[float(cell) for cell in row[1:]] for row in rows[1:]])
    np.testing.assert_allclose(values, matrix, equal_nan=True)
    assert rows[1][3] == "nan" and text.endswith("\n") and "\r" not in text
    with pytest.raises(ValueError, match="square"):
        similarity_matrix_csv(matrix, ["only", "two"])
