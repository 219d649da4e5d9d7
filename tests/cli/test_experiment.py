"""``cnnviz experiment``: a sweep writes its tables and report; nothing to sweep is an error."""

import json

import numpy as np
import pytest

from cnnviz.cli import main
from cnnviz.core.config import reference_config
from cnnviz.core.datasets import image_decoding


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


def _folder_config(tmp_path, input_shape):
    from tests.core.datasets.image_folders import write_image_folder

    folder = write_image_folder(tmp_path / "pictures")
    config = reference_config().to_dict()
    config["input_shape"] = list(input_shape)
    config["layers"][-1]["units"] = 3
    config["training"].update(dataset=str(folder), batch_size=4, validation_split=0.0)
    path = tmp_path / "folder.json"
    path.write_text(json.dumps(config))
    return folder, path


def _run_shapes(out):
    return sorted({tuple(json.loads(path.read_text())["input_shape"]) for path in (out / "runs").glob("*/config.json")})


@pytest.fixture
def no_decoder_left_behind():
    yield
    image_decoding.register_image_decoder(None)  # main() registers Qt's


@pytest.mark.usefixtures("no_decoder_left_behind")
def test_experiment_reads_an_image_folder_at_the_configurations_input_shape(tmp_path, capsys):
    folder, path = _folder_config(tmp_path, (20, 16, 1))
    out = tmp_path / "experiment"
    assert main(["experiment", "--config", str(path), "--sweep", "training.learning_rate=0.01,0.001",
                 "--epochs", "1", "--out", str(out), "--quiet"]) == 0
    assert f"({folder} at 20×16×1, 1 epoch(s) each)" in capsys.readouterr().err
    assert _run_shapes(out) == [(20, 16, 1)]
    runs = list((out / "runs").iterdir())
    assert len(runs) == 2
    for run in runs:   # the trained first kernel reads one (grey) channel
        with np.load(run / "model.npz") as weights:
            assert weights["conv2d/kernel"].shape == (3, 3, 1, 28)


@pytest.mark.usefixtures("no_decoder_left_behind")
def test_experiment_input_shape_option_overrides_the_configuration_and_presets(tmp_path, capsys):
    folder, path = _folder_config(tmp_path, (20, 16, 1))
    out = tmp_path / "custom"
    assert main(["experiment", "--config", str(path), "--sweep", "layers.dense.units=8", "--input-shape", "24x12x3",
                 "--epochs", "1", "--out", str(out), "--quiet"]) == 0
    assert f"({folder} at 24×12×3," in capsys.readouterr().err
    assert _run_shapes(out) == [(24, 12, 3)]
    # A preset (the report's MNIST model) runs at the shape asked for, its dataset fitted to it.
    out = tmp_path / "preset"
    assert main(["experiment", "--preset", "learning rate", "--input-shape", "32x32x3", "--epochs", "1",
                 "--train-subset", "64", "--out", str(out), "--quiet"]) == 0
    assert "(mnist-sample at 32×32×3," in capsys.readouterr().err
    assert _run_shapes(out) == [(32, 32, 3)]


def test_experiment_refuses_a_malformed_input_shape_or_one_the_model_cannot_take(capsys):
    assert main(["experiment", "--preset", "learning rate", "--input-shape", "32x32x2"]) == 2
    assert "--input-shape takes HEIGHTxWIDTHxCHANNELS" in capsys.readouterr().err
    assert main(["experiment", "--preset", "learning rate", "--input-shape", "2x32x1"]) == 2
    assert "input_shape [2, 32, 1]" in capsys.readouterr().err


def test_the_report_network_preset_runs_its_three_experiments_by_full_batch_iterations(tmp_path, capsys):
    out = tmp_path / "network"
    assert main(["experiment", "--preset", "report-network", "--iterations", "2", "--train-subset", "60",
                 "--out", str(out), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "2 iteration(s) of the full batch each" in captured.err
    assert sorted(path.name for path in out.glob("*.csv")) == [
        "report-network-hidden-units.csv", "report-network-initialization.csv", "report-network-learning-rate.csv"]
    report = (out / "report.md").read_text()
    assert "the report's own network" in report and "| units=150 |" in report and "| learning_rate=0.7 |" in report
    # Every run took two steps of all 60 images: two epochs of one batch each.
    runs = sorted((out / "runs").iterdir())
    assert len(runs) == 10
    steps = (runs[0] / "history_steps.csv").read_text().splitlines()
    assert [row.split(",")[:3] + row.split(",")[5:6] for row in steps[1:]] == [["0", "0", "1", "60"],
                                                                              ["1", "0", "1", "120"]]
