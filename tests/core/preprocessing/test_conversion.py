"""Colour and size conversion: grey levels from any dtype and channel count, RGBA over its
background, area-averaged shrinking, smooth enlarging, and huge pictures in bounded memory."""

import tracemalloc

import numpy as np
import pytest

from cnnviz.core.preprocessing import preprocess_image, to_grayscale
from cnnviz.core.preprocessing.conversion import axis_weights, block_mean, resample_axis, resize
from tests.core.preprocessing.helpers import assert_model_input, ink_extent, triangle


def test_to_grayscale_conversions():
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], np.uint8)
    np.testing.assert_allclose(to_grayscale(rgb), [[0.299, 0.587, 0.114]], atol=1e-6)
    assert to_grayscale(rgb).dtype == np.float32
    np.testing.assert_allclose(to_grayscale(np.array([[0.0, 0.5, 1.0]])), [[0, 0.5, 1]])
    np.testing.assert_allclose(to_grayscale(np.array([[0.0, 127.5, 255.0]])), [[0, 0.5, 1]])
    np.testing.assert_allclose(to_grayscale(np.array([[False, True]])), [[0, 1]])
    np.testing.assert_allclose(to_grayscale(np.array([[0, 51]], np.int64)), [[0, 0.2]])
    np.testing.assert_allclose(to_grayscale(np.array([[0, 65535]], np.uint16)), [[0, 1]])
    assert to_grayscale(np.zeros((4, 5, 1), np.uint8)).shape == (4, 5)
    # Opaque white ink on a transparent background: transparent reads as black.
    rgba = np.array([[[255, 255, 255, 255], [255, 255, 255, 0]]], np.uint8)
    np.testing.assert_allclose(to_grayscale(rgba), [[1, 0]])


@pytest.mark.parametrize("ink_value", [0, 255])
def test_rgba_with_transparent_background(ink_value):
    shape = triangle(60, 60, top=10, left=15, size=40)
    rng = np.random.default_rng(0)
    # Colour under transparent pixels is arbitrary; only alpha says it is background.
    rgba = rng.integers(0, 256, size=(60, 60, 4), dtype=np.uint8)
    rgba[:, :, 3] = (shape * 255).astype(np.uint8)
    rgba[shape > 0, :3] = ink_value
    expected = preprocess_image(shape)
    result = preprocess_image(rgba)
    assert result.inverted is (ink_value == 0)
    np.testing.assert_allclose(result.input, expected.input, atol=1e-5)


def test_tiny_crop_is_enlarged_smoothly():
    source = np.zeros((9, 9), np.float32)
    source[3:6, 3:6] = [[0, 1, 0], [1, 1, 1], [0, 1, 0]]
    image = preprocess_image(source).image
    assert max(ink_extent(image)) == 20
    # Bilinear enlargement makes intermediate grey levels, not just 0 and 1.
    assert np.count_nonzero((image > 0.05) & (image < 0.95)) > 20


def test_downscaling_averages_rather_than_subsamples():
    source = np.zeros((500, 500), np.uint8)
    source[50:450:3, 50:450] = 255  # 1-pixel lines every 3 rows, 400 x 400
    image = preprocess_image(source).image
    box = image[image.sum(axis=1) > 0][:, image.sum(axis=0) > 0]
    assert box.shape == (20, 20)
    # Each output row averages 6 or 7 of the 20 source rows it covers: an even grey.
    assert box.min() > 0.8


def test_huge_image_is_shrunk_without_full_size_float_copies():
    source = np.zeros((10_000, 10_000), np.uint8)
    source[4000:6000, 2000:7000] = 255
    tracemalloc.start()
    try:
        result = preprocess_image(source)
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A float32 copy of the picture alone would take 400 MB.
    assert peak_bytes < 64e6
    assert_model_input(result)
    assert result.bounding_box == (4000, 2000, 6000, 7000)
    assert ink_extent(result.image, level=0.5) == (8, 20)


def test_huge_rgba_image_keeps_alpha_compositing():
    source = np.zeros((3000, 2100, 4), np.uint8)  # transparent black
    source[1000:2000, 300:500] = (0, 0, 0, 255)  # opaque black ink
    result = preprocess_image(source)
    assert result.inverted is True
    assert result.bounding_box == (999, 300, 2001, 501)
    assert ink_extent(result.image, level=0.5) == (20, 4)


@pytest.mark.parametrize("seed", range(6))
def test_resampling_along_an_axis_equals_the_product_with_the_axis_weights(seed):
    rng = np.random.default_rng(seed)
    planes = rng.random((1, *rng.integers(1, 90, 2), 3), dtype=np.float32)
    for axis in (1, 2):
        for num_out in (1, 7, planes.shape[axis], 2 * planes.shape[axis] + 3):
            weights = axis_weights(planes.shape[axis], num_out).astype(np.float64)
            expected = np.moveaxis(np.tensordot(weights, np.moveaxis(planes, axis, 0).astype(np.float64), 1), 0, axis)
            resampled = resample_axis(planes, num_out, axis)
            assert resampled.dtype == np.float32 and resampled.shape == expected.shape
            np.testing.assert_allclose(resampled, expected, rtol=1e-6, atol=1e-6)


def test_resize_keeps_the_mean_of_an_image_it_shrinks_by_a_whole_factor():
    image = np.random.default_rng(0).random((60, 40), dtype=np.float32)
    np.testing.assert_allclose(resize(image, 20, 10), image.reshape(20, 3, 10, 4).mean(axis=(1, 3)), rtol=1e-5)


def test_block_mean_over_single_pixels_is_a_copy_of_the_plane():
    plane = np.random.default_rng(0).random((9, 7), dtype=np.float32)
    averaged = block_mean(plane, 1)
    np.testing.assert_array_equal(averaged, plane)
    assert averaged.dtype == np.float32 and not np.shares_memory(averaged, plane)
    np.testing.assert_allclose(block_mean(plane, 2)[0, 0], plane[:2, :2].mean(), rtol=1e-6)
