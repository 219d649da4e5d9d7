"""The run that the recorder's and the TensorBoard export's tests share (training it takes a while)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "record_keras_run.py"


@pytest.fixture(scope="session")
def mirrored_run(tmp_path_factory):
    """The example trained for two epochs under MirroredStrategy on two logical CPU devices (in a process
    of its own: logical devices must be set before TensorFlow starts)."""
    run = tmp_path_factory.mktemp("mirrored") / "run"
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run([sys.executable, str(EXAMPLE), "--out", str(run), "--epochs", "2", "--samples", "160",
                             "--batch-size", "32", "--size", "20x24", "--logical-cpus", "2"],
                            capture_output=True, text=True, timeout=900, env=environment)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "training on 2 device(s)" in result.stdout, result.stdout
    return run


