"""The main window driven as a user would: default model, drawing, training, export, settings."""

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from cnnviz.core.config import reference_config
from cnnviz.engines.numpy_engine import parallel
from cnnviz.service import payloads as p
from cnnviz.service.model_service import ModelService
from cnnviz.ui.export import ExportError, render_widget
from cnnviz.ui.main_window import MainWindow
from tests.ui.person import build_discarding_weights, choose, type_value, wheel
from tests.x_server import x_display_number

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30_000


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)


@pytest.fixture
def window(qtbot, settings, tmp_path):
    service = ModelService(run_root=tmp_path / "runs")
    window = MainWindow(service, settings=settings)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT):
        pass
    yield window
    window.quit_now()
    assert not service.is_running


def test_opens_ready_with_the_default_model_and_a_sample_digit(window):
    result = window.last_result()
    assert window.model_info().summary.total_parameters == 607_394
    assert result.feature_maps["conv2d"].shape == (1, 26, 26, 28)
    assert window.canvas.current_input() is not None
    # The bundled model recognises the first test digit of the bundled sample.
    from cnnviz.core.datasets import load_dataset
    label = int(load_dataset("mnist-sample", "test", count=1).labels[0])
    assert int(np.argmax(result.probabilities)) == label
    assert [window.tabs.tabText(index) for index in range(window.tabs.count())] == [
        "Feature maps", "Overview", "Kernels", "Spectra", "Gradients", "Science", "Experiments", "Evaluation",
        "Embedding", "History", "Explain", "Features"]


def test_strokes_change_the_input_and_the_prediction(qtbot, window):
    before = window.last_result()
    window.canvas.clear()
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT) as blocker:
        window.canvas.stroke([(140, 40), (140, 240)])  # a vertical bar: a one
    after = blocker.args[0]
    assert not np.array_equal(after.image, before.image)
    assert int(np.argmax(after.probabilities)) == 1
    assert after.request_id > before.request_id


def test_gradient_target_change_requests_a_new_inspection(qtbot, window):
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT) as blocker:
        window.gradients_view.sig_target_changed.emit(3)
    assert blocker.args[0].gradients.target == "class:3"


def test_a_tiny_model_trains_through_the_interface(qtbot, window):
    panel = window.config_panel
    config = reference_config().with_training(train_subset=320, batch_size=32, epochs=2, validation_split=0.0)
    panel.set_config(config)
    with qtbot.waitSignal(window.service.sig_model_changed, timeout=TIMEOUT):
        build_discarding_weights(qtbot, window)
    qtbot.waitUntil(lambda: panel.train_button.isEnabled(), timeout=TIMEOUT)
    with qtbot.waitSignal(window.service.sig_training_finished, timeout=60_000) as blocker:
        panel.train_button.click()
    assert blocker.args[0].reason == "completed"
    assert window.monitor.num_points() == 20
    # The state signal is queued to the window: wait for the buttons, not the service attribute.
    qtbot.waitUntil(lambda: panel.train_button.isEnabled(), timeout=TIMEOUT)
    assert window.service.state == p.IDLE and not panel.stop_button.isEnabled()


def test_stop_returns_to_idle(qtbot, window):
    panel = window.config_panel
    panel.set_config(reference_config().with_training(batch_size=8, epochs=3))
    with qtbot.waitSignal(window.service.sig_model_changed, timeout=TIMEOUT):
        build_discarding_weights(qtbot, window)
    qtbot.waitUntil(lambda: panel.train_button.isEnabled(), timeout=TIMEOUT)
    with qtbot.waitSignal(window.service.sig_training_progress, timeout=TIMEOUT):
        panel.train_button.click()
    assert panel.stop_button.isEnabled()
    with qtbot.waitSignal(window.service.sig_training_finished, timeout=TIMEOUT) as blocker:
        panel.stop_button.click()
    assert blocker.args[0].reason == "stopped"
    qtbot.waitUntil(lambda: window.service.state == p.IDLE, timeout=TIMEOUT)
    assert window.monitor.num_points() > 0


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_every_view_exports_in_every_format(window, tmp_path, fmt):
    for index, view in enumerate(window.viewers):
        window.tabs.setCurrentIndex(index)
        path = render_widget(view.export_widget(), tmp_path / f"view{index}.{fmt}", title=view.title())
        data = path.read_bytes()
        if fmt == "png":
            assert data.startswith(b"\x89PNG\r\n\x1a\n")
        elif fmt == "pdf":
            assert data.startswith(b"%PDF-")
        else:
            root = ElementTree.fromstring(data)
            assert root.tag.endswith("svg")
        assert len(data) > 1000
    assert not list(tmp_path.glob(".*partial*"))


def test_export_all_writes_every_layer_and_an_index(window, tmp_path):
    index = window.export_all_to(str(tmp_path / "export"))
    names = {path.name for path in (tmp_path / "export").iterdir()}
    assert index.name == "index.html"
    for expected in ("input.png", "feature-maps_conv2d.png", "spectra_conv2d.png", "kernels_conv2d.png",
                     "kernel-spectra_conv2d.png", "gradients_conv2d.png", "saliency.png", "arrays.npz"):
        assert expected in names
    page = index.read_text()
    assert "feature-maps_conv2d.png" in page
    with np.load(tmp_path / "export" / "arrays.npz", allow_pickle=False) as arrays:
        assert arrays["feature-maps_conv2d"].shape == (28, 26, 26)


def test_export_to_a_read_only_folder_is_a_clear_error(window, tmp_path):
    if os.geteuid() == 0:
        folder = Path("/proc/cnnviz-export")  # not writable, even for root
    else:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
    with pytest.raises(ExportError, match="Cannot write in the folder"):
        render_widget(window.feature_maps_view.export_widget(), folder / "figure.png")
    with pytest.raises(ExportError, match="Cannot write in the folder"):
        window_index = __import__("cnnviz.ui.export", fromlist=["export_all"]).export_all(
            window.last_result(), folder / "all")
        assert window_index is None
    if folder.is_dir():
        assert list(folder.iterdir()) == []
        folder.chmod(0o700)


def test_unwritable_target_is_a_clear_error(window, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ExportError, match="Cannot write in the folder"):
        render_widget(window.feature_maps_view.export_widget(), blocker / "figure.png")


def test_layout_and_settings_are_remembered(qtbot, tmp_path, settings):
    service = ModelService(run_root=False)
    first = MainWindow(service, settings=settings, load_default_model=False)
    qtbot.addWidget(first)
    first.config_panel.learning_rate_spin.setValue(0.0123)
    first.tabs.setCurrentIndex(2)
    first.close()
    second_service = ModelService(run_root=False)
    second = MainWindow(second_service, settings=QSettings(settings.fileName(), QSettings.IniFormat),
                        load_default_model=False)
    qtbot.addWidget(second)
    assert second.config_panel.config().training.learning_rate == pytest.approx(0.0123)
    assert second.tabs.currentIndex() == 2
    second.close()


def test_closing_during_training_stops_the_worker(qtbot, window):
    panel = window.config_panel
    panel.set_config(reference_config().with_training(batch_size=4, epochs=5))
    with qtbot.waitSignal(window.service.sig_model_changed, timeout=TIMEOUT):
        build_discarding_weights(qtbot, window)
    qtbot.waitUntil(lambda: panel.train_button.isEnabled(), timeout=TIMEOUT)
    with qtbot.waitSignal(window.service.sig_training_progress, timeout=TIMEOUT):
        panel.train_button.click()
    window.close()  # the title bar's close button: the window asks first
    dialog = window.confirm_close_dialog
    assert dialog.isVisible() and window.isVisible() and window.service.is_running
    qtbot.mouseClick(dialog.button(QMessageBox.Cancel), Qt.LeftButton)
    assert window.isVisible() and window.service.is_running
    window.close()
    quit_button = next(button for button in window.confirm_close_dialog.buttons()
                       if button.text() == "Stop training and quit")
    qtbot.mouseClick(quit_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not window.service.is_running, timeout=10_000)
    assert not window.isVisible()


def test_the_remembered_configuration_survives_the_start_up_model(qtbot, tmp_path, settings):
    first = MainWindow(ModelService(run_root=False), settings=settings)
    qtbot.addWidget(first)
    first.show()
    with qtbot.waitSignal(first.sig_inspection_shown, timeout=TIMEOUT):
        pass
    first.config_panel.layer_list.setCurrentRow(0)
    type_value(qtbot, first.config_panel.layer_editor.editor("filters"), "12")
    type_value(qtbot, first.config_panel.learning_rate_spin, "0.02")
    first.close()
    second = MainWindow(ModelService(run_root=False), settings=QSettings(settings.fileName(), QSettings.IniFormat))
    qtbot.addWidget(second)
    second.show()
    with qtbot.waitSignal(second.sig_inspection_shown, timeout=TIMEOUT):
        pass
    config = second.config_panel.config()
    assert config.layers[0].filters == 12 and config.training.learning_rate == 0.02
    assert second.model_info().config.layers[0].filters == 28  # the bundled model, unchanged
    assert second.model_label.text().endswith("layers were edited: Build to use them")
    second.close()


def test_main_py_screenshot_smoke(tmp_path):
    target = tmp_path / "window.png"
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--screenshot", str(target), "--settings",
         str(tmp_path / "settings.ini")],
        capture_output=True, text=True, timeout=180, cwd=ROOT,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen", "CNNVIZ_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 50_000
    assert "tensorflow" not in result.stderr.lower()


def test_step_batch_then_epoch_and_change_the_learning_rate(qtbot, window):
    panel = window.config_panel
    panel.set_config(reference_config().with_training(train_subset=320, batch_size=32, epochs=2,
                                                      validation_split=0.0))
    with qtbot.waitSignal(window.service.sig_model_changed, timeout=TIMEOUT):
        build_discarding_weights(qtbot, window)
    qtbot.waitUntil(lambda: panel.train_button.isEnabled(), timeout=TIMEOUT)
    with qtbot.waitSignal(window.service.sig_state_changed, timeout=TIMEOUT,
                          check_params_cb=lambda state: state == p.PAUSED):
        window.step_batch_action.trigger()
    qtbot.waitUntil(lambda: window.monitor.num_points() == 1, timeout=TIMEOUT)
    # The toolbar's learning rate, typed while training is paused, is the Model panel's too.
    type_value(qtbot, window.live_learning_rate, "0.0005")
    assert panel.config().training.learning_rate == 0.0005
    assert panel.learning_rate_spin.value() == 0.0005
    with qtbot.waitSignal(window.service.sig_epoch_finished, timeout=TIMEOUT):
        window.step_epoch_action.trigger()
    qtbot.waitUntil(lambda: window.monitor.num_points() == 10, timeout=TIMEOUT)
    steps = window.monitor.history_csv().splitlines()[1:]
    assert steps[0].endswith(",0.001") and steps[-1].endswith(",0.0005")
    with qtbot.waitSignal(window.service.sig_training_finished, timeout=TIMEOUT):
        panel.stop_button.click()


def test_divergence_is_explained_and_fixed_in_one_click(qtbot, window):
    from cnnviz.core.config import Initializer

    panel = window.config_panel
    config = reference_config().with_training(optimizer="sgd", learning_rate=0.7, train_subset=640, batch_size=32,
                                              epochs=1, validation_split=0.0)
    panel.set_config(config.__class__(config.input_shape, config.layers, Initializer("ones"), config.training))
    with qtbot.waitSignal(window.service.sig_model_changed, timeout=TIMEOUT):
        build_discarding_weights(qtbot, window)
    qtbot.waitUntil(lambda: panel.train_button.isEnabled(), timeout=TIMEOUT)
    with qtbot.waitSignal(window.service.sig_training_finished, timeout=TIMEOUT) as blocker:
        panel.train_button.click()
    finished = blocker.args[0]
    assert finished.reason == "diverged"
    assert "every weight starts at one" in finished.message and "were put back" in finished.message
    assert finished.suggestion == {"learning_rate": pytest.approx(0.07), "initializer": "glorot_uniform"}
    qtbot.waitUntil(lambda: getattr(window, "divergence_dialog", None) is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(window.service.sig_training_finished, timeout=60_000) as blocker:
        window.divergence_fix_button.click()
    assert blocker.args[0].reason == "completed"
    assert panel.config().initializer.name == "glorot_uniform"
    assert panel.config().training.learning_rate == pytest.approx(0.07)


def test_rapid_inputs_never_show_a_stale_result(qtbot, window):
    shown = []
    window.sig_inspection_shown.connect(
        lambda result: shown.append((result.request_id, window.inspection.latest_request())))
    rng = np.random.default_rng(1)
    for _ in range(200):
        window.canvas.set_image((rng.random((28, 28)) > 0.7).astype(np.float32) * 255)
    qtbot.waitUntil(lambda: bool(shown) and shown[-1][0] == window.inspection.latest_request(), timeout=TIMEOUT)
    assert all(request_id == latest for request_id, latest in shown)
    assert len(shown) < 200  # superseded requests were dropped, not queued


def test_an_unexpected_error_shows_details_and_is_logged(qtbot, window, tmp_path):
    try:
        raise ZeroDivisionError("division by zero in a slot")
    except ZeroDivisionError:
        window.report_unexpected(*sys.exc_info())
    dialog = window.error_dialog
    assert "ZeroDivisionError: division by zero in a slot" in dialog.text()
    assert "Traceback" in dialog.detailedText()
    from cnnviz.core.crashlog import crash_log_path
    assert "division by zero in a slot" in crash_log_path().read_text()
    dialog.close()


def test_a_service_error_shows_a_dialog(qtbot, window, tmp_path):
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a model")
    with qtbot.waitSignal(window.service.sig_error_raised, timeout=TIMEOUT):
        window.service.load(broken)
    qtbot.waitUntil(lambda: getattr(window, "error_dialog", None) is not None, timeout=TIMEOUT)
    assert window.error_dialog.windowTitle() == "Could not open the model"
    assert "broken.npz is not a readable cnnviz model file" in window.error_dialog.text()
    assert window.service.state in ("idle", "busy")
    assert window.model_info().summary.total_parameters == 607_394  # the old model stays


def test_an_impossible_configuration_cannot_train(qtbot, window):
    panel = window.config_panel
    panel.layer_list.setCurrentRow(0)
    panel.layer_editor.findChild(object, "setting_kernel_height").setValue(40)
    assert not panel.train_button.isEnabled() and not panel.build_button.isEnabled()
    toolbar = {action.text(): action for action, _ in window.toolbar_commands}
    assert not toolbar["Train"].isEnabled() and not toolbar["Build"].isEnabled()
    assert panel.problem_label.isVisible() and "larger than its 28x28 input" in panel.problem_label.text()
    panel.layer_editor.findChild(object, "setting_kernel_height").setValue(3)
    assert toolbar["Train"].isEnabled()


def test_a_shapes_model_switches_the_canvas_to_shapes(qtbot, window):
    from cnnviz.core.config import Dense

    config = reference_config().with_training(dataset="shapes")
    config = config.with_layers([*config.layers[:-1], Dense(units=3, activation="softmax")])
    window.config_panel.set_config(config)
    with qtbot.waitSignal(window.service.sig_model_changed, timeout=TIMEOUT):
        build_discarding_weights(qtbot, window)
    qtbot.waitUntil(lambda: window.canvas.mode() == "shapes", timeout=TIMEOUT)
    assert window.canvas.class_names() == ("square", "triangle", "circle")


@pytest.mark.skipif(not __import__("shutil").which("xvfb-run"), reason="needs Xvfb (.ci/run installs it)")
def test_the_window_opens_on_a_real_x_server(tmp_path):
    """The X11 (xcb) platform a desktop user gets, not only the offscreen one the other tests use."""
    target = tmp_path / "x11.png"
    environment = {key: value for key, value in __import__("os").environ.items() if key != "QT_QPA_PLATFORM"}
    environment["CNNVIZ_HOME"] = str(tmp_path)
    result = subprocess.run(
        ["xvfb-run", "-a", "-n", str(x_display_number()), "-s", "-screen 0 1600x1000x24", sys.executable,
         str(ROOT / "main.py"),
         "--screenshot", str(target), "--settings", str(tmp_path / "settings.ini")],
        capture_output=True, text=True, timeout=180, cwd=ROOT, env=environment)
    assert result.returncode == 0, result.stderr[-2000:]
    assert target.read_bytes().startswith(b"\x89PNG")


def test_choosing_the_keras_engine_keeps_the_trained_weights(qtbot, window):
    before = window.last_result().probabilities.copy()
    # The status bar names the engine and where it computes (the window's worker trains on every core).
    threads = parallel.num_workers()
    assert window.model_label.text().startswith(
        f"NumPy engine on CPU, {threads} thread{'s' if threads != 1 else ''} · reference_model.npz")
    with qtbot.waitSignal(window.service.sig_model_changed, timeout=120_000) as changed:
        choose(qtbot, window.config_panel.engine_combo, "Keras / TensorFlow")
    device = changed.args[0].device
    assert changed.args[0].engine == "keras" and (device == "CPU" or " × " in device)
    assert window.model_label.text().startswith(f"Keras engine on {device} · reference_model.npz")
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT) as shown:
        window.canvas.load_sample(0)
    np.testing.assert_allclose(shown.args[0].probabilities, before, atol=1e-5)
    # Back to NumPy: the same weights again, and Build still asks before discarding them.
    with qtbot.waitSignal(window.service.sig_model_changed, timeout=TIMEOUT):
        choose(qtbot, window.config_panel.engine_combo, "NumPy (from scratch)")
    qtbot.mouseClick(window.config_panel.build_button, Qt.LeftButton)
    assert window.confirm_build_dialog.isVisible()


def test_build_asks_before_discarding_trained_weights_and_cancel_keeps_them(qtbot, window):
    version = window.model_info().version
    qtbot.mouseClick(window.config_panel.build_button, Qt.LeftButton)
    dialog = window.confirm_build_dialog
    assert dialog.isVisible() and "trained weights" in dialog.text()
    cancel = dialog.button(QMessageBox.Cancel)
    qtbot.mouseClick(cancel, Qt.LeftButton)
    qtbot.wait(300)
    assert not dialog.isVisible() and window.model_info().version == version
    build_discarding_weights(qtbot, window)
    qtbot.waitUntil(lambda: window.model_info().version > version, timeout=TIMEOUT)
    assert window.model_info().source == "new numpy model"
    # A freshly built model has nothing to lose: Build does not ask again.
    with qtbot.waitSignal(window.service.sig_model_changed, timeout=TIMEOUT):
        qtbot.mouseClick(window.config_panel.build_button, Qt.LeftButton)


def test_choosing_an_engine_for_an_edited_architecture_waits_for_build(qtbot, window):
    panel = window.config_panel
    panel.layer_list.setCurrentRow(0)
    type_value(qtbot, panel.layer_editor.editor("filters"), "8")
    choose(qtbot, panel.engine_combo, "Keras / TensorFlow")
    qtbot.wait(200)
    assert window.model_info().engine == "numpy"
    assert window.model_label.text().endswith("layers were edited and Keras chosen: Build to use them")


def test_the_learning_rate_is_one_value_in_the_toolbar_and_the_panel(qtbot, window):
    panel = window.config_panel
    type_value(qtbot, panel.learning_rate_spin, "0.02")
    assert window.live_learning_rate.value() == 0.02
    type_value(qtbot, window.live_learning_rate, "0.003", finish="tab")
    assert panel.learning_rate_spin.value() == 0.003 and panel.config().training.learning_rate == 0.003


def test_the_wheel_over_the_model_panel_scrolls_it_and_changes_nothing(qtbot, window):
    panel = window.config_panel
    before = panel.config()
    scroll = window.config_dock.widget()
    window.resize(1280, 720)
    qtbot.wait(100)
    for widget in (panel.learning_rate_spin, panel.initializer_combo, panel.seed_spin, panel.engine_combo):
        wheel(widget, -3)
        wheel(widget, 2)
    assert panel.config() == before and panel.engine_name() == "numpy"
    assert scroll.verticalScrollBar().maximum() > 0


def test_the_window_opens_inside_the_screen_and_fits_a_laptop(qtbot, window):
    available = window.screen().availableGeometry()
    assert available.contains(window.geometry()), (window.geometry(), available)
    minimum = window.minimumSizeHint()
    assert minimum.width() <= 1280 and minimum.height() <= 720, minimum
    window.resize(1280, 720)
    qtbot.wait(200)
    assert window.size().width() == 1280 and window.size().height() == 720
    for dock in (window.config_dock, window.canvas_dock):
        assert dock.isVisible() and dock.width() >= 200 and dock.height() >= 150, dock.objectName()
    # The idle training monitor leaves the viewers the height: two lines, not plots squeezed flat.
    assert window.monitor_dock.isVisible() and not window.monitor.plots_shown()
    assert window.monitor_dock.height() < 0.2 * window.height()


def test_a_narrow_window_shrinks_the_side_panels_before_the_viewers(qtbot, window):
    window.resize(800, 700)
    qtbot.waitUntil(lambda: window.centralWidget().width() >= 0.45 * window.width(), timeout=3000)
    assert window.config_dock.width() >= 200 and window.canvas_dock.width() >= 200
    # Wide again: the side panels get their room back.
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: window.config_dock.width() > 220, timeout=3000)

def test_shapes_for_the_digit_model_are_flagged_and_the_shapes_model_is_one_click_away(qtbot, window):
    from PySide6.QtCore import QPoint, Qt

    canvas = window.canvas
    assert canvas.notice() == ""
    combo = canvas.mode_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # Digits → Shapes
    assert canvas.mode() == "shapes"
    assert "trained on digits (mnist-sample)" in canvas.notice() and "a shape means nothing" in canvas.notice()
    qtbot.mouseClick(canvas.clear_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT) as shown:
        # A circle across the middle of the surface, whatever size the panel gives it.
        centre, radius = canvas.surface.rect().center(), 0.3 * min(canvas.surface.width(), canvas.surface.height())
        points = [QPoint(int(centre.x() + radius * np.cos(angle)), int(centre.y() + radius * np.sin(angle)))
                  for angle in np.linspace(0.0, 2.0 * np.pi, 40)]
        qtbot.mousePress(canvas.surface, Qt.MouseButton.LeftButton, pos=points[0])
        for point in points[1:]:
            qtbot.mouseMove(canvas.surface, point)
            qtbot.wait(2)  # as a hand moves: each position arrives before the next (none merged)
        qtbot.mouseRelease(canvas.surface, Qt.MouseButton.LeftButton, pos=points[-1])
    assert len(shown.args[0].probabilities) == 10  # the digit model still answers, with a digit
    assert canvas.notice() and canvas.notice_button.isVisible()

    with qtbot.waitSignal(window.service.sig_model_changed, timeout=TIMEOUT) as changed:
        qtbot.mouseClick(canvas.notice_button, Qt.MouseButton.LeftButton)
    assert Path(changed.args[0].source).name == "shapes_model.npz"
    qtbot.waitUntil(lambda: window.last_result() is not None and len(window.last_result().probabilities) == 3,
                    timeout=TIMEOUT)
    assert canvas.notice() == "" and not canvas.notice_button.isVisible()
    assert canvas.mode() == "shapes" and canvas.chart.class_names() == ("square", "triangle", "circle")
    assert canvas.prediction_text().startswith("Prediction: circle")


def test_clicking_a_mistake_keeps_the_user_on_the_evaluation_tab(qtbot, window):
    from PySide6.QtCore import Qt

    panel = window.evaluation_panel
    bar = window.tabs.tabBar()
    evaluation_tab = window.tab_pages.index(panel)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(evaluation_tab).center())
    assert window.tabs.currentIndex() == evaluation_tab
    with qtbot.waitSignal(window.service.sig_evaluation_finished, timeout=60_000):
        qtbot.mouseClick(panel.evaluate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.gallery.count() > 0, timeout=TIMEOUT)
    gallery = panel.gallery
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT):
        qtbot.mouseClick(gallery.viewport(), Qt.MouseButton.LeftButton,
                         pos=gallery.visualItemRect(gallery.item(0)).center())
    assert window.tabs.currentIndex() == evaluation_tab
    index = int(panel.gallery_indices()[0])
    np.testing.assert_allclose(window.canvas.current_input()[0], panel.evaluation().images[index], atol=1e-6)
    assert "loaded into the canvas" in window.statusBar().currentMessage()
    assert "Evaluation tab" in window.canvas.message()
    qtbot.mouseClick(panel.show_in_viewers_button, Qt.MouseButton.LeftButton)
    assert window.current_view() is window.feature_maps_view


def test_menu_shortcuts_call_their_commands_without_arguments(qtbot, window):
    """Ctrl+R (Random sample) once handed the action's checked flag, False, to load_sample as its index."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT):
        qtbot.keyClick(window, Qt.Key_R, Qt.ControlModifier)
    assert "Test sample #" in window.canvas.message()


def test_a_learning_rate_fix_continues_from_the_trained_weights(qtbot, window):
    """Adam at 5 on the bundled trained model diverges; the fix (Adam's usual rate) trains on from the
    weights put back, instead of throwing the trained model away for random weights."""
    panel = window.config_panel
    panel.set_config(panel.config().with_training(train_subset=320, batch_size=32, epochs=1, validation_split=0.0))
    type_value(qtbot, window.live_learning_rate, "5")
    with qtbot.waitSignal(window.service.sig_training_finished, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(panel.train_button, Qt.LeftButton)
    assert blocker.args[0].reason == "diverged"
    assert blocker.args[0].suggestion == {"learning_rate": 0.001}
    qtbot.waitUntil(lambda: getattr(window, "divergence_dialog", None) is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(window.service.sig_training_finished, timeout=60_000) as blocker:
        qtbot.mouseClick(window.divergence_fix_button, Qt.LeftButton)
    assert blocker.args[0].reason == "completed" and blocker.args[0].test_accuracy > 0.9
    assert window.model_info().source.endswith("reference_model.npz")
    assert panel.config().training.learning_rate == 0.001


def test_step_waits_for_build_when_the_configuration_is_not_the_models(qtbot, window):
    panel = window.config_panel
    assert window.step_batch_action.isEnabled()
    panel.layer_list.setCurrentRow(0)
    type_value(qtbot, panel.layer_editor.editor("kernel_height"), "30")  # impossible
    assert not window.step_batch_action.isEnabled() and not window.step_epoch_action.isEnabled()
    type_value(qtbot, panel.layer_editor.editor("kernel_height"), "5")  # valid, but not the model's
    assert not window.step_batch_action.isEnabled()
    assert window.model_label.text().endswith("layers were edited: Build to use them")
    window.step_batch_action.trigger()  # the shortcut, say: nothing trains
    qtbot.wait(300)
    assert window.service.state == p.IDLE and window.monitor.num_points() == 0
    type_value(qtbot, panel.layer_editor.editor("kernel_height"), "3")
    assert window.step_batch_action.isEnabled()


def test_an_experiment_cannot_be_paused_or_stepped(qtbot, window):
    experiments = window.experiments_panel
    experiments.set_preset(None)
    experiments.set_sweep(0, "training.learning_rate", "0.001, 0.01")
    experiments.epochs_spin.setValue(3)
    experiments.subset_spin.setValue(2000)
    window.show_tab(experiments)
    with qtbot.waitSignal(window.service.sig_experiment_progress, timeout=TIMEOUT):
        qtbot.mouseClick(experiments.run_button, Qt.LeftButton)
    toolbar = {action.text(): action for action, _ in window.toolbar_commands}
    assert not toolbar["Pause"].isEnabled() and not window.step_batch_action.isEnabled()
    assert toolbar["Stop"].isEnabled()
    with qtbot.waitSignal(window.service.sig_experiment_finished, timeout=60_000):
        qtbot.mouseClick(experiments.cancel_button, Qt.LeftButton)


def test_settings_live_in_cnnviz_home_when_it_is_set(qtbot, tmp_path, monkeypatch):
    from cnnviz.ui.main_window import default_settings

    monkeypatch.setenv("CNNVIZ_HOME", str(tmp_path / "home"))
    assert Path(default_settings().fileName()) == tmp_path / "home" / "settings.ini"


def test_a_refused_keystroke_says_the_fields_range(qtbot, window):
    """Typing 50 into the learning rate (at most 10) left "5" and said nothing."""
    from cnnviz.ui.range_hint import install_range_hint

    type_value(qtbot, window.live_learning_rate, "50")
    hint = install_range_hint()
    qtbot.waitUntil(lambda: "from 1e-05 to 10" in hint.last_hint(), timeout=2000)
    assert window.config_panel.config().training.learning_rate == 5.0


def test_history_lists_the_runs_folder_the_window_trains_into(qtbot, window, tmp_path):
    # The window's runs go where its service writes them; History must look there, not in the
    # user data folder.
    assert window.history_panel.runs_root() == window.service.runs_folder
    assert window.service.runs_folder is not None and window.service.runs_folder.parent == tmp_path
    window.show_tab(window.history_panel)
    qtbot.mouseClick(window.history_panel.refresh_button, Qt.LeftButton)
    assert str(window.service.runs_folder) in window.history_panel.root_label.text()


def test_the_input_panel_never_scrolls_sideways_after_taking_the_shapes_model(qtbot, window):
    from PySide6.QtCore import Qt

    window.resize(1366, 768)
    canvas = window.canvas
    combo = canvas.mode_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # Digits → Shapes: the notice offers the shapes model
    with qtbot.waitSignal(window.service.sig_model_changed, timeout=TIMEOUT):
        qtbot.mouseClick(canvas.notice_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.last_result() is not None and len(window.last_result().probabilities) == 3,
                    timeout=TIMEOUT)
    scroll = window.canvas_dock.widget()
    for width in (window.canvas_dock.width(), 1):   # as laid out, then dragged to its narrowest
        window.resizeDocks([window.canvas_dock], [width], Qt.Orientation.Horizontal)
        QApplication.processEvents()
        assert scroll.horizontalScrollBar().maximum() == 0
        assert canvas.width() <= scroll.viewport().width()
    assert window.centralWidget().width() >= 600


def test_an_evaluation_image_of_an_earlier_input_shape_is_fitted_to_the_canvas_model(qtbot, window):
    """The Evaluation tab's images keep the shape of the model that was evaluated; after a build with
    another input they are fitted like any picture instead of failing."""
    window.canvas.set_model("mnist-sample", input_shape=(28, 29, 1))
    image = np.zeros((28, 28, 1), np.float32)
    image[6:22, 12:16] = 1.0    # a bar
    window.evaluation_panel.sig_example_chosen.emit(image, 1)
    fitted = window.canvas.current_input()
    assert fitted.shape == (1, 28, 29, 1) and fitted.max() > 0.5
    window.canvas.set_model("mnist-sample", input_shape=(28, 28, 1))
    window.evaluation_panel.sig_example_chosen.emit(image, 1)
    np.testing.assert_array_equal(window.canvas.current_input()[0], image)   # the same shape: taken as it is
