"""The generated squares/triangles/circles dataset: the generator, and its train and test splits."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core.datasets import load_dataset
from cnnviz.core.datasets.shapes import SHAPE_CLASSES, generate_shapes


@pytest.fixture(scope="module")
def generated() -> tuple[np.ndarray, np.ndarray]:
    return generate_shapes(600, seed=3)


def test_class_names():
    assert SHAPE_CLASSES == ("square", "triangle", "circle")


def test_shapes_and_dtypes(generated):
    images, labels = generated
    assert images.shape == (600, 28, 28)
    assert images.dtype == np.uint8
    assert labels.shape == (600,)
    assert labels.dtype == np.uint8


def test_other_image_size():
    images, labels = generate_shapes(7, seed=1, size=40)
    assert images.shape == (7, 40, 40)
    assert labels.shape == (7,)


def test_same_seed_gives_identical_arrays():
    first_images, first_labels = generate_shapes(50, seed=7)
    second_images, second_labels = generate_shapes(50, seed=7)
    np.testing.assert_array_equal(first_images, second_images)
    np.testing.assert_array_equal(first_labels, second_labels)


def test_different_seed_differs():
    first_images, first_labels = generate_shapes(50, seed=7)
    second_images, second_labels = generate_shapes(50, seed=8)
    assert not np.array_equal(first_images, second_images)
    assert not np.array_equal(first_labels, second_labels)


def test_prefix_stable():
    many_images, many_labels = generate_shapes(700, seed=5)
    few_images, few_labels = generate_shapes(10, seed=5)
    np.testing.assert_array_equal(many_images[:10], few_images)
    np.testing.assert_array_equal(many_labels[:10], few_labels)


def test_classes_balanced(generated):
    _, labels = generated
    np.testing.assert_array_equal(np.bincount(labels, minlength=3), [200, 200, 200])
    # Labels are shuffled within blocks, not a fixed cycle.
    assert not np.array_equal(labels[:30], np.arange(30) % 3)


def test_every_image_has_ink_and_a_dark_background(generated):
    images, _ = generated
    flat = images.reshape(len(images), -1)
    assert (flat.max(axis=1) >= 150).all()
    ink_fraction = (flat > 0).mean(axis=1)
    assert (ink_fraction > 0.03).all()
    assert (ink_fraction < 0.9).all()
    # Light shape on dark background: most pixels of the average image are background.
    assert np.median(flat) == 0


def test_ink_never_touches_the_border(generated):
    images, _ = generated
    border = np.concatenate(
        [images[:, 0, :], images[:, -1, :], images[:, :, 0], images[:, :, -1]], axis=1
    )
    assert border.max() == 0


def test_antialiased_edges(generated):
    images, _ = generated
    peaks = images.max(axis=(1, 2), keepdims=True)
    intermediate = (images > 0) & (images < peaks)
    assert intermediate.any(axis=(1, 2)).all()


def test_variety_filled_and_outline(generated):
    images, labels = generated
    ink_pixels = (images > 0).sum(axis=(1, 2))
    for label in range(3):
        counts = ink_pixels[labels == label]
        # Filled and outline shapes of different sizes: a wide spread of ink areas.
        assert counts.max() > 2.5 * counts.min()


def test_shapes_differ_between_images(generated):
    images, _ = generated
    assert len(np.unique(images.reshape(len(images), -1), axis=0)) == len(images)


def test_zero_count():
    images, labels = generate_shapes(0)
    assert images.shape == (0, 28, 28)
    assert labels.shape == (0,)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"count": -1}, r"count must be at least 0, got -1"),
        ({"count": 2.5}, r"count must be an integer, got 2.5"),
        ({"count": 3, "seed": -2}, r"seed must be at least 0, got -2"),
        ({"count": 3, "size": 4}, r"size must be at least 8, got 4"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_shapes(**kwargs)


# ----------------------------------------------------------------------------- as a dataset


def test_shapes_default_counts_and_class_names():
    train = load_dataset("shapes", "train")
    test = load_dataset("shapes", "test")
    assert len(train) == 8000 and len(test) == 2000
    assert train.class_names == SHAPE_CLASSES
    assert "generated (seed=0" in train.source


def test_shapes_train_and_test_differ_and_are_reproducible():
    train = load_dataset("shapes", "train", count=50)
    test = load_dataset("shapes", "test", count=50)
    assert not np.array_equal(train.images, test.images)
    np.testing.assert_array_equal(load_dataset("shapes", "train", count=50).images, train.images)
    other_seed = load_dataset("shapes", "train", count=50, seed=1)
    assert not np.array_equal(other_seed.images, train.images)


def test_shapes_count_is_a_prefix_of_the_full_split():
    full = load_dataset("shapes", "test")
    part = load_dataset("shapes", "test", count=40)
    np.testing.assert_array_equal(part.images, full.images[:40])
