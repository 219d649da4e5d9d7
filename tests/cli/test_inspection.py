"""``cnnviz inspect``: figures for a test sample or an image file, and readable errors."""

from pathlib import Path

import numpy as np
import pytest

from cnnviz.cli import main

ROOT = Path(__file__).resolve().parents[2]


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


def test_inspect_a_graph_model_with_a_nested_base_exports_every_layer(tmp_path, capsys):
    import keras

    from cnnviz.engines.keras_engine import KerasEngine
    from tests.engines.keras_engine.graph_models import sequential_around_base

    keras.utils.set_random_seed(5)
    path = tmp_path / "nested.keras"
    sequential_around_base().save(path)
    out = tmp_path / "o"
    assert main(["inspect", "--model", str(path), "--sample", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "prediction: class " in printed
    names = KerasEngine.load(path).layer_names()
    assert names[:3] == ["base/conv", "base/skip", "base/add"]
    with np.load(out / "arrays.npz") as arrays:
        assert {f"feature-maps_{name}" for name in names} <= set(arrays.files)
        assert {"kernels_base/conv", "kernels_base/skip", "gradients_base/add"} <= set(arrays.files)
    files = {path.name for path in out.iterdir()}
    assert {"feature-maps_base-conv.png", "kernels_base-skip.png", "spectra_base-add.png", "index.html"} <= files
