"""The bundled sample of 10,000 real MNIST digits: its file, its stratified split, its looks."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core.datasets import Dataset, load_dataset
from cnnviz.core.resources import resource_path

SAMPLE_CLASS_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]


def test_bundled_sample_file_holds_10000_digits_with_known_class_counts():
    with np.load(resource_path("mnist_sample.npz"), allow_pickle=False) as archive:
        images, labels = archive["images"], archive["labels"]
        train_index, test_index = archive["train_index"], archive["test_index"]
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert np.bincount(labels, minlength=10).tolist() == SAMPLE_CLASS_COUNTS
    assert train_index.shape == (8000,) and test_index.shape == (2000,)
    assert len(np.intersect1d(train_index, test_index)) == 0
    np.testing.assert_array_equal(np.union1d(train_index, test_index), np.arange(10000))


@pytest.mark.parametrize("split, size", [("train", 8000), ("test", 2000)])
def test_load_sample_split(split, size):
    dataset = load_dataset("mnist-sample", split)
    assert isinstance(dataset, Dataset)
    assert (dataset.name, dataset.split) == ("mnist-sample", split)
    assert len(dataset) == size
    assert dataset.images.shape == (size, 28, 28) and dataset.images.dtype == np.uint8
    assert dataset.labels.shape == (size,) and dataset.labels.dtype == np.uint8
    assert dataset.class_names == tuple("0123456789")
    assert dataset.source.endswith("mnist_sample.npz")
    # Stratified: every class gets about 80 % / 20 % of its digits.
    fraction = 0.8 if split == "train" else 0.2
    counts = np.bincount(dataset.labels, minlength=10)
    np.testing.assert_allclose(counts, np.array(SAMPLE_CLASS_COUNTS) * fraction, atol=1)


def test_sample_train_and_test_share_no_image():
    train = load_dataset("mnist-sample", "train").images.reshape(8000, -1)
    test = load_dataset("mnist-sample", "test").images.reshape(2000, -1)
    both = np.concatenate([train, test])
    assert len(np.unique(both, axis=0)) == 10000


def test_sample_looks_like_mnist():
    images = load_dataset("mnist-sample", "test").images
    assert images.max() == 255
    assert 20 < images.mean() < 50  # MNIST's mean grey level is about 33
    assert images[:, 0, :].mean() < 1  # dark frame


def test_first_training_digits_mix_classes():
    labels = load_dataset("mnist-sample", count=100).labels
    assert len(np.unique(labels)) == 10
