"""History's "Histograms" and "Compare epochs" pages, driven as a person drives them: choose a run,
switch layer, quantity and plot, pick two epochs and project them."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cnnviz.core.histograms import read_histograms
from cnnviz.service.model_service import ModelService
from cnnviz.ui.history.histogram_view import HEALTHY, HEAT_MAP
from cnnviz.ui.history.panel import HistoryPanel
from tests.ui.history.run_folders import RUNS
from tests.ui.history.test_foreign_runs import write_history_only_run
from tests.ui.person import choose, type_value

TIMEOUT = 60_000


@pytest.fixture
def panel(qtbot, runs_root):
    widget = HistoryPanel()
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.set_runs_root(runs_root)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def click_row(qtbot, panel, row):
    table = panel.run_table
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualItemRect(table.item(row, 0)).center())


def open_tab(qtbot, panel, title):
    tab_bar = panel.tabs.tabBar()
    index = next(index for index in range(tab_bar.count()) if tab_bar.tabText(index) == title)
    qtbot.mouseClick(tab_bar, Qt.MouseButton.LeftButton, pos=tab_bar.tabRect(index).center())
    assert panel.tabs.currentIndex() == index


def file_of(run_path, epoch, key):
    return read_histograms(run_path / "histograms" / f"epoch-{epoch + 1:04d}.npz")[key]


def test_the_ridge_and_heat_map_hold_the_files_counts_for_each_choice(qtbot, panel, runs_root):
    view = panel.histogram_view
    click_row(qtbot, panel, 0)  # the newest run: three epochs
    run_path = runs_root / RUNS[1][0]
    with qtbot.waitSignal(view.sig_histograms_shown, timeout=TIMEOUT):
        open_tab(qtbot, panel, "Histograms")  # read when the page is first shown
    assert [view.layer_combo.itemText(index) for index in range(view.layer_combo.count())][:2] == ["conv2d", "dense"]
    assert view.quantity_combo.currentText() == "weights"
    for layer, quantity, key in (("conv2d", "weights", "conv2d/kernel"),
                                 ("conv2d", "activations", "conv2d/activation"),
                                 ("dense", "gradients", "dense/kernel/gradient"),
                                 ("dense", "biases", "dense/bias")):
        if view.layer_combo.currentText() != layer:
            choose(qtbot, view.layer_combo, layer)
        choose(qtbot, view.quantity_combo, quantity)
        assert view.quantity_combo.currentData() == key
        ridge = view.ridge_data()
        assert [epoch for epoch, _, _ in ridge] == [-1, 0, 1, 2]
        for epoch, edges, counts in ridge:
            kept = file_of(run_path, epoch, key)
            np.testing.assert_array_equal(counts, kept.counts)
            np.testing.assert_array_equal(edges, kept.edges)
        assert panel.histogram_view.pages.currentWidget() is view.ridge_plot
    choose(qtbot, view.style_combo, HEAT_MAP)
    assert view.pages.currentWidget() is view.heat_plot
    epochs, edges, rows = view.heat_data()
    assert epochs == (-1, 0, 1, 2) and rows.shape == (4, len(edges) - 1)
    for row, epoch in zip(rows, epochs):
        assert row.sum() == pytest.approx(file_of(run_path, epoch, "dense/bias").counts.sum())
    assert edges[0] == min(file_of(run_path, epoch, "dense/bias").edges[0] for epoch in epochs)
    image = view.heat_image.image
    np.testing.assert_allclose(image, np.log10(1 + rows))
    # A healthy run: nothing stands out.
    assert [view.flag_list.item(index).text() for index in range(view.flag_list.count())] == [HEALTHY]
    # The other run: its own files (two epochs).
    with qtbot.waitSignal(view.sig_histograms_shown, timeout=TIMEOUT):
        click_row(qtbot, panel, 1)
    assert [epoch for epoch, _, _ in view.ridge_data()] == [-1, 0, 1]


def test_a_run_without_histograms_says_so(qtbot, tmp_path):
    write_history_only_run(tmp_path / "runs" / "20250101-090000-tensorboard-logs")
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 650)
    panel.set_runs_root(tmp_path / "runs")
    panel.show()
    qtbot.waitExposed(panel)
    open_tab(qtbot, panel, "Histograms")
    with qtbot.waitSignal(panel.histogram_view.sig_histograms_shown, timeout=TIMEOUT):
        click_row(qtbot, panel, 0)
    assert "has no histograms" in panel.histogram_view.hint_text()
    assert panel.histogram_view.ridge_data() == [] and panel.histogram_view.layer_combo.count() == 0
    open_tab(qtbot, panel, "Compare epochs")
    assert not panel.epoch_projection.project_button.isEnabled()
    assert "fewer than two checkpoints" in panel.epoch_projection.status_text()


def test_two_epochs_are_projected_side_by_side(qtbot, panel, runs_root):
    service = ModelService(run_root=False)
    # Wired as the window wires them.
    panel.sig_epochs_compare_requested.connect(
        lambda path, first, second, samples: panel.set_epoch_comparison_pending(
            service.history.compare_epochs(path, first, second, samples)))
    service.history.sig_epochs_compared.connect(panel.show_epoch_comparison)
    try:
        click_row(qtbot, panel, 0)
        open_tab(qtbot, panel, "Compare epochs")
        view = panel.epoch_projection
        assert view.first_combo.count() == 4  # before training and three epochs
        choose(qtbot, view.first_combo, "after epoch 1")
        choose(qtbot, view.second_combo, "after epoch 3")
        type_value(qtbot, view.samples_spin, "60")
        with qtbot.waitSignal(panel.sig_epochs_compare_requested, timeout=5000) as asked:
            qtbot.mouseClick(view.project_button, Qt.MouseButton.LeftButton)
        assert asked.args == [str(runs_root / RUNS[1][0]), 0, 2, 60]
        assert not view.project_button.isEnabled()
        qtbot.waitUntil(lambda: view.comparison() is not None, timeout=TIMEOUT)
        comparison = view.comparison()
        assert comparison.epochs == (0, 2) and len(comparison.first.labels) == 60
        assert view.project_button.isEnabled()
        drawn = [np.concatenate([item.getData()[0] for item in plot.class_items]) for plot in
                 (view.first_plot, view.second_plot)]
        assert [len(points) for points in drawn] == [60, 60]
        assert "After epoch 3" in view.second_title.text()
        # The same epoch twice is refused before anything is asked.
        choose(qtbot, view.second_combo, "after epoch 1")
        with qtbot.assertNotEmitted(panel.sig_epochs_compare_requested):
            qtbot.mouseClick(view.project_button, Qt.MouseButton.LeftButton)
        assert "two different epochs" in view.status_text()
    finally:
        assert service.shutdown()


def test_a_flag_names_what_stands_out_and_a_click_shows_it(qtbot, tmp_path):
    from tests.core.test_histogram_series import write_run

    folder = tmp_path / "runs" / "20250101-090000-tensorboard-logs"
    write_history_only_run(folder)
    rng = np.random.default_rng(0)
    epochs = [{"conv2d/kernel": rng.normal(0, 0.1, (3, 3, 1, 8)),
               "conv2d/activation": np.maximum(rng.normal(-0.6 * epoch, 0.5, (32, 6, 6, 8)), 0.0),
               "dense/kernel": rng.normal(0, 0.05, (288, 10)),
               "dense/activation": rng.normal(0, 1, (32, 10))} for epoch in range(4)]
    write_run(folder, epochs)
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 650)
    panel.set_runs_root(tmp_path / "runs")
    panel.show()
    qtbot.waitExposed(panel)
    open_tab(qtbot, panel, "Histograms")
    view = panel.histogram_view
    with qtbot.waitSignal(view.sig_histograms_shown, timeout=TIMEOUT):
        click_row(qtbot, panel, 0)
    choose(qtbot, view.layer_combo, "dense")
    assert view.flag_list.count() == 1
    flag = view.flag_list.item(0)
    assert "conv2d activations" in flag.text() and "dying ReLUs" in flag.text()
    qtbot.mouseClick(view.flag_list.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.flag_list.visualItemRect(flag).center())
    assert (view.layer_combo.currentText(), view.quantity_combo.currentText()) == ("conv2d", "activations")
    assert [epoch for epoch, _, _ in view.ridge_data()] == [-1, 0, 1, 2]
