"""Small fake copies of MNIST-format data, written the ways cnnviz finds them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cnnviz.core.datasets.idx import write_idx

IDX_NAMES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def fake_split(num_images: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    images = ((np.arange(num_images * 28 * 28) + offset) % 251).astype(np.uint8).reshape(-1, 28, 28)
    labels = ((np.arange(num_images) + offset) % 10).astype(np.uint8)
    return images, labels


def write_idx_folder(folder: Path, compress: bool = True) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if compress else ""
    train_images, train_labels = fake_split(12, 0)
    test_images, test_labels = fake_split(5, 3)
    for name, array in zip(IDX_NAMES, (train_images, train_labels, test_images, test_labels)):
        write_idx(folder / f"{name}{suffix}", array)


def write_keras_npz(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    train_images, train_labels = fake_split(9, 1)
    test_images, test_labels = fake_split(4, 2)
    np.savez(
        path, x_train=train_images, y_train=train_labels, x_test=test_images, y_test=test_labels
    )
