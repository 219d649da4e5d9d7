"""CIFAR-10 from small copies written here in both releases: the python pickles (read through the
restricted unpickler, which refuses a hostile pickle before anything in it runs) and the binary records
(sized before reading); where it is looked for; and the download, checksum and unpacking."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tarfile

import numpy as np
import pytest

from cnnviz.core.datasets import (
    CIFAR10_CLASSES,
    DatasetFormatError,
    DatasetUnavailableError,
    cifar,
    download,
    list_datasets,
    load_dataset,
    restricted_pickle,
)
from cnnviz.core.datasets.restricted_pickle import PickleRefusedError, load_restricted
from tests.core.datasets.pickles import python2_pickle

RECORDS = {"train": 3, "test": 2}  # per file


def dumps(value) -> bytes:
    return python2_pickle(value)


def planes(count: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """``(count, 3072)`` rows whose red, green and blue planes are offset, offset+1 and offset+2
    (plus the pixel's column), and labels offset + 0, 1, 2 … (mod 10)."""
    rows = np.empty((count, 3, 32, 32), np.uint8)
    for channel in range(3):
        rows[:, channel] = (offset + channel + np.arange(32)[None, None, :]) % 256
    return rows.reshape(count, 3072), (offset + np.arange(count)) % 10


def python_batch(count: int, offset: int, numpy_one_names: bool = True) -> bytes:
    """A pickled batch as CIFAR-10 ships it (Python 2 protocol, bytes keys); with ``numpy_one_names`` the
    array's reconstructor is spelled numpy.core.multiarray, as in the real files."""
    data, labels = planes(count, offset)
    batch = {b"batch_label": b"testing batch", b"labels": labels.tolist(), b"data": data,
             b"filenames": [b"img_%d.png" % index for index in range(count)]}
    pickled = dumps(batch)
    if numpy_one_names:
        pickled = pickled.replace(b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n")
    return pickled


def write_python_copy(folder, numpy_one_names=True):
    folder.mkdir(parents=True, exist_ok=True)
    for split, names in cifar.PYTHON_FILES.items():
        for number, name in enumerate(names):
            (folder / name).write_bytes(python_batch(RECORDS[split], 10 * number + (50 if split == "test" else 0),
                                                     numpy_one_names))
    return folder


def write_binary_copy(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for split, names in cifar.BINARY_FILES.items():
        for number, name in enumerate(names):
            data, labels = planes(RECORDS[split], 10 * number + (50 if split == "test" else 0))
            records = np.concatenate([labels.astype(np.uint8)[:, None], data], axis=1)
            (folder / name).write_bytes(records.tobytes())
    return folder


@pytest.fixture
def isolated_keras(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv("CNNVIZ_DATA_DIR", raising=False)
    return tmp_path / "keras"


@pytest.mark.parametrize("numpy_one_names", [True, False], ids=["numpy.core", "numpy._core"])
def test_python_release_from_the_keras_cache(isolated_keras, numpy_one_names):
    write_python_copy(isolated_keras / "datasets" / "cifar-10-batches-py", numpy_one_names)
    train = load_dataset("cifar10", "train")
    test = load_dataset("cifar10", "test")
    assert train.images.shape == (15, 32, 32, 3) and test.images.shape == (2, 32, 32, 3)
    assert train.image_shape == (32, 32, 3) and train.class_names == CIFAR10_CLASSES
    # Planes became channels: red = offset + column, green one more, blue two more.
    assert train.images[0, 5, 7].tolist() == [7, 8, 9]
    assert train.images[3, 0, 0].tolist() == [10, 11, 12]  # the second file's first image
    assert train.labels.tolist()[:4] == [0, 1, 2, 0] and test.labels.tolist() == [0, 1]
    assert train.inputs().shape == (15, 32, 32, 3)
    assert "python pickles" in train.source


def test_binary_release_from_a_data_folder_gives_the_same_images(isolated_keras, tmp_path):
    write_binary_copy(tmp_path / "data" / "cifar-10-batches-bin")
    write_python_copy(tmp_path / "other" / "cifar-10-batches-py")
    binary = load_dataset("cifar10", "train", data_dir=tmp_path / "data")
    python = load_dataset("cifar10", "train", data_dir=tmp_path / "other")
    assert "binary records" in binary.source
    assert np.array_equal(binary.images, python.images) and np.array_equal(binary.labels, python.labels)
    info = next(info for info in list_datasets(data_dir=tmp_path / "data") if info.name == "cifar10")
    assert info.available and (info.num_train, info.num_test) == (15, 2)


def test_missing_cifar_says_where_it_looked_and_how_to_get_it(isolated_keras, tmp_path):
    (tmp_path / "data" / "cifar-10-batches-py").mkdir(parents=True)
    (tmp_path / "data" / "cifar-10-batches-py" / "data_batch_1").write_bytes(b"")
    with pytest.raises(DatasetUnavailableError, match=r"(?s)'cifar10' was not found.*Keras cache.*incomplete: "
                                                      r"missing data_batch_2.*--download"):
        load_dataset("cifar10", data_dir=tmp_path / "data")
    info = next(info for info in list_datasets() if info.name == "cifar10")
    assert not info.available and "cifar-10-python.tar.gz" in info.source


class Hostile:
    """Unpickling this calls ``function(argument)``."""

    def __init__(self, function, argument):
        self.function, self.argument = function, argument

    def __reduce__(self):
        return self.function, (self.argument,)


@pytest.mark.parametrize("function, argument, name", [
    (os.system, "touch {marker}", r"(posix|nt)\.system"),
    (eval, "open({marker!r}, 'w').close()", r"__builtin__\.eval"),  # Python 2's name, as protocol 2 writes it
    (exec, "open({marker!r}, 'w').close()", r"__builtin__\.exec"),
])
def test_a_hostile_pickle_is_refused_before_anything_is_called(isolated_keras, tmp_path, function, argument, name):
    marker = tmp_path / "was-called"
    batch = {b"data": Hostile(function, argument.format(marker=str(marker))), b"labels": [0]}
    folder = write_python_copy(isolated_keras / "datasets" / "cifar-10-batches-py")
    (folder / "test_batch").write_bytes(dumps(batch))
    with pytest.raises(DatasetFormatError, match=rf"test_batch: refused: it asks for {name}, which could run "
                                                 r"code.*before anything in it was called"):
        load_dataset("cifar10", "test")
    assert not marker.exists()


def test_a_modern_pickle_naming_builtins_eval_is_refused_too(tmp_path):
    marker = tmp_path / "was-called"
    data = pickle.dumps({b"data": Hostile(eval, f"open({str(marker)!r}, 'w').close()")}, protocol=4)
    with pytest.raises(PickleRefusedError, match=r"it asks for builtins\.eval"):
        load_restricted(data)
    assert not marker.exists()


def test_the_refusal_comes_when_the_name_is_looked_up_not_when_it_is_called(tmp_path):
    looked_up = []

    class Watching(restricted_pickle.RestrictedUnpickler):
        def find_class(self, module, name):
            looked_up.append((module, name))
            return super().find_class(module, name)

    marker = tmp_path / "was-called"
    data = dumps([1, 2, Hostile(os.system, f"touch {marker}")])
    with pytest.raises(PickleRefusedError):
        Watching(io.BytesIO(data), encoding="bytes").load()
    assert looked_up == [("posix" if os.name == "posix" else "nt", "system")] and not marker.exists()


def test_arrays_of_objects_or_of_a_declared_huge_size_are_refused():
    objects = np.array([{"a": 1}, None], dtype=object)
    with pytest.raises(PickleRefusedError, match=r"Python objects"):
        load_restricted(dumps(objects))
    fine = load_restricted(dumps(np.arange(6, dtype=np.uint8).reshape(2, 3)))
    assert fine.tolist() == [[0, 1, 2], [3, 4, 5]]
    # The reconstructor itself refuses a huge declared shape before allocating anything.
    with pytest.raises(PickleRefusedError, match=r"more than 64 MB"):
        restricted_pickle._reconstruct(np.ndarray, (10**6, 10**6), b"b")
    with pytest.raises(PickleRefusedError, match=r"only numpy.ndarray"):
        restricted_pickle._reconstruct(np.matrix, (0,), b"b")


def test_damaged_batches_are_refused_with_the_file_named(isolated_keras, monkeypatch):
    folder = write_python_copy(isolated_keras / "datasets" / "cifar-10-batches-py")
    (folder / "test_batch").write_bytes(b"\x80\x02}q\x00")  # a dict never finished
    with pytest.raises(DatasetFormatError, match=r"test_batch: not a readable CIFAR-10 pickle"):
        load_dataset("cifar10", "test")
    (folder / "test_batch").write_bytes(dumps({b"data": np.zeros((2, 5), np.uint8), b"labels": [0, 1]}))
    with pytest.raises(DatasetFormatError, match=r"expected data of shape \(n, 3072\) uint8"):
        load_dataset("cifar10", "test")
    (folder / "test_batch").write_bytes(python_batch(2, 0).replace(b"testing batch", b"testing batcH"))
    monkeypatch.setattr(cifar, "MAX_PICKLE_BYTES", 1000)
    with pytest.raises(DatasetFormatError, match=r"more than a CIFAR-10 batch \(1,000 at most\); it was not read"):
        load_dataset("cifar10", "test")


def test_a_binary_batch_that_is_not_whole_records_is_refused(isolated_keras, tmp_path):
    folder = write_binary_copy(tmp_path / "data" / "cifar-10-batches-bin")
    with open(folder / "test_batch.bin", "ab") as handle:
        handle.write(b"\x00" * 10)
    with pytest.raises(DatasetFormatError, match=r"test_batch.bin: 6,156 bytes; .*whole number of 3,073-byte"):
        load_dataset("cifar10", "test", data_dir=tmp_path / "data")
    (folder / "test_batch.bin").write_bytes(b"\x0c" + b"\x00" * 3072)
    with pytest.raises(DatasetFormatError, match=r"label 12 found, but CIFAR-10 labels are 0 to 9"):
        load_dataset("cifar10", "test", data_dir=tmp_path / "data")


def archive_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def release_members(tmp_path) -> dict[str, bytes]:
    folder = write_python_copy(tmp_path / "release")
    return {f"cifar-10-batches-py/{path.name}": path.read_bytes() for path in sorted(folder.iterdir())}


def serve(monkeypatch, data: bytes, seen: list):
    def urlopen(url, timeout=None):
        seen.append(url)
        return io.BytesIO(data)

    monkeypatch.setattr("urllib.request.urlopen", urlopen)


def test_download_checks_the_sha256_then_unpacks_only_the_batches(isolated_keras, tmp_path, monkeypatch):
    members = {**release_members(tmp_path), "cifar-10-batches-py/readme.html": b"<html>",
               "../escape": b"outside"}
    data, seen = archive_of(members), []
    serve(monkeypatch, data, seen)
    monkeypatch.setitem(download.PUBLISHED_SHA256, "cifar-10-python.tar.gz", hashlib.sha256(data).hexdigest())
    test = load_dataset("cifar10", "test", allow_download=True)
    assert seen == [download.CIFAR_URL] and test.images.shape == (2, 32, 32, 3)
    unpacked = isolated_keras / "datasets" / "cifar-10-batches-py"
    assert sorted(path.name for path in unpacked.iterdir()) == sorted(
        name for names in cifar.PYTHON_FILES.values() for name in names)
    assert not (tmp_path / "escape").exists() and not (isolated_keras / "escape").exists()


def test_a_download_with_the_wrong_sha256_is_discarded(isolated_keras, tmp_path, monkeypatch):
    serve(monkeypatch, archive_of(release_members(tmp_path)), [])
    with pytest.raises(DatasetUnavailableError, match=r"(?s)download: tried Keras's cifar-10-python.tar.gz, failed: "
                                                      r"DownloadChecksumError.*SHA-256"):
        load_dataset("cifar10", "test", allow_download=True)
    assert list((isolated_keras / "datasets").iterdir()) == []


def test_an_archive_with_an_oversized_batch_is_not_unpacked(tmp_path, monkeypatch):
    archive = tmp_path / "cifar.tar.gz"
    archive.write_bytes(archive_of(release_members(tmp_path)))
    monkeypatch.setattr(download, "MAX_PICKLE_BYTES", 100)
    with pytest.raises(download.DownloadChecksumError, match=r"is not a CIFAR-10 batch of at most 100 bytes"):
        download.unpack_cifar(archive, tmp_path / "out")
    assert not any((tmp_path / "out").iterdir())
