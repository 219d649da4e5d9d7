"""cnnviz.keras.RunRecorder writes a run folder that cnnviz reads as its own, from the chief only."""

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from cnnviz.core.histograms import read_histograms
from cnnviz.core.run_info import RunInfo
from cnnviz.core.runs import list_runs

ROOT = Path(__file__).resolve().parents[2]


def test_a_mirrored_run_reads_as_a_cnnviz_run(mirrored_run):
    run = RunInfo(mirrored_run)
    assert run.status == "finished" and run.engine == "keras" and run.dataset == "shapes-colour"
    assert run.info["strategy"] == "MirroredStrategy" and run.info["num_replicas"] == 2
    # Kernels every epoch; checkpoints as the time budget allows, and always the last.
    assert len(run.kernel_snapshots) == 3 and not run.has_initial and run.checkpoint_at(1) is not None
    assert run.info["epochs_completed"] == 2 and run.num_epochs in (1, 2)
    assert (mirrored_run / "model.keras").read_bytes() == run.checkpoint_at(1).read_bytes()
    # 160 samples, 20 % held out: 128 to train in batches of 32.
    steps = run.step_history()
    assert [(row["epoch"], row["batch"]) for row in steps] == [(e, b) for e in range(2) for b in range(4)]
    assert [row["samples_seen"] for row in steps][-1] == 256 and all(row["num_batches"] == 4 for row in steps)
    epochs = run.epoch_history()
    assert [row["epoch"] for row in epochs] == [0, 1] and all(row["val_loss"] is not None for row in epochs)
    config = run.config()
    assert config is not None and tuple(config.input_shape) == (20, 24, 3)
    assert [path.name for path in list_runs(mirrored_run.parent)] == [mirrored_run.name]


def mirrored_inputs():
    """The fixed inputs and labels the example hands its recorder (its first 16 images)."""
    from cnnviz.core.datasets.shapes_colour import generate_colour_shapes

    images, labels = generate_colour_shapes(160, seed=0, height=20, width=24)
    return images[:16].astype(np.float32) / 255.0, labels[:16].astype(np.int64)


def test_checkpoints_kernels_and_histograms_agree(mirrored_run):
    from cnnviz.engines.keras_engine import KerasEngine

    run = RunInfo(mirrored_run)
    engine = KerasEngine.load(run.checkpoint_at(1))
    with np.load(run.kernel_snapshots[-1], allow_pickle=False) as kernels:
        assert sorted(kernels.files) == ["conv2d", "conv2d_1"]
        np.testing.assert_array_equal(kernels["conv2d"], engine.kernels()["conv2d"])
        assert kernels["conv2d"].shape == (3, 3, 3, 16)
    histograms = read_histograms(mirrored_run / "histograms" / "epoch-0002.npz")
    weights = engine.get_weights()
    for layer, params in weights.items():
        for name, array in params.items():
            item = histograms[f"{layer}/{name}"]
            assert item.total == array.size
            assert item.edges[0] == pytest.approx(array.min()) and item.edges[-1] == pytest.approx(array.max())
    # Activations over the 16 fixed inputs: 16 x 18 x 22 x 16 values for the first convolution.
    assert histograms["conv2d/activation"].total == 16 * 18 * 22 * 16
    assert histograms["dense_1/activation"].edges[0] >= 0.0  # softmax outputs
    before = read_histograms(mirrored_run / "histograms" / "epoch-0000.npz")
    assert not np.array_equal(before["conv2d/kernel"].counts, histograms["conv2d/kernel"].counts)
    # The loss's gradients over the same 16 inputs and their labels are the engine's own.
    images, labels = mirrored_inputs()
    gradients = engine.gradients(images, labels).parameters
    for layer, params in gradients.items():
        for name, array in params.items():
            item = histograms[f"{layer}/{name}/gradient"]
            assert item.total == array.size
            assert item.max_abs == pytest.approx(np.abs(array).max(), rel=1e-3, abs=1e-7)
    assert histograms["conv2d/activation"].zero_fraction > 0  # ReLU outputs


def tiny_model(keras, dilated=False):
    model = keras.Sequential([keras.Input((9, 7, 1)),
                              keras.layers.Conv2D(2, 3, dilation_rate=2 if dilated else 1, name="conv2d"),
                              keras.layers.Flatten(name="flatten"), keras.layers.Dense(2, name="dense")])
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def tiny_data():
    rng = np.random.default_rng(1)
    return rng.random((24, 9, 7, 1), dtype=np.float32), rng.integers(0, 2, 24)


def test_only_the_chief_writes(tmp_path, monkeypatch):
    import keras

    from cnnviz.keras.recorder import RunRecorder, is_chief

    cluster = {"worker": ["a:1", "b:2"]}
    assert is_chief("") and is_chief(json.dumps({"cluster": {**cluster, "chief": ["c:3"]}, "task": {"type": "chief"}}))
    assert is_chief(json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 0}}))
    assert not is_chief(json.dumps({"cluster": {**cluster, "chief": ["c:3"]}, "task": {"type": "worker", "index": 0}}))
    assert not is_chief(json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 1}}))
    assert not is_chief(json.dumps({"cluster": cluster, "task": {"type": "evaluator", "index": 0}}))
    with pytest.raises(ValueError, match="TF_CONFIG is not JSON"):
        is_chief("{cluster")
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 1}}))
    x, y = tiny_data()
    recorder = RunRecorder(tmp_path / "run")
    tiny_model(keras).fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[recorder])
    assert recorder.path is None and not (tmp_path / "run").exists()


def test_a_model_cnnviz_cannot_describe_is_recorded_without_a_configuration(tmp_path):
    import keras

    from cnnviz.keras import RunRecorder

    x, y = tiny_data()
    # flush_seconds=0: the step table is rewritten after every batch, from the rows formatted before.
    recorder = RunRecorder(root=tmp_path, dataset="noise", checkpoint_every=2, histograms=False, flush_seconds=0)
    tiny_model(keras, dilated=True).fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[recorder])
    run = RunInfo(recorder.path)
    assert not (recorder.path / "config.json").exists() and run.config() is None
    assert [path.name for path in list_runs(tmp_path)] == [recorder.path.name]
    # Every second epoch and the last: after epochs 2 and 3, and the starting point.
    assert [path.name for path in run.checkpoints] == ["epoch-0002.keras", "epoch-0003.keras"]
    assert run.info["epochs_completed"] == 3 and len(run.epoch_history()) == 3
    assert not any((recorder.path / "histograms").iterdir())
    # Without the batch size the history counts batches.
    assert run.step_history()[-1]["samples_seen"] == 9
    table = (recorder.path / "history_steps.csv").read_text().splitlines()
    assert len(table) == 1 + 9 and sum(line.startswith("epoch,") for line in table) == 1
    assert [(row["epoch"], row["batch"]) for row in run.step_history()] == [(e, b) for e in range(3) for b in range(3)]
    assert not list(recorder.path.glob("*.tmp"))


@pytest.mark.parametrize(("budget", "saved"), [(0.0, ["epoch-0003.keras"]),
                                               (1e9, ["epoch-0001.keras", "epoch-0002.keras", "epoch-0003.keras"])])
def test_by_default_checkpoints_are_saved_as_the_time_budget_allows(budget, saved, tmp_path, monkeypatch):
    import keras

    from cnnviz.keras import recorder as recording

    monkeypatch.setattr(recording, "CHECKPOINT_BUDGET", budget)
    x, y = tiny_data()
    recorder = recording.RunRecorder(tmp_path / "run", histograms=False)
    tiny_model(keras).fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[recorder])
    run = RunInfo(tmp_path / "run")
    assert [path.name for path in run.checkpoints] == saved and not run.has_initial
    assert len(run.kernel_snapshots) == 4 and run.info["epochs_completed"] == 3


def test_training_stopped_early_keeps_its_last_epoch(tmp_path, monkeypatch):
    import keras

    from cnnviz.keras import recorder as recording

    monkeypatch.setattr(recording, "CHECKPOINT_BUDGET", 0.0)

    class StopAfterTwo(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = epoch >= 1

    x, y = tiny_data()
    recorder = recording.RunRecorder(tmp_path / "run", histograms=False)
    model = tiny_model(keras)
    model.fit(x, y, epochs=5, batch_size=8, verbose=0, callbacks=[recorder, StopAfterTwo()])
    run = RunInfo(tmp_path / "run")
    assert [path.name for path in run.checkpoints] == ["epoch-0002.keras"] and run.recorded_status == "finished"
    with pytest.raises(RuntimeError, match="recorded a fit already"):
        model.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[recorder])


def test_a_failed_write_stops_the_recording_not_the_training(tmp_path, monkeypatch):
    import errno

    import keras

    from cnnviz.core.runs import RunDirectory
    from cnnviz.keras import RunRecorder

    def full_disk(self, epoch, kernels):
        if epoch >= 0:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(RunDirectory, "save_kernels", full_disk)
    x, y = tiny_data()
    recorder = RunRecorder(tmp_path / "run")
    model = tiny_model(keras)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[recorder])
    assert len(history.history["loss"]) == 2
    messages = [str(item.message) for item in caught if "cnnviz stopped recording" in str(item.message)]
    assert len(messages) == 1 and "No space left on device" in messages[0]
    run = RunInfo(tmp_path / "run")
    assert run.recorded_status == "failed" and run.status == "failed" and run.info["epochs_completed"] == 0


@pytest.mark.parametrize(("arguments", "message"), [
    ({"checkpoint_every": 0}, "checkpoint_every"), ({"checkpoint_every": "often"}, "'auto'"),
    ({"batch_size": -4}, "batch_size"),
    ({"inputs": np.zeros((3, 4))}, "inputs must be a batch of images")])
def test_bad_settings_are_refused_in_words(arguments, message):
    from cnnviz.keras import RunRecorder

    with pytest.raises(ValueError, match=message):
        RunRecorder(**arguments)


def test_importing_the_package_loads_no_tensorflow():
    code = "import sys, cnnviz.keras; print(any(m.split('.')[0] in ('tensorflow', 'keras') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "False"


def test_labels_must_pair_with_the_inputs(tmp_path):
    from cnnviz.keras import RunRecorder

    images = np.zeros((4, 8, 8, 1), np.float32)
    with pytest.raises(ValueError, match="one class index per input"):
        RunRecorder(tmp_path / "run", inputs=images, labels=np.array([0, 1]))
    with pytest.raises(ValueError, match="one class index per input"):
        RunRecorder(tmp_path / "run", labels=np.array([0, 1]))
    one_hot = RunRecorder(tmp_path / "run", inputs=images, labels=np.eye(3)[[0, 2, 1, 1]])
    np.testing.assert_array_equal(one_hot.labels, [0, 2, 1, 1])
