"""Framing one picture the MNIST way: polarity, threshold, crop, scale to the box, centre by mass."""

import numpy as np
import pytest

from cnnviz.core.preprocessing import EmptyImageError, ink_polarity, preprocess_image
from tests.core.preprocessing.helpers import assert_model_input, centre_of_mass, ink_extent, triangle


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


def test_off_centre_blob_is_centred_by_mass_and_scaled_to_box():
    source = triangle(200, 120, top=20, left=70, size=40)
    result = preprocess_image(source)
    assert_model_input(result)
    row, column = centre_of_mass(result.image)
    # The triangle's mass sits well off its box centre, so centring the box would miss.
    assert abs(row - 14.0) <= 0.5
    assert abs(column - 14.0) <= 0.5
    assert max(ink_extent(result.image)) in (19, 20, 21)
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
    image = preprocess_image(source).image
    # Centring the mass would push the box 6 pixels off the frame; it stops at the edge.
    assert ink_extent(image) == (20, 20)
    edge = 0 if flipped else 27
    assert image[edge].max() > 0.1 and image[:, edge].max() > 0.1


def test_aspect_ratio_is_kept():
    source = np.zeros((100, 100), np.float32)
    source[10:90, 40:60] = 1.0  # 80 tall, 20 wide -> 20 tall, 5 wide
    image = preprocess_image(source).image
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
    assert max(ink_extent(result.image, level=0.5)) == 20


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
    assert ink_extent(result.image, level=0.5) == (20, 3)


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
    image = preprocess_image(digit).image
    correlation = np.corrcoef(digit.ravel(), image.ravel())[0, 1]
    assert correlation > 0.9
    row, column = centre_of_mass(image)
    assert abs(row - 14.0) <= 0.5 and abs(column - 14.0) <= 0.5


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
    assert max(ink_extent(result.image)) == 10


def test_result_is_read_only():
    result = preprocess_image(triangle(30, 30, 2, 2, 20))
    with pytest.raises(ValueError):
        result.image[0, 0] = 1.0
    with pytest.raises(ValueError):
        result.input[0, 0, 0, 0] = 1.0
