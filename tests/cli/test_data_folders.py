"""``cnnviz data FOLDER`` and ``cnnviz train --dataset FOLDER``: a person's own pictures from the command line."""

from __future__ import annotations

import json
import re

import pytest

from cnnviz.cli import main
from cnnviz.core.config import reference_config
from cnnviz.core.datasets import image_decoding
from tests.core.datasets.image_folders import write_image_folder


@pytest.fixture(autouse=True)
def no_decoder_left_behind():
    yield
    image_decoding.register_image_decoder(None)  # main() registers Qt's


@pytest.fixture
def folder(tmp_path):
    return write_image_folder(tmp_path / "pictures")


def test_data_describes_a_folder_its_split_the_rule_and_the_files_it_skips(folder, capsys):
    assert main(["data", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"Image folder {folder}: 3 classes, 18 pictures" in out
    assert "read at 32x32 RGB: scaled to fit preserving aspect ratio, then centred on black padding" in out
    assert "circles          6 pictures  5 train / 1 test" in out
    assert "triangles        7 pictures  6 train / 1 test" in out
    assert "2 file(s) could not be read and are skipped:" in out
    assert "circles/notes.txt: Unsupported image format" in out and "circles/broken.png:" in out
    assert main(["data", str(folder)]) == 0
    assert "(from the cache)" in capsys.readouterr().out


def test_data_json_for_a_folder_at_a_grey_size(folder, capsys):
    assert main(["data", str(folder), "--grey", "--image-size", "20x30", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["image_shape"] == [20, 30, 1] and report["usable"]
    assert [entry["name"] for entry in report["classes"]] == ["circles", "squares", "triangles"]
    assert [entry["test"] for entry in report["classes"]] == [1, 1, 1]
    assert {entry["file"] for entry in report["unreadable"]} == {"circles/broken.png", "circles/notes.txt"}


def test_data_refuses_a_folder_with_one_class_or_an_empty_class(tmp_path, capsys):
    one = write_image_folder(tmp_path / "one", {"circles": 2}, junk=False)
    assert main(["data", str(one)]) == 2
    assert "has 1 class sub-folder(s) (only 'circles'); a dataset needs at least two" in capsys.readouterr().err
    two = write_image_folder(tmp_path / "two", {"circles": 2, "squares": 2}, junk=False)
    (two / "zebras").mkdir()
    assert main(["data", str(two)]) == 2
    captured = capsys.readouterr()
    assert re.search(r"zebras\s+0 pictures\s+no readable picture", captured.out)
    assert "class folder(s) 'zebras' hold no readable picture" in captured.err
    assert main(["data", str(two), "--image-size", "big"]) == 2
    assert "--image-size takes HEIGHTxWIDTH" in capsys.readouterr().err


def test_train_on_a_folder_with_a_model_that_fits_it(folder, tmp_path, capsys):
    config = reference_config().to_dict()
    config["input_shape"] = [16, 16, 3]
    config["layers"][-1]["units"] = 3
    config["training"]["dataset"] = str(folder)
    path = tmp_path / "colour.json"
    path.write_text(json.dumps(config))
    out = tmp_path / "run"
    assert main(["train", "--config", str(path), "--epochs", "1", "--batch-size", "4", "--out", str(out),
                 "--json"]) == 0
    captured = capsys.readouterr()
    events = [json.loads(line) for line in captured.out.splitlines()]
    assert events[-1]["event"] == "finished" and 0 <= events[-1]["test_accuracy"] <= 1


def test_train_on_a_folder_with_a_model_that_does_not_fit_says_what_to_set(folder, tmp_path, capsys):
    assert main(["train", "--dataset", str(folder), "--epochs", "1", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert f"output layer has 10 units but dataset '{folder}' has 3 classes" in err
    assert "Set the last dense layer's units to 3" in err and not (tmp_path / "run").exists()


def test_train_names_a_missing_folder_and_the_built_in_datasets(tmp_path, capsys):
    assert main(["train", "--dataset", str(tmp_path / "nowhere"), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert "Unknown dataset" in err and "cifar10" in err and "path of an image folder" in err


def test_train_fits_a_grey_dataset_to_a_colour_non_square_model_and_says_so(tmp_path, capsys):
    config = reference_config().to_dict()
    config["input_shape"] = [20, 16, 3]
    path = tmp_path / "colour.json"
    path.write_text(json.dumps(config))
    assert main(["train", "--config", str(path), "--dataset", "mnist-sample", "--train-subset", "40", "--epochs", "1",
                 "--batch-size", "20", "--out", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err
    dataset_line = next(line for line in err.splitlines() if line.startswith("Dataset: "))
    assert "28×28 grey images fitted to 20×16" in dataset_line and "repeated in R, G and B" in dataset_line
