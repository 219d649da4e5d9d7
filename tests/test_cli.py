"""The command line: summary, data, help, and readable errors."""

import json
import os
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
@pytest.mark.parametrize("command", [[], ["summary"], ["data"], ["train"], ["inspect"], ["bench"]])
def test_every_command_has_help(entry, command):
    result = subprocess.run([sys.executable, *entry, *command, "--help"], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: cnnviz")


def test_inspect_a_sample_writes_every_figure(tmp_path, capsys):
    out = tmp_path / "inspect"
    model = ROOT / "resources" / "reference_model.npz"
    assert main(["inspect", "--model", str(model), "--sample", "3", "--out", str(out), "--format", "pdf"]) == 0
    names = {path.name for path in out.iterdir()}
    assert {"index.html", "arrays.npz", "feature-maps_conv2d.pdf", "kernels_conv2d.pdf",
            "spectra_conv2d.pdf", "saliency.pdf"} <= names
    assert (out / "kernels_conv2d.pdf").read_bytes().startswith(b"%PDF-")
    assert "prediction: class 4" in capsys.readouterr().out


def test_inspect_an_image_file_from_a_run_folder(tmp_path, capsys):
    from PySide6.QtGui import QColor, QImage, QPainter, QPen

    image = QImage(120, 90, QImage.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setPen(QPen(QColor("black"), 9))
    painter.drawLine(60, 10, 60, 80)
    painter.end()
    picture = tmp_path / "one.png"
    image.save(str(picture))
    run = tmp_path / "run"
    run.mkdir()
    (run / "model.npz").write_bytes((ROOT / "resources" / "reference_model.npz").read_bytes())
    assert main(["inspect", "--model", str(run), "--image", str(picture), "--out", str(tmp_path / "o")]) == 0
    assert "prediction: class 1" in capsys.readouterr().out


@pytest.mark.parametrize("arguments, message", [
    (["--model", "/nonexistent/model.npz", "--sample", "1"], "There is no model file or run folder"),
    (["--model", "RESOURCE", "--sample", "5000"], "--sample must be in [0, 2000)"),
    (["--model", "RESOURCE", "--image", "/nonexistent.png"], "Could not open nonexistent.png"),
])
def test_inspect_errors_are_readable(tmp_path, capsys, arguments, message):
    arguments = [str(ROOT / "resources" / "reference_model.npz") if a == "RESOURCE" else a for a in arguments]
    assert main(["inspect", *arguments, "--out", str(tmp_path / "o")]) == 2
    assert message in capsys.readouterr().err


def test_experiment_sweep_writes_tables_and_report(tmp_path, capsys):
    out = tmp_path / "experiment"
    assert main(["experiment", "--sweep", "training.learning_rate=0.01,0.001", "--epochs", "1",
                 "--train-subset", "256", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "learning_rate=0.01" in printed and "learning_rate=0.001" in printed
    rows = (out / "custom.csv").read_text().splitlines()
    assert rows[0].startswith("run,training.learning_rate,train_accuracy") and len(rows) == 3
    assert "| learning_rate=0.001 |" in (out / "report.md").read_text()
    assert len(list((out / "runs").iterdir())) == 2


def test_experiment_needs_something_to_sweep(capsys):
    assert main(["experiment"]) == 2
    assert "--preset NAME, or --sweep" in capsys.readouterr().err


def test_screenshot_all_writes_every_tab_and_sub_tab(tmp_path):
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CNNVIZ_HOME": str(tmp_path / "home")}
    result = subprocess.run([sys.executable, "-m", "cnnviz", "--screenshot", str(tmp_path / "pages"), "--all",
                             "--size", "1280x720"], capture_output=True, text=True, timeout=600, env=environment)
    assert result.returncode == 0, result.stderr
    names = sorted(path.name for path in (tmp_path / "pages").glob("*.png"))
    for page in ("feature-maps", "kernels", "spectra", "gradients", "science", "experiments", "evaluation",
                 "history", "science-dead-filters", "history-compare-two-runs"):
        assert any(name.split("-", 1)[1] == f"{page}.png" for name in names), (page, names)
    from PySide6.QtGui import QImage

    image = QImage(str(tmp_path / "pages" / names[0]))
    assert (image.width(), image.height()) == (1280, 720)
    # The person's own settings and runs are untouched by the tour.
    assert not (tmp_path / "home" / "runs").exists()


@pytest.mark.parametrize("arguments, message", [
    (["--all"], "go with --screenshot"), (["--screenshot", "x", "--size", "big"], "WIDTHxHEIGHT"),
    (["--screenshot", "x", "--size", "100x100"], "between 640x480"),
])
def test_screenshot_options_are_checked(arguments, message, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(arguments)
    assert stopped.value.code == 2 and message in capsys.readouterr().err
