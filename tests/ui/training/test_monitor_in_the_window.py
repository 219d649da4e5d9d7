"""The training monitor and the status bar's progress as a person sees them in the window: after one
Step batch, after a short run at laptop and desktop sizes, and while an experiment trains."""

import math

import pytest
from PySide6.QtCore import QObject, QPointF, QSettings, Qt
from PySide6.QtWidgets import QApplication, QToolBar

from cnnviz.service import payloads as p
from cnnviz.service.model_service import ModelService
from cnnviz.ui.main_window import MainWindow
from cnnviz.ui.plots.axes import MARKER_MARGIN_PX

TIMEOUT = 60_000


@pytest.fixture
def window(qtbot, tmp_path):
    service = ModelService(run_root=tmp_path / "runs")
    window = MainWindow(service, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT):
        pass
    yield window
    window.quit_now()


def short_training(window, epochs=2):
    """The Model panel's training settings for a run of a few seconds (the architecture unchanged)."""
    config = window.config_panel.config()
    window.config_panel.set_config(config.with_training(epochs=epochs, train_subset=320, batch_size=32,
                                                        validation_split=0.2))


def click_toolbar(qtbot, window, action):
    """Click the training toolbar's button for ``action``, as a person does."""
    button = window.findChild(QToolBar, "toolbar_training").widgetForAction(action)
    assert button is not None and button.isEnabled()
    qtbot.mouseClick(button, Qt.LeftButton)


def settle(window):
    """Let the plots lay out and take their automatic ranges (a paint settles them)."""
    QApplication.processEvents()
    window.grab()
    QApplication.processEvents()


def current_item(plot_widget, name):
    """The current run's data item called ``name`` (the current run's items are the newest)."""
    return [item for item in plot_widget.getPlotItem().listDataItems() if item.objectName() == name][-1]


def room_around(view_box, x, y):
    """Pixels between the point ``(x, y)`` (data) and the view's left, right, top and bottom edges."""
    point = view_box.mapViewToScene(QPointF(x, y))
    edges = view_box.sceneBoundingRect()
    return (point.x() - edges.left(), edges.right() - point.x(), point.y() - edges.top(),
            edges.bottom() - point.y())


def test_one_step_batch_draws_its_point_in_sensible_ranges(qtbot, window):
    short_training(window)
    with qtbot.waitSignal(window.service.sig_state_changed, timeout=TIMEOUT,
                          check_params_cb=lambda state: state == p.PAUSED):
        click_toolbar(qtbot, window, window.step_batch_action)
    qtbot.waitUntil(lambda: window.monitor.num_points() == 1, timeout=TIMEOUT)
    settle(window)

    loss_widget, accuracy_widget = window.monitor.plot_widgets()
    for widget, name, (floor, ceiling) in ((loss_widget, "batch loss", (0.0, None)),
                                           (accuracy_widget, "batch accuracy", (0.0, 1.0))):
        item = current_item(widget, name)
        [x], [y] = item.getData()
        assert item.opts["symbol"] is not None, f"the single {name} point is drawn as a line of one point"
        view_box = widget.getPlotItem().vb
        assert min(room_around(view_box, x, y)) >= item.opts["symbolSize"] / 2, f"the {name} point is cut"
        (_, _), (bottom, top) = view_box.viewRange()
        # No impossible values on the axis: no negative loss, no accuracy beyond 1 (only room for
        # a marker drawn on the bound).
        _, _, _, below_floor = room_around(view_box, x, floor)
        assert below_floor <= MARKER_MARGIN_PX + 0.5, f"{name}: the axis reaches {bottom:.3g}"
        if ceiling is not None:
            _, _, above_ceiling, _ = room_around(view_box, x, ceiling)
            assert above_ceiling <= MARKER_MARGIN_PX + 0.5, f"{name}: the axis reaches {top:.3g}"
        assert top - bottom <= 1.0, f"{name}: a single value spread over {bottom:.3g} to {top:.3g}"
    with qtbot.waitSignal(window.service.sig_training_finished, timeout=TIMEOUT):
        window.config_panel.stop_button.click()


def test_the_last_epochs_markers_show_whole_at_every_window_size(qtbot, window):
    short_training(window)
    with qtbot.waitSignal(window.service.sig_training_finished, timeout=TIMEOUT):
        click_toolbar(qtbot, window, window.toolbar_commands[1][0])  # Train
    qtbot.waitUntil(lambda: window.config_panel.train_button.isEnabled(), timeout=TIMEOUT)
    # A laptop, the smallest window the layout supports, and a desktop.
    for width, height in ((1366, 768), (1280, 720), (1920, 1080)):
        window.resize(width, height)
        settle(window)
        monitor = window.monitor.plot_widgets()[0].parentWidget()
        # The monitor sits under the viewers, narrower than the window.
        assert monitor.width() < window.width() - 200
        for widget in window.monitor.plot_widgets():
            view_box = widget.getPlotItem().vb
            for name in ("epoch loss", "validation loss", "epoch accuracy", "validation accuracy"):
                items = [item for item in widget.getPlotItem().listDataItems() if item.objectName() == name]
                if not items:
                    continue
                item = items[-1]
                x, y = item.getData()
                assert len(x) == 2 and math.isclose(x[-1], 2.0)
                needed = item.opts["symbolSize"] / 2 + 1
                for x_value, y_value in zip(x, y):
                    room = room_around(view_box, x_value, y_value)
                    assert min(room) >= needed, (f"{width}×{height}: the {name} marker at epoch {x_value:g} "
                                                 f"has {min(room):.1f} px of room, needs {needed:.1f}")


def progress_seen(window):
    """What the status bar's progress bar shows now."""
    bar = window.progress_bar
    return bar.isVisible(), bar.value(), bar.maximum(), bar.text()


class ProgressWatch(QObject):
    """Notes what the progress bar shows each time a service signal reaches the window (a bound
    method of a main-thread object: it runs after the window's own slots, in the main thread)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.seen = []

    def on_state_changed(self, state):
        self.seen.append((state, progress_seen(self.window)))

    def on_experiment_progress(self, progress):
        self.seen.append((progress.run_index, progress_seen(self.window)))


def test_the_progress_bar_starts_empty_for_every_run(qtbot, window):
    short_training(window, epochs=1)
    with qtbot.waitSignal(window.service.sig_training_finished, timeout=TIMEOUT):
        click_toolbar(qtbot, window, window.toolbar_commands[1][0])  # Train
    qtbot.waitUntil(lambda: window.config_panel.train_button.isEnabled(), timeout=TIMEOUT)

    watch = ProgressWatch(window)
    window.service.sig_state_changed.connect(watch.on_state_changed)
    click_toolbar(qtbot, window, window.step_batch_action)
    qtbot.waitUntil(lambda: any(state == p.PAUSED for state, _ in watch.seen), timeout=TIMEOUT)
    visible, value, maximum, text = next(shown for state, shown in watch.seen if state == p.TRAINING)
    assert visible and value < maximum and text == "0%", f"a new run starts at {text}"
    with qtbot.waitSignal(window.service.sig_training_finished, timeout=TIMEOUT):
        window.config_panel.stop_button.click()


def test_the_progress_bar_follows_an_experiments_runs(qtbot, window):
    experiments = window.experiments_panel
    window.show_tab(experiments)
    experiments.set_preset(None)
    experiments.set_sweep(0, "training.learning_rate", "0.001, 0.01")
    experiments.set_sweep(1, "", "")
    experiments.epochs_spin.setValue(1)
    experiments.subset_spin.setValue(320)
    watch = ProgressWatch(window)
    window.service.sig_experiment_progress.connect(watch.on_experiment_progress)
    with qtbot.waitSignal(window.service.sig_experiment_finished, timeout=TIMEOUT):
        qtbot.mouseClick(experiments.run_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: {run_index for run_index, _ in watch.seen} == {0, 1}, timeout=TIMEOUT)
    seen = watch.seen

    assert {run_index for run_index, _ in seen} == {0, 1}
    values = [value for _, (_, value, _, _) in seen]
    assert values == sorted(values) and 0 < values[0]
    for run_index, (visible, value, maximum, text) in seen:
        assert visible and text.startswith(f"run {run_index + 1}/2 · "), text
        # Half the bar for each run: the first run's batches fill the first half.
        assert (run_index * maximum / 2 < value <= (run_index + 1) * maximum / 2), (run_index, value, maximum)
    qtbot.waitUntil(lambda: not window.progress_bar.isVisible(), timeout=TIMEOUT)


@pytest.mark.parametrize("split, named", [(0.2, True), (0.0, False)])
def test_a_run_that_sets_validation_data_aside_names_the_validation_curves_as_it_starts(window, split, named):
    config = window.config_panel.config()
    window.config_panel.set_config(config.with_training(validation_split=split))
    window.training.start_run_label()
    assert ("validation" in window.monitor.legend_labels("loss")) is named
    assert ("validation" in window.monitor.legend_labels("accuracy")) is named
