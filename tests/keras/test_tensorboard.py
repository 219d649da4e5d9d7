"""cnnviz export tensorboard: the event files read back hold the run's scalars, histograms and images."""

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from cnnviz.cli import main
from cnnviz.core.histograms import read_histograms
from cnnviz.core.run_info import RunInfo


def read_events(folder: Path) -> dict[str, dict[int, tuple[str, np.ndarray]]]:
    """``{tag: {step: (plugin name, value)}}`` of every event file in ``folder``."""
    import tensorflow as tf
    from tensorflow.core.util import event_pb2

    found: dict = defaultdict(dict)
    files = sorted(folder.glob("events.out.tfevents.*"))
    assert files, f"no event file in {folder}"
    for path in files:
        for record in tf.data.TFRecordDataset(str(path)):
            event = event_pb2.Event.FromString(record.numpy())
            for value in event.summary.value:
                found[value.tag][event.step] = (value.metadata.plugin_data.plugin_name, tf.make_ndarray(value.tensor))
    return found


@pytest.fixture(scope="module")
def exported(mirrored_run, tmp_path_factory):
    logdir = tmp_path_factory.mktemp("tensorboard") / "logs"
    assert main(["export", "tensorboard", str(mirrored_run), "--out", str(logdir)]) == 0
    return logdir


def test_scalars_are_the_runs_history(mirrored_run, exported):
    run = RunInfo(mirrored_run)
    train, validation = read_events(exported / "train"), read_events(exported / "validation")
    epochs = run.epoch_history()
    for row in epochs:
        plugin, value = train["epoch_loss"][row["epoch"] + 1]
        assert plugin == "scalars" and float(value) == pytest.approx(row["loss"], rel=1e-6)
        assert float(validation["epoch_loss"][row["epoch"] + 1][1]) == pytest.approx(row["val_loss"], rel=1e-6)
        assert float(validation["epoch_accuracy"][row["epoch"] + 1][1]) == pytest.approx(row["val_accuracy"])
    steps = run.step_history()
    assert sorted(train["batch_loss"]) == list(range(1, len(steps) + 1))
    assert [float(train["batch_loss"][index + 1][1]) for index in range(len(steps))] == pytest.approx(
        [row["loss"] for row in steps], rel=1e-6)
    assert float(train["learning_rate"][1][1]) == pytest.approx(steps[0]["learning_rate"])


def test_histograms_are_the_runs_buckets(mirrored_run, exported):
    train = read_events(exported / "train")
    for step in (0, 1, 2):
        written = read_histograms(mirrored_run / "histograms" / f"epoch-{step:04d}.npz")
        for tag, item in written.items():
            plugin, buckets = train[tag][step]
            assert plugin == "histograms" and buckets.shape == (item.counts.size, 3)
            np.testing.assert_array_equal(buckets[:, 2], item.counts)
            np.testing.assert_allclose(buckets[:, 0], item.edges[:-1])
    assert "conv2d/kernel" in train and "dense_1/activation" in train


def test_images_show_kernels_and_feature_maps_per_epoch(mirrored_run, exported):
    import tensorflow as tf

    run = RunInfo(mirrored_run)
    train = read_events(exported / "train")
    assert sorted(train["kernels/conv2d"]) == [0, 1, 2] and sorted(train["kernels/conv2d_1"]) == [0, 1, 2]
    checkpoint_steps = sorted(int(path.stem[len("epoch-"):]) for path in run.checkpoints)
    assert sorted(train["feature_maps/conv2d"]) == checkpoint_steps
    assert "feature_maps/dense" not in train  # no spatial maps to show
    plugin, value = train["kernels/conv2d"][2]
    width, height, png = int(value[0]), int(value[1]), value[2]
    pixels = tf.io.decode_png(png).numpy()
    assert plugin == "images" and pixels.shape == (height, width, 3)  # colour kernels of an RGB input
    # 16 filters of 3x3 enlarged to 12x12 in a 4x4 grid with 1-pixel gaps.
    assert (height, width) == (4 * 12 + 3, 4 * 12 + 3)
    maps = tf.io.decode_png(train["feature_maps/conv2d"][checkpoint_steps[-1]][1][2]).numpy()
    assert maps.shape[2] == 1 and maps.std() > 0
    _, first = train["input"][0]
    assert tf.io.decode_png(first[2]).numpy().shape == (20, 24, 3)


def test_a_folder_without_a_run_is_refused_in_words(tmp_path, capsys):
    assert main(["export", "tensorboard", str(tmp_path / "missing"), "--out", str(tmp_path / "logs")]) == 2
    assert "There is no run folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["export", "tensorboard", str(tmp_path / "empty"), "--out", str(tmp_path / "logs")]) == 2
    assert "holds no cnnviz run" in capsys.readouterr().err
    assert not (tmp_path / "logs").exists()


def test_cnnviz_reads_the_scalars_back_without_tensorflow(mirrored_run, exported):
    from cnnviz.core.tensorboard_scalars import read_tensorboard_scalars

    run = RunInfo(mirrored_run)
    scalars = read_tensorboard_scalars(exported)
    assert sorted(scalars) == ["train", "validation"]
    assert [step for step, _, _ in scalars["train"]["epoch_loss"]] == [1, 2]
    assert [value for _, _, value in scalars["validation"]["epoch_loss"]] == pytest.approx(
        [row["val_loss"] for row in run.epoch_history()], rel=1e-6)
    assert len(scalars["train"]["batch_loss"]) == len(run.step_history())
    assert "conv2d/kernel" not in scalars["train"]  # histograms and images are not scalars


def test_a_tensorboard_log_becomes_a_run_history_lists(mirrored_run, exported, tmp_path, capsys):
    from cnnviz.core.runs import list_runs

    original = RunInfo(mirrored_run)
    assert main(["import", "tensorboard", str(exported), "--out", str(tmp_path / "runs" / "imported")]) == 0
    imported = RunInfo(tmp_path / "runs" / "imported")
    assert imported.engine == "tensorboard" and imported.status == "finished"
    assert [row["epoch"] for row in imported.epoch_history()] == [0, 1]
    for mine, theirs in zip(imported.epoch_history(), original.epoch_history()):
        assert mine["loss"] == pytest.approx(theirs["loss"], rel=1e-6)
        assert mine["val_accuracy"] == pytest.approx(theirs["val_accuracy"], rel=1e-6)
    assert [row["loss"] for row in imported.step_history()] == pytest.approx(
        [row["loss"] for row in original.step_history()], rel=1e-6)
    assert [run.name for run in list_runs(tmp_path / "runs")] == ["imported"]
    assert main(["import", "tensorboard", str(tmp_path / "runs"), "--out", str(tmp_path / "other")]) == 2
    assert "holds no TensorBoard event file" in capsys.readouterr().err
