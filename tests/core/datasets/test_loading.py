"""Loading any dataset by name: read-only arrays, counts, names and splits; listing what is available."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core.datasets import DATASET_NAMES, DatasetUnavailableError, list_datasets, load_dataset
from tests.core.datasets.helpers import write_idx_folder, write_keras_npz


def test_loaded_arrays_are_read_only():
    dataset = load_dataset("mnist-sample", count=3)
    with pytest.raises(ValueError, match="read-only"):
        dataset.images[0, 0, 0] = 1


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


def test_an_unknown_name_is_taken_for_a_folder_and_the_message_lists_the_built_in_names(tmp_path):
    missing = tmp_path / "no-such-dataset"
    message = (rf"{missing} is not a folder.*one sub-folder of pictures per class.*mnist-sample, mnist, "
               r"fashion-mnist, shapes, shapes-colour or cifar10")
    with pytest.raises(DatasetUnavailableError, match=message):
        load_dataset(str(missing))


def test_unknown_split():
    with pytest.raises(ValueError, match=r"Unknown split 'validation'"):
        load_dataset("mnist-sample", "validation")


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
    assert "cannot use it" in info.source
