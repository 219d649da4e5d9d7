"""Read a copy of full MNIST or Fashion-MNIST that :func:`~cnnviz.core.datasets.search.locate`
found (a Keras-format ``mnist.npz`` or four IDX files), checking that it holds 28 x 28 ``uint8``
images and matching labels; and count a copy's images from file headers alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cnnviz.core.datasets.dataset import DatasetFormatError
from cnnviz.core.datasets.idx import (
    MAX_IDX_DATA_BYTES,
    IdxFormatError,
    IdxHeader,
    check_idx_file,
    read_idx_pair,
)
from cnnviz.core.datasets.registry import MNIST_IMAGE_SHAPE, SPLITS
from cnnviz.core.datasets.search import FoundCopy
from cnnviz.core.safe_npz import NpzFileError, SafeNpz

# Keys of a Keras-format mnist.npz per split.
NPZ_KEYS: dict[str, tuple[str, str]] = {
    "train": ("x_train", "y_train"),
    "test": ("x_test", "y_test"),
}
MAX_NPZ_DATASET_BYTES = 2 * MAX_IDX_DATA_BYTES + 2**20
"""The most bytes a dataset npz may declare: two splits of at most MAX_IDX_DATA_BYTES images each."""


def _check_image_arrays(images: np.ndarray, labels: np.ndarray, where: str) -> None:
    if images.ndim != 3 or images.shape[1:] != MNIST_IMAGE_SHAPE or images.dtype != np.uint8:
        raise DatasetFormatError(
            f"{where}: expected images of shape (n, 28, 28) uint8, got {images.shape} "
            f"{images.dtype}; this file is not MNIST-format data."
        )
    if labels.ndim != 1 or labels.dtype != np.uint8 or len(labels) != len(images):
        raise DatasetFormatError(
            f"{where}: expected labels of shape ({len(images)},) uint8 to match the images, "
            f"got {labels.shape} {labels.dtype}; this file is damaged or not MNIST-format data."
        )


def _check_npz_split(archive: SafeNpz, split: str) -> int:
    """Check one split's arrays from their headers alone; return its number of images."""
    image_key, label_key = NPZ_KEYS[split]
    missing = [key for key in (image_key, label_key) if key not in archive.headers]
    if missing:
        raise DatasetFormatError(
            f"{archive.path}: no {', '.join(missing)} in this npz (it holds {archive.files}); "
            "expected a Keras-format mnist.npz with x_train, y_train, x_test, y_test."
        )
    archive.check(image_key, (None, *MNIST_IMAGE_SHAPE), np.uint8)
    archive.check(label_key, (None,), np.uint8)
    num_images, num_labels = archive.headers[image_key].shape[0], archive.headers[label_key].shape[0]
    if num_images != num_labels:
        raise DatasetFormatError(
            f"{archive.path}: {image_key} holds {num_images:,} images but {label_key} holds {num_labels:,} "
            "labels; the file is damaged or not MNIST-format data."
        )
    if archive.headers[image_key].data_bytes > MAX_IDX_DATA_BYTES:
        raise DatasetFormatError(
            f"{archive.path}: {image_key} declares {num_images:,} images of 28×28 = "
            f"{archive.headers[image_key].data_bytes:,} bytes, more than the limit of {MAX_IDX_DATA_BYTES:,} "
            "bytes (MAX_IDX_DATA_BYTES) cnnviz reads for one split."
        )
    return int(num_images)


def _open_npz(path: Path) -> SafeNpz:
    try:
        return SafeNpz(path, "npz file", max_bytes=MAX_NPZ_DATASET_BYTES)
    except NpzFileError as error:
        raise DatasetFormatError(
            f"{path}: cannot be read as an npz file ({error}); delete it so it is "
            "downloaded again, or replace it with a good copy."
        ) from None


def _read_npz_split(path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    image_key, label_key = NPZ_KEYS[split]
    with _open_npz(path) as archive:
        try:
            _check_npz_split(archive, split)
            images, labels = archive.read(image_key), archive.read(label_key)
        except NpzFileError as error:
            raise DatasetFormatError(f"{error} This file is not MNIST-format data, or it is damaged.") from None
    _check_image_arrays(images, labels, str(path))
    return images, labels


def read_found(found: FoundCopy, split: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Read one split of a located copy.

    Returns
    -------
    images : numpy.ndarray
        ``(n, 28, 28)`` ``uint8``.
    labels : numpy.ndarray
        ``(n,)`` ``uint8``.
    source : str
        The file or files read.

    Raises
    ------
    DatasetFormatError, cnnviz.core.datasets.idx.IdxFormatError
        If a file does not hold MNIST-format data.
    """
    images_path, labels_path = found.paths[split]
    if found.kind == "npz":
        images, labels = _read_npz_split(images_path, split)
        return images, labels, str(images_path)
    images, labels = read_idx_pair(images_path, labels_path)
    _check_image_arrays(images, labels, f"{images_path} / {labels_path}")
    return images, labels, f"{images_path}, {labels_path}"


def npz_member_length(path: Path, key: str) -> int:
    """Length of array ``key`` in an npz, read from its .npy header only (the archive checked first)."""
    with _open_npz(path) as archive:
        if key not in archive.headers or not archive.headers[key].shape:
            raise DatasetFormatError(f"{path}: holds no array {key!r} of one or more dimensions.")
        return int(archive.headers[key].shape[0])


def _check_idx_split(images_path: Path, labels_path: Path) -> tuple[int, list[str]]:
    """The split's number of images, and every problem seen in its two files' headers and sizes."""
    problems = []
    headers: list[IdxHeader | None] = []
    for path in (images_path, labels_path):
        try:
            headers.append(check_idx_file(path))
        except (IdxFormatError, OSError) as error:
            headers.append(None)
            problems.append(str(error))
    images, labels = headers
    if images is not None and (images.dtype != np.uint8 or images.shape[1:] != MNIST_IMAGE_SHAPE):
        problems.append(f"{images_path.name}: expected 28×28 uint8 images (n, 28, 28), but the header declares "
                        f"shape {images.shape} of {images.dtype.name}.")
        images = None
    if labels is not None and (labels.dtype != np.uint8 or len(labels.shape) != 1):
        problems.append(f"{labels_path.name}: expected uint8 labels (n,), but the header declares shape "
                        f"{labels.shape} of {labels.dtype.name}.")
        labels = None
    if images is not None and labels is not None and images.shape[0] != labels.shape[0]:
        problems.append(f"image/label count mismatch: {images_path.name} declares {images.shape[0]:,} images "
                        f"but {labels_path.name} declares {labels.shape[0]:,} labels.")
    return (images.shape[0] if images is not None else 0), problems


def found_lengths(found: FoundCopy) -> tuple[int, int]:
    """``(num_train, num_test)`` of a located copy, after checking every file's headers and sizes.

    Nothing but headers (and a plain file's size, a gzip file's trailer) is read, so this is fast
    even for the full datasets.

    Raises
    ------
    DatasetFormatError
        Listing every problem seen: each file that is empty, truncated, too long, of another
        format or declaring too much, and image/label counts that differ.
    """
    if found.kind == "npz":
        path = found.paths["train"][0]
        with _open_npz(path) as archive:
            try:
                return _check_npz_split(archive, "train"), _check_npz_split(archive, "test")
            except NpzFileError as error:
                raise DatasetFormatError(str(error)) from None
    lengths, problems = [], []
    for split in SPLITS:
        length, split_problems = _check_idx_split(*found.paths[split])
        lengths.append(length)
        problems += split_problems
    if problems:
        raise DatasetFormatError("\n".join(f"- {problem}" for problem in problems))
    return lengths[0], lengths[1]
