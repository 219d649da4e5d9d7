"""Fault injection: each fault gives a clear message and a consistent state; nothing is lost."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from cnnviz.core.config import Initializer, reference_config
from cnnviz.core.crashlog import crash_log_path, write_crash_log
from cnnviz.core.run_files import RunWriteError
from cnnviz.core.runs import RunDirectory, read_history
from cnnviz.core.training_data import prepare_training_data
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.engines.numpy_engine.engine import ModelFileError
from cnnviz.service.runner import TrainingDiverged, train_run

ROOT = Path(__file__).resolve().parents[2]


def small_data(**training):
    config = reference_config().with_training(train_subset=256, batch_size=32, epochs=2, validation_split=0.0,
                                              **training)
    return config, prepare_training_data(config.training)


def test_nan_loss_from_the_reports_case_restores_the_last_good_weights(tmp_path):
    """Learning rate 0.7 with all-ones weights (the report's cases) diverges; nothing is lost."""
    config, data = small_data(optimizer="sgd", learning_rate=0.7)
    config = config.__class__(config.input_shape, config.layers, Initializer("ones"), config.training)
    engine = NumpyEngine(config)
    before = engine.get_weights()
    run = RunDirectory(tmp_path / "run")
    seen = []
    with pytest.raises(TrainingDiverged) as caught:
        for result in train_run(engine, data, run, epochs=2, batch_size=32, seed=0):
            seen.append(result)
    error = caught.value
    assert "Training diverged at epoch 1" in str(error) and "every weight starts at one" in str(error)
    assert error.suggestion == {"learning_rate": pytest.approx(0.07), "initializer": "glorot_uniform"}
    # The weights from before training (the newest good ones) are back, and they still predict.
    for layer, params in before.items():
        for name, value in params.items():
            np.testing.assert_array_equal(engine.get_weights()[layer][name], value)
    assert np.isfinite(engine.predict(data.test_images[:4])).all()
    # The history up to and including the diverging batch is on disk.
    rows = read_history(run.path / "history_steps.csv")
    assert len(rows) == len(seen) + 1
    assert not np.isfinite(rows[-1]["loss"]) or rows[-1]["loss"] > 100


def test_an_unwritable_run_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OSError, match="Cannot write the run folder .*Choose another folder"):
        RunDirectory(blocker / "run")


def test_a_run_folder_that_fills_up_ends_the_run_with_the_file_and_the_cause(tmp_path, monkeypatch):
    """A run that cannot save what it promised stops with an error naming the file; earlier epochs stay."""
    config, data = small_data()
    engine = NumpyEngine(config)
    run = RunDirectory(tmp_path / "run")
    real_save = NumpyEngine.save
    calls = []

    def full_disk(self, path):
        calls.append(path)
        if len(calls) > 3:  # the start and the first epoch's checkpoint and model are written, then the disk is full
            raise OSError(28, "No space left on device")
        return real_save(self, path)

    monkeypatch.setattr(NumpyEngine, "save", full_disk)
    results = []
    with pytest.raises(RunWriteError, match="No space left on device") as caught:
        for result in train_run(engine, data, run, epochs=2, batch_size=32, seed=0):
            results.append(result)
    assert str(calls[-1]) in str(caught.value)
    assert sum(type(result).__name__ == "EpochResult" for result in results) == 1  # training stopped there
    monkeypatch.setattr(NumpyEngine, "save", real_save)
    loaded = NumpyEngine.load(run.path / "checkpoints" / "epoch-0001.npz")  # what was written is intact
    assert loaded.layer_names() == engine.layer_names()
    run.close()


_WRITER = r"""
import sys, numpy as np
from cnnviz.core.config import reference_config
from cnnviz.engines.numpy_engine import NumpyEngine
engine = NumpyEngine(reference_config())
print("ready", flush=True)
step = 0
while True:
    step += 1
    for layer in engine.network.layers:
        for value in layer.params.values():
            value += np.float32(0.001)
    engine.save(sys.argv[1])
"""


def test_killing_the_process_while_it_writes_a_checkpoint_leaves_a_loadable_file(tmp_path):
    target = tmp_path / "checkpoint.npz"
    NumpyEngine(reference_config()).save(target)
    for attempt in range(6):
        process = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)], stdout=subprocess.PIPE,
                                   cwd=ROOT, text=True)
        assert process.stdout.readline().strip() == "ready"
        time.sleep(0.05 + 0.037 * attempt)  # land in the middle of a write at different moments
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        engine = NumpyEngine.load(target)  # old or new, never half of one
        assert engine.layer_names() == reference_config().layer_names()


@pytest.mark.parametrize("content, match", [
    (b"", "not a readable cnnviz model file"),
    (b"PK\x03\x04garbage", "not a readable cnnviz model file"),
    (b"\x93NUMPY\x01\x00", "not a readable cnnviz model file"),
])
def test_corrupt_model_files_are_refused(tmp_path, content, match):
    path = tmp_path / "model.npz"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=match):
        NumpyEngine.load(path)


def test_crash_log_keeps_every_entry_and_never_raises(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNVIZ_HOME", str(tmp_path / "home"))
    first = write_crash_log("Training failed", "a readable message", "Traceback (most recent call last): ...")
    write_crash_log("Export failed", "another", "details")
    text = first.read_text()
    assert first == crash_log_path() and text.count("===") == 2 and "a readable message" in text
    monkeypatch.setenv("CNNVIZ_HOME", "/proc/cnnviz-cannot-write")
    assert write_crash_log("x", "y", "z") is None


def test_a_huge_image_on_the_canvas_is_reduced_not_refused(qtbot):
    from cnnviz.ui.drawing.panel import DrawingCanvas

    canvas = DrawingCanvas()
    qtbot.addWidget(canvas)
    image = np.zeros((10_000, 10_000), np.uint8)
    image[3000:7000, 4500:5500] = 255  # a thick vertical bar
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=20_000) as blocker:
        canvas.set_image(image)
    model_input = blocker.args[0]
    assert model_input.shape == (1, 28, 28, 1) and model_input.max() == pytest.approx(1.0)
    rows, cols = np.nonzero(model_input[0, :, :, 0] > 0.5)
    assert rows.max() - rows.min() > cols.max() - cols.min()  # still a vertical bar


def test_an_empty_canvas_is_reported_as_empty_not_classified(qtbot):
    from cnnviz.ui.drawing.panel import DrawingCanvas

    canvas = DrawingCanvas()
    qtbot.addWidget(canvas)
    canvas.stroke([(100, 100), (150, 200)])
    qtbot.waitUntil(lambda: canvas.current_input() is not None, timeout=5000)
    with qtbot.waitSignal(canvas.sig_input_cleared, timeout=5000):
        canvas.clear()
    assert canvas.current_input() is None
