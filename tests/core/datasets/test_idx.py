"""Tests for cnnviz.core.datasets.idx: IDX round trips, the real Fashion-MNIST files, corrupt input."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from cnnviz.core.datasets.idx import (
    IdxFormatError,
    read_idx,
    read_idx_header,
    read_idx_pair,
    write_idx,
)

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


def idx_bytes(type_code: int, shape: tuple[int, ...], payload: bytes) -> bytes:
    return bytes([0, 0, type_code, len(shape)]) + np.asarray(shape, dtype=">u4").tobytes() + payload


@pytest.fixture
def images() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)


@pytest.mark.parametrize("file_name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_round_trip_uint8(tmp_path, images, file_name):
    path = tmp_path / file_name
    write_idx(path, images)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == file_name.endswith(".gz")
    result = read_idx(path)
    assert result.dtype == np.uint8
    np.testing.assert_array_equal(result, images)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("compress", [False, True])
def test_round_trip_other_types_in_native_byte_order(tmp_path, dtype, compress):
    array = (np.arange(24).reshape(2, 3, 4) - 7).astype(dtype)
    path = tmp_path / "values.idx"
    write_idx(path, array, compress=compress)
    result = read_idx(path)
    assert result.dtype == np.dtype(dtype)
    assert result.dtype.isnative
    np.testing.assert_array_equal(result, array)


def test_gzip_is_detected_by_content_not_name(tmp_path, images):
    misleading = tmp_path / "plain-name-idx3-ubyte"
    write_idx(misleading, images, compress=True)
    np.testing.assert_array_equal(read_idx(misleading), images)
    unzipped_with_gz_name = tmp_path / "looks-zipped.gz"
    write_idx(unzipped_with_gz_name, images, compress=False)
    np.testing.assert_array_equal(read_idx(unzipped_with_gz_name), images)


def test_result_is_writable(tmp_path, images):
    write_idx(tmp_path / "a", images)
    result = read_idx(tmp_path / "a")
    result[0, 0, 0] = 1
    assert result[0, 0, 0] == 1


def test_header_only(tmp_path, images):
    write_idx(tmp_path / "a.gz", images)
    header = read_idx_header(tmp_path / "a.gz")
    assert header.shape == (5, 28, 28)
    assert header.dtype == np.uint8
    assert header.compressed


def test_pair_round_trip(tmp_path, images):
    labels = np.arange(5, dtype=np.uint8)
    write_idx(tmp_path / "i.gz", images)
    write_idx(tmp_path / "l.gz", labels)
    read_images, read_labels = read_idx_pair(tmp_path / "i.gz", tmp_path / "l.gz")
    np.testing.assert_array_equal(read_images, images)
    np.testing.assert_array_equal(read_labels, labels)


@pytest.mark.skipif(
    not (FASHION_DIR / "train-images-idx3-ubyte.gz").is_file(),
    reason="Debian package dataset-fashion-mnist is not installed "
    "(apt install dataset-fashion-mnist); CI installs it",
)
@pytest.mark.parametrize("prefix, count", [("train", 60000), ("t10k", 10000)])
def test_real_fashion_mnist_files(prefix, count):
    images, labels = read_idx_pair(
        FASHION_DIR / f"{prefix}-images-idx3-ubyte.gz",
        FASHION_DIR / f"{prefix}-labels-idx1-ubyte.gz",
    )
    assert images.shape == (count, 28, 28)
    assert images.dtype == np.uint8
    assert labels.shape == (count,)
    assert labels.dtype == np.uint8
    assert labels.min() == 0 and labels.max() == 9
    # Fashion-MNIST is balanced: 6,000 / 1,000 images per class.
    np.testing.assert_array_equal(np.bincount(labels), np.full(10, count // 10))
    assert 0 < images.mean() < 255


# ----------------------------------------------------------------------------- corrupt files


def test_bad_magic_first_bytes_not_zero(tmp_path):
    path = tmp_path / "bad-magic"
    path.write_bytes(b"\x01\x00\x08\x01" + b"\x00\x00\x00\x01" + b"\x07")
    with pytest.raises(IdxFormatError, match=r"bad-magic: bad magic number 01 00 08 01"):
        read_idx(path)


def test_unknown_type_code(tmp_path):
    path = tmp_path / "odd-type"
    path.write_bytes(idx_bytes(0x0A, (1,), b"\x07"))
    with pytest.raises(IdxFormatError, match=r"odd-type: unknown IDX type code 0x0A"):
        read_idx(path)


def test_too_many_dimensions(tmp_path):
    path = tmp_path / "five-d"
    path.write_bytes(idx_bytes(0x08, (1, 1, 1, 1, 1), b"\x07"))
    with pytest.raises(IdxFormatError, match=r"declares 5 dimensions; expected 1 to 4"):
        read_idx(path)


@pytest.mark.parametrize("compress", [False, True])
def test_truncated_data(tmp_path, compress):
    payload = idx_bytes(0x08, (2, 3, 3), bytes(17))
    path = tmp_path / "short"
    path.write_bytes(gzip.compress(payload) if compress else payload)
    with pytest.raises(IdxFormatError, match=r"short: the file is shorter than its header declares"
                                             r".*2 images of 3×3 = 18 data bytes, but it holds only 17"):
        read_idx(path)


def test_trailing_bytes(tmp_path):
    path = tmp_path / "long"
    path.write_bytes(idx_bytes(0x08, (4,), bytes(6)))
    with pytest.raises(IdxFormatError, match=r"long: the file is longer than its header declares"
                                             r".*4 labels = 4 data bytes, but more data follows"):
        read_idx(path)


def test_truncated_header(tmp_path):
    path = tmp_path / "header"
    path.write_bytes(bytes([0, 0, 8, 3]) + b"\x00\x00\x00\x02")
    with pytest.raises(IdxFormatError, match=r"header: truncated header: expected 16 bytes"):
        read_idx(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty-idx3-ubyte"
    path.write_bytes(b"")
    with pytest.raises(IdxFormatError, match=r"empty-idx3-ubyte: the file is empty \(0 bytes\)"):
        read_idx(path)


def test_cut_gzip_stream(tmp_path, images):
    whole = gzip.compress(idx_bytes(0x08, images.shape, images.tobytes()))
    path = tmp_path / "cut.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(IdxFormatError, match=r"cut.gz: the gzip stream is damaged or cut short"):
        read_idx(path)


def test_foreign_file_png(tmp_path):
    path = tmp_path / "picture.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    message = r"picture.png: bad magic number 89 50 4e 47.*not an IDX file"
    with pytest.raises(IdxFormatError, match=message):
        read_idx(path)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "absent")


def test_pair_count_mismatch_names_both_files_and_counts(tmp_path, images):
    write_idx(tmp_path / "train-images-idx3-ubyte", images)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(4, dtype=np.uint8))
    with pytest.raises(
        IdxFormatError,
        match=r"train-images-idx3-ubyte holds 5 images but t10k-labels-idx1-ubyte holds 4 labels",
    ):
        read_idx_pair(tmp_path / "train-images-idx3-ubyte", tmp_path / "t10k-labels-idx1-ubyte")


def test_pair_swapped_files(tmp_path, images):
    write_idx(tmp_path / "images", images)
    write_idx(tmp_path / "labels", np.zeros(5, dtype=np.uint8))
    message = r"labels: expected 3-D uint8 images.*got shape \(5,\)"
    with pytest.raises(IdxFormatError, match=message):
        read_idx_pair(tmp_path / "labels", tmp_path / "images")


def test_pair_rejects_non_uint8_labels(tmp_path, images):
    write_idx(tmp_path / "images", images)
    write_idx(tmp_path / "labels", np.zeros(5, dtype=np.int32))
    with pytest.raises(IdxFormatError, match=r"labels: expected 1-D uint8 labels.*int32"):
        read_idx_pair(tmp_path / "images", tmp_path / "labels")


def test_write_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(ValueError, match=r"cannot store dtype int64"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=np.int64))


def test_write_rejects_bad_rank(tmp_path):
    with pytest.raises(ValueError, match=r"got a 0-D array"):
        write_idx(tmp_path / "x", np.uint8(3))
