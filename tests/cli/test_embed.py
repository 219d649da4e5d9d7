"""``cnnviz embed``: the embedding projector's points, labels, predictions, table and figure written through
the command line entry point, for a grey and a colour non-square model, and readable errors."""

from pathlib import Path

import numpy as np

from cnnviz import science
from cnnviz.cli import main
from cnnviz.core import config as cfg
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.engines.registry import load_engine

ROOT = Path(__file__).resolve().parents[2]
MODEL = str(ROOT / "resources" / "reference_model.npz")


def test_the_reference_models_embedding_is_written(tmp_path, capsys):
    out = tmp_path / "embedding"
    assert main(["embed", "--model", MODEL, "--samples", "120", "--out", str(out)]) == 0
    assert "layer dropout_1: 120 test images" in capsys.readouterr().out
    engine = load_engine(MODEL)
    expected = science.run("embedding", engine, samples=120)
    np.testing.assert_allclose(np.load(out / "points.npy"), expected.points, atol=1e-6)
    np.testing.assert_array_equal(np.load(out / "labels.npy"), expected.labels)
    np.testing.assert_array_equal(np.load(out / "predictions.npy"), expected.predictions)
    np.testing.assert_allclose(np.load(out / "explained_variance_ratio.npy"), expected.explained_variance_ratio)
    lines = (out / "embedding.csv").read_text().splitlines()
    assert lines[0] == "index,pc1,pc2,label,prediction,label_name,prediction_name,correct" and len(lines) == 121
    index, _, _, label, predicted, *_, correct = lines[1].split(",")
    assert (int(index), int(label), int(predicted)) == (0, expected.labels[0], expected.predictions[0])
    assert int(correct) == int(expected.labels[0] == expected.predictions[0])
    assert (out / "embedding.png").read_bytes().startswith(b"\x89PNG")


def test_a_colour_non_square_model_and_another_layer(tmp_path):
    config = cfg.ModelConfig(input_shape=(20, 24, 3), layers=(
        cfg.Conv2D(4, (3, 3)), cfg.MaxPooling2D(), cfg.Flatten(), cfg.Dense(12), cfg.Dense(10, "softmax")))
    model = NumpyEngine(config).save(tmp_path / "colour.npz")
    out = tmp_path / "out"
    assert main(["embed", "--model", str(model), "--layer", "flatten", "--samples", "40", "--format", "svg",
                 "--out", str(out)]) == 0
    assert np.load(out / "points.npy").shape == (40, 2)
    assert (out / "embedding.svg").read_text().lstrip().startswith("<?xml")


def test_bad_requests_are_refused_with_a_reason(tmp_path, capsys):
    assert main(["embed", "--model", MODEL, "--layer", "dense_9", "--out", str(tmp_path / "a")]) == 2
    assert "no layer 'dense_9'; choose one of conv2d" in capsys.readouterr().err
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    assert main(["embed", "--model", MODEL, "--out", str(tmp_path / "full")]) == 2
    assert "is not empty" in capsys.readouterr().err
