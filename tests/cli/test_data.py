"""``cnnviz data``: every dataset and where it was found."""

import json
from pathlib import Path

from cnnviz.cli import main


def test_data_lists_the_bundled_sample_and_fashion_mnist(capsys):
    assert main(["data", "--json"]) == 0
    infos = {info["name"]: info for info in json.loads(capsys.readouterr().out)}
    assert infos["mnist-sample"]["available"]
    assert infos["mnist-sample"]["num_train"] + infos["mnist-sample"]["num_test"] == 10_000
    assert infos["shapes"]["available"]
    if Path("/usr/share/datasets/fashion-mnist").is_dir():  # .ci/run installs it
        assert infos["fashion-mnist"]["available"]
        assert infos["fashion-mnist"]["num_train"] == 60_000


def test_data_text_names_where_each_was_found(capsys):
    assert main(["data"]) == 0
    out = capsys.readouterr().out
    assert "mnist-sample   available    8,000 train / 2,000 test" in out
    assert "mnist_sample.npz" in out
