"""Tests for cnnviz.core.datasets: the bundled sample, the search for full MNIST, listing."""

from __future__ import annotations

import hashlib
import importlib.util
import io
from pathlib import Path

import numpy as np
import pytest

from cnnviz.core import datasets
from cnnviz.core.datasets import (
    DATASET_NAMES,
    Dataset,
    DatasetFormatError,
    DatasetUnavailableError,
    list_datasets,
    load_dataset,
)
from cnnviz.core.idx import write_idx
from cnnviz.core.resources import resource_path
from cnnviz.core.shapes import SHAPE_CLASSES

SAMPLE_CLASS_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
IDX_NAMES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


@pytest.fixture
def isolated(tmp_path, monkeypatch) -> Path:
    """An empty home folder, no KERAS_HOME or CNNVIZ_DATA_DIR, no Debian Fashion-MNIST."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.delenv("CNNVIZ_DATA_DIR", raising=False)
    monkeypatch.setattr(datasets, "DEBIAN_FASHION_MNIST_DIR", tmp_path / "no-debian-package")
    return home


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


# ----------------------------------------------------------------------------- bundled sample


def test_bundled_sample_file_holds_10000_digits_with_known_class_counts():
    with np.load(resource_path("mnist_sample.npz"), allow_pickle=False) as archive:
        images, labels = archive["images"], archive["labels"]
        train_index, test_index = archive["train_index"], archive["test_index"]
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert np.bincount(labels, minlength=10).tolist() == SAMPLE_CLASS_COUNTS
    assert train_index.shape == (8000,) and test_index.shape == (2000,)
    assert len(np.intersect1d(train_index, test_index)) == 0
    np.testing.assert_array_equal(np.union1d(train_index, test_index), np.arange(10000))


@pytest.mark.parametrize("split, size", [("train", 8000), ("test", 2000)])
def test_load_sample_split(split, size):
    dataset = load_dataset("mnist-sample", split)
    assert isinstance(dataset, Dataset)
    assert (dataset.name, dataset.split) == ("mnist-sample", split)
    assert len(dataset) == size
    assert dataset.images.shape == (size, 28, 28) and dataset.images.dtype == np.uint8
    assert dataset.labels.shape == (size,) and dataset.labels.dtype == np.uint8
    assert dataset.class_names == tuple("0123456789")
    assert dataset.source.endswith("mnist_sample.npz")
    # Stratified: every class gets about 80 % / 20 % of its digits.
    fraction = 0.8 if split == "train" else 0.2
    counts = np.bincount(dataset.labels, minlength=10)
    np.testing.assert_allclose(counts, np.array(SAMPLE_CLASS_COUNTS) * fraction, atol=1)


def test_sample_train_and_test_share_no_image():
    train = load_dataset("mnist-sample", "train").images.reshape(8000, -1)
    test = load_dataset("mnist-sample", "test").images.reshape(2000, -1)
    both = np.concatenate([train, test])
    assert len(np.unique(both, axis=0)) == 10000


def test_sample_looks_like_mnist():
    images = load_dataset("mnist-sample", "test").images
    assert images.max() == 255
    assert 20 < images.mean() < 50  # MNIST's mean grey level is about 33
    assert images[:, 0, :].mean() < 1  # dark frame


def test_first_training_digits_mix_classes():
    labels = load_dataset("mnist-sample", count=100).labels
    assert len(np.unique(labels)) == 10


def test_loaded_arrays_are_read_only():
    dataset = load_dataset("mnist-sample", count=3)
    with pytest.raises(ValueError, match="read-only"):
        dataset.images[0, 0, 0] = 1


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


def test_malformed_keras_npz_is_an_error_not_a_fallback(isolated):
    path = isolated / ".keras" / "datasets" / "mnist.npz"
    path.parent.mkdir(parents=True)
    np.savez(path, images=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(DatasetFormatError, match=r"no x_train, y_train in this npz"):
        load_dataset("mnist")


def test_download_failure_is_reported(isolated, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no network")

    monkeypatch.setattr("urllib.request.urlopen", refuse)
    message = r"download: tried Keras's download, failed: ConnectionRefusedError: no network"
    with pytest.raises(DatasetUnavailableError, match=message):
        load_dataset("mnist", allow_download=True)
    # Nothing half-written is left in the Keras cache.
    assert not list((isolated / ".keras" / "datasets").glob("*"))


class FakeResponse(io.BytesIO):
    """What ``urllib.request.urlopen`` returns, serving ``data``."""


def serve(monkeypatch, data: bytes, requested: list) -> None:
    def urlopen(url, timeout=None):
        requested.append(url)
        return FakeResponse(data)

    monkeypatch.setattr("urllib.request.urlopen", urlopen)


def test_download_with_the_wrong_checksum_is_refused(isolated, monkeypatch, tmp_path):
    write_keras_npz(tmp_path / "elsewhere" / "mnist.npz")
    data = (tmp_path / "elsewhere" / "mnist.npz").read_bytes()
    requested = []
    serve(monkeypatch, data, requested)
    published = datasets.PUBLISHED_SHA256["mnist.npz"]
    message = (rf"DownloadChecksumError: The downloaded mnist.npz \({len(data):,} bytes from .*\) has SHA-256 "
               rf"{hashlib.sha256(data).hexdigest()}, not the {published} that Keras publishes")
    with pytest.raises(DatasetUnavailableError, match=message):
        load_dataset("mnist", allow_download=True)
    assert requested == [datasets.KERAS_DATA_URL + "mnist.npz"]
    # Neither the file nor a partial copy is kept.
    assert not list((isolated / ".keras" / "datasets").glob("*"))


def test_download_with_the_published_checksum_is_kept(isolated, monkeypatch, tmp_path):
    write_keras_npz(tmp_path / "elsewhere" / "mnist.npz")
    data = (tmp_path / "elsewhere" / "mnist.npz").read_bytes()
    serve(monkeypatch, data, [])
    monkeypatch.setitem(datasets.PUBLISHED_SHA256, "mnist.npz", hashlib.sha256(data).hexdigest())
    assert len(load_dataset("mnist", "test", allow_download=True)) == 4
    assert (isolated / ".keras" / "datasets" / "mnist.npz").read_bytes() == data


def test_the_published_checksum_is_keras_own():
    keras_source = importlib.util.find_spec("keras")
    if keras_source is None:
        pytest.skip("Keras is not installed")
    path = Path(keras_source.origin).parent / "src" / "datasets" / "mnist.py"
    if not path.is_file():
        pytest.skip(f"this Keras keeps its MNIST loader elsewhere than {path}")
    assert datasets.PUBLISHED_SHA256["mnist.npz"] in path.read_text(encoding="utf-8")


def test_download_is_used_only_when_allowed(isolated, monkeypatch):
    calls = []

    def fake_download(name):
        calls.append(name)
        write_keras_npz(isolated / ".keras" / "datasets" / "mnist.npz")

    monkeypatch.setattr(datasets, "_download_like_keras", fake_download)
    with pytest.raises(DatasetUnavailableError):
        load_dataset("mnist")
    assert calls == []
    assert len(load_dataset("mnist", "test", allow_download=True)) == 4
    assert calls == ["mnist"]


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
    not datasets.DEBIAN_FASHION_MNIST_DIR.is_dir(),
    reason="Debian package dataset-fashion-mnist is not installed "
    "(apt install dataset-fashion-mnist); CI installs it",
)
def test_real_fashion_mnist(monkeypatch):
    monkeypatch.delenv("CNNVIZ_DATA_DIR", raising=False)
    dataset = load_dataset("fashion-mnist", "test", count=1000)
    assert dataset.images.shape == (1000, 28, 28)
    assert "/usr/share/datasets/fashion-mnist" in dataset.source


# ----------------------------------------------------------------------------- shapes


def test_shapes_default_counts_and_class_names():
    train = load_dataset("shapes", "train")
    test = load_dataset("shapes", "test")
    assert len(train) == 8000 and len(test) == 2000
    assert train.class_names == SHAPE_CLASSES
    assert "generated (seed=0" in train.source


def test_shapes_train_and_test_differ_and_are_reproducible():
    train = load_dataset("shapes", "train", count=50)
    test = load_dataset("shapes", "test", count=50)
    assert not np.array_equal(train.images, test.images)
    np.testing.assert_array_equal(load_dataset("shapes", "train", count=50).images, train.images)
    other_seed = load_dataset("shapes", "train", count=50, seed=1)
    assert not np.array_equal(other_seed.images, train.images)


def test_shapes_count_is_a_prefix_of_the_full_split():
    full = load_dataset("shapes", "test")
    part = load_dataset("shapes", "test", count=40)
    np.testing.assert_array_equal(part.images, full.images[:40])


# ----------------------------------------------------------------------------- count, names


def test_count_takes_the_first_images():
    full = load_dataset("mnist-sample", "test")
    part = load_dataset("mnist-sample", "test", count=25)
    assert len(part) == 25
    np.testing.assert_array_equal(part.images, full.images[:25])
    np.testing.assert_array_equal(part.labels, full.labels[:25])


@pytest.mark.parametrize("count", [0, -5])
def test_count_must_be_positive(count):
    with pytest.raises(ValueError, match=rf"count must be a positive integer or None.*got {count}"):
        load_dataset("mnist-sample", count=count)


def test_count_larger_than_split():
    message = r"count=2001 but the test split of 'mnist-sample' has only 2000"
    with pytest.raises(ValueError, match=message):
        load_dataset("mnist-sample", "test", count=2001)


def test_unknown_name_lists_valid_names():
    message = (
        r"Unknown dataset 'cifar10'; expected one of mnist-sample, mnist, fashion-mnist, shapes"
    )
    with pytest.raises(ValueError, match=message):
        load_dataset("cifar10")


def test_unknown_split():
    with pytest.raises(ValueError, match=r"Unknown split 'validation'"):
        load_dataset("mnist-sample", "validation")


def test_dataset_validates_its_arrays():
    with pytest.raises(ValueError, match=r"labels must be a \(n,\) uint8 array"):
        Dataset("x", "train", np.zeros((2, 28, 28), np.uint8), np.zeros(2, np.int64), "t", ("a",))
    with pytest.raises(ValueError, match=r"label 3 found but only 2 class names"):
        labels = np.array([0, 3], np.uint8)
        Dataset("x", "train", np.zeros((2, 28, 28), np.uint8), labels, "t", ("a", "b"))


# ----------------------------------------------------------------------------- listing


def test_list_datasets_when_only_bundled_data_exists(isolated):
    infos = {info.name: info for info in list_datasets()}
    assert tuple(infos) == DATASET_NAMES
    sample = infos["mnist-sample"]
    assert sample.available and (sample.num_train, sample.num_test) == (8000, 2000)
    assert infos["shapes"].available
    for name in ("mnist", "fashion-mnist"):
        assert not infos[name].available
        assert infos[name].num_train is None and infos[name].num_test is None
        assert "Looked in" in infos[name].source
        assert infos[name].description


def test_list_datasets_finds_idx_and_npz(isolated, tmp_path):
    write_keras_npz(isolated / ".keras" / "datasets" / "mnist.npz")
    write_idx_folder(tmp_path / "data" / "fashion-mnist")
    infos = {info.name: info for info in list_datasets(data_dir=tmp_path / "data")}
    assert infos["mnist"].available
    assert (infos["mnist"].num_train, infos["mnist"].num_test) == (9, 4)
    assert infos["fashion-mnist"].available
    assert (infos["fashion-mnist"].num_train, infos["fashion-mnist"].num_test) == (12, 5)
    assert str(tmp_path / "data" / "fashion-mnist") in infos["fashion-mnist"].source


def test_list_datasets_reports_unreadable_file(isolated):
    path = isolated / ".keras" / "datasets" / "mnist.npz"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a zip file")
    info = next(info for info in list_datasets() if info.name == "mnist")
    assert not info.available
    assert "cannot read it" in info.source
