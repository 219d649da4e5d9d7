"""The Explain tab's sanity check (table and explanation from a button), a method the Keras engine
cannot compute (a message, no dialog), and the maps in Export all."""

import gc
import re
import threading

import numpy as np
from PySide6.QtCore import Qt

from cnnviz.core.config import Conv2D, Dense, Flatten, MaxPooling2D, ModelConfig
from cnnviz.science import attribution
from cnnviz.science.attribution import cascading_randomization
from tests.ui.explain.conftest import TIMEOUT, engine_of, open_explain_tab
from tests.ui.person import choose
from tests.ui.settle import settle


def tiny_colour_config():
    return ModelConfig(input_shape=(12, 10, 3), layers=(
        Conv2D(filters=3, kernel_size=(3, 3), activation="relu"),
        MaxPooling2D(pool_size=(2, 2)),
        Flatten(),
        Dense(units=10, activation="softmax"),
    ))


def build(qtbot, window, config, engine="numpy"):
    with qtbot.waitSignal(window.service.sig_model_changed, timeout=TIMEOUT):
        window.service.build(config, engine)
    qtbot.waitUntil(lambda: window.canvas.current_input() is not None
                    and window.canvas.current_input().shape[1:] == tuple(config.input_shape), timeout=TIMEOUT)


def click(qtbot, widget):
    qtbot.mouseClick(widget, Qt.LeftButton, pos=widget.rect().center())


def test_the_sanity_button_fills_the_table_with_the_checks_values(qtbot, window):
    build(qtbot, window, tiny_colour_config())
    open_explain_tab(qtbot, window)
    panel = window.explain_panel
    sanity = panel.sanity_view
    for name in ("guided-backprop", "integrated-gradients"):
        sanity.check_method(name, False)
    panel.pages.setCurrentWidget(sanity)
    click(qtbot, sanity.labels_check)
    assert sanity.labels_check.isChecked()
    panel.pages.setCurrentIndex(0)
    with qtbot.waitSignal(window.service.attribution.sig_sanity_finished, timeout=TIMEOUT):
        click(qtbot, panel.sanity_button)
    settle(qtbot)
    assert panel.pages.currentWidget() is sanity and sanity.sanity_run_button.isEnabled()
    methods = ("gradient", "gradient-x-input", "grad-cam")
    headers = [sanity.table.horizontalHeaderItem(column).text() for column in range(sanity.table.columnCount())]
    assert headers == ["dense", "dense…conv2d", "shuffled labels"]
    assert sanity.table.rowCount() == len(methods)
    expected = cascading_randomization(engine_of(window), window.canvas.current_input(), methods, layer="conv2d",
                                       baseline="black", steps=64, patch_size=4, stride=2)
    for row in range(len(methods)):
        for column in range(2):
            spearman = expected.spearman[row, column]
            text = "–" if np.isnan(spearman) else f"{spearman:.2f}"
            assert sanity.cell_text(row, column).startswith(text + " /")
        assert re.fullmatch(r"(–|-?\d\.\d\d) / (–|-?\d\.\d\d)", sanity.cell_text(row, 2))
    text = sanity.explanation.toPlainText()
    assert "Cascading model-parameter randomization" in text and "Data (label) randomization" in text


def test_a_check_cancelled_before_its_first_step_stops_and_says_so(qtbot, window, monkeypatch):
    build(qtbot, window, tiny_colour_config())
    open_explain_tab(qtbot, window)
    sanity = window.explain_panel.sanity_view
    window.explain_panel.pages.setCurrentWidget(sanity)
    # Hold the worker in a map request, so that the check waits in the queue while it is cancelled.
    engine, release = engine_of(window), threading.Event()
    original = engine.predict
    monkeypatch.setattr(engine, "predict", lambda *args, **kwargs: release.wait(30) and original(*args, **kwargs))
    window.service.attribution.explain(window.canvas.current_input(), "gradient")
    with qtbot.waitSignal(window.service.attribution.sig_sanity_finished, timeout=TIMEOUT) as blocker:
        try:
            click(qtbot, sanity.sanity_run_button)
            assert sanity.cancel_button.isEnabled() and not sanity.sanity_run_button.isEnabled()
            click(qtbot, sanity.cancel_button)
        finally:
            release.set()
    assert blocker.args[0].cancelled
    settle(qtbot)
    assert "cancelled" in sanity.status_label.text() and sanity.table.rowCount() == 0
    assert sanity.sanity_run_button.isEnabled() and not sanity.cancel_button.isEnabled()


def test_guided_backprop_on_a_keras_model_shows_the_engines_map(qtbot, window):
    gc.collect()  # what earlier tests left goes now, not while TensorFlow starts on the worker
    build(qtbot, window, tiny_colour_config(), engine="keras")
    open_explain_tab(qtbot, window)
    panel = window.explain_panel
    with qtbot.waitSignal(window.explain.sig_attribution_shown, timeout=TIMEOUT,
                          check_params_cb=lambda result: result.method == "guided-backprop") as blocker:
        choose(qtbot, panel.form.method_combo, "Guided backpropagation")
    settle(qtbot)
    assert not panel.status_label.text().startswith("Not available:")
    result = blocker.args[0]
    shown = panel.shown_map()
    assert shown is not None and shown.shape == (12, 10) and shown.max() > 0
    expected = attribution.guided_backprop(engine_of(window), result.image, result.attribution.class_index)
    np.testing.assert_allclose(result.attribution.map, expected.map, rtol=1e-4, atol=1e-6)
    assert getattr(window, "error_dialog", None) is None


def test_export_all_includes_the_maps_of_the_current_input(qtbot, window, tmp_path):
    open_explain_tab(qtbot, window)
    qtbot.waitUntil(lambda: window.explain_panel.shown_map() is not None, timeout=TIMEOUT)
    settle(qtbot)
    index = window.export_all_to(str(tmp_path / "export"))
    assert (tmp_path / "export" / "attribution_gradient.png").stat().st_size > 1000
    assert "Attribution maps" in index.read_text() and "attribution_gradient.png" in index.read_text()
    with np.load(tmp_path / "export" / "attributions.npz", allow_pickle=False) as arrays:
        np.testing.assert_array_equal(arrays["attribution_gradient"], window.explain_panel.shown_map())


def test_the_overlay_exports_as_png_and_svg_from_the_file_menu_target(qtbot, window, tmp_path):
    from xml.etree import ElementTree

    from cnnviz.ui.export import render_widget

    open_explain_tab(qtbot, window)
    qtbot.waitUntil(lambda: window.explain_panel.shown_map() is not None, timeout=TIMEOUT)
    settle(qtbot)
    widget, title, add_title = window.files._export_target()
    assert widget is window.explain_panel.overlay and title.startswith("Gradient (saliency) — class")
    assert not add_title
    png = render_widget(widget, tmp_path / "explain.png", title=None)
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    svg = render_widget(widget, tmp_path / "explain.svg", title=None)
    assert ElementTree.fromstring(svg.read_bytes()).tag.endswith("svg")


def test_export_all_computes_the_chosen_map_when_the_tab_was_never_opened(qtbot, window, tmp_path):
    from cnnviz.science.attribution import explain

    assert window.current_view() is not window.explain_panel
    window.export_all_to(str(tmp_path / "export"))
    with np.load(tmp_path / "export" / "attributions.npz", allow_pickle=False) as arrays:
        exported = arrays["attribution_gradient"]
    expected = explain(engine_of(window), window.canvas.current_input(), "gradient")
    np.testing.assert_allclose(exported, expected.map, rtol=1e-5, atol=1e-8)
