"""Pictures and dataset images fitted to any model input: size, grey↔colour conversion, and the report."""

import numpy as np
import pytest

from cnnviz.core.preprocessing import (
    COLOUR_TO_GREY,
    GREY_TO_COLOUR,
    EmptyImageError,
    fit_batch,
    picture_input,
    preprocess_image,
)
from cnnviz.core.preprocessing.model_input import convert_channels


def test_colour_becomes_grey_by_bt601_luminance_and_grey_is_repeated_for_colour():
    pixel = np.array([[[[1.0, 0.5, 0.25]]]], np.float32)
    np.testing.assert_allclose(convert_channels(pixel, 1), [[[[0.299 + 0.587 * 0.5 + 0.114 * 0.25]]]], rtol=1e-6)
    grey = np.array([[[[0.3]]]], np.float32)
    np.testing.assert_array_equal(convert_channels(grey, 3), np.full((1, 1, 1, 3), 0.3, np.float32))
    assert convert_channels(pixel, 3) is pixel


@pytest.mark.parametrize("input_shape", [(28, 28, 1), (32, 32, 3), (40, 24, 1), (24, 40, 3)])
def test_grey_dataset_images_fit_any_input_shape(input_shape):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    batch, conversion = fit_batch(images, input_shape)
    assert batch.shape == (5, *input_shape) and batch.dtype == np.float32
    assert 0.0 <= batch.min() and batch.max() <= 1.0
    if input_shape == (28, 28, 1):
        np.testing.assert_array_equal(batch[..., 0], images / np.float32(255))
        assert conversion == ""
    if input_shape[2] == 3:
        assert GREY_TO_COLOUR in conversion
        np.testing.assert_array_equal(batch[..., 0], batch[..., 2])
    if input_shape[:2] != (28, 28):
        assert f"28×28 grey images fitted to {input_shape[0]}×{input_shape[1]}" in conversion


def test_a_non_square_input_keeps_the_aspect_and_centres_the_image_on_black():
    square = np.full((1, 28, 28), 255, np.uint8)
    batch, _ = fit_batch(square, (40, 24, 1))
    rows = np.flatnonzero(batch[0, :, :, 0].max(axis=1) > 0.5)
    assert batch[0, :, :, 0].max(axis=0).min() > 0.5  # the whole width is used
    assert (rows[0], rows[-1]) == (8, 31)  # a 24x24 square in the middle of 40 rows
    assert batch[0, :8].max() == 0.0 and batch[0, 32:].max() == 0.0


def test_colour_dataset_images_become_grey_for_a_grey_model():
    rng = np.random.default_rng(1)
    images = rng.random((3, 32, 32, 3)).astype(np.float32)
    batch, conversion = fit_batch(images, (32, 32, 1))
    assert conversion == COLOUR_TO_GREY
    np.testing.assert_allclose(batch[..., 0], images @ np.array([0.299, 0.587, 0.114], np.float32), rtol=1e-6)


@pytest.mark.parametrize("images, match", [
    (np.zeros((2, 28, 28, 2), np.uint8), r"\(n, height, width, 1 or 3\)"),
    (np.full((2, 28, 28), 2.0), r"must lie in \[0, 1\]"),
    (np.zeros((2, 28, 28), np.int64), "uint8"),
])
def test_fit_batch_refuses_what_it_cannot_read(images, match):
    with pytest.raises(ValueError, match=match):
        fit_batch(images, (28, 28, 1))
    with pytest.raises(ValueError, match="1 \\(grey\\) or 3 \\(colour\\) channels"):
        fit_batch(np.zeros((1, 28, 28), np.uint8), (28, 28, 2))


def digit_picture():
    picture = np.full((90, 60), 255, np.uint8)  # dark ink on white paper
    picture[20:70, 25:35] = 0
    return picture


def test_a_grey_picture_for_a_grey_model_is_framed_like_mnist_with_nothing_to_report():
    result = picture_input(digit_picture(), (28, 28, 1))
    expected = preprocess_image(digit_picture())
    np.testing.assert_array_equal(result.input, expected.input)
    assert result.inverted and result.conversion == "" and result.message == ""
    assert not result.input.flags.writeable


def test_a_grey_picture_for_a_colour_non_square_model_is_framed_in_the_middle_and_repeated():
    result = picture_input(digit_picture(), (40, 24, 3))
    assert result.input.shape == (1, 40, 24, 3)
    assert result.conversion == GREY_TO_COLOUR and "grey to colour" in result.message
    np.testing.assert_array_equal(result.input[..., 0], result.input[..., 1])
    ink_rows = np.flatnonzero(result.input[0, :, :, 0].max(axis=1) > 0.2)
    assert 8 <= ink_rows[0] and ink_rows[-1] < 32  # inside the centred 24x24 square
    assert max(np.ptp(ink_rows) + 1, 0) in (16, 17, 18)  # 20/28 of 24 pixels


def test_a_colour_picture_for_a_grey_model_becomes_grey_and_says_so():
    picture = np.zeros((60, 60, 3), np.uint8)
    picture[10:50, 25:35] = (0, 255, 0)
    result = picture_input(picture, (32, 32, 1))
    assert result.input.shape == (1, 32, 32, 1) and result.input.max() == 1.0
    assert result.conversion == COLOUR_TO_GREY
    assert "ITU-R BT.601" in result.message


def test_a_colour_picture_for_a_colour_model_keeps_its_colours():
    picture = np.zeros((64, 32, 4), np.uint8)
    picture[..., 0] = 255  # red
    picture[..., 3] = 255  # opaque
    picture[:, :16, 3] = 0  # the left half transparent: black
    result = picture_input(picture, (32, 32, 3))
    assert result.conversion == ""
    assert result.input.shape == (1, 32, 32, 3)
    centre = result.input[0, 16]
    np.testing.assert_allclose(centre[20], [1.0, 0.0, 0.0], atol=1e-6)  # red
    assert centre[:8].max() == 0.0  # aspect kept: a 32x16 picture in the middle, black beside it


@pytest.mark.parametrize("shape, input_shape", [((280, 280, 3), (64, 64, 3)), ((90, 37, 3), (40, 24, 3)),
                                                ((5, 9, 3), (28, 28, 3))])
def test_an_rgb_picture_gives_the_numbers_an_opaque_rgba_picture_does(shape, input_shape):
    """The colour canvas's RGB takes a shorter way (one conversion): the same input to the last bit."""
    rgb = np.random.default_rng(2).integers(0, 256, shape, dtype=np.uint8)
    rgba = np.concatenate([rgb, np.full(shape[:2] + (1,), 255, np.uint8)], axis=-1)
    np.testing.assert_array_equal(picture_input(rgb, input_shape).input, picture_input(rgba, input_shape).input)


def test_an_empty_drawing_is_still_refused_for_any_shape():
    with pytest.raises(EmptyImageError):
        picture_input(np.zeros((50, 50), np.uint8), (32, 32, 3))
