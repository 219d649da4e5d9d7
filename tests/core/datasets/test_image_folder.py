"""A folder of a person's own pictures as a dataset: classes from sub-folders, mixed sizes and formats,
unreadable files listed and skipped, the fit-and-pad rule, grey or RGB, a fixed stratified split and a
cache that is used when the folder is unchanged and rebuilt when it changes."""

from __future__ import annotations

import os

import numpy as np
import pytest

from cnnviz.core.datasets import (
    DatasetFormatError,
    DatasetUnavailableError,
    folder_cache,
    image_decoding,
    load_dataset,
    read_image_folder,
)
from cnnviz.core.datasets.image_fitting import fit_picture
from cnnviz.core.datasets.image_folder import split_indices
from cnnviz.core.preprocessing.model_input import fitted_size
from cnnviz.imaging import decode_picture, install_image_decoder
from tests.core.datasets.image_folders import CLASS_COLOURS, save_picture, write_image_folder


@pytest.fixture(autouse=True)
def qt_decoder():
    """Qt's decoder registered, as the command line and the window do; none afterwards."""
    install_image_decoder()
    yield
    image_decoding.register_image_decoder(None)


@pytest.fixture
def folder(tmp_path):
    return write_image_folder(tmp_path / "pictures")


class CountingDecoder:
    """Qt's decoder, counting the files it is asked for."""

    def __init__(self):
        self.calls = 0

    def __call__(self, path, fit_within):
        self.calls += 1
        return decode_picture(path, fit_within)


def test_classes_come_from_sub_folders_and_unreadable_files_are_listed_not_fatal(folder):
    result = read_image_folder(folder, (16, 16, 3))
    assert result.class_names == ("circles", "squares", "triangles")
    assert result.class_counts() == [6, 5, 7]
    assert result.images.shape == (18, 16, 16, 3) and result.images.dtype == np.uint8
    assert dict(result.unreadable).keys() == {"circles/broken.png", "circles/notes.txt"}
    assert all(reason for _, reason in result.unreadable)
    assert not any(".cache" in path for path in result.files)  # hidden folders are not classes nor files
    # PNG, JPEG and BMP pictures of four sizes were all read, each in its class's colour.
    assert {path.rsplit(".", 1)[1] for path in result.files} == {"png", "jpg", "bmp"}
    for image, label in zip(result.images, result.labels):
        colour = np.array(CLASS_COLOURS[result.class_names[label]])
        centre = image[8, 8].astype(int)
        assert np.abs(centre - colour).max() <= 12  # JPEG's artefacts


def test_pictures_are_scaled_to_fit_keeping_their_aspect_then_centred_on_black():
    wide = np.zeros((20, 40, 3), np.uint8)
    wide[...] = (255, 0, 0)
    image = fit_picture(wide, (16, 16, 3))
    assert fitted_size(20, 40, (16, 16)) == (8, 16)
    assert image.shape == (16, 16, 3)
    assert (image[4:12, :] == (255, 0, 0)).all()  # the picture, full width, in the middle rows
    assert (image[:4] == 0).all() and (image[12:] == 0).all()  # black bars above and below
    tall = fit_picture(np.full((30, 10), 200, np.uint8), (12, 24, 1))
    assert tall.shape == (12, 24) and (tall[:, 10:14] == 200).all() and (tall[:, :10] == 0).all()


def test_a_small_picture_is_enlarged_and_transparency_becomes_black():
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., 1] = 255
    rgba[0, :, 3] = 255  # top row opaque green, bottom row transparent
    image = fit_picture(rgba, (8, 8, 3))
    assert image.shape == (8, 8, 3)
    assert image[0, 4, 1] == 255 and image[7, 4, 1] == 0 and image[..., 0].max() == 0


def test_grey_and_rgb_as_asked(folder):
    grey = load_dataset(str(folder), "train", image_shape=(12, 20, 1))
    rgb = load_dataset(str(folder), "train", image_shape=(12, 20, 3))
    assert grey.images.shape[1:] == (12, 20) and grey.image_shape == (12, 20, 1)
    assert rgb.images.shape[1:] == (12, 20, 3) and rgb.image_shape == (12, 20, 3)
    assert grey.inputs().shape == (len(grey), 12, 20, 1) and grey.inputs().dtype == np.float32
    # The grey level is the colour's luminance (BT.601).
    expected = rgb.images.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    assert np.abs(grey.images.astype(np.float32) - expected).max() <= 1.5
    # A grey picture read as RGB repeats its level in the three channels.
    picture = fit_picture(np.full((5, 5), 90, np.uint8), (4, 4, 3))
    assert (picture == 90).all()


def test_the_split_is_stratified_reproducible_and_disjoint(folder):
    first_train = load_dataset(str(folder), "train", image_shape=(8, 8, 3))
    first_test = load_dataset(str(folder), "test", image_shape=(8, 8, 3))
    again = load_dataset(str(folder), "test", image_shape=(8, 8, 3))
    assert np.array_equal(first_test.images, again.images) and np.array_equal(first_test.labels, again.labels)
    assert np.bincount(first_test.labels, minlength=3).tolist() == [1, 1, 1]  # round(0.2 * n) of 6, 5 and 7
    assert np.bincount(first_train.labels, minlength=3).tolist() == [5, 4, 6]
    assert first_train.class_names == first_test.class_names == ("circles", "squares", "triangles")
    assert "scaled to fit preserving aspect ratio, then centred on black padding" in first_train.source
    assert "2 unreadable file(s) skipped" in first_train.source
    labels = np.repeat(np.arange(3), [50, 20, 2])
    train, test = split_indices(labels, 3)
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(72))
    assert np.bincount(labels[test], minlength=3).tolist() == [10, 4, 1]
    assert len(set(labels[train[:6]].tolist())) > 1  # classes are mixed, not in blocks


def test_a_second_read_comes_from_the_cache_and_a_changed_file_invalidates_it(folder):
    decoder = CountingDecoder()
    first = read_image_folder(folder, (10, 10, 3), decoder=decoder)
    assert not first.from_cache and decoder.calls == 20
    cached = list(folder_cache.cache_folder().glob("*.npz"))
    assert len(cached) == 1 and str(folder_cache.cache_folder()).startswith(os.environ["CNNVIZ_HOME"])

    second = read_image_folder(folder, (10, 10, 3), decoder=decoder)
    assert second.from_cache and decoder.calls == 20
    assert np.array_equal(first.images, second.images) and second.unreadable == first.unreadable

    another_shape = read_image_folder(folder, (10, 10, 1), decoder=decoder)
    assert not another_shape.from_cache and decoder.calls == 40

    changed = folder / "circles" / "circles_00.png"
    save_picture(changed, np.zeros((9, 9, 3), np.uint8))
    os.utime(changed, ns=(1, 1))
    third = read_image_folder(folder, (10, 10, 3), decoder=decoder)
    assert not third.from_cache and decoder.calls == 60
    assert not np.array_equal(first.images, third.images)

    save_picture(folder / "squares" / "added.png", np.full((6, 6, 3), 40, np.uint8))
    fourth = read_image_folder(folder, (10, 10, 3), decoder=decoder)
    assert not fourth.from_cache and fourth.class_counts() == [6, 6, 7]


def test_a_damaged_cache_file_is_ignored_and_rebuilt(folder):
    read_image_folder(folder, (10, 10, 3))
    (cache_file,) = folder_cache.cache_folder().glob("*.npz")
    cache_file.write_bytes(b"PK\x03\x04 not really a zip")
    again = read_image_folder(folder, (10, 10, 3))
    assert not again.from_cache and again.class_counts() == [6, 5, 7]


def test_without_a_decoder_a_cached_folder_is_still_read_and_an_uncached_one_says_what_to_do(folder):
    read_image_folder(folder, (10, 10, 3))
    image_decoding.register_image_decoder(None)
    assert read_image_folder(folder, (10, 10, 3)).from_cache
    with pytest.raises(DatasetUnavailableError, match=r"No image decoder.*install_image_decoder"):
        read_image_folder(folder, (12, 12, 3))


def test_fewer_than_two_classes_is_refused_with_a_clear_message(tmp_path):
    one = write_image_folder(tmp_path / "one", {"circles": 3}, junk=False)
    with pytest.raises(DatasetFormatError, match=r"1 class sub-folder\(s\) \(only 'circles'\); a dataset needs at "
                                                 r"least two"):
        read_image_folder(one)
    (tmp_path / "none").mkdir()
    with pytest.raises(DatasetFormatError, match=r"0 class sub-folder\(s\) \(none\)"):
        load_dataset(str(tmp_path / "none"))


def test_a_class_without_a_readable_picture_is_named(tmp_path):
    root = write_image_folder(tmp_path / "pictures", {"circles": 3, "squares": 2}, junk=False)
    (root / "empty").mkdir()
    (root / "broken").mkdir()
    (root / "broken" / "a.jpg").write_bytes(b"\xff\xd8\xff not a jpeg")
    with pytest.raises(DatasetFormatError, match=r"'broken', 'empty' hold no readable picture \(1 file\(s\) could "
                                                 r"not be read\)"):
        read_image_folder(root)
    described = read_image_folder(root, require_classes=False)
    assert described.class_counts() == [0, 3, 0, 2]


def test_bad_image_shapes_are_refused(folder):
    for shape in ((0, 8, 3), (8, 8, 2), (8, 8), "32x32"):
        with pytest.raises(ValueError, match=r"height, width, channels"):
            read_image_folder(folder, shape)
