"""``cnnviz summary``: the layer table, as text or JSON, and readable errors for a bad file."""

import json

import pytest

from cnnviz.cli import main
from cnnviz.core.config import reference_config


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
