"""Where full MNIST and Fashion-MNIST are looked for, in which order, and what a miss says."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core.datasets import DatasetUnavailableError, load_dataset, search
from tests.core.datasets.helpers import fake_split, write_idx_folder, write_keras_npz

# ----------------------------------------------------------------------------- full MNIST


def test_mnist_from_keras_cache_in_home(isolated):
    write_keras_npz(isolated / ".keras" / "datasets" / "mnist.npz")
    train = load_dataset("mnist", "train")
    test = load_dataset("mnist", "test")
    assert len(train) == 9 and len(test) == 4
    np.testing.assert_array_equal(train.images, fake_split(9, 1)[0])
    np.testing.assert_array_equal(test.labels, fake_split(4, 2)[1])
    assert train.source == str(isolated / ".keras" / "datasets" / "mnist.npz")
    assert train.class_names == tuple("0123456789")


def test_mnist_from_keras_home(isolated, tmp_path, monkeypatch):
    keras_home = tmp_path / "keras-home"
    write_keras_npz(keras_home / "datasets" / "mnist.npz")
    # A copy in ~/.keras is ignored when KERAS_HOME points elsewhere, as Keras does.
    np.savez(
        isolated / "home-mnist.npz", x_train=np.zeros((2, 28, 28), np.uint8),
        y_train=np.zeros(2, np.uint8), x_test=np.zeros((2, 28, 28), np.uint8),
        y_test=np.zeros(2, np.uint8),
    )
    (isolated / ".keras" / "datasets").mkdir(parents=True)
    (isolated / "home-mnist.npz").rename(isolated / ".keras" / "datasets" / "mnist.npz")
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    dataset = load_dataset("mnist", "test")
    assert len(dataset) == 4
    assert dataset.source == str(keras_home / "datasets" / "mnist.npz")


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_from_idx_files_in_data_dir(isolated, tmp_path, compress):
    folder = tmp_path / "downloads"
    write_idx_folder(folder, compress=compress)
    train = load_dataset("mnist", "train", data_dir=folder)
    test = load_dataset("mnist", "test", data_dir=str(folder))
    assert len(train) == 12 and len(test) == 5
    np.testing.assert_array_equal(train.images, fake_split(12, 0)[0])
    np.testing.assert_array_equal(test.labels, fake_split(5, 3)[1])
    assert "train-images-idx3-ubyte" in train.source
    assert "t10k-labels-idx1-ubyte" in test.source


def test_mnist_from_subfolder_of_cnnviz_data_dir(isolated, tmp_path, monkeypatch):
    root = tmp_path / "data"
    write_idx_folder(root / "mnist")
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(root))
    assert len(load_dataset("mnist", "train")) == 12


def test_mnist_keras_cache_comes_before_data_dir(isolated, tmp_path):
    write_keras_npz(isolated / ".keras" / "datasets" / "mnist.npz")
    write_idx_folder(tmp_path / "idx")
    assert len(load_dataset("mnist", "train", data_dir=tmp_path / "idx")) == 9


def test_mnist_unavailable_names_every_place_tried(isolated, tmp_path, monkeypatch):
    data_dir = tmp_path / "empty-data-dir"
    data_dir.mkdir()
    env_dir = tmp_path / "env-dir"
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(env_dir))
    with pytest.raises(DatasetUnavailableError) as caught:
        load_dataset("mnist", data_dir=data_dir)
    message = str(caught.value)
    assert str(isolated / ".keras" / "datasets" / "mnist.npz") in message
    assert f"the data folder (--data-dir): {data_dir} (no IDX files)" in message
    assert f"$CNNVIZ_DATA_DIR: {env_dir} (no such folder)" in message
    assert "download: not asked for (--download)" in message
    assert "--data-dir" in message and "train-images-idx3-ubyte" in message


def test_mnist_unavailable_without_any_folder(isolated):
    with pytest.raises(DatasetUnavailableError, match=r"a data folder \(--data-dir\): none given") as caught:
        load_dataset("mnist", "test")
    assert "$CNNVIZ_DATA_DIR (not set)" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_incomplete_idx_folder_is_reported(isolated, tmp_path):
    folder = tmp_path / "partial"
    write_idx_folder(folder)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    message = r"incomplete: missing t10k-labels-idx1-ubyte\[\.gz\]"
    with pytest.raises(DatasetUnavailableError, match=message):
        load_dataset("mnist", data_dir=folder)


# ----------------------------------------------------------------------------- Fashion-MNIST


def test_fashion_mnist_from_data_dir(isolated, tmp_path):
    write_idx_folder(tmp_path / "fashion")
    dataset = load_dataset("fashion-mnist", "test", data_dir=tmp_path / "fashion")
    assert len(dataset) == 5
    assert dataset.class_names[0] == "T-shirt/top" and dataset.class_names[9] == "Ankle boot"


def test_fashion_mnist_unavailable_lists_debian_folder(isolated, tmp_path):
    with pytest.raises(DatasetUnavailableError) as caught:
        load_dataset("fashion-mnist")
    message = str(caught.value)
    assert f"Debian package dataset-fashion-mnist: {tmp_path / 'no-debian-package'}" in message
    assert "apt install dataset-fashion-mnist" in message


@pytest.mark.skipif(
    not search.DEBIAN_FASHION_MNIST_DIR.is_dir(),
    reason="Debian package dataset-fashion-mnist is not installed "
    "(apt install dataset-fashion-mnist); CI installs it",
)
def test_real_fashion_mnist(monkeypatch):
    monkeypatch.delenv("CNNVIZ_DATA_DIR", raising=False)
    dataset = load_dataset("fashion-mnist", "test", count=1000)
    assert dataset.images.shape == (1000, 28, 28)
    assert "/usr/share/datasets/fashion-mnist" in dataset.source
