"""Hostile files, a few megabytes on disk, that declare gigabytes: each is refused with a message, in a child
process whose peak memory stays under 500 MB (a bound, not a timing)."""

from __future__ import annotations

import struct
import sys
import zipfile
import zlib

import numpy as np
import pytest

from cnnviz.core.config import ModelConfig, reference_config
from cnnviz.core.datasets.idx import MAX_IDX_DATA_BYTES, IdxFormatError, check_idx_file, read_idx
from cnnviz.core.history import read_history
from cnnviz.core.runs import RunInfo
from cnnviz.core.safe_json import FileTooLargeError, read_json_file
from cnnviz.core.safe_npz import NpzFileError, SafeNpz, read_npz
from cnnviz.core.safe_zip import ArchiveError, check_keras_archive
from cnnviz.core.sessions import ended_sessions
from tests.bombs import (
    PEAK_LIMIT_MB,
    deflate_zeros,
    gzip_bomb,
    idx_header,
    npz_bomb,
    python_measured,
    run_measured,
    sparse_file,
    write_zip,
)

GIB = 2**30
CONFIG = {"config.json": np.frombuffer(reference_config().to_json().encode(), np.uint8)}


def cnnviz(*arguments: str, env: dict[str, str] | None = None):
    return run_measured([sys.executable, "-m", "cnnviz", *arguments], env=env)


# -- .npz -------------------------------------------------------------------------------------------

def test_an_npz_model_declaring_a_billion_weights_is_refused_by_inspect(tmp_path):
    """4 MB on disk, 4.3 GB inflated: the array's header and the zip's declared size give it away."""
    bomb = npz_bomb(tmp_path / "bomb.npz", {"conv2d/kernel": ((2**30,), "<f4")}, extra=CONFIG)
    assert bomb.stat().st_size < 8 * 2**20
    status, _, stderr, peak = cnnviz("inspect", "--model", str(bomb), "--sample", "0", "--out", str(tmp_path / "out"))
    assert status == 2, stderr
    assert "bomb.npz is not a readable cnnviz model file" in stderr and "4.0 GiB" in stderr
    assert "Traceback" not in stderr
    assert peak < PEAK_LIMIT_MB


def test_an_npz_model_of_several_huge_arrays_is_refused(tmp_path):
    arrays = {f"dense_{index}/kernel": ((2**29,), "<f8") for index in range(4)}
    bomb = npz_bomb(tmp_path / "many.npz", arrays, extra=CONFIG)
    code = ("import sys\nfrom cnnviz.engines.numpy_engine import NumpyEngine\n"
            "try:\n    NumpyEngine.load(sys.argv[1])\nexcept ValueError as error:\n    print(error)\n")
    status, stdout, stderr, peak = python_measured(code, str(bomb))
    assert status == 0, stderr
    assert "more than the limit" in stdout and peak < PEAK_LIMIT_MB


def test_an_array_header_declaring_more_than_its_member_holds_is_refused(tmp_path):
    """The header alone claims 2**40 floats; the member holds a few bytes."""
    bomb = npz_bomb(tmp_path / "liar.npz", {"conv2d/kernel": ((2**40,), "<f4")}, real=False, extra=CONFIG)
    with pytest.raises(NpzFileError, match="declares shape"):
        read_npz(bomb, max_bytes=2**50)


def test_a_model_array_of_the_wrong_shape_is_refused_before_it_is_read(tmp_path, monkeypatch):
    """Within the byte limit but not what the configuration builds: refused from the header."""
    bomb = npz_bomb(tmp_path / "odd.npz", {"conv2d/kernel": ((3, 3, 1, 7000), "<f4")}, extra=CONFIG)
    from cnnviz.engines.numpy_engine.engine import ModelFileError, read_model_file

    keys_read = []
    read = SafeNpz.read
    monkeypatch.setattr(SafeNpz, "read", lambda self, key, *args: keys_read.append(key) or read(self, key, *args))
    with pytest.raises(ModelFileError, match=r"conv2d/kernel has shape \(3, 3, 1, 7000\), but the model expects"):
        read_model_file(bomb)
    assert keys_read == ["config.json"]


def test_an_npz_of_too_many_members_is_refused(tmp_path):
    stream = deflate_zeros(b"", 0)
    members = {f"a{index}.npy": (stream, 0, 0) for index in range(5000)}
    with pytest.raises(NpzFileError, match="holds 5,000 members"):
        SafeNpz(write_zip(tmp_path / "members.npz", members))


def test_an_object_array_is_refused_unread(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, a=np.array([{"x": 1}], dtype=object))
    with pytest.raises(NpzFileError, match="Python objects"):
        read_npz(path)


def test_a_dataset_npz_bomb_is_refused_by_data_and_by_loading(tmp_path):
    """A Keras-cache mnist.npz whose images declare 4 GiB: `cnnviz data` says what is wrong."""
    home = tmp_path / "keras"
    (home / "datasets").mkdir(parents=True)
    labels = np.zeros(60000, np.uint8)
    npz_bomb(home / "datasets" / "mnist.npz", {"x_train": ((5_500_000, 28, 28), "|u1")},
             extra={"y_train": labels, "x_test": np.zeros((10, 28, 28), np.uint8), "y_test": labels[:10]})
    env = {"KERAS_HOME": str(home), "CNNVIZ_DATA_DIR": ""}
    status, stdout, stderr, peak = cnnviz("data", env=env)
    assert status == 0, stderr
    line = next(line for line in stdout.splitlines() if line.startswith("mnist "))
    assert "unavailable" in line and "more than the limit" in stdout, stdout
    assert peak < PEAK_LIMIT_MB
    code = ("from cnnviz.core.datasets import load_dataset\n"
            "try:\n    load_dataset('mnist', 'train')\nexcept ValueError as error:\n    print(error)\n")
    status, stdout, stderr, peak = python_measured(code, env=env)
    assert status == 0 and "more than the limit" in stdout, stderr
    assert peak < PEAK_LIMIT_MB


# -- IDX ---------------------------------------------------------------------------------------------

def test_an_idx_gzip_bomb_is_read_no_further_than_its_header_declares(tmp_path):
    """A 3 MB .gz: a valid MNIST header, then 3 GiB of zeros."""
    bomb = gzip_bomb(tmp_path / "train-images-idx3-ubyte.gz", idx_header(0x08, (60000, 28, 28)), 3 * GIB)
    assert bomb.stat().st_size < 8 * 2**20
    code = ("import sys\nfrom cnnviz.core.datasets.idx import read_idx\n"
            "try:\n    read_idx(sys.argv[1])\nexcept ValueError as error:\n    print(error)\n")
    status, stdout, stderr, peak = python_measured(code, str(bomb))
    assert status == 0, stderr
    assert "the file is longer than its header declares" in stdout and "60,000 images of 28×28" in stdout
    assert peak < PEAK_LIMIT_MB
    with pytest.raises(IdxFormatError, match="gzip trailer records"):
        check_idx_file(bomb)  # without inflating anything


def test_an_idx_header_declaring_too_much_is_refused_with_the_limit_and_no_overflow(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(idx_header(0x08, (2**32 - 1, 2**16, 2**16)) + bytes(100))
    for read in (read_idx, check_idx_file):
        with pytest.raises(IdxFormatError) as caught:
            read(path)
        message = str(caught.value)
        assert "declares 4,294,967,295 images of 65536×65536 = 18,446,744,069,414,584,320 bytes" in message
        assert f"more than the limit of {MAX_IDX_DATA_BYTES:,} bytes" in message and "-" not in message.split(":")[1]


def test_an_idx_gzip_header_declaring_too_much_is_refused_unread(tmp_path):
    bomb = gzip_bomb(tmp_path / "t10k-images-idx3-ubyte.gz", idx_header(0x0E, (2**20, 28, 28)), 2 * GIB)
    status, stdout, stderr, peak = python_measured(
        "import sys\nfrom cnnviz.core.datasets.idx import read_idx\n"
        "try:\n    read_idx(sys.argv[1])\nexcept ValueError as error:\n    print(error)\n", str(bomb))
    assert "more than the limit" in stdout and peak < PEAK_LIMIT_MB, stderr


# -- .keras ------------------------------------------------------------------------------------------

def test_a_keras_archive_declaring_gigabytes_is_refused_before_tensorflow(tmp_path):
    config = deflate_zeros(b"{", 2 * GIB)
    bomb = write_zip(tmp_path / "bomb.keras", {"config.json": (config, 2 * GIB + 1, 0),
                                               "metadata.json": (deflate_zeros(b"{}", 0), 2, zlib.crc32(b"{}"))})
    with pytest.raises(ArchiveError, match="'config.json' declares 2.0 GiB uncompressed"):
        check_keras_archive(bomb)
    status, _, stderr, peak = cnnviz("inspect", "--model", str(bomb), "--sample", "0", "--out", str(tmp_path / "o"))
    assert status == 2 and "config.json" in stderr and "Traceback" not in stderr
    assert peak < PEAK_LIMIT_MB


def test_a_keras_archive_of_thousands_of_members_is_refused(tmp_path):
    path = tmp_path / "members.keras"
    with zipfile.ZipFile(path, "w") as archive:
        for index in range(100):
            archive.writestr(f"assets/{index}", b"")
    with pytest.raises(ArchiveError, match="holds 100 members"):
        check_keras_archive(path)


# -- JSON and CSV ------------------------------------------------------------------------------------

def test_a_gigabyte_configuration_file_is_refused_unread(tmp_path):
    path = sparse_file(tmp_path / "config.json", GIB, b'{"layers": [')
    status, stdout, stderr, peak = python_measured(
        "import sys\nfrom cnnviz.core.config import ModelConfig\n"
        "try:\n    ModelConfig.load(sys.argv[1])\nexcept ValueError as error:\n    print(error)\n", str(path))
    assert "config.json is 1.0 GiB, more than the 4.0 MiB" in stdout, stderr
    assert peak < PEAK_LIMIT_MB


def test_run_session_and_history_files_over_their_limits_are_refused(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    sparse_file(run / "run.json", GIB, b"{")
    ModelConfig().save(run / "config.json")
    sparse_file(run / "history_epochs.csv", 2 * GIB, b"epoch,loss\n")
    assert RunInfo(run).info == {}
    with pytest.raises(FileTooLargeError, match="history_epochs.csv is 2.0 GiB"):
        read_history(run / "history_epochs.csv")
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    sparse_file(sessions / "123.json", GIB, b'{"pid": 1, "draft": "')
    assert ended_sessions(sessions) == []
    with pytest.raises(FileTooLargeError):
        read_json_file(sessions / "123.json")


# -- CIFAR-10 and image folders ----------------------------------------------------------------------

def _cifar_folder(tmp_path):
    """A CIFAR-10 folder of empty batches, for a test to put one hostile batch in."""
    from cnnviz.core.datasets.cifar import PYTHON_FILES

    folder = tmp_path / "data" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for name in [name for names in PYTHON_FILES.values() for name in names]:
        (folder / name).write_bytes(b"")
    return folder


LOAD_CIFAR = ("import sys\nfrom cnnviz.core.datasets import load_dataset\n"
              "try:\n    load_dataset('cifar10', 'test', data_dir=sys.argv[1])\n"
              "except ValueError as error:\n    print(error)\n")


def test_a_gigabyte_cifar_pickle_is_refused_unread(tmp_path):
    folder = _cifar_folder(tmp_path)
    sparse_file(folder / "test_batch", 2 * GIB, b"\x80\x02}")
    status, stdout, stderr, peak = python_measured(LOAD_CIFAR, str(tmp_path / "data"),
                                                   env={"KERAS_HOME": str(tmp_path / "keras")})
    assert status == 0, stderr
    assert "2,147,483,648 bytes, more than a CIFAR-10 batch" in stdout and peak < PEAK_LIMIT_MB


def test_a_cifar_pickle_declaring_a_huge_array_is_refused_before_allocating(tmp_path):
    """A few hundred bytes whose array claims gigabytes, in the reconstructor's shape or in the array's state."""
    from cnnviz.core.datasets.restricted_pickle import PickleRefusedError, load_restricted
    from tests.core.datasets.pickles import python2_pickle

    honest = python2_pickle({b"data": np.zeros(4, np.uint8), b"labels": [0, 1, 2, 3]})
    gigabyte = struct.pack("<i", 2**30)
    with pytest.raises(PickleRefusedError, match=r"declares an array of shape \(1073741824,\), more than 64 MB"):
        load_restricted(honest.replace(b"K\x00\x85", b"J" + gigabyte + b"\x85", 1))
    folder = _cifar_folder(tmp_path)
    (folder / "test_batch").write_bytes(honest.replace(b"K\x04\x85", b"J" + struct.pack("<i", 2**31 - 1) + b"\x85"))
    status, stdout, stderr, peak = python_measured(LOAD_CIFAR, str(tmp_path / "data"),
                                                   env={"KERAS_HOME": str(tmp_path / "keras")})
    assert status == 0, stderr
    assert "test_batch: not a readable CIFAR-10 pickle" in stdout and peak < PEAK_LIMIT_MB


def test_a_gigabyte_cifar_binary_batch_is_refused_unread(tmp_path):
    from cnnviz.core.datasets.cifar import BINARY_FILES

    folder = tmp_path / "data" / "cifar-10-batches-bin"
    folder.mkdir(parents=True)
    for name in [name for names in BINARY_FILES.values() for name in names]:
        (folder / name).write_bytes(b"\x00" * 3073)
    sparse_file(folder / "test_batch.bin", 3073 * 700_000)
    status, stdout, stderr, peak = python_measured(LOAD_CIFAR, str(tmp_path / "data"),
                                                   env={"KERAS_HOME": str(tmp_path / "keras")})
    assert status == 0, stderr
    assert "a whole number of 3,073-byte records, 1 to 60,000 of them" in stdout and peak < PEAK_LIMIT_MB


def test_a_picture_declaring_ten_gigapixels_in_an_image_folder_is_listed_unread(tmp_path):
    from tests.bombs import png_header
    from tests.core.datasets.image_folders import write_image_folder

    folder = write_image_folder(tmp_path / "pictures", {"circles": 2, "squares": 2}, junk=False)
    (folder / "circles" / "huge.png").write_bytes(png_header(100_000, 100_000))
    status, stdout, stderr, peak = cnnviz("data", str(folder), env={"CNNVIZ_HOME": str(tmp_path / "home")})
    assert status == 0, stderr
    assert "circles/huge.png: declares 100,000×100,000 pixels, more than cnnviz opens" in stdout
    assert peak < PEAK_LIMIT_MB


def test_an_image_folder_cache_declaring_gigabytes_is_ignored_and_rebuilt(tmp_path, monkeypatch):
    from cnnviz.core.datasets import folder_cache, image_decoding, read_image_folder
    from cnnviz.imaging import install_image_decoder
    from tests.core.datasets.image_folders import write_image_folder

    monkeypatch.setenv("CNNVIZ_HOME", str(tmp_path / "home"))
    folder = write_image_folder(tmp_path / "pictures", {"circles": 2, "squares": 2}, junk=False)
    install_image_decoder()
    try:
        read_image_folder(folder, (8, 8, 3))
        (cache,) = folder_cache.cache_folder().glob("*.npz")
        npz_bomb(cache, {"images": ((2**30, 8, 8, 3), "|u1")})
        again = read_image_folder(folder, (8, 8, 3))
    finally:
        image_decoding.register_image_decoder(None)
    assert not again.from_cache and again.images.shape == (4, 8, 8, 3)
