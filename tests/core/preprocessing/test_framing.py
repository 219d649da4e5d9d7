"""Tests for cnnviz.core.preprocessing: pictures in, MNIST-style inputs out."""

import tracemalloc

import numpy as np
import pytest

from cnnviz.core.preprocessing import (
    EmptyImageError,
    PreprocessResult,
    ink_polarity,
    preprocess_batch,
    preprocess_image,
    to_grayscale,
)


def centre_of_mass(image):
    """(row, column) intensity centre of mass of a 2-D array, pixel centres at integers."""
    total = image.sum()
    rows, columns = np.indices(image.shape)
    return (rows * image).sum() / total, (columns * image).sum() / total


def ink_extent(image, level=0.0):
    """(height, width) of the bounding box of pixels above ``level``."""
    rows = np.flatnonzero((image > level).any(axis=1))
    columns = np.flatnonzero((image > level).any(axis=0))
    return rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1


def triangle(height, width, top, left, size):
    """White right triangle (light ink on black), lopsided so its centre of mass is
    well away from the centre of its bounding box."""
    image = np.zeros((height, width), np.float32)
    for offset in range(size):
        image[top + offset, left:left + offset + 1] = 1.0
    return image


def digit_stroke():
    """A synthetic MNIST-formatted '7': soft strokes 20 rows tall, centre of mass at the
    frame centre, in a 28x28 frame."""
    image = np.zeros((28, 28), np.float32)
    rows, columns = np.indices(image.shape)
    for t in np.linspace(0.0, 1.0, 200):
        for row, column in ((5.0, 7 + 14 * t), (5 + 17 * t, 21 - 9 * t)):
            distance = np.hypot(rows - row, columns - column)
            image = np.maximum(image, np.clip(1.6 - distance, 0.0, 1.0))
    row, column = centre_of_mass(image)
    image = np.roll(image, (round(14 - row), round(14 - column)), axis=(0, 1))
    assert ink_extent(image)[0] == 20
    return image / image.max()


def assert_model_input(result):
    assert isinstance(result, PreprocessResult)
    assert result.input.shape == (1, 28, 28, 1)
    assert result.input.dtype == np.float32
    assert result.image28.shape == (28, 28)
    assert result.image28.dtype == np.float32
    assert np.array_equal(result.input[0, :, :, 0], result.image28)
    assert result.input.min() >= 0.0
    assert result.input.max() == 1.0


def test_off_centre_blob_is_centred_by_mass_and_scaled_to_box():
    source = triangle(200, 120, top=20, left=70, size=40)
    result = preprocess_image(source)
    assert_model_input(result)
    row, column = centre_of_mass(result.image28)
    # The triangle's mass sits well off its box centre, so centring the box would miss.
    assert abs(row - 14.0) <= 0.5
    assert abs(column - 14.0) <= 0.5
    assert max(ink_extent(result.image28)) in (19, 20, 21)
    assert result.bounding_box == (20, 70, 60, 110)
    assert result.inverted is False


@pytest.mark.parametrize("flipped", [False, True])
def test_centring_shift_is_clamped_so_nothing_is_clipped(flipped):
    source = np.zeros((60, 60), np.float32)
    source[10:20, 10:20] = 1.0  # heavy blob in the top-left corner of the ink's box
    source[10:50, 49] = 0.2  # faint strokes stretch the box to 40 x 40
    source[49, 10:50] = 0.2
    if flipped:
        source = source[::-1, ::-1]
    image = preprocess_image(source).image28
    # Centring the mass would push the box 6 pixels off the frame; it stops at the edge.
    assert ink_extent(image) == (20, 20)
    edge = 0 if flipped else 27
    assert image[edge].max() > 0.1 and image[:, edge].max() > 0.1


def test_aspect_ratio_is_kept():
    source = np.zeros((100, 100), np.float32)
    source[10:90, 40:60] = 1.0  # 80 tall, 20 wide -> 20 tall, 5 wide
    image = preprocess_image(source).image28
    assert ink_extent(image, level=0.5) == (20, 5)


@pytest.mark.parametrize(
    ("shape", "ink"),
    [
        ((1, 1), (slice(None), slice(None))),
        ((3, 7), (slice(1, 2), slice(2, 5))),
        ((1000, 17), (slice(100, 900), slice(7, 10))),
        ((999, 999), (slice(300, 701), slice(450, 520))),
    ],
)
def test_odd_sizes_give_a_model_input(shape, ink):
    source = np.zeros(shape, np.uint8)
    source[ink] = 255
    result = preprocess_image(source)
    assert_model_input(result)
    assert max(ink_extent(result.image28, level=0.5)) == 20


def test_tiny_crop_is_enlarged_smoothly():
    source = np.zeros((9, 9), np.float32)
    source[3:6, 3:6] = [[0, 1, 0], [1, 1, 1], [0, 1, 0]]
    image = preprocess_image(source).image28
    assert max(ink_extent(image)) == 20
    # Bilinear enlargement makes intermediate grey levels, not just 0 and 1.
    assert np.count_nonzero((image > 0.05) & (image < 0.95)) > 20


def test_downscaling_averages_rather_than_subsamples():
    source = np.zeros((500, 500), np.uint8)
    source[50:450:3, 50:450] = 255  # 1-pixel lines every 3 rows, 400 x 400
    image = preprocess_image(source).image28
    box = image[image.sum(axis=1) > 0][:, image.sum(axis=0) > 0]
    assert box.shape == (20, 20)
    # Each output row averages 6 or 7 of the 20 source rows it covers: an even grey.
    assert box.min() > 0.8


def test_dark_ink_on_light_rgb_matches_light_ink_on_dark_grey():
    light_on_dark = (triangle(60, 80, top=10, left=25, size=35) * 255).astype(np.uint8)
    dark_on_light = np.repeat((255 - light_on_dark)[:, :, np.newaxis], 3, axis=2)
    expected = preprocess_image(light_on_dark)
    result = preprocess_image(dark_on_light)
    assert expected.inverted is False
    assert result.inverted is True
    np.testing.assert_allclose(result.input, expected.input, atol=1e-5)
    assert result.bounding_box == expected.bounding_box


def test_explicit_invert_overrides_detection():
    light_on_dark = triangle(40, 40, top=5, left=5, size=30)
    assert preprocess_image(light_on_dark, invert=False).inverted is False
    with pytest.raises(EmptyImageError):
        # Inverting light-on-dark leaves a bright background and no ink above it.
        preprocess_image(light_on_dark, invert=True)
    one_dark_pixel = np.zeros((1, 1), np.uint8)
    result = preprocess_image(one_dark_pixel, invert=True)
    assert result.inverted is True
    assert_model_input(result)


def test_low_contrast_light_ink_on_grey_is_not_inverted():
    source = np.full((50, 50), 0.6, np.float32)
    source[10:40, 20:25] = 0.9
    result = preprocess_image(source)
    assert result.inverted is False
    assert ink_extent(result.image28, level=0.5) == (20, 3)


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


def test_ink_polarity():
    light_background = np.ones((10, 10))
    light_background[3:7, 3:7] = 0.0
    assert ink_polarity(light_background) is True
    assert ink_polarity(1.0 - light_background) is False
    assert ink_polarity(np.ones((1, 1))) is False
    with pytest.raises(ValueError, match="2-D"):
        ink_polarity(np.ones((3, 3, 3)))


@pytest.mark.parametrize(
    "source",
    [
        np.zeros((28, 28), np.uint8),
        np.full((30, 40, 3), 255, np.uint8),
        np.full((30, 40), 0.5, np.float32),
        np.zeros((30, 40, 4), np.uint8),
    ],
    ids=["all-zeros", "all-white", "uniform-grey", "fully-transparent"],
)
def test_empty_images_raise_a_helpful_error(source):
    with pytest.raises(EmptyImageError, match="no ink.*Draw something, or pick another image"):
        preprocess_image(source)
    assert issubclass(EmptyImageError, ValueError)


def test_faint_ink_below_threshold_is_empty_unless_threshold_is_lowered():
    source = np.zeros((40, 40), np.float32)
    source[10:30, 18:22] = 0.03
    with pytest.raises(EmptyImageError):
        preprocess_image(source)
    assert_model_input(preprocess_image(source, threshold=0.01))


def test_mnist_like_digit_changes_only_slightly():
    digit = digit_stroke()
    image = preprocess_image(digit).image28
    correlation = np.corrcoef(digit.ravel(), image.ravel())[0, 1]
    assert correlation > 0.9
    row, column = centre_of_mass(image)
    assert abs(row - 14.0) <= 0.5 and abs(column - 14.0) <= 0.5


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (np.array([[0.0, np.nan], [1.0, 0.5]]), "NaN or infinite"),
        (np.array([[0.0, np.inf], [1.0, 0.5]]), "NaN or infinite"),
        (np.zeros((1, 28, 28, 1)), r"4-D.*one picture at a time"),
        (np.zeros((28, 28, 5)), r"5 channels.*grey, RGB or RGBA"),
        (np.zeros((0, 28)), r"empty image of shape \(0, 28\).*at least 1 x 1"),
        (np.zeros((28, 28, 0)), "0 channels"),
        (np.zeros(28), r"1-D.*\(height, width\)"),
        (None, "NoneType with dtype object"),
        ("digit.png", "str with dtype"),
        ([[1, 2], [3]], "Could not read the image"),
    ],
)
def test_bad_inputs_raise_value_error(source, message):
    with pytest.raises(ValueError, match=message):
        preprocess_image(source)


@pytest.mark.parametrize(
    "options",
    [{"threshold": 1.5}, {"box": 30}, {"box": 0}, {"size": 0}, {"invert": "yes"}],
)
def test_bad_options_raise_value_error(options):
    with pytest.raises(ValueError):
        preprocess_image(np.ones((5, 5)), **options)


def test_other_frame_sizes():
    result = preprocess_image(triangle(50, 50, 5, 5, 40), box=10, size=16)
    assert result.input.shape == (1, 16, 16, 1)
    assert max(ink_extent(result.image28)) == 10


def test_result_is_read_only():
    result = preprocess_image(triangle(30, 30, 2, 2, 20))
    with pytest.raises(ValueError):
        result.image28[0, 0] = 1.0
    with pytest.raises(ValueError):
        result.input[0, 0, 0, 0] = 1.0


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
    assert ink_extent(result.image28, level=0.5) == (8, 20)


def test_huge_rgba_image_keeps_alpha_compositing():
    source = np.zeros((3000, 2100, 4), np.uint8)  # transparent black
    source[1000:2000, 300:500] = (0, 0, 0, 255)  # opaque black ink
    result = preprocess_image(source)
    assert result.inverted is True
    assert result.bounding_box == (999, 300, 2001, 501)
    assert ink_extent(result.image28, level=0.5) == (20, 4)


def test_preprocess_batch():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    images[0, 0, 0], images[0, 0, 1] = 0, 255
    batch = preprocess_batch(images)
    assert batch.shape == (5, 28, 28, 1)
    assert batch.dtype == np.float32
    assert batch.min() == 0.0 and batch.max() == 1.0
    np.testing.assert_allclose(batch[..., 0], images / 255.0, atol=1e-7)
    assert preprocess_batch(images[..., np.newaxis]).shape == (5, 28, 28, 1)
    np.testing.assert_array_equal(preprocess_batch(batch), batch)
    with pytest.raises(ValueError, match=r"\(n, height, width\)"):
        preprocess_batch(images[0])
    with pytest.raises(ValueError, match="dtype int64"):
        preprocess_batch(images.astype(np.int64))
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        preprocess_batch(images.astype(np.float32))
