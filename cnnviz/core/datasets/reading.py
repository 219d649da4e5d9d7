"""Read a copy of full MNIST or Fashion-MNIST that :func:`~cnnviz.core.datasets.search.locate`
found (a Keras-format ``mnist.npz`` or four IDX files), checking that it holds 28 x 28 ``uint8``
images and matching labels; and count a copy's images from file headers alone.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from cnnviz.core.datasets.dataset import DatasetFormatError
from cnnviz.core.datasets.idx import read_idx_header, read_idx_pair
from cnnviz.core.datasets.registry import IMAGE_SHAPE, SPLITS
from cnnviz.core.datasets.search import FoundCopy

# Keys of a Keras-format mnist.npz per split.
NPZ_KEYS: dict[str, tuple[str, str]] = {
    "train": ("x_train", "y_train"),
    "test": ("x_test", "y_test"),
}


def _check_image_arrays(images: np.ndarray, labels: np.ndarray, where: str) -> None:
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE or images.dtype != np.uint8:
        raise DatasetFormatError(
            f"{where}: expected images of shape (n, 28, 28) uint8, got {images.shape} "
            f"{images.dtype}; this file is not MNIST-format data."
        )
    if labels.ndim != 1 or labels.dtype != np.uint8 or len(labels) != len(images):
        raise DatasetFormatError(
            f"{where}: expected labels of shape ({len(images)},) uint8 to match the images, "
            f"got {labels.shape} {labels.dtype}; this file is damaged or not MNIST-format data."
        )


def _read_npz_split(path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    image_key, label_key = NPZ_KEYS[split]
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in (image_key, label_key) if key not in archive.files]
            if missing:
                raise DatasetFormatError(
                    f"{path}: no {', '.join(missing)} in this npz (it holds {archive.files}); "
                    "expected a Keras-format mnist.npz with x_train, y_train, x_test, y_test."
                )
            images, labels = archive[image_key], archive[label_key]
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise DatasetFormatError(
            f"{path}: cannot be read as an npz file ({error}); delete it so it is "
            "downloaded again, or replace it with a good copy."
        ) from error
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
    """Length of array ``key`` in an npz, read from its .npy header only."""
    with zipfile.ZipFile(path) as archive, archive.open(f"{key}.npy") as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, _, _ = np.lib.format.read_array_header_1_0(member)
        else:
            shape, _, _ = np.lib.format.read_array_header_2_0(member)
    return int(shape[0])


def found_lengths(found: FoundCopy) -> tuple[int, int]:
    """``(num_train, num_test)`` of a located copy, from its file headers."""
    if found.kind == "npz":
        path = found.paths["train"][0]
        return npz_member_length(path, "y_train"), npz_member_length(path, "y_test")
    train, test = (int(read_idx_header(found.paths[split][1]).shape[0]) for split in SPLITS)
    return train, test
