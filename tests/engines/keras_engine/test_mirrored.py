"""The Keras engine under MirroredStrategy over two logical CPU devices, each check in a process of its
own (TensorFlow's devices are fixed when it starts); no GPU is needed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = Path(__file__).with_name("mirrored_script.py")


def environment(**extra):
    return {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "",
            **extra}


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mirrored")
    result = subprocess.run([sys.executable, str(SCRIPT), str(folder)], capture_output=True, text=True,
                            timeout=600, env=environment(CNNVIZ_DEVICES="2"), cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_strategy_is_chosen_from_the_request_and_described(mirrored):
    assert mirrored["replicas"] == 2
    assert mirrored["mirrored_device"] == "2 × CPU (logical), MirroredStrategy"
    assert mirrored["single_device"] == "CPU"


def test_mirrored_training_matches_one_device_batch_for_batch(mirrored):
    """The configured batch is the global batch: split unevenly (15 images) or leaving one replica
    empty (1 image), the replicas' summed gradients are the whole batch's mean gradient."""
    assert len(mirrored["mirrored"]) == len(mirrored["single"]) == 12
    for (loss, accuracy), (single_loss, single_accuracy) in zip(mirrored["mirrored"], mirrored["single"]):
        assert loss == pytest.approx(single_loss, rel=1e-4, abs=1e-5)
        assert accuracy == pytest.approx(single_accuracy, abs=1e-6)
    assert mirrored["weights_gap"] < 1e-4
    losses = [loss for loss, _ in mirrored["mirrored"]]
    assert losses[-1] < losses[0]  # it learned, so the comparison compared something


def test_inspection_save_and_load_work_on_mirrored_variables(mirrored):
    assert mirrored["gradient_gap"] < 1e-5 and mirrored["input_gradient_gap"] < 1e-5
    assert mirrored["maps_gap"] < 1e-5 and mirrored["guided_gap"] < 1e-5 and mirrored["unit_gap"] < 1e-5
    (loss, accuracy), (single_loss, single_accuracy) = mirrored["momentum"]
    assert loss == pytest.approx(single_loss, rel=1e-4) and accuracy == pytest.approx(single_accuracy)
    assert mirrored["loaded_device"] == mirrored["mirrored_device"] and mirrored["loaded_gap"] < 1e-5
    loss, accuracy = mirrored["loaded_step"]
    assert loss > 0 and 0 <= accuracy <= 1


def test_cnnviz_train_on_two_devices_prints_and_records_the_strategy(tmp_path):
    config = {"input_shape": [12, 14, 3], "layers": [
        {"type": "conv2d", "filters": 4, "kernel_size": [3, 3], "activation": "relu"},
        {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}],
        "training": {"dataset": "shapes-colour"}}
    (tmp_path / "model.json").write_text(json.dumps(config))
    result = subprocess.run([sys.executable, "-m", "cnnviz", "train", "--engine", "keras", "--devices", "2",
                             "--config", str(tmp_path / "model.json"), "--dataset", "shapes-colour",
                             "--train-subset", "40", "--epochs", "1", "--batch-size", "16", "--validation-split",
                             "0", "--out", str(tmp_path / "run")],
                            capture_output=True, text=True, timeout=600, env=environment(), cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "keras engine (2 × CPU (logical), MirroredStrategy)" in result.stderr
    info = json.loads((tmp_path / "run" / "run.json").read_text())
    assert info["device"] == "2 × CPU (logical), MirroredStrategy" and info["status"] == "finished"


def test_a_device_request_the_machine_cannot_meet_is_refused_before_a_run_folder_is_made(tmp_path):
    result = subprocess.run([sys.executable, "-m", "cnnviz", "train", "--engine", "keras", "--devices", "many",
                             "--out", str(tmp_path / "run")],
                            capture_output=True, text=True, timeout=300, env=environment(), cwd=ROOT)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "--devices must be auto, cpu, gpu or a number of devices" in result.stderr
    assert not (tmp_path / "run").exists()
