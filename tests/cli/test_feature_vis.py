"""``cnnviz visualize`` and ``cnnviz top`` through the command line entry point: the files each writes,
their shapes and contents, and readable errors."""

from pathlib import Path

import numpy as np
import pytest

from cnnviz.cli import main
from cnnviz.cli.common import CommandError
from cnnviz.cli.feature_vis import parse_filters
from cnnviz.engines.registry import load_engine

ROOT = Path(__file__).resolve().parents[2]
MODEL = str(ROOT / "resources" / "reference_model.npz")


def test_visualize_writes_one_array_and_spectrum_per_filter(tmp_path, capsys):
    out = tmp_path / "vis"
    assert main(["visualize", "--model", MODEL, "--layer", "conv2d", "--filters", "2-4", "--fourier",
                 "--steps", "24", "--tv", "0.05", "--out", str(out)]) == 0
    engine = load_engine(MODEL)
    lines = (out / "activations.csv").read_text().splitlines()
    assert lines[0] == "filter,objective,peak" and [line.split(",")[0] for line in lines[1:]] == ["2", "3", "4"]
    for unit, line in zip((2, 3, 4), lines[1:]):
        image = np.load(out / f"{unit}.npy", allow_pickle=False)
        assert image.shape == (28, 28, 1)
        peak = engine.feature_maps(image)["conv2d"][0, :, :, unit].max()
        assert float(line.split(",")[2]) == pytest.approx(peak, rel=1e-4)
        spectrum = np.load(out / f"{unit}_spectrum.npy", allow_pickle=False)
        centred = np.fft.fftshift(np.log1p(np.abs(np.fft.fft2(image[:, :, 0]))))
        np.testing.assert_allclose(spectrum[:, :, 0], centred, rtol=1e-4, atol=1e-4)
        for name in (f"{unit}.png", f"{unit}_spectrum.png"):
            assert (out / name).read_bytes().startswith(b"\x89PNG")
    assert not (out / "5.npy").exists()
    assert "filter 3: objective" in capsys.readouterr().out


def test_visualize_a_class_of_the_output_layer(tmp_path):
    out = tmp_path / "class"
    assert main(["visualize", "--model", MODEL, "--layer", "dense_1", "--filters", "7", "--steps", "64",
                 "--out", str(out)]) == 0
    assert load_engine(MODEL).predict(np.load(out / "7.npy"))[0].argmax() == 7


def test_top_writes_images_crops_and_a_table(tmp_path):
    out = tmp_path / "top"
    assert main(["top", "--model", MODEL, "--layer", "conv2d", "--filters", "0,5", "--count", "4",
                 "--images", "500", "--out", str(out)]) == 0
    lines = (out / "top_images.csv").read_text().splitlines()
    assert lines[0] == "filter,rank,index,activation,row,column,top,bottom,left,right" and len(lines) == 1 + 2 * 4
    images = np.load(out / "5_images.npy", allow_pickle=False)
    assert images.shape == (4, 28, 28, 1)
    activations = [float(line.split(",")[3]) for line in lines[5:]]
    maps = load_engine(MODEL).feature_maps(images)["conv2d"][..., 5]
    np.testing.assert_allclose(activations, maps.reshape(4, -1).max(axis=1), rtol=1e-5)
    assert activations == sorted(activations, reverse=True)
    for name in ("0.png", "0_crops.png", "5.png", "5_crops.png"):
        assert (out / name).read_bytes().startswith(b"\x89PNG")


def test_filters_take_numbers_and_ranges():
    assert parse_filters("1,4,9-11", 28) == [1, 4, 9, 10, 11]
    assert parse_filters(None, 3) == [0, 1, 2]
    for bad in ("3-1", "a-b", "27-28"):
        with pytest.raises(CommandError, match="--filters"):
            parse_filters(bad, 28)


@pytest.mark.parametrize("command, arguments, message", [
    ("visualize", ["--layer", "flatten"], "is not a layer whose units can be shown"),
    ("visualize", ["--layer", "conv2d", "--filters", "30"], "outside this layer's 28 filters"),
    ("visualize", ["--layer", "conv2d", "--steps", "0"], "steps must be a whole number of at least 1"),
    ("visualize", ["--layer", "conv2d", "--scaling", "2"], "scaling must be below 1"),
    ("top", ["--layer", "conv2d", "--count", "0"], "at least 1"),
    ("top", ["--layer", "nope"], "is not a layer whose units can be shown"),
])
def test_errors_are_one_readable_line(tmp_path, capsys, command, arguments, message):
    assert main([command, "--model", MODEL, *arguments, "--out", str(tmp_path / "o")]) == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error


def test_a_folder_with_files_is_refused_without_overwrite(tmp_path, capsys):
    (tmp_path / "kept.txt").write_text("x")
    assert main(["top", "--model", MODEL, "--layer", "conv2d", "--out", str(tmp_path)]) == 2
    assert "is not empty" in capsys.readouterr().err
