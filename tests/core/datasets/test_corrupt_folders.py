"""`cnnviz data` and list_datasets check every IDX file's header and length: a corrupt folder is reported
as unavailable, saying what is wrong with which file, never as available."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from cnnviz.cli import main
from cnnviz.core.datasets import list_datasets
from cnnviz.core.datasets.idx import write_idx
from tests.bombs import gzip_bomb, idx_header
from tests.core.datasets.helpers import write_idx_folder

IMAGES = "train-images-idx3-ubyte"
LABELS = "train-labels-idx1-ubyte"


def _empty(folder):
    (folder / IMAGES).write_bytes(b"")


def _truncated(folder):
    data = (folder / IMAGES).read_bytes()
    (folder / IMAGES).write_bytes(data[:-100])


def _truncated_gzip(folder):
    data = gzip.compress((folder / IMAGES).read_bytes())
    (folder / IMAGES).unlink()
    (folder / f"{IMAGES}.gz").write_bytes(data[:-30])


def _longer(folder):
    with open(folder / IMAGES, "ab") as handle:
        handle.write(bytes(5))


def _wrong_magic(folder):
    (folder / IMAGES).write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(1000))


def _count_mismatch(folder):
    write_idx(folder / LABELS, np.zeros(11, np.uint8))


def _gzip_bomb(folder):
    (folder / IMAGES).unlink()
    gzip_bomb(folder / f"{IMAGES}.gz", idx_header(0x08, (12, 28, 28)), 64 * 2**20)


def _declares_too_much(folder):
    (folder / IMAGES).write_bytes(idx_header(0x08, (2**31, 28, 28)) + bytes(784))


def _wrong_image_size(folder):
    write_idx(folder / IMAGES, np.zeros((12, 32, 32), np.uint8))


def _images_as_labels(folder):
    (folder / LABELS).write_bytes((folder / IMAGES).read_bytes())


def _missing(folder):
    (folder / LABELS).unlink()


CORRUPTIONS = [
    (_empty, f"{IMAGES}: the file is empty"),
    (_truncated, f"{IMAGES}: the file is shorter than its header declares"),
    (_truncated_gzip, f"{IMAGES}.gz: "),
    (_longer, f"{IMAGES}: the file is longer than its header declares"),
    (_wrong_magic, f"{IMAGES}: bad magic number"),
    (_count_mismatch, f"{IMAGES} declares 12 images but {LABELS} declares 11 labels"),
    (_gzip_bomb, f"{IMAGES}.gz: its gzip trailer records 67,108,880 uncompressed bytes"),
    (_declares_too_much, "more than the limit of"),
    (_wrong_image_size, "expected 28×28 uint8 images"),
    (_images_as_labels, f"{LABELS}: expected uint8 labels"),
    (_missing, f"incomplete: missing {LABELS}[.gz]"),
]


@pytest.mark.parametrize("corrupt, message", CORRUPTIONS, ids=[corrupt.__name__[1:] for corrupt, _ in CORRUPTIONS])
def test_a_corrupt_folder_is_unavailable_and_says_why(isolated, tmp_path, corrupt, message):
    folder = tmp_path / "data" / "fashion-mnist"
    write_idx_folder(folder, compress=False)
    corrupt(folder)
    info = next(info for info in list_datasets(data_dir=tmp_path / "data") if info.name == "fashion-mnist")
    assert not info.available, info
    assert message in info.source, info.source


def test_every_problem_of_a_folder_is_listed(isolated, tmp_path):
    folder = tmp_path / "data" / "mnist"
    write_idx_folder(folder, compress=False)
    _empty(folder)
    write_idx(folder / "t10k-labels-idx1-ubyte", np.zeros(4, np.uint8))
    info = next(info for info in list_datasets(data_dir=tmp_path / "data") if info.name == "mnist")
    assert f"- {IMAGES}: the file is empty" in info.source
    assert "- image/label count mismatch: t10k-images-idx3-ubyte declares 5 images" in info.source


def test_cnnviz_data_reports_each_corrupt_folder(isolated, tmp_path, capsys):
    data = tmp_path / "data"
    write_idx_folder(data / "mnist", compress=False)
    _count_mismatch(data / "mnist")
    write_idx_folder(data / "fashion-mnist", compress=False)
    _empty(data / "fashion-mnist")
    assert main(["data", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line and not line.startswith(" ")}
    assert "unavailable" in lines["mnist"] and "unavailable" in lines["fashion-mnist"]
    assert "declares 12 images but" in out and "the file is empty" in out
