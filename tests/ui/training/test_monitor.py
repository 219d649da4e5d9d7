"""The training monitor: batch and epoch curves, kept runs, log scale, history export."""

import csv
import io
import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtWidgets import QApplication

from cnnviz.core.results import EpochResult, StepResult
from cnnviz.service.payloads import TrainingFinished, TrainingProgress
from cnnviz.ui.training.monitor import HISTORY_COLUMNS, TrainingMonitor


def make_steps(epoch, first_batch, count, num_batches=500, seed=0):
    """``count`` steps of ``epoch`` from ``first_batch``, with a decreasing noisy loss."""
    rng = np.random.default_rng(seed + 1000 * epoch + first_batch)
    batches = np.arange(first_batch, first_batch + count)
    losses = 2.0 * np.exp(-(epoch + batches / num_batches)) * np.exp(rng.normal(0, 0.2, count))
    accuracies = rng.uniform(0.5, 1.0, count)
    return tuple(StepResult(epoch, int(batch), num_batches, float(loss), float(accuracy),
                            int((epoch * num_batches + batch + 1) * 32), 0.01 * (batch + 1), 0.05)
                 for batch, loss, accuracy in zip(batches, losses, accuracies))


def make_epoch(epoch, loss=0.5, accuracy=0.8, val_loss=None, val_accuracy=None, num_epochs=3):
    return EpochResult(epoch, num_epochs, loss, accuracy, val_loss, val_accuracy,
                       (epoch + 1) * 16000, 10.0 * (epoch + 1))


def items_named(widget, name):
    """The data items called ``name`` in a plot widget, oldest first (the current run last)."""
    return [item for item in widget.getPlotItem().listDataItems() if item.objectName() == name]


def plotted_values(item):
    """The y values an item was given (pyqtgraph stores an empty curve as ``None``)."""
    return np.asarray(item.yData if item.yData is not None else [], dtype=float)


def legend_names(widget):
    return [label.text for _, label in widget.getPlotItem().legend.items]


@pytest.fixture
def monitor(qtbot):
    widget = TrainingMonitor()
    qtbot.addWidget(widget)
    return widget


def test_progress_steps_become_batch_points(monitor):
    monitor.start_run("numpy lr=0.05")
    steps = make_steps(0, 0, 40, num_batches=100)
    monitor.add_progress(TrainingProgress(steps[:15], 3))
    monitor.add_progress(TrainingProgress(steps[15:], 3))

    assert monitor.num_points() == 40
    loss_widget, accuracy_widget = monitor.plot_widgets()
    positions, losses = items_named(loss_widget, "batch loss")[-1].getData()
    np.testing.assert_allclose(losses, [step.loss for step in steps])
    np.testing.assert_allclose(positions, [(step.batch + 1) / 100 for step in steps])
    smoothed_positions, smoothed = items_named(accuracy_widget, "batch accuracy")[-1].getData()
    assert len(smoothed) == 40
    assert smoothed[0] == pytest.approx(steps[0].accuracy)
    assert min(step.accuracy for step in steps) <= smoothed.min() <= smoothed.max() <= 1.0
    assert "epoch 1/3, batch 40/100" in monitor.status_text()


def test_fractional_epoch_positions_continue_across_epochs(monitor):
    monitor.start_run("run")
    monitor.add_progress(TrainingProgress(make_steps(0, 0, 4, num_batches=4)
                                          + make_steps(1, 0, 2, num_batches=4), 2))
    positions, _ = items_named(monitor.plot_widgets()[0], "batch loss")[-1].getData()
    np.testing.assert_allclose(positions, [0.25, 0.5, 0.75, 1.0, 1.25, 1.5])


def test_moving_average_matches_its_recurrence(monitor):
    monitor.start_run("run")
    steps = make_steps(0, 0, 700, num_batches=300)
    monitor.add_progress(TrainingProgress(steps[:300], 1))
    monitor.add_progress(TrainingProgress(steps[300:], 1))
    _, smoothed = items_named(monitor.plot_widgets()[1], "batch accuracy")[-1].getData()
    alpha = 2.0 / (30.0 + 1.0)  # a tenth of 300 batches
    expected = [steps[0].accuracy]
    for step in steps[1:]:
        expected.append(alpha * step.accuracy + (1 - alpha) * expected[-1])
    np.testing.assert_allclose(smoothed, expected, rtol=1e-10)


def test_epoch_results_with_and_without_validation(monitor):
    monitor.start_run("run")
    monitor.add_epoch(make_epoch(0, loss=0.9, accuracy=0.7, val_loss=0.8, val_accuracy=0.75))
    monitor.add_epoch(make_epoch(1, loss=0.4, accuracy=0.88, val_loss=0.5, val_accuracy=0.86))
    loss_widget, accuracy_widget = monitor.plot_widgets()

    positions, losses = items_named(loss_widget, "epoch loss")[-1].getData()
    np.testing.assert_allclose(positions, [1.0, 2.0])
    np.testing.assert_allclose(losses, [0.9, 0.4])
    np.testing.assert_allclose(items_named(loss_widget, "validation loss")[-1].getData()[1], [0.8, 0.5])
    np.testing.assert_allclose(items_named(accuracy_widget, "epoch accuracy")[-1].getData()[1],
                               [0.7, 0.88])
    np.testing.assert_allclose(items_named(accuracy_widget, "validation accuracy")[-1].getData()[1],
                               [0.75, 0.86])
    assert "validation" in legend_names(accuracy_widget)
    assert "val accuracy 86.0%" in monitor.status_text()

    monitor.start_run("without validation")
    monitor.add_epoch(make_epoch(0, loss=0.7, accuracy=0.6))
    assert items_named(accuracy_widget, "epoch accuracy")[-1].getData()[1].tolist() == [0.6]
    assert plotted_values(items_named(accuracy_widget, "validation accuracy")[-1]).size == 0
    assert "validation" not in legend_names(accuracy_widget)
    assert "val accuracy" not in monitor.status_text()


def test_a_run_with_validation_names_its_validation_curves_from_the_start(monitor, qtbot):
    """Named at the start, the entries need no relayout at the first epoch's end (while training); a
    run whose epochs bring no validation metrics after all loses them then."""
    loss_widget, accuracy_widget = monitor.plot_widgets()
    monitor.start_run("with validation", validation=True)
    assert legend_names(loss_widget) == ["batch", "epoch mean", "validation"]
    assert legend_names(accuracy_widget) == ["batch (smoothed)", "epoch mean", "validation"]
    monitor.add_progress(TrainingProgress(tuple(make_steps(0, 0, 20)), 3))
    show(monitor, qtbot, 500, 400)
    layouts = []
    for widget in (loss_widget, accuracy_widget):
        legend = widget.getPlotItem().legend
        original = legend._fit_columns
        legend._fit_columns = lambda original=original: layouts.append(1) or original()
    monitor.add_epoch(make_epoch(0, val_loss=0.8, val_accuracy=0.75))
    assert layouts == []    # the legends stay as they were
    assert legend_names(accuracy_widget).count("validation") == 1
    np.testing.assert_allclose(items_named(accuracy_widget, "validation accuracy")[-1].getData()[1], [0.75])

    monitor.start_run("no validation after all", validation=True)
    monitor.add_epoch(make_epoch(0, loss=0.7, accuracy=0.6))
    assert "validation" not in legend_names(loss_widget) and "validation" not in legend_names(accuracy_widget)
    monitor.add_epoch(make_epoch(1, loss=0.6, accuracy=0.7))
    assert legend_names(accuracy_widget) == ["batch (smoothed)", "epoch mean"]


def test_repeated_epoch_result_replaces_the_earlier_one(monitor):
    monitor.start_run("run")
    monitor.add_epoch(make_epoch(0, loss=0.9))
    monitor.finish_run(TrainingFinished("completed", "done", make_epoch(0, loss=0.9)))
    assert items_named(monitor.plot_widgets()[0], "epoch loss")[-1].getData()[1].tolist() == [0.9]


def test_keep_earlier_runs_overlays_them(monitor, qtbot):
    show(monitor, qtbot, 900, 360)  # a person sees the box they click
    qtbot.mouseClick(monitor.keep_runs_check(), Qt.MouseButton.LeftButton)
    assert monitor.keep_runs_check().isChecked()
    monitor.start_run("lr=0.01")
    monitor.add_progress(TrainingProgress(make_steps(0, 0, 30), 1))
    monitor.add_epoch(make_epoch(0))
    monitor.start_run("lr=0.1")
    monitor.add_progress(TrainingProgress(make_steps(0, 0, 10), 1))
    loss_widget, accuracy_widget = monitor.plot_widgets()

    batch_curves = items_named(loss_widget, "batch loss")
    assert len(batch_curves) == 2
    assert len(batch_curves[0].getData()[1]) == 30
    assert len(batch_curves[1].getData()[1]) == 10
    assert monitor.num_points() == 10
    assert batch_curves[0].opts["pen"].color() != batch_curves[1].opts["pen"].color()
    assert "lr=0.01" in legend_names(loss_widget)
    assert "lr=0.01" in legend_names(accuracy_widget)
    assert loss_widget.getPlotItem().titleLabel.text == "Loss" and monitor.status_text().startswith("lr=0.1")

    monitor.clear()
    assert all(plotted_values(item).size == 0 for item in loss_widget.getPlotItem().listDataItems())
    assert len(items_named(loss_widget, "batch loss")) == 1
    assert "lr=0.01" not in legend_names(loss_widget)
    assert monitor.num_points() == 0
    monitor.add_progress(TrainingProgress(make_steps(0, 10, 5), 1))
    assert monitor.num_points() == 5


def test_without_keep_earlier_runs_they_are_cleared(monitor):
    assert not monitor.keep_runs_check().isChecked()
    monitor.start_run("first")
    monitor.add_progress(TrainingProgress(make_steps(0, 0, 30), 1))
    monitor.add_epoch(make_epoch(0, val_loss=0.5, val_accuracy=0.8))
    monitor.start_run("second")
    loss_widget, accuracy_widget = monitor.plot_widgets()

    assert len(items_named(loss_widget, "batch loss")) == 1
    assert len(items_named(accuracy_widget, "epoch accuracy")) == 1
    assert len(loss_widget.getPlotItem().listDataItems()) == 4  # batch, epoch, validation, divergence mark
    assert "first" not in legend_names(loss_widget)
    assert "validation" not in legend_names(loss_widget)
    assert monitor.num_points() == 0
    assert monitor.history_csv().strip() == ",".join(HISTORY_COLUMNS)


def test_clear_button_removes_earlier_runs(monitor, qtbot):
    show(monitor, qtbot, 900, 360)  # a person sees the box they click
    qtbot.mouseClick(monitor.keep_runs_check(), Qt.MouseButton.LeftButton)
    assert monitor.keep_runs_check().isChecked()
    for label in ("a", "b", "c"):
        monitor.start_run(label)
        monitor.add_progress(TrainingProgress(make_steps(0, 0, 5), 1))
    assert len(items_named(monitor.plot_widgets()[0], "batch loss")) == 3
    qtbot.mouseClick(monitor.clear_button(), Qt.MouseButton.LeftButton)
    assert len(items_named(monitor.plot_widgets()[0], "batch loss")) == 1
    assert monitor.num_points() == 0


def test_log_scale_toggles_the_loss_axis(monitor):
    plot = monitor.plot_widgets()[0].getPlotItem()
    assert not plot.ctrl.logYCheck.isChecked()
    monitor.log_scale_check().setChecked(True)
    assert plot.ctrl.logYCheck.isChecked()
    assert plot.getAxis("left").logMode
    monitor.log_scale_check().setChecked(False)
    assert not plot.ctrl.logYCheck.isChecked()
    # Switching from the plot's own context menu keeps the checkbox in step.
    plot.ctrl.logYCheck.setChecked(True)
    assert monitor.log_scale_check().isChecked()


def test_non_finite_losses_are_recorded_but_not_drawn(monitor):
    monitor.log_scale_check().setChecked(True)
    monitor.start_run("diverging")
    steps = list(make_steps(0, 0, 6, num_batches=6))
    steps[2] = StepResult(0, 2, 6, math.nan, 0.1, 96, 0.03, 0.05)
    steps[4] = StepResult(0, 4, 6, math.inf, math.nan, 160, 0.05, 0.05)
    steps[5] = StepResult(0, 5, 6, 0.0, 1.0, 192, 0.06, 0.05)
    monitor.add_progress(TrainingProgress(tuple(steps), 1))
    monitor.add_progress(TrainingProgress((StepResult(1, 0, 6, math.nan, math.nan, 224, 0.07, 0.05),), 2))
    monitor.add_epoch(make_epoch(0, loss=math.nan, accuracy=0.3, val_loss=math.inf, val_accuracy=0.2))
    monitor.finish_run(TrainingFinished("diverged", "The loss became NaN at epoch 2.", None))

    assert monitor.num_points() == 7
    batch_loss = items_named(monitor.plot_widgets()[0], "batch loss")[-1]
    # The item's own data (getData gives the log-mapped display data, where zero becomes NaN).
    np.testing.assert_allclose(batch_loss.yData, [steps[0].loss, steps[1].loss, steps[3].loss, 0.0])
    np.testing.assert_allclose(batch_loss.xData, [1 / 6, 2 / 6, 4 / 6, 1.0])
    assert plotted_values(items_named(monitor.plot_widgets()[0], "epoch loss")[-1]).size == 0
    smoothed = items_named(monitor.plot_widgets()[1], "batch accuracy")[-1].getData()[1]
    assert len(smoothed) == 5 and np.isfinite(smoothed).all()
    assert "diverged" in monitor.status_text()
    assert "loss nan" in monitor.status_text()
    monitor.grab()  # drawing log-scaled data with a zero loss must not fail either


def test_progress_before_start_run_starts_a_run(monitor):
    monitor.add_progress(TrainingProgress(make_steps(0, 0, 3), 1))
    assert monitor.num_points() == 3
    assert monitor.status_text().startswith("run 1:")


def test_many_points_in_chunks(monitor):
    monitor.start_run("long run")
    num_batches = 1000
    rng = np.random.default_rng(3)
    losses = np.exp(-np.linspace(0, 5, 120_000)) * np.exp(rng.normal(0, 0.3, 120_000))
    for chunk in range(120):
        epoch = chunk
        steps = tuple(StepResult(epoch, batch, num_batches, loss, 0.9, 0, 0.0, 0.01)
                      for batch, loss in enumerate(losses[chunk * 1000:(chunk + 1) * 1000].tolist()))
        monitor.add_progress(TrainingProgress(steps, 120))
    assert monitor.num_points() == 120_000
    curve = items_named(monitor.plot_widgets()[0], "batch loss")[-1]
    np.testing.assert_allclose(curve.yData, losses)  # all data kept; the display is downsampled
    monitor.resize(900, 400)
    monitor.grab()


def test_history_csv_round_trips(monitor):
    monitor.start_run("run")
    steps = make_steps(0, 0, 7, num_batches=7) + make_steps(1, 0, 3, num_batches=7)
    monitor.add_progress(TrainingProgress(steps, 2))
    rows = list(csv.reader(io.StringIO(monitor.history_csv())))
    assert tuple(rows[0]) == HISTORY_COLUMNS
    assert len(rows) == 1 + len(steps)
    for row, step in zip(rows[1:], steps):
        record = dict(zip(HISTORY_COLUMNS, row))
        for name in ("epoch", "batch", "num_batches", "samples_seen"):
            assert int(record[name]) == getattr(step, name)
        for name in ("loss", "accuracy", "elapsed", "learning_rate"):
            assert float(record[name]) == getattr(step, name)


def test_finish_run_shows_the_reason(monitor):
    monitor.start_run("run")
    monitor.add_progress(TrainingProgress(make_steps(0, 0, 3), 1))
    monitor.finish_run(TrainingFinished("stopped", "Stopped by the user.", None, test_accuracy=0.912))
    text = monitor.status_text()
    assert "stopped" in text and "Stopped by the user." in text and "91.2%" in text


# -- what a person sees: legends beside the data, whole markers, diverged runs, fresh text --------

def show(monitor, qtbot, width, height):
    """Show the monitor at ``width`` × ``height`` and let its plots lay out and range themselves."""
    monitor.resize(width, height)
    monitor.show()
    qtbot.waitExposed(monitor)
    QApplication.processEvents()
    monitor.grab()  # paints, which settles the automatic ranges


def marker_rects(item):
    """The scene rectangle of every marker of a plot data item (a 1-pixel box for line points)."""
    x, y = item.getData()
    if x is None:
        return []
    symbol = item.opts.get("symbol")
    half = (item.opts["symbolSize"] + 2) / 2 if symbol is not None else 0.5
    rects = []
    for point_x, point_y in zip(x, y):
        if np.isfinite(point_x) and np.isfinite(point_y):
            centre = item.mapToScene(QPointF(point_x, point_y))
            rects.append(QRectF(centre.x() - half, centre.y() - half, 2 * half, 2 * half))
    return rects


def overfitting_run(monitor):
    """Two epochs whose last validation loss is the highest and last validation accuracy the lowest:
    the final markers sit in the plots' top-right and bottom-right corners."""
    monitor.start_run("overfitting")
    monitor.add_progress(TrainingProgress(make_steps(0, 0, 20, num_batches=20), 2))
    monitor.add_epoch(make_epoch(0, loss=0.9, accuracy=0.7, val_loss=1.0, val_accuracy=0.72, num_epochs=2))
    monitor.add_progress(TrainingProgress(make_steps(1, 0, 20, num_batches=20), 2))
    monitor.add_epoch(make_epoch(1, loss=0.5, accuracy=0.9, val_loss=2.5, val_accuracy=0.2, num_epochs=2))


def test_legends_cover_no_data_point(monitor, qtbot):
    overfitting_run(monitor)
    show(monitor, qtbot, 1000, 380)
    for widget in monitor.plot_widgets():
        plot = widget.getPlotItem()
        legend = plot.legend.sceneBoundingRect()
        assert plot.legend.isVisible() and len(plot.legend.items) >= 3
        for item in plot.listDataItems():
            for rect in marker_rects(item):
                assert not legend.intersects(rect), f"the legend covers a point of {item.objectName()}"


def test_markers_at_the_first_and_last_epoch_show_whole(monitor, qtbot):
    monitor.start_run("perfect")
    monitor.add_progress(TrainingProgress(make_steps(0, 0, 10, num_batches=10), 1))
    # Values at the ends of their ranges: a validation loss of 0 and accuracies of 1.
    monitor.add_epoch(make_epoch(0, loss=0.3, accuracy=1.0, val_loss=0.0, val_accuracy=1.0, num_epochs=1))
    show(monitor, qtbot, 600, 340)  # a laptop's narrow dock
    for widget in monitor.plot_widgets():
        plot = widget.getPlotItem()
        # Whole, and not touching the frame: two pixels to spare on every side.
        view = plot.vb.sceneBoundingRect().adjusted(2, 2, -2, -2)
        markers = [rect for item in plot.listDataItems() if item.opts.get("symbol") is not None
                   for rect in marker_rects(item)]
        assert len(markers) >= 2
        for rect in markers:
            assert view.contains(rect), f"a marker at {rect} touches or crosses the view's edge {view}"
        left, right = plot.vb.viewRange()[0]
        assert left < 0.0 and right > 1.0  # padded beyond the run's first and last epoch


def test_a_diverged_run_keeps_its_finite_point_and_a_diverged_mark(monitor, qtbot):
    monitor.start_run("sgd lr=5 · ones")
    # As with the "ones" initializer: the first batch's loss is finite, every later one is not.
    steps = (StepResult(0, 0, 8, 2.32, 0.1, 32, 0.1, 5.0), StepResult(0, 1, 8, math.nan, 0.1, 64, 0.2, 5.0))
    monitor.add_progress(TrainingProgress(steps, 1))
    monitor.finish_run(TrainingFinished("diverged", "Training diverged at epoch 1, batch 2.", None))
    show(monitor, qtbot, 900, 360)

    assert monitor.divergence_position() == pytest.approx((1 / 8, 2.32))
    loss_plot = monitor.plot_widgets()[0].getPlotItem()
    marker = next(item for item in loss_plot.listDataItems() if item.objectName() == "diverged marker")
    assert marker.isVisible()
    [rect] = marker_rects(marker)
    assert loss_plot.vb.sceneBoundingRect().contains(rect)
    assert "batch (diverged)" in monitor.legend_labels("loss")
    assert np.isfinite(loss_plot.vb.viewRange()).all()


def test_clicking_log_scale_keeps_the_whole_run_on_the_epoch_axis(monitor, qtbot):
    monitor.start_run("run")
    monitor.add_progress(TrainingProgress(make_steps(0, 5, 10, num_batches=20), 3))
    show(monitor, qtbot, 900, 360)
    check = monitor.log_scale_check()
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    monitor.grab()
    plot = monitor.plot_widgets()[0].getPlotItem()
    assert check.isChecked() and plot.getAxis("left").logMode
    left, right = plot.vb.viewRange()[0]
    assert left < 0.0 and right > 3.0  # still the run's three epochs, not just the batches so far
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    assert not plot.getAxis("left").logMode


def test_a_new_run_does_not_show_the_previous_runs_ending(monitor):
    monitor.start_run("first")
    monitor.add_progress(TrainingProgress(make_steps(0, 0, 3), 1))
    monitor.finish_run(TrainingFinished("completed", "Training finished.", None, test_accuracy=0.926))
    assert "92.6%" in monitor.status_text()
    monitor.start_run("second")
    assert "92.6%" not in monitor.status_text() and "completed" not in monitor.status_text()
    assert monitor.status_text() == "second: no training steps yet."


def test_a_diverged_run_beside_a_kept_one_turns_the_loss_axis_logarithmic(monitor, qtbot):
    show(monitor, qtbot, 900, 360)
    qtbot.mouseClick(monitor.keep_runs_check(), Qt.MouseButton.LeftButton)
    assert monitor.keep_runs_check().isChecked()
    monitor.start_run("converging")
    monitor.add_progress(TrainingProgress(make_steps(0, 0, 20, num_batches=20), 1))
    monitor.finish_run(TrainingFinished("completed", "Training finished.", None))
    assert not monitor.log_scale_check().isChecked()  # one run reads well on a linear axis
    monitor.start_run("exploding")
    steps = tuple(StepResult(0, batch, 20, loss, 0.1, 32, 0.1, 50.0) for batch, loss in enumerate((2.3, 90.0, 1.5e4)))
    monitor.add_progress(TrainingProgress(steps, 1))
    monitor.finish_run(TrainingFinished("diverged", "Training diverged at epoch 1, batch 4.", None))

    plot = monitor.plot_widgets()[0].getPlotItem()
    assert monitor.log_scale_check().isChecked() and plot.getAxis("left").logMode
    assert "Log scale chosen: the losses span" in monitor.status_text()
    assert monitor.divergence_position() == pytest.approx((3 / 20, 1.5e4))
    assert "converging (diverged)" not in monitor.legend_labels() and "converging" in monitor.legend_labels()
    qtbot.mouseClick(monitor.log_scale_check(), Qt.MouseButton.LeftButton)  # the person's choice wins
    assert not plot.getAxis("left").logMode
    assert "Log scale chosen" not in monitor.status_text()
    monitor.start_run("next")
    assert not monitor.log_scale_check().isChecked()


def test_a_long_ending_shows_its_first_sentence_and_the_rest_on_hover(monitor):
    monitor.start_run("run")
    monitor.add_progress(TrainingProgress(make_steps(0, 0, 2), 1))
    message = ("Training diverged at epoch 1, batch 3: the loss became 1.65e+08. Most likely the learning "
               "rate (50) is too high for this model. Try a learning rate of 5.")
    monitor.finish_run(TrainingFinished("diverged", message, None))
    assert monitor.status_text().endswith("diverged: Training diverged at epoch 1, batch 3: the loss became 1.65e+08.")
    assert monitor.status_tooltip().endswith(message)  # the whole message is one hover away


def test_an_idle_monitor_is_two_lines_high_and_shows_its_plots_when_a_run_starts(qtbot):
    monitor = TrainingMonitor()
    qtbot.addWidget(monitor)
    monitor.show()
    assert not monitor.plots_shown() and "No training yet" in monitor.status_text()
    assert monitor.minimumSizeHint().height() < 120
    monitor.start_run("numpy lr=0.001")
    assert monitor.plots_shown() and monitor.minimumSizeHint().height() >= 120


def test_a_live_loss_curve_stays_inside_a_y_range_that_moves_only_now_and_then(monitor, qtbot):
    monitor.resize(700, 400)
    monitor.show()
    monitor.start_run("numpy lr=0.05")
    plot = monitor.plot_widgets()[0].getPlotItem()
    ranges = []
    for first in range(0, 400, 10):   # a loss falling over 400 batches, 10 an update
        monitor.add_progress(TrainingProgress(make_steps(0, first, 10, num_batches=100), 1))
        plot.vb.updateAutoRange()
        bottom, top = plot.vb.viewRange()[1]
        losses = plotted_values(items_named(monitor.plot_widgets()[0], "batch loss")[0])
        assert bottom <= losses.min() and top >= losses.max(), "the curve left the view"
        assert bottom >= 0.0 or losses.min() <= 0.0, "a negative loss on the axis"
        ranges.append((bottom, top))
    changes = sum(first != second for first, second in zip(ranges, ranges[1:]))
    assert changes < len(ranges) // 4, f"the y range changed on {changes} of {len(ranges)} updates"


def test_short_plots_give_their_titles_to_the_curves(monitor, qtbot):
    """Docked under the viewers on a laptop screen the plots are short: their titles would leave the
    curves a few pixels; a taller monitor shows them again."""
    monitor.start_run("run", validation=True)
    monitor.add_progress(TrainingProgress(tuple(make_steps(0, 0, 20)), 3))
    loss_widget, accuracy_widget = monitor.plot_widgets()

    def view_heights():
        return [widget.getPlotItem().vb.height() for widget in (loss_widget, accuracy_widget)]

    show(monitor, qtbot, 700, 600)
    assert not monitor.plots_compact()
    tall = [(widget.getPlotItem().titleLabel.isVisible(), widget.getPlotItem().getAxis("left").labelText,
             widget.getPlotItem().getAxis("bottom").label.isVisible()) for widget in (loss_widget, accuracy_widget)]
    assert tall == [(True, "cross-entropy", True), (True, "fraction correct", True)]

    show(monitor, qtbot, 700, 214)    # the monitor's height at 1366×768
    assert monitor.plots_compact() and loss_widget.height() < 200
    short = [(widget.getPlotItem().titleLabel.isVisible(), widget.getPlotItem().getAxis("left").labelText,
              widget.getPlotItem().getAxis("bottom").label.isVisible()) for widget in (loss_widget, accuracy_widget)]
    assert short == [(False, "loss", True), (False, "accuracy", True)]   # the x axis still says "epoch"
    assert min(view_heights()) >= 40
    # A view resize must not bring the title back.
    show(monitor, qtbot, 600, 214)
    assert not loss_widget.getPlotItem().titleLabel.isVisible()

    show(monitor, qtbot, 700, 600)
    assert not monitor.plots_compact() and loss_widget.getPlotItem().titleLabel.isVisible()
    assert loss_widget.getPlotItem().titleLabel.text == "Loss"
