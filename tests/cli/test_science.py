"""The science commands (symmetry, flip, spectra, dead) driven on the bundled reference model."""

import argparse
import csv
import re

import numpy as np
import pytest

from cnnviz.cli.science import add_science_commands
from cnnviz.core import config as cfg
from cnnviz.core.resources import resource_path
from cnnviz.engines.numpy_engine import NumpyEngine

REFERENCE = str(resource_path("reference_model.npz"))
COMMANDS = ("symmetry", "flip", "spectra", "dead")


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="cnnviz")
    add_science_commands(main.add_subparsers(dest="command"))
    return main


def run(capsys, *argv) -> str:
    args = parser().parse_args(list(argv))
    assert args.handler(args) == 0
    return capsys.readouterr().out


def numbers_after(text: str, label: str) -> list[float]:
    return [float(value) for value in re.findall(re.escape(label) + r"\s*([-+0-9.e]+)", text)]


@pytest.fixture(scope="module")
def tanh_model(tmp_path_factory):
    config = cfg.ModelConfig(input_shape=(28, 28, 1), layers=(
        cfg.Flatten(), cfg.Dense(units=16, activation="tanh"), cfg.Dense(units=10, activation="softmax")))
    engine = NumpyEngine(config, seed=0)
    rng = np.random.default_rng(0)
    engine.set_weights({layer: {name: rng.normal(0, 0.2, value.shape).astype(np.float32)
                                for name, value in params.items()}
                        for layer, params in engine.get_weights().items()})
    return engine.save(tmp_path_factory.mktemp("models") / "tanh.npz")


@pytest.fixture(scope="module")
def two_conv_model(tmp_path_factory):
    config = cfg.ModelConfig(input_shape=(28, 28, 1), layers=(
        cfg.Conv2D(filters=4, kernel_size=(3, 3), padding="same", activation="relu"),
        cfg.Conv2D(filters=6, kernel_size=(5, 3), strides=(2, 2), padding="same", activation="tanh"),
        cfg.Flatten(), cfg.Dense(units=10, activation="softmax")))
    return NumpyEngine(config, seed=1).save(tmp_path_factory.mktemp("models") / "two_conv.npz")


@pytest.fixture(scope="module")
def doctored_model(tmp_path_factory):
    """The reference model with filters 3 and 11 of conv2d killed (zero kernel, negative bias)."""
    engine = NumpyEngine.load(REFERENCE)
    weights = engine.get_weights()
    for index in (3, 11):
        weights["conv2d"]["kernel"][..., index] = 0
        weights["conv2d"]["bias"][index] = -0.25
    engine.set_weights(weights)
    return engine.save(tmp_path_factory.mktemp("models") / "doctored.npz")


# -- help and wiring -----------------------------------------------------------------------------

@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: cnnviz {command}" in capsys.readouterr().out


def test_commands_fit_beside_the_main_parser():
    from cnnviz.cli import build_parser

    action = next(action for action in build_parser()._actions
                  if isinstance(action, argparse._SubParsersAction))
    ours = {name: parser().parse_args([name, "--model", REFERENCE, "--sample", "0"] if name == "flip"
                                      else [name, "--model", REFERENCE]).handler for name in COMMANDS}
    for name in set(action.choices) & set(COMMANDS):  # once the lead hooks them in, they are ours
        assert action.choices[name].get_default("handler") is ours[name]


# -- symmetry ------------------------------------------------------------------------------------

def test_symmetry_on_the_reference_relu_layer(capsys):
    out = run(capsys, "symmetry", "--samples", "200")
    assert "layer: dense (128 relu units; outgoing weights in dense_1)" in out
    # relu is not odd: no 2^128 sign patterns in the count, a continuous family of rescalings instead.
    assert "128!·2^128" not in out
    assert "M = 128 relu units: Infinitely many equivalent weight vectors: 128! = 3.86×10^215 orderings" in out
    assert "No 2^128 sign patterns: relu is not odd" in out
    permutation, sign_flip, rescaling = numbers_after(out, "max |difference| =")
    assert permutation < 1e-4 and rescaling < 1e-4
    assert sign_flip > 1e-2
    assert "on 200 mnist-sample test images" in out
    assert out.count("<= 1e-04 -> unchanged: a symmetry") == 2 and out.count("> 1e-04 -> CHANGED") == 1
    assert "relu(-a)" in out


def test_symmetry_on_a_tanh_layer_keeps_sign_flips(capsys, tanh_model):
    out = run(capsys, "symmetry", "--model", str(tanh_model), "--samples", "50", "--seed", "3")
    differences = numbers_after(out, "max |difference| =")
    assert len(differences) == 4  # permutation, sign flips, rescaling, permutation and sign flips
    assert max(differences[0], differences[1], differences[3]) < 1e-4
    assert differences[2] > 1e-4
    assert "16!·2^16 = 1.37×10^18 equivalent weight vectors" in out


def test_symmetry_refuses_the_output_layer_and_unknown_layers():
    for layer, match in (("dense_1", "output layer"), ("nope", "no layer 'nope'"),
                         ("max_pooling2d", "dense or conv2d")):
        args = parser().parse_args(["symmetry", "--layer", layer, "--samples", "5"])
        with pytest.raises(ValueError, match=match):
            args.handler(args)


# -- flip ----------------------------------------------------------------------------------------

def test_flip_on_the_reference_model(capsys):
    out = run(capsys, "flip", "--model", REFERENCE, "--sample", "0")
    assert "layer: conv2d (3x3 kernels, 28 filters" in out and "its input is the input image" in out
    assert "label 3" in out
    (difference,) = numbers_after(out, "max |flipped - engine| =")
    (scale,) = numbers_after(out, "largest |engine gradient| =")
    assert difference < 1e-4 and scale > 1e-5
    assert "<= tolerance 1e-04) -> equal to float precision" in out
    out = run(capsys, "flip", "--model", REFERENCE, "--random", "--seed", "2")
    assert numbers_after(out, "max |flipped - engine| =")[0] < 1e-4


def test_flip_defaults_to_the_deepest_convolution(capsys, two_conv_model):
    out = run(capsys, "flip", "--model", str(two_conv_model), "--random")
    assert "layer: conv2d_1 (5x3 kernels, 6 filters, strides (2, 2), same padding, tanh)" in out
    assert "its input is the output of conv2d" in out and "dilated" in out
    assert numbers_after(out, "max |flipped - engine| =")[0] < 1e-4


def test_flip_errors_are_readable(capsys):
    for argv, match in ((["--layer", "dense"], "about convolutions"), (["--sample", "5000"], r"\[0, 2000\)")):
        argv = ["flip", "--model", REFERENCE, *argv]
        if "--sample" not in argv:
            argv += ["--sample", "0"]
        args = parser().parse_args(argv)
        with pytest.raises(ValueError, match=match):
            args.handler(args)
    with pytest.raises(SystemExit):
        parser().parse_args(["flip", "--model", REFERENCE])  # needs --sample or --random
    capsys.readouterr()


# -- spectra -------------------------------------------------------------------------------------

def test_spectra_matrix_is_symmetric_with_ten_rows(capsys, tmp_path):
    out_csv = tmp_path / "matrix.csv"
    out = run(capsys, "spectra", "--model", REFERENCE, "--samples-per-class", "5", "--csv", str(out_csv),
              "--pair", "4", "7")
    lines = out.splitlines()
    header = next(index for index, line in enumerate(lines) if line.split() == [str(k) for k in range(10)])
    rows = [line.split() for line in lines[header + 1:header + 11]]
    assert [row[0] for row in rows] == [str(k) for k in range(10)]
    matrix = np.array([[float(value) for value in row[1:]] for row in rows])
    np.testing.assert_array_equal(matrix, matrix.T)
    assert ((matrix > 0) & (matrix <= 1)).all()
    table = list(csv.reader(out_csv.open(encoding="utf-8")))
    assert len(table) == 11 and table[0][0] == "class"
    np.testing.assert_allclose(np.array([row[1:] for row in table[1:]], dtype=float), matrix, atol=5e-4)
    (pair,) = numbers_after(out, "similarity")
    assert 0 < pair <= 1
    assert "first test samples of 4" in out and len(re.findall(r"power below 0.25 cycles/pixel", out)) == 2
    # Five images per class: every mean carries an interval, and no claim is settled by chance.
    assert re.search(r"different classes mean 0\.\d{4} \[0\.\d{4}, 0\.\d{4}\]", out)
    assert "verdict: 4 vs 7: " in out and "95% bootstrap percentile intervals, 1,000 resamples" in out
    assert re.search(r"within the middle 95% of 4,950 pairs of the first 100 mnist-sample test images", out)


def test_spectra_verdicts_say_what_the_images_can_and_cannot_tell(capsys):
    out = run(capsys, "spectra", "--model", REFERENCE, "--samples-per-class", "20", "--resamples", "500")
    assert "4 vs 7: 0.895 [" in out
    assert "not distinguishable with 20 samples per class — use more samples" in out
    assert "the report's claim that 8 and 1 do not look alike is supported for this filter" in out
    assert "500 resamples of each class's test images (seed 0)" in out
    few = run(capsys, "spectra", "--model", REFERENCE, "--samples-per-class", "2", "--resamples", "200")
    assert few.count("not distinguishable with 2 samples per class") == 2 and "supported" not in few


def test_spectra_errors_are_readable():
    for argv, match in ((["--filter", "28"], "28 filters"), (["--layer", "dense"], "not feature maps"),
                        (["--pair", "4", "12"], "class indices"), (["--layer", "bogus"], "no layer"),
                        (["--resamples", "0"], "at least 1")):
        args = parser().parse_args(["spectra", "--model", REFERENCE, "--samples-per-class", "2", *argv])
        with pytest.raises(ValueError, match=match):
            args.handler(args)


# -- dead ----------------------------------------------------------------------------------------

def test_dead_reports_on_the_reference_model(capsys):
    out = run(capsys, "dead", "--model", REFERENCE, "--samples", "300")
    assert "conv2d: 28 filters; near-zero kernels: none; never active: none" in out
    assert "conv2d: no dead filters. The smallest kernel norm" in out and "is above 1e-06, on 300 test images" in out
    out = run(capsys, "dead", "--model", REFERENCE, "--layer", "dense", "--samples", "300")
    listed = re.search(r"never active: ([0-9, ]+|none)", out).group(1)
    units = [] if listed == "none" else [int(value) for value in listed.split(", ")]
    engine = NumpyEngine.load(REFERENCE)
    from cnnviz.core.datasets import load_dataset
    from cnnviz.core.preprocessing import preprocess_batch

    images = preprocess_batch(load_dataset("mnist-sample", "test").images[:300])
    peaks = engine.feature_maps(images)["dense"].max(axis=0)
    assert units == list(np.flatnonzero(peaks <= 1e-6))


def test_dead_finds_killed_filters_and_prunes_them(capsys, tmp_path, doctored_model):
    out_file = tmp_path / "pruned.npz"
    out = run(capsys, "dead", "--model", str(doctored_model), "--samples", "200", "--prune", "--out",
              str(out_file))
    assert "near-zero kernels: 3, 11; never active: 3, 11" in out
    before, after = (float(value) for value in re.search(r"test accuracy ([0-9.]+) -> ([0-9.]+)", out).groups())
    assert before == after
    pruned = NumpyEngine.load(out_file)
    weights = pruned.get_weights()["conv2d"]
    assert not weights["kernel"][..., [3, 11]].any() and not weights["bias"][[3, 11]].any()
    assert weights["bias"][[0, 1, 2]].any()


def test_dead_prune_out_on_the_reference_writes_a_loadable_model(capsys, tmp_path):
    out_file = tmp_path / "same.npz"
    out = run(capsys, "dead", "--model", REFERENCE, "--samples", "100", "--prune", "--out", str(out_file))
    assert "conv2d: nothing to prune" in out and "test accuracy 0.9680 -> 0.9680" in out
    assert "no prediction changed." in out
    reloaded = NumpyEngine.load(out_file)
    original = NumpyEngine.load(REFERENCE)
    np.testing.assert_array_equal(reloaded.kernels()["conv2d"], original.kernels()["conv2d"])


def test_dead_errors_are_readable(tmp_path):
    for argv, match in ((["--out", str(tmp_path / "x.npz")], "add --prune"),
                        (["--layer", "flatten"], "conv2d or dense"), (["--samples", "0"], "at least 1")):
        args = parser().parse_args(["dead", "--model", REFERENCE, *argv])
        with pytest.raises(ValueError, match=match):
            args.handler(args)
    args = parser().parse_args(["dead", "--model", str(tmp_path / "missing.npz")])
    with pytest.raises(ValueError, match="no model file"):
        args.handler(args)
