"""The experiments panel: presets and custom sweeps, validation, live curves, results and exports."""

import csv
import io
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, QSizeF, Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from cnnviz.core.config import reference_config
from cnnviz.core.experiments import PRESETS, REPORT_NUMBERS, RunOutcome
from cnnviz.core.results import StepResult
from cnnviz.service.payloads import ExperimentFinished, ExperimentProgress
from cnnviz.ui.experiments.panel import ExperimentsPanel
from cnnviz.ui.experiments.sweep_settings import setting_suggestions


@pytest.fixture
def panel(qtbot):
    widget = ExperimentsPanel()
    qtbot.addWidget(widget)
    return widget


def steps(epoch, first_batch, losses, num_batches=10):
    return tuple(StepResult(epoch, first_batch + offset, num_batches, loss, 0.5, 32 * (first_batch + offset + 1),
                            0.1, 0.05) for offset, loss in enumerate(losses))


def outcome(run, train=0.9, test=0.85, loss=0.3, seconds=1.5, diverged=False, losses=(1.0, 0.5)):
    return RunOutcome(run, train, test, loss, seconds, diverged, "diverged at batch 3" if diverged else "",
                      tuple(losses))


def retype(qtbot, line_edit, text):
    """Click into ``line_edit``, select what it holds, erase it and type ``text`` (no Enter)."""
    qtbot.mouseClick(line_edit, Qt.MouseButton.LeftButton)
    qtbot.keyClick(line_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(line_edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(line_edit, text)
    assert line_edit.text() == text


def start(panel, qtbot, preset="learning rate"):
    """Run a preset and return the runs it asked for."""
    panel.set_preset(preset)
    with qtbot.waitSignal(panel.sig_run_requested, timeout=1000) as blocker:
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_choosing_a_preset_fills_the_spec(panel):
    panel.set_preset("learning rate")
    preset = PRESETS["learning rate"]

    setting, values = panel.sweep_row(0).text()
    assert setting == "training.learning_rate"
    assert values == "0.005, 0.05, 0.7"
    assert not panel.sweep_row(0).setting_combo.isEnabled()
    assert panel.epochs_spin.value() == preset.base.training.epochs
    assert panel.subset_spin.value() == preset.base.training.train_subset
    assert "learning rate" in panel.description_label.text()
    assert panel.plan_label.text().startswith(f"3 runs × {preset.base.training.epochs} epochs")

    panel.epochs_spin.setValue(1)
    panel.subset_spin.setValue(300)
    spec = panel.spec()
    assert spec.sweeps == preset.sweeps
    assert spec.base.training.optimizer == "sgd"
    assert spec.base.training.epochs == 1
    assert spec.base.training.train_subset == 300


def test_a_preset_runs_at_the_model_panels_input_shape(panel, qtbot):
    panel.set_base_config(replace(reference_config(), input_shape=(40, 24, 3)))
    panel.set_preset("initialization")
    spec = panel.spec()
    assert spec.base.input_shape == (40, 24, 3)
    assert spec.base.training == replace(PRESETS["initialization"].base.training, epochs=panel.epochs_spin.value(),
                                         train_subset=panel.subset_spin.value() or None)
    assert spec.base.layers == PRESETS["initialization"].base.layers
    with qtbot.waitSignal(panel.sig_run_requested, timeout=2000) as blocker:
        panel.run_button.click()
    runs = blocker.args[0]
    assert [run.config.input_shape for run in runs] == [(40, 24, 3)] * 3


def test_run_emits_the_expanded_runs_and_the_engine(panel, qtbot):
    panel.set_preset("hidden units")
    panel.set_engine("keras")
    panel.epochs_spin.setValue(1)
    panel.subset_spin.setValue(200)
    with qtbot.waitSignal(panel.sig_run_requested, timeout=1000) as blocker:
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    runs, engine = blocker.args

    assert engine == "keras"
    assert [run.label for run in runs] == ["units=50", "units=100", "units=128", "units=150"]
    assert [run.settings for run in runs] == [{"layers.dense.units": value} for value in (50, 100, 128, 150)]
    assert [run.config.layers[4].units for run in runs] == [50, 100, 128, 150]
    assert all(run.config.training.epochs == 1 and run.config.training.train_subset == 200 for run in runs)
    assert panel.is_busy()
    assert not panel.run_button.isEnabled()
    assert panel.cancel_button.isEnabled()
    assert not panel.preset_combo.isEnabled()
    assert panel.table_rows()[0][0] == "units=50"
    assert panel.table_headers()[-2:] == ["report: train %", "report: test %"]


def test_custom_sweeps_start_from_the_base_configuration(panel, qtbot):
    base = reference_config().with_training(optimizer="momentum", validation_split=0.0)
    panel.set_base_config(base)
    panel.set_preset(None)
    panel.set_sweep(0, "training.learning_rate", "0.01, 0.1")
    panel.set_sweep(1, "layers.dense.units", "32,64")
    panel.subset_spin.setValue(0)
    with qtbot.waitSignal(panel.sig_run_requested, timeout=1000) as blocker:
        panel.run_experiment()
    runs, engine = blocker.args

    assert engine == "numpy"
    assert [run.label for run in runs] == ["learning_rate=0.01, units=32", "learning_rate=0.01, units=64",
                                           "learning_rate=0.1, units=32", "learning_rate=0.1, units=64"]
    assert runs[3].settings == {"training.learning_rate": 0.1, "layers.dense.units": 64}
    assert runs[3].config.training.learning_rate == 0.1
    assert runs[3].config.training.optimizer == "momentum"
    assert runs[3].config.training.train_subset is None
    assert panel.table_headers() == ["run", "train %", "test %", "final loss", "time (s)", "diverged"]


def test_suggestions_follow_the_base_configuration(panel):
    suggestions = setting_suggestions(reference_config())
    assert {"training.learning_rate", "initializer", "layers.conv2d.filters", "layers.dense.units",
            "layers.dropout.rate", "layers.dropout_1.rate"} <= set(suggestions)
    assert "layers.dense_1.units" not in suggestions  # the output layer's units are the classes
    panel.set_base_config(reference_config())
    combo = panel.sweep_row(0).setting_combo
    assert [combo.itemText(index) for index in range(combo.count())] == suggestions


@pytest.mark.parametrize("setting, values, expected", [
    ("layers.dense.units", "0", "units must be a positive integer"),
    ("training.nonsense", "1, 2", "Unknown setting"),
    ("layers.nothing.units", "5", "Unknown layer"),
    ("training.batch_size", "0.5, 16", "whole numbers"),
    ("training.learning_rate", "fast", "takes numbers"),
    ("training.learning_rate", "", "Write the values of setting 1"),
    ("", "1, 2", "Choose the setting"),
    ("layers.conv2d.kernel_size", "3, 5", "cannot be swept"),
])
def test_an_invalid_custom_sweep_is_shown_as_it_is_typed_and_nothing_runs(panel, qtbot, setting, values, expected):
    panel.show()
    choose(qtbot, panel.preset_combo, "(custom)")
    retype(qtbot, panel.sweep_row(1).setting_combo.lineEdit(), "")
    retype(qtbot, panel.sweep_row(0).setting_combo.lineEdit(), setting)
    retype(qtbot, panel.sweep_row(0).values_edit, values)
    # Shown at once, before Run: Run is disabled until the sweep is fixed.
    assert panel.status_is_error()
    assert panel.status_text().startswith("Cannot run: ") and expected in panel.status_text()
    assert panel.plan_label.text() == ""
    assert not panel.run_button.isEnabled()
    with qtbot.assertNotEmitted(panel.sig_run_requested):
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert not panel.is_busy()


def test_a_sweep_is_checked_as_the_person_types_it(panel, qtbot):
    panel.show()
    choose(qtbot, panel.preset_combo, "(custom)")
    values = panel.sweep_row(0).values_edit
    assert panel.plan_label.text().startswith("3 runs × ") and panel.run_button.isEnabled()

    retype(qtbot, values, "abc, 0.01")  # no Enter, no Run: the problem shows while typing
    assert panel.status_is_error()
    assert panel.status_text() == "Cannot run: training.learning_rate takes numbers, received abc, 0.01."
    assert panel.plan_label.text() == "" and not panel.run_button.isEnabled()

    qtbot.keyClick(values, Qt.Key.Key_Home)
    for _ in range(len("abc")):
        qtbot.keyClick(values, Qt.Key.Key_Delete)
    qtbot.keyClicks(values, "0.001")  # "0.001, 0.01"
    assert values.text() == "0.001, 0.01"
    assert not panel.status_is_error() and panel.status_text() == ""
    assert panel.plan_label.text().startswith("2 runs × ") and panel.run_button.isEnabled()
    with qtbot.waitSignal(panel.sig_run_requested, timeout=1000) as blocker:
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert [run.settings for run in blocker.args[0]] == [{"training.learning_rate": 0.001},
                                                         {"training.learning_rate": 0.01}]


def test_the_same_setting_twice_is_refused(panel, qtbot):
    panel.set_preset(None)
    panel.set_sweep(0, "training.learning_rate", "0.1")
    panel.set_sweep(1, "training.learning_rate", "0.2")
    with qtbot.assertNotEmitted(panel.sig_run_requested):
        assert not panel.run_experiment()
    assert "Both sweeps change" in panel.status_text()


def test_progress_draws_one_curve_per_run_skipping_nan(panel, qtbot):
    runs = start(panel, qtbot)
    assert panel.legend_labels() == [run.label for run in runs]
    items = panel.curve_items()
    assert len(items) == 3
    assert len({item.opts["pen"].color().name() for item in items.values()}) == 3

    panel.add_progress(ExperimentProgress(1, steps(0, 0, [2.0, 1.5, float("nan")])))
    first_item = panel.curve_items()[1]
    panel.add_progress(ExperimentProgress(1, steps(0, 3, [1.0])))
    x, y = panel.curve_data(1)

    assert panel.curve_items()[1] is first_item  # reused, not recreated
    np.testing.assert_allclose(x, [0.1, 0.2, 0.4])
    np.testing.assert_allclose(y, [2.0, 1.5, 1.0])
    np.testing.assert_allclose(first_item.yData, y)
    assert panel.curve_data(0)[0].size == 0
    assert "Run 2 of 3" in panel.status_text()


def test_log_scale_checkbox(panel):
    panel.log_scale_check.setChecked(True)
    assert panel.plot_widget.getPlotItem().ctrl.logYCheck.isChecked()
    panel.log_scale_check.setChecked(False)
    assert not panel.plot_widget.getPlotItem().ctrl.logYCheck.isChecked()


def test_outcomes_fill_the_table_with_the_report_numbers(panel, qtbot):
    runs = start(panel, qtbot)
    panel.add_outcome(outcome(runs[0], 0.9123, 0.8456, 0.31234, 12.34))
    panel.add_outcome(outcome(runs[2], 0.1, 0.1, None, 3.0, diverged=True, losses=(2.0, float("nan"))))
    rows = panel.table_rows()

    report = REPORT_NUMBERS["learning rate"]["training.learning_rate"]
    assert rows[0] == ["learning_rate=0.005", "91.23", "84.56", "0.3123", "12.3", "no",
                       f"{report[0.005][0]:.2f}", f"{report[0.005][1]:.1f}"]
    assert rows[1][1] == "…"  # not finished yet
    assert rows[2][:6] == ["learning_rate=0.7", "10.00", "10.00", "—", "3.0", "yes"]
    assert rows[2][6:] == ["94.92", "87.6"]
    assert [item.run.index for item in panel.outcomes()] == [0, 2]
    # A run whose progress never arrived is drawn from its outcome's losses (NaN left out).
    np.testing.assert_allclose(panel.curve_data(2)[1], [2.0])


def test_finish_returns_to_idle_and_says_how_it_ended(panel, qtbot):
    runs = start(panel, qtbot)
    outcomes = [outcome(run) for run in runs]
    for item in outcomes[:2]:
        panel.add_outcome(item)
    panel.finish(ExperimentFinished(tuple(outcomes), cancelled=False))
    assert not panel.is_busy()
    assert panel.run_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert panel.status_text() == "3 runs finished."
    assert len(panel.outcomes()) == 3  # the one not signalled is taken from the finish payload

    runs = start(panel, qtbot, "initialization")
    assert panel.outcomes() == []
    panel.add_outcome(outcome(runs[0]))
    panel.finish(ExperimentFinished((outcome(runs[0]), outcome(runs[1], diverged=True)), cancelled=True))
    assert panel.status_text() == "Cancelled after 2 runs (1 diverged)."


def test_cancel_emits(panel, qtbot):
    start(panel, qtbot)
    with qtbot.waitSignal(panel.sig_cancel_requested, timeout=1000):
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert not panel.cancel_button.isEnabled()


def test_after_cancel_the_runs_without_results_say_so(panel, qtbot):
    runs = start(panel, qtbot)  # three runs
    panel.add_progress(ExperimentProgress(0, steps(0, 0, [2.0, 1.5])))
    panel.add_outcome(outcome(runs[0]))
    panel.add_progress(ExperimentProgress(1, steps(0, 0, [2.1])))
    with qtbot.waitSignal(panel.sig_cancel_requested, timeout=1000):
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    panel.finish(ExperimentFinished((outcome(runs[0]),), cancelled=True))

    rows = panel.table_rows()
    assert rows[0][1:6] == ["90.00", "85.00", "0.3", "1.5", "no"]
    assert rows[1][1] == "cancelled" and rows[2][1] == "not run"
    assert all("…" not in cell for row in rows for cell in row)
    assert panel.table.columnSpan(1, 1) == panel.table.columnCount() - 1
    assert "cancelled while it trained" in panel.table.item(1, 0).toolTip()
    assert panel.status_text() == "Cancelled after 1 run."

    # Cancelled before any run finished: every row says so, and the next experiment starts clean.
    runs = start(panel, qtbot, "initialization")
    panel.finish(ExperimentFinished((), cancelled=True))
    assert [row[1] for row in panel.table_rows()] == ["not run"] * len(runs)
    assert panel.status_text() == "Cancelled before any run finished."
    start(panel, qtbot)
    assert all(row[1:] == ["…"] * (len(row) - 1) for row in panel.table_rows())
    assert panel.table.columnSpan(0, 1) == 1


def test_an_error_returns_to_idle(panel, qtbot):
    start(panel, qtbot)
    panel.show_error("The dataset fashion-mnist is not available.")
    assert not panel.is_busy()
    assert panel.status_is_error()


def test_exports_write_the_table_the_figure_and_the_report(panel, qtbot, tmp_path):
    runs = start(panel, qtbot)
    outcomes = [outcome(run, 0.9 - index / 10, 0.8, 0.2 + index, 1.0 + index) for index, run in enumerate(runs)]
    panel.add_progress(ExperimentProgress(0, steps(0, 0, [2.0, 1.0, 0.5])))
    for item in outcomes:
        panel.add_outcome(item)
    panel.finish(ExperimentFinished(tuple(outcomes), cancelled=False))

    panel.export_csv(tmp_path / "results.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "results.csv").read_text())))
    assert [row["run"] for row in rows] == [run.label for run in runs]
    assert [float(row["training.learning_rate"]) for row in rows] == [0.005, 0.05, 0.7]
    assert [float(row["train_accuracy"]) for row in rows] == pytest.approx([0.9, 0.8, 0.7])
    assert [float(row["final_loss"]) for row in rows] == pytest.approx([0.2, 1.2, 2.2])

    panel.export_figure(tmp_path / "curves.png")
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    panel.save_report(tmp_path / "report.md")
    report = (tmp_path / "report.md").read_text()
    assert "## learning rate" in report
    assert "| learning_rate=0.005 | 90.00 | 80.00 | 98.08 | 86.1 |" in report


def test_a_custom_report_holds_our_table(panel, qtbot, tmp_path):
    panel.set_preset(None)
    panel.set_sweep(0, "training.batch_size", "16, 64")
    with qtbot.waitSignal(panel.sig_run_requested, timeout=1000) as blocker:
        panel.run_experiment()
    runs = blocker.args[0]
    for run in runs:
        panel.add_outcome(outcome(run, 0.95, 0.9))
    panel.save_report(tmp_path / "custom.md")
    report = (tmp_path / "custom.md").read_text()
    assert report.startswith("# cnnviz experiment: training.batch_size")
    assert "| batch_size=64 | 95.00 | 90.00 |" in report
    assert "report:" not in report
    assert not math.isnan(float(panel.table_rows()[1][1]))


# -- what a person sees: legends beside the curves, diverged runs, log scale, a laptop screen ------

def show(panel, qtbot, width, height):
    """Show the panel at ``width`` × ``height`` and let its plot lay out and range itself."""
    panel.resize(width, height)
    panel.show()
    qtbot.waitExposed(panel)
    QApplication.processEvents()
    panel.grab()  # paints, which settles the automatic ranges


def scene_points(item):
    """Every drawn point of a plot data item, in scene coordinates."""
    x, y = item.getData()
    if x is None:
        return []
    return [item.mapToScene(QPointF(a, b)) for a, b in zip(x, y) if np.isfinite(a) and np.isfinite(b)]


def choose(qtbot, combo, text):
    """Open ``combo`` with a click and choose ``text`` with the arrow keys and Enter, as a person does."""
    qtbot.mouseClick(combo, Qt.MouseButton.LeftButton)
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=2000)
    target = combo.findText(text)
    assert target >= 0, text
    while view.currentIndex().row() != target:
        qtbot.keyClick(view, Qt.Key.Key_Down if view.currentIndex().row() < target else Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert combo.currentText() == text


def type_into(qtbot, widget, text):
    """Select what ``widget`` holds, type ``text`` over it and press Enter."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def start_typed_experiment(panel, qtbot):
    """Write a sweep of SGD's learning rate and the initializer the way a person does, and Run it."""
    panel.set_base_config(reference_config().with_training(optimizer="sgd"))
    choose(qtbot, panel.preset_combo, "(custom)")
    first, second = panel.sweep_row(0), panel.sweep_row(1)
    type_into(qtbot, first.setting_combo.lineEdit(), "training.learning_rate")
    type_into(qtbot, first.values_edit, "0.05, 5")
    type_into(qtbot, second.setting_combo.lineEdit(), "initializer")
    type_into(qtbot, second.values_edit, "glorot_uniform, ones")
    type_into(qtbot, panel.epochs_spin, "1")
    assert panel.plan_label.text().startswith("4 runs × 1 epoch with sgd")
    with qtbot.waitSignal(panel.sig_run_requested, timeout=1000) as blocker:
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_the_legend_covers_no_curve(panel, qtbot):
    runs = start(panel, qtbot)  # ten epochs each
    num_batches = 10
    for run, final in zip(runs, (0.2, 0.8, 3.0)):
        # The last run ends at the plot's top-right corner, where a floating legend used to sit.
        for epoch in range(10):
            losses = np.linspace(2.0, final, 100)[epoch * num_batches:(epoch + 1) * num_batches]
            panel.add_progress(ExperimentProgress(run.index, steps(epoch, 0, losses.tolist(), num_batches)))
    show(panel, qtbot, 1100, 650)
    legend = panel.legend().sceneBoundingRect()
    assert panel.legend().isVisible() and len(panel.legend_labels()) == 3
    for index, item in panel.curve_items().items():
        for point in scene_points(item):
            assert not legend.adjusted(-2, -2, 2, 2).contains(point), f"the legend covers run {index}'s curve"


def test_a_run_that_diverged_at_once_is_drawn_and_marked(panel, qtbot):
    runs = start_typed_experiment(panel, qtbot)
    assert [run.label for run in runs][3] == "learning_rate=5, initializer=ones"
    for run in runs[:3]:
        panel.add_progress(ExperimentProgress(run.index, steps(0, 0, [2.3, 2.0, 1.6, 1.2], num_batches=4)))
    # "ones" at a learning rate of 5: one finite loss, then NaN, then the run stops.
    panel.add_progress(ExperimentProgress(3, steps(0, 0, [2.32, float("nan")], num_batches=4)))
    panel.add_outcome(outcome(runs[3], 0.1, 0.1, 2.32, 1.0, diverged=True, losses=(2.32, float("nan"))))
    show(panel, qtbot, 1100, 650)

    x, y = panel.curve_data(3)
    np.testing.assert_allclose(y, [2.32])
    assert panel.divergence_positions() == {3: pytest.approx((0.25, 2.32))}
    marker = next(item for item in panel.plot_widget.getPlotItem().listDataItems()
                  if item.objectName() == "diverged marker")
    [point] = scene_points(marker)
    assert marker.isVisible() and panel.plot_widget.getPlotItem().vb.sceneBoundingRect().contains(point)
    assert panel.legend_labels()[3] == "learning_rate=5, initializer=ones (diverged)"
    assert np.isfinite(panel.plot_widget.getPlotItem().vb.viewRange()).all()


def test_log_scale_is_chosen_when_a_diverged_run_dwarfs_the_others(panel, qtbot):
    runs = start(panel, qtbot)
    show(panel, qtbot, 1100, 650)
    plot = panel.plot_widget.getPlotItem()
    panel.add_progress(ExperimentProgress(0, steps(0, 0, [2.3, 1.5, 0.9, 0.6, 0.4])))
    panel.add_outcome(outcome(runs[0]))
    assert not panel.log_scale_check.isChecked()  # one converging run reads well on a linear axis
    panel.add_progress(ExperimentProgress(2, steps(0, 0, [2.3, 75.0, 15000.0, float("nan")])))
    panel.add_outcome(outcome(runs[2], diverged=True, losses=(2.3, 75.0, 15000.0, float("nan"))))

    assert panel.log_scale_check.isChecked() and plot.getAxis("left").logMode
    assert panel.scale_note_text().startswith("Log scale chosen: the losses span 0.4 to 1.5e+04")
    # The person's click wins, and stays for the rest of the experiment.
    qtbot.mouseClick(panel.log_scale_check, Qt.MouseButton.LeftButton)
    assert not plot.getAxis("left").logMode and panel.scale_note_text() == ""
    panel.add_outcome(outcome(runs[1]))
    assert not panel.log_scale_check.isChecked()


def test_the_page_fits_a_laptop_screen(panel, qtbot):
    # 654 × 400: what the Experiments tab gets in a 1366 × 768 window beside the docks.
    runs = start_typed_experiment(panel, qtbot)
    for run in runs:
        panel.add_progress(ExperimentProgress(run.index, steps(0, 0, [2.3, 2.0, 1.6, 1.2], num_batches=4)))
        panel.add_outcome(outcome(run, 0.9123, 0.8456, 0.31234, 123.4))
    hint = panel.minimumSizeHint()
    assert hint.width() <= 654 and hint.height() <= 400
    show(panel, qtbot, 654, 400)
    visible = panel.rect()
    plot_box = QRectF(panel.plot_widget.mapTo(panel, QPoint(0, 0)), QSizeF(panel.plot_widget.size()))
    assert visible.contains(plot_box.toRect())
    plot = panel.plot_widget.getPlotItem()
    for part in (plot.vb, plot.getAxis("bottom"), panel.legend()):  # nothing drawn past the plot's edge
        assert part.sceneBoundingRect().right() <= panel.plot_widget.width() + 0.5
    table = panel.table
    table_box = QRectF(table.mapTo(panel, QPoint(0, 0)), QSizeF(table.size()))
    assert visible.contains(table_box.toRect())
    assert table.viewport().height() >= 2 * table.rowHeight(0)
    for column in range(table.columnCount()):  # labels and numbers whole and in view, without scrolling
        assert table.columnWidth(column) >= table.sizeHintForColumn(column)
        assert 0 <= table.columnViewportPosition(column)
        assert table.columnViewportPosition(column) + table.columnWidth(column) <= table.viewport().width()
    assert panel.legend().labels() == [run.label for run in runs]  # whole, though shown shortened
    assert table.item(3, 0).toolTip().startswith(runs[3].label)


def test_the_save_dialogs_have_short_titles_and_names_that_carry_the_detail(panel, qtbot, monkeypatch):
    asked = []

    def fake_dialog(parent, caption, path, filters):   # records what the person would see; cancels
        asked.append((caption, Path(path).name))
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_dialog)
    panel.show()
    runs = start(panel, qtbot)
    panel.finish(ExperimentFinished(tuple(outcome(run) for run in runs), cancelled=False))
    for button in (panel.export_csv_button, panel.export_figure_button, panel.save_report_button):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert asked == [("Export table", "experiment_results.csv"), ("Export figure", "experiment_loss-curves.png"),
                     ("Save report", "experiment_report.md")]
