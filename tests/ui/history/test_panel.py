"""The history panel: run list, epoch replay (kernels, spectra, feature maps) and run comparison."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtWidgets import QApplication, QHeaderView

from cnnviz.core.config import reference_config
from cnnviz.core.results import EpochResult, StepResult
from cnnviz.core.runs import RunDirectory
from cnnviz.core.spectra import magnitude_spectrum
from cnnviz.ui.history.panel import HistoryPanel
from cnnviz.ui.history.replay_view import NO_INPUT_HINT, REPLAY_DELAY_MS
from tests.ui.history.run_folders import RUNS, replay_of


@pytest.fixture
def panel(qtbot, runs_root):
    widget = HistoryPanel()
    qtbot.addWidget(widget)
    widget.resize(1000, 650)
    widget.set_runs_root(runs_root)
    return widget


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


# -- what a person sees: comparing with a diverged run, legends, log scale, "1 epoch" --------------

DIVERGED_RUN = "20250101-140000-numpy-mnist-sample"
ONE_EPOCH_RUN = "20250101-150000-numpy-mnist-sample"


def fabricated_run(root, name, epochs, losses_per_epoch, status, num_batches=4):
    """A run folder with histories only, written as the runner writes them (``losses_per_epoch``:
    each epoch's batch losses; an epoch with fewer than ``num_batches`` losses, or ending on an
    exploding one, is where the run diverged and stopped)."""
    run = RunDirectory(root / name)
    run.write_config(reference_config().with_training(epochs=epochs, optimizer="sgd", learning_rate=5.0))
    for epoch, losses in enumerate(losses_per_epoch):
        for batch, loss in enumerate(losses):
            run.record_step(StepResult(epoch, batch, num_batches, loss, 0.5, 32 * (batch + 1), 0.1, 5.0))
        if status != "diverged" or epoch < len(losses_per_epoch) - 1:
            run.record_epoch(EpochResult(epoch, epochs, float(np.mean(losses)), 0.2 + 0.1 * epoch, 2.0, 0.25,
                                         128 * (epoch + 1), 1.0 * (epoch + 1)))
    run.flush()
    run.update_info(engine="numpy", dataset="mnist-sample", status=status, test_accuracy=0.1)


@pytest.fixture(scope="module")
def compare_root(tmp_path_factory, runs_root):
    """A real three-epoch run, a run that diverged in its fourth epoch (its loss reaching 15,000 at
    the last batch), a finished one-epoch run and four more finished runs."""
    root = tmp_path_factory.mktemp("compare")
    (root / RUNS[1][0]).symlink_to(runs_root / RUNS[1][0], target_is_directory=True)
    fabricated_run(root, DIVERGED_RUN, 4, [[2.3, 2.1, 1.9, 1.8], [1.7, 1.6, 1.6, 1.5], [1.5, 1.4, 1.4, 1.3],
                                           [1.0, 40.0, 90.0, 15000.0]], "diverged")
    fabricated_run(root, ONE_EPOCH_RUN, 1, [[2.3, 1.9, 1.5, 1.2]], "finished")
    for hour in range(4):  # more runs than a laptop screen shows at once
        fabricated_run(root, f"20250102-{hour:02d}0000-numpy-mnist-sample", 2, [[2.3, 1.9], [1.5, 1.2]], "finished")
    return root


@pytest.fixture
def compare_panel(qtbot, compare_root):
    widget = HistoryPanel()
    qtbot.addWidget(widget)
    widget.set_runs_root(compare_root)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def choose(qtbot, combo, text):
    """Open ``combo`` with a click and choose the item starting with ``text`` with the arrow keys and Enter."""
    qtbot.mouseClick(combo, Qt.MouseButton.LeftButton)
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=2000)
    target = next(index for index in range(combo.count()) if combo.itemText(index).startswith(text))
    while view.currentIndex().row() != target:
        qtbot.keyClick(view, Qt.Key.Key_Down if view.currentIndex().row() < target else Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert combo.currentIndex() == target


def open_comparison(panel, qtbot, name_a, name_b):
    """Click the "Compare two runs" tab and choose the two runs in its boxes."""
    tab_bar = panel.tabs.tabBar()
    qtbot.mouseClick(tab_bar, Qt.MouseButton.LeftButton, pos=tab_bar.tabRect(1).center())
    assert panel.tabs.currentIndex() == 1
    choose(qtbot, panel.run_a_combo, name_a[:15])
    choose(qtbot, panel.run_b_combo, name_b[:15])
    QApplication.processEvents()
    panel.grab()  # paints, which settles the automatic ranges


def scene_points(item):
    """Every drawn point of a plot data item, in scene coordinates."""
    x, y = item.getData()
    if x is None:
        return []
    return [item.mapToScene(QPointF(a, b)) for a, b in zip(x, y) if np.isfinite(a) and np.isfinite(b)]


def test_comparing_with_a_diverged_run_chooses_log_scale_and_says_so(compare_panel, qtbot):
    panel = compare_panel
    open_comparison(panel, qtbot, RUNS[1][0], DIVERGED_RUN)
    plot = panel.loss_widget.getPlotItem()
    assert panel.log_scale_check.isChecked() and plot.getAxis("left").logMode
    note = panel.scale_note_text()
    assert note.startswith("Log scale chosen: the losses span ") and note.endswith(" to 1.5e+04.")
    assert panel.scale_note_text() in panel.compare_hint.text()

    qtbot.mouseClick(panel.log_scale_check, Qt.MouseButton.LeftButton)  # the person prefers linear
    assert not plot.getAxis("left").logMode and panel.scale_note_text() == ""
    qtbot.mouseClick(panel.refresh_button, Qt.MouseButton.LeftButton)
    assert not panel.log_scale_check.isChecked()  # their choice stays for this pair

    choose(qtbot, panel.run_b_combo, ONE_EPOCH_RUN[:15])  # two runs of like losses: linear again
    assert not panel.log_scale_check.isChecked() and panel.scale_note_text() == ""


def test_a_diverged_run_has_its_legend_entry_and_mark(compare_panel, qtbot):
    panel = compare_panel
    open_comparison(panel, qtbot, RUNS[1][0], DIVERGED_RUN)
    assert panel.divergence_positions() == {"B": (4.0, 15000.0)}
    assert panel.comparison_legend("loss") == ["A: 20250101-130000", "B: 20250101-140000 (diverged)"]
    view = panel.loss_widget.getPlotItem().vb.sceneBoundingRect()
    marker = next(item for item in panel.loss_widget.getPlotItem().listDataItems()
                  if item.objectName() == "diverged marker" and item.getData()[0] is not None
                  and len(item.getData()[0]))
    [point] = scene_points(marker)
    assert view.contains(point)


def test_legends_cover_no_point_and_markers_show_whole(compare_panel, qtbot):
    panel = compare_panel
    open_comparison(panel, qtbot, RUNS[1][0], DIVERGED_RUN)
    for widget in (panel.loss_widget, panel.accuracy_widget):
        plot = widget.getPlotItem()
        legend = plot.legend.sceneBoundingRect()
        view = plot.vb.sceneBoundingRect()
        assert len(plot.legend.items) >= 2
        for item in plot.listDataItems():
            half = (item.opts["symbolSize"] + 2) / 2 if item.opts.get("symbol") is not None else 0
            for point in scene_points(item):
                marker = QRectF(point.x() - half, point.y() - half, 2 * half, 2 * half)
                assert not legend.intersects(marker.adjusted(-1, -1, 1, 1)), f"the legend covers {item.objectName()}"
                if half:
                    assert view.adjusted(2, 2, -2, -2).contains(marker), f"a marker at {point} is clipped"


def test_run_details_count_epochs_in_words(compare_panel, qtbot):
    panel = compare_panel
    table = panel.run_table
    names = [run.name for run in panel.runs()]
    row = names.index(ONE_EPOCH_RUN)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     pos=table.visualItemRect(table.item(row, 0)).center())
    assert panel.selected_run().name == ONE_EPOCH_RUN
    assert "batch 32, 1 epoch, initializer" in panel.details_label.text()
    row = names.index(DIVERGED_RUN)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     pos=table.visualItemRect(table.item(row, 0)).center())
    assert "batch 32, 4 epochs, initializer" in panel.details_label.text()
    assert panel.root_label.text().endswith("— 7 runs")


def test_the_page_fits_a_laptop_screen(compare_panel, qtbot):
    # 654 × 400: what the History tab gets in a 1366 × 768 window beside the docks.
    panel = compare_panel
    hint = panel.minimumSizeHint()
    assert hint.width() <= 654 and hint.height() <= 400
    panel.resize(654, 400)
    QApplication.processEvents()
    table = panel.run_table
    assert table.verticalScrollBar().isVisible()  # more runs than rows: the names share the width with it
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualItemRect(table.item(1, 0)).center())
    QApplication.processEvents()
    for column in range(table.columnCount()):  # every column whole (the run's date and time too) and in view
        assert table.columnWidth(column) >= table.sizeHintForColumn(column), table.horizontalHeaderItem(column).text()
        assert table.columnViewportPosition(column) + table.columnWidth(column) <= table.viewport().width()
    assert table.viewport().height() >= 3 * table.rowHeight(0)
    # The details show several whole lines at once (the rest scrolls).
    shown = panel.details_label.visibleRegion().boundingRect().height()
    assert shown >= 5 * panel.details_label.fontMetrics().lineSpacing()
    assert panel.tabs.height() >= 240


# -- which runs are compared, and how their series are drawn ---------------------------------------

def click_row(qtbot, panel, row):
    """Click row ``row`` of the run list."""
    table = panel.run_table
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualItemRect(table.item(row, 0)).center())


def compared(panel):
    """The names of the runs in the A and B boxes."""
    names = [run.name for run in panel.runs()]
    return names[panel.run_a_combo.currentIndex()], names[panel.run_b_combo.currentIndex()]


def test_the_comparison_starts_on_the_newest_runs_and_follows_the_selection(compare_panel, qtbot):
    panel = compare_panel
    names = [run.name for run in panel.runs()]  # newest first
    tab_bar = panel.tabs.tabBar()
    qtbot.mouseClick(tab_bar, Qt.MouseButton.LeftButton, pos=tab_bar.tabRect(1).center())
    assert compared(panel) == (names[0], names[1])

    click_row(qtbot, panel, 4)  # A is the run selected in the list, B the newest other run
    assert compared(panel) == (names[4], names[0])
    click_row(qtbot, panel, 0)
    assert compared(panel) == (names[0], names[1])

    choose(qtbot, panel.run_b_combo, names[5][:15])  # the person's pick stays ...
    click_row(qtbot, panel, 2)
    assert compared(panel) == (names[2], names[5])
    qtbot.mouseClick(panel.refresh_button, Qt.MouseButton.LeftButton)
    assert compared(panel) == (names[2], names[5])
    choose(qtbot, panel.run_a_combo, names[6][:15])  # ... in either box
    click_row(qtbot, panel, 3)
    assert compared(panel) == (names[6], names[5])
    assert panel.comparison.picked_runs() == {"A": panel.runs()[6].path, "B": panel.runs()[5].path}


def test_runs_added_later_are_compared_not_the_first_one_listed(qtbot, compare_root, tmp_path):
    root = tmp_path / "runs"
    root.mkdir()
    names = sorted(path.name for path in compare_root.iterdir())  # oldest first
    (root / names[0]).symlink_to(compare_root / names[0], target_is_directory=True)
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    panel.set_runs_root(root)
    panel.show()
    tab_bar = panel.tabs.tabBar()
    qtbot.mouseClick(tab_bar, Qt.MouseButton.LeftButton, pos=tab_bar.tabRect(1).center())
    assert compared(panel) == (names[0], names[0])
    assert "Both sides show the same run" in panel.compare_hint.text()

    for name in names[1:3]:  # two runs trained since
        (root / name).symlink_to(compare_root / name, target_is_directory=True)
    qtbot.mouseClick(panel.refresh_button, Qt.MouseButton.LeftButton)
    assert compared(panel) == (names[2], names[1])


def test_each_series_is_drawn_as_the_training_monitor_draws_it(compare_panel, qtbot):
    from cnnviz.ui.training.monitor import TrainingMonitor

    panel = compare_panel
    open_comparison(panel, qtbot, RUNS[1][0], ONE_EPOCH_RUN)
    monitor = TrainingMonitor()
    qtbot.addWidget(monitor)
    monitor.start_run("run")
    monitor.add_epoch(EpochResult(0, 2, 0.5, 0.8, 0.6, 0.75, 128, 1.0))
    loss_monitor, accuracy_monitor = monitor.plot_widgets()

    def item(widget, name):
        return [item for item in widget.getPlotItem().listDataItems() if item.objectName() == name][-1]

    def style(item):
        pen = item.opts["pen"]
        brush = item.opts["symbolBrush"]
        return (item.opts["symbol"], pen.style(), pen.color().alpha() == 255, item.opts["symbolSize"],
                None if item.opts["symbol"] is None else brush.color().name())

    pairs = [(item(accuracy_monitor, "epoch accuracy"), item(panel.accuracy_widget, "A training accuracy")),
             (item(accuracy_monitor, "validation accuracy"), item(panel.accuracy_widget, "A validation accuracy")),
             (item(loss_monitor, "epoch loss"), item(panel.loss_widget, "A loss"))]
    for ours, theirs in pairs:
        assert style(ours) == style(theirs), f"{ours.objectName()} and {theirs.objectName()} are drawn differently"
    validation = item(panel.accuracy_widget, "A validation accuracy")
    assert validation.opts["symbol"] == "s" and validation.opts["pen"].style() == Qt.PenStyle.DashLine
    training = item(panel.accuracy_widget, "A training accuracy")
    assert training.opts["symbol"] == "o" and training.opts["pen"].style() == Qt.PenStyle.SolidLine
    assert "squares, dashed: validation" in panel.compare_hint.text()
    batch = item(panel.loss_widget, "A batch loss")
    assert batch.opts["symbol"] is None and batch.opts["pen"].width() == 1.0
