"""The history panel: run list, epoch replay (kernels, spectra, feature maps) and run comparison."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView

from cnnviz.core.config import reference_config
from cnnviz.core.datasets import load_dataset
from cnnviz.core.preprocessing import preprocess_batch
from cnnviz.core.runs import RunDirectory
from cnnviz.core.spectra import magnitude_spectrum
from cnnviz.core.training_data import prepare_training_data
from cnnviz.engines.registry import create_engine, load_engine
from cnnviz.service.inspection import run_inspection
from cnnviz.service.payloads import ReplayResult
from cnnviz.service.runner import train_run
from cnnviz.ui.history_panel import NO_INPUT_HINT, REPLAY_DELAY_MS, HistoryPanel

RUNS = (("20250101-120000-numpy-mnist-sample", 2, 0.001), ("20250101-130000-numpy-mnist-sample", 3, 0.01))
"""Name, epochs and learning rate of each run made for these tests (the newest is listed first)."""


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory):
    """Two real run folders trained with the NumPy engine on 96 images."""
    root = tmp_path_factory.mktemp("runs")
    for name, epochs, learning_rate in RUNS:
        config = reference_config().with_training(train_subset=128, batch_size=64, epochs=epochs,
                                                  validation_split=0.25, learning_rate=learning_rate)
        data = prepare_training_data(config.training)
        engine = create_engine("numpy", config)
        run = RunDirectory(root / name)
        for _ in train_run(engine, data, run, epochs=epochs, batch_size=64, seed=0):
            pass
        run.update_info(status="finished", test_accuracy=0.5)
    return root


@pytest.fixture
def panel(qtbot, runs_root):
    widget = HistoryPanel()
    qtbot.addWidget(widget)
    widget.resize(1000, 650)
    widget.set_runs_root(runs_root)
    return widget


def replay_of(run, epoch):
    """What the service's replay answers: an inspection of a test digit with the epoch's checkpoint."""
    engine = load_engine(run.path / "checkpoints" / f"epoch-{epoch + 1:04d}.npz")
    image = preprocess_batch(load_dataset("mnist-sample", "test").images[:1])
    return ReplayResult(7, str(run.path), epoch, run_inspection(engine, image))


def test_refresh_lists_the_runs(qtbot, panel, runs_root, tmp_path):
    assert [run.name for run in panel.runs()] == [RUNS[1][0], RUNS[0][0]]
    table = panel.run_table
    assert table.rowCount() == 2
    row = [table.item(0, column).text() for column in range(table.columnCount())]
    assert row == ["20250101-130000", "numpy", "mnist-sample", "finished", "3", "50.00%"]
    assert table.item(1, 4).text() == "2"
    assert str(runs_root) in panel.root_label.text()

    panel.set_runs_root(tmp_path / "nothing-here")
    assert panel.runs() == [] and table.rowCount() == 0
    assert "No runs under" in panel.details_label.text()

    empty = HistoryPanel()
    qtbot.addWidget(empty)
    empty.set_runs_root(None)  # the user data folder ($CNNVIZ_HOME in tests): no runs yet
    assert empty.runs() == []


def test_the_refresh_button_finds_new_runs(qtbot, runs_root, tmp_path):
    root = tmp_path / "runs"
    root.mkdir()
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    panel.set_runs_root(root)
    assert panel.runs() == []
    source = runs_root / RUNS[0][0]
    (root / source.name).symlink_to(source, target_is_directory=True)
    qtbot.mouseClick(panel.refresh_button, Qt.MouseButton.LeftButton)
    assert [run.name for run in panel.runs()] == [RUNS[0][0]]


def test_selecting_a_run_shows_its_last_epoch_and_details(panel, qtbot):
    with qtbot.waitSignal(panel.sig_replay_requested, timeout=REPLAY_DELAY_MS + 2000) as blocker:
        panel.run_table.selectRow(1)
    run = panel.runs()[1]
    assert panel.selected_run().path == run.path
    assert blocker.args == [str(run.path), 1]
    assert panel.epoch() == 1
    # Position 0 is the weights before training, which every recorded run now keeps.
    assert (panel.epoch_slider.minimum(), panel.epoch_slider.maximum()) == (0, 2)
    assert panel.epoch_slider.isEnabled()
    assert panel.epoch_label.text() == "epoch 2 of 2"
    details = panel.details_label.text()
    assert run.name in details and "50.00%" in details and "Conv2D 28×3×3" in details
    assert "96 training, 32 validation" in details


def test_set_epoch_shows_that_epochs_kernels_and_asks_for_its_feature_maps(panel, qtbot):
    panel.select_run(0)
    run = panel.runs()[0]
    with qtbot.waitSignal(panel.sig_replay_requested, timeout=1000) as blocker:
        panel.set_epoch(1)
    assert blocker.args == [str(run.path), 1]

    kernel = run.kernels_at(1)["conv2d"]
    expected = np.moveaxis(kernel[:, :, 0, :], -1, 0)
    np.testing.assert_allclose(panel.kernel_page.grid.images(), expected)
    assert not np.allclose(panel.kernel_page.grid.images(), np.moveaxis(run.kernels_at(0)["conv2d"][:, :, 0, :], -1, 0))
    assert panel.kernel_page.shows_grid()
    assert panel.kernel_page.grid.colormap() == "CET-D1"
    levels = panel.kernel_page.grid.levels()
    np.testing.assert_allclose(levels[:, 0], -levels[:, 1])  # symmetric about zero
    spectra = np.moveaxis(magnitude_spectrum(kernel[:, :, 0, :], size=32), -1, 0)
    np.testing.assert_allclose(panel.spectrum_page.grid.images(), spectra, rtol=1e-5)
    assert panel.spectrum_page.grid.colormap() == "inferno"
    assert panel.layer() == "conv2d"
    assert "epoch 2" in panel.kernel_page.grid.title()

    with pytest.raises(ValueError, match="saved 3 epochs"):
        panel.set_epoch(3)


def test_the_slider_updates_kernels_at_once_and_asks_once_it_rests(panel, qtbot):
    panel.select_run(0)
    run = panel.runs()[0]
    requests = []
    panel.sig_replay_requested.connect(lambda path, epoch: requests.append((path, epoch)))
    qtbot.wait(REPLAY_DELAY_MS + 100)
    requests.clear()
    panel.epoch_slider.setValue(2)
    panel.epoch_slider.setValue(1)
    np.testing.assert_allclose(panel.kernel_page.grid.images(),
                               np.moveaxis(run.kernels_at(0)["conv2d"][:, :, 0, :], -1, 0))
    assert requests == []  # debounced
    qtbot.waitUntil(lambda: len(requests) == 1, timeout=2000)
    qtbot.wait(REPLAY_DELAY_MS + 50)
    assert requests == [(str(run.path), 0)]


def test_feature_maps_need_an_input_and_follow_the_replay(panel, qtbot):
    panel.select_run(0)
    run = panel.runs()[0]
    panel.set_epoch(2)
    assert not panel.feature_page.shows_grid()
    assert panel.feature_page.hint.text() == NO_INPUT_HINT
    panel.set_input_available(True)
    assert panel.feature_page.hint.text().startswith("Computing the feature maps after epoch 3")

    panel.show_replay(replay_of(panel.runs()[1], 1))  # another run's answer: ignored
    assert not panel.feature_page.shows_grid()

    result = replay_of(run, 2)
    panel.show_replay(result)
    assert panel.feature_page.shows_grid()
    assert panel.replay_shown() is result
    maps = np.asarray(result.inspection.feature_maps["conv2d"])[0]
    np.testing.assert_allclose(panel.feature_page.grid.images(), np.moveaxis(maps, -1, 0))
    assert panel.feature_page.grid.colormap() == "viridis"
    np.testing.assert_allclose(panel.feature_page.grid.reference_image(), result.inspection.image[0, :, :, 0])

    panel.set_epoch(0)  # the older answer stays until the new one arrives, and says so
    assert "updating to epoch 1" in panel.feature_page.grid.title()


def test_compare_two_runs(panel, qtbot):
    runs = panel.runs()
    panel.compare(0, 1)
    curves = panel.comparison_curves()
    for metric in ("loss", "validation accuracy", "training accuracy", "batch loss"):
        assert len([label for label in curves if label.endswith(f"— {metric}")]) == 2, metric
    names = ("20250101-130000", "20250101-120000")
    for slot, name, run in zip("AB", names, runs):
        x, y = curves[f"{slot}: {name} — loss"]
        history = run.epoch_history()
        assert len(x) == run.num_epochs == len(history)
        np.testing.assert_allclose(x, np.arange(1, run.num_epochs + 1))
        np.testing.assert_allclose(y, [row["loss"] for row in history])
        x, y = curves[f"{slot}: {name} — validation accuracy"]
        np.testing.assert_allclose(y, [row["val_accuracy"] for row in history])
        x, _ = curves[f"{slot}: {name} — batch loss"]
        assert len(x) == len(run.step_history()) == 2 * run.num_epochs  # two batches of 64 per epoch
    legend = [label.text for _, label in panel.loss_widget.getPlotItem().legend.items]
    assert legend == ["A: 20250101-130000", "B: 20250101-120000"]

    panel.run_b_combo.setCurrentIndex(0)  # the combos redraw too
    assert "Both sides show the same run" in panel.compare_hint.text()
    assert all(label.split(":")[1].strip().startswith(names[0]) for label in panel.comparison_curves())


def test_long_run_names_are_elided_in_the_middle_with_the_whole_name_as_tooltip(panel, runs_root):
    table = panel.run_table
    assert table.textElideMode() == Qt.TextElideMode.ElideMiddle
    assert table.horizontalHeader().sectionResizeMode(0) == QHeaderView.ResizeMode.Stretch
    assert RUNS[1][0] in table.item(0, 0).toolTip()



def test_the_weights_before_training_can_be_replayed(panel, qtbot):
    panel.run_table.selectRow(1)
    run = panel.runs()[1]
    assert run.has_initial and run.num_epochs == 2
    with qtbot.waitSignal(panel.sig_replay_requested, timeout=2000) as blocker:
        panel.set_epoch(-1)
    assert blocker.args == [str(run.path), -1]
    assert panel.epoch_label.text() == "before training"
    initial, first = run.kernels_at(-1), run.kernels_at(0)
    np.testing.assert_array_equal(panel.kernel_page.grid.images(), np.moveaxis(initial["conv2d"][:, :, 0, :], -1, 0))
    assert not np.array_equal(initial["conv2d"], first["conv2d"])
