"""The colour shapes dataset: deterministic and prefix-stable per seed, balanced, any size, RGB or grey,
backgrounds of every kind, shapes that stand out; and the grey shapes left exactly as they were."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from cnnviz.core.datasets import SHAPE_CLASSES, load_dataset
from cnnviz.core.datasets.shapes import generate_shapes
from cnnviz.core.datasets.shapes_colour import BACKGROUND_KINDS, generate_colour_shapes, hsv_to_rgb


def test_the_same_seed_gives_the_same_images_and_a_prefix_is_a_shorter_run():
    images, labels = generate_colour_shapes(40, seed=7)
    again, again_labels = generate_colour_shapes(40, seed=7)
    prefix, prefix_labels = generate_colour_shapes(13, seed=7)
    assert np.array_equal(images, again) and np.array_equal(labels, again_labels)
    assert np.array_equal(images[:13], prefix) and np.array_equal(labels[:13], prefix_labels)
    other, _ = generate_colour_shapes(40, seed=8)
    assert not np.array_equal(images, other)


def test_classes_are_balanced_in_every_prefix():
    _, labels = generate_colour_shapes(100, seed=3)
    for count in (3, 10, 31, 100):
        counts = np.bincount(labels[:count], minlength=3)
        assert counts.max() - counts.min() <= 1


def test_default_shape_is_32_by_32_rgb_and_any_size_and_grey_can_be_asked_for():
    images, _ = generate_colour_shapes(6, seed=0)
    assert images.shape == (6, 32, 32, 3) and images.dtype == np.uint8
    wide, _ = generate_colour_shapes(6, seed=0, height=20, width=44)
    assert wide.shape == (6, 20, 44, 3)
    grey, _ = generate_colour_shapes(6, seed=0, height=20, width=44, channels=1)
    assert grey.shape == (6, 20, 44)
    expected = wide.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    assert np.abs(grey - expected).max() <= 1.0
    with pytest.raises(ValueError, match=r"channels must be 1 \(grey\) or 3 \(RGB\), got 2"):
        generate_colour_shapes(1, channels=2)
    with pytest.raises(ValueError, match=r"height must be at least 8, got 4"):
        generate_colour_shapes(1, height=4)


def test_images_are_in_colour_with_varied_backgrounds_and_shapes_that_stand_out():
    images, labels = generate_colour_shapes(60, seed=1)
    values = images.astype(np.float32)
    # Colour: the channels differ.
    assert np.abs(values[..., 0] - values[..., 1]).mean() > 10
    # Every background kind appears: flat corners agree, noisy ones vary from pixel to pixel.
    border = np.concatenate([values[:, 0, :, :], values[:, -1, :, :]], axis=1)
    spread = border.std(axis=1).mean(axis=1)
    assert (spread < 1.0).any() and (spread > 8.0).any()
    # The shape stands out: the image's centre region differs from its frame in most images.
    contrast = np.abs(values.reshape(60, -1, 3).max(axis=1) - values.reshape(60, -1, 3).min(axis=1)).max(axis=1)
    assert (contrast > 60).all()
    assert set(labels.tolist()) == {0, 1, 2} and len(BACKGROUND_KINDS) == 4


def test_hsv_to_rgb_gives_the_primaries():
    rgb = hsv_to_rgb(np.array([0.0, 1 / 3, 2 / 3]), np.ones(3), np.ones(3))
    assert np.allclose(rgb, np.eye(3))


def test_as_a_dataset_with_the_shape_asked_for_and_the_grey_shapes_class_names():
    train = load_dataset("shapes-colour", "train", count=9)
    test = load_dataset("shapes-colour", "test", count=9)
    assert train.image_shape == (32, 32, 3) and train.class_names == SHAPE_CLASSES
    assert not np.array_equal(train.images, test.images)
    assert train.inputs().shape == (9, 32, 32, 3)
    small = load_dataset("shapes-colour", "train", count=9, image_shape=(24, 16, 1), seed=2)
    assert small.images.shape == (9, 24, 16) and small.image_shape == (24, 16, 1)
    assert "24x16 grey" in small.source and "seed=2" in small.source


def test_the_grey_shapes_are_byte_for_byte_what_they_were():
    images, labels = generate_shapes(30, seed=0)
    digest = hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()
    assert digest == "eb58098be0afe8037ac86e058c79dec4c7e3a69f12eccf6a127378d136dbd521"
    grey = load_dataset("shapes", "train", count=5)
    assert grey.images.shape == (5, 28, 28) and grey.image_shape == (28, 28, 1)
