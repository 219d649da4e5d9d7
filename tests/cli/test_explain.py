"""``cnnviz explain``: maps, arrays and sanity tables written through the command line entry point, and
readable errors."""

from pathlib import Path

import numpy as np
import pytest

from cnnviz.cli import main

ROOT = Path(__file__).resolve().parents[2]
MODEL = str(ROOT / "resources" / "reference_model.npz")


def test_every_method_writes_a_figure_and_its_array(tmp_path, capsys):
    out = tmp_path / "explain"
    assert main(["explain", "--model", MODEL, "--sample", "3", "--method", "all", "--steps", "16",
                 "--samples", "4", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "prediction: class 4" in printed and "completeness:" in printed
    for stem in ("gradient", "gradient-x-input", "guided-backprop", "grad-cam", "grad-cam-plus-plus",
                 "integrated-gradients", "occlusion", "smoothgrad"):
        assert (out / f"{stem}.png").read_bytes().startswith(b"\x89PNG"), stem
        assert np.load(out / f"{stem}.npy").shape == (28, 28), stem
    assert np.load(out / "gradient-x-input_channels.npy").shape == (28, 28, 1)
    assert np.load(out / "input.npy").shape == (28, 28, 1)


def test_sanity_writes_its_table_as_csv_and_markdown(tmp_path, capsys):
    out = tmp_path / "sanity"
    assert main(["explain", "--model", MODEL, "--sample", "0", "--method", "gradient,grad-cam", "--class", "7",
                 "--layer", "conv2d", "--sanity", "--format", "svg", "--out", str(out)]) == 0
    assert (out / "grad-cam.svg").read_text().lstrip().startswith("<?xml")
    lines = (out / "sanity_cascading.csv").read_text().splitlines()
    assert lines[0] == "check,method,step,spearman,ssim" and len(lines) == 1 + 2 * 3
    assert lines[1].startswith("cascading,gradient,dense_1,")
    assert "| grad-cam |" in (out / "sanity_cascading.md").read_text()
    assert "Cascading randomization" in capsys.readouterr().out


@pytest.mark.parametrize("arguments, message", [
    (["--method", "saliency"], "Unknown method 'saliency' for --method"),
    (["--method", "grad-cam", "--layer", "dense"], "'dense' is not one. Choose one of: conv2d"),
    (["--method", "gradient", "--class", "12"], "--class must be in [0, 10)"),
    (["--method", "integrated-gradients", "--steps", "0"], "steps must be at least 1"),
    (["--method", "occlusion", "--patch", "50"], "patch_size must be at most"),
    (["--model", "/nonexistent/model.npz", "--method", "gradient"], "There is no model file or run folder"),
])
def test_errors_are_one_readable_line(tmp_path, capsys, arguments, message):
    if "--model" not in arguments:
        arguments = ["--model", MODEL, *arguments]
    assert main(["explain", *arguments, "--sample", "1", "--out", str(tmp_path / "o")]) == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error


def test_a_folder_with_files_is_refused_without_overwrite(tmp_path, capsys):
    (tmp_path / "kept.txt").write_text("x")
    assert main(["explain", "--model", MODEL, "--sample", "1", "--method", "gradient", "--out", str(tmp_path)]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert main(["explain", "--model", MODEL, "--sample", "1", "--method", "gradient", "--out", str(tmp_path),
                 "--overwrite"]) == 0
    assert (tmp_path / "gradient.png").is_file() and (tmp_path / "kept.txt").is_file()
