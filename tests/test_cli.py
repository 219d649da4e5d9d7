"""The command line: summary, data, help, and readable errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cnnviz.cli import main
from cnnviz.core.config import reference_config

ROOT = Path(__file__).resolve().parents[1]


def test_summary_prints_the_reference_table(capsys):
    assert main(["summary"]) == 0
    out = capsys.readouterr().out
    assert "dense (Dense)                  (None, 128)          605,824" in out
    assert "Total params: 607,394" in out


def test_summary_json_of_a_config_file(tmp_path, capsys):
    path = tmp_path / "model.json"
    reference_config().save(path)
    assert main(["summary", "--config", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total_parameters"] == 607_394
    assert [layer["name"] for layer in data["layers"]][-1] == "dense_1"


@pytest.mark.parametrize("text, message", [
    ('{"layers": [{"type": "conv2d", "kernel_size": 40}]}', "kernel_size [40, 40] is larger than its 28x28"),
    ('{"layers": [', "not valid JSON"),
])
def test_summary_of_a_bad_config_is_a_readable_error(tmp_path, capsys, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    assert main(["summary", "--config", str(path)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


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


@pytest.mark.parametrize("entry", [["-m", "cnnviz"], [str(ROOT / "main.py")]])
@pytest.mark.parametrize("command", [[], ["summary"], ["data"]])
def test_every_command_has_help(entry, command):
    result = subprocess.run([sys.executable, *entry, *command, "--help"], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: cnnviz")
